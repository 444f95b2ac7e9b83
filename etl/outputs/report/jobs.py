"""Reports built in the background, for the 报告导出 page.

A build runs in a worker thread, not in the page's script run: the page polls the job for its
progress, the user may leave and come back for the files, and nobody else's page waits for it.
The Python part of a build (laying out figures, writing the documents) is short beside Chromium's
drawing, which happens in Chromium's own processes; WORKERS builds run at once (sharing the one
warm Chromium), the rest wait in line and the page says how many are ahead.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from etl.outputs.report.build import FORMATS, ReportFiles, render
from etl.outputs.report.draft import Draft

WORKERS = 2
KEEP = 8  # finished jobs kept for their pages (the newest; a 完整版 holds ~50 MB of files)
KEEP_SECONDS = 1800.0

_lock = threading.Lock()
_jobs: dict[str, Job] = {}
_ids = itertools.count(1)
_executor: ThreadPoolExecutor | None = None


@dataclass
class Job:
    id: str
    key: Any  # what the page asked for: it shows the files only while its filters still match
    state: str = "queued"  # queued | running | done | failed
    share: float = 0.0
    message: str = ""
    files: ReportFiles | None = None
    error: str = ""
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    finished: float | None = None

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="report-build")
        return _executor


def _forget_old() -> None:
    now = time.monotonic()
    done = [j for j in _jobs.values() if not j.active]
    old = {j.id for j in done if j.finished and now - j.finished > KEEP_SECONDS}
    old |= {j.id for j in sorted(done, key=lambda j: j.submitted)[:-KEEP]} if len(done) > KEEP else set()
    for job_id in old:
        _jobs.pop(job_id, None)


def submit(
    d: Draft,
    key: Any,
    length: str = "short",
    charts: Sequence[str] | None = None,
    formats: Sequence[str] = FORMATS,
) -> Job:
    """Start building a report; returns at once with the job to poll."""
    job = Job(id=f"r{next(_ids)}", key=key)
    with _lock:
        _forget_old()
        _jobs[job.id] = job

    def progress(share: float, message: str) -> None:
        job.share, job.message = share, message

    def run() -> None:
        job.state, job.started = "running", time.monotonic()
        try:
            job.files = render(d, None, formats, progress, length, charts)
            job.state = "done"
        except Exception as exc:  # shown on the page that asked; the worker goes on
            job.error = str(exc) or type(exc).__name__
            job.state = "failed"
        finally:
            job.finished = time.monotonic()

    _pool().submit(run)
    return job


def get(job_id: str | None) -> Job | None:
    with _lock:
        return _jobs.get(job_id or "")


def ahead(job: Job) -> int:
    """Builds that will start before this queued one."""
    with _lock:
        waiting = [j for j in _jobs.values() if j.state == "queued" and j.submitted < job.submitted]
        running = [j for j in _jobs.values() if j.state == "running"]
    return len(waiting) + max(0, len(running) - WORKERS + 1)


def wait(job: Job, timeout: float = 600.0) -> Job:
    """Block until the job has finished (for tests and scripts)."""
    end = time.monotonic() + timeout
    while job.active and time.monotonic() < end:
        time.sleep(0.05)
    return job
