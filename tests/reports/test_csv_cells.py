"""CSV cells a spreadsheet could split or run: a cell with a separator is quoted, and a formula
character after a `;` is prefixed, so a Turkish Excel (which splits at `;`) runs no formula."""

from __future__ import annotations

import csv
import io

from maruf_reg.reports.exports import csv_line

FORMULA = ("=", "+", "-", "@")


def _cells(data: bytes, delimiter: str) -> list[str]:
    text = data.decode("utf-8-sig")
    return [
        cell
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for cell in row
    ]


def test_a_cell_with_a_separator_anywhere_is_quoted():
    assert csv_line(["x;=2+5", "a,b", "tab\t@x", 'say "hi"', "plain", 7]) == (
        '"x;\'=2+5","a,b","tab\t\'@x","say ""hi""",plain,7\r\n'
    )
    assert csv_line(['x; "=1', "a;b", "a,=1"]) == '"x; ""\'=1","a;b","a,=1"\r\n'
    assert (
        csv_line(["2030-10-01T09:12:03.123Z", "Jean-Luc"])
        == "2030-10-01T09:12:03.123Z,Jean-Luc\r\n"
    )


def test_an_export_opened_with_either_separator_runs_no_formula(
    runner, forum, make_registration, make_person, tmp_path
):
    for organisation, given in [
        ("x;=2+5", "Ayşe"),
        ("Kent;+cmd|' /C calc'!A0", "Ali"),
        ("a,=1+1", "Can"),
    ]:
        make_registration(
            forum, make_person(given_name=given, family_name="Öz", organisation=organisation)
        )
    out = tmp_path / "registrations.csv"
    result = runner.invoke(args=["export", "registrations", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    for delimiter in (",", ";"):
        cells = _cells(data, delimiter)
        assert not [cell for cell in cells if cell.startswith(FORMULA)], delimiter
    # Read with the right separator, the organisations are what was typed, made safe.
    assert {"x;'=2+5", "Kent;'+cmd|' /C calc'!A0", "a,=1+1"} <= set(_cells(data, ","))
