"""Background jobs of the badges capability (run by `flask worker`, inline with HUEY_IMMEDIATE)."""

from __future__ import annotations

from maruf_reg.badges import batches
from maruf_reg.jobs import render_queue


@render_queue.app_task()
def render_badge_batch(job_id: int) -> None:
    """Render and record a batch queued from the admin page."""
    batches.run_batch_job(job_id)
