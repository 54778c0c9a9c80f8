"""The loopback cluster of deploy/ for the tests: the same `Cluster` as `make cluster`, with a
loopback SMTP server of the tests' own and short timeouts for lost workers.

Visitors talk to nginx over https (its self-signed certificate trusted), from a loopback source
address of their own (127.0.0.2 … 127.0.0.51 are fifty different clients to nginx), or to one
app server directly when a test needs to choose the server.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import ssl
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from tests.conftest import ROOT, Mailbox, free_port

sys.path.insert(0, str(ROOT / "scripts"))
from cluster import Cluster, ClusterError, nginx_binary

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

#: what the tests shorten: a lost worker's job is failed after 5 s instead of a minute
SETTINGS = {
    "JOB_HEARTBEAT_SECONDS": "1",
    "JOB_STALE_SECONDS": "5",
    "WORKER_UPKEEP_SECONDS": "1",
    # Batches in small chunks by one rendering process: a batch is under way long enough to be cut.
    "BADGE_CHUNK_SIZE": "20",
    "BADGE_WORKERS": "1",
}


def _answers(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def cluster_mailbox() -> Iterator[tuple[int, Mailbox]]:
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, cluster_mailbox) -> Iterator[Cluster]:
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (scripts/system-deps install-cluster, as root)")
    if not _answers("127.0.0.1", 5432):
        pytest.skip("PostgreSQL is not answering on 127.0.0.1:5432")
    if not _answers("127.0.0.1", 6379):
        pytest.skip("Redis is not answering on 127.0.0.1:6379")
    port, _mailbox = cluster_mailbox
    running = Cluster(
        folder=tmp_path_factory.mktemp("cluster"),
        https_port=free_port(),
        database_server=os.environ.get(
            "MARUF_CLUSTER_DATABASE", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        redis_url=os.environ.get("MARUF_CLUSTER_REDIS", "redis://127.0.0.1:6379/12"),
        mail_server=("127.0.0.1", port),
        settings=dict(SETTINGS),
        participants=300,
        speakers=20,
    )
    try:
        running.start()
    except ClusterError as error:
        pytest.fail(f"the cluster did not start: {error}")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def mailbox(cluster_mailbox) -> Mailbox:
    return cluster_mailbox[1]


@pytest.fixture(scope="session")
def database(cluster) -> Iterator[Engine]:
    """The cluster's PostgreSQL database, for looking at what the hosts wrote."""
    engine = create_engine(cluster.database_url)
    yield engine
    engine.dispose()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Visitor:
    """One browser: its cookies, its own source address, one kept-alive connection."""

    base: str
    source: str = "127.0.0.1"
    context: ssl.SSLContext | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(self.base)
        if parts.scheme == "https":
            return http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=60, context=self.context,
                source_address=(self.source, 0),
            )  # fmt: skip
        return http.client.HTTPConnection(
            parts.hostname or "", parts.port, timeout=60, source_address=(self.source, 0)
        )

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        sent = {"Accept-Language": "en", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = self._connect()
            try:
                self.connection.request(method, path, body=body, headers=sent)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.connection.close()
            self.connection = None
        return Answer(response.status, response.headers, data)

    def get(self, path: str, **headers: str) -> Answer:
        return self.request("GET", path, headers=headers)

    def submit(self, page: str, fields: dict[str, Any], action: str | None = None) -> Answer:
        """Open the form's page, then send it with its CSRF token (and the page as Referer, as a
        browser does: the app checks it on https)."""
        opened = self.get(page)
        assert opened.status == 200, (page, opened.status)
        match = CSRF_RE.search(opened.text)
        assert match, f"{page} has no form"
        body = urllib.parse.urlencode({"csrf_token": match.group(1), **fields}, doseq=True)
        return self.request("POST", action or page, body, {"Referer": f"{self.base}{page}"})

    def log_in(self, email: str, password: str) -> int:
        return self.submit("/login", {"email": email, "password": password}).status

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def visitor(cluster: Cluster, source: str = "127.0.0.1", *, server: int | None = None) -> Visitor:
    """A visitor through nginx, or straight to app server 1 or 2."""
    if server is not None:
        return Visitor(cluster.app_urls[server - 1], source)
    return Visitor(cluster.url, source, cluster.ssl_context())


def sign_up_fields(email: str) -> dict[str, str]:
    return {
        "given_name": "Şule",
        "family_name": f"Işık {secrets.token_hex(2)}",
        "email": email,
        "organisation": "Kadıköy Belediyesi",
        "country": "TR",
        "language": "en",
        "category": "participant",
        "consent_data": "y",
    }


def instance_files(cluster: Cluster) -> list[Path]:
    """Every file the hosts keep in their own instance folders."""
    return [
        path
        for host in ("app1", "app2", "worker1", "worker2")
        for path in (cluster.folder / host).rglob("*")
        if path.is_file()
    ]
