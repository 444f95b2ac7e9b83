"""What a load will change, before it is confirmed: per kind and quarter, units added,
changed (old → new per figure), unchanged — computed against the database, nothing written."""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.core.dictionary import KINDS
from etl.core.fmt import period_label
from etl.core.names import name_key
from etl.ingest.inspect import FileReport
from etl.store import fact_columns

STATUS_ZH = {"added": "新增", "changed": "变化", "unchanged": "不变"}


def _unit_ids(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute(
        "SELECT name_key, unit_id FROM units UNION ALL SELECT alias_key, unit_id FROM unit_aliases"
    ).fetchall()
    return {k: int(i) for k, i in rows}


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return "空"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    return f"{value:,}" if isinstance(value, (int, float)) else str(value)


def _summarise_events(frame: pd.DataFrame, kind_id: str) -> pd.DataFrame:
    """Events compared per unit and quarter by their count and totals."""
    money, people = ("amount", "beneficiaries") if kind_id == "welfare" else ("cost", "participants")
    grouped = frame.groupby(["unit_id", "year", "quarter"], dropna=False)
    out = grouped.size().rename("记录数").to_frame()
    for col, label in ((money, "金额合计"), (people, "人数合计")):
        out[label] = grouped[col].apply(lambda s: float(pd.to_numeric(s, errors="coerce").sum()))
    return out.reset_index()


def _compare(kind_id: str, new: pd.DataFrame, old: pd.DataFrame, names: dict[int, str]) -> list[dict]:
    keys = ["unit_id", "year", "quarter"]
    measures = [c for c in new.columns if c not in (*keys, "unit")]
    merged = new.merge(old, on=keys, how="left", suffixes=("", "__old"), indicator=True)
    labels = {f.id: f.zh for f in KINDS[kind_id].fields}
    rows = []
    for record in merged.to_dict("records"):
        unit = record.get("unit") or names.get(record["unit_id"], "")
        if record["_merge"] == "left_only":
            status, detail = "added", ""
        else:
            diffs = []
            for m in measures:
                a, b = record.get(f"{m}__old"), record.get(m)
                if _fmt(_num(a)) != _fmt(_num(b)):
                    diffs.append(f"{labels.get(m, m)} {_fmt(_num(a))} → {_fmt(_num(b))}")
            status, detail = ("changed", "；".join(diffs)) if diffs else ("unchanged", "")
        rows.append(
            {
                "kind": kind_id,
                "year": int(record["year"]),
                "quarter": int(record["quarter"]),
                "unit": unit,
                "status": status,
                "detail": detail,
            }
        )
    return rows


def _num(value: object) -> object:
    try:
        return round(float(value), 2)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value


def preview(con: duckdb.DuckDBPyConnection, reports: list[FileReport]) -> pd.DataFrame:
    """One row per unit and quarter the upload touches: kind, year, quarter, unit, status, detail."""
    ids = _unit_ids(con)
    names = dict(con.execute("SELECT unit_id, name FROM units").fetchall())
    rows: list[dict] = []
    for kind_id in sorted({k for r in reports for k in r.kinds if k != "targets"}):
        frame = pd.concat(
            [s.frame for r in reports for s in r.data_sheets if s.kind == kind_id], ignore_index=True
        )
        # units not known yet get negative ids so they never match an existing row
        keys = frame["unit"].map(lambda u: name_key(str(u)))
        unknown = {k: -(i + 1) for i, k in enumerate(sorted(set(keys) - set(ids)))}
        frame = frame.assign(unit_id=keys.map(lambda k, new=unknown: ids.get(k, new.get(k))))
        table = KINDS[kind_id].table
        periods = frame[["year", "quarter"]].drop_duplicates()
        con.register("preview_periods", periods)
        try:
            old = con.execute(f"""SELECT t.* EXCLUDE (load_id) FROM {table} t
                                  JOIN preview_periods p ON t.year = p.year AND t.quarter = p.quarter""").df()
        finally:
            con.unregister("preview_periods")
        if KINDS[kind_id].shape == "events":
            new_side, old_side = _summarise_events(frame, kind_id), _summarise_events(old, kind_id)
            new_side["unit"] = frame.groupby("unit_id")["unit"].first().reindex(new_side["unit_id"]).values
        else:
            measures = fact_columns(kind_id)
            new_side = frame[["unit_id", "unit", "year", "quarter", *measures]]
            old_side = old[["unit_id", "year", "quarter", *measures]]
        rows.extend(_compare(kind_id, new_side, old_side, names))
    return pd.DataFrame(rows, columns=["kind", "year", "quarter", "unit", "status", "detail"])


def summary_text(changes: pd.DataFrame) -> str:
    """'会员发展 2025年第二季度：12 个单位新增，3 个单位数据变化，16 个单位不变' per kind and quarter."""
    lines = []
    for (kind_id, year, quarter), group in changes.groupby(["kind", "year", "quarter"], sort=True):
        counts = group["status"].value_counts()
        parts = [
            f"{counts[s]} 个单位{'数据' if s == 'changed' else ''}{STATUS_ZH[s]}"
            for s in ("added", "changed", "unchanged")
            if counts.get(s, 0)
        ]
        lines.append(f"{KINDS[str(kind_id)].zh} {period_label(int(year), int(quarter))}：{'，'.join(parts)}")
    return "\n".join(lines)
