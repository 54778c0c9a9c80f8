"""Batches of badges: which registrations, in which order, rendered in chunks and recorded.

`flask badges` and the admin page's background jobs both come here.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update

from maruf_reg import audit
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
    utcnow,
)

# Which registrations a batch prints lives in selection.py; the CLI and pages find it here too.
__all__ = ["ORDERS", "BatchResult", "Selection", "print_batch", "run_batch_job", "start_batch_job"]

log = logging.getLogger(__name__)

JOB_KIND = "badges"
JOB_FOLDER = "badges"


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
    try:
        write_pdf(
            texts,
            layout=badge_layout(layout),
            face=face,
            out=partial,
            progress=(lambda done: progress(done, total)) if progress else None,
            **render_options(),
        )
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
                db.session.execute(
                    update(Job)
                    .where(Job.id == job_id)
                    .values(
                        status=JobStatus.DONE,
                        done=total,
                        total=total,
                        result_path=str(out.relative_to(current_app.instance_path))
                        if out.is_relative_to(current_app.instance_path)
                        else str(out),
                        finished_at=utcnow(),
                    )
                )
            db.session.commit()
        os.replace(partial, out)
    except BaseException:
        db.session.rollback()
        partial.unlink(missing_ok=True)
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


def job_path(job_id: int) -> Path:
    """Where a batch job's PDF is written (in the instance folder)."""
    return Path(current_app.instance_path) / JOB_FOLDER / f"badges-{job_id}.pdf"


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
    _set_job(job_id, status=JobStatus.RUNNING, started_at=utcnow(), done=0, worker=_worker_id())
    try:
        print_batch(
            int(params["forum_id"]),
            Selection.from_params(params),
            layout=str(params.get("layout") or DEFAULT_LAYOUT),
            out=job_path(job_id),
            reprint=bool(params.get("reprint")),
            staff_user_id=staff_user_id,
            job_id=job_id,
            progress=lambda done, total: _set_job(job_id, done=done, total=total),
        )
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


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(job_id: int) -> list[Path]:
    """Files a batch job makes on its way (its partial PDF, its chunks' folder) and the PDF."""
    final = job_path(job_id)
    return [final, *final.parent.glob(f".{final.name}.*")]


def recover_interrupted_jobs() -> list[int]:
    """Fail the batch jobs that a worker of this host left running when it died (crash, kill,
    restart), and delete their half-made files. Jobs of live workers and other hosts are left."""
    host = socket.gethostname()
    failed = []
    for job in db.session.scalars(
        select(Job).where(Job.kind == JOB_KIND, Job.status == JobStatus.RUNNING)
    ):
        job_host, _, pid = job.worker.rpartition(":")
        if job_host != host or not pid.isdigit() or _is_alive(int(pid)):
            continue
        for path in _leftovers(job.id):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        failed.append(job.id)
    db.session.commit()
    for job_id in failed:
        _set_job(
            job_id,
            status=JobStatus.FAILED,
            error="The worker stopped while this batch was printed. Nothing was recorded: "
            "start it again.",
            finished_at=utcnow(),
        )
    return failed


def recent_jobs(limit: int = 20) -> list[Job]:
    """The latest badge batch jobs, newest first."""
    return list(
        db.session.scalars(
            select(Job).where(Job.kind == JOB_KIND).order_by(Job.id.desc()).limit(limit)
        )
    )


def job_file(job_id: int) -> Path | None:
    """The PDF of a finished batch job, if it is there."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != JOB_KIND or job.status != JobStatus.DONE or not job.result_path:
        return None
    path = Path(current_app.instance_path) / job.result_path
    return path if path.is_file() else None
