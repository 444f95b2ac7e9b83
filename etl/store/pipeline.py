"""Inspected reports -> the store, in one transaction: all files of a batch or none of them.

The reading side is etl.ingest.inspect; `load_paths` is both, as the command line uses them.
"""

from __future__ import annotations

from pathlib import Path

from etl import store
from etl.core import settings
from etl.core.dictionary import KINDS
from etl.core.problems import LoadRejected, Problem
from etl.ingest.inspect import FileReport, inspect_paths
from etl.ingest.normalise import Hints
from etl.store import audit, faults, permissions
from etl.store.load import LoadSummary, write_sheets
from etl.store.permissions import Actor


def load_reports(
    reports: list[FileReport],
    *,
    db: Path | str | None = None,
    user: str | None = None,
    actor: Actor | None = None,
) -> list[LoadSummary]:
    """Write every report in one transaction, or raise LoadRejected and write nothing.

    actor: who loads (default: the OS user, as the command line); an account may load only
    units of its subtree (etl.store.permissions.load_problems), checked under the writer lock.
    """
    errors = [p for r in reports for p in r.errors]
    if errors:
        raise LoadRejected(errors)
    empty = [r.file_name for r in reports if not r.data_sheets]
    if empty:
        raise LoadRejected([Problem("error", "文件中没有可识别的数据表", file=name) for name in empty])
    actor = actor or permissions.local_admin(user or settings.current_user())
    user = user or actor.name
    with store.writer(db) as con:
        # under the writer lock, so the unit tree checked is the one written to
        refused = permissions.load_problems(con, actor, reports)
        if refused:
            audit.record_alone(con, actor, "denied", target="import", detail=LoadRejected(refused))
            raise LoadRejected(refused)
        with store.transaction(con):
            summaries = [
                write_sheets(
                    con,
                    r.data_sheets,
                    file_name=r.file_name,
                    sha256=r.sha256,
                    user=user,
                    warnings=len(r.warnings),
                )
                for r in reports
            ]
            _audit_loads(con, actor, summaries)
            faults.point("before_commit")
        store.checkpoint(con)
        store.data_changed(db)
    return summaries


def _audit_loads(con, actor: Actor, summaries: list[LoadSummary]) -> None:
    """One 操作日志 entry per loaded file, in the load's transaction; loads.account_id says whose."""
    shown = audit.MAX_TEXT // 2 + 1  # names enough to fill one clipped entry (a name and its 、: 2+)
    for s in summaries:
        con.execute("UPDATE loads SET account_id = ? WHERE load_id = ?", [actor.account_id, s.load_id])
        # sorted in SQL (byte order of UTF-8 is Python's order of str), and only as many names as
        # one entry can show: a load of 200,000 units does not sort them all in Python
        names = con.execute(
            "SELECT name FROM (SELECT u.name FROM coverage c JOIN units u USING (unit_id) "
            "WHERE c.load_id = $id UNION "
            "SELECT u.name FROM targets t JOIN units u USING (unit_id) WHERE t.load_id = $id) "
            f"WHERE name <> '' ORDER BY name LIMIT {shown}",
            {"id": s.load_id},
        ).fetchall()
        audit.record(
            con,
            actor,
            "import",
            target=f"#{s.load_id} {s.file_name}",
            units=audit.joined(n[0] for n in names),
            periods="、".join(f"{y}Q{q}" if q else str(y) for y, q in s.periods),
            detail=f"{'、'.join(KINDS[k].zh for k in s.kinds)}；{s.rows} 行",
        )


def load_paths(
    paths: list[Path],
    *,
    db: Path | str | None = None,
    kind: str | None = None,
    year: int | None = None,
    quarter: int | None = None,
    user: str | None = None,
    actor: Actor | None = None,
) -> list[LoadSummary]:
    reports = inspect_paths([Path(p) for p in paths], Hints(kind, year, quarter))
    return load_reports(reports, db=db, user=user, actor=actor)
