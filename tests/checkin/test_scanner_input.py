"""The scanner page never drops a USB scanner's input: codes typed while an answer is on screen
are queued, sent in order and each answer is shown in turn."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import Outcome, Scan

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)"
    ),
]

# Installed before the page's own script: every answer the panel shows, in order.
RECORD_ANSWERS = """
window.shownAnswers = [];
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.getElementById("result");
  new MutationObserver(() => {
    if (!panel.hidden) window.shownAnswers.push(panel.className);
  }).observe(panel, { attributes: true, attributeFilter: ["class", "hidden"] });
});
"""


def expected_outcomes(people: list[int | None]) -> list[Outcome]:
    """Invalid for no one, admitted the first time, already in after."""
    expected: list[Outcome] = []
    seen: set[int] = set()
    for who in people:
        if who is None:
            expected.append(Outcome.INVALID)
        else:
            expected.append(Outcome.ALREADY_IN if who in seen else Outcome.ADMITTED)
            seen.add(who)
    return expected


def test_twenty_codes_typed_like_a_usb_scanner_are_all_scanned_in_order(
    app, live_server, forum, make_point, make_registration, make_person, make_staff, badge
):
    playwright_api = pytest.importorskip("playwright.sync_api")
    door = make_point(forum, name="A Kapısı")
    people = [
        make_registration(forum, make_person(given_name=f"Kişi{i}", family_name="Çelik"))
        for i in range(12)
    ]
    valid = [badge(forum, registration) for registration in people]
    # A badge with one letter changed in the middle (its last letters may carry only the base32
    # padding bits: changed there, it could still read as the same badge).
    middle = len(valid[0]) // 2
    tampered = (
        valid[0][:middle] + ("B" if valid[0][middle] != "B" else "C") + valid[0][middle + 1 :]
    )
    invalid = ["HELLO123", "X" * 116, tampered, "NOT-A-BADGE"]
    # 20 codes: twelve first admissions, four refusals and four badges shown a second time.
    fresh = iter(zip(valid, [r.id for r in people], strict=True))
    codes: list[tuple[str, int | None]] = []
    for index in range(20):
        if index % 5 == 3:
            codes.append((invalid[index // 5], None))
        elif index % 5 == 4:
            codes.append(codes[index - 2])
        else:
            codes.append(next(fresh))
    staff = make_staff("door")

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
            context.add_init_script(RECORD_ANSWERS)
            page = context.new_page()
            page.goto(f"{live_server}/login?lang=en")
            page.fill("input[name=email]", staff.email)
            page.fill("input[name=password]", staff.password)
            page.click("button[type=submit]")
            page.goto(f"{live_server}/checkin/{door.id}")
            page.wait_for_selector("#scanner[data-ready=true]", timeout=20000)
            for index, (code, _who) in enumerate(codes):
                # A keyboard-wedge scanner: fast keystrokes into whatever has the focus, then Enter.
                page.keyboard.type(code, delay=1)
                page.keyboard.press("Enter")
                if index == 9:
                    # Door staff tap the answer away in the middle of the rush.
                    page.click("#result-next")
                page.wait_for_timeout(300)
            # (Polled from here: the page's CSP forbids the eval that wait_for_function needs.)
            for _tick in range(300):
                if page.evaluate("window.shownAnswers.length") >= 20:
                    break
                page.wait_for_timeout(100)
            page.wait_for_selector("#result", state="hidden", timeout=30000)
            assert page.evaluate("document.activeElement.id") == "code"
            shown = page.evaluate("window.shownAnswers")
        finally:
            browser.close()

    with app.app_context():
        # In the order they were read: a request slower than the scanner's 3 s limit (a loaded
        # machine) is decided offline and synced a little later, so arrival order may differ.
        rows = db.session.execute(
            select(Scan.registration_id, Scan.outcome).order_by(Scan.scanned_at, Scan.id)
        ).all()
    assert [who for who, _outcome in rows] == [who for _code, who in codes]
    expected = expected_outcomes([who for _code, who in codes])
    assert [outcome for _who, outcome in rows] == expected
    # Every answer was on screen in turn, in the order of the codes.
    assert [next(c for c in s.split() if c.startswith("o-"))[2:] for s in shown[:20]] == [
        o.value for o in expected
    ]


CACHED = """async () => {
  const found = [];
  for (const key of await caches.keys()) {
    const cache = await caches.open(key);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      const path = new URL(request.url).pathname;
      found.push([path, path.startsWith("/static/") ? "" : await response.text()]);
    }
  }
  return found;
}"""


def _open_scanner(page, live_server: str, point_id: int) -> None:
    page.goto(f"{live_server}/checkin/{point_id}")
    page.wait_for_selector("#scanner[data-ready=true]", timeout=20000)


def test_the_service_worker_keeps_no_personal_data_and_sign_out_wipes_the_device(
    app, live_server, forum, make_point, make_registration, make_person, make_staff
):
    playwright_api = pytest.importorskip("playwright.sync_api")
    door = make_point(forum, name="C Kapısı")
    make_registration(
        forum, make_person(given_name="Ayşe", family_name="Öztürk", email="ayse@example.org")
    )
    staff = make_staff("desk")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_context(locale="en-GB").new_page()
            page.goto(f"{live_server}/login?lang=en")
            page.fill("input[name=email]", staff.email)
            page.fill("input[name=password]", staff.password)
            page.click("button[type=submit]")
            _open_scanner(page, live_server, door.id)
            for _tick in range(100):  # the worker installs and takes the page over
                if page.evaluate("navigator.serviceWorker.controller !== null"):
                    break
                page.wait_for_timeout(100)
            _open_scanner(page, live_server, door.id)
            # The desk's search and the API answers go through the worker: none is kept.
            page.goto(f"{live_server}/checkin/desk?q=ayse")
            assert "ayse@example.org" in page.content()
            _open_scanner(page, live_server, door.id)
            page.evaluate("fetch('/api/v1/people?q=ayse').then((r) => r.text())")
            cached = page.evaluate(CACHED)
            paths = {path for path, _body in cached}
            assert f"/checkin/{door.id}" in paths  # the shell, for offline use
            assert "/static/js/checkin/scanner.js" in paths
            assert not [p for p in paths if "desk" in p or p.startswith("/api/")], paths
            for path, body in cached:
                assert "ayse@example.org" not in body and "Öztürk" not in body, path
            # The offline bundle (with names) is in IndexedDB until the device signs out.
            names = "indexedDB.databases().then((all) => all.map((d) => d.name))"
            assert "maruf-checkin" in page.evaluate(names)

            page.click(".device-settings summary")
            with page.expect_navigation():
                page.click("#sign-out-device button")
            assert page.evaluate("caches.keys().then((keys) => keys.length)") == 0
            assert "maruf-checkin" not in page.evaluate(names)
            page.goto(f"{live_server}/checkin/{door.id}")
            assert "/login" in page.url
        finally:
            browser.close()
