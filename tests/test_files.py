"""The file store: generated files kept in the database (chunks) or in a shared folder, served by
any app server, removed when they expire or when the job that made them was lost."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from maruf_reg import files
from maruf_reg.extensions import db
from maruf_reg.models import Job, JobStatus, StoredFile, StoredFileChunk, utcnow

BIG = os.urandom(files.CHUNK_BYTES * 2 + 12_345)  # three chunks, the last one short


@pytest.fixture(params=["database", "folder"])
def store_app(request, make_app, tmp_path):
    """An app keeping files in the database, or in a shared folder."""
    if request.param == "database":
        return make_app()
    return make_app(FILES_PATH=str(tmp_path / "shared"))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_file_is_stored_whole_and_read_back_chunk_by_chunk(store_app):
    with store_app.app_context():
        stored = files.save(
            "certificates/7-abc.pdf", io.BytesIO(BIG), content_type="application/pdf"
        )
        assert (stored.size, stored.complete) == (len(BIG), True)
        found = files.find("certificates/7-abc.pdf")
        assert found is not None
        pieces = list(files.read_chunks(found))
        assert b"".join(pieces) == BIG
        assert len(pieces) == 3
        if store_app.config["FILES_PATH"]:
            on_disk = Path(store_app.config["FILES_PATH"]) / "certificates" / "7-abc.pdf"
            assert on_disk.read_bytes() == BIG
            assert count(StoredFileChunk) == 0
        else:
            assert count(StoredFileChunk) == 3


def test_saving_under_a_key_again_replaces_the_file(store_app):
    with store_app.app_context():
        files.save("jobs/1/a.pdf", io.BytesIO(b"first"), content_type="application/pdf")
        files.save("jobs/1/a.pdf", io.BytesIO(b"second"), content_type="application/pdf")
        found = files.find("jobs/1/a.pdf")
        assert found is not None and files.read_bytes(found) == b"second"
        assert count(StoredFile) == 1


def test_a_file_still_being_written_is_not_served(store_app):
    with store_app.app_context():
        db.session.add(StoredFile(key="jobs/2/half.pdf", content_type="application/pdf"))
        db.session.commit()
        assert files.find("jobs/2/half.pdf") is None


def test_a_download_is_streamed_after_the_request_ends(store_app):
    """The response body is read after the view returned (as a WSGI server does)."""
    with store_app.app_context():
        stored = files.save("jobs/3/b.pdf", io.BytesIO(BIG), content_type="application/pdf")
    with store_app.test_request_context():
        response = files.response(stored, download_name="b.pdf")
    response.direct_passthrough = False
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.get_data() == BIG
    response.close()


def test_keys_must_be_plain_relative_names(store_app):
    with store_app.app_context():
        for bad in ("../etc/passwd", "/abs.pdf", "Jobs/1.pdf", "a//b.pdf", ""):
            with pytest.raises(files.BadKey):
                files.save(bad, io.BytesIO(b"x"), content_type="text/plain")


def test_expired_and_abandoned_files_are_removed_others_kept(store_app):
    now = utcnow()
    with store_app.app_context():
        files.save("old/kept.pdf", io.BytesIO(b"kept"), content_type="application/pdf")
        files.save(
            "old/expired.pdf",
            io.BytesIO(b"old"),
            content_type="application/pdf",
            now=now - timedelta(days=8),
        )
        db.session.add(StoredFile(key="old/abandoned.pdf", created_at=now - timedelta(hours=2)))
        db.session.add(StoredFile(key="old/being-written.pdf", created_at=now))
        db.session.commit()
        assert files.remove_expired(now) == 2
        keys = set(db.session.scalars(select(StoredFile.key)))
        assert keys == {"old/kept.pdf", "old/being-written.pdf"}
        if store_app.config["FILES_PATH"]:
            folder = Path(store_app.config["FILES_PATH"]) / "old"
            assert sorted(p.name for p in folder.iterdir()) == ["kept.pdf"]


def test_a_jobs_files_go_with_it(store_app):
    with store_app.app_context():
        job = Job(kind="badges", status=JobStatus.RUNNING)
        db.session.add(job)
        db.session.commit()
        files.save(
            f"jobs/{job.id}/x.pdf", io.BytesIO(BIG), content_type="application/pdf", job_id=job.id
        )
        files.save("certificates/1-a.pdf", io.BytesIO(b"c"), content_type="application/pdf")
        assert files.remove_job_files(job.id) == 1
        assert list(db.session.scalars(select(StoredFile.key))) == ["certificates/1-a.pdf"]
        assert count(StoredFileChunk) == (0 if store_app.config["FILES_PATH"] else 1)
