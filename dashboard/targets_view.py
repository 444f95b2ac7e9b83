"""The 年度目标 page's tables: stored targets -> display and editor frames, editor frame -> rows to save.

Rates are stored as fractions (0.95) but typed as percent numbers (95) in the editor; money
is in yuan, counts are counts. Indicators are chosen by their name in the current language
and saved by id. No Streamlit here, so the conversions are tested directly.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID, INDICATORS, Indicator
from etl.core.i18n import indicator_label, quarter_name, t

MILESTONES = ("q1", "q2", "q3", "q4")
EDITOR_COLUMNS = ("indicator", "unit", "target", *MILESTONES)


def year_options(data_years: Iterable[int], target_years: Iterable[int], today_year: int) -> list[int]:
    """Years with data or targets, plus the year after the latest one (to plan ahead), newest first."""
    years = {int(y) for y in data_years} | {int(y) for y in target_years}
    if not years:
        years = {today_year}
    years.add(max(years) + 1)
    return sorted(years, reverse=True)


def default_year(options: list[int], filter_year: int | None) -> int:
    if filter_year is not None and filter_year in options:
        return filter_year
    return options[1] if len(options) > 1 else options[0]  # the latest year that is not just "next year"


def indicator_names(lang: str) -> list[str]:
    """Indicator names in dictionary order, for the editor's selectbox."""
    return [indicator_label(i, lang) for i in INDICATORS]


def indicator_by_name(name: object) -> Indicator | None:
    """An indicator chosen by its Chinese or English name, or given by id."""
    if not isinstance(name, str):
        return None
    name = name.strip()
    if name in INDICATOR_BY_ID:
        return INDICATOR_BY_ID[name]
    for ind in INDICATORS:
        if name in (ind.zh, ind.en):
            return ind
    return None


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _unit(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


_ORDER = {ind.id: n for n, ind in enumerate(INDICATORS)}


def in_dictionary_order(targets: pd.DataFrame) -> pd.DataFrame:
    """Targets sorted as the dictionary lists the indicators, the whole organisation before units."""
    if targets.empty:
        return targets
    order = targets["indicator"].map(lambda i: _ORDER.get(str(i), len(_ORDER)))
    scoped = targets["unit"].map(lambda u: 1 if _unit(u) else 0)
    units = targets["unit"].map(_unit)
    keyed = targets.assign(_order=order, _scoped=scoped, _unit=units)
    return keyed.sort_values(["_order", "_scoped", "_unit"], kind="stable").drop(
        columns=["_order", "_scoped", "_unit"]
    )


def display_frame(targets: pd.DataFrame, lang: str) -> pd.DataFrame:
    """指标 / 适用单位 / 目标值 / 一季度..四季度, values formatted (rates as %, money in 元)."""
    columns = [
        t("col.indicator", lang),
        t("targets.scope", lang),
        t("targets.value", lang),
        *(quarter_name(q, lang, short=True) for q in range(1, 5)),
    ]
    rows = []
    for record in in_dictionary_order(targets).to_dict("records"):
        ind = INDICATOR_BY_ID.get(str(record["indicator"]))
        name = indicator_label(ind, lang) if ind else str(record["indicator"])

        def shown(value: object, ind: Indicator | None = ind, unit: bool = True) -> str:
            if _missing(value):
                return ""
            if ind and ind.measure == "count" and not unit:
                return fmt.fmt_count(value)  # a milestone: the target beside it names the unit
            return fmt.fmt_value(ind, value, lang) if ind else fmt.fmt_number(value, 2)

        unit = _unit(record.get("unit")) or t("targets.org_wide", lang)
        rows.append(
            dict(
                zip(
                    columns,
                    [
                        name,
                        unit,
                        shown(record["target"]),
                        *(shown(record.get(q), unit=False) for q in MILESTONES),
                    ],
                    strict=True,
                )
            )
        )
    return pd.DataFrame(rows, columns=columns)


def _to_percent(value: object) -> float | None:
    if _missing(value):
        return None
    return round(float(value) * 100, 8)  # type: ignore[arg-type]


def editor_frame(targets: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The stored targets as the editor shows them: names, blank unit for the whole organisation,
    rates in percent."""
    rows = []
    for record in in_dictionary_order(targets).to_dict("records"):
        ind = INDICATOR_BY_ID.get(str(record["indicator"]))
        rate = ind is not None and ind.measure == "rate"
        row: dict[str, object] = {
            "indicator": indicator_label(ind, lang) if ind else str(record["indicator"]),
            "unit": _unit(record.get("unit")) or None,
        }
        for field in ("target", *MILESTONES):
            value = record.get(field)
            row[field] = _to_percent(value) if rate else (None if _missing(value) else float(value))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(EDITOR_COLUMNS))
    for field in ("target", *MILESTONES):
        frame[field] = frame[field].astype("float64")
    frame["indicator"] = frame["indicator"].astype("object")
    frame["unit"] = frame["unit"].astype("object")
    return frame


def rows_for_save(edited: pd.DataFrame) -> pd.DataFrame:
    """The editor's table -> rows for etl.store.edits.save_targets: indicator ids, unit or None,
    rates back to fractions. Unknown indicator names are passed through for save_targets to report."""
    rows = []
    for record in edited.to_dict("records"):
        ind = indicator_by_name(record.get("indicator"))
        rate = ind is not None and ind.measure == "rate"
        row: dict[str, object] = {
            "indicator": ind.id
            if ind
            else (None if _missing(record.get("indicator")) else record["indicator"]),
            "unit": _unit(record.get("unit")) or None,
        }
        for field in ("target", *MILESTONES):
            value = record.get(field)
            if _missing(value):
                row[field] = None
            elif rate and isinstance(value, int | float):
                row[field] = round(float(value) / 100, 10)
            else:
                row[field] = value
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(EDITOR_COLUMNS), dtype=object)
    return frame.where(frame.notna(), None)
