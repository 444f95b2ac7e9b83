"""The draft of a report: one read of the database, the drafted sentences, the list of charts.

No browser and no figure is built here: a chart's figure is built when it is rendered (or asked
for), so the page can list every chart of a federation quickly and the 简版 builds only its six.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from etl import store
from etl.core import fmt, settings
from etl.core.dictionary import THEMES, WORK_INDICATORS
from etl.core.i18n import indicator_label, kind_label, status_label, t
from etl.indicators import kpis, queries
from etl.indicators.kpis import Kpi
from etl.outputs import narrative
from etl.outputs.report.charts import Chart, catalogue

# Sheets whose absence makes a unit 未报送 (events sheets may rightly have no row for a unit).
MISSING_KINDS = ("membership", "dues")
BREAKDOWN_KINDS = ("welfare", "activities")

STATUS_SYMBOLS = {
    "ahead": "▲",
    "on_track": "●",
    "behind": "▼",
    "met": "✔",
    "missed": "✘",
    "no_target": "○",
    "no_data": "—",
    "not_applicable": "／",
}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class NoData(LookupError):
    """The database holds nothing for the period (or the scope) asked for."""


def lang_of(lang: str) -> str:
    return "en" if lang == "en" else "zh"


@dataclass
class Draft:
    year: int
    quarter: int
    unit_id: int | None
    lang: str
    org_name: str
    scope_name: str
    single_unit: bool  # the scope is one grassroots unit: the text speaks of 本单位
    updated: str  # date of the last load (ISO), the report's date
    title: str
    period: str  # '2025年全年'
    results: dict[str, Kpi]
    summary: str
    paragraphs: dict[str, str]  # theme id -> paragraph
    missing: pd.DataFrame  # unit, parent, kinds, last_period
    arrears: pd.DataFrame  # unit, parent, due, paid, arrears, rate
    charts: list[Chart] = field(default_factory=list)  # every chart the data allows, in document order
    gaps: dict[str, kpis.LeftOut] = field(default_factory=dict)  # what incomplete coverage leaves out

    @property
    def chart_set(self) -> list[tuple[str, Any]]:
        """(file name, figure) of every chart, in the order of the document."""
        return [(c.name, c.figure()) for c in self.charts]

    def chart(self, key: str) -> Chart:
        return next(c for c in self.charts if c.key == key)

    @property
    def stem(self) -> str:
        suffix = t(f"report.doc.suffix_q{self.quarter}", self.lang)
        return safe_name(f"{self.title}（{suffix}）" if self.lang == "zh" else f"{self.title} ({suffix})")

    @property
    def date_text(self) -> str:
        """The report's date as an office writes it: '2026年11月29日' (the date of the last load)."""
        day = report_day(self.updated)
        if day is None:
            return fmt.DASH
        if self.lang == "zh":
            return f"{day.year}年{day.month}月{day.day}日"
        return f"{day.day} {day.strftime('%B')} {day.year}"


def report_day(updated: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(updated)[:10])
    except (TypeError, ValueError):
        return None


def safe_name(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" ._")[:150]


def _missing_table(missing: dict[str, pd.DataFrame], lang: str) -> pd.DataFrame:
    """One row per unit that has not sent a sheet: unit, parent, kinds (names), last_period."""
    frames = [frame.assign(kind=kind_label(kind, lang), kind_id=kind) for kind, frame in missing.items()]
    allm = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if allm.empty:
        return pd.DataFrame(columns=["unit", "parent", "kinds", "last_period"])
    last = missing["membership"].set_index("unit")["last_period"] if "membership" in missing else {}
    sep = "、" if lang == "zh" else ", "
    out = (
        allm.groupby("unit", sort=False)
        .agg(parent=("parent", "first"), kinds=("kind", lambda k: sep.join(k)))
        .reset_index()
    )
    out["last_period"] = out["unit"].map(last)
    return out.sort_values(["parent", "unit"], na_position="first").reset_index(drop=True)


def draft(db: Any, year: int, quarter: int, unit_id: int | None = None, lang: str = "zh") -> Draft:
    """Read what the report needs and draft the text; list the charts (built when rendered).

    db: a database path, or an open connection. Raises NoData when nothing is loaded for the
    period, or when the scope has no data in it.
    """
    if isinstance(db, duckdb.DuckDBPyConnection):
        return _draft(db, int(year), int(quarter), unit_id, lang_of(lang))
    with store.connect(db, read_only=True) as con:
        return _draft(con, int(year), int(quarter), unit_id, lang_of(lang))


def _no_data_message(con: duckdb.DuckDBPyConnection, year: int, quarter: int, scope: str) -> str:
    have = queries.periods(con)
    listed = "、".join(fmt.period_label(y, q) for y, q in have[:8]) or "（无）"
    return f"{scope}没有{fmt.period_label(year, quarter)}的数据，无法生成报告。已导入数据的统计期：{listed}"


def _draft(con: duckdb.DuckDBPyConnection, year: int, quarter: int, unit_id: int | None, lang: str) -> Draft:
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, got {quarter!r}")
    org = queries.org_name(con)
    scope = queries.unit_name(con, unit_id)
    if (year, quarter) not in queries.periods(con):
        raise NoData(_no_data_message(con, year, quarter, org))
    results = kpis.compute(con, year, quarter, unit_id)
    gaps = kpis.left_out(con, year, quarter, unit_id)
    if all(k.actual is None for i, k in results.items() if i != "reporting_rate"):
        raise NoData(_no_data_message(con, year, quarter, scope))
    trend = kpis.trend(con, year, quarter, unit_id)
    history = kpis.unit_history(con, year, quarter, unit_id)
    # whole lists (no page row limit): the report's counts and 合计 rows must cover every unit
    missing_by_kind = {
        k: queries.missing_units(con, year, quarter, unit_id, k, limit=None) for k in MISSING_KINDS
    }
    missing = _missing_table(missing_by_kind, lang)
    dues = queries.dues_by_unit(con, year, quarter, unit_id, arrears_only=True, limit=None)
    breakdowns = {k: queries.breakdown(con, k, year, quarter, unit_id) for k in BREAKDOWN_KINDS}
    updated = queries.last_loaded(con)
    single = queries.is_grassroots(con, unit_id)

    arrears = dues[dues["arrears"] > 0][["unit", "parent", "due", "paid", "arrears", "rate"]]
    arrears = arrears.reset_index(drop=True)
    summary = narrative.summary_paragraph(
        results,
        year,
        quarter,
        scope,
        list(missing_by_kind["membership"]["unit"]),
        list(arrears["unit"]),
        float(arrears["arrears"].sum()),
        lang,
        single_unit=single,
    )
    d = Draft(
        year=year,
        quarter=quarter,
        unit_id=unit_id,
        lang=lang,
        org_name=org,
        scope_name=scope,
        single_unit=single,
        updated=updated,
        title=t("report.doc.title", lang, scope=scope, year=year),
        period=fmt.period_label(year, quarter, lang, cumulative=True),
        results=results,
        summary=summary,
        paragraphs={
            th.id: narrative.theme_paragraph(th.id, results, year, quarter, lang, gaps) for th in THEMES
        },
        gaps=gaps,
        missing=missing,
        arrears=arrears,
    )
    d.charts = catalogue(d, trend, history, breakdowns)
    return d


# ---------------------------------------------------------------- the indicator table


def status_rule_text(quarter: int, lang: str) -> str:
    """The one status rule, as the dashboard's legend states it."""
    if int(quarter) == 4:
        return t("legend.year_end", lang)
    tol = settings.StatusRules.from_env().tolerance
    return t("legend.progress", lang, low=fmt.fmt_rate(1 - tol, 0), high=fmt.fmt_rate(1 + tol, 0))


def status_text(status: str, lang: str) -> str:
    return f"{STATUS_SYMBOLS.get(status, '')} {status_label(status, lang)}".strip()


def table_indicators() -> tuple:
    """The rows of 主要指标完成情况: the 工作指标 (数据报送率 is about the data and has its own section),
    so the table's statuses are the ones the summary counts."""
    return WORK_INDICATORS


def cell_text(text: str, lang: str) -> str:
    """A table cell in Chinese keeps its 千分位 but not the space before the unit: '17,574人'."""
    return text.replace(" ", "") if lang == "zh" else text


def indicator_rows(results: dict[str, Kpi], lang: str = "zh") -> list[list[str]]:
    """The rows of the indicator table: 指标, 实际, 目标, 完成率, 同比, 状态 (formatted by etl.core.fmt)."""
    rows = []
    for ind in table_indicators():
        k = results[ind.id]
        values = [
            fmt.fmt_value(ind, k.actual, lang),
            fmt.fmt_value(ind, k.target, lang),
            fmt.fmt_rate(k.achievement),
            fmt.fmt_change(ind, k.yoy, lang, compact=True) or fmt.DASH,
        ]
        rows.append(
            [indicator_label(ind, lang), *(cell_text(v, lang) for v in values), status_text(k.status, lang)]
        )
    return rows


def reporting_text(d: Draft) -> str:
    """数据报送率 with its count: '93.5%（29/31个单位）'."""
    k = d.results["reporting_rate"]
    cov = k.coverage
    if not cov:
        return fmt.fmt_rate(k.actual)
    return fmt.fmt_rate(k.actual) + t("report.doc.reporting_count", d.lang, n=cov.reported, of=cov.expected)


def last_period_text(value: Any, lang: str) -> str:
    v = fmt.to_number(value)
    if v is None:
        return t("report.doc.never", lang)
    return fmt.period_label(int(v) // 10, int(v) % 10, lang)
