"""Which charts a report has, and which of them each length shows.

Every chart the data allows is listed (catalogue), with its caption, its drafted sentence and a
short headline for its slide; its figure is built with the dashboard's own builders
(etl.outputs.figures) only when it is rendered.

The 简版 (SHORT) holds the six charts a leader reads first, one per question:

- 入会率 — trend: the year's path against the target line and last year (the rate is the
  headline of organisation work; who pulls it down is named in the text).
- 新发展会员 — trend: cumulative bars against 进度预期 each quarter, "时间过半、任务过半" at a glance.
- 集体合同签订率 — trend, like 入会率.
- 会费收缴率 — ranking: arrears are a matter of particular units, so the chart shows them
  (top and bottom units on a slide); a one-unit report has no ranking and gets the trend.
- 帮扶慰问 — the spending by category: where the money went (the total against its target
  is in the table); without categories, the spending trend.
- 活动开展 — the theme's 完成情况 chart: number of activities, participants and participation
  rate against their targets in one picture; without targets, the number of activities.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go

from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID, THEMES, indicators_of_theme
from etl.core.i18n import category_label, indicator_label, t, theme_label
from etl.indicators.kpis import as_frame
from etl.outputs import figures, narrative

if TYPE_CHECKING:
    from etl.outputs.report.draft import Draft

LENGTHS = ("short", "full")
# each entry: the chart keys to use, the first the data allows
SHORT: tuple[tuple[str, ...], ...] = (
    ("trend:membership_rate",),
    ("trend:new_members",),
    ("trend:contract_signing_rate",),
    ("ranking:dues_collection_rate", "trend:dues_collection_rate"),
    ("breakdown:welfare:money", "trend:welfare_spend"),
    ("bullet:activities", "trend:activities_count"),
)
# Indicators that also get a chart of every unit (when the scope has two units or more).
RANKED = (
    "membership_rate",
    "new_members",
    "contract_signing_rate",
    "dues_collection_rate",
    "activity_participation_rate",
)
# Welfare and activities split by category: (column of queries.breakdown, i18n key of what, unit)
BREAKDOWNS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "welfare": (
        ("money", "report.chart.welfare_money", "元"),
        ("people", "report.chart.welfare_people", "人次"),
    ),
    "activities": (
        ("count", "report.chart.activities_count", "次"),
        ("people", "report.chart.activities_people", "人次"),
    ),
}
_UNIT_EN = {"元": "CNY", "人次": "people", "次": "events"}


@dataclass
class Chart:
    """One chart of the report and what goes with it."""

    # 'trend:new_members', 'ranking:dues_collection_rate', 'bullet:welfare', 'breakdown:welfare:money'
    key: str
    kind: str  # bullet | trend | ranking | breakdown
    theme: str  # section of the document
    name: str  # file name without extension (figures.chart_filename)
    caption: str  # the chart's title: the 图N caption in Word
    label: str  # short name for a list: '入会率：分季度进展'
    headline: str  # the message of its slide
    sentence: str | None = None  # drafted text shown under the chart and in the slide's notes
    indicator: str | None = None
    rows: int = 0  # bars drawn top to bottom (indicators, units, categories): the height it needs
    make: Callable[..., go.Figure] | None = field(default=None, repr=False)
    images: dict[str, bytes] = field(default_factory=dict, repr=False)  # word | slide | svg | pdf
    _built: dict[Any, go.Figure] = field(default_factory=dict, repr=False)

    def figure(self, limit: int | None = None) -> go.Figure:
        """The dashboard's figure of this chart (a ranking limited to its first and last `limit` units)."""
        key = limit if self.kind == "ranking" else None
        if key not in self._built:
            assert self.make is not None
            self._built[key] = self.make(limit) if self.kind == "ranking" else self.make()
        return self._built[key]

    @property
    def png(self) -> bytes:
        return self.images.get("word", b"")

    @property
    def slide_png(self) -> bytes:
        return self.images.get("slide", b"")

    @property
    def svg(self) -> bytes:
        return self.images.get("svg", b"")

    @property
    def pdf(self) -> bytes:
        return self.images.get("pdf", b"")


def short_keys(charts: Sequence[Chart]) -> list[str]:
    """The 简版 chart set: for each entry of SHORT the first key the data has."""
    have = {c.key for c in charts}
    return [next(k for k in options if k in have) for options in SHORT if any(k in have for k in options)]


def select(charts: Sequence[Chart], length: str = "short", keys: Sequence[str] | None = None) -> list[Chart]:
    """The charts of a report in document order: the given keys, else every chart (完整版) or the 简版 set."""
    if length not in LENGTHS:
        raise ValueError(f"length must be one of {LENGTHS}, got {length!r}")
    if keys is None:
        keys = [c.key for c in charts] if length == "full" else short_keys(charts)
    wanted = set(keys)
    unknown = wanted - {c.key for c in charts}
    if unknown:
        raise KeyError(f"no such chart in this report: {sorted(unknown)}")
    return [c for c in charts if c.key in wanted]


# ---------------------------------------------------------------- headlines (one message per slide)


def _status_phrase(status: str | None, lang: str) -> str:
    return t(f"report.headline.status_{status}", lang) if status in _PHRASED else ""


_PHRASED = {"met", "missed", "ahead", "on_track", "behind", "no_target"}


def trend_headline(d: Draft, ind_id: str) -> str:
    ind = INDICATOR_BY_ID[ind_id]
    k = d.results[ind_id]
    what = indicator_label(ind, d.lang)
    value = narrative.value_text(ind, k.actual, d.lang) if k.actual is not None else t("fig.no_data", d.lang)
    text = t("report.headline.value", d.lang, what=what, value=value)
    phrase = _status_phrase(k.status, d.lang)
    if phrase:
        text += t("report.headline.sep", d.lang) + phrase
    if (
        ind.measure != "rate"
        and k.achievement is not None
        and k.status in ("met", "missed", "ahead", "on_track", "behind")
    ):
        text += t("report.headline.achievement", d.lang, rate=fmt.fmt_rate(k.achievement))
    return text


def ranking_headline(d: Draft, ind_id: str, ranking: pd.DataFrame) -> str:
    ind = INDICATOR_BY_ID[ind_id]
    what = indicator_label(ind, d.lang)
    statuses = [s for s in ranking["status"].tolist() if s != "not_applicable"]
    lag = "missed" if d.quarter == 4 else "behind"
    judged = [s for s in statuses if s in ("met", "missed", "ahead", "on_track", "behind")]
    if judged:
        n_lag = sum(1 for s in judged if s == lag)
        key = f"report.headline.ranking_{lag}" if n_lag else f"report.headline.ranking_no_{lag}"
        return t(key, d.lang, what=what, n=len(judged), k=n_lag)
    valued = ranking.dropna(subset=["actual"])
    if valued.empty:
        return what
    top = valued.loc[valued["actual"].idxmax()]
    low = valued.loc[valued["actual"].idxmin()]
    return t(
        "report.headline.ranking_range",
        d.lang,
        what=what,
        top=narrative.value_text(ind, top["actual"], d.lang),
        low=narrative.value_text(ind, low["actual"], d.lang),
    )


def bullet_headline(d: Draft, theme: str) -> str:
    inds = [i for i in indicators_of_theme(theme) if not i.quality]
    statuses = [d.results[i.id].status for i in inds]
    order = ("met", "missed") if d.quarter == 4 else ("ahead", "on_track", "behind")
    sep = "、" if d.lang == "zh" else ", "
    counts = sep.join(
        t(f"report.headline.count_{s}", d.lang, n=statuses.count(s)) for s in order if statuses.count(s)
    )
    return t("report.headline.bullet", d.lang, theme=theme_label(theme, d.lang), n=len(inds), counts=counts)


def breakdown_headline(d: Draft, what: str, pairs: list[tuple[str, float]], unit: str) -> str:
    pairs = sorted(pairs, key=lambda p: -p[1])
    total = sum(v for _, v in pairs)
    money = unit in ("元", "CNY")

    def fv(v: float) -> str:
        text = fmt.fmt_money(v, d.lang) if money else fmt.fmt_count(v, unit)
        return text.replace(" ", "").replace(",", "") if d.lang == "zh" else text

    if not pairs or total <= 0:
        return what
    top, value = pairs[0]
    return t(
        "report.headline.breakdown",
        d.lang,
        what=what,
        total=fv(total),
        top=top,
        share=fmt.fmt_rate(value / total),
    )


# ---------------------------------------------------------------- the catalogue


def _has_values(frame: pd.DataFrame) -> bool:
    return bool(len(frame)) and frame["actual"].notna().any()


def _source(d: Draft, kind: str | list[str], cumulative: bool) -> str:
    period = fmt.period_label(d.year, d.quarter, d.lang, cumulative=cumulative)
    return figures.source_line(kind, period, d.updated, d.lang)


def catalogue(
    d: Draft, trend: pd.DataFrame, history: pd.DataFrame, breakdowns: dict[str, pd.DataFrame]
) -> list[Chart]:
    """Per theme: the 完成情况 chart, then each indicator with data (trend, and its ranking for the key
    indicators), then the category breakdowns of welfare and activities. Figures are built lazily."""
    lang, year, quarter = d.lang, d.year, d.quarter
    charts: list[Chart] = []
    # the report is "as of" the quarter: later quarters of the year are not shown
    trend = trend[(trend["year"] < year) | (trend["quarter"] <= quarter)]
    period_cum = fmt.period_label(year, quarter, lang, cumulative=True)
    keep = [d.scope_name] if d.unit_id is not None else []

    def add(chart: Chart, label: str, what: str) -> None:
        name = figures.chart_filename(year, quarter, label, what)
        taken = {c.name for c in charts}
        base, n = name, 2
        while name in taken:
            name = f"{base}_{n}"
            n += 1
        chart.name = name
        charts.append(chart)

    for th in THEMES:
        work = [i for i in indicators_of_theme(th.id) if not i.quality]
        rows = as_frame(d.results, [i.id for i in work])
        judged = rows[rows["target"].notna() & (rows["status"] != "not_applicable")]
        if len(judged) and rows["actual"].notna().any():
            kinds = sorted({i.source for i in work})

            def make_bullet(rows: pd.DataFrame = rows, theme: str = th.id, kinds: list = kinds) -> go.Figure:
                return figures.bullet_figure(
                    rows, d.scope_name, year, quarter, lang, _source(d, kinds, cumulative=True), theme=theme
                )

            add(
                Chart(
                    key=f"bullet:{th.id}",
                    kind="bullet",
                    theme=th.id,
                    name="",
                    label=t(
                        "report.chart.label",
                        lang,
                        what=theme_label(th.id, lang),
                        how=t("report.chart.how_bullet", lang),
                    ),
                    caption=t(
                        "report.caption.bullet",
                        lang,
                        scope=d.scope_name,
                        period=period_cum,
                        theme=theme_label(th.id, lang),
                    ),
                    headline=bullet_headline(d, th.id),
                    sentence=narrative.theme_status_sentence(th.id, d.results, lang, quarter),
                    rows=len(judged),
                    make=make_bullet,
                ),
                theme_label(th.id, lang),
                t("report.chart.what_bullet", lang),
            )
        for ind in indicators_of_theme(th.id):
            if ind.quality:
                continue  # 数据报送率 is stated in 数据报送情况, not charted among the work
            label = indicator_label(ind, lang)
            cumulative = fmt.is_cumulative(ind)
            rows_t = trend[trend["indicator"] == ind.id]
            if not _has_values(rows_t[rows_t["year"] == year]):
                continue

            def make_trend(ind=ind, rows_t=rows_t, cumulative=cumulative) -> go.Figure:
                source = _source(d, ind.source, cumulative)
                return figures.trend_figure(ind, rows_t, d.scope_name, year, lang, source, compact=True)

            caption = t("report.caption.trend", lang, scope=d.scope_name, year=year, what=label)
            if ind.kind == "flow":
                caption += t("report.caption.year_to_date", lang)
            add(
                Chart(
                    key=f"trend:{ind.id}",
                    kind="trend",
                    theme=th.id,
                    name="",
                    label=t("report.chart.label", lang, what=label, how=t("report.chart.how_trend", lang)),
                    caption=caption,
                    headline=trend_headline(d, ind.id),
                    sentence=narrative.sentence(
                        ind, d.results[ind.id], year, quarter, lang, d.gaps.get(ind.id)
                    ),
                    indicator=ind.id,
                    rows=4,
                    make=make_trend,
                ),
                label,
                t("report.chart.what_trend", lang),
            )
            if ind.id not in RANKED:
                continue
            ranking = history[history["indicator"] == ind.id]
            if ranking["actual"].notna().sum() < 2:
                continue

            def make_ranking(limit: int | None = None, ind=ind, ranking=ranking, cumulative=cumulative):
                source = _source(d, ind.source, cumulative)
                return figures.ranking_figure(
                    ind,
                    ranking,
                    d.scope_name,
                    year,
                    quarter,
                    lang,
                    source,
                    sort="desc",
                    limit=limit,
                    keep=keep,
                )

            pairs = list(zip(ranking["unit"], ranking["actual"], ranking["status"], strict=True))
            add(
                Chart(
                    key=f"ranking:{ind.id}",
                    kind="ranking",
                    theme=th.id,
                    name="",
                    label=t("report.chart.label", lang, what=label, how=t("report.chart.how_ranking", lang)),
                    caption=t(
                        "report.caption.ranking",
                        lang,
                        scope=d.scope_name,
                        period=fmt.indicator_period_label(ind, year, quarter, lang),
                        what=label,
                    ),
                    headline=ranking_headline(d, ind.id, ranking),
                    sentence=narrative.ranking_sentence(ind, pairs, lang, quarter),
                    indicator=ind.id,
                    rows=len(ranking),
                    make=make_ranking,
                ),
                label,
                t("report.chart.what_ranking", lang),
            )
        for value_col, what_key, unit in BREAKDOWNS.get(th.id, ()):
            frame = breakdowns[th.id]
            if frame.empty or not (frame[value_col] > 0).any():
                continue
            what = t(what_key, lang)
            unit_label = unit if lang == "zh" else _UNIT_EN[unit]

            def make_breakdown(
                frame=frame, value_col=value_col, what=what, unit_label=unit_label, theme=th.id
            ):
                return figures.breakdown_figure(
                    frame, value_col, "category", what, d.scope_name, year, quarter, lang,
                    _source(d, theme, cumulative=True), unit_label=unit_label,
                )  # fmt: skip

            pairs_b = [
                (category_label(c, lang), float(v or 0))
                for c, v in zip(frame["category"], frame[value_col], strict=True)
            ]
            add(
                Chart(
                    key=f"breakdown:{th.id}:{value_col}",
                    kind="breakdown",
                    theme=th.id,
                    name="",
                    label=t("report.chart.label", lang, what=what, how=t("report.chart.how_breakdown", lang)),
                    caption=t(
                        "report.caption.breakdown", lang, scope=d.scope_name, period=period_cum, what=what
                    ),
                    headline=breakdown_headline(d, what, pairs_b, unit_label),
                    sentence=narrative.breakdown_sentence(what, pairs_b, unit_label, lang),
                    rows=len(frame),
                    make=make_breakdown,
                ),
                what,
                t("report.chart.what_breakdown", lang),
            )
    return charts
