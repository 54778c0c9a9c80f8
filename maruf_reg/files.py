"""The file store: generated files (badge batches, certificates) that any app server can serve.

A file is made by one process (a worker, an app server) and downloaded through another, maybe on
another host; nothing generated is kept in the instance folder, which is each host's own.

- By default the bytes go into the database, in chunks of `CHUNK_BYTES` (`stored_file_chunks`),
  read one chunk at a time when downloaded: nothing new to run or to share but the database.
- With `FILES_PATH` they go into that folder (a mount every app server and worker shares), under
  the file's key, written to a temporary name and renamed.

Either way a `stored_files` row describes the file; it is marked complete only once every byte is
written, so nobody is served half a file. Files expire `FILES_KEEP_DAYS` after they were made
(`remove_expired`, run by the workers' upkeep); a job's files go with it when its worker is lost
(`remove_job_files`).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from flask import Response, current_app, send_file
from sqlalchemy import Engine, delete, select, update

from maruf_reg.database import write_intent
from maruf_reg.extensions import db
from maruf_reg.models import StoredFile, StoredFileChunk, utcnow

#: bytes per chunk row: small enough for any database, large enough to keep the rows few
CHUNK_BYTES = 1024 * 1024
#: a file still incomplete after this long was left by a process that died while writing it
ABANDONED_AFTER = timedelta(hours=1)
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")


class BadKey(ValueError):
    """A key that is not a plain relative path of lower-case names."""


def _folder() -> Path | None:
    path = current_app.config["FILES_PATH"]
    return Path(path) if path else None


def _path(key: str) -> Path:
    folder = _folder()
    if folder is None:
        raise RuntimeError("FILES_PATH is not set")
    return folder / key


def _check_key(key: str) -> str:
    if not KEY_RE.match(key) or ".." in key or len(key) > 200:
        raise BadKey(key)
    return key


def find(key: str) -> StoredFile | None:
    """The complete file stored under `key`, if there is one."""
    return db.session.scalar(
        select(StoredFile).where(StoredFile.key == key, StoredFile.complete.is_(True))
    )


def save(
    key: str,
    source: IO[bytes],
    *,
    content_type: str,
    job_id: int | None = None,
    now: datetime | None = None,
) -> StoredFile:
    """Store the bytes of `source` under `key` (replacing a file of that key) and commit.

    Each chunk is written in a transaction of its own: a large file never holds SQLite's write
    lock for long.
    """
    _check_key(key)
    now = now or utcnow()
    remove(key)
    folder = _folder()
    with write_intent():
        stored = StoredFile(
            key=key,
            content_type=content_type,
            in_database=folder is None,
            job_id=job_id,
            created_at=now,
            expires_at=now + timedelta(days=float(current_app.config["FILES_KEEP_DAYS"])),
        )
        db.session.add(stored)
        db.session.commit()
        file_id = stored.id
    try:
        size = _write_chunks(file_id, source) if folder is None else _write_to_folder(key, source)
        with write_intent():
            db.session.execute(
                update(StoredFile).where(StoredFile.id == file_id).values(size=size, complete=True)
            )
            db.session.commit()
    except BaseException:
        db.session.rollback()
        _remove_rows([file_id])
        raise
    found = db.session.get(StoredFile, file_id)
    assert found is not None
    return found


def save_path(key: str, path: Path, *, content_type: str, job_id: int | None = None) -> StoredFile:
    """Store a file from the local disk (a rendered batch) under `key`."""
    with open(path, "rb") as source:
        return save(key, source, content_type=content_type, job_id=job_id)


def _write_chunks(file_id: int, source: IO[bytes]) -> int:
    size = 0
    seq = 0
    while data := source.read(CHUNK_BYTES):
        with write_intent():
            db.session.add(StoredFileChunk(file_id=file_id, seq=seq, data=data))
            db.session.commit()
        size += len(data)
        seq += 1
    return size


def _write_to_folder(key: str, source: IO[bytes]) -> int:
    target = _path(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            while data := source.read(CHUNK_BYTES):
                out.write(data)
                size += len(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return size


def read_chunks(stored: StoredFile) -> Iterator[bytes]:
    """The file's bytes, a chunk at a time. Also after the request's context is gone (a streamed
    download): each chunk is read in a short query of its own, holding no transaction open."""
    if not stored.in_database:
        return _folder_chunks(_path(stored.key))
    return _database_chunks(db.engine, stored.id)


def _folder_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while data := handle.read(CHUNK_BYTES):
            yield data


def _database_chunks(engine: Engine, file_id: int) -> Iterator[bytes]:
    seq = 0
    while True:
        with engine.connect() as connection:
            data = connection.scalar(
                select(StoredFileChunk.data).where(
                    StoredFileChunk.file_id == file_id, StoredFileChunk.seq == seq
                )
            )
        if data is None:
            return
        yield bytes(data)
        seq += 1


def read_bytes(stored: StoredFile) -> bytes:
    return b"".join(read_chunks(stored))


def response(stored: StoredFile, *, download_name: str, as_attachment: bool = True) -> Response:
    """A download of a stored file, streamed (never read whole into memory)."""
    if not stored.in_database:
        return send_file(
            _path(stored.key),
            mimetype=stored.content_type,
            as_attachment=as_attachment,
            download_name=download_name,
            max_age=0,
        )
    answer = Response(read_chunks(stored), mimetype=stored.content_type, direct_passthrough=True)
    answer.content_length = stored.size
    disposition = "attachment" if as_attachment else "inline"
    answer.headers.set("Content-Disposition", disposition, filename=download_name)
    return answer


def _remove_rows(file_ids: list[int]) -> None:
    """Delete these files' rows (their chunks go with them) and their bytes in the folder."""
    if not file_ids:
        return
    folder = _folder()
    if folder is not None:
        keys = db.session.scalars(
            select(StoredFile.key).where(
                StoredFile.id.in_(file_ids), StoredFile.in_database.is_(False)
            )
        ).all()
        for key in keys:
            _remove_from_folder(key)
    with write_intent():
        db.session.execute(delete(StoredFile).where(StoredFile.id.in_(file_ids)))
        db.session.commit()


def _remove_from_folder(key: str) -> None:
    target = _path(key)
    target.unlink(missing_ok=True)
    for partial in target.parent.glob(f".{target.name}.*.part"):
        partial.unlink(missing_ok=True)


def remove(key: str) -> None:
    """Remove the file stored under `key`, if any."""
    _remove_rows(list(db.session.scalars(select(StoredFile.id).where(StoredFile.key == key))))


def remove_prefix(prefix: str) -> int:
    """Remove every file whose key begins with `prefix` (older versions of a kept file)."""
    ids = list(db.session.scalars(select(StoredFile.id).where(StoredFile.key.startswith(prefix))))
    _remove_rows(ids)
    return len(ids)


def remove_job_files(job_id: int) -> int:
    """Remove every file a job stored (complete or not); how many."""
    ids = list(db.session.scalars(select(StoredFile.id).where(StoredFile.job_id == job_id)))
    _remove_rows(ids)
    return len(ids)


def remove_expired(now: datetime | None = None) -> int:
    """Remove files past their expiry, and files left incomplete by a process that died."""
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            select(StoredFile.id).where(
                (StoredFile.expires_at < now)
                | (StoredFile.complete.is_(False) & (StoredFile.created_at < now - ABANDONED_AFTER))
            )
        )
    )
    for start in range(0, len(ids), 500):
        _remove_rows(ids[start : start + 500])
    return len(ids)
