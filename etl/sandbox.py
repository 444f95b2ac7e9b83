"""Parse untrusted files in a child process with memory and time limits.

A file that makes the parser blow up (memory, time, a crash in native code) costs the
child process, never the dashboard: the parent gets a Chinese error for that file.

The child is a plain `python -m etl.sandbox_child` talking over pipes, not multiprocessing:
multiprocessing's spawn re-runs the parent's __main__, which under Streamlit is the app itself.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

from etl import settings

T = TypeVar("T")
_HEADER = struct.Struct("!Q")
_ROOT = Path(__file__).resolve().parent.parent


def enabled() -> bool:
    return settings.get("UNION_KPI_SANDBOX") not in ("0", "false", "no")


def send(stream: IO[bytes], payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def receive(stream: IO[bytes]) -> object:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class _Child:
    def __init__(self, memory: int):
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "etl.sandbox_child", str(memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=_ROOT,
            env=env,
        )

    def call(self, job: tuple, timeout: float) -> object:
        assert self.process.stdin and self.process.stdout
        send(self.process.stdin, job)
        deadline = time.monotonic() + timeout
        while not select.select([self.process.stdout], [], [], 0.2)[0]:
            if self.process.poll() is not None:
                raise EOFError
            if time.monotonic() > deadline:
                raise TimeoutError
        reply = receive(self.process.stdout)
        assert isinstance(reply, tuple)
        status, value = reply
        if status != "ok":
            raise RuntimeError(value)
        return value

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def run_each(work: Callable[..., T], jobs: list[tuple], failed: Callable[[tuple, str], T]) -> list[T]:
    """work(*job) for every job in a child process; a job that fails gets failed(job, reason).

    `work` must be a module-level function; the child imports it by name.
    """
    memory = int(float(settings.get("UNION_KPI_PARSE_MEMORY_MB")) * 1024 * 1024)
    timeout = float(settings.get("UNION_KPI_PARSE_SECONDS"))
    target = (work.__module__, work.__qualname__)
    results: list[T] = []
    child: _Child | None = None
    try:
        for job in jobs:
            child = child or _Child(memory)
            try:
                results.append(child.call((target, job), timeout))  # type: ignore[arg-type]
            except TimeoutError:
                results.append(failed(job, f"解析超过 {timeout:g} 秒仍未完成"))
                child.stop()
                child = None
            except (EOFError, BrokenPipeError, RuntimeError):
                results.append(failed(job, "解析进程异常退出（多为内存超出限制）"))
                child.stop()
                child = None
    finally:
        if child:
            child.stop()
    return results
