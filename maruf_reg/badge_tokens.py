"""The one place that signs and verifies badge tokens.

A token is what a badge's QR code holds: the registration id, the badge serial and the category,
signed with the forum's Ed25519 key, in upper-case base32 without padding (QR alphanumeric mode, and
safe for USB keyboard-wedge scanners on Turkish keyboard layouts: letters A–Z and digits 2–7 only).
No name or e-mail is in it. Verifying needs only the forum's public key (offline scanners have it).

Layout before base32 (72 bytes → 116 characters):
    version (1) = 1 | registration id (4, big-endian) | serial (2) | category code (1) | signature (64)
The signature covers ``b"MARUF-BADGE"`` followed by the first 8 bytes.
"""

from __future__ import annotations

import base64
import functools
import re
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from maruf_reg.models import Category, Forum

if TYPE_CHECKING:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

# `cryptography` (7 MB a process: its Rust core and OpenSSL) is imported by the functions that sign
# or verify, not with this module: a web worker that serves pages and sign-ups never loads it; one
# that scans or prints badges loads it on the first token.

VERSION = 1
DOMAIN = b"MARUF-BADGE"
_HEADER = struct.Struct(">BIHB")
TOKEN_BYTES = _HEADER.size + 64
TOKEN_LENGTH = -(-TOKEN_BYTES * 8 // 5)  # 116
_SPARE_BITS = TOKEN_LENGTH * 5 - TOKEN_BYTES * 8
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#: The last character carries the last bit and four spare ones, which a canonical token leaves at
#: zero: "A" or "Q" (the scanner's JavaScript checks the same: static/js/checkin/token.js).
_CANONICAL_LAST = frozenset(_ALPHABET[:: 1 << _SPARE_BITS])
CATEGORY_CODES: dict[Category, int] = {
    Category.PARTICIPANT: 1,
    Category.SPEAKER: 2,
    Category.MODERATOR: 3,
    Category.PRESS: 4,
    Category.VIP: 5,
    Category.STAFF: 6,
}
CATEGORIES_BY_CODE = {code: category for category, code in CATEGORY_CODES.items()}
_BASE32 = re.compile(f"[A-Z2-7]{{{TOKEN_LENGTH}}}")
#: base32's letters as the digits of Python's int(…, 32): a token read as one number, in C
_AS_DIGITS = str.maketrans(_ALPHABET, "0123456789abcdefghijklmnopqrstuv")
# What keyboards and scanners may turn our letters into: Turkish dotted/dotless I, lower case.
_SCANNER_FIXES = str.maketrans({"ı": "I", "İ": "I", "i": "I"})


class BadTokenError(ValueError):
    """The text is not a valid badge token: malformed, altered, or signed with another key."""


@dataclass(frozen=True)
class BadgeClaims:
    registration_id: int
    serial: int
    category: Category


def _fernet(secret_key: str) -> Fernet:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"maruf forum signing key").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def ensure_keys(forum: Forum, *, secret_key: str) -> None:
    """Give the forum a signing key pair if it has none (the caller commits)."""
    if forum.public_key and forum.private_key_encrypted:
        return
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    forum.public_key = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    forum.private_key_encrypted = _fernet(secret_key).encrypt(raw)


@functools.lru_cache(maxsize=32)
def _private_key(encrypted: bytes, secret_key: str) -> Ed25519PrivateKey:
    from cryptography.fernet import InvalidToken
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        raw = _fernet(secret_key).decrypt(encrypted)
    except InvalidToken as error:
        raise RuntimeError(
            "the forum's signing key cannot be decrypted: SECRET_KEY changed since it was made"
        ) from error
    return Ed25519PrivateKey.from_private_bytes(raw)


def _signing_key(forum: Forum, secret_key: str) -> Ed25519PrivateKey:
    if not forum.private_key_encrypted:
        raise RuntimeError(f"forum {forum.slug} has no signing key")
    return _private_key(forum.private_key_encrypted, secret_key)


def issue(
    forum: Forum, *, registration_id: int, serial: int, category: Category, secret_key: str
) -> str:
    """The token for a badge."""
    header = _HEADER.pack(VERSION, registration_id, serial, CATEGORY_CODES[Category(category)])
    signature = _signing_key(forum, secret_key).sign(DOMAIN + header)
    return base64.b32encode(header + signature).decode("ascii").rstrip("=")


def normalise(text: str) -> str:
    """Undo what scanners and keyboards do to a token: spaces, line ends, case, Turkish I."""
    return "".join(text.split()).translate(_SCANNER_FIXES).upper().rstrip("=")


@functools.lru_cache(maxsize=32)
def _public_key(raw: bytes) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(raw)


def verify(text: str, *, public_key: bytes) -> BadgeClaims:
    """The claims of a token signed with this public key; BadTokenError otherwise."""
    token = normalise(text)
    if len(token) != TOKEN_LENGTH:
        raise BadTokenError("wrong length")
    if not _BASE32.fullmatch(token):
        raise BadTokenError("not base32")
    # Only the canonical spelling counts (no spare bit set in the last character).
    if token[-1] not in _CANONICAL_LAST:
        raise BadTokenError("not a canonical token")
    # base32 decoded as one base-32 number (base64.b32decode, written in Python, took 2 % of a scan)
    data = (int(token.translate(_AS_DIGITS), 32) >> _SPARE_BITS).to_bytes(TOKEN_BYTES, "big")
    header, signature = data[: _HEADER.size], data[_HEADER.size :]
    version, registration_id, serial, code = _HEADER.unpack(header)
    if version != VERSION:
        raise BadTokenError("unknown version")
    from cryptography.exceptions import InvalidSignature

    try:
        _public_key(public_key).verify(signature, DOMAIN + header)
    except InvalidSignature as error:
        raise BadTokenError("bad signature") from error
    if code not in CATEGORIES_BY_CODE:
        raise BadTokenError("unknown category")
    return BadgeClaims(registration_id, serial, CATEGORIES_BY_CODE[code])
