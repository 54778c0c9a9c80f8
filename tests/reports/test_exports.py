"""Exports: the CLI and the downloads, parsed back as a spreadsheet user's program would."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from maruf_reg.reports import export_columns, export_rows, exports

REGISTRATION_HEADER = [
    "id",
    "given_name",
    "family_name",
    "email",
    "organisation",
    "country",
    "category",
    "status",
    "created_at",
]
# Added after the contract's columns (which keep their places).
REGISTRATION_EXTRAS = [
    "position",
    "language",
    "source",
    "sessions_booked",
    "sessions_waitlisted",
    "badge_printed",
    "sessions_attended",
]
SCAN_HEADER = [
    "uuid",
    "scanned_at",
    "received_at",
    "point",
    "registration_id",
    "name",
    "email",
    "category",
    "outcome",
    "device",
    "offline",
    "forced",
    "clock_skew",
]


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "a CSV starts with the UTF-8 BOM"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _export(runner, tmp_path, *args: str) -> tuple[object, Path]:
    out = tmp_path / "out" / f"export.{args[2] if len(args) > 2 else 'csv'}"
    out.parent.mkdir(exist_ok=True)
    result = runner.invoke(args=["export", *args, "--out", str(out)])
    return result, out


def test_registrations_csv_from_the_command_line(runner, scenario, tmp_path):
    result, out = _export(runner, tmp_path, "registrations", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "9 registrations written" in result.output
    rows = _read_csv(out.read_bytes())
    header = REGISTRATION_HEADER + REGISTRATION_EXTRAS
    assert rows[0] == header
    by_email = {row[3]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert len(by_email) == 9
    ayse = by_email["ayse@example.org"]
    assert (ayse["given_name"], ayse["family_name"], ayse["country"]) == ("Ayşe", "Öztürk", "TR")
    assert (ayse["category"], ayse["status"]) == ("participant", "confirmed")
    assert ayse["created_at"] == "2030-09-01T07:00:00.000Z"  # 10:00 in Istanbul
    assert ayse["organisation"] == "Marmara Belediyeler Birliği"
    muhammad = by_email["muhammad@example.org"]
    assert (muhammad["given_name"], muhammad["family_name"]) == ("محمد", "الحلبي")
    assert by_email["wang@example.org"]["status"] == "cancelled"
    assert by_email["giorgos@example.org"]["given_name"] == "Γιώργος"
    # A cell that a spreadsheet would run as a formula is written as text.
    assert by_email["fatma@example.org"]["given_name"] == '\'=HYPERLINK("x")'
    assert by_email["fatma@example.org"]["country"] == ""
    assert [int(row[0]) for row in rows[1:]] == sorted(int(row[0]) for row in rows[1:])
    assert out.read_bytes().count(b"\r\n") == 10


def test_scans_csv_lists_every_processed_scan(runner, scenario, tmp_path):
    result, out = _export(runner, tmp_path, "scans")
    assert result.exit_code == 0, result.output
    rows = _read_csv(out.read_bytes())
    assert rows[0] == SCAN_HEADER
    scans = [dict(zip(SCAN_HEADER, row, strict=True)) for row in rows[1:]]
    assert len(scans) == 28
    outcomes = [s["outcome"] for s in scans]
    assert outcomes.count("already_in") == 2 and outcomes.count("exited") == 5
    assert outcomes.count("unknown") == 1 and outcomes.count("invalid") == 1
    assert outcomes.count("revoked") == 2
    unknown = next(s for s in scans if s["outcome"] == "unknown")
    assert (unknown["registration_id"], unknown["name"], unknown["email"]) == ("", "", "")
    first = scans[0]  # in time order: Ayşe at Ana Giriş, 08:30 in Istanbul
    assert first["scanned_at"] == "2030-10-01T05:30:00.000Z"
    assert first["received_at"] == "2030-10-01T05:30:01.000Z"
    assert first["point"] == str(scenario.points["e1"].id)
    assert (first["name"], first["category"], first["offline"]) == (
        "Ayşe Öztürk",
        "participant",
        "false",
    )
    arabic = next(s for s in scans if s["email"] == "muhammad@example.org")
    assert arabic["name"] == "محمد الحلبي"
    offline = next(s for s in scans if s["offline"] == "true")
    assert offline["device"] == "'+Kapı B"
    assert [s["scanned_at"] for s in scans] == sorted(s["scanned_at"] for s in scans)


def test_sessions_csv_holds_the_report(runner, scenario, tmp_path):
    result, out = _export(runner, tmp_path, "sessions", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = _read_csv(out.read_bytes())
    assert rows[0] == [c.code for c in export_columns.COLUMNS[exports.ExportKind.SESSIONS]]
    s1 = dict(zip(rows[0], rows[1], strict=True))
    assert s1 == {
        "id": str(scenario.sessions["s1"].id),
        "title_en": "Migration panel",
        "title_tr": "Göç paneli",
        "theme": "migration",
        "room": "Salon A",
        "kind": "panel",
        "starts_at": "2030-10-01T08:00:00.000Z",
        "ends_at": "2030-10-01T09:30:00.000Z",
        "capacity": "4",
        "room_capacity": "5",
        "booked": "3",
        "waitlisted": "1",
        "attended": "4",
        "no_shows": "1",
        "walk_ins": "2",
        "peak": "4",
        "peak_at": "2030-10-01T08:02:00.000Z",
    }
    closing = dict(zip(rows[0], rows[2], strict=True))
    assert (closing["title_en"], closing["attended"], closing["peak_at"]) == (
        "Closing talk",
        "0",
        "",
    )


def test_xlsx_reads_back_with_openpyxl(runner, scenario, tmp_path):
    out = tmp_path / "registrations.xlsx"
    result = runner.invoke(args=["export", "registrations", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "(xlsx)" in result.output  # the format follows the file name
    sheet = load_workbook(out, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == REGISTRATION_HEADER + REGISTRATION_EXTRAS
    by_email = {row[3]: row for row in rows[1:]}
    ayse = by_email["ayse@example.org"]
    assert ayse[1:3] == ("Ayşe", "Öztürk")
    assert ayse[8] == datetime(2030, 9, 1, 7, 0)  # UTC
    assert by_email["muhammad@example.org"][1:3] == ("محمد", "الحلبي")
    assert by_email["fatma@example.org"][1] == '\'=HYPERLINK("x")'  # text, never a formula

    scans = tmp_path / "scans.xlsx"
    assert (
        runner.invoke(args=["export", "scans", "--format", "xlsx", "--out", str(scans)]).exit_code
        == 0
    )
    scan_rows = list(load_workbook(scans, read_only=True).active.iter_rows(values_only=True))
    assert list(scan_rows[0]) == SCAN_HEADER and len(scan_rows) == 29
    assert {row[10] for row in scan_rows[1:]} == {True, False}


def test_downloads_from_the_report_pages(client, login, scenario):
    login()
    response = client.get("/reports/export/registrations.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('.csv"')
    rows = _read_csv(response.get_data())
    assert rows[0] == REGISTRATION_HEADER + REGISTRATION_EXTRAS and len(rows) == 10
    assert any(row[1] == "محمد" for row in rows)

    sessions = _read_csv(client.get("/reports/export/sessions.csv").get_data())
    assert sessions[1][1] == "Migration panel" and len(sessions) == 4

    xlsx = client.get("/reports/export/scans.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.get_data()), read_only=True).active
    assert len(list(sheet.iter_rows(values_only=True))) == 29
    assert client.get("/reports/export/people.csv").status_code == 404
    assert client.get("/reports/export/registrations.pdf").status_code == 404


def test_csv_comes_in_pieces(app, scenario, monkeypatch):
    """The download is written batch by batch, as the database hands the rows over."""
    monkeypatch.setattr(exports, "BATCH", 2)
    monkeypatch.setattr(export_rows, "BATCH", 2)
    with app.app_context():
        pieces = list(exports.csv_chunks(exports.ExportKind.REGISTRATIONS, scenario.forum))
    assert len(pieces) == 5
    assert pieces[0].startswith("\ufeffid,given_name")
    assert sum(piece.count("\r\n") for piece in pieces) == 10


def test_an_empty_forum_exports_headers_only(runner, forum, tmp_path):
    for kind in ("registrations", "scans", "sessions"):
        result, out = _export(runner, tmp_path, kind)
        assert result.exit_code == 0, result.output
        rows = _read_csv(out.read_bytes())
        codes = [c.code for c in export_columns.COLUMNS[exports.ExportKind(kind)]]
        assert len(rows) == 1 and rows[0] == codes


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["export", "people", "--out", "x.csv"],
            "Invalid value for '{registrations|scans|sessions}'",
        ),
        (["export", "scans", "--format", "pdf", "--out", "x.csv"], "Invalid value for '--format'"),
        (["export", "scans"], "Missing option '--out'"),
    ],
)
def test_bad_command_lines_are_refused(runner, forum, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert message in result.output


def test_an_unwritable_path_is_a_clear_message(runner, forum, tmp_path):
    missing = tmp_path / "no-such-folder" / "out.csv"
    result = runner.invoke(args=["export", "scans", "--out", str(missing)])
    assert result.exit_code == 1
    assert f"Error: cannot write {missing}: No such file or directory" in result.output
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    result = runner.invoke(args=["export", "scans", "--out", str(a_file / "out.csv")])
    assert result.exit_code == 1 and "cannot write" in result.output
    result = runner.invoke(args=["export", "scans", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "is a directory" in result.output


def test_a_failed_export_leaves_no_partial_file(runner, scenario, tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "registrations.csv"
    out.write_text("the previous export\n")

    def broken(kind, forum, options):
        yield (1, "Ayşe", "Öztürk", "a@example.org", "", "TR", "participant", "confirmed", None)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_rows, "rows", broken)
    result = runner.invoke(args=["export", "registrations", "--out", str(out)])
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in folder.iterdir()) == ["registrations.csv"]


def test_without_a_forum_the_command_says_so(runner, tmp_path):
    result = runner.invoke(args=["export", "registrations", "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "there is no forum yet" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_an_export_for_people_has_local_times_and_headers_in_their_language(
    runner, scenario, tmp_path
):
    out = tmp_path / "kayitlar.xlsx"
    result = runner.invoke(
        args=[
            "export",
            "registrations",
            "--out",
            str(out),
            "--times",
            "local",
            "--headers",
            "tr",
            "--phone",
        ]
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out)  # not read-only: the sheet's settings are read too
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["No", "Adı", "Soyadı", "E-posta"] and "Telefon" in header
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}10"
    assert sheet.column_dimensions["D"].width == 28
    rows = {row[3]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    # 2030-09-01 07:00 UTC is 10:00 in Istanbul: the cell holds the forum's local time.
    assert rows["ayse@example.org"][header.index("Kayıt zamanı")] == datetime(2030, 9, 1, 10, 0)
    assert sheet.cell(2, header.index("Kayıt zamanı") + 1).number_format == "yyyy-mm-dd hh:mm:ss"
    booked = rows["ayse@example.org"][header.index("Yer ayrılan oturumlar")]
    assert booked and "Göç paneli" in booked


def test_the_registrations_list_exports_exactly_what_its_filter_shows(client, login, scenario):
    login()
    everybody = _read_csv(client.get("/reports/export/registrations.csv?for=people").get_data())
    cancelled = _read_csv(
        client.get("/reports/export/registrations.csv?for=people&status=cancelled").get_data()
    )
    searched = _read_csv(client.get("/reports/export/registrations.csv?q=ozturk").get_data())
    assert len(everybody) == 10
    assert [row[3] for row in cancelled[1:]] == ["wang@example.org"]
    assert [row[3] for row in searched[1:]] == ["ayse@example.org"]
    # For people: the forum's local time, without the UTC "Z".
    ayse = next(row for row in everybody if row[3] == "ayse@example.org")
    assert "2030-09-01 10:00:00" in ayse
    assert "Phone" not in everybody[0] and "Telefon" not in everybody[0]
    # An odd filter value is left out, never an error.
    assert client.get("/reports/export/registrations.csv?theme=²&status=nope").status_code == 200
