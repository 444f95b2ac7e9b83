"""Jobs for the parse pool's tests: module-level, so the pool's child process can import them."""

from __future__ import annotations

import os
import time


def nap(seconds: float, tag: str) -> tuple[str, float, float, int]:
    """Sleep in the child; say when (wall clock) and in which process."""
    start = time.time()
    time.sleep(seconds)
    return tag, start, time.time(), os.getpid()


def failed(job: tuple, reason: str) -> tuple[str, str]:
    return ("failed", reason)
