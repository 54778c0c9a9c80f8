"""`flask import-people FILE.csv` and the organisers' import page: all rows or none, by e-mail."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from maruf_reg.models import AuditLog, Category, Person, Registration, RegistrationStatus
from tests.conftest import csrf_from
from tests.registration.conftest import rows

GOOD = (
    "given_name,family_name,email,organisation,position,country,phone,language,category\n"
    "Ayşe,Öztürk,ayse@example.org,İBB,Planlamacı,TR,+90 212 000 00 00,tr,\n"
    'محمد,الحلبي,Halabi@Example.org,"UN-Habitat, Beirut",Expert,Lebanon,,en,speaker\n'
    "Ana,Müller,ana@example.org,TU Wien,,DE,,,press\n"
)


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_utf8_file_with_bom_is_imported(app, runner, forum, tmp_path):
    path = write(tmp_path, "people.csv", GOOD.encode("utf-8-sig"))
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 new, 0 updated, 0 unchanged" in result.output
    assert "utf-8-sig" in result.output
    people = {p.email: p for p in rows(app, select(Person))}
    assert people["ayse@example.org"].given_name == "Ayşe"
    assert people["halabi@example.org"].organisation == "UN-Habitat, Beirut"
    assert people["halabi@example.org"].country == "LB"
    assert people["ana@example.org"].language == "en"  # not Turkish: English by default
    registrations = {r.person_id: r for r in rows(app, select(Registration))}
    by_email = {email: registrations[p.id] for email, p in people.items()}
    assert by_email["ayse@example.org"].category == Category.PARTICIPANT
    assert by_email["halabi@example.org"].category == Category.SPEAKER
    assert by_email["ana@example.org"].category == Category.PRESS
    assert {r.status for r in registrations.values()} == {RegistrationStatus.CONFIRMED}
    assert {r.source for r in registrations.values()} == {"import"}


def test_importing_again_changes_nothing_and_an_edit_updates(app, runner, forum, tmp_path):
    path = write(tmp_path, "people.csv", GOOD.encode())
    assert runner.invoke(args=["import-people", str(path)]).exit_code == 0
    again = runner.invoke(args=["import-people", str(path)])
    assert "0 new, 0 updated, 3 unchanged" in again.output
    edited = write(tmp_path, "edited.csv", GOOD.replace("TU Wien", "Universität Wien").encode())
    result = runner.invoke(args=["import-people", str(edited)])
    assert "0 new, 1 updated, 2 unchanged" in result.output
    assert len(rows(app, select(Person))) == 3
    assert len(rows(app, select(Registration))) == 3
    [ana] = rows(app, select(Person).where(Person.email == "ana@example.org"))
    assert ana.organisation == "Universität Wien" and "universitat wien" in ana.search_key


def test_the_semicolon_windows_1254_csv_of_turkish_excel(app, runner, forum, tmp_path):
    text = (
        "Ad;Soyad;E-posta;Kurum;Görev;Ülke;Telefon\r\n"
        "Şükrü;Çağlayan;sukru@example.org;İstanbul Büyükşehir Belediyesi;Şef;Türkiye;0212 455 00 00\r\n"
        "Gülşen;Yılmaz;gulsen@example.org;Kadıköy Belediyesi;Uzman;TR;\r\n"
    )
    path = write(tmp_path, "excel.csv", text.encode("cp1254"))
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code == 0, result.output
    assert "cp1254" in result.output and "';'-separated" in result.output
    people = {p.email: p for p in rows(app, select(Person))}
    assert people["sukru@example.org"].given_name == "Şükrü"
    assert people["sukru@example.org"].family_name == "Çağlayan"
    assert people["sukru@example.org"].organisation == "İstanbul Büyükşehir Belediyesi"
    assert people["sukru@example.org"].country == "TR"
    assert people["gulsen@example.org"].language == "tr"


def test_a_bad_row_refuses_the_whole_file(app, runner, forum, tmp_path, make_person):
    make_person(email="ayse@example.org", given_name="Ayşe", organisation="Old")
    text = (
        "given_name;family_name;email;country;category\n"
        "Ayşe;Öztürk;ayse@example.org;TR;\n"  # fine (an update), but not written
        "Bora;Kaya;not-an-address;TR;\n"
        + f"{'A' * 101};Uzun;long@example.org;TR;\n"
        + "Cem;Ak;cem@example.org;Narnia;\n"
        "Deniz;Su;AYSE@example.org;TR;\n"
        "Ece;Naz;ece@example.org;TR;boss\n"
        ";;nobody@example.org;;\n"
    )
    path = write(tmp_path, "bad.csv", text.encode())
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code != 0
    output = result.output
    assert "nothing imported" in output
    assert "line 3: email" in output
    assert "line 4: given_name: longer than 100" in output
    assert "line 5: country: unknown country 'Narnia'" in output
    assert "line 6: email: ayse@example.org is also on line 2" in output
    assert "line 7: category" in output
    assert "line 8: given_name: empty" in output
    assert "line 2" not in output.replace("also on line 2", "")
    [person] = rows(app, select(Person))
    assert person.organisation == "Old"
    assert rows(app, select(Registration)) == []
    assert rows(app, select(AuditLog)) == []


def test_line_numbers_count_quoted_line_breaks_and_blank_lines(runner, forum, tmp_path):
    text = (
        "\n"
        "given_name,email,organisation\n"
        'Ayşe,ayse@example.org,"Line one\nline two"\n'
        "\n"
        "Bora,broken,X\n"
    )
    result = runner.invoke(args=["import-people", str(write(tmp_path, "q.csv", text.encode()))])
    assert "line 6: email" in result.output


@pytest.mark.parametrize(
    "text",
    [
        "",
        "name,mail\nAyşe,ayse@example.org\n",
        "given_name,emial\nAyşe,ayse@example.org\n",
        "given_name,email\nAyşe,ayse@example.org,extra,cells\n",
        "given_name,email\nAy\x00se,ayse@example.org\n",
    ],
)
def test_files_that_cannot_be_read_are_refused(app, runner, forum, tmp_path, text):
    result = runner.invoke(args=["import-people", str(write(tmp_path, "x.csv", text.encode()))])
    assert result.exit_code != 0
    assert "line" in result.output
    assert rows(app, select(Person)) == []


def test_category_option_applies_to_rows_without_one(app, runner, forum, tmp_path, make_person):
    from tests.conftest import TEST_SECRET  # noqa: F401  (same database, same forum)

    text = "given_name,email,category\nLeyla,leyla@example.org,\nMert,mert@example.org,moderator\n"
    path = write(tmp_path, "speakers.csv", text.encode())
    result = runner.invoke(args=["import-people", str(path), "--category", "speaker"])
    assert result.exit_code == 0, result.output
    by_person = {p.email: p.id for p in rows(app, select(Person))}
    categories = {r.person_id: r.category for r in rows(app, select(Registration))}
    assert categories[by_person["leyla@example.org"]] == Category.SPEAKER
    assert categories[by_person["mert@example.org"]] == Category.MODERATOR


def test_the_import_page(app, client, login, forum):
    login("admin")
    page = client.get("/admin/registrations/import").get_data(as_text=True)
    bad = "given_name,email\nAyşe,ayse@example.org\nBora,nope\n".encode()
    response = client.post(
        "/admin/registrations/import",
        data={
            "csrf_token": csrf_from(page),
            "file": (io.BytesIO(bad), "bad.csv"),
            "category": "participant",
        },
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was imported." in html and "line 3" in html
    assert rows(app, select(Person)) == []
    response = client.post(
        "/admin/registrations/import",
        data={
            "csrf_token": csrf_from(page),
            "file": (io.BytesIO(GOOD.encode("utf-8-sig")), "good.csv"),
            "category": "participant",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert len(rows(app, select(Registration))) == 3
    entries = rows(app, select(AuditLog))
    assert len(entries) == 3 and {e.actor for e in entries} == {"staff"}
    # No file, or a text field where the file should be: a field error.
    empty = client.post(
        "/admin/registrations/import",
        data={"csrf_token": csrf_from(page), "file": "just text", "category": "participant"},
    )
    assert empty.status_code == 200 and 'class="errors"' in empty.get_data(as_text=True)


def test_send_mail_gives_new_people_their_link(app, runner, forum, tmp_path):
    import os

    path = write(tmp_path, "people.csv", GOOD.encode())
    result = runner.invoke(args=["import-people", str(path), "--send-mail"])
    assert result.exit_code == 0, result.output
    assert len(os.listdir(os.path.join(app.instance_path, "outbox"))) == 3
    again = runner.invoke(args=["import-people", str(path), "--send-mail"])
    assert again.exit_code == 0
    assert len(os.listdir(os.path.join(app.instance_path, "outbox"))) == 3  # nobody new


def test_a_sign_up_during_an_import_is_kept_not_doubled(
    app, forum, make_person, make_registration, monkeypatch
):
    """Someone signs up with an address of the file after the import compared it with the
    database and before it writes: the import registers everybody else, and them once."""
    from maruf_reg.registration import importer

    real_plan = importer._plan

    def plan_then_a_sign_up(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        make_registration(forum, make_person(email="late@example.org", given_name="Geç"))
        return plan

    monkeypatch.setattr(importer, "_plan", plan_then_a_sign_up)
    data = b"given_name,email\nLate,late@example.org\nOther,other@example.org\n"
    with app.app_context():
        result = importer.import_people(forum.id, data)
    assert len(result.new_ids) == 2
    people = {p.email: p for p in rows(app, select(Person))}
    assert people["late@example.org"].given_name == "Geç"  # kept as they signed up
    registered = rows(app, select(Registration.person_id))
    assert sorted(registered) == sorted(p.id for p in people.values())  # one each
