"""What reads need, kept up to date by every write, so no read walks the tree or the history.

- `unit_tree` (ancestor_id, unit_id, depth): every unit with each of its ancestors and itself, so a
  scope ("a unit and everything below it") is one join, and the whole organisation needs none.
- `units.first_period` (year * 10 + quarter): the first quarter a unit sent anything; it is not
  expected to report before it.
- `unit_returns` (kind, year, unit_id, quarters, since, prev_quarters, prev_since): per unit, kind and
  year, a bitmask of the quarters it sent (bit q-1 for quarter q) and the first quarter of that year it
  is expected in (its first report; 1 when known before the year; 5 when not yet known) — and the same
  for the year before, in the same row, so that comparing a year with the last (同比 like for like)
  needs no join. A row exists when the unit sent the kind in the year or the year before.

Writers call these inside their own transaction, on the units they touched; `rebuild_all` redoes
everything (a restored backup, a database made by an older version).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from etl.store import tree

DDL = [
    "CREATE TABLE IF NOT EXISTS unit_tree (ancestor_id INTEGER NOT NULL, unit_id INTEGER NOT NULL, "
    "depth INTEGER NOT NULL)",
    "ALTER TABLE units ADD COLUMN IF NOT EXISTS first_period INTEGER",
    "CREATE TABLE IF NOT EXISTS unit_returns (kind VARCHAR NOT NULL, year INTEGER NOT NULL, "
    "unit_id INTEGER NOT NULL, quarters UTINYINT NOT NULL, since UTINYINT NOT NULL, "
    "prev_quarters UTINYINT NOT NULL, prev_since UTINYINT NOT NULL)",
]


def _with_ids(
    con: duckdb.DuckDBPyConnection, ids: Iterable[int], sql: str, params: dict | None = None
) -> None:
    """Run `sql`, in which `touched` names the given unit ids (a registered table)."""
    frame = pd.DataFrame({"unit_id": sorted({int(i) for i in ids})}, dtype="int32")
    if frame.empty:
        return
    con.register("touched", frame)
    try:
        con.execute(sql, params or {})
    finally:
        con.unregister("touched")


# ---------------------------------------------------------------- the tree


_WALK_UP = f"INSERT INTO unit_tree {tree.ancestor_rows('moving')}"


def rebuild_tree(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM unit_tree")
    con.execute("CREATE OR REPLACE TEMP TABLE moving AS SELECT unit_id FROM units")
    con.execute(_WALK_UP)
    con.execute("DROP TABLE moving")


def refresh_tree(con: duckdb.DuckDBPyConnection, changed: Iterable[int]) -> None:
    """Units that are new, gone or have a new parent: they and everything below them get their
    ancestor rows again (a new unit is only itself; a province that moves takes its subtree along)."""
    changed = list(changed)
    if not changed:
        return
    _with_ids(
        con,
        changed,
        """CREATE OR REPLACE TEMP TABLE moving AS
           SELECT DISTINCT t.unit_id FROM unit_tree t WHERE t.ancestor_id IN (SELECT unit_id FROM touched)
           UNION SELECT unit_id FROM touched""",
    )
    con.execute("DELETE FROM unit_tree WHERE unit_id IN (SELECT unit_id FROM moving)")
    con.execute(_WALK_UP)  # units that are gone have no row in units: nothing comes back for them
    con.execute("DROP TABLE moving")


# ---------------------------------------------------------------- what each unit sent


_SINCE = """CAST(CASE WHEN u.first_period IS NULL OR u.first_period // 10 < {year} THEN 1
                      WHEN u.first_period // 10 = {year} THEN u.first_period % 10 ELSE 5 END AS UTINYINT)"""
_RETURNS = f"""INSERT INTO unit_returns
    WITH sent AS (SELECT c.kind, c.year, c.unit_id, CAST(bit_or(1 << (c.quarter - 1)) AS UTINYINT) AS quarters
                  FROM coverage c {{where}} GROUP BY ALL),
    keys AS (SELECT kind, year, unit_id FROM sent UNION SELECT kind, year + 1, unit_id FROM sent)
    SELECT k.kind, k.year, k.unit_id, coalesce(cur.quarters, 0), {_SINCE.format(year="k.year")},
           coalesce(prev.quarters, 0), {_SINCE.format(year="k.year - 1")}
    FROM keys k JOIN units u USING (unit_id)
    LEFT JOIN sent cur ON cur.kind = k.kind AND cur.year = k.year AND cur.unit_id = k.unit_id
    LEFT JOIN sent prev ON prev.kind = k.kind AND prev.year = k.year - 1 AND prev.unit_id = k.unit_id"""
_FIRSTS = """UPDATE units SET first_period = f.first_p
    FROM (SELECT u.unit_id, min(c.year * 10 + c.quarter) AS first_p
          FROM units u LEFT JOIN coverage c USING (unit_id) {where} GROUP BY u.unit_id) f
    WHERE units.unit_id = f.unit_id AND units.first_period IS DISTINCT FROM f.first_p"""


def refresh_units(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> None:
    """After the coverage of these units changed (a load, an undo, a merge)."""
    ids = list(ids)
    touched = " WHERE unit_id IN (SELECT unit_id FROM touched)"
    _with_ids(con, ids, _FIRSTS.format(where=" WHERE u.unit_id IN (SELECT unit_id FROM touched)"))
    _with_ids(con, ids, "DELETE FROM unit_returns" + touched)
    _with_ids(con, ids, _RETURNS.format(where=" WHERE c.unit_id IN (SELECT unit_id FROM touched)"))


def forget_units(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> None:
    """Units that were deleted (an undo that removed them, a merge)."""
    _with_ids(con, ids, "DELETE FROM unit_returns WHERE unit_id IN (SELECT unit_id FROM touched)")
    _with_ids(con, ids, "DELETE FROM unit_tree WHERE unit_id IN (SELECT unit_id FROM touched)")


def rebuild_all(con: duckdb.DuckDBPyConnection) -> None:
    rebuild_tree(con)
    con.execute(_FIRSTS.format(where=""))
    con.execute("DELETE FROM unit_returns")
    con.execute(_RETURNS.format(where=""))


def stale(con: duckdb.DuckDBPyConnection) -> bool:
    """A database written by a version without these structures (or restored from one)."""
    rows = con.execute(
        """SELECT (SELECT count(*) FROM units) > 0 AND NOT EXISTS (SELECT 1 FROM unit_tree),
                  EXISTS (SELECT 1 FROM coverage) AND NOT EXISTS (SELECT 1 FROM unit_returns)"""
    ).fetchall()[0]
    return bool(rows[0] or rows[1])
