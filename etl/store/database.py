"""The DuckDB file: schema (raw facts per kind, units, load log) and connections.

Schema changes happen only here, at start-up. Readers and the writer open short-lived
connections, so the dashboard and the command line can take turns on the same file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from etl.core import settings
from etl.core.dictionary import KINDS, Kind
from etl.store import derived

SQL_TYPES = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "money": "DECIMAL(18,2)",
    "date": "DATE",
    "number": "DOUBLE",
    "rate": "DOUBLE",
}
# Period columns are stored explicitly; unit attributes live on the unit (units), not in the facts.
_PERIOD_FIELDS = {"year", "quarter", "unit", "parent", "unit_type"}


ARCHIVED_TABLES = ("membership", "dues", "welfare", "activities", "targets", "coverage")


def _fact_columns(kind: Kind) -> list[tuple[str, str]]:
    return [(f.id, SQL_TYPES[f.type]) for f in kind.fields if f.id not in _PERIOD_FIELDS]


def fact_columns(kind_id: str) -> list[str]:
    """Measure columns stored for a data kind, in dictionary order."""
    return [name for name, _ in _fact_columns(KINDS[kind_id])]


def _ddl() -> list[str]:
    statements = [
        "CREATE SEQUENCE IF NOT EXISTS unit_ids START 1",
        "CREATE SEQUENCE IF NOT EXISTS load_ids START 1",
        "CREATE TABLE IF NOT EXISTS settings (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """CREATE TABLE IF NOT EXISTS units (
            unit_id INTEGER PRIMARY KEY,
            name VARCHAR NOT NULL,
            name_key VARCHAR NOT NULL UNIQUE,
            parent_id INTEGER,
            reports BOOLEAN NOT NULL DEFAULT TRUE,
            created_at TIMESTAMP DEFAULT current_timestamp)""",
        "CREATE TABLE IF NOT EXISTS unit_aliases (alias_key VARCHAR PRIMARY KEY, unit_id INTEGER NOT NULL)",
        """CREATE TABLE IF NOT EXISTS loads (
            load_id INTEGER PRIMARY KEY,
            file_name VARCHAR, sha256 VARCHAR, kind VARCHAR, periods VARCHAR,
            rows_loaded INTEGER, units INTEGER, warnings INTEGER,
            loaded_at TIMESTAMP, user_name VARCHAR,
            status VARCHAR DEFAULT 'loaded',   -- loaded | undone | undo
            undoes INTEGER)""",
        # which unit-quarters each kind has received: drives replacement and 数据报送
        """CREATE TABLE IF NOT EXISTS coverage (
            kind VARCHAR, year INTEGER, quarter INTEGER, unit_id INTEGER, load_id INTEGER)""",
    ]
    for kind in KINDS.values():
        if kind.id == "targets":
            continue
        cols = ", ".join(f"{name} {sql}" for name, sql in _fact_columns(kind))
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {kind.table} (year INTEGER NOT NULL, quarter INTEGER NOT NULL, "
            f"unit_id INTEGER NOT NULL, {cols}, load_id INTEGER)"
        )
    statements.append(
        """CREATE TABLE IF NOT EXISTS targets (
            year INTEGER NOT NULL, indicator VARCHAR NOT NULL, unit_id INTEGER,
            target DOUBLE NOT NULL, q1 DOUBLE, q2 DOUBLE, q3 DOUBLE, q4 DOUBLE, load_id INTEGER)"""
    )
    # columns added after the first release: databases made by it gain them at start-up
    statements += [
        "ALTER TABLE loads ADD COLUMN IF NOT EXISTS status VARCHAR DEFAULT 'loaded'",
        "ALTER TABLE loads ADD COLUMN IF NOT EXISTS undoes INTEGER",
        # 单位性质 (dictionary.UNIT_TYPES): which indicators apply to the unit; NULL = not known
        "ALTER TABLE units ADD COLUMN IF NOT EXISTS unit_type VARCHAR",
    ]
    # what each load replaced, so the history can show it and an undo can restore it exactly
    for table in ARCHIVED_TABLES:
        statements.append(
            f"CREATE TABLE IF NOT EXISTS replaced_{table} AS "
            f"SELECT *, 0::INTEGER AS replaced_by FROM {table} WHERE false"
        )
    # what reads need, kept up to date by every write (etl/store/derived.py)
    statements += derived.DDL
    # ---- accounts, login sessions and the audit trail (etl/store/accounts.py, etl/store/audit.py) ----
    statements += [
        # which account made a load (NULL: the command line or the single local user)
        "ALTER TABLE loads ADD COLUMN IF NOT EXISTS account_id INTEGER",
        "CREATE SEQUENCE IF NOT EXISTS account_ids START 1",
        "CREATE SEQUENCE IF NOT EXISTS session_ids START 1",
        "CREATE SEQUENCE IF NOT EXISTS audit_ids START 1",
        # role: admin | uploader | viewer; unit_id NULL = the whole organisation
        """CREATE TABLE IF NOT EXISTS accounts (
            account_id INTEGER PRIMARY KEY,
            name VARCHAR NOT NULL,
            name_key VARCHAR NOT NULL UNIQUE,
            role VARCHAR NOT NULL,
            unit_id INTEGER,
            email VARCHAR,
            password_hash VARCHAR,
            enabled BOOLEAN NOT NULL DEFAULT TRUE,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TIMESTAMP,
            created_at TIMESTAMP,
            last_login TIMESTAMP)""",
        # only hashes of the session token and of the one-time ticket are kept
        """CREATE TABLE IF NOT EXISTS sessions (
            session_id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL,
            token_hash VARCHAR NOT NULL UNIQUE,
            ticket_hash VARCHAR,
            ticket_expires TIMESTAMP,
            via VARCHAR,
            oidc_marker VARCHAR,
            created_at TIMESTAMP NOT NULL,
            last_seen TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            ended_at TIMESTAMP,
            end_reason VARCHAR)""",
        # 操作日志: append-only; no code path updates or deletes its rows
        """CREATE TABLE IF NOT EXISTS audit_log (
            audit_id INTEGER PRIMARY KEY,
            logged_at TIMESTAMP NOT NULL,
            account VARCHAR,
            role VARCHAR,
            via VARCHAR,
            action VARCHAR NOT NULL,
            target VARCHAR,
            units VARCHAR,
            periods VARCHAR,
            detail VARCHAR)""",
    ]
    # ---- security (issue 11) ----
    # units.created_load: the load that created the unit (undoing it removes the unit when
    # nothing else uses it); units.retired: taken off the register by hand (单位管理), no longer
    # expected to report, history kept. Names stored by older versions lose control characters.
    statements += [
        "ALTER TABLE units ADD COLUMN IF NOT EXISTS created_load INTEGER",
        "ALTER TABLE units ADD COLUMN IF NOT EXISTS retired BOOLEAN DEFAULT FALSE",
        f"UPDATE units SET name = regexp_replace(name, '{_CONTROL_CLASS}', '', 'g') "
        f"WHERE regexp_matches(name, '{_CONTROL_CLASS}')",
    ]
    return statements


# C0/C1 controls but tab, LF, CR, and DEL (RE2 syntax), as etl.core.names removes them at the door
_CONTROL_CLASS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x{9f}]"


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: BEGIN, then COMMIT when the block ends normally, ROLLBACK when anything
    escapes it or the COMMIT fails (also KeyboardInterrupt and SystemExit: a write interrupted
    half-way must not stay half-written); the exception goes on to the caller.

    Fault-injection points meant to fire just before the commit (etl.store.faults) go last in the block.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        # a COMMIT that failed has rolled back already; its error, not "no transaction", is the one to see
        with contextlib.suppress(duckdb.TransactionException):
            con.execute("ROLLBACK")
        raise


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in _ddl():
        con.execute(statement)
    if derived.stale(con):  # written by a version without them (or restored from one)
        with transaction(con):
            derived.rebuild_all(con)


def _open(path: Path, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    # Another process may hold the write lock for the length of a load: wait, then say so.
    deadline = time.monotonic() + timeout
    while True:
        try:
            with _OPEN_CLOSE:
                con = duckdb.connect(str(path), read_only=read_only)
            con.execute("SET enable_progress_bar = false")  # a long query must not draw on stderr
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise DatabaseBusy(path) from exc
            time.sleep(0.2)


class DatabaseBusy(RuntimeError):
    def __init__(self, path: Path):
        super().__init__(
            f"数据库文件「{path}」正被另一个程序写入，请稍后再试（例如等待正在进行的导入完成）。"
        )


_SCHEMA_READY: set[str] = set()


def _current(con: duckdb.DuckDBPyConnection) -> bool:
    """The file has what this version's reads need (the last structure added)."""
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE table_name = 'unit_returns' AND database_name = current_database()"
        ).fetchall()[0][0]
    )


# DuckDB shares one database instance per file among a process's connections and drops it with
# the last one; opening and closing concurrently from threads raced (pandas_scan not found).
_OPEN_CLOSE = threading.Lock()


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Fold the WAL into the database file after a write; skipped (not failed) while busy."""
    # the data is committed in the WAL already; a later checkpoint folds it in
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("CHECKPOINT")


# The database holds members' personal data: its file, WAL, lock file and backups are the
# owner's alone (0600). DuckDB creates the WAL anew after every checkpoint with the process
# umask, so writes run under a private umask; a count keeps overlapping writers (several
# databases in one process) from restoring the umask while another still writes.
PRIVATE_MODE = 0o600
_UMASK_GUARD = threading.Lock()
_UMASK_USERS = 0
_UMASK_SAVED = 0


@contextmanager
def private_files() -> Iterator[None]:
    """Files created inside this block are readable by their owner only."""
    global _UMASK_USERS, _UMASK_SAVED
    with _UMASK_GUARD:
        if _UMASK_USERS == 0:
            _UMASK_SAVED = os.umask(0o077)
            os.umask(_UMASK_SAVED | 0o077)
        _UMASK_USERS += 1
    try:
        yield
    finally:
        with _UMASK_GUARD:
            _UMASK_USERS -= 1
            if _UMASK_USERS == 0:
                os.umask(_UMASK_SAVED)


def make_private(db: Path) -> None:
    """0600 on the database and its companions, also for a file made by an older version."""
    for path in (db, Path(f"{db}.wal"), Path(f"{db}.lock")):
        with contextlib.suppress(OSError):  # absent, or owned by someone else: leave it
            if path.stat().st_mode & 0o077:
                path.chmod(PRIVATE_MODE)


def resolve(path: Path | str | None) -> Path:
    db = Path(path) if path is not None else settings.db_path()
    return db.with_suffix(".duckdb") if db.suffix == "" else db


@contextmanager
def connect(
    path: Path | str | None = None, *, read_only: bool = False, timeout: float = 30.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the database file, with the schema in place.

    A read-only connection to a file that does not exist yet is not possible in DuckDB,
    so a missing file is created (empty schema) first.
    """
    db = resolve(path)
    db.parent.mkdir(parents=True, exist_ok=True)
    if read_only and not db.exists():
        with connect(db) as con:
            pass
    if not db.exists():
        _SCHEMA_READY.discard(str(db))  # a new or replaced file needs its schema again
    with private_files():  # the file, and a WAL written by the schema statements, are 0600
        con = _open(db, read_only, timeout)
        if read_only and str(db) not in _SCHEMA_READY and not _current(con):
            with _OPEN_CLOSE:
                con.close()
            with connect(db):  # written by an older version: bring it up to date once, then read
                pass
            con = _open(db, read_only, timeout)
        try:
            if not read_only and str(db) not in _SCHEMA_READY:
                ensure_schema(con)  # once per database and process: readers must not open write transactions
                _SCHEMA_READY.add(str(db))
                make_private(db)
        except BaseException:
            with _OPEN_CLOSE:
                con.close()
            raise
    try:
        yield con
    finally:
        with _OPEN_CLOSE:
            con.close()


_WRITERS: dict[str, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()


@contextmanager
def writer(path: Path | str | None = None, *, timeout: float = 60.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """The single writer: one write at a time per database, across threads and processes.

    Threads of the dashboard queue on a lock; another process (the command line) queues on a
    lock file beside the database. Readers are never blocked by it.
    """
    db = resolve(path)
    with _WRITERS_GUARD:
        local = _WRITERS.setdefault(str(db.resolve()), threading.Lock())
    if not local.acquire(timeout=timeout):
        raise DatabaseBusy(db)
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(f"{db}.lock", os.O_RDWR | os.O_CREAT | os.O_APPEND, PRIVATE_MODE)
        with os.fdopen(lock_fd, "a+b") as handle:
            _flock(handle, db, timeout)
            with private_files(), connect(db, timeout=timeout) as con:
                yield con
    finally:
        local.release()


def _flock(handle, db: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return  # released when the handle closes, also if the process is killed
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise DatabaseBusy(db) from None
            time.sleep(0.1)


def get_setting(con: duckdb.DuckDBPyConnection, key: str, default: str = "") -> str:
    row = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    return row[0][0] if row else default


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, value])


def _stamp_path(path: Path | str | None) -> Path:
    db = resolve(path)
    return db.with_name(db.name + ".version")


def data_changed(path: Path | str | None) -> None:
    """After a commit that changed data: the stamp beside the database moves on, so every cached read
    keyed by it (the dashboard's) is computed afresh. Call with the writer lock still held."""
    stamp = _stamp_path(path)
    try:
        current = int(stamp.read_text() or 0)
    except (FileNotFoundError, ValueError):
        current = 0
    fd = os.open(stamp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(str(current + 1))


def stamp(path: Path | str | None) -> int:
    """The data version as the stamp file says: a file read, no database connection (0: none yet)."""
    try:
        return int(_stamp_path(path).read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """Changes whenever a load or an edit is committed; used as a cache key by the UI."""
    rows = con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchall()
    edits = get_setting(con, "edit_counter", "0")
    return int(rows[0][0]) * 100000 + int(edits)
