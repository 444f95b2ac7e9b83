"""The single writer: parsed sheets -> the database, in ONE transaction.

A file replaces, for each unit it contains, the quarters it covers for its kind, so units
of a federation can send their own sheets without erasing each other's, and loading the
same file twice leaves the same data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.core.dictionary import KINDS, unit_type_of
from etl.ingest.bulk_names import display_names, name_keys
from etl.ingest.normalise import ParsedSheet
from etl.store import SQL_TYPES, derived, fact_columns, faults, tree


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

    Many names are resolved at once (`resolve_many`): looked up in one join, the new ones
    created in one INSERT, the reporting flag set in one UPDATE; parents are set in one UPDATE.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, load_id: int | None = None):
        self.con = con
        self.load_id = load_id  # the load creating new units: undoing it removes them
        self.created: list[str] = []
        self.changed_ids: list[int] = []  # units created or given a new parent: the tree follows

    @cached_property
    def by_key(self) -> dict[str, int]:
        """Every known name key and alias -> unit id (read once; units created later are added)."""
        rows = self.con.execute(
            "SELECT name_key, unit_id FROM units UNION ALL SELECT alias_key, unit_id FROM unit_aliases"
        ).fetchall()
        return {k: i for k, i in rows}

    def resolve(self, name: str, *, reports: bool) -> int:
        return self.resolve_many([name], reports=reports)[name]

    def resolve_many(self, names: list[str], *, reports: bool) -> dict[str, int]:
        """name -> unit id for every name, creating the unknown ones (in the order given)."""
        unique = list(dict.fromkeys(names))
        keys = name_keys(unique)
        ids = self._lookup(keys)
        fresh = list(dict.fromkeys(k for k, i in zip(keys, ids, strict=True) if i is None))
        if fresh:
            first = dict(zip(reversed(keys), reversed(unique), strict=True))  # the first spelling names it
            made = dict(zip(fresh, self._create(fresh, [first[k] for k in fresh], reports), strict=True))
            ids = [made[k] if i is None else i for k, i in zip(keys, ids, strict=True)]
        if reports:
            self.con.register("reporting_units", pa.table({"unit_id": pa.array(ids, pa.int32())}))
            try:
                self.con.execute(
                    "UPDATE units SET reports = TRUE WHERE NOT reports "
                    "AND unit_id IN (SELECT unit_id FROM reporting_units)"
                )
            finally:
                self.con.unregister("reporting_units")
        return dict(zip(unique, ids, strict=True))

    def _lookup(self, keys: list[str]) -> list:
        """The unit id of each key (by name key or alias), None for an unknown key."""
        self.con.register(
            "wanted_keys", pa.table({"key": keys, "ord": pa.array(range(len(keys)), pa.int64())})
        )
        try:
            found = self.con.sql(
                """SELECT coalesce(u.unit_id, a.unit_id) AS unit_id FROM wanted_keys w
                   LEFT JOIN units u ON u.name_key = w.key LEFT JOIN unit_aliases a ON a.alias_key = w.key
                   ORDER BY w.ord"""
            ).to_arrow_table()
        finally:
            self.con.unregister("wanted_keys")
        return found.column("unit_id").to_pylist()

    def _create(self, keys: list[str], spellings: list[str], reports: bool) -> list[int]:
        """New units for these keys (named by their spellings); their ids, in the same order."""
        shown = display_names(spellings)
        ids = self.con.execute(f"SELECT nextval('unit_ids') AS id FROM range({len(keys)})").fetchnumpy()["id"]
        table = pa.table(
            {
                "unit_id": pa.array(ids, pa.int32()),
                "name": shown,
                "name_key": keys,
                "reports": pa.array([reports] * len(keys)),
                "created_load": pa.array([self.load_id] * len(keys), pa.int32()),
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
        self.created.extend(shown)
        created = ids.tolist()
        self.changed_ids.extend(created)
        if "by_key" in self.__dict__:
            self.by_key.update(zip(keys, created, strict=True))
        return created

    def set_parent_arrays(self, units: np.ndarray, parents: np.ndarray) -> None:
        """Set unit -> parent for the pairs (units[i], parents[i]), in one statement: as dict(pairs),
        each unit once, in the order of its first pair, with the parent of its last pair. A pair that
        would close a cycle (with the tree as it is, or with a pair before it) is left out, as one set
        by hand would be: the register page shows the tree to fix it."""
        if not len(units):
            return
        distinct, first = np.unique(units, return_index=True)
        _, from_end = np.unique(units[::-1], return_index=True)
        order = np.argsort(first, kind="stable")
        unit_ids, parent_ids = distinct[order], parents[len(units) - 1 - from_end[order]]
        keep = unit_ids != parent_ids
        unit_ids, parent_ids = unit_ids[keep], parent_ids[keep]
        if not len(unit_ids):
            return
        table = pa.table(
            {
                "unit_id": pa.array(unit_ids, pa.int32()),
                "parent_id": pa.array(parent_ids, pa.int32()),
                "ord": pa.array(np.arange(len(unit_ids)), pa.int32()),
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
            moved = self.con.execute(
                """SELECT e.unit_id FROM parent_edges e JOIN units u USING (unit_id)
                   WHERE u.parent_id IS DISTINCT FROM e.parent_id"""
            ).fetchall()
            self.changed_ids.extend(r[0] for r in moved)
            self.con.execute(
                """UPDATE units SET parent_id = e.parent_id FROM parent_edges e
                   WHERE units.unit_id = e.unit_id AND units.parent_id IS DISTINCT FROM e.parent_id"""
            )
        finally:
            self.con.unregister("proposed_parents")
            self.con.execute("DROP TABLE IF EXISTS parent_edges")


_CLOSING_EDGES = tree.closing_edges("parent_edges")


def _with_unit_ids(frame: pd.DataFrame, resolver: UnitResolver) -> pd.DataFrame:
    frame = frame.copy(deep=False)  # a new column only: the caller's frame stays as it was
    names = pa.array(frame["unit"])  # several sheets of one kind come as chunks
    names = names.combine_chunks() if isinstance(names, pa.ChunkedArray) else names
    encoded = pc.dictionary_encode(names.cast(pa.string()))  # each distinct name once
    distinct = encoded.dictionary.to_pylist()
    ids = resolver.resolve_many(distinct, reports=True)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    frame["unit_id"] = np.array([ids[n] for n in distinct], dtype=np.int64)[codes]
    if "parent" in frame:
        # each distinct parent name resolved once; the pairs as arrays (200,000 rows, 14 parents)
        codes, parents = pd.factorize(frame["parent"])
        named = np.array([isinstance(p, str) and bool(p.strip()) for p in parents], dtype=bool)
        if named.any():
            rows = np.flatnonzero((codes >= 0) & named[np.maximum(codes, 0)])
            wanted = [p for p, ok in zip(parents, named, strict=True) if ok]
            parent_ids = resolver.resolve_many(wanted, reports=False)
            by_code = np.array([parent_ids[p] if ok else -1 for p, ok in zip(parents, named, strict=True)])
            units = frame["unit_id"].to_numpy()[rows]
            # drop_duplicates of (unit, parent): the first row of each pair, in row order
            pair_codes = units * (len(parents) + 1) + codes[rows]
            _, first = np.unique(pair_codes, return_index=True)
            first.sort()
            resolver.set_parent_arrays(units[first], by_code[codes[rows][first]])
    return frame


def _set_unit_types(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    """单位性质 written in the sheet becomes the unit's (a blank or unknown cell changes nothing)."""
    if "unit_type" not in frame or frame["unit_type"].isna().all():
        return
    types = frame[["unit_id"]].assign(unit_type=frame["unit_type"].map(unit_type_of)).dropna()
    if types.empty:
        return
    con.register("incoming_unit_types", types.drop_duplicates("unit_id", keep="last"))
    try:
        con.execute("""UPDATE units SET unit_type = i.unit_type FROM incoming_unit_types i
                       WHERE units.unit_id = i.unit_id AND units.unit_type IS DISTINCT FROM i.unit_type""")
    finally:
        con.unregister("incoming_unit_types")


def _arrow_column(values: pd.Series, field_type: str) -> pa.Array:
    """A frame column as the Arrow type its SQL column takes: whole numbers (nulls for blanks; a
    fraction is an error), money as float64 (cast to DECIMAL(18,2) in SQL), dates, text."""
    if field_type == "int":
        return pc.cast(pa.array(pd.to_numeric(values), from_pandas=True), pa.int64())
    if field_type == "money":
        return pa.array(pd.to_numeric(values, errors="raise").astype("float64"), from_pandas=True)
    if field_type == "date":
        return pa.array(pd.to_datetime(values), from_pandas=True)
    return pa.array(values.astype("object").where(values.notna(), None), pa.string(), from_pandas=True)


def _write_kind(con: duckdb.DuckDBPyConnection, kind_id: str, frame: pd.DataFrame, load_id: int) -> None:
    kind = KINDS[kind_id]
    measures = fact_columns(kind_id)
    # straight into Arrow columns (DuckDB scans those column by column, not cell by cell)
    columns = {name: _arrow_column(frame[name], "int") for name in ("year", "quarter", "unit_id")}
    columns |= {name: _arrow_column(frame[name], kind.field(name).type) for name in measures}
    incoming = pa.table(columns)
    keys = pa.table({name: columns[name] for name in ("unit_id", "year", "quarter")})
    covered = keys.group_by(["unit_id", "year", "quarter"], use_threads=False).aggregate([])
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
        _set_unit_types(con, frame)
        units |= set(frame["unit_id"])
        periods |= {
            (int(y), int(q)) for y, q in frame[["year", "quarter"]].drop_duplicates().itertuples(index=False)
        }
        _write_kind(con, kind_id, frame, load_id)
    # what reads need, kept in the same transaction (see etl.store.derived)
    derived.refresh_tree(con, resolver.changed_ids)
    derived.refresh_units(con, units)
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
