"""nginx for the loopback cluster (scripts/cluster.py): the site from deploy/ with its
placeholders filled in, a main configuration around it, and a self-signed certificate."""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "maruf-reg.conf"
PROXY_ADDRESS = "127.0.0.1"


class ClusterError(Exception):
    """The cluster cannot start; the message says why (and what to install)."""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (its own CA: clients trust this file) and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MARUF-Reg loopback cluster")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(PROXY_ADDRESS)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def write_configuration(folder: Path, tls: Path, values: dict[str, str]) -> Path:
    """Write the site (deploy/'s, filled in) and a main nginx.conf around it; the latter's path."""
    cert, key = self_signed_certificate(tls)
    site = SITE.read_text()
    for placeholder, value in {**values, "TLS_CERT": str(cert), "TLS_KEY": str(key)}.items():
        site = site.replace(f"@{placeholder}@", value)
    left = re.findall(r"@[A-Z_]+@", site)
    if left:
        raise ClusterError(f"deploy/nginx/maruf-reg.conf: no value for {', '.join(left)}")
    temporary = folder / "tmp"
    temporary.mkdir(parents=True, exist_ok=True)
    (folder / "maruf-reg.conf").write_text(site)
    if os.geteuid() == 0:  # nginx's workers run as nobody: they write their buffers here
        nobody = pwd.getpwnam("nobody")
        os.chown(temporary, nobody.pw_uid, nobody.pw_gid)
    main = folder / "nginx.conf"
    main.write_text(
        f"""# The loopback cluster's nginx: Debian's defaults, and the site from deploy/.
daemon off;
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    server_tokens off;
    client_body_temp_path {temporary}/body;
    proxy_temp_path {temporary}/proxy;
    fastcgi_temp_path {temporary}/fastcgi;
    uwsgi_temp_path {temporary}/uwsgi;
    scgi_temp_path {temporary}/scgi;
    include {folder}/maruf-reg.conf;
}}
"""
    )
    return main
