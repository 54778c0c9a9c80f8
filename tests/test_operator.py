"""What an operator sees first: where mail links point and how a mail names its domain."""

from __future__ import annotations

from maruf_reg import mail


def test_mail_links_follow_the_served_address_when_no_base_url_is_set(make_app):
    """`make run PORT=5077` sets MARUF_SERVED_URL: links in mail use that port."""
    app = make_app(BASE_URL="", SERVED_URL="http://127.0.0.1:5077")
    assert app.config["BASE_URL"] == "http://127.0.0.1:5077"
    chosen = make_app(BASE_URL="https://register.example.org", SERVED_URL="http://127.0.0.1:5077")
    assert chosen.config["BASE_URL"] == "https://register.example.org"
    assert make_app(BASE_URL="", SERVED_URL="").config["BASE_URL"] == "http://127.0.0.1:5000"


def test_the_message_id_names_the_sites_host(make_app):
    app = make_app(BASE_URL="https://register.example.org")
    with app.app_context():
        message = mail.build_message(to="a@example.org", subject="Kayıt", text="Merhaba")
    assert message["Message-ID"].endswith("@register.example.org>")
    local = make_app(BASE_URL="http://localhost:5000")
    with local.app_context():
        message = mail.build_message(to="a@example.org", subject="Kayıt", text="Merhaba")
    assert message["Message-ID"].endswith("@maruf-reg.localhost>")  # a full domain name still
