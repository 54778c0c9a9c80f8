"""Batches of badges: which registrations, in which order, rendered in chunks and recorded.

`flask badges` and the admin page's background jobs both come here.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from maruf_reg import audit, files, workers
from maruf_reg.badges.content import forum_face, texts_for
from maruf_reg.badges.errors import N_, BadgeError, SelectionError, SerialsChanged
from maruf_reg.badges.layouts import DEFAULT_LAYOUT, LAYOUTS
from maruf_reg.badges.render import release_memory, write_pdf
from maruf_reg.badges.selection import ORDERS, Selection, count_selection, select_holders
from maruf_reg.badges.services import badge_layout, check_layout, render_options
from maruf_reg.database import write_intent
from maruf_reg.extensions import db
from maruf_reg.models import (
    BadgePrint,
    Forum,
    Job,
    JobStatus,
    Registration,
    StoredFile,
    utcnow,
)

# Which registrations a batch prints lives in selection.py; the CLI and pages find it here too.
__all__ = ["ORDERS", "BatchResult", "Selection", "print_batch", "run_batch_job", "start_batch_job"]

log = logging.getLogger(__name__)

JOB_KIND = "badges"


@dataclass(frozen=True)
class BatchResult:
    count: int
    pages: int
    path: Path


def print_batch(
    forum_id: int,
    selection: Selection,
    *,
    layout: str,
    out: Path,
    reprint: bool = False,
    staff_user_id: int | None = None,
    job_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchResult:
    """Print a batch into `out` and record every badge as printed.

    With `reprint`, every selected badge gets a new serial (revoking the printed ones). `out` appears
    only once the batch is rendered and recorded: nothing is half-written or half-recorded.
    `progress(done, total)` is called as chunks finish.
    """
    check_layout(layout)
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        raise SelectionError(N_("There is no forum %(id)s."), id=forum_id)
    holders = select_holders(forum_id, selection)
    total = len(holders)
    old_serials = {h.registration_id: h.badge_serial for h in holders}
    serials = {r_id: serial + 1 for r_id, serial in old_serials.items()} if reprint else old_serials
    texts = texts_for(forum, holders, serials=serials)
    face = forum_face(forum)
    # Render outside any transaction: progress is committed as it goes, and nothing is locked.
    db.session.commit()
    del holders, forum
    release_memory()
    if progress:
        progress(0, total)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, partial_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(handle)
    partial = Path(partial_name)
    result_key: str | None = None
    try:
        write_pdf(
            texts,
            layout=badge_layout(layout),
            face=face,
            out=partial,
            progress=(lambda done: progress(done, total)) if progress else None,
            **render_options(),
        )
        # A job's PDF goes to the file store (any app server serves it) before it is recorded.
        result_key = _store_result(job_id, partial) if job_id is not None else None
        with write_intent():
            if reprint:
                _bump_serials(old_serials)
            db.session.execute(
                insert(BadgePrint),
                [
                    {
                        "registration_id": registration_id,
                        "serial": serial,
                        "job_id": job_id,
                        "printed_by_id": staff_user_id,
                        "reprint": reprint,
                        "printed_at": utcnow(),
                    }
                    for registration_id, serial in serials.items()
                ],
            )
            audit.record(
                "badge.batch_reprint" if reprint else "badge.batch",
                obj=db.session.get(Forum, forum_id),
                staff_user_id=staff_user_id,
                actor="staff" if staff_user_id else "system",
                details={
                    "count": total,
                    "layout": layout,
                    "job_id": job_id,
                    **selection.as_params(),
                },
            )
            if job_id is not None:
                _record_job_done(job_id, total, result_key)
            db.session.commit()
        os.replace(partial, out)
    except BaseException:
        db.session.rollback()
        partial.unlink(missing_ok=True)
        if result_key is not None:
            files.remove(result_key)
        raise
    per_page = LAYOUTS[layout].per_page
    return BatchResult(count=total, pages=-(-total // per_page), path=out)


def _bump_serials(old_serials: dict[int, int]) -> None:
    """Add 1 to each serial, and check that none moved meanwhile (a desk reprint during the batch)."""
    ids = list(old_serials)
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        db.session.execute(
            update(Registration)
            .where(Registration.id.in_(part))
            .values(badge_serial=Registration.badge_serial + 1, updated_at=utcnow())
        )
        query = select(Registration.id, Registration.badge_serial).where(Registration.id.in_(part))
        now: dict[int, int] = dict(db.session.execute(query).all())  # type: ignore[arg-type]
        if any(now.get(r_id) != old_serials[r_id] + 1 for r_id in part):
            raise SerialsChanged(
                N_(
                    "Badges of this batch were reprinted while it was rendered: nothing was recorded. Run it again."
                )
            )


# --- batches as background jobs ----------------------------------------------------------------


class JobCancelled(BadgeError):
    """The job stopped running meanwhile (failed as stale by another worker): nothing recorded."""


def job_file_key(job_id: int) -> str:
    """Where a batch job's PDF is kept in the file store."""
    return f"jobs/{job_id}/badges-{job_id}.pdf"


def _store_result(job_id: int, pdf: Path) -> str:
    key = job_file_key(job_id)
    files.save_path(key, pdf, content_type="application/pdf", job_id=job_id)
    return key


def _record_job_done(job_id: int, total: int, result_key: str | None) -> None:
    """Mark the job done, in the batch's last transaction; only if it still runs."""
    done = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
        .values(
            status=JobStatus.DONE,
            done=total,
            total=total,
            result_path=result_key,
            finished_at=utcnow(),
        )
    )
    if not getattr(done, "rowcount", 0):
        raise JobCancelled(N_("This batch was stopped meanwhile: nothing was recorded."))


def start_batch_job(
    forum_id: int,
    selection: Selection,
    *,
    layout: str,
    reprint: bool = False,
    staff_user_id: int | None,
) -> Job:
    """Check the batch and queue it as a job; the worker (`run_batch_job`) renders it."""
    check_layout(layout)
    total = count_selection(forum_id, selection)
    if total == 0:
        raise SelectionError(N_("No confirmed registration matches this selection."))
    with write_intent():
        job = Job(
            kind=JOB_KIND,
            status=JobStatus.QUEUED,
            params={
                "forum_id": forum_id,
                "layout": layout,
                "reprint": reprint,
                **selection.as_params(),
            },
            total=total,
            created_by_id=staff_user_id,
        )
        db.session.add(job)
        db.session.commit()
    return job


def _set_job(job_id: int, **values: Any) -> None:
    with write_intent():
        db.session.execute(update(Job).where(Job.id == job_id).values(**values))
        db.session.commit()


def run_batch_job(job_id: int) -> None:
    """The worker's side of a batch job: render, record, and keep the job's progress up to date."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != JOB_KIND or job.status != JobStatus.QUEUED:
        return
    params = dict(job.params)
    staff_user_id = job.created_by_id
    _set_job(
        job_id,
        status=JobStatus.RUNNING,
        started_at=utcnow(),
        done=0,
        worker=workers.worker_name(),
    )
    try:
        with workers.heartbeat(job_id), workers.work_folder(job_id) as folder:
            print_batch(
                int(params["forum_id"]),
                Selection.from_params(params),
                layout=str(params.get("layout") or DEFAULT_LAYOUT),
                out=folder / f"badges-{job_id}.pdf",
                reprint=bool(params.get("reprint")),
                staff_user_id=staff_user_id,
                job_id=job_id,
                progress=lambda done, total: _set_job(job_id, done=done, total=total),
            )
    except JobCancelled:
        return
    except BadgeError as error:
        _set_job(job_id, status=JobStatus.FAILED, error=str(error), finished_at=utcnow())
    except Exception:
        log.exception("badge batch job %s failed", job_id)
        _set_job(
            job_id,
            status=JobStatus.FAILED,
            error="Unexpected error: see the worker's log.",
            finished_at=utcnow(),
        )
        raise


def recent_jobs(limit: int = 20) -> list[Job]:
    """The latest badge batch jobs, newest first."""
    return list(
        db.session.scalars(
            select(Job).where(Job.kind == JOB_KIND).order_by(Job.id.desc()).limit(limit)
        )
    )


def job_file(job_id: int) -> StoredFile | None:
    """The PDF of a finished batch job, while it is kept (FILES_KEEP_DAYS)."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != JOB_KIND or job.status != JobStatus.DONE or not job.result_path:
        return None
    return files.find(job.result_path)
