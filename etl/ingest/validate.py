"""Checks across fields and rows of a parsed sheet: ranges, plausibility, duplicates."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from etl.core.dictionary import KINDS, UNIT_TYPES, unit_type_of
from etl.core.names import name_key
from etl.ingest import fastrows
from etl.ingest.bulk_names import name_keys
from etl.ingest.normalise import ParsedSheet

# (part, whole): part above whole is suspicious but possible (data entered late) -> warning
_NOT_ABOVE = {
    "membership": [
        ("members", "employees"),
        ("members_female", "employees_female"),
        ("members_migrant", "employees_migrant"),
        ("employees_female", "employees"),
        ("orgs_unionized", "orgs_total"),
        ("contracts_signed", "orgs_unionized"),
        ("wage_agreements", "orgs_unionized"),
        ("female_contracts", "orgs_unionized"),
    ],
    "activities": [("participants_female", "participants")],
}


def validate_sheet(sheet: ParsedSheet) -> None:
    if sheet.kind is None or sheet.frame.empty:
        return
    kind = KINDS[sheet.kind]
    frame = sheet.frame
    where = {"file": sheet.file, "sheet": sheet.sheet}
    for part, whole in _NOT_ABOVE.get(kind.id, []):
        both = frame[[part, whole]].notna().all(axis=1)
        bad = frame.loc[
            both & (frame[part].astype("float64") > frame[whole].astype("float64")), [part, whole, "_row"]
        ]
        for data in bad.to_dict("records"):  # not itertuples: it renames the "_row" column
            sheet.problems.warning(
                f"{kind.field(part).zh}（{data[part]}）大于{kind.field(whole).zh}（{data[whole]}），请核实",
                **where,
                row=data["_row"],
            )
    if "unit_type" in frame:
        _unit_types(sheet, where)
    if kind.shape == "snapshot":
        _duplicates(sheet, ["unit", "year", "quarter"], where)
    if kind.id == "targets":
        _duplicates(sheet, ["indicator", "unit", "year"], where)


def _unit_types(sheet: ParsedSheet, where: dict) -> None:
    """An unknown 单位性质 is not guessed: the unit keeps what it had, and every indicator applies."""
    frame = sheet.frame
    if frame["unit_type"].isna().all():
        return  # the usual sheet: no 单位性质 column
    written = frame["unit_type"].map(lambda v: v.strip() if isinstance(v, str) else "")
    unknown = frame[(written != "") & written.map(lambda v: unit_type_of(v) is None)]
    for data in unknown[["unit_type", "_row"]].to_dict("records"):
        sheet.problems.warning(
            f"「单位性质」只认 {'、'.join(UNIT_TYPES)}（或国有企业、党政机关等常见写法）；"
            f"此行未记录单位性质，各项指标照常计入",
            **where,
            row=data["_row"],
            header="单位性质",
            value=data["unit_type"],
        )


def _duplicates(sheet: ParsedSheet, keys: list[str], where: dict) -> None:
    frame = sheet.frame
    if not set(keys) <= set(frame.columns) or frame.empty:
        return
    # each distinct name keyed once (one OpenCC call, or the parser's keys), rows compared as numbers
    codes, uniques = pd.factorize(frame["unit"])
    distinct = uniques.tolist()  # one conversion (iterating Arrow-backed strings is slow)
    if all(type(u) is str for u in distinct):
        keyed_names = name_keys(distinct)
    else:
        found = iter(name_keys([u for u in distinct if isinstance(u, str)]))
        keyed_names = [next(found) if isinstance(u, str) else "" for u in distinct]
    row_keys = fastrows.as_objects([*keyed_names, ""])[codes]  # code -1 (no name): ""
    others = [k for k in keys if k != "unit"]
    compared = frame[others].assign(_key=pd.factorize(row_keys)[0])
    repeated = compared.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return
    keyed = frame[repeated].assign(_key=row_keys[repeated])
    cols = ["_key", *others]
    for _, group in keyed.groupby(cols, dropna=False):
        rows = "、".join(str(r) for r in group["_row"])
        first = group.iloc[0]
        unit = first["unit"] or "整个组织"
        sheet.problems.error(f"重复数据：「{unit}」在同一期间出现多次（第 {rows} 行）", **where)


def cross_sheet_duplicates(sheets: list[ParsedSheet]) -> list[tuple[ParsedSheet, str]]:
    """The same unit and quarter in two sheets of one upload for the same kind."""
    seen: dict[tuple, str] = {}
    clashes: list[tuple[ParsedSheet, str]] = []
    per_kind = Counter(
        s.kind for s in sheets if s.kind and KINDS[s.kind].shape == "snapshot" and not s.frame.empty
    )
    if all(n < 2 for n in per_kind.values()):
        return clashes  # one sheet per kind: a clash needs two
    for sheet in sheets:
        if sheet.kind is None or KINDS[sheet.kind].shape != "snapshot" or sheet.frame.empty:
            continue
        for row in sheet.frame[["unit", "year", "quarter", "_row"]].itertuples(index=False):
            if not isinstance(row.unit, str) or pd.isna(row.year) or pd.isna(row.quarter):
                continue
            key = (sheet.kind, name_key(row.unit), int(row.year), int(row.quarter))
            here = f"{sheet.file}「{sheet.sheet}」第 {row._3} 行"
            if key in seen and not seen[key].startswith(f"{sheet.file}「{sheet.sheet}」"):
                clashes.append(
                    (
                        sheet,
                        f"重复数据：「{row.unit}」{int(row.year)}年第{int(row.quarter)}季度"
                        f"同时出现在 {seen[key]} 和 {here}",
                    )
                )
            seen.setdefault(key, here)
    return clashes
