"""Writes made from the app other than file loads: the annual targets edited on the 年度目标 page.

Like a file load, an edit is all or nothing: the rows are checked first, then the year's
targets are replaced in ONE transaction, the change is recorded in the load log and the
edit counter is bumped, so every cached page shows the new targets on its next run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import numbers
from pathlib import Path

import pandas as pd

from etl import store
from etl.core import settings
from etl.core.dictionary import INDICATOR_BY_ID, Indicator
from etl.core.fmt import fmt_rate
from etl.core.names import clean_name, name_key
from etl.core.problems import LoadRejected, Problem
from etl.store import audit, permissions
from etl.store.load import UnitResolver
from etl.store.permissions import Actor, PermissionDenied

EDIT_FILE_NAME = "（在线编辑年度目标）"
MILESTONES = ("q1", "q2", "q3", "q4")
MAX_RATE = 10.0  # a rate target above 1000% is a typing error (percent entered twice, etc.)
_HEADERS = {
    "indicator": "指标",
    "unit": "适用单位",
    "target": "目标值",
    "q1": "一季度",
    "q2": "二季度",
    "q3": "三季度",
    "q4": "四季度",
}


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _number(value: object) -> float:
    """A finite float, or ValueError for text that is not a number."""
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(str(value).replace(",", "").strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _valid_year(year: object) -> bool:
    if isinstance(year, bool) or not isinstance(year, numbers.Real):
        return False
    value = float(year)
    return value.is_integer() and 2000 <= value <= 2100


def _problem(message: str, row: int, field: str = "", value: object = None) -> Problem:
    return Problem(
        "error", message, row=row, header=_HEADERS.get(field, ""), value=None if _blank(value) else value
    )


def _check_rows(year: int, rows: pd.DataFrame) -> tuple[list[dict], list[Problem]]:
    """The rows as clean records (indicator id, unit name or None, numbers) and the problems found.

    Row numbers in the messages count the rows of the edited table from 1. Rows with neither an
    indicator nor any number are blank lines of the editor and are passed over.
    """
    problems: list[Problem] = []
    if not _valid_year(year):
        problems.append(Problem("error", f"年度「{year}」无效，应为 2000—2100 之间的年份"))
    missing = [c for c in ("indicator", "target") if c not in rows.columns]
    if missing:
        problems.append(Problem("error", f"缺少列：{'、'.join(missing)}"))
        return [], problems
    records: list[dict] = []
    seen: dict[tuple[str, str], int] = {}
    for position, raw in enumerate(rows.to_dict("records"), start=1):
        numbers = {f: raw.get(f) for f in ("target", *MILESTONES)}
        if _blank(raw.get("indicator")) and _blank(raw.get("unit")) and all(map(_blank, numbers.values())):
            continue
        indicator_text = "" if _blank(raw.get("indicator")) else str(raw["indicator"]).strip()
        ind: Indicator | None = INDICATOR_BY_ID.get(indicator_text)
        if ind is None:
            message = "未选择指标" if not indicator_text else "未知指标（应为指标代码，如 membership_rate）"
            problems.append(_problem(message, position, "indicator", indicator_text))
            continue
        label = f"「{ind.zh}」"
        unit = None if _blank(raw.get("unit")) else clean_name(str(raw["unit"]))
        record: dict[str, object] = {"indicator": ind.id, "unit": unit}
        ok = True
        for field, value in numbers.items():
            if _blank(value):
                if field == "target":
                    problems.append(_problem(f"{label}的目标值为空", position, field))
                    ok = False
                record[field] = None
                continue
            try:
                number = _number(value)
            except (TypeError, ValueError):
                problems.append(_problem(f"{label}的{_HEADERS[field]}不是数字", position, field, value))
                ok = False
                continue
            if number < 0:
                problems.append(_problem(f"{label}的{_HEADERS[field]}不能为负数", position, field, value))
                ok = False
            elif ind.measure == "rate" and number > MAX_RATE:
                problems.append(
                    _problem(
                        f"{label}是比率指标，{_HEADERS[field]} {fmt_rate(number)} 超出合理范围"
                        f"（不应超过 {fmt_rate(MAX_RATE)}；比率以小数保存，0.95 表示 95%）",
                        position,
                        field,
                        value,
                    )
                )
                ok = False
            record[field] = number
        key = (ind.id, name_key(unit) if unit else "")
        if key in seen:
            scope = f"单位「{unit}」" if unit else "整个组织"
            problems.append(
                _problem(
                    f"{label}对{scope}重复设置了目标（与第 {seen[key]} 行重复）",
                    position,
                    "indicator",
                    ind.zh,
                )
            )
            ok = False
        else:
            seen[key] = position
        if ok:
            record["_row"] = position
            records.append(record)
    return records, problems


def canonical_csv(year: int, records: list[dict]) -> bytes:
    """A stable text form of the saved targets, for the sha256 recorded in the load log."""
    columns = ["indicator", "unit", "target", *MILESTONES]
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in records], columns=columns)
    frame = frame.sort_values(["indicator", "unit"], na_position="first", kind="stable")
    buffer = io.StringIO()
    buffer.write(f"year,{int(year)}\n")
    frame.to_csv(buffer, index=False, float_format="%.10g", lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def save_targets(
    db: Path | str | None,
    year: int,
    rows: pd.DataFrame,
    user: str | None = None,
    *,
    actor: Actor | None = None,
) -> int:
    """Replace all targets of `year` with `rows`; returns the number of targets saved.

    rows: indicator (id), unit (name; None or "" = the whole organisation), target (a fraction
    for rates, yuan for money, a count otherwise), q1..q4 (optional quarterly milestones).
    Raises LoadRejected (Chinese messages naming the row and the indicator) and writes nothing
    when a row is wrong or a unit is not known. actor: who saves (default: the OS user `user`);
    only an admin may (PermissionDenied otherwise, recorded in the 操作日志).
    """
    actor = actor or permissions.local_admin(user or settings.current_user())
    user = user or actor.name
    records, problems = _check_rows(year, rows)
    if problems:
        raise LoadRejected(problems)
    year = int(year)
    with store.writer(db) as con:
        try:
            permissions.require(actor, "targets")
        except PermissionDenied as denied:
            audit.record_alone(con, actor, "denied", target=f"targets {year}", detail=denied)
            raise
        with store.transaction(con):
            resolver = UnitResolver(con)
            unknown = [r for r in records if r["unit"] and name_key(str(r["unit"])) not in resolver.by_key]
            if unknown:
                raise LoadRejected(
                    [
                        _problem(
                            f"单位「{r['unit']}」不在单位名单中（「{INDICATOR_BY_ID[str(r['indicator'])].zh}」）；"
                            "请从已有单位中选择，或留空表示整个组织",
                            int(r["_row"]),
                            "unit",
                            r["unit"],
                        )
                        for r in unknown
                    ]
                )
            unit_ids = [
                resolver.resolve(str(r["unit"]), reports=False) if r["unit"] else None for r in records
            ]
            load_id = int(con.execute("SELECT nextval('load_ids')").fetchall()[0][0])
            con.execute(
                "INSERT INTO replaced_targets SELECT *, ? FROM targets WHERE year = ?", [load_id, year]
            )
            con.execute("DELETE FROM targets WHERE year = ?", [year])
            if records:
                con.executemany(
                    "INSERT INTO targets (year, indicator, unit_id, target, q1, q2, q3, q4, load_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        [year, r["indicator"], unit_id, r["target"], *(r[q] for q in MILESTONES), load_id]
                        for r, unit_id in zip(records, unit_ids, strict=True)
                    ],
                )
            sha256 = hashlib.sha256(canonical_csv(year, records)).hexdigest()
            con.execute(
                "INSERT INTO loads (load_id, file_name, sha256, kind, periods, rows_loaded, units, "
                "warnings, loaded_at, user_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    load_id,
                    EDIT_FILE_NAME,
                    sha256,
                    "targets",
                    str(year),
                    len(records),
                    len({u for u in unit_ids if u is not None}),
                    0,
                    dt.datetime.now(),
                    user,
                ],
            )
            con.execute("UPDATE loads SET account_id = ? WHERE load_id = ?", [actor.account_id, load_id])
            audit.record(
                con,
                actor,
                "targets_edit",
                target=f"#{load_id} {EDIT_FILE_NAME}",
                units=audit.joined(r["unit"] for r in records if r["unit"]) or "整个组织",
                periods=str(year),
                detail=f"{len(records)} 项目标",
            )
            counter = int(store.get_setting(con, "edit_counter", "0") or 0)
            store.set_setting(con, "edit_counter", str(counter + 1))
        store.checkpoint(con)
        store.data_changed(db)
    return len(records)
