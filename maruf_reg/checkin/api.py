"""The check-in JSON API under /api/v1, as the README's "Check-in" section pins it, and what it adds.

Who may call it: a bearer token (`Authorization: Bearer …`) or a logged-in staff session; a
session's POSTs carry its CSRF token in the `X-CSRFToken` header (the blueprint is exempt from the
form CSRF check and checks the header itself). Scanning, points, bundles and counts: door and desk
(and admin); people search: desk (and admin) — door devices search their bundle.
Malformed requests get 400 `{"error": …}`, never 500; bodies over 64 KiB (a batch: 4 MiB) get 413;
an unknown point 404; every scan outcome is a 200.

POST /api/v1/scans — `{"token", "point", "uuid", "scanned_at", "device"}`; `device` may be left out.
Optional fields: `"direction": "in"|"out"` (out only at points that count exits, else 400),
`"offline": true` (scanned on an offline device: judged as of `scanned_at`), `"forced": true` (the
device let the person in already, or staff "admit anyway": stored as admitted, flagged and audited,
even when the rules refuse — never at a switched-off point), `"sent_at"` (the device's clock as it
sends: the server answers `X-Clock-Skew: <device minus server, seconds>`, stores it with the scan,
and, when the device is off by more than SCAN_CLOCK_TOLERANCE_SECONDS, files the scan at
`scanned_at` less the skew; a `sent_at` more than 68 years off is a 400, like an unreadable one).
A `scanned_at` (after that correction) more than SCAN_MAX_PAST_SECONDS before or
SCAN_MAX_FUTURE_SECONDS after the server's time: 200 `{"outcome": "bad_time", "person": null,
"previous": null, "error", "code": "bad_time"}`, nothing stored. A uuid already stored with other
content (token, point or direction): 200 `{"outcome": "uuid_conflict", "person": null, "previous":
null, "error", "code": "uuid_conflict"}`, logged; with the same content, the stored answer. (Every
outcome is a 200 answer, the shared contract's rule: a scanner that knows only the first six
outcomes admits nobody on these.)
Answer: `{"outcome", "person", "previous", "reason", "forced"}` — `person` is
`{"id" (the registration id, as badge tokens carry it), "given_name", "family_name", "name",
"category", "organisation", "country"}` or null; `reason` a code or null: `unreadable`,
`bad_signature` (invalid); `no_registration` (unknown); `cancelled`, `not_confirmed`, `replaced`
(revoked); `category`, `no_seat` (not_allowed); `room_full` (admitted at a full room whose point
warns); on a forced admission, what the rules would have said (`already_in`, `not_now`,
`room_full` or one of the above). Outcome `exited` answers an exit. Outcomes added compatibly (a
client that does not know one admits nobody): `not_now` (a session's door outside its window; the
answer adds `"session": {"starts_at", "ends_at", "opens_at", "closes_at"}`), `room_full` (the
answer adds `"room": {"inside", "capacity"}`), `point_inactive` (the point is switched off).

POST /api/v1/scans/batch — `{"scans": [...], "sent_at"}` (at most 1000; items default to
`"offline": true`) → `{"results": [...], "clock_skew"}`, each the answer a single POST gives (byte
for byte the stored one); an item with an unreadable or out-of-range time, or a reused uuid, is
answered `{"outcome": "bad_time"|"uuid_conflict", "error", "code"}` in its place and the others go
on. `clock_skew` only when `sent_at` was sent.

GET /api/v1/points/<id>/bundle — `{"point", "public_key" (hex of the raw 32-byte Ed25519 key),
"revoked": [{"id", "serial"}] (registration `id` admits only badge `serial`; null: none — cancelled
or not confirmed; a registration not listed admits serial 1 only), "people": [{"id", "name",
"category", "organisation"}] (confirmed registrations), "allowed": [ids] or null (a session that
needs booking: who has a seat or speaks), "inside": [ids] (inside in the point's scope now),
"forum": {"id", "timezone"}, "generated_at", "day", "window": {"starts_at", "ends_at", "opens_at",
"closes_at"} or null (a session's door), "room": {"capacity", "policy": "refuse"|"warn"} or null (a
session's door that counts exits)}`; gzip when the client accepts it. A switched-off point: 409.

GET /api/v1/points/<id>/counts — `{"point", "admitted_today", "inside_now", "last_scans"}`;
GET /api/v1/counts — the same for every active point; GET /api/v1/people?q= — `{"people": [...]}`.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from maruf_reg import limits, people_search
from maruf_reg.auth.access import role_required
from maruf_reg.auth.services import TokenPrincipal
from maruf_reg.checkin import bundle as checkin_bundle
from maruf_reg.checkin import counts as checkin_counts
from maruf_reg.checkin import points as checkin_points
from maruf_reg.checkin import scans as checkin_scans
from maruf_reg.checkin.points import PointNotFound
from maruf_reg.extensions import csrf, db, limiter
from maruf_reg.forum import current_forum, current_forum_id
from maruf_reg.i18n import locale_code
from maruf_reg.models import CheckInPoint, Direction, Role, utcnow

api = Blueprint("checkin_api", __name__, url_prefix="/api/v1")
csrf.exempt(api)

SCANNERS = (Role.DOOR, Role.DESK)
MAX_SCAN_BODY = 64 * 1024
MAX_BATCH_BODY = 4 * 1024 * 1024
MAX_BATCH_ITEMS = 1000
MAX_TOKEN = 1000
MAX_DEVICE = 100
MAX_ID = 2**31 - 1


class BadRequest(ValueError):
    """The request is malformed; the message is the JSON error."""


class BadTime(BadRequest):
    """A scan's time is unreadable or too far from the server's clock (`bad_time`)."""


TIME_FORMAT = (
    "'scanned_at' must be an ISO 8601 time with a time zone, e.g. 2019-10-01T09:12:03.123Z"
)


def _error(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": message}), status


@api.errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> tuple[Response, int]:
    return _error(str(error))


@api.errorhandler(PointNotFound)
def _no_point(error: PointNotFound) -> tuple[Response, int]:
    return _error(str(error), 404)


@api.before_request
def _check_csrf_header() -> tuple[Response, int] | None:
    """A staff session's writes must carry its CSRF token in a header; bearer tokens need none."""
    if request.method != "POST" or isinstance(current_user._get_current_object(), TokenPrincipal):
        return None
    if not current_user.is_authenticated:
        return None  # the view's role check answers 401
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except ValidationError as error:
        return _error(f"CSRF token: {error}")
    return None


def _actor() -> dict[str, int | None]:
    principal = current_user._get_current_object()
    if isinstance(principal, TokenPrincipal):
        return {"api_token_id": principal.token_id, "staff_user_id": None}
    return {"api_token_id": None, "staff_user_id": int(principal.id)}


def _json_body(limit: int) -> Any:
    request.max_content_length = limit  # larger bodies get 413 before they are read
    raw = request.get_data(cache=False)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest("the body is not JSON") from error


@dataclass(frozen=True)
class ScanItem:
    token: str
    point: int
    uuid: str
    scanned_at: datetime
    device: str
    direction: Direction
    offline: bool
    forced: bool
    clock_skew: int | None = None


def _field(item: dict[str, Any], name: str, kind: type, where: str, *, required: bool) -> Any:
    if name not in item:
        if required:
            raise BadRequest(f"{where}missing field {name!r}")
        return None
    value = item[name]
    # JSON true is a Python int too: a point id must be a real number, a flag a real boolean.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequest(f"{where}{name!r} must be {_KINDS[kind]}")
    return value


_KINDS = {str: "a string", int: "an integer", bool: "true or false"}


def _scan_item(item: Any, where: str = "", *, offline_default: bool = False) -> ScanItem:
    """Check one scan's fields; BadRequest names the first wrong one."""
    if not isinstance(item, dict):
        raise BadRequest(f"{where}a scan must be a JSON object")
    token = _field(item, "token", str, where, required=True)
    if len(token) > MAX_TOKEN or "\x00" in token:
        raise BadRequest(f"{where}'token' is too long or holds a NUL character")
    point = _field(item, "point", int, where, required=True)
    if not 0 < point <= MAX_ID:
        raise BadRequest(f"{where}'point' is out of range")
    raw_uuid = _field(item, "uuid", str, where, required=True)
    try:
        uuid = checkin_scans.canonical_uuid(raw_uuid)
    except ValueError as error:
        raise BadRequest(f"{where}'uuid' is not a UUID") from error
    raw_time = _field(item, "scanned_at", str, where, required=True)
    try:
        scanned_at = checkin_scans.parse_time(raw_time)
    except (ValueError, OverflowError) as error:
        raise BadTime(f"{where}{TIME_FORMAT}") from error
    device = _field(item, "device", str, where, required=False) or ""
    if len(device) > MAX_DEVICE or "\x00" in device:
        raise BadRequest(f"{where}'device' is longer than {MAX_DEVICE} characters")
    direction = _field(item, "direction", str, where, required=False) or Direction.IN.value
    if direction not in (Direction.IN.value, Direction.OUT.value):
        raise BadRequest(f'{where}\'direction\' must be "in" or "out"')
    offline = _field(item, "offline", bool, where, required=False)
    forced = _field(item, "forced", bool, where, required=False)
    return ScanItem(
        token=token,
        point=point,
        uuid=uuid,
        scanned_at=scanned_at,
        device=device,
        direction=Direction(direction),
        offline=offline_default if offline is None else offline,
        forced=bool(forced),
    )


def _process(item: ScanItem) -> checkin_scans.ScanResult:
    return checkin_scans.process_scan(
        item.token,
        point_id=item.point,
        uuid=item.uuid,
        scanned_at=item.scanned_at,
        device=item.device,
        direction=item.direction,
        offline=item.offline,
        forced=item.forced,
        clock_skew=item.clock_skew,
        **_actor(),
    )


#: the most a device's clock may be off and still be corrected: what a scan's `clock_skew` column
#: holds, an INTEGER like the ids (68 years; a device reset to 1970 is within it until 2038)
MAX_CLOCK_SKEW_SECONDS = MAX_ID


def _clock_skew(body: Any) -> int | None:
    """The device's clock (`sent_at`, when it sent the request) minus the server's, in seconds."""
    raw = body.get("sent_at") if isinstance(body, dict) else None
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise BadRequest("'sent_at' must be a string")
    try:
        sent_at = checkin_scans.parse_time(raw)
    except (ValueError, OverflowError) as error:
        raise BadRequest("'sent_at' must be an ISO 8601 time with a time zone") from error
    skew = round((sent_at - utcnow()).total_seconds())
    if abs(skew) > MAX_CLOCK_SKEW_SECONDS:
        raise BadRequest(
            f"'sent_at' {checkin_scans.iso_utc(sent_at)} is more than 68 years from the server's "
            f"time {checkin_scans.iso_utc(utcnow())}: the device's clock is not set"
        )
    return skew


def _on_server_time(item: ScanItem, skew: int | None) -> ScanItem:
    """The scan's time by the server's clock (a device off by more than the tolerance is
    corrected by its skew); BadTime when it is further from now than the settings allow."""
    config = current_app.config
    scanned_at = item.scanned_at
    if skew is not None and abs(skew) > config["SCAN_CLOCK_TOLERANCE_SECONDS"]:
        scanned_at -= timedelta(seconds=skew)
    gap = (scanned_at - utcnow()).total_seconds()
    if gap > config["SCAN_MAX_FUTURE_SECONDS"] or -gap > config["SCAN_MAX_PAST_SECONDS"]:
        raise BadTime(
            f"'scanned_at' {checkin_scans.iso_utc(item.scanned_at)} is too far from the "
            f"server's time {checkin_scans.iso_utc(utcnow())}"
        )
    return replace(item, scanned_at=scanned_at, clock_skew=skew)


def _refusal(code: str, error: Exception) -> dict[str, Any]:
    """A scan refused before any decision (`bad_time`, `uuid_conflict`): an answer of the usual
    shape whose outcome admits nobody, with the reason in `error`."""
    return {"outcome": code, "person": None, "previous": None, "error": str(error), "code": code}


def _item_error(error: Exception, code: str) -> str:
    """A refused item of a batch: the same answer as a single scan gets."""
    return json.dumps(_refusal(code, error))


def _skew_header(response: Response, skew: int | None) -> Response:
    if skew is not None:
        response.headers["X-Clock-Skew"] = str(skew)
    return response


@api.post("/scans")
@role_required(*SCANNERS)
def scan() -> Response | tuple[Response, int]:
    """Decide one scan: `{"token", "point", "uuid", "scanned_at", "device"}` → its outcome."""
    body = _json_body(MAX_SCAN_BODY)
    item = _scan_item(body)
    skew = _clock_skew(body)
    try:
        item = _on_server_time(item, skew)
    except BadTime as error:
        return jsonify(_refusal("bad_time", error) | {"clock_skew": skew})
    try:
        result = _process(item)
    except checkin_scans.ExitsNotCounted as error:
        return _error(str(error))
    except checkin_scans.UuidConflict as error:
        return jsonify(_refusal("uuid_conflict", error))
    return _skew_header(Response(result.body, mimetype="application/json"), skew)


@api.post("/scans/batch")
@role_required(*SCANNERS)
def scan_batch() -> Response | tuple[Response, int]:
    """Offline sync: `{"scans": [...]}` → `{"results": [...]}`, one answer per item, in order.

    The whole batch is checked first (a malformed item or an unknown point refuses it all, naming
    the item); then each scan is decided and stored on its own, so a retried batch is answered
    from the stored answers. An item whose time is unreadable or too far from the server's is
    answered `{"error", "code": "bad_time"}` and the others go on; so is a uuid sent before with
    other content (`uuid_conflict`).
    """
    body = _json_body(MAX_BATCH_BODY)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    scans = body.get("scans")
    if not isinstance(scans, list):
        raise BadRequest("missing field 'scans' (a list)")
    if len(scans) > MAX_BATCH_ITEMS:
        raise BadRequest(f"at most {MAX_BATCH_ITEMS} scans in one batch")
    skew = _clock_skew(body)
    items = [_batch_item(raw, n, skew) for n, raw in enumerate(scans)]
    wanted = {item.point for item in items if isinstance(item, ScanItem)}
    known = set(db.session.scalars(select(CheckInPoint.id).where(CheckInPoint.id.in_(wanted))))
    for n, item in enumerate(items):
        if isinstance(item, ScanItem) and item.point not in known:
            return _error(f"scans[{n}]: no check-in point {item.point}", 404)
    answers = [item if isinstance(item, str) else _batch_answer(item) for item in items]
    results = '{"results":[' + ",".join(answers) + "]"
    if skew is not None:
        results += f',"clock_skew":{skew}'
    return _skew_header(Response(results + "}", mimetype="application/json"), skew)


def _batch_item(raw: Any, n: int, skew: int | None) -> ScanItem | str:
    """One item of a batch, checked, on the server's time; a bad time is its answer already."""
    try:
        return _on_server_time(_scan_item(raw, f"scans[{n}]: ", offline_default=True), skew)
    except BadTime as error:
        return _item_error(error, "bad_time")


def _batch_answer(item: ScanItem) -> str:
    try:
        return _process(item).body
    except checkin_scans.ExitsNotCounted as error:
        return json.dumps({"error": str(error)})
    except checkin_scans.UuidConflict as error:
        return _item_error(error, "uuid_conflict")


@api.get("/points")
@role_required(*SCANNERS)
def point_list() -> Response:
    """The current forum's active check-in points."""
    forum_id = current_forum_id()
    found = checkin_points.points(forum_id) if forum_id is not None else []
    return jsonify([checkin_points.point_json(p) for p in found])


@api.get("/points/<int:point_id>/bundle")
@role_required(*SCANNERS)
def point_bundle(point_id: int) -> Response | tuple[Response, int]:
    """Everything an offline scanner needs for one point (gzip when the client takes it); an
    inactive point has none (409)."""
    if not checkin_points.rules(point_id).active:
        return _error(f"check-in point {point_id} is switched off", 409)
    body = json.dumps(checkin_bundle.bundle(point_id), ensure_ascii=False, separators=(",", ":"))
    data = body.encode()
    response = Response(mimetype="application/json")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip.compress(data, compresslevel=5))
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
    else:
        response.set_data(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@api.get("/points/<int:point_id>/counts")
@role_required(*SCANNERS)
def point_counts(point_id: int) -> Response | tuple[Response, int]:
    """Live counts of one point: admitted today, inside now, the last scans."""
    point = db.session.get(CheckInPoint, point_id)
    if point is None:
        return _error(f"no check-in point {point_id}", 404)
    counts = checkin_counts.live_counts(point.forum, [point.id])[point.id]
    return jsonify(counts.as_json())


@api.get("/counts")
@role_required(Role.DESK)
def all_counts() -> Response:
    """Live counts of every active point of the current forum (the organisers' page polls this).

    Door staff see their own point's counts only (`/points/<id>/counts`)."""
    forum = current_forum()
    if forum is None:
        return jsonify({"points": []})
    found = checkin_points.points(forum.id)
    counts = checkin_counts.live_counts(forum, [p.id for p in found], last=3)
    return jsonify(
        {
            "points": [
                {**checkin_points.point_json(p), **counts[p.id].as_json(), "point": p.id}
                for p in found
            ]
        }
    )


@api.get("/people")
@role_required(Role.DESK)
@limiter.limit(lambda: current_app.config["RATELIMIT_SEARCH"], key_func=limits.staff_member)
def people() -> Response | tuple[Response, int]:
    """Search the current forum's registrations by name, e-mail or organisation: `?q=`."""
    query = request.args.get("q", "")
    if len(query) > 200:
        return _error("'q' is longer than 200 characters")
    forum_id = current_forum_id()
    hits = (
        people_search.search_people(forum_id, query, locale=locale_code())
        if forum_id is not None
        else []
    )
    return jsonify({"people": [hit.as_json() for hit in hits]})
