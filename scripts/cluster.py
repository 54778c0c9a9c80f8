#!/usr/bin/env python3
"""The production topology on loopback, from the files in deploy/ (`make cluster`).

    nginx (deploy/nginx/maruf-reg.conf, TLS)   https://127.0.0.1:8443/
      ├── app server 1: gunicorn -c deploy/gunicorn.conf.py   127.0.0.2:<port>  instance app1/
      └── app server 2: the same                              127.0.0.3:<port>  instance app2/
    worker 1: flask worker --queues mail,render               instance worker1/
    worker 2: the same                                        instance worker2/
    PostgreSQL (a database of its own) and Redis (keys of its own), already running on 127.0.0.1
    an SMTP server on loopback that keeps the mail in <folder>/mail (Maildir)

Each app server and worker has an instance folder of its own: nothing is shared through them.
What they share is what production hosts share: the database, Redis, MARUF_SECRET_KEY (and
MARUF_FILES_PATH when asked for). The tests in tests/cluster/ start the same cluster (`Cluster`).

    .venv/bin/python scripts/cluster.py [--port 8443] [--files-path DIR] [--participants N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cluster_nginx import PROXY_ADDRESS, ClusterError, nginx_binary, write_configuration

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
APP_ADDRESSES = ("127.0.0.2", "127.0.0.3")
DEFAULT_DATABASE_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
LOGIN_RE = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+password: (\S+)$", re.MULTILINE)


def free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def port_is_free(address: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True


@dataclass
class Cluster:
    """Start with `start()`, stop with `stop()` (or use it as a context manager)."""

    folder: Path
    https_port: int = 8443
    database_server: str = DEFAULT_DATABASE_SERVER
    redis_url: str = DEFAULT_REDIS
    #: an SMTP server to send to (the tests' own); None: one is started that keeps a Maildir
    mail_server: tuple[str, int] | None = None
    #: extra MARUF_* settings for every app server and worker (the tests shorten the timeouts)
    settings: dict[str, str] = field(default_factory=dict)
    participants: int = 300
    speakers: int = 30
    #: a shared folder for generated files (MARUF_FILES_PATH); None keeps them in the database
    files_path: Path | None = None
    gunicorn_workers: int = 2
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logins: dict[str, tuple[str, str]] = field(default_factory=dict)
    name: str = field(default_factory=lambda: f"maruf_cluster_{secrets.token_hex(4)}")
    _commands: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)
    database_url: str = ""
    app_urls: list[str] = field(default_factory=list)

    # --- what the hosts share -----------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"https://{PROXY_ADDRESS}:{self.https_port}"

    @property
    def certificate(self) -> Path:
        return self.folder / "tls" / "cert.pem"  # made by cluster_nginx.write_configuration

    def ssl_context(self) -> ssl.SSLContext:
        """What a client trusts to talk to the cluster's nginx (its self-signed certificate)."""
        return ssl.create_default_context(cafile=str(self.certificate))

    def environment(self, instance: str) -> dict[str, str]:
        """The environment of one host: its own instance folder, everything else shared."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("MARUF_") and key not in ("FLASK_APP", "FLASK_DEBUG")
        }
        mail_host, mail_port = self.mail_server or ("127.0.0.1", 25)
        env.update(
            {
                "MARUF_INSTANCE_PATH": str(self.folder / instance),
                "MARUF_SECRET_KEY": self._secret_key,
                "MARUF_DATABASE_URL": self.database_url,
                "MARUF_REDIS_URL": self.redis_url,
                "MARUF_HUEY_NAME": self.name,
                "MARUF_RATELIMIT_KEY_PREFIX": self.name,
                "MARUF_BASE_URL": self.url,
                "MARUF_PROXY_HOPS": "1",
                "MARUF_LOG_FORMAT": "json",
                "MARUF_MAIL_SERVER": mail_host,
                "MARUF_MAIL_PORT": str(mail_port),
                "MARUF_MAIL_DEFAULT_SENDER": "MARUF <noreply@maruf.example.org>",
                "MARUF_FILES_PATH": str(self.files_path or ""),
                "MARUF_GUNICORN_WORKERS": str(self.gunicorn_workers),
                **{f"MARUF_{key}": value for key, value in self.settings.items()},
            }
        )
        return env

    # --- starting and stopping ----------------------------------------------------------------

    def start(self) -> None:
        nginx = nginx_binary()
        if nginx is None:
            raise ClusterError(
                "nginx is not installed: scripts/system-deps install-cluster (as root), "
                "or apt-get install nginx"
            )
        if not port_is_free(PROXY_ADDRESS, self.https_port):
            raise ClusterError(f"{PROXY_ADDRESS}:{self.https_port} is taken: choose --port")
        self.folder.mkdir(parents=True, exist_ok=True)
        # nginx's workers (nobody, when started by root) go through it to their temporary files.
        self.folder.chmod(0o711)
        self._secret_key = secrets.token_urlsafe(48)
        try:
            self._make_database()
            if self.mail_server is None:
                self._start_mail()
            self._prepare_data()
            self._start_app_servers()
            self._start_workers()
            self._start_nginx(nginx)
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _make_database(self) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        admin = create_engine(self.database_server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        except Exception as error:
            raise ClusterError(f"PostgreSQL at {self.database_server}: {error}") from error
        finally:
            admin.dispose()
        url = make_url(self.database_server).set(database=self.name)
        self.database_url = url.render_as_string(hide_password=False)

    def _start_mail(self) -> None:
        port = free_port("127.0.0.1")
        # aiosmtpd's Mailbox makes the Maildir (with its tmp/, new/, cur/) when it is not there.
        self._spawn(
            "mail",
            [
                *(str(BIN / "python"), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"),
                *("-c", "aiosmtpd.handlers.Mailbox", str(self.folder / "mail")),
            ],
            dict(os.environ),
        )
        self.mail_server = ("127.0.0.1", port)

    def flask(self, instance: str, *args: str) -> str:
        """Run `flask ARGS` as one of the hosts would; its output."""
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "maruf_reg", *args],
            env=self.environment(instance),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise ClusterError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def _prepare_data(self) -> None:
        subprocess.run([str(BIN / "python"), "scripts/i18n.py", "compile"], cwd=ROOT, check=True)
        # Both app servers run init-db, as each host does on a deploy: they take turns.
        hosts = [
            subprocess.Popen(
                [str(BIN / "flask"), "--app", "maruf_reg", "init-db"],
                env=self.environment(f"app{n}"),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for n in (1, 2)
        ]
        for host in hosts:
            output, _ = host.communicate(timeout=300)
            if host.returncode != 0:
                raise ClusterError(f"init-db failed:\n{output.decode(errors='replace')}")
        made = self.flask(
            "app1", "demo", "--participants", str(self.participants), "--speakers",
            str(self.speakers),
        )  # fmt: skip
        self.logins = {role: (email, password) for role, email, password in LOGIN_RE.findall(made)}

    def _start_app_servers(self) -> None:
        for n, address in enumerate(APP_ADDRESSES, start=1):
            port = free_port(address)
            env = {**self.environment(f"app{n}"), "MARUF_BIND": f"{address}:{port}"}
            self._spawn(
                f"app{n}",
                [str(BIN / "gunicorn"), "-c", str(DEPLOY / "gunicorn.conf.py")],
                env,
            )
            self.app_urls.append(f"http://{address}:{port}")

    def _start_workers(self) -> None:
        for n in (1, 2):
            self._spawn(
                f"worker{n}",
                [str(BIN / "flask"), "--app", "maruf_reg", "worker", "--queues", "mail,render"],
                self.environment(f"worker{n}"),
            )

    def _start_nginx(self, nginx: str) -> None:
        folder = self.folder / "nginx"
        values = {
            "SERVER_NAME": f"{PROXY_ADDRESS} localhost",
            "BASE_URL": self.url,
            "HTTP_LISTEN": f"{PROXY_ADDRESS}:{free_port(PROXY_ADDRESS)}",
            "HTTPS_LISTEN": f"{PROXY_ADDRESS}:{self.https_port}",
            "APP_SERVERS": " ".join(
                f"server {url.removeprefix('http://')} max_fails=2 fail_timeout=5s;"
                for url in self.app_urls
            ),
            "STATIC_ROOT": str(ROOT / "static"),
            "LOG_DIR": str(folder),
        }
        main = write_configuration(folder, self.folder / "tls", values)
        check = subprocess.run(
            [nginx, "-t", "-q", "-c", str(main), "-p", str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise ClusterError(f"nginx refuses the configuration:\n{check.stderr}")
        self._spawn("nginx", [nginx, "-c", str(main), "-p", str(folder)], {})

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self._commands[name] = (command, env)
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115  (kept open while it runs)
        self.processes[name] = subprocess.Popen(
            command, env=env or None, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()

    def _wait_until_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        pending = [f"{url}/readyz" for url in self.app_urls] + [f"{self.url}/readyz"]
        context = self.ssl_context()
        while pending:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise ClusterError(f"{name} stopped: see {self.folder / f'{name}.log'}")
            try:
                with urllib.request.urlopen(pending[0], timeout=5, context=context) as answer:  # noqa: S310
                    if answer.status == 200:
                        pending.pop(0)
                        continue
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ClusterError(f"{pending[0]} did not become ready")
            time.sleep(0.2)

    def kill(self, name: str) -> None:
        """SIGKILL one host's process and everything it started (a lost host)."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def respawn(self, name: str) -> None:
        """Start a host's process again (after `kill`)."""
        command, env = self._commands[name]
        self._spawn(name, command, env)

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()
        self._forget_redis_keys()
        if self.database_url:
            self._drop_database()

    def _forget_redis_keys(self) -> None:
        try:
            from redis import Redis

            client = Redis.from_url(self.redis_url, socket_timeout=5)
            for key in client.scan_iter(match=f"*{self.name}*"):
                client.delete(key)
            client.close()
        except Exception as error:  # the cluster is gone anyway; say what was left
            print(f"could not remove the cluster's Redis keys: {error}", file=sys.stderr)

    def _drop_database(self) -> None:
        from sqlalchemy import create_engine, text

        admin = create_engine(self.database_server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()
        self.database_url = ""

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8443, help="nginx's https port (8443)")
    parser.add_argument("--folder", type=Path, default=None, help="where the hosts keep files")
    parser.add_argument("--files-path", type=Path, default=None, help="MARUF_FILES_PATH")
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--database", default=DEFAULT_DATABASE_SERVER, help="PostgreSQL server")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis URL")
    options = parser.parse_args()
    folder = options.folder or Path(tempfile.mkdtemp(prefix="maruf-cluster-"))
    cluster = Cluster(
        folder=folder,
        https_port=options.port,
        database_server=options.database,
        redis_url=options.redis,
        files_path=options.files_path,
        participants=options.participants,
        speakers=min(250, max(options.participants // 8, 10)),
    )
    print("Starting nginx, 2 app servers, 2 workers, an SMTP server …", flush=True)
    try:
        cluster.start()
    except ClusterError as error:
        sys.exit(f"The cluster did not start: {error}")
    print(
        f"\nMARUF-Reg cluster is at {cluster.url}/  (self-signed certificate: {cluster.certificate})"
    )
    print(f"  app servers: {', '.join(cluster.app_urls)}   (behind nginx)")
    print(f"  workers: 2 (mail,render); mail is kept in {folder / 'mail'}")
    print(f"  database: {cluster.database_url} (dropped when the cluster stops)")
    print(f"  logs: {folder}/*.log, {folder}/nginx/")
    for role, (email, password) in cluster.logins.items():
        print(f"  {role:6} {email}  password: {password}")
    print("Ctrl-C stops it.", flush=True)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        while not stopping:
            for name, process in cluster.processes.items():
                if process.poll() is not None:
                    print(f"{name} stopped: see {folder / f'{name}.log'}", file=sys.stderr)
                    stopping.append(1)
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        print("\nStopping the cluster …", flush=True)
        cluster.stop()


if __name__ == "__main__":
    main()
