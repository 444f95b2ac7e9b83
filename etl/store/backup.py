"""Backup and restore of the whole database (DuckDB EXPORT / IMPORT DATABASE, Parquet).

A restore is built in a temporary file beside the database and swapped in only when the
import succeeded, so a failed restore leaves the current database untouched.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from etl import store


class BackupError(RuntimeError):
    pass


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def backup(db: Path | str | None, out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise BackupError(f"备份目录「{out_dir}」不是空的，请换一个新目录")
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # the owner's alone, like the database
    with store.writer(db) as con:  # no load can interleave with the export; files are 0600
        con.execute(f"EXPORT DATABASE {_quoted(out_dir)} (FORMAT parquet)")
    return out_dir


def restore(db: Path | str | None, in_dir: Path) -> Path:
    in_dir = Path(in_dir)
    if not (in_dir / "schema.sql").exists():
        raise BackupError(f"「{in_dir}」不是备份目录（缺少 schema.sql）")
    target = store.resolve(db)
    temporary = target.with_name(target.name + ".restoring")
    temporary.unlink(missing_ok=True)
    try:
        with store.private_files():  # the restored file replaces the database: 0600 like it
            con = duckdb.connect(str(temporary))
            try:
                con.execute(f"IMPORT DATABASE {_quoted(in_dir)}")
                store.ensure_schema(con)  # a backup from an older version gains the newer tables
                store.checkpoint(con)
            finally:
                con.close()
        with store.writer(target):
            pass  # wait for any running load to finish before swapping files
        os.replace(temporary, target)
        Path(f"{target}.wal").unlink(missing_ok=True)
        store.data_changed(target)
    finally:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
    return target
