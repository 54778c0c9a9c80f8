"""`flask worker`: consumers for the job queues, and the upkeep every worker does beside them.

Jobs that organisers follow (badge batches) carry a heartbeat while they run: `heartbeat(job_id)`
writes the time every `JOB_HEARTBEAT_SECONDS` from a thread of its own. Every worker, on any host,
runs the upkeep each `WORKER_UPKEEP_SECONDS`:
- it says it is alive (`workers` table; /readyz reports when none was seen for a minute);
- it fails the running jobs whose heartbeat is older than `JOB_STALE_SECONDS` (their worker or
  their host was lost) and removes what they stored; a failed batch recorded nothing (its prints
  are written in its last transaction), so the organiser starts it again;
- it removes generated files past their expiry (files.py).
A worker that starts also fails at once the jobs that a dead worker of its own host left running,
and removes the working folders they left in the temporary directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, func, or_, select, update

from maruf_reg import files, signals
from maruf_reg.database import write_intent
from maruf_reg.extensions import db
from maruf_reg.jobs import MAIL, QUEUES
from maruf_reg.models import Job, JobStatus, WorkerPresence, utcnow

log = logging.getLogger(__name__)

#: working folders of jobs, in the host's temporary directory: `maruf-job-<site>-<id>-<random>`,
#: where <site> stands for the database (several sites, or test runs, may share one host)
WORK_PREFIX = "maruf-job-"
LOST_WORKER = (
    "The worker stopped while this job ran (its process or its host was lost). Nothing was "
    "recorded: start it again."
)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- a running job -------------------------------------------------------------------------------


def _beat(job_id: int) -> None:
    with write_intent():
        db.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
            .values(heartbeat_at=utcnow())
        )
        db.session.commit()


@contextlib.contextmanager
def heartbeat(job_id: int) -> Iterator[None]:
    """Keep the running job's heartbeat fresh until the block ends (a thread writes it)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    interval = float(app.config["JOB_HEARTBEAT_SECONDS"])
    stop = threading.Event()

    def beat() -> None:
        with app.app_context():
            while not stop.wait(interval):
                try:
                    _beat(job_id)
                except Exception:  # the next beat tries again; the job goes on
                    log.exception("heartbeat of job %s", job_id)
                    db.session.rollback()

    _beat(job_id)
    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _site() -> str:
    url = db.engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(url.encode()).hexdigest()[:10]


def work_prefix(job_id: int) -> str:
    """How the names of a job's working folders begin."""
    return f"{WORK_PREFIX}{_site()}-{job_id}-"


@contextlib.contextmanager
def work_folder(job_id: int) -> Iterator[Path]:
    """A temporary folder for a job's files on their way (removed afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix=work_prefix(job_id)))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- jobs whose worker was lost -------------------------------------------------------------------


def fail_job(
    job_id: int, *, error: str = LOST_WORKER, only_if_stale_before: datetime | None = None
) -> bool:
    """Mark a running job failed and remove what it stored; False if it was no longer running
    (or, with `only_if_stale_before`, if its heartbeat came back meanwhile)."""
    condition = [Job.id == job_id, Job.status == JobStatus.RUNNING]
    if only_if_stale_before is not None:
        condition.append(func.coalesce(Job.heartbeat_at, Job.started_at) < only_if_stale_before)
    with write_intent():
        result = db.session.execute(
            update(Job)
            .where(*condition)
            .values(status=JobStatus.FAILED, error=error, finished_at=utcnow())
        )
        db.session.commit()
    if not getattr(result, "rowcount", 0):
        return False
    files.remove_job_files(job_id)
    _remove_work_folders([job_id])
    return True


def fail_stale_jobs(now: datetime | None = None) -> list[int]:
    """Fail the running jobs whose heartbeat is older than JOB_STALE_SECONDS, on any host."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=float(current_app.config["JOB_STALE_SECONDS"]))
    stale = list(
        db.session.scalars(
            select(Job.id).where(
                Job.status == JobStatus.RUNNING,
                or_(
                    Job.heartbeat_at < cutoff,
                    Job.heartbeat_at.is_(None) & (Job.started_at < cutoff),
                ),
            )
        )
    )
    db.session.commit()
    return [job_id for job_id in stale if fail_job(job_id, only_if_stale_before=cutoff)]


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_jobs_of_dead_local_workers() -> list[int]:
    """Fail at once the running jobs of dead worker processes of this host (no need to wait for
    their heartbeat to grow old)."""
    host = socket.gethostname()
    rows = db.session.execute(
        select(Job.id, Job.worker).where(Job.status == JobStatus.RUNNING, Job.worker != "")
    ).all()
    db.session.commit()
    dead = []
    for job_id, worker in rows:
        job_host, _, pid = worker.rpartition(":")
        if job_host == host and pid.isdigit() and not _is_alive(int(pid)):
            dead.append(job_id)
    return [job_id for job_id in dead if fail_job(job_id)]


def _work_folders() -> dict[int, list[Path]]:
    """This site's job working folders on this host, by job."""
    found: dict[int, list[Path]] = {}
    prefix = f"{WORK_PREFIX}{_site()}-"
    for path in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        number = path.name[len(prefix) :].split("-", 1)[0]
        if number.isdigit() and path.is_dir():
            found.setdefault(int(number), []).append(path)
    return found


def _remove_work_folders(job_ids: Sequence[int]) -> None:
    folders = _work_folders()
    for job_id in job_ids:
        for path in folders.get(job_id, []):
            shutil.rmtree(path, ignore_errors=True)


def remove_leftover_work_folders() -> int:
    """Remove this host's working folders of jobs that no longer run (a killed worker's)."""
    folders = _work_folders()
    if not folders:
        return 0
    running = set(
        db.session.scalars(
            select(Job.id).where(Job.id.in_(list(folders)), Job.status == JobStatus.RUNNING)
        )
    )
    db.session.commit()
    gone = [job_id for job_id in folders if job_id not in running]
    _remove_work_folders(gone)
    return len(gone)


# --- workers -------------------------------------------------------------------------------------


def record_presence(name: str, queues: Sequence[str], started_at: datetime) -> None:
    """Say that this worker is alive (and forget workers not seen for a day)."""
    now = utcnow()
    with write_intent():
        row = db.session.get(WorkerPresence, name)
        if row is None:
            db.session.add(
                WorkerPresence(
                    name=name, queues=",".join(queues), started_at=started_at, seen_at=now
                )
            )
        else:
            row.seen_at = now
        db.session.execute(
            delete(WorkerPresence).where(WorkerPresence.seen_at < now - timedelta(days=1))
        )
        db.session.commit()


def last_seen() -> datetime | None:
    """When a worker last said it was alive."""
    return db.session.scalar(select(func.max(WorkerPresence.seen_at)))


def _recover(*, starting: bool) -> None:
    for receiver, result in signals.worker_upkeep.send(None, starting=starting):
        if result:
            log.warning("recovered after a lost worker (%s): %s", receiver.__name__, result)


def upkeep(
    name: str, queues: Sequence[str], started_at: datetime, *, starting: bool = False
) -> None:
    """One round of what every worker does beside its queues."""
    steps: list[tuple[str, Any]] = [
        ("presence", lambda: record_presence(name, queues, started_at)),
        ("stale jobs", fail_stale_jobs),
        ("expired files", files.remove_expired),
    ]
    if MAIL in queues:
        # Capabilities above recover their own work (a message a lost worker was sending).
        steps.append(("recovery", lambda: _recover(starting=starting)))
    for what, step in steps:
        try:
            result = step()
        except Exception:  # the next round tries again; the queues go on
            log.exception("worker upkeep: %s", what)
            db.session.rollback()
            continue
        if isinstance(result, list) and result:
            log.warning("failed jobs %s: their worker was lost", result)


class Worker:
    """Consumers for the chosen queues in this process, and the upkeep beside them."""

    def __init__(self, app: Flask, queues: Sequence[str], threads: int) -> None:
        unknown = [name for name in queues if name not in QUEUES]
        if unknown or not queues:
            raise ValueError(
                f"unknown queue(s) {', '.join(unknown)}: choose from {', '.join(QUEUES)}"
            )
        self.app = app
        self.queues = list(dict.fromkeys(queues))
        self.name = worker_name()
        self.started_at = utcnow()
        self.consumers = [
            QUEUES[queue].create_consumer(workers=threads, worker_type="thread", periodic=False)
            for queue in self.queues
        ]
        self.stopping = threading.Event()
        self.graceful = True

    def start(self) -> list[int]:
        """Recover what dead workers of this host left, then start consuming; the jobs failed."""
        with self.app.app_context():
            failed = fail_jobs_of_dead_local_workers()
            remove_leftover_work_folders()
            upkeep(self.name, self.queues, self.started_at, starting=True)
        for consumer in self.consumers:
            consumer.start()
        return failed

    def stop(self) -> None:
        for consumer in self.consumers:
            consumer.stop(graceful=self.graceful)
            consumer.huey.notify_interrupted_tasks()

    def _signal(self, signum: int, frame: Any) -> None:
        # As Huey's own consumer: SIGINT finishes the running tasks, SIGTERM stops at once.
        self.graceful = signum == signal.SIGINT
        self.stopping.set()

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._signal)
        interval = float(self.app.config["WORKER_UPKEEP_SECONDS"])
        while not self.stopping.wait(interval):
            with self.app.app_context():
                upkeep(self.name, self.queues, self.started_at)
            for consumer in self.consumers:
                consumer.check_worker_health()
        self.stop()
