"""Plotly figures that look finished when pasted into a Word report.

Every figure has: a title saying what, where and when; axis titles with units; the
annual target / expected progress drawn and labelled; a source line at the bottom left;
a CJK font stack; a white background; status shown by colour AND text AND pattern or
marker shape (so it survives greyscale printing). No streamlit import here.

Text that comes from the data (unit names, scope name, categories, source line) is
HTML-escaped before it reaches plotly, which would otherwise interpret tags in it.
"""

from __future__ import annotations

import contextlib
import html
import logging
import math
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import pandas as pd
import plotly.graph_objects as go

from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID, KINDS, Indicator
from etl.core.i18n import category_label, indicator_label, quarter_name, status_label, t, theme_label

FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"

SIZE_SLIDE = (1280, 720)
SIZE_A4 = (1000, 620)

STATUS_COLORS = {
    "ahead": "#2E7D32",  # green
    "on_track": "#1F5FAD",  # blue
    "behind": "#D9480F",  # orange-red
    "met": "#2E7D32",  # year end: green like 超前
    "missed": "#D9480F",  # year end: orange-red like 滞后
    "no_target": "#7A9CCF",  # light blue: a value without a target (no status to show)
    "no_data": "#BDBDBD",
    "not_applicable": "#BDBDBD",
}
# Bar fill patterns (overlaid on the colour) and marker shapes per status: greyscale-safe.
STATUS_PATTERNS = {
    "ahead": "/",
    "on_track": "",
    "behind": "x",
    "met": "/",
    "missed": "x",
    "no_target": "",
    "no_data": "",
    "not_applicable": "",
}
STATUS_SYMBOLS = {
    "ahead": "triangle-up",
    "on_track": "circle",
    "behind": "triangle-down",
    "met": "triangle-up",
    "missed": "triangle-down",
    "no_target": "square",
    "no_data": "circle-open",
    "not_applicable": "x-thin-open",
}
STATUS_ORDER = ("behind", "missed", "on_track", "ahead", "met", "no_target", "no_data", "not_applicable")
INCOMPLETE = "#B26A00"  # amber: a figure that leaves out units that did not report

NEUTRAL = "#1F5FAD"
PREVIOUS = "#9E9E9E"
TARGET_LINE = "#333333"
EXPECTED_LINE = "#6A3D9A"
TEXT = "#222222"
MUTED = "#666666"
GRID = "#E6E6E6"

_TITLE_SIZE = 18
_FONT_SIZE = 13
_FOOT_SIZE = 11
MIN_FONT_PX = (
    11  # the smallest text the builders write (notes, source line, small labels): print scales from it
)
_FOOT_LINE = 16
_AXIS_SPACE = 58  # px under the plot area for x tick labels + x axis title
_MAX_LABEL_CHARS = 24  # unit names longer than this are shortened on the axis (full in hover)
_FOOTER = "footer"  # name of the notes + source annotation (for_print lays it out again)


# ---------------------------------------------------------------- small helpers


def escape(text: Any) -> str:
    """Make data text display literally in plotly (no tags, no entities)."""
    if text is None:
        return ""
    return html.escape(str(text), quote=False)


def _num(x: Any) -> float | None:
    return fmt.to_number(x)


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def _text_width(text: str, size: float) -> float:
    """Rough rendered width in px (CJK/full-width = 1 em, others ~0.6 em)."""
    w = 0.0
    for ch in html.unescape(re.sub(r"<[^>]*>", "", text)):
        w += size if ord(ch) >= 0x2E80 else size * 0.6
    return w


def _shorten(name: str, limit: int = _MAX_LABEL_CHARS) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _wrap(text: str, max_px: float = 620, size: float = _FOOT_SIZE) -> list[str]:
    """Split a (source) line after ；/; so that no line is much wider than max_px."""
    parts = re.split(r"(?<=[；;])", text)
    lines: list[str] = []
    cur = ""
    for part in parts:
        if not part:
            continue
        if cur and _text_width(cur + part, size) > max_px:
            lines.append(cur.rstrip())
            cur = part.lstrip()
        else:
            cur += part
    if cur:
        lines.append(cur.rstrip())
    return lines or [""]


def _fit_title(title: str, max_px: float = 600) -> str:
    """Break a long title once, after the scope name, so it is not clipped in narrow layouts."""
    if "<br>" in title or _text_width(title, _TITLE_SIZE) <= max_px:
        return title
    for sep in (" · ", " "):
        if sep in title:
            head, tail = title.split(sep, 1)
            return f"{head}<br>{tail}"
    return title


def _scale_for(ind_measure: str, values: Sequence[float | None], lang: str, unit: str) -> tuple[float, str]:
    """(divisor, unit label) for an axis: rates in %, money in 元/万元/亿元, counts as is."""
    if ind_measure == "rate":
        return 0.01, "%"
    if ind_measure == "money":
        vals = [abs(v) for v in values if v is not None]
        top = max(vals) if vals else 0.0
        if _lang(lang) == "zh":
            if top >= 1e8:
                return 1e8, "亿元"
            if top >= 1e5:
                return 1e4, "万元"
            return 1.0, "元"
        if top >= 1e8:
            return 1e6, "million CNY"
        if top >= 1e5:
            return 1e3, "thousand CNY"
        return 1.0, "CNY"
    return 1.0, unit


def _scaled(v: float | None, divisor: float) -> float | None:
    return None if v is None else v / divisor


def _ind(ind: Indicator | str) -> Indicator:
    return INDICATOR_BY_ID[ind] if isinstance(ind, str) else ind


def _status(s: Any) -> str:
    s = None if s is None or (isinstance(s, float) and math.isnan(s)) or s is pd.NA else str(s)
    return s if s in STATUS_COLORS else "no_data"


def _col(df: pd.DataFrame, name: str) -> list[float | None]:
    if name not in df.columns:
        return [None] * len(df)
    return [_num(v) for v in df[name].tolist()]


def _axis_unit_title(what: str, unit: str, lang: str) -> str:
    return t("fig.axis_with_unit", lang, what=what, unit=unit) if unit else what


def source_line(kind: str | Sequence[str], period: str, updated: str, lang: str = "zh") -> str:
    """'数据来源：各单位报送的会员发展统计表；统计期：2025年1-3季度；数据更新：2025-11-20'.

    kind is a spreadsheet kind id (or several); updated is a date string from the load log.
    """
    kinds = [kind] if isinstance(kind, str) else list(kind)
    sep = "、" if _lang(lang) == "zh" else ", "
    names = sep.join((KINDS[k].en if _lang(lang) == "en" else KINDS[k].zh) for k in kinds)
    src = t("fig.source_reports", lang, kind=names)
    return t("fig.source", lang, source=src, period=period, updated=updated or "—")


def _base_layout(
    fig: go.Figure,
    *,
    title: str,
    subtitle: str | None,
    source: str,
    notes: Sequence[str],
    lang: str,
    height: int,
    margin_l: int,
    margin_r: int,
    show_legend: bool | None = None,
    axis_space: int = _AXIS_SPACE,
) -> go.Figure:
    """Title, fonts, margins, white background, legend and the footer (notes + source)."""
    foot_parts = [escape(note) for note in notes] + ([escape(source)] if source else [])
    foot_lines = [line for part in foot_parts for line in _wrap(part)]
    foot_h = _FOOT_LINE * len(foot_lines) + 12
    names = [tr.name for tr in fig.data if tr.showlegend is not False and tr.name]
    names += [sh.name for sh in fig.layout.shapes if sh.showlegend and sh.name]
    if show_legend is None:
        show_legend = bool(names)
    legend_h = 24 * _legend_rows(names) + 6 if show_legend else 0
    title = _fit_title(title)
    title_h = 26 * (title.count("<br>") + 1)
    top = 16 + 12 * title.count("<br>") + title_h + (22 if subtitle else 0) + legend_h + 18
    bottom = axis_space + foot_h
    # what for_print needs to lay the figure out again for a page or a slide
    meta = {"print": {"foot": foot_parts, "axis_space": axis_space, "legend": names if show_legend else []}}
    fig.update_layout(
        template="plotly_white",
        title=dict(
            text=title,
            x=0.012,
            xanchor="left",
            xref="container",
            y=1,
            yanchor="top",
            yref="container",
            pad=dict(t=16 + 12 * title.count("<br>")),
            font=dict(size=_TITLE_SIZE, color=TEXT, family=FONT_FAMILY),
            subtitle=dict(text=subtitle or "", font=dict(size=12, color=MUTED, family=FONT_FAMILY)),
        ),
        font=dict(family=FONT_FAMILY, size=_FONT_SIZE, color=TEXT),
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height + top + bottom,
        margin=dict(l=margin_l, r=margin_r, t=top, b=bottom, autoexpand=True),
        showlegend=show_legend,
        legend=dict(
            orientation="h",
            x=0,
            xanchor="left",
            y=1,
            yanchor="bottom",
            yref="paper",
            font=dict(size=12),
            bgcolor="rgba(255,255,255,0)",
            traceorder="normal",
            entrywidth=0,
            itemsizing="constant",
        ),
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=12)),
        separators=".,",
        bargap=0.3,
        meta=meta,
    )
    if foot_lines:
        fig.add_annotation(
            name=_FOOTER,
            text="<br>".join(foot_lines),
            showarrow=False,
            align="left",
            xref="paper",
            x=0,
            xanchor="left",
            xshift=-margin_l + 12,
            yref="paper",
            y=0,
            yanchor="top",
            yshift=-axis_space,
            font=dict(size=_FOOT_SIZE, color=MUTED, family=FONT_FAMILY),
        )
    fig.update_xaxes(
        showline=True,
        linecolor="#999999",
        gridcolor=GRID,
        zeroline=False,
        ticks="outside",
        tickcolor="#999999",
        automargin=True,
        tickangle=0,  # rotated numbers run into the axis title on narrow charts
        nticks=8,
        title=dict(font=dict(size=13)),
    )
    fig.update_yaxes(
        showline=True,
        linecolor="#999999",
        gridcolor=GRID,
        zeroline=False,
        automargin=True,
        title=dict(font=dict(size=13)),
    )
    return fig


def _legend_rows(names: Sequence[str], avail: float = 420) -> int:
    """Rows a horizontal legend needs when the plot area is narrow (half a page, ~420 px).

    Plotly wraps a legend that does not fit into a grid whose columns are as wide as the
    widest entry, so a long legend takes more rows than its total width suggests.
    """
    widths = [_text_width(n, 12) + 48 for n in names]
    if not widths or sum(widths) <= avail:
        return 1
    cols = max(1, int(avail // max(widths)))
    return math.ceil(len(widths) / cols)


def _status_marker(status: str, color: str, size: int) -> dict:
    """A bar fill that keeps status readable in greyscale: colour plus the status's pattern."""
    return dict(
        color=color,
        line=dict(color=color, width=1),
        pattern=dict(
            shape=STATUS_PATTERNS[status], fillmode="overlay", fgcolor="white", size=size, solidity=0.3
        ),
    )


def _label_margin(labels: Sequence[str], size: float = 12, minimum: int = 80) -> int:
    widest = max((_text_width(s, size) for s in labels), default=0)
    return int(max(minimum, widest + 30))


# ---------------------------------------------------------------- trend


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
    ind = _ind(ind)
    lang = _lang(lang)
    df = trend.copy()
    df["year"] = pd.to_numeric(df["year"], errors="coerce")
    df["quarter"] = pd.to_numeric(df["quarter"], errors="coerce")
    cur = df[df["year"] == int(year)].sort_values("quarter")
    prev = df[df["year"] == int(year) - 1].sort_values("quarter")

    actual = _col(cur, "actual")
    targets = [v for v in _col(cur, "target") if v is not None]
    target = targets[-1] if targets else None
    prev_actual = _col(prev, "actual")
    q_cur = [int(q) for q in cur["quarter"]]

    expected_by_q: dict[int, float] = {}
    for q, e in zip(q_cur, _col(cur, "expected"), strict=True):
        if e is not None:
            expected_by_q[q] = e
    if ind.kind == "flow" and target is not None:
        for q in range(1, max(q_cur, default=0) + 1):  # nothing later than the chosen quarter
            expected_by_q.setdefault(q, target * q / 4)
    show_expected = (
        ind.measure != "rate"
        and bool(expected_by_q)
        and not (target is not None and all(abs(v - target) < 1e-9 for v in expected_by_q.values()))
    )

    unit = fmt.unit_of(ind, lang)
    every = actual + prev_actual + [target] + list(expected_by_q.values())
    divisor, axis_unit = _scale_for(ind.measure, every, lang, unit)
    cats = [quarter_name(q, lang, short=True) for q in range(1, 5)]
    name = indicator_label(ind, lang)

    fig = go.Figure()
    # previous year, light and dotted
    if len(prev) and any(v is not None for v in prev_actual):
        fig.add_trace(
            go.Scatter(
                x=[cats[int(q) - 1] for q in prev["quarter"]],
                y=[_scaled(v, divisor) for v in prev_actual],
                mode="lines+markers",
                name=t("fig.previous_year", lang, year=int(year) - 1),
                line=dict(color=PREVIOUS, width=2, dash="dot"),
                marker=dict(symbol="circle-open", size=8, color=PREVIOUS),
                customdata=[fmt.fmt_value(ind, v, lang) for v in prev_actual],
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )

    has_status = "status" in cur.columns
    statuses = [_status(s) for s in cur["status"]] if has_status else [None] * len(cur)
    status_of_q = dict(zip(q_cur, statuses, strict=True))
    value_of_q = dict(zip(q_cur, actual, strict=True))
    actual_name = t("fig.actual", lang, year=int(year))

    def status_text(s: str | None) -> str:
        if not s or s in ("no_target", "no_data", "not_applicable"):
            return ""
        return f"<span style='color:{STATUS_COLORS[s]}'>{status_label(s, lang)}</span>"

    incomplete = _incomplete_quarters(cur, records=ind.source in ("welfare", "activities"), lang=lang)

    # Values and status are written under each quarter on the axis, so they never collide
    # with the bars, the expected line or the target line.
    ticktext = []
    for q in range(1, 5):
        lines = [cats[q - 1]]
        if ind.measure == "rate":
            st = status_text(status_of_q.get(q))
            if st:
                lines.append(f"<span style='font-size:12px'>{st}</span>")
        else:
            if q in value_of_q:
                v = value_of_q[q]
                val = fmt.fmt_value(ind, v, lang) if v is not None else t("fig.no_data", lang)
                lines.append(f"<span style='font-size:12px'><b>{val}</b></span>")
                st = status_text(status_of_q.get(q))
                if st or has_status:
                    lines.append(f"<span style='font-size:12px'>{st or ' '}</span>")
            else:
                lines.extend([" "] * (2 if has_status else 1))
            if show_expected and q in expected_by_q and not compact:
                exp = t("fig.expected_short", lang, value=fmt.fmt_value(ind, expected_by_q[q], lang))
                lines.append(f"<span style='font-size:11px;color:{EXPECTED_LINE}'>{exp}</span>")
        if incomplete and not compact:
            cov = escape(incomplete.get(q, " "))
            lines.append(f"<span style='font-size:11px;color:{INCOMPLETE}'>{cov}</span>")
        ticktext.append("<br>".join(lines))
    n_lines = max(t_.count("<br>") + 1 for t_ in ticktext)

    hover = [
        fmt.fmt_value(ind, v, lang) + (f" · {status_label(s, lang)}" if s else "")
        for v, s in zip(actual, statuses, strict=True)
    ]
    if ind.measure == "rate":
        fig.add_trace(
            go.Scatter(
                x=[cats[q - 1] for q in q_cur],
                y=[_scaled(v, divisor) for v in actual],
                mode="lines+markers+text",
                name=actual_name,
                text=[fmt.fmt_value(ind, v, lang) if v is not None else "" for v in actual],
                textposition="top center",
                textfont=dict(size=12, color=TEXT),
                cliponaxis=False,
                line=dict(color=NEUTRAL, width=3),
                marker=dict(
                    size=11,
                    color=[STATUS_COLORS[s] if s else NEUTRAL for s in statuses],
                    symbol=[STATUS_SYMBOLS[s] if s else "circle" for s in statuses],
                    line=dict(color="white", width=1),
                ),
                customdata=hover,
                hovertemplate="%{x}: %{customdata}<extra></extra>",
            )
        )
    else:
        groups: dict[str | None, list[int]] = {}
        for i, s in enumerate(statuses):
            groups.setdefault(s, []).append(i)
        for s, idx in sorted(groups.items(), key=lambda kv: STATUS_ORDER.index(kv[0]) if kv[0] else 0):
            color = STATUS_COLORS[s] if s else NEUTRAL
            fig.add_trace(
                go.Bar(
                    x=[cats[q_cur[i] - 1] for i in idx],
                    y=[_scaled(actual[i], divisor) for i in idx],
                    name=actual_name + (f" · {status_label(s, lang)}" if s else ""),
                    showlegend=not has_status,
                    marker=dict(
                        color=color,
                        line=dict(color=color, width=1),
                        pattern=dict(
                            shape=STATUS_PATTERNS[s] if s else "",
                            fillmode="overlay",
                            fgcolor="white",
                            size=8,
                            solidity=0.25,
                        ),
                    ),
                    width=0.55,
                    customdata=[hover[i] for i in idx],
                    hovertemplate="%{x}: %{customdata}<extra></extra>",
                )
            )

        if has_status and groups:
            # status is written under each bar; the legend only says what the bars are
            fig.add_trace(
                go.Bar(
                    x=[None],
                    y=[None],
                    name=actual_name,
                    marker=dict(color=NEUTRAL),
                    showlegend=True,
                    hoverinfo="skip",
                )
            )

    if show_expected:
        qs = sorted(expected_by_q)
        ev = [expected_by_q[q] for q in qs]
        fig.add_trace(
            go.Scatter(
                x=[cats[q - 1] for q in qs],
                y=[_scaled(v, divisor) for v in ev],
                mode="lines+markers",
                name=t("fig.expected", lang),
                line=dict(color=EXPECTED_LINE, width=2, dash="dash"),
                marker=dict(symbol="diamond", size=9, color=EXPECTED_LINE),
                customdata=[fmt.fmt_value(ind, v, lang) for v in ev],
                hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
            )
        )

    # y range: from 0 for amounts, a readable window for rates (not past 100% without need)
    vals = [v for v in (_scaled(x, divisor) for x in every) if v is not None]
    if ind.measure == "rate":
        vmin, vmax = min(vals, default=0), max(vals, default=100)
        lo = max(0.0, math.floor((vmin - 6) / 5) * 5)
        hi = vmax + 4 if vmax > 97 else min(100.0, vmax + 5)
        yrange = [lo, hi]
    else:
        hi = max(vals, default=1) or 1
        yrange = [0, hi * 1.08]

    if target is not None:
        ty = target / divisor
        label = t("fig.target_value", lang, value=fmt.fmt_value(ind, target, lang))
        fig.add_shape(
            type="line",
            xref="paper",
            x0=0,
            x1=1,
            yref="y",
            y0=ty,
            y1=ty,
            line=dict(color=TARGET_LINE, width=2, dash="longdash"),
            name=label,
            showlegend=True,
        )
        fig.add_annotation(
            text=t("fig.target", lang) + "<br>" + fmt.fmt_value(ind, target, lang),
            xref="paper",
            x=1,
            xanchor="left",
            xshift=6,
            yref="y",
            y=ty,
            yanchor="middle",
            showarrow=False,
            align="left",
            font=dict(size=12, color=TARGET_LINE),
        )

    last_with_data = [q for q, v in zip(q_cur, actual, strict=True) if v is not None]
    sub = t("fig.subtitle_cumulative" if fmt.is_cumulative(ind) else "fig.subtitle_snapshot", lang)
    if last_with_data:
        sub = t(
            "fig.subtitle_as_of", lang, period=fmt.period_label(year, max(last_with_data), lang), note=sub
        )
    else:
        sub = sub[:1].upper() + sub[1:]
    title = t("fig.title_trend", lang, scope=escape(scope_name), year=int(year), what=name)
    axis_space = (16 if compact else 36) + 17 * n_lines
    notes = []
    if incomplete:
        sep = "；" if lang == "zh" else "; "
        items = sep.join(
            f"{quarter_name(q, lang, short=True)}{'' if lang == 'zh' else ': '}{v}"
            for q, v in incomplete.items()
        )
        notes.append(t("fig.note_incomplete", lang, items=items))
    _base_layout(
        fig,
        title=title,
        subtitle=sub,
        source=source,
        notes=notes,
        lang=lang,
        height=340,
        margin_l=80,
        margin_r=120,
        axis_space=axis_space,
    )
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=cats,
        range=[-0.5, 3.5],
        tickmode="array",
        tickvals=cats,
        ticktext=ticktext,
        tickangle=0,
        title=dict(text="" if compact else t("fig.axis_quarter", lang)),
        showgrid=False,
    )
    fig.update_yaxes(range=yrange, title=dict(text=_axis_unit_title(name, axis_unit, lang)), tickformat=",~f")
    fig.update_layout(barmode="overlay")
    return fig


def _coverage_notes(rows: pd.DataFrame, kept: list[int], inds: list[Indicator], lang: str) -> list[str]:
    """'注：入会率、会员人数：29/31 个单位报送，未计入未报送的单位' for the bars that leave units out."""
    if not {"reported", "expected_units"} <= set(rows.columns):
        return []
    groups: dict[str, list[str]] = {}
    for i in kept:
        rep, exp = _num(rows["reported"].iloc[i]), _num(rows["expected_units"].iloc[i])
        if rep is not None and exp and rep < exp:
            records = inds[i].source in ("welfare", "activities")
            groups.setdefault(fmt.fmt_coverage(int(rep), int(exp), lang, records), []).append(
                indicator_label(inds[i], lang)
            )
    sep = "、" if lang == "zh" else ", "
    return [
        t("fig.note_coverage", lang, names=sep.join(names), coverage=cov) for cov, names in groups.items()
    ]


def _incomplete_quarters(cur: pd.DataFrame, records: bool, lang: str) -> dict[int, str]:
    """Quarter -> '29/31 个单位报送' for the quarters whose figure leaves out units that did not report."""
    if not {"reported", "expected_units"} <= set(cur.columns):
        return {}
    out = {}
    for q, rep, exp in zip(cur["quarter"], cur["reported"], cur["expected_units"], strict=True):
        r, e = _num(rep), _num(exp)
        if r is not None and e and r < e:
            out[int(q)] = fmt.fmt_coverage(int(r), int(e), lang, records)
    return out


# ---------------------------------------------------------------- value column


def _status_span(s: str, lang: str) -> str:
    return f"<span style='color:{STATUS_COLORS[s]}'>{status_label(s, lang)}</span>"


def _value_column(fig: go.Figure, texts: Sequence[str], size: int = 12) -> int:
    """Write one text per category row in the right margin (row i = category i).

    A column never collides with bars, target lines or markers. Returns the px width needed.
    """
    column = [
        dict(
            text=text,
            xref="paper",
            x=1,
            xanchor="left",
            xshift=10,
            yref="y",
            y=i,
            yanchor="middle",
            showarrow=False,
            align="left",
            font=dict(size=size, color=TEXT),
        )
        for i, text in enumerate(texts)
    ]
    # one assignment: add_annotation per row copies the whole list each time (quadratic)
    fig.update_layout(annotations=list(fig.layout.annotations) + column)
    return int(max((_text_width(x, size) for x in texts), default=0) + 30)


# ---------------------------------------------------------------- bullet (theme overview)


def bullet_figure(
    rows: pd.DataFrame,
    scope_name: str,
    year: int,
    quarter: int,
    lang: str = "zh",
    source: str = "",
    theme: str | None = None,
) -> go.Figure:
    """完成率 of the indicators of one theme: a bar per indicator, expected-progress marker, 100% line.

    rows: indicator_id, actual, target, expected, achievement, status (one row per indicator,
    drawn top to bottom in the given order). achievement is actual / annual target as a
    fraction (computed here if missing). Indicators without a target are omitted and named in
    a footnote.
    """
    lang = _lang(lang)
    ids = [str(i) for i in rows["indicator_id"]]
    inds = [INDICATOR_BY_ID[i] for i in ids]
    theme = theme or (inds[0].theme if inds else "organisation")
    actual, target = _col(rows, "actual"), _col(rows, "target")
    expected, achievement = _col(rows, "expected"), _col(rows, "achievement")
    statuses = [_status(s) for s in rows["status"]] if "status" in rows.columns else ["no_data"] * len(rows)

    kept, omitted, not_applicable = [], [], []
    for i, ind in enumerate(inds):
        if statuses[i] == "not_applicable":
            not_applicable.append(indicator_label(ind, lang))
        elif target[i] is None or target[i] == 0:
            omitted.append(indicator_label(ind, lang))
        else:
            kept.append(i)
            if actual[i] is None and achievement[i] is None:
                statuses[i] = "no_data"

    labels, details = [], []
    for i in kept:
        ind = inds[i]
        detail = t(
            "fig.actual_of_target",
            lang,
            actual=fmt.fmt_value(ind, actual[i], lang),
            target=fmt.fmt_value(ind, target[i], lang),
        )
        details.append(detail)
        labels.append(
            f"{indicator_label(ind, lang)}<br><span style='font-size:11px;color:{MUTED}'>{detail}</span>"
        )
    row_of = {i: n for n, i in enumerate(kept)}

    ach: dict[int, float | None] = {}
    for i in kept:
        a, act, tgt = achievement[i], actual[i], target[i]
        if a is None and act is not None:
            assert tgt is not None  # kept rows have a non-zero target
            a = act / tgt
        ach[i] = None if a is None else a * 100
    top = max([100.0] + [v for v in ach.values() if v is not None])

    fig = go.Figure()
    # light track from 0 to 100%
    fig.add_trace(
        go.Bar(
            y=labels,
            x=[100] * len(kept),
            orientation="h",
            width=0.62,
            marker=dict(color="#EFEFEF"),
            showlegend=False,
            hoverinfo="skip",
        )
    )
    texts = [""] * len(kept)
    for s in STATUS_ORDER:
        idx = [i for i in kept if statuses[i] == s]
        if not idx:
            continue
        hover = []
        for i in idx:
            a = ach[i]
            if a is None:
                texts[row_of[i]] = t("fig.no_data", lang)
            elif s in ("no_target", "no_data", "not_applicable"):
                texts[row_of[i]] = f"{fmt.fmt_number(a, 1)}%"
            else:
                texts[row_of[i]] = f"<b>{fmt.fmt_number(a, 1)}%</b> · {_status_span(s, lang)}"
            a_text = fmt.fmt_number(a, 1) + "%" if a is not None else fmt.DASH
            hover.append(
                f"{indicator_label(inds[i], lang)}<br>{details[row_of[i]]}<br>"
                f"{t('fig.achievement', lang)} {a_text} · {status_label(s, lang)}"
            )
        color = STATUS_COLORS[s]
        fig.add_trace(
            go.Bar(
                y=[labels[row_of[i]] for i in idx],
                x=[ach[i] or 0 for i in idx],
                orientation="h",
                width=0.34,
                name=status_label(s, lang),
                showlegend=False,
                marker=_status_marker(s, color, size=7),
                customdata=hover,
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    exp_x, exp_y, exp_t = [], [], []
    for i in kept if int(quarter) != 4 else []:  # at year end the target itself is the mark
        e, tgt = expected[i], target[i]
        if e is not None:
            assert tgt is not None  # kept rows have a non-zero target
            exp_x.append(e / tgt * 100)
            exp_y.append(labels[row_of[i]])
            exp_t.append(fmt.fmt_value(inds[i], e, lang))
    if exp_x:
        fig.add_trace(
            go.Scatter(
                x=exp_x,
                y=exp_y,
                mode="markers",
                name=t("fig.expected", lang),
                marker=dict(symbol="line-ns", size=26, line=dict(width=3, color=TEXT), color=TEXT),
                customdata=exp_t,
                hovertemplate=t("fig.expected", lang) + " %{customdata}<extra></extra>",
            )
        )
    fig.add_shape(
        type="line",
        xref="x",
        x0=100,
        x1=100,
        yref="paper",
        y0=0,
        y1=1,
        line=dict(color=TARGET_LINE, width=1.5, dash="dash"),
    )
    fig.add_annotation(
        text=t("fig.full_target", lang),
        xref="x",
        x=100,
        yref="y",
        y=-0.75,
        yanchor="middle",
        xanchor="center",
        showarrow=False,
        font=dict(size=11, color=TARGET_LINE),
        bgcolor="white",
    )
    margin_r = max(110, _value_column(fig, texts))

    sep = "、" if lang == "zh" else ", "
    notes = [t("fig.omitted_no_target", lang, names=sep.join(omitted))] if omitted else []
    if not_applicable:
        notes.append(t("fig.omitted_not_applicable", lang, names=sep.join(not_applicable)))
    notes += _coverage_notes(rows, [i for i in kept if statuses[i] != "no_data"], inds, lang)
    period = fmt.period_label(year, quarter, lang)
    title = t(
        "fig.title_theme",
        lang,
        scope=escape(scope_name),
        period=t("fig.as_of", lang, period=period),
        theme=theme_label(theme, lang),
    )
    margin_l = _label_margin([indicator_label(inds[i], lang) for i in kept] + details, 12)
    _base_layout(
        fig,
        title=title,
        subtitle=None,
        source=source,
        notes=notes,
        lang=lang,
        height=max(160, 62 * len(kept) + 30),
        margin_l=margin_l,
        margin_r=margin_r,
    )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(range=[0, top * 1.04], ticksuffix="%", title=dict(text=t("fig.axis_achievement", lang)))
    # one empty row above the first indicator carries the "目标 100%" label
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=labels,
        range=[len(kept) - 0.5, -1.2],
        showgrid=False,
        ticks="",
    )
    return fig


# ---------------------------------------------------------------- ranking


def _ranking_order(
    actual: list[float | None], units: list[str], statuses: list[str], sort: str | None
) -> list[int]:
    """Units with a value (sorted), then those without one, then those the indicator does not apply to."""
    with_val = [i for i in range(len(units)) if actual[i] is not None]
    without = [i for i in range(len(units)) if actual[i] is None and statuses[i] != "not_applicable"]
    not_applicable = [i for i in range(len(units)) if statuses[i] == "not_applicable"]
    if sort == "asc":
        with_val.sort(key=lambda i: (actual[i], units[i]))
    elif sort == "desc":
        with_val.sort(key=lambda i: (-cast(float, actual[i]), units[i]))  # with_val: actual present
    return with_val + without + not_applicable


def _unique_labels(names: list[str]) -> list[str]:
    shown: list[str] = []
    seen: set[str] = set()
    for name in names:
        lab = escape(_shorten(name))
        base, k = lab, 2
        while lab in seen:
            lab = f"{base} ({k})"
            k += 1
        seen.add(lab)
        shown.append(lab)
    return shown


def _ranking_rows(
    order: list[int],
    units: list[str],
    actual: list[float | None],
    statuses: list[str],
    sort: str | None,
    limit: int | None,
    keep: Sequence[str],
    lang: str,
) -> tuple[list[int], list[str], dict[int, int], dict[int, str], list[str]]:
    """(units drawn, category labels top to bottom, unit -> row, unit -> label, notes).

    Without a limit (or with few units) every unit is a row. With one, the first and last `limit`
    units that have a value (and those named in keep) are drawn, numbered by rank (equal values share
    a rank), with a row '⋯ 中间11个单位略 ⋯' where units are left out.
    """
    valued = [i for i in order if actual[i] is not None and statuses[i] != "not_applicable"]
    if not limit or len(valued) <= 2 * limit + 1:
        shown = _unique_labels([units[i] for i in order])
        return order, shown, {i: n for n, i in enumerate(order)}, dict(zip(order, shown, strict=True)), []
    position = {i: p for p, i in enumerate(valued)}
    wanted = set(valued[:limit]) | set(valued[-limit:]) | {i for i in valued if units[i] in set(keep)}
    chosen = [i for i in valued if i in wanted]
    values = [cast(float, actual[i]) for i in valued]

    def rank(i: int) -> int:  # competition ranking in the order drawn: equal values share a rank
        v = cast(float, actual[i])
        if sort == "asc":
            return 1 + sum(1 for x in values if x < v - 1e-12)
        return 1 + sum(1 for x in values if x > v + 1e-12)

    names = _unique_labels([units[i] for i in chosen])
    label_of = {i: f"{rank(i)}. {name}" for i, name in zip(chosen, names, strict=True)}
    cats: list[str] = []
    row_of: dict[int, int] = {}
    last = -1
    for i in chosen:
        skipped = position[i] - last - 1
        if skipped:
            cats.append(t("fig.ranking_gap", lang, n=skipped) + "\u200b" * len(cats))  # unique label
        row_of[i] = len(cats)
        cats.append(label_of[i])
        last = position[i]
    notes = []
    without = len(order) - len(valued)
    if without:
        notes.append(t("fig.ranking_not_listed", lang, n=without))
    return chosen, cats, row_of, label_of, notes


def _common_target(
    target: list[float | None], target_of: list[str | None], judged: list[int]
) -> float | None:
    """The one target line a ranking may draw: every unit ranked is judged against the same value (an
    organisation-wide rate, or own targets that equal it). A target only some units have is drawn on
    those units' rows, never across the others.
    """
    if not judged or any(target[i] is None for i in judged):
        return None
    if not any(target_of[i] == "org" for i in judged):
        return None  # own targets only: each on its row, even when they happen to be equal
    values = {round(cast(float, target[i]), 9) for i in judged}
    return next(iter(values)) if len(values) == 1 else None


def _absent_text(reported: list[int | None], expected: list[int | None], i: int, lang: str) -> str:
    """Why a row has no value: the unit did not report, or there is nothing to show."""
    if expected[i] and not reported[i]:
        return t("rank.not_reported", lang)
    return t("fig.no_data", lang)


def ranking_figure(
    ind: Indicator | str,
    ranking: pd.DataFrame,
    scope_name: str,
    year: int,
    quarter: int,
    lang: str = "zh",
    source: str = "",
    sort: str | None = "asc",
    limit: int | None = None,
    keep: Sequence[str] = (),
) -> go.Figure:
    """One indicator across units: a horizontal bar per unit, targets where they apply, value · status column.

    ranking: unit, actual, target, expected, status (one row per unit); optional target_of ('own': the
    unit's own target, 'org': an organisation-wide rate), reported / expected_units (coverage).
    An organisation-wide rate target is one line across the chart; a unit's own target is a marker on
    its row only. Units without a value are listed after the others ('未报送' / '暂无数据'), then the
    units the indicator does not apply to ('不适用'). sort (read top to bottom): "asc" lowest first,
    "desc" highest first, None as given. Height grows ~24 px per unit.

    limit: with more than 2 × limit units that have a value, only the first and the last `limit` of
    them are drawn (and the units named in `keep`), numbered by rank, with a row saying how many are
    left out between them; units without a value are then counted in a note instead of listed.
    """
    ind = _ind(ind)
    lang = _lang(lang)
    units = ["" if u is None or u is pd.NA else str(u) for u in ranking["unit"]]
    actual, target, expected = _col(ranking, "actual"), _col(ranking, "target"), _col(ranking, "expected")
    target_of = [
        str(v) if isinstance(v, str) else None for v in ranking.get("target_of", [None] * len(units))
    ]
    reported = [None if v is None else int(v) for v in _col(ranking, "reported")]
    expected_units = [None if v is None else int(v) for v in _col(ranking, "expected_units")]
    statuses = (
        [_status(s) for s in ranking["status"]] if "status" in ranking.columns else ["no_target"] * len(units)
    )
    for i, v in enumerate(actual):
        if v is None and statuses[i] != "not_applicable":
            statuses[i] = "no_data"

    order = _ranking_order(actual, units, statuses, sort)
    divisor, axis_unit = _scale_for(ind.measure, actual + target, lang, fmt.unit_of(ind, lang))
    order, cats, row_of, label_of, notes = _ranking_rows(
        order, units, actual, statuses, sort, limit, keep, lang
    )

    fig = go.Figure()
    texts = [""] * len(cats)
    for s in STATUS_ORDER:
        idx = [i for i in order if statuses[i] == s]
        if not idx:
            continue
        hover = []
        for i in idx:
            if s == "not_applicable":
                text = t("card.not_applicable", lang)
            elif actual[i] is None:
                text = _absent_text(reported, expected_units, i, lang)
            elif s == "no_target":
                text = fmt.fmt_value(ind, actual[i], lang)
            else:
                text = f"{fmt.fmt_value(ind, actual[i], lang)} · {_status_span(s, lang)}"
            texts[row_of[i]] = text
            extra = ""
            if target[i] is not None:
                extra = "<br>" + t("fig.target_value", lang, value=fmt.fmt_value(ind, target[i], lang))
            hover.append(f"{escape(units[i])}<br>{text}{extra}")
        color = STATUS_COLORS[s]
        fig.add_trace(
            go.Bar(
                y=[label_of[i] for i in idx],
                x=[(_scaled(actual[i], divisor) or 0) for i in idx],
                orientation="h",
                name=status_label(s, lang),
                showlegend=False,
                marker=_status_marker(s, color, size=6),
                customdata=hover,
                hovertemplate="%{customdata}<extra></extra>",
            )
        )

    judged = [i for i in order if actual[i] is not None and statuses[i] != "not_applicable"]
    common = _common_target(target, target_of, judged)
    label_row = common is not None
    if common is not None:
        _target_line(
            fig, common / divisor, t("fig.target_value", lang, value=fmt.fmt_value(ind, common, lang))
        )
    else:
        _own_markers(fig, ind, [i for i in order if target[i] is not None], target, label_of, divisor, lang)
        if ind.measure != "rate" and int(quarter) != 4:
            idx = [i for i in order if expected[i] is not None and target[i] is not None]
            _expected_markers(fig, ind, idx, expected, label_of, divisor, lang)
    margin_r = max(90, _value_column(fig, texts, size=11))

    name = indicator_label(ind, lang)
    vals = [v / divisor for v in actual + target + expected if v is not None]
    top = max(vals, default=1) or 1
    xr = [0, max(top, 100.0 if ind.measure == "rate" else 0) * 1.02]
    period = fmt.indicator_period_label(ind, year, quarter, lang)
    title = t("fig.title_ranking", lang, scope=escape(scope_name), period=period, what=name)
    sub = (
        t("fig.subtitle_ranking_desc" if sort == "desc" else "fig.subtitle_ranking_asc", lang)
        if sort in ("asc", "desc")
        else None
    )
    n = max(1, len(cats))
    _base_layout(
        fig,
        title=title,
        subtitle=sub,
        source=source,
        notes=notes,
        lang=lang,
        height=24 * (n + (1 if label_row else 0)) + 16,
        margin_l=_label_margin(cats, 12),
        margin_r=margin_r,
    )
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_xaxes(
        range=xr,
        title=dict(text=_axis_unit_title(name, axis_unit, lang)),
        tickformat=",~f",
        tickangle=0,
        nticks=8,
    )
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=cats,
        range=[n - 0.5, -1.5 if label_row else -0.5],
        showgrid=True,
        gridcolor="#F0F0F0",
        ticks="",
        tickfont=dict(size=12),
    )
    return fig


def _target_line(fig: go.Figure, x: float, label: str) -> None:
    """One dashed line across every row, labelled in the empty row above the first unit."""
    fig.add_shape(
        type="line",
        yref="paper",
        y0=0,
        y1=1,
        xref="x",
        x0=x,
        x1=x,
        line=dict(color=TARGET_LINE, width=2, dash="longdash"),
        name=label,
        showlegend=False,
    )
    fig.add_annotation(
        text=label,
        xref="x",
        x=x,
        yref="y",
        y=-0.9,
        yanchor="middle",
        xanchor="center",
        showarrow=False,
        font=dict(size=12, color=TARGET_LINE),
        bgcolor="white",
    )


def _own_markers(
    fig: go.Figure,
    ind: Indicator,
    idx: list[int],
    target: list[float | None],
    label_of: dict,
    divisor: float,
    lang: str,
) -> None:
    """A unit's own target: a tick on its row only, named in the legend."""
    if not idx:
        return
    fig.add_trace(
        go.Scatter(
            x=[cast(float, target[i]) / divisor for i in idx],  # idx: target present
            y=[label_of[i] for i in idx],
            mode="markers",
            name=t("fig.target_marker", lang),
            marker=dict(symbol="line-ns", size=18, line=dict(width=3, color=TARGET_LINE)),
            customdata=[fmt.fmt_value(ind, target[i], lang) for i in idx],
            hovertemplate=t("fig.target", lang) + " %{customdata}<extra></extra>",
        )
    )


def _expected_markers(
    fig: go.Figure,
    ind: Indicator,
    idx: list[int],
    expected: list[float | None],
    label_of: dict,
    divisor: float,
    lang: str,
) -> None:
    if not idx:
        return
    fig.add_trace(
        go.Scatter(
            x=[cast(float, expected[i]) / divisor for i in idx],  # idx: expected present
            y=[label_of[i] for i in idx],
            mode="markers",
            name=t("fig.expected_marker", lang),
            marker=dict(symbol="line-ns", size=18, line=dict(width=2, color=EXPECTED_LINE)),
            customdata=[fmt.fmt_value(ind, expected[i], lang) for i in idx],
            hovertemplate=t("fig.expected", lang) + " %{customdata}<extra></extra>",
        )
    )


# ---------------------------------------------------------------- breakdown

_MONEY_UNITS = {"元", "CNY", "yuan", "¥"}
# count units of the dictionary, for English charts
_UNIT_EN = {"人": "people", "人次": "people", "次": "events", "家": "unions", "个": "", "项": ""}


def breakdown_figure(
    frame: pd.DataFrame,
    value_col: str,
    label_col: str,
    title_what: str,
    scope_name: str,
    year: int,
    quarter: int,
    lang: str = "zh",
    source: str = "",
    unit_label: str = "",
    value_label: str | None = None,
) -> go.Figure:
    """A total split by category (e.g. welfare amount by category): bars sorted desc, value · share.

    frame: one row per category with label_col and value_col. unit_label '元' (or 'CNY')
    makes it money (axis in 元/万元, text '57.60 万元'); anything else is a count unit ('次', '人次').
    Categories of the dictionary are translated for English.
    """
    lang = _lang(lang)
    labels = ["" if v is None else str(v) for v in frame[label_col]]
    values = _col(frame, value_col)
    pairs = sorted(((lab, v or 0.0) for lab, v in zip(labels, values, strict=True)), key=lambda p: -p[1])
    total = sum(v for _, v in pairs)
    money = unit_label in _MONEY_UNITS
    if lang == "en" and not money:
        unit_label = _UNIT_EN.get(unit_label, unit_label)
    divisor, axis_unit = _scale_for("money" if money else "count", [v for _, v in pairs], lang, unit_label)

    def fv(v: float) -> str:
        return fmt.fmt_money(v, lang) if money else fmt.fmt_count(v, unit_label)

    shown = [escape(_shorten(category_label(lab, lang))) for lab, _ in pairs]
    texts = [f"{fv(v)} · {fmt.fmt_rate(v / total) if total else fmt.DASH}" for _, v in pairs]
    fig = go.Figure(
        go.Bar(
            y=shown,
            x=[v / divisor for _, v in pairs],
            orientation="h",
            text=texts,
            textposition="outside",
            cliponaxis=False,
            textfont=dict(size=12, color=TEXT),
            marker=dict(color=NEUTRAL),
            width=0.6,
            showlegend=False,
            customdata=texts,
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    period = fmt.period_label(year, quarter, lang, cumulative=True)
    title = t("fig.title_breakdown", lang, scope=escape(scope_name), period=period, what=escape(title_what))
    sub = t("fig.subtitle_breakdown", lang, total=fv(total))
    top = max((v / divisor for _, v in pairs), default=1) or 1
    _base_layout(
        fig,
        title=title,
        subtitle=sub,
        source=source,
        notes=(),
        lang=lang,
        height=max(160, 40 * len(pairs) + 20),
        margin_l=_label_margin(shown, 12),
        margin_r=150,
        show_legend=False,
    )
    fig.update_xaxes(
        range=[0, top * 1.04],
        tickformat=",~f",
        title=dict(text=_axis_unit_title(escape(value_label or title_what), axis_unit, lang)),
    )
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=shown,
        autorange="reversed",
        showgrid=False,
        ticks="",
    )
    return fig


# ---------------------------------------------------------------- export

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


def chart_filename(year: int, quarter: int | None, ind_label: str, what: str) -> str:
    """'2025年Q3_入会率_各单位排名' — safe on Windows, macOS and Linux (no extension)."""
    period = f"{int(year)}年" + (f"Q{int(quarter)}" if quarter else "")
    parts = [period] + [_UNSAFE.sub("_", str(p)).strip("._") for p in (ind_label, what) if p]
    return "_".join(p for p in parts if p)[:120]


def chart_config(filename: str) -> dict:
    """Config for st.plotly_chart(fig, config=...): PNG download at 2x with a meaningful file name."""
    return {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2}}


_BROWSER_CANDIDATES = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
)


def browser_path() -> str | None:
    """The Chromium used for PNG export: $BROWSER_PATH, else the system Chromium. Never downloads."""
    env = os.environ.get("BROWSER_PATH")
    if env and Path(env).is_file():
        return env
    for cand in _BROWSER_CANDIDATES:
        if Path(cand).is_file():
            return cand
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _DropChromiumPipeNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:  # harmless message at browser shutdown
        return not str(record.msg).startswith("JSONError decoding message")


_warm = False
_quieted = False


def _quiet_pipe_log() -> None:
    """Drop choreographer's harmless 'JSONError decoding message' traceback at browser shutdown.

    Only after kaleido is imported: the logger must be created by logistro, not by us.
    """
    global _quieted
    name = "choreographer.channels.pipe"
    if not _quieted and name in logging.Logger.manager.loggerDict:
        logging.getLogger(name).addFilter(_DropChromiumPipeNoise())
        _quieted = True


def _kaleido_opts() -> dict:
    path = browser_path()
    if not path:
        raise RuntimeError("PNG export needs Chromium: install the 'chromium' package or set BROWSER_PATH.")
    return {"path": path, "mathjax": False}


@contextlib.contextmanager
def warm_browser() -> Iterator[None]:
    """Keep one Chromium open for a batch of export_png calls (a cold call starts one, ~2-4 s).

    Re-entrant: a nested block reuses the browser of the outer one. Not for concurrent
    threads: serialise exports (kaleido's sync server is a process-wide singleton).
    """
    import kaleido

    global _warm
    if _warm:
        yield
        return
    _quiet_pipe_log()
    kaleido.start_sync_server(silence_warnings=True, **_kaleido_opts())
    _warm = True
    try:
        yield
    finally:
        _warm = False
        kaleido.stop_sync_server(silence_warnings=True)


def export_png(
    fig: go.Figure, width: int | None = None, height: int | None = None, scale: float = 2
) -> bytes:
    """PNG bytes of fig rendered by kaleido with the system Chromium.

    width defaults to SIZE_A4[0]; height to the figure's own height (ranking figures grow
    with the number of units) or SIZE_A4[1]. Raises RuntimeError without a browser.
    """
    import kaleido

    _quiet_pipe_log()
    w = int(width or fig.layout.width or SIZE_A4[0])
    h = int(height or fig.layout.height or SIZE_A4[1])
    opts = {"format": "png", "width": w, "height": h, "scale": scale}
    fig_dict = fig.to_dict() if isinstance(fig, go.Figure) else fig
    if _warm:
        return kaleido.calc_fig_sync(fig_dict, opts=opts)
    return kaleido.calc_fig_sync(fig_dict, opts=opts, kopts=_kaleido_opts())


# ---------------------------------------------------------------- print (Word pages, slides)

_FONT_KEYS = frozenset({"font", "tickfont", "textfont", "insidetextfont", "outsidetextfont"})
_SPAN_SIZE = re.compile(r"font-size:\s*(\d+(?:\.\d+)?)px")


def _sized(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("size"), int | float)


def _up(value: float, digits: int) -> float:
    """Rounded up: a scaled font must not come out smaller than the size asked for."""
    step = 10**digits
    return math.ceil(value * step - 1e-9) / step


def _scaled_spans(text: str, k: float) -> str:
    return _SPAN_SIZE.sub(lambda m: f"font-size:{_up(float(m.group(1)) * k, 1)}px", text)


def _scale_text(obj: Any, k: float) -> Any:
    """Every font size of a figure dict (fonts and inline font-size spans) times k; returns the object
    (lists and dicts in place, a tuple as a new list)."""
    if isinstance(obj, str):
        return _scaled_spans(obj, k) if "font-size" in obj else obj
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in _FONT_KEYS and _sized(value):
                value["size"] = _up(value["size"] * k, 2)
            obj[key] = _scale_text(value, k)
        return obj
    if isinstance(obj, list | tuple):
        items = [_scale_text(value, k) for value in obj]
        if isinstance(obj, list):
            obj[:] = items
            return obj
        return items
    return obj


def for_print(
    fig: go.Figure,
    width: int,
    *,
    text_scale: float = 1.0,
    plot_height: float | None = None,
    title: bool = False,
    x_axis: bool = True,
) -> dict:
    """The figure laid out for a page or a slide, as a dict for kaleido (layout width/height set).

    - title=False drops the title and subtitle (a document's caption or a slide's headline says what
      the chart is) and the space above the legend they took; the notes and source line stay.
    - text_scale multiplies every font size, and the margins and offsets that were sized from the
      text, so text keeps its size on paper when the picture is placed at a given width: a picture
      `width` px wide placed W pt wide prints a font of s px at s × text_scale × W / width pt.
    - The notes and source are wrapped again for `width`; the x axis gets fewer ticks when narrow.
    - plot_height: the height of the plot area in px (default: the figure's own).
    - x_axis=False hides the value axis (a ranking whose values are written beside its bars).
    """
    d = fig.to_dict()
    layout = d["layout"]
    info = (layout.get("meta") or {}).get("print", {})
    k = float(text_scale)
    margin = layout.get("margin", {})
    l0, r0, t0, b0 = (float(margin.get(side, 0)) for side in ("l", "r", "t", "b"))
    plot_h = float(plot_height) if plot_height is not None else float(layout.get("height", 0)) - t0 - b0
    axis_space = float(info.get("axis_space", _AXIS_SPACE)) if x_axis else 14.0

    if not title:
        layout.pop("title", None)
    _scale_text(d, k)
    left, right = l0 * k, r0 * k
    avail = max(width - left - right, 60.0)
    # legend rows at the new width (plotly wraps the legend; the top margin must hold it)
    legend = info.get("legend", [])
    legend_h = (24 * _legend_rows(legend, avail / k) + 6) if layout.get("showlegend") and legend else 0
    if title:
        top = t0 * k
    else:
        top = (legend_h + 18) * k if legend_h else 14 * k
    foot = [line for part in info.get("foot", []) for line in _wrap(part, (width - 24) / k)]
    bottom = (axis_space + (_FOOT_LINE * len(foot) + 12 if foot else 0)) * k

    for ann in layout.get("annotations", []):
        if ann.get("name") == _FOOTER:
            ann["text"] = "<br>".join(foot)
            ann["xshift"] = -left + 12 * k
            ann["yshift"] = -axis_space * k
            continue
        for key in ("xshift", "yshift"):
            if isinstance(ann.get(key), int | float):
                ann[key] = ann[key] * k
    title_d = layout.get("title")
    if isinstance(title_d, dict) and isinstance(title_d.get("pad"), dict):
        title_d["pad"] = {key: v * k for key, v in title_d["pad"].items()}
    layout["margin"] = {**margin, "l": left, "r": right, "t": top, "b": bottom, "autoexpand": False}
    layout["width"] = int(width)
    layout["height"] = round(plot_h + top + bottom)
    xaxis = layout.setdefault("xaxis", {})
    if x_axis:
        if xaxis.get("type") != "category":
            xaxis["nticks"] = max(3, min(int(xaxis.get("nticks") or 8), int(avail // (64 * k))))
    else:
        xaxis.update(showticklabels=False, ticks="", title={"text": ""}, showline=False)
    yaxis = layout.get("yaxis", {})
    if yaxis.get("type") == "category" and yaxis.get("categoryarray"):
        # every row keeps its label (plotly skips labels it finds crowded)
        cats = list(yaxis["categoryarray"])
        yaxis.update(tickmode="array", tickvals=cats, ticktext=cats)
    return d


def print_text_sizes(fig_dict: dict) -> list[float]:
    """Every font size (px) a figure dict sets, inline spans included: what prints smallest."""
    sizes: list[float] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key in _FONT_KEYS and _sized(value):
                    sizes.append(float(value["size"]))
                walk(value)
        elif isinstance(obj, list | tuple):
            for value in obj:
                walk(value)
        elif isinstance(obj, str) and "font-size" in obj:
            sizes.extend(float(m) for m in _SPAN_SIZE.findall(obj))

    walk(fig_dict)
    return sizes
