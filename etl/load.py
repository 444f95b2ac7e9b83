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
import pyarrow as pa

from etl import faults
from etl.bulk_names import display_names, name_keys
from etl.dictionary import KINDS
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
    """Finds or creates units by their name key; aliases point old spellings at a unit.

    Many names are resolved at once (`resolve_many`): the new ones are created in one
    INSERT, the reporting flag is set in one UPDATE, parents are set in one UPDATE.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, load_id: int | None = None):
        self.con = con
        self.load_id = load_id
        rows = con.execute(
            "SELECT name_key, unit_id FROM units UNION ALL SELECT alias_key, unit_id FROM unit_aliases"
        ).fetchall()
        self.by_key = {k: i for k, i in rows}
        self.reporting = {r[0] for r in con.execute("SELECT unit_id FROM units WHERE reports").fetchall()}
        self.created: list[str] = []

    def resolve(self, name: str, *, reports: bool) -> int:
        return self.resolve_many([name], reports=reports)[name]

    def resolve_many(self, names: list[str], *, reports: bool) -> dict[str, int]:
        """name -> unit id for every name, creating the unknown ones (in the order given)."""
        unique = list(dict.fromkeys(names))
        keys = dict(zip(unique, name_keys(unique), strict=True))
        fresh = list(dict.fromkeys(k for k in keys.values() if k not in self.by_key))
        if fresh:
            first = {k: n for n, k in reversed(keys.items())}  # the first spelling names the unit
            shown = display_names([first[k] for k in fresh])
            ids = [
                r[0]
                for r in self.con.execute(f"SELECT nextval('unit_ids') FROM range({len(fresh)})").fetchall()
            ]
            table = pa.table(
                {
                    "unit_id": pa.array(ids, pa.int32()),
                    "name": shown,
                    "name_key": fresh,
                    "reports": pa.array([reports] * len(fresh)),
                    "created_load": pa.array([self.load_id] * len(fresh), pa.int32()),
                }
            )
            self.con.register("new_units", table)
            try:
                self.con.execute(
                    "INSERT INTO units (unit_id, name, name_key, reports, created_load) "
                    "SELECT unit_id, name, name_key, reports, created_load FROM new_units"
                )
            finally:
                self.con.unregister("new_units")
            self.by_key.update(zip(fresh, ids, strict=True))
            self.created.extend(shown)
        result = {n: self.by_key[k] for n, k in keys.items()}
        if reports:
            silent = sorted({i for i in result.values() if i not in self.reporting})
            if silent:
                self.con.execute("UPDATE units SET reports = TRUE WHERE list_contains(?, unit_id)", [silent])
            self.reporting.update(result.values())
        return result

    def set_parents(self, pairs: list[tuple[int, int]]) -> None:
        """Set unit -> parent for every pair, in one statement; a pair that would close a cycle
        (with the tree as it is, or with a pair before it) is left out, as one set by hand would be:
        the register page shows the tree to fix it."""
        edges = [(u, p) for u, p in dict(pairs).items() if u != p]
        if not edges:
            return
        table = pa.table(
            {
                "unit_id": pa.array([u for u, _ in edges], pa.int32()),
                "parent_id": pa.array([p for _, p in edges], pa.int32()),
                "ord": pa.array(range(len(edges)), pa.int32()),
            }
        )
        self.con.register("proposed_parents", table)
        try:
            self.con.execute("CREATE OR REPLACE TEMP TABLE parent_edges AS SELECT * FROM proposed_parents")
            # drop the last pair of each cycle until none is left (usually no round at all)
            while True:
                closing = self.con.execute(_CLOSING_EDGES).fetchall()
                if not closing:
                    break
                self.con.execute(
                    "DELETE FROM parent_edges WHERE list_contains(?, ord)", [sorted({r[0] for r in closing})]
                )
            self.con.execute(
                """UPDATE units SET parent_id = e.parent_id FROM parent_edges e
                   WHERE units.unit_id = e.unit_id AND units.parent_id IS DISTINCT FROM e.parent_id"""
            )
        finally:
            self.con.unregister("proposed_parents")
            self.con.execute("DROP TABLE IF EXISTS parent_edges")


# The tree as it would be with the proposed edges; walking up from each proposed child, a walk
# that comes back to the child is a cycle, and the latest proposed edge on it is the one to drop.
_CLOSING_EDGES = """
WITH RECURSIVE
tree AS (
    SELECT u.unit_id, coalesce(e.parent_id, u.parent_id) AS parent_id, e.ord
    FROM units u LEFT JOIN parent_edges e USING (unit_id)
),
walk(child, node, ords, depth) AS (
    SELECT e.unit_id, e.parent_id, [e.ord], 1 FROM parent_edges e
    UNION ALL
    SELECT w.child, t.parent_id, CASE WHEN t.ord IS NULL THEN w.ords ELSE list_append(w.ords, t.ord) END,
           w.depth + 1
    FROM walk w JOIN tree t ON t.unit_id = w.node
    WHERE w.node <> w.child AND t.parent_id IS NOT NULL AND w.depth < 60
)
SELECT DISTINCT list_max(ords) FROM walk WHERE node = child
"""


def _with_unit_ids(frame: pd.DataFrame, resolver: UnitResolver) -> pd.DataFrame:
    frame = frame.copy()
    ids = resolver.resolve_many([str(n) for n in frame["unit"]], reports=True)
    frame["unit_id"] = frame["unit"].map(ids)
    if "parent" in frame:
        named = frame[["unit_id", "parent"]].drop_duplicates()
        named = named[named["parent"].map(lambda p: isinstance(p, str) and bool(p.strip()))]
        if not named.empty:
            parents = resolver.resolve_many(list(named["parent"]), reports=False)
            resolver.set_parents(
                [(int(u), parents[p]) for u, p in zip(named["unit_id"], named["parent"], strict=True)]
            )
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
    load_id = con.execute("SELECT nextval('load_ids')").fetchall()[0][0]
    resolver = UnitResolver(con, load_id)
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
