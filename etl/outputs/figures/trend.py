"""Trend: one indicator quarter by quarter in a year, against last year, expected progress and target."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from etl.core import fmt
from etl.core.dictionary import Indicator
from etl.core.i18n import indicator_label, quarter_name, status_label, t
from etl.outputs.figures.inputs import column, indicator, status
from etl.outputs.figures.parts import (
    base_layout,
    coverage_text,
    has_coverage,
    is_records,
    status_marker,
    status_span,
    target_across_quarters,
    title_text,
)
from etl.outputs.figures.style import (
    EXPECTED_LINE,
    INCOMPLETE,
    NEUTRAL,
    NO_STATUS,
    PREVIOUS,
    STATUS_COLORS,
    STATUS_ORDER,
    STATUS_SYMBOLS,
    TEXT,
    axis_unit_title,
    escape,
    lang_code,
    scale_for,
    scaled,
)


@dataclass
class _Trend:
    """What the trend figure draws, read from the frame once."""

    ind: Indicator
    year: int
    lang: str
    prev: pd.DataFrame
    quarters: list[int]  # the quarters of `year` with a row
    actual: list[float | None]
    prev_actual: list[float | None]
    target: float | None
    expected: dict[int, float]  # quarter -> expected progress
    show_expected: bool
    statuses: list[str | None]
    has_status: bool
    incomplete: dict[int, str]  # quarter -> coverage, where units did not report
    divisor: float
    axis_unit: str
    cats: list[str]  # 'Q1'..'Q4'

    @property
    def every(self) -> list[float | None]:
        return self.actual + self.prev_actual + [self.target] + list(self.expected.values())

    @property
    def actual_name(self) -> str:
        return t("fig.actual", self.lang, year=self.year)


def _expected_by_quarter(
    ind: Indicator, cur: pd.DataFrame, quarters: list[int], target: float | None
) -> dict:
    """The expected progress of each quarter; a flow's missing quarters get target × Q / 4."""
    expected = {q: e for q, e in zip(quarters, column(cur, "expected"), strict=True) if e is not None}
    if ind.kind == "flow" and target is not None:
        for q in range(1, max(quarters, default=0) + 1):  # nothing later than the chosen quarter
            expected.setdefault(q, target * q / 4)
    return expected


def _incomplete_quarters(cur: pd.DataFrame, records: bool, lang: str) -> dict[int, str]:
    """Quarter -> '29/31 个单位报送' for the quarters whose figure leaves out units that did not report."""
    if not has_coverage(cur):
        return {}
    out = {}
    for q, rep, exp in zip(cur["quarter"], cur["reported"], cur["expected_units"], strict=True):
        cov = coverage_text(rep, exp, lang, records)
        if cov:
            out[int(q)] = cov
    return out


def _read(ind: Indicator, trend: pd.DataFrame, year: int, lang: str) -> _Trend:
    df = trend.copy()
    df["year"] = pd.to_numeric(df["year"], errors="coerce")
    df["quarter"] = pd.to_numeric(df["quarter"], errors="coerce")
    cur = df[df["year"] == year].sort_values("quarter")
    prev = df[df["year"] == year - 1].sort_values("quarter")
    actual = column(cur, "actual")
    targets = [v for v in column(cur, "target") if v is not None]
    target = targets[-1] if targets else None
    quarters = [int(q) for q in cur["quarter"]]
    expected = _expected_by_quarter(ind, cur, quarters, target)
    show_expected = (
        ind.measure != "rate"
        and bool(expected)
        and not (target is not None and all(abs(v - target) < 1e-9 for v in expected.values()))
    )
    has_status = "status" in cur.columns
    prev_actual = column(prev, "actual")
    every = actual + prev_actual + [target] + list(expected.values())
    divisor, axis_unit = scale_for(ind.measure, every, lang, fmt.unit_of(ind, lang))
    return _Trend(
        ind=ind,
        year=year,
        lang=lang,
        prev=prev,
        quarters=quarters,
        actual=actual,
        prev_actual=prev_actual,
        target=target,
        expected=expected,
        show_expected=show_expected,
        statuses=[status(s) for s in cur["status"]] if has_status else [None] * len(cur),
        has_status=has_status,
        incomplete=_incomplete_quarters(cur, records=is_records(ind), lang=lang),
        divisor=divisor,
        axis_unit=axis_unit,
        cats=[quarter_name(q, lang, short=True) for q in range(1, 5)],
    )


def _previous_year(fig: go.Figure, d: _Trend) -> None:
    """Last year, light and dotted."""
    if not (len(d.prev) and any(v is not None for v in d.prev_actual)):
        return
    fig.add_trace(
        go.Scatter(
            x=[d.cats[int(q) - 1] for q in d.prev["quarter"]],
            y=[scaled(v, d.divisor) for v in d.prev_actual],
            mode="lines+markers",
            name=t("fig.previous_year", d.lang, year=d.year - 1),
            line=dict(color=PREVIOUS, width=2, dash="dot"),
            marker=dict(symbol="circle-open", size=8, color=PREVIOUS),
            customdata=[fmt.fmt_value(d.ind, v, d.lang) for v in d.prev_actual],
            hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
        )
    )


def _status_text(s: str | None, lang: str) -> str:
    return "" if not s or s in NO_STATUS else status_span(s, lang)


def _quarter_label(d: _Trend, q: int, compact: bool) -> str:
    """The text under a quarter: its name, value, status, expected progress and coverage."""
    ind, lang = d.ind, d.lang
    status_of = dict(zip(d.quarters, d.statuses, strict=True))
    value_of = dict(zip(d.quarters, d.actual, strict=True))
    lines = [d.cats[q - 1]]
    if ind.measure == "rate":
        st = _status_text(status_of.get(q), lang)
        if st:
            lines.append(f"<span style='font-size:12px'>{st}</span>")
    else:
        if q in value_of:
            v = value_of[q]
            val = fmt.fmt_value(ind, v, lang) if v is not None else t("fig.no_data", lang)
            lines.append(f"<span style='font-size:12px'><b>{val}</b></span>")
            st = _status_text(status_of.get(q), lang)
            if st or d.has_status:
                lines.append(f"<span style='font-size:12px'>{st or ' '}</span>")
        else:
            lines.extend([" "] * (2 if d.has_status else 1))
        if d.show_expected and q in d.expected and not compact:
            exp = t("fig.expected_short", lang, value=fmt.fmt_value(ind, d.expected[q], lang))
            lines.append(f"<span style='font-size:11px;color:{EXPECTED_LINE}'>{exp}</span>")
    if d.incomplete and not compact:
        cov = escape(d.incomplete.get(q, " "))
        lines.append(f"<span style='font-size:11px;color:{INCOMPLETE}'>{cov}</span>")
    return "<br>".join(lines)


def _hover(d: _Trend) -> list[str]:
    return [
        fmt.fmt_value(d.ind, v, d.lang) + (f" · {status_label(s, d.lang)}" if s else "")
        for v, s in zip(d.actual, d.statuses, strict=True)
    ]


def _rate_line(fig: go.Figure, d: _Trend) -> None:
    """A rate: a line with a status-coloured, status-shaped marker per quarter."""
    fig.add_trace(
        go.Scatter(
            x=[d.cats[q - 1] for q in d.quarters],
            y=[scaled(v, d.divisor) for v in d.actual],
            mode="lines+markers+text",
            name=d.actual_name,
            text=[fmt.fmt_value(d.ind, v, d.lang) if v is not None else "" for v in d.actual],
            textposition="top center",
            textfont=dict(size=12, color=TEXT),
            cliponaxis=False,
            line=dict(color=NEUTRAL, width=3),
            marker=dict(
                size=11,
                color=[STATUS_COLORS[s] if s else NEUTRAL for s in d.statuses],
                symbol=[STATUS_SYMBOLS[s] if s else "circle" for s in d.statuses],
                line=dict(color="white", width=1),
            ),
            customdata=_hover(d),
            hovertemplate="%{x}: %{customdata}<extra></extra>",
        )
    )


def _amount_bars(fig: go.Figure, d: _Trend) -> None:
    """An amount: a bar per quarter, coloured and patterned by status (one trace per status)."""
    hover = _hover(d)
    groups: dict[str | None, list[int]] = {}
    for i, s in enumerate(d.statuses):
        groups.setdefault(s, []).append(i)
    for s, idx in sorted(groups.items(), key=lambda kv: STATUS_ORDER.index(kv[0]) if kv[0] else 0):
        fig.add_trace(
            go.Bar(
                x=[d.cats[d.quarters[i] - 1] for i in idx],
                y=[scaled(d.actual[i], d.divisor) for i in idx],
                name=d.actual_name + (f" · {status_label(s, d.lang)}" if s else ""),
                showlegend=not d.has_status,
                marker=status_marker(s, size=8, solidity=0.25),
                width=0.55,
                customdata=[hover[i] for i in idx],
                hovertemplate="%{x}: %{customdata}<extra></extra>",
            )
        )
    if d.has_status and groups:
        # status is written under each bar; the legend only says what the bars are
        fig.add_trace(
            go.Bar(
                x=[None],
                y=[None],
                name=d.actual_name,
                marker=dict(color=NEUTRAL),
                showlegend=True,
                hoverinfo="skip",
            )
        )


def _expected_line(fig: go.Figure, d: _Trend) -> None:
    qs = sorted(d.expected)
    ev = [d.expected[q] for q in qs]
    fig.add_trace(
        go.Scatter(
            x=[d.cats[q - 1] for q in qs],
            y=[scaled(v, d.divisor) for v in ev],
            mode="lines+markers",
            name=t("fig.expected", d.lang),
            line=dict(color=EXPECTED_LINE, width=2, dash="dash"),
            marker=dict(symbol="diamond", size=9, color=EXPECTED_LINE),
            customdata=[fmt.fmt_value(d.ind, v, d.lang) for v in ev],
            hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
        )
    )


def _y_range(d: _Trend) -> list[float]:
    """From 0 for amounts; a readable window for rates (not past 100% without need)."""
    vals = [v for v in (scaled(x, d.divisor) for x in d.every) if v is not None]
    if d.ind.measure == "rate":
        vmin, vmax = min(vals, default=0), max(vals, default=100)
        lo = max(0.0, math.floor((vmin - 6) / 5) * 5)
        hi = vmax + 4 if vmax > 97 else min(100.0, vmax + 5)
        return [lo, hi]
    hi = max(vals, default=1) or 1
    return [0, hi * 1.08]


def _target(fig: go.Figure, d: _Trend) -> None:
    if d.target is None:
        return
    value = fmt.fmt_value(d.ind, d.target, d.lang)
    target_across_quarters(
        fig,
        d.target / d.divisor,
        name=t("fig.target_value", d.lang, value=value),
        label=t("fig.target", d.lang) + "<br>" + value,
    )


def _subtitle(d: _Trend) -> str:
    """'截至2025年3季度 · 累计值' (cumulative or point-in-time, as of the last quarter with data)."""
    last_with_data = [q for q, v in zip(d.quarters, d.actual, strict=True) if v is not None]
    sub = t("fig.subtitle_cumulative" if fmt.is_cumulative(d.ind) else "fig.subtitle_snapshot", d.lang)
    if last_with_data:
        period = fmt.period_label(d.year, max(last_with_data), d.lang)
        return t("fig.subtitle_as_of", d.lang, period=period, note=sub)
    return sub[:1].upper() + sub[1:]


def _notes(d: _Trend) -> list[str]:
    if not d.incomplete:
        return []
    sep = "；" if d.lang == "zh" else "; "
    items = sep.join(
        f"{quarter_name(q, d.lang, short=True)}{'' if d.lang == 'zh' else ': '}{v}"
        for q, v in d.incomplete.items()
    )
    return [t("fig.note_incomplete", d.lang, items=items)]


def trend_figure(
    ind: Indicator | str,
    trend: pd.DataFrame,
    scope_name: str,
    year: int,
    lang: str = "zh",
    source: str = "",
    compact: bool = False,
) -> go.Figure:
    """Quarterly progress of one indicator in `year`, with last year, expected progress and target.

    trend: columns year, quarter, actual, target, expected (+ optional status), one row per
    quarter; rows of year-1 are drawn as a light comparison line. Values are the
    indicator's values at each quarter (cumulative for flows). For a flow, quarters
    without a row get an expected value of target × Q / 4.

    compact=True (a half page of a printed report): under each quarter only its value and status,
    no axis title; the expected progress is the dashed line, the coverage stays in the note.
    """
    lang = lang_code(lang)
    d = _read(indicator(ind), trend, int(year), lang)
    fig = go.Figure()
    _previous_year(fig, d)
    # Values and status are written under each quarter on the axis, so they never collide
    # with the bars, the expected line or the target line.
    ticktext = [_quarter_label(d, q, compact) for q in range(1, 5)]
    n_lines = max(text.count("<br>") + 1 for text in ticktext)
    if d.ind.measure == "rate":
        _rate_line(fig, d)
    else:
        _amount_bars(fig, d)
    if d.show_expected:
        _expected_line(fig, d)
    _target(fig, d)
    name = indicator_label(d.ind, lang)
    base_layout(
        fig,
        title=title_text("fig.title_trend", scope_name, lang, year=d.year, what=name),
        subtitle=_subtitle(d),
        source=source,
        notes=_notes(d),
        lang=lang,
        height=340,
        margin_l=80,
        margin_r=120,
        axis_space=(16 if compact else 36) + 17 * n_lines,
    )
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=d.cats,
        range=[-0.5, 3.5],
        tickmode="array",
        tickvals=d.cats,
        ticktext=ticktext,
        tickangle=0,
        title=dict(text="" if compact else t("fig.axis_quarter", lang)),
        showgrid=False,
    )
    fig.update_yaxes(
        range=_y_range(d), title=dict(text=axis_unit_title(name, d.axis_unit, lang)), tickformat=",~f"
    )
    fig.update_layout(barmode="overlay")
    return fig
