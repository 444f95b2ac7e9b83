"""上传记录: what each load replaced, and undoing a load so that exactly that comes back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from etl import store
from etl.core import fmt, settings
from etl.core.dictionary import KINDS
from etl.core.i18n import t
from etl.core.problems import visible
from etl.store import ARCHIVED_TABLES, audit, derived, permissions
from etl.store.permissions import Actor, PermissionDenied


class UndoRefused(ValueError):
    """The load cannot be undone now; the message says why and what to do, in Chinese."""


def undo_effect(con: duckdb.DuckDBPyConnection, load_id: int) -> pd.DataFrame:
    """What undoing a load would do, per report kind: the rows it deletes (what the load wrote)
    and the rows it restores (what the load replaced), each with its unit names and periods.

    Columns: action ('delete' | 'restore'), kind, rows, units (sorted names; None for an
    organisation-wide target), periods (sorted (year, quarter); quarter 0 for targets).
    """
    parts = []
    for table in ARCHIVED_TABLES:
        if table == "coverage":
            continue
        quarter = "0" if table == "targets" else "f.quarter"
        for action, source, column in (
            ("delete", table, "load_id"),
            ("restore", f"replaced_{table}", "replaced_by"),
        ):
            parts.append(
                f"SELECT '{action}' AS action, '{table}' AS kind, count(*) AS rows, "
                f"list(DISTINCT u.name ORDER BY u.name) AS units, "
                f"list(DISTINCT [f.year, {quarter}] ORDER BY [f.year, {quarter}]) AS periods "
                f"FROM {source} f LEFT JOIN units u USING (unit_id) WHERE f.{column} = $load"
            )
    frame = con.execute(f"SELECT * FROM ({' UNION ALL '.join(parts)}) WHERE rows > 0", {"load": load_id}).df()
    frame["units"] = frame["units"].map(lambda names: [n for n in names] if names is not None else [])
    frame["periods"] = frame["periods"].map(lambda pairs: [(int(y), int(q)) for y, q in pairs])
    return frame.reset_index(drop=True)


def _later_replacer(con: duckdb.DuckDBPyConnection, load_id: int) -> int | None:
    """A later load that replaced some of this load's rows (those must be undone first)."""
    parts = " UNION ".join(
        f"SELECT replaced_by FROM replaced_{t} WHERE load_id = $load" for t in ARCHIVED_TABLES
    )
    rows = con.execute(f"SELECT max(replaced_by) FROM ({parts})", {"load": load_id}).fetchall()
    return rows[0][0]


@dataclass
class UndoResult:
    undo_id: int  # the 'undo' entry added to the load log
    removed_units: list[str] = field(default_factory=list)  # units the load created, now unused


def _unused_units_of(con: duckdb.DuckDBPyConnection, load_id: int) -> list[tuple[int, str]]:
    """Delete the units `load_id` created that nothing refers to any more; their ids and names.

    Used means: facts or coverage of any table (also archived by other loads), a target, an
    alias someone added, or a sub-unit that stays. A parent created with its sub-units goes
    once they are gone, hence the rounds.
    """
    fact_tables = [k.table for k in KINDS.values() if k.id != "targets"]
    tables = [*fact_tables, "targets", "coverage"]
    referenced = " OR ".join(
        f"EXISTS (SELECT 1 FROM {t} x WHERE x.unit_id = u.unit_id)"
        for t in [*tables, *(f"replaced_{t}" for t in ARCHIVED_TABLES)]
    )
    unused = f"""u.created_load = $load AND NOT ({referenced})
        AND NOT EXISTS (SELECT 1 FROM unit_aliases a WHERE a.unit_id = u.unit_id)
        AND NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.unit_id)"""
    removed: list[tuple[int, str]] = []
    for _ in range(50):  # a unit tree is never deeper; each round removes one level of leaves
        found = con.execute(f"SELECT unit_id, name FROM units u WHERE {unused}", {"load": load_id}).fetchall()
        if not found:
            break
        con.execute(f"DELETE FROM units u WHERE {unused}", {"load": load_id})
        removed += [(int(i), str(n)) for i, n in found]
    return removed


def undo(db: Path | str | None, load_id: int, user: str | None = None, *, actor: Actor | None = None) -> int:
    """Undo a load (see undo_load); returns the id of the 'undo' entry added to the load log."""
    return undo_load(db, load_id, user, actor=actor).undo_id


def undo_load(
    db: Path | str | None, load_id: int, user: str | None = None, *, actor: Actor | None = None
) -> UndoResult:
    """Remove what the load wrote and restore what it replaced, in one transaction; units the
    load created go too when nothing else uses them.

    actor: who undoes (default: the OS user `user`, as the command line); an uploader may
    undo only its own imports within its subtree (etl.store.permissions.check_undo).
    """
    actor = actor or permissions.local_admin(user or settings.current_user())
    user = user or actor.name
    with store.writer(db) as con:
        try:
            permissions.check_undo(con, actor, load_id)
        except PermissionDenied as denied:
            audit.record_alone(con, actor, "denied", target=f"undo #{load_id}", detail=denied)
            raise
        with store.transaction(con):
            rows = con.execute("SELECT status FROM loads WHERE load_id = ?", [load_id]).fetchall()
            if not rows:
                raise UndoRefused(f"导入记录 #{load_id} 不存在")
            status = rows[0][0]
            if status == "undone":
                raise UndoRefused(f"导入 #{load_id} 已经撤销过了")
            if status == "undo":
                raise UndoRefused(f"#{load_id} 本身是一次撤销操作；如需恢复，请重新导入原文件")
            later = _later_replacer(con, load_id)
            if later is not None:
                raise UndoRefused(
                    f"导入 #{load_id} 的部分数据已被之后的导入 #{later} 替换，请先撤销 #{later}"
                )
            touched = [  # whose coverage changes: the load's units and those it had replaced
                r[0]
                for r in con.execute(
                    "SELECT unit_id FROM coverage WHERE load_id = $id "
                    "UNION SELECT unit_id FROM replaced_coverage WHERE replaced_by = $id",
                    {"id": load_id},
                ).fetchall()
            ]
            units = con.execute(  # before the load's rows go
                "SELECT DISTINCT u.name FROM coverage c JOIN units u USING (unit_id) "
                "WHERE c.load_id = $id UNION "
                "SELECT DISTINCT u.name FROM targets t JOIN units u USING (unit_id) WHERE t.load_id = $id",
                {"id": load_id},
            ).fetchall()
            for table in ARCHIVED_TABLES:
                con.execute(f"DELETE FROM {table} WHERE load_id = ?", [load_id])
                con.execute(
                    f"INSERT INTO {table} SELECT * EXCLUDE (replaced_by) FROM replaced_{table} "
                    f"WHERE replaced_by = ?",
                    [load_id],
                )
                con.execute(f"DELETE FROM replaced_{table} WHERE replaced_by = ?", [load_id])
            gone = _unused_units_of(con, load_id)
            removed = [name for _, name in gone]
            derived.forget_units(con, [unit_id for unit_id, _ in gone])
            derived.refresh_units(con, set(touched) - {unit_id for unit_id, _ in gone})
            undo_id = con.execute("SELECT nextval('load_ids')").fetchall()[0][0]
            con.execute("UPDATE loads SET status = 'undone' WHERE load_id = ?", [load_id])
            con.execute(
                """INSERT INTO loads (load_id, file_name, kind, periods, rows_loaded, loaded_at,
                                              user_name, status, undoes)
                           SELECT ?, '撤销导入 #' || load_id || '：' || file_name, kind, periods, 0, ?, ?,
                                  'undo', load_id FROM loads WHERE load_id = ?""",
                [undo_id, dt.datetime.now(), user, load_id],
            )
            con.execute("UPDATE loads SET account_id = ? WHERE load_id = ?", [actor.account_id, undo_id])
            undone = con.execute(
                "SELECT file_name, periods FROM loads WHERE load_id = ?", [load_id]
            ).fetchall()
            audit.record(
                con,
                actor,
                "undo",
                target=f"#{load_id} {undone[0][0]}",
                units=audit.joined(u[0] for u in units),
                periods=undone[0][1] or "",
                detail=f"撤销记录 #{undo_id}"
                + (f"；删除了此次导入新建、别处未用的单位：{audit.joined(removed)}" if removed else ""),
            )
        store.checkpoint(con)
        store.data_changed(db)
    return UndoResult(int(undo_id), removed)


def _periods_text(periods: object) -> str:
    """'2025Q3,2025Q4' -> '2025年第三季度、2025年第四季度'; '2025' -> '2025年'."""
    if not isinstance(periods, str) or not periods:
        return fmt.DASH
    labels = []
    for part in periods.split(","):
        year, _, quarter = part.strip().partition("Q")
        if not year.isdigit() or (quarter and not quarter.isdigit()):
            return periods
        labels.append(fmt.period_label(int(year), int(quarter) if quarter else None))
    return "、".join(labels)


def load_log(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """The newest `limit` rows of the load log (导入记录)."""
    return con.execute(
        """SELECT load_id, loaded_at, user_name, file_name, kind, periods, rows_loaded,
                  units, warnings, sha256, status, undoes
           FROM loads ORDER BY load_id DESC LIMIT ?""",
        [limit],
    ).df()


HISTORY_COLUMNS = ("编号", "时间", "账号", "文件", "类型", "统计期", "行数", "状态")


def history_rows(con: duckdb.DuckDBPyConnection, limit: int = 200) -> list[tuple[str, ...]]:
    """The load log as the history page lists it, newest first, as display text (Chinese)."""
    log = load_log(con, limit)
    rows: list[tuple[str, ...]] = []
    for r in log.itertuples(index=False):
        kinds = "、".join(KINDS[k].zh if k in KINDS else k for k in str(r.kind or "").split(",") if k)
        status = r.status if isinstance(r.status, str) else "loaded"
        rows.append(
            (
                f"#{int(r.load_id)}",
                r.loaded_at.strftime("%Y-%m-%d %H:%M") if r.loaded_at == r.loaded_at else fmt.DASH,
                visible(str(r.user_name or fmt.DASH)),
                visible(str(r.file_name or fmt.DASH)),
                kinds or fmt.DASH,
                _periods_text(r.periods),
                str(int(r.rows_loaded)) if r.rows_loaded == r.rows_loaded else fmt.DASH,
                t(f"upload.status_{status}", "zh"),
            )
        )
    return rows
