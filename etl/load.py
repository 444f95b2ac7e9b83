"""The single writer: parsed sheets -> the database, in ONE transaction.

A file replaces, for each unit it contains, the quarters it covers for its kind, so units
of a federation can send their own sheets without erasing each other's, and loading the
same file twice leaves the same data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from etl import faults
from etl.dictionary import KINDS
from etl.names import clean_name, name_key, to_simplified
from etl.normalise import ParsedSheet
from etl.store import SQL_TYPES, fact_columns


@dataclass
class LoadSummary:
    load_id: int
    file_name: str
    kinds: list[str]
    periods: list[tuple[int, int]]
    rows: int
    units: int
    new_units: list[str] = field(default_factory=list)


class UnitResolver:
    """Finds or creates units by their name key; aliases point old spellings at a unit."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        rows = con.execute(
            "SELECT name_key, unit_id FROM units UNION ALL SELECT alias_key, unit_id FROM unit_aliases"
        ).fetchall()
        self.by_key = {k: i for k, i in rows}
        self.reporting = {r[0] for r in con.execute("SELECT unit_id FROM units WHERE reports").fetchall()}
        self.created: list[str] = []
        self.load_id: int | None = None  # the load creating new units: undoing it removes them

    def resolve(self, name: str, *, reports: bool) -> int:
        key = name_key(name)
        unit_id = self.by_key.get(key)
        if unit_id is None:
            unit_id = self.con.execute("SELECT nextval('unit_ids')").fetchall()[0][0]
            display = to_simplified(clean_name(name))
            self.con.execute(
                "INSERT INTO units (unit_id, name, name_key, reports, created_load) VALUES (?, ?, ?, ?, ?)",
                [unit_id, display, key, reports, self.load_id],
            )
            self.by_key[key] = unit_id
            self.created.append(display)
        elif reports and unit_id not in self.reporting:
            self.con.execute("UPDATE units SET reports = TRUE WHERE unit_id = ?", [unit_id])
        if reports:
            self.reporting.add(unit_id)
        return unit_id

    def set_parent(self, unit_id: int, parent_id: int) -> None:
        if unit_id == parent_id or self._is_ancestor(unit_id, parent_id):
            return  # never build a cycle; the register page shows the tree to fix by hand
        self.con.execute("UPDATE units SET parent_id = ? WHERE unit_id = ?", [parent_id, unit_id])

    def _is_ancestor(self, unit_id: int, candidate: int) -> bool:
        rows = self.con.execute(
            """WITH RECURSIVE up(id, depth) AS (
                   SELECT parent_id, 1 FROM units WHERE unit_id = ?
                   UNION ALL
                   SELECT u.parent_id, depth + 1 FROM units u JOIN up ON u.unit_id = up.id
                   WHERE up.id IS NOT NULL AND depth < 50)
               SELECT count(*) FROM up WHERE id = ?""",
            [candidate, unit_id],
        ).fetchall()
        return rows[0][0] > 0


def _with_unit_ids(frame: pd.DataFrame, resolver: UnitResolver) -> pd.DataFrame:
    frame = frame.copy()
    ids = {name: resolver.resolve(name, reports=True) for name in frame["unit"].unique()}
    frame["unit_id"] = frame["unit"].map(ids)
    if "parent" in frame:
        for unit_id, parent in frame[["unit_id", "parent"]].drop_duplicates().itertuples(index=False):
            if isinstance(parent, str) and parent.strip():
                resolver.set_parent(unit_id, resolver.resolve(parent, reports=False))
    return frame


def _write_kind(con: duckdb.DuckDBPyConnection, kind_id: str, frame: pd.DataFrame, load_id: int) -> None:
    kind = KINDS[kind_id]
    measures = fact_columns(kind_id)
    incoming = frame[["year", "quarter", "unit_id", *measures]].copy()
    for name in measures:
        if kind.field(name).type == "money":
            incoming[name] = pd.to_numeric(incoming[name], errors="raise").astype("float64")
        elif kind.field(name).type == "int":
            incoming[name] = pd.to_numeric(incoming[name]).astype("Int64")
        elif kind.field(name).type == "date":
            incoming[name] = pd.to_datetime(incoming[name])
        else:
            incoming[name] = incoming[name].astype("object").where(incoming[name].notna(), None)
    covered = incoming[["unit_id", "year", "quarter"]].drop_duplicates()
    con.register("incoming_rows", incoming)
    con.register("covered_periods", covered)
    try:
        for table in (kind.table, "coverage"):
            match = f"""FROM {table} t JOIN covered_periods c
                        ON t.unit_id = c.unit_id AND t.year = c.year AND t.quarter = c.quarter
                        {f"AND t.kind = '{kind_id}'" if table == "coverage" else ""}"""
            con.execute(f"INSERT INTO replaced_{table} SELECT t.*, {load_id} {match}")
            faults.point("after_archive")
            con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT t.rowid {match})")
        faults.point("after_delete")
        casts = ", ".join(f"CAST({m} AS {SQL_TYPES[kind.field(m).type]})" for m in measures)
        con.execute(
            f"INSERT INTO {kind.table} (year, quarter, unit_id, {', '.join(measures)}, load_id) "
            f"SELECT year, quarter, unit_id, {casts}, {load_id} FROM incoming_rows"
        )
        faults.point("after_insert")
        con.execute(
            f"INSERT INTO coverage SELECT '{kind_id}', year, quarter, unit_id, {load_id} FROM covered_periods"
        )
    finally:
        con.unregister("incoming_rows")
        con.unregister("covered_periods")


def _write_targets(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, resolver: UnitResolver, load_id: int
) -> None:
    frame = frame.copy()
    frame["unit_id"] = [
        None if not isinstance(u, str) or not u else resolver.resolve(u, reports=True) for u in frame["unit"]
    ]
    frame["unit_id"] = frame["unit_id"].astype("Int64")
    incoming = frame[["year", "indicator", "unit_id", "target", "q1", "q2", "q3", "q4"]]
    con.register("incoming_targets", incoming)
    try:
        # one target per indicator, year and scope: a re-upload updates, it never duplicates
        match = """FROM targets t JOIN incoming_targets i ON t.year = i.year AND t.indicator = i.indicator
                   AND t.unit_id IS NOT DISTINCT FROM i.unit_id"""
        con.execute(f"INSERT INTO replaced_targets SELECT t.*, {load_id} {match}")
        con.execute(f"DELETE FROM targets WHERE rowid IN (SELECT t.rowid {match})")
        faults.point("after_delete")
        con.execute(f"""INSERT INTO targets SELECT year, indicator, unit_id, target,
                            q1, q2, q3, q4, {load_id} FROM incoming_targets""")
    finally:
        con.unregister("incoming_targets")


def write_sheets(
    con: duckdb.DuckDBPyConnection,
    sheets: list[ParsedSheet],
    *,
    file_name: str,
    sha256: str,
    user: str,
    warnings: int,
) -> LoadSummary:
    """Write already-validated sheets of one file. The caller owns the transaction."""
    resolver = UnitResolver(con)
    load_id = con.execute("SELECT nextval('load_ids')").fetchall()[0][0]
    resolver.load_id = load_id
    kinds = sorted({s.kind for s in sheets if s.kind})
    periods: set[tuple[int, int]] = set()
    rows = 0
    units: set[int] = set()
    for kind_id in kinds:
        frame = pd.concat([s.frame for s in sheets if s.kind == kind_id], ignore_index=True)
        rows += len(frame)
        if kind_id == "targets":
            _write_targets(con, frame, resolver, load_id)
            periods |= {(int(y), 0) for y in frame["year"].dropna().unique()}
            continue
        frame = _with_unit_ids(frame, resolver)
        units |= set(frame["unit_id"])
        periods |= {
            (int(y), int(q)) for y, q in frame[["year", "quarter"]].drop_duplicates().itertuples(index=False)
        }
        _write_kind(con, kind_id, frame, load_id)
    period_text = ",".join(f"{y}Q{q}" if q else f"{y}" for y, q in sorted(periods))
    con.execute(
        """INSERT INTO loads (load_id, file_name, sha256, kind, periods, rows_loaded, units, warnings,
                                      loaded_at, user_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            load_id,
            file_name,
            sha256,
            ",".join(kinds),
            period_text,
            rows,
            len(units),
            warnings,
            dt.datetime.now(),
            user,
        ],
    )
    return LoadSummary(load_id, file_name, kinds, sorted(periods), rows, len(units), resolver.created)
