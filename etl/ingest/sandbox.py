"""Parse untrusted files in child processes with memory and time limits, through one bounded pool.

A file that makes the parser blow up (memory, time, a crash in native code) costs a child
process, never the dashboard: the caller gets a Chinese error for that file.

All parsing of a process goes through one pool: a fixed number of workers (each a thread that
drives one child process), a first-come-first-served queue, and a per-owner limit on how many
of one owner's files stand in the queue at once (the rest join it as earlier ones finish), so
20 people uploading at once start 1–2 children instead of 20 and every valid file is read in
turn. The time limit of a file counts from when its parsing starts, not while it waits.
Callers wait on their own thread (polling), never on the server's event loop; the workers'
threads only wait on pipes, so readers of the dashboard stay responsive.

The child is a plain `python -m etl.ingest.sandbox_child` talking over pipes, not multiprocessing:
multiprocessing's spawn re-runs the parent's __main__, which under Streamlit is the app itself.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

from etl.core import settings

T = TypeVar("T")
_HEADER = struct.Struct("!Q")
_ROOT = settings.PROJECT_ROOT
IDLE_SECONDS = 30.0  # a worker's child is stopped after this long without work (frees its memory)
ABANDONED_SECONDS = 30.0  # a queued file nobody has asked about for this long is dropped
HEARTBEAT = 1.0  # a waiting caller hears its place in line at least this often


def enabled() -> bool:
    return settings.get("UNION_KPI_SANDBOX") not in ("0", "false", "no")


def worker_count() -> int:
    """UNION_KPI_PARSE_WORKERS, or 'auto': one core left to the dashboard, at most 2 workers."""
    value = settings.get("UNION_KPI_PARSE_WORKERS").strip().lower()
    if value in ("", "auto"):
        return max(1, min(2, (os.cpu_count() or 2) - 1))
    return max(1, int(value))


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
    def __init__(self, memory: int, preload: tuple[str, ...] = ()):
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.memory = memory
        self.process = subprocess.Popen(
            [sys.executable, "-m", "etl.ingest.sandbox_child", str(memory), *preload],
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


# ---------------------------------------------------------------- the pool


@dataclass(eq=False)
class Ticket:
    """One file's place in the pool: waiting (owner over its limit), queued, running or done."""

    seq: int
    owner: str
    name: str
    target: tuple[str, str]
    args: tuple
    failed: Callable[[tuple, str], Any]
    state: str = "waiting"
    key: str | None = None
    result: Any = None
    polled: float = field(default_factory=time.monotonic)
    # the submitter's settings (row limits ...): a child started earlier parses with them
    settings: dict[str, str] = field(default_factory=settings.snapshot)
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Progress:
    """What a caller waiting on its files can show: how many files are ahead of its first
    unfinished one, and the name of its file being parsed (None while all of them wait)."""

    ahead: int
    parsing: str | None
    finished: int
    total: int


class ParsePool:
    def __init__(self, workers: int, per_owner: int, memory: int):
        self.workers, self.per_owner, self.memory = workers, per_owner, memory
        self._lock = threading.Condition()
        self._queue: deque[Ticket] = deque()  # FIFO, at most per_owner tickets of one owner
        self._waiting: dict[str, deque[Ticket]] = {}  # per owner, beyond its limit
        self._running: list[Ticket] = []
        self._by_key: dict[tuple[str, str], Ticket] = {}
        self._seq = itertools.count()
        self._children: list[_Child | None] = [None] * workers
        self._closed = False
        for index in range(workers):
            threading.Thread(
                target=self._work, args=(index,), name=f"parse-worker-{index}", daemon=True
            ).start()

    # ---- callers

    def submit(
        self, owner: str, name: str, work: Callable[..., Any], args: tuple, failed, key: str | None = None
    ) -> Ticket:
        """A ticket for work(*args). With a key, the owner's ticket for the same key is reused while
        it waits, runs or has an uncollected result: a page that reruns keeps its place in line."""
        with self._lock:
            self._forget_abandoned()
            if key is not None and (owner, key) in self._by_key:
                ticket = self._by_key[(owner, key)]
                ticket.polled = time.monotonic()
                return ticket
            ticket = Ticket(next(self._seq), owner, name, (work.__module__, work.__qualname__), args, failed)
            if key is not None:
                ticket.key = key
                self._by_key[(owner, key)] = ticket
            self._waiting.setdefault(owner, deque()).append(ticket)
            self._admit(owner)
        return ticket

    def collected(self, tickets: list[Ticket]) -> None:
        """The caller has the results: keyed tickets are forgotten."""
        with self._lock:
            for t in tickets:
                if t.key is not None and self._by_key.get((t.owner, t.key)) is t:
                    del self._by_key[(t.owner, t.key)]

    def _forget_abandoned(self) -> None:
        stale = time.monotonic() - ABANDONED_SECONDS
        for k, t in list(self._by_key.items()):
            if t.state == "done" and t.polled < stale:
                del self._by_key[k]

    def ahead(self, ticket: Ticket) -> int:
        """Files that will be parsed before this one (being parsed now or earlier in line)."""
        with self._lock:
            ticket.polled = time.monotonic()
            if ticket.state in ("running", "done"):
                return 0
            if ticket.state == "queued":
                return len(self._running) + sum(1 for t in self._queue if t.seq < ticket.seq)
            # waiting: joins the back of the queue after the owner's earlier files
            earlier_own = sum(1 for t in self._waiting.get(ticket.owner, ()) if t.seq < ticket.seq)
            return len(self._running) + len(self._queue) + earlier_own

    def wait(self, tickets: list[Ticket], progress: Callable[[Progress], None] | None, poll: float) -> list:
        """The results, in order. `progress` hears the place in line when it changes, and at least
        every HEARTBEAT seconds: a page can then notice that its reader left (Streamlit stops a
        script only inside one of its calls)."""
        shown: Progress | None = None
        told = 0.0
        while True:
            pending = [t for t in tickets if not t.done.is_set()]
            if not pending:
                self.collected(tickets)
                return [t.result for t in tickets]
            if progress is not None:
                running = next((t.name for t in pending if t.state == "running"), None)
                now = Progress(self.ahead(pending[0]), running, len(tickets) - len(pending), len(tickets))
                if now != shown or time.monotonic() - told > HEARTBEAT:
                    progress(now)
                    shown, told = now, time.monotonic()
            now_polled = time.monotonic()
            for t in pending:
                t.polled = now_polled  # still wanted
            pending[0].done.wait(poll)

    # ---- workers

    def _admit(self, owner: str) -> None:
        """Move the owner's waiting tickets into the queue while it is under its limit."""
        waiting = self._waiting.get(owner)
        in_line = sum(1 for t in (*self._queue, *self._running) if t.owner == owner)
        while waiting and in_line < self.per_owner:
            ticket = waiting.popleft()
            ticket.state = "queued"
            self._queue.append(ticket)
            in_line += 1
        if waiting is not None and not waiting:
            del self._waiting[owner]
        self._lock.notify_all()

    def _next(self, index: int) -> Ticket | None:
        with self._lock:
            while True:
                while self._queue:
                    ticket = self._queue.popleft()
                    if time.monotonic() - ticket.polled > ABANDONED_SECONDS:
                        # its page was left or closed: nobody will read the result
                        if ticket.key is not None and self._by_key.get((ticket.owner, ticket.key)) is ticket:
                            del self._by_key[(ticket.owner, ticket.key)]
                        self._finish(ticket, ticket.failed(ticket.args, "等待解析时已无人等待结果"))
                        continue
                    ticket.state = "running"
                    self._running.append(ticket)
                    return ticket
                if self._closed or not self._lock.wait(IDLE_SECONDS):
                    return None

    def _finish(self, ticket: Ticket, result: Any) -> None:
        """Record a result (the lock is held)."""
        ticket.result, ticket.state = result, "done"
        if ticket in self._running:
            self._running.remove(ticket)
        ticket.done.set()
        self._admit(ticket.owner)

    def _work(self, index: int) -> None:
        while not self._closed:
            ticket = self._next(index)
            if ticket is None:
                self._stop_child(index)  # idle: give the child's memory back
                continue
            result = self._run(index, ticket)
            with self._lock:
                self._finish(ticket, result)

    def _run(self, index: int, ticket: Ticket) -> Any:
        timeout = float(settings.get("UNION_KPI_PARSE_SECONDS"))
        child = self._children[index] or _Child(self.memory)
        self._children[index] = child
        try:
            return child.call((ticket.target, ticket.args, ticket.settings), timeout)  # the limit starts now
        except TimeoutError:
            self._stop_child(index)
            return ticket.failed(ticket.args, f"解析超过 {timeout:g} 秒仍未完成")
        except (EOFError, BrokenPipeError, RuntimeError, pickle.UnpicklingError):
            self._stop_child(index)
            return ticket.failed(ticket.args, "解析进程异常退出（多为内存超出限制）")

    def _stop_child(self, index: int) -> None:
        child, self._children[index] = self._children[index], None
        if child:
            child.stop()

    def warm(self, preload: tuple[str, ...]) -> None:
        """Start the children of idle workers now, importing `preload` before their first job."""
        with self._lock:
            if self._running or self._queue:
                return  # busy workers start their own children
            for index, child in enumerate(self._children):
                if child is None:
                    self._children[index] = _Child(self.memory, preload)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        for index in range(self.workers):
            self._stop_child(index)

    def children(self) -> list[int]:
        """Process ids of the running parse children (for tests and benchmarks)."""
        return [c.process.pid for c in self._children if c and c.process.poll() is None]


_POOL: ParsePool | None = None
_ANONYMOUS = itertools.count()
_POOL_KEY: tuple[int, int, int] | None = None
_POOL_GUARD = threading.Lock()


def pool() -> ParsePool:
    """The process's pool; made anew when its settings change (the old one finishes its queue)."""
    global _POOL, _POOL_KEY
    key = (
        worker_count(),
        max(1, int(settings.get("UNION_KPI_PARSE_PER_OWNER"))),
        int(float(settings.get("UNION_KPI_PARSE_MEMORY_MB")) * 1024 * 1024),
    )
    with _POOL_GUARD:
        if _POOL is None or key != _POOL_KEY:
            old = _POOL
            _POOL, _POOL_KEY = ParsePool(*key), key
            if old is not None:
                threading.Thread(target=_retire, args=(old,), daemon=True).start()
        return _POOL


def _retire(old: ParsePool) -> None:
    while True:
        with old._lock:
            if not old._queue and not old._running and not old._waiting:
                break
        time.sleep(1)
    old.close()


def warm(preload: tuple[str, ...] = ("etl.ingest.inspect",)) -> None:
    """For a command that is about to parse: start the parsing child at once, so that it imports
    the parser while the caller imports the rest (two cores, not one after the other)."""
    if enabled():
        pool().warm(preload)


@atexit.register
def _shutdown() -> None:
    if _POOL is not None:
        _POOL.close()


def run_each(
    work: Callable[..., T],
    jobs: list[tuple],
    failed: Callable[[tuple, str], T],
    *,
    owner: str = "",
    names: list[str] | None = None,
    keys: list[str] | None = None,
    progress: Callable[[Progress], None] | None = None,
    poll: float = 0.25,
) -> list[T]:
    """work(*job) for every job in the parse pool's children; a job that fails gets failed(job, reason).

    `work` must be a module-level function; the child imports it by name. `owner` is whose files
    these are (a session or an account) for the per-owner limit; `keys` (say, content hash and
    hints) let a rerun of the same request keep its place; `progress` is called from this thread
    whenever the place in line changes.
    """
    the_pool = pool()
    owner = owner or f"anonymous-{next(_ANONYMOUS)}"  # a caller that names no owner is one of its own
    labels = names or [""] * len(jobs)
    ids: list[str | None] = list(keys) if keys else [None] * len(jobs)
    tickets = [
        the_pool.submit(owner, label, work, job, failed, key)
        for label, job, key in zip(labels, jobs, ids, strict=True)
    ]
    return the_pool.wait(tickets, progress, poll)
