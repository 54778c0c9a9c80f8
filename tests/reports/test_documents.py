"""PDFs: the printable session report and certificates of attendance, rendered and read back."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from maruf_reg.extensions import db
from maruf_reg.models import Person

PAST = date(2020, 10, 1)


def _text(pdf: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _ink(pdf: bytes, tmp_path: Path) -> float:
    """Render the first page with poppler (as a person would look at it) and measure its ink."""
    if not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(1 for value in image.get_flattened_data() if value < 128)
    return dark / (image.width * image.height)


def test_session_report_pdf(client, login, scenario, tmp_path):
    login()
    s1 = scenario.sessions["s1"].id
    response = client.get(f"/reports/sessions/{s1}/report.pdf", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    pdf = response.get_data()
    text = _text(pdf)
    assert "Migration panel" in text
    assert "Peak occupancy" in text and "People inside over time" in text
    assert "Room capacity 5" in text  # the capacity line of the chart (SVG drawn by WeasyPrint)
    assert "Participant" in text and "Germany" in text
    assert _ink(pdf, tmp_path) > 0.01
    turkish = client.get(f"/reports/sessions/{s1}/report.pdf?lang=tr").get_data()
    assert "Göç paneli" in _text(turkish)
    assert client.get("/reports/sessions/999999/report.pdf").status_code == 404


def test_an_empty_session_report_pdf(client, login, forum, make_session):
    session = make_session(forum)
    login()
    response = client.get(
        f"/reports/sessions/{session.id}/report.pdf", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert "Nobody scanned in yet" in _text(response.get_data())


def test_no_certificate_before_the_forum_is_over(client, scenario):
    token = scenario.people["ayse"].manage_token
    response = client.get(f"/r/{token}/certificate.pdf", headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    # Ayşe reads Turkish: the page follows her language.
    assert "Katılım belgesi" in page or "Katılım Belgesi" in page
    assert "2030" in page


def test_certificate_lists_the_sessions_scanned_into(client, build_scenario, tmp_path):
    scenario = build_scenario(PAST)
    token = scenario.people["ayse"].manage_token
    response = client.get(f"/r/{token}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.get_data()
    text = _text(pdf)
    # In Ayşe's language (Turkish), with both sessions she was admitted to.
    assert "Ayşe Öztürk" in text
    assert "Katılım Belgesi" in text
    assert "Göç paneli" in text and "Dirençlilik atölyesi" in text
    assert "aşağıdaki 2 oturuma katıldığı onaylanır" in " ".join(text.split())
    assert "Closing talk" not in text and "Kapanış konuşması" not in text
    assert "Marmara Kentsel Forumu" in text and "1–3 Ekim 2020" in text
    assert _pages(pdf) == 1
    assert _ink(pdf, tmp_path) > 0.01


def test_certificate_in_english_for_an_arabic_name(client, build_scenario):
    scenario = build_scenario(PAST)
    token = scenario.people["muhammad"].manage_token
    pdf = client.get(f"/r/{token}/certificate.pdf").get_data()
    text = _text(pdf)
    assert "Certificate of Attendance" in text and "Marmara Urban Forum" in text
    assert "Migration panel" in text and "Resilience workshop" not in text
    assert "attended the following session of the Marmara Urban Forum" in " ".join(text.split())
    assert "1–3 October 2020" in text


def test_certificate_in_arabic_right_to_left(app, client, build_scenario):
    scenario = build_scenario(PAST)
    muhammad = scenario.people["muhammad"]
    with app.app_context():
        db.session.get(Person, muhammad.person_id).language = "ar"
        db.session.commit()
    pdf = client.get(f"/r/{muhammad.manage_token}/certificate.pdf").get_data()
    text = _text(pdf)
    assert "Migration panel" in text  # titles exist in English and Turkish: English it is
    assert _pages(pdf) == 1
    # The sentences are the Arabic catalogue's (letters, whatever order extraction gives them).
    assert {"ش", "ه", "ا", "د", "ة", "ح", "ض", "و", "ر"} <= set(text)
    assert "Certificate of Attendance" not in text and "This is to certify" not in text


def test_a_speaker_with_a_long_name_gets_one_page(app, client, build_scenario):
    scenario = build_scenario(PAST)
    ilkay = scenario.people["ilkay"]
    with app.app_context():
        person = db.session.get(Person, ilkay.person_id)
        person.given_name = "Ayşegül İlkay Şükriye Nur"
        person.family_name = "Karaağaçlıoğlu-Öztürkmenoğulları 高橋"
        db.session.commit()
    pdf = client.get(f"/r/{ilkay.manage_token}/certificate.pdf").get_data()
    assert _pages(pdf) == 1
    assert "Karaağaçlıoğlu-Öztürkmenoğulları" in _text(pdf).replace("-\n", "-")


def test_no_certificate_without_attendance(client, build_scenario):
    scenario = build_scenario(PAST)
    response = client.get(f"/r/{scenario.people['hakan'].manage_token}/certificate.pdf")
    assert response.status_code == 404
    assert "certificate" in response.get_data(as_text=True).lower()
    assert client.get("/r/not-a-token/certificate.pdf").status_code == 404


def test_batch_of_certificates_from_the_command_line(runner, build_scenario, tmp_path):
    build_scenario()  # before the forum ends: organisers may print anyway
    out = tmp_path / "certificates.pdf"
    result = runner.invoke(args=["certificates", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 certificates written" in result.output
    pdf = out.read_bytes()
    assert _pages(pdf) == 5  # Ayşe, Muhammad, Jürgen, İlkay, Fatma
    text = _text(pdf)
    assert "Katılım Belgesi" in text and "Certificate of Attendance" in text
    assert "Hakan" not in text


def test_batch_errors_are_clear_and_leave_no_file(runner, forum, tmp_path):
    result = runner.invoke(args=["certificates", str(tmp_path / "none.pdf")])
    assert result.exit_code == 1 and "nobody was scanned into a session" in result.output
    assert not (tmp_path / "none.pdf").exists()


def test_batch_to_an_unwritable_path(runner, scenario, tmp_path):
    out = tmp_path / "missing" / "certificates.pdf"
    result = runner.invoke(args=["certificates", str(out)])
    assert result.exit_code == 1
    assert "cannot write" in result.output
    assert not out.parent.exists()


def test_a_certificate_is_drawn_once_and_again_only_when_attendance_changes(
    app, client, build_scenario, make_scan, monkeypatch
):
    from maruf_reg.models import StoredFile
    from maruf_reg.reports import documents

    scenario = build_scenario(PAST)
    muhammad = scenario.people["muhammad"]
    drawn = []
    real = documents.certificate_pdf

    def counting(found, *, now):
        drawn.append([s.id for s in found.sessions])
        return real(found, now=now)

    monkeypatch.setattr(documents, "certificate_pdf", counting)
    url = f"/r/{muhammad.manage_token}/certificate.pdf"
    first = client.get(url).get_data()
    again = client.get(url)
    assert again.status_code == 200 and again.mimetype == "application/pdf"
    assert again.headers["Cache-Control"] == "private, no-store"
    assert again.get_data() == first
    assert len(drawn) == 1  # the second came from the file store
    # He is scanned into the resilience workshop too (a late sync): drawn again, with both.
    make_scan(scenario.points["p2"], muhammad, scenario.at(1, 14, 5))
    changed = client.get(url).get_data()
    assert len(drawn) == 2 and len(drawn[1]) == 2
    assert "Resilience workshop" in _text(changed)
    with app.app_context():
        keys = db.session.scalars(db.select(StoredFile.key)).all()
    assert len(keys) == 1 and keys[0].startswith(f"certificates/{muhammad.id}-")


def test_certificate_downloads_are_limited_per_link(make_app, build_scenario):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_CERTIFICATE="2 per minute")
    scenario = build_scenario(PAST)
    client = app.test_client()
    ayse, muhammad = scenario.people["ayse"], scenario.people["muhammad"]
    codes = [client.get(f"/r/{ayse.manage_token}/certificate.pdf").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get(f"/r/{muhammad.manage_token}/certificate.pdf").status_code == 200
