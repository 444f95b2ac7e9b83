"""Parse untrusted files in a child process with memory and time limits.

A file that makes the parser blow up (memory, time, a crash in native code) costs the
child process, never the dashboard: the parent gets a Chinese error for that file.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from etl import settings

T = TypeVar("T")


def _limit_memory(max_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


def enabled() -> bool:
    return settings.get("UNION_KPI_SANDBOX") not in ("0", "false", "no")


def run_each(work: Callable[..., T], jobs: list[tuple], failed: Callable[[tuple, str], T]) -> list[T]:
    """work(*job) for every job in one child process; a job that fails gets failed(job, reason)."""
    memory = int(float(settings.get("UNION_KPI_PARSE_MEMORY_MB")) * 1024 * 1024)
    timeout = float(settings.get("UNION_KPI_PARSE_SECONDS"))
    results: list[T] = []
    pool = _pool(memory)
    try:
        for job in jobs:
            try:
                results.append(pool.submit(work, *job).result(timeout=timeout))
            except FutureTimeout:
                results.append(failed(job, f"解析超过 {timeout:g} 秒仍未完成"))
                pool = _restart(pool, memory)
            except (BrokenProcessPool, MemoryError):
                results.append(failed(job, "解析进程异常退出（多为内存超出限制）"))
                pool = _restart(pool, memory)
    finally:
        _shutdown(pool)
    return results


def _pool(memory: int) -> ProcessPoolExecutor:
    # spawn, not fork: the dashboard process has threads, and a forked copy of them may deadlock
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_limit_memory, initargs=(memory,))


def _restart(pool: ProcessPoolExecutor, memory: int) -> ProcessPoolExecutor:
    _shutdown(pool)
    return _pool(memory)


def _shutdown(pool: ProcessPoolExecutor) -> None:
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()  # a hung parse must not keep the pool's shutdown waiting
    pool.shutdown(wait=False, cancel_futures=True)
