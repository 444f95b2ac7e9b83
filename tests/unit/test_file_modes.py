"""The database, its WAL and lock file, and backups are created readable by their owner only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl import store
from etl.store import backup, database


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common 022 umask, under which files default to world-readable 0644."""
    saved = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(saved)


def test_a_new_database_and_its_wal_and_lock_are_0600(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    with store.connect(db):
        pass
    assert mode(db) == 0o600
    with store.writer(db) as con:
        con.execute("INSERT INTO settings VALUES ('k', 'v')")  # written to the WAL, not yet folded in
        wal = Path(f"{db}.wal")
        assert wal.exists()
        assert mode(wal) == 0o600
        store.checkpoint(con)  # DuckDB deletes the WAL here and makes a new one on the next write
        con.execute("INSERT INTO settings VALUES ('k2', 'v')")
        assert mode(wal) == 0o600
    assert mode(Path(f"{db}.lock")) == 0o600
    assert mode(db) == 0o600
    # the umask of the process is back to what it was
    current = os.umask(0o022)
    assert current == 0o022


def test_a_database_made_world_readable_before_is_made_private(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    with store.connect(db):
        pass
    db.chmod(0o644)
    database._SCHEMA_READY.discard(str(db))  # a new process opens it
    with store.writer(db):
        pass
    assert mode(db) == 0o600


def test_backup_files_and_a_restored_database_are_private(tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    with store.writer(db) as con:
        con.execute("INSERT INTO settings VALUES ('k', 'v')")
    out = tmp_path / "backup"
    backup.backup(db, out)
    assert mode(out) == 0o700
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files
    assert all(mode(p) == 0o600 for p in files), {p.name: oct(mode(p)) for p in files}
    restored = tmp_path / "restored.duckdb"
    backup.restore(restored, out)
    assert mode(restored) == 0o600
