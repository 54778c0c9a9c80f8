"""Helpers every capability uses: search folding, countries, the audit log, mail delivery, tokens."""

from __future__ import annotations

from maruf_reg import audit, mail
from maruf_reg.countries import country_choices, country_name, is_country
from maruf_reg.extensions import db
from maruf_reg.models import AuditLog
from maruf_reg.text import search_key


def test_search_key_folds_case_accents_and_turkish_letters():
    assert search_key("Öztürk") == "ozturk"
    assert search_key("İLKAY IŞIK") == "ilkay isik"
    assert search_key("Çağrı  Şahin") == "cagri sahin"
    assert search_key("Łukasz Wiśniewski") == "lukasz wisniewski"
    assert search_key("محمد الحلبي") == "محمد الحلبي"
    assert search_key("Ay\x00şe\tÖz\u202etürk") == "ay se ozturk"  # controls and bidi marks
    assert search_key("می\u200cخواهم") == "میخواهم"  # Persian zero-width non-joiner


def test_country_names_follow_the_language():
    assert country_name("TR", "tr") == "Türkiye"
    assert country_name("DE", "tr") == "Almanya"
    assert country_name("de", "en") == "Germany"
    assert country_name("", "en") == ""
    assert is_country("SY") and not is_country("XX")
    names = [name for _code, name in country_choices("tr")]
    assert names.index("Çad") < names.index("Danimarka")  # Ç sorts with C, not after Z


def test_audit_record_is_saved_with_the_change(app, forum):
    with app.app_context():
        audit.record("forum.rename", obj=forum, actor="system", details={"name_en": ["a", "b"]})
        db.session.commit()
        entry = db.session.scalars(db.select(AuditLog)).one()
        assert (entry.object_type, entry.object_id, entry.forum_id) == ("forum", forum.id, forum.id)
        assert entry.details == {"name_en": ["a", "b"]}


def test_mail_goes_through_a_real_smtp_server(mail_app, mailbox):
    with mail_app.app_context():
        message = mail.build_message(
            to="ayse@example.org",
            subject="Kaydınız alındı",
            text="Merhaba Ayşe",
            html="<p>Ayşe</p>",
        )
        mail.queue(message)  # HUEY_IMMEDIATE: the worker's task runs inline
    received = mailbox.wait_for(1)[0]
    assert received["Subject"] == "Kaydınız alındı"
    assert received.get_body(("plain",)).get_content().strip() == "Merhaba Ayşe"


def test_mail_without_a_server_lands_in_the_outbox(app):
    with app.app_context():
        mail.queue(mail.build_message(to="a@example.org", subject="Hello", text="Body"))
        import os

        outbox = os.path.join(app.instance_path, "outbox")
        files = os.listdir(outbox)
    assert len(files) == 1
    assert files[0].endswith(".eml")


def test_people_search_follows_every_change_of_a_person(app, forum, make_registration, make_person):
    """The search index (trigram) is kept in step: new, renamed and deleted people."""
    from maruf_reg.models import Person, Registration
    from maruf_reg.people_search import search_people

    registration = make_registration(forum, make_person(given_name="İlkay", family_name="Öztürk"))
    make_registration(forum, make_person(given_name="健太", family_name="高橋"))

    def found(query):
        with app.app_context():
            return [hit.name for hit in search_people(forum.id, query)]

    assert found("ozturk") == ["İlkay Öztürk"]
    assert found("ILKAY oztü") == ["İlkay Öztürk"]
    assert found("高橋") == ["高橋健太"]  # two letters: the plain scan; family name first (CJK)
    assert found("öz_t%") == []
    with app.app_context():
        person = db.session.get(Person, registration.person_id)
        person.family_name = "Şahin"
        person.refresh_search_key()
        db.session.commit()
    assert found("ozturk") == []
    assert found("sahin") == ["İlkay Şahin"]
    with app.app_context():
        db.session.delete(db.session.get(Registration, registration.id))
        db.session.delete(db.session.get(Person, registration.person_id))
        db.session.commit()
    assert found("sahin") == []


def test_people_made_in_bulk_are_found(app, runner):
    """`flask demo` writes people with bulk inserts; they are searchable at once."""
    from maruf_reg.models import Forum, Person
    from maruf_reg.people_search import search_people

    assert runner.invoke(args=["demo", "--participants", "100", "--speakers", "10"]).exit_code == 0
    with app.app_context():
        forum = db.session.scalars(db.select(Forum)).one()
        someone = db.session.scalars(db.select(Person).order_by(Person.id.desc())).first()
        hits = search_people(forum.id, someone.email)
    assert [hit.person_id for hit in hits] == [someone.id]
