"""What every chart draws, written once: title, footer (notes + source line), status colour and
pattern, the value · status column, target and expected-progress marks, coverage notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from etl.core import fmt
from etl.core.dictionary import KINDS, Indicator
from etl.core.i18n import indicator_label, status_label, t
from etl.outputs.figures.inputs import num
from etl.outputs.figures.style import (
    AXIS_SPACE,
    FONT_FAMILY,
    FONT_SIZE,
    FOOT_LINE,
    FOOT_SIZE,
    FOOTER,
    MUTED,
    NEUTRAL,
    STATUS_COLORS,
    STATUS_ORDER,
    STATUS_PATTERNS,
    TARGET_LINE,
    TEXT,
    TITLE_SIZE,
    escape,
    fit_title,
    lang_code,
    legend_rows,
    style_axes,
    text_width,
    wrap,
)

# ---------------------------------------------------------------- title and footer


def title_text(key: str, scope_name: str, lang: str, **values: Any) -> str:
    """A chart title ('滨江市总工会 · 2025年1-3季度 · …'): the scope name is data, so escaped."""
    return t(key, lang, scope=escape(scope_name), **values)


def source_line(kind: str | Sequence[str], period: str, updated: str, lang: str = "zh") -> str:
    """'数据来源：各单位报送的会员发展统计表；统计期：2025年1-3季度；数据更新：2025-11-20'.

    kind is a spreadsheet kind id (or several); updated is a date string from the load log.
    """
    kinds = [kind] if isinstance(kind, str) else list(kind)
    sep = "、" if lang_code(lang) == "zh" else ", "
    names = sep.join((KINDS[k].en if lang_code(lang) == "en" else KINDS[k].zh) for k in kinds)
    src = t("fig.source_reports", lang, kind=names)
    return t("fig.source", lang, source=src, period=period, updated=updated or "—")


def _legend_names(fig: go.Figure) -> list[str]:
    names = [tr.name for tr in fig.data if tr.showlegend is not False and tr.name]
    return names + [sh.name for sh in fig.layout.shapes if sh.showlegend and sh.name]


def _title(title: str, subtitle: str | None) -> dict:
    return dict(
        text=title,
        x=0.012,
        xanchor="left",
        xref="container",
        y=1,
        yanchor="top",
        yref="container",
        pad=dict(t=16 + 12 * title.count("<br>")),
        font=dict(size=TITLE_SIZE, color=TEXT, family=FONT_FAMILY),
        subtitle=dict(text=subtitle or "", font=dict(size=12, color=MUTED, family=FONT_FAMILY)),
    )


_LEGEND = dict(
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
)


def _footer(fig: go.Figure, lines: list[str], margin_l: int, axis_space: int) -> None:
    """The notes and the source line under the x axis, from the left edge of the picture."""
    fig.add_annotation(
        name=FOOTER,
        text="<br>".join(lines),
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
        font=dict(size=FOOT_SIZE, color=MUTED, family=FONT_FAMILY),
    )


def base_layout(
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
    axis_space: int = AXIS_SPACE,
) -> go.Figure:
    """Title, fonts, margins, white background, legend and the footer (notes + source)."""
    foot_parts = [escape(note) for note in notes] + ([escape(source)] if source else [])
    foot_lines = [line for part in foot_parts for line in wrap(part)]
    foot_h = FOOT_LINE * len(foot_lines) + 12
    names = _legend_names(fig)
    if show_legend is None:
        show_legend = bool(names)
    legend_h = 24 * legend_rows(names) + 6 if show_legend else 0
    title = fit_title(title)
    title_h = 26 * (title.count("<br>") + 1)
    top = 16 + 12 * title.count("<br>") + title_h + (22 if subtitle else 0) + legend_h + 18
    bottom = axis_space + foot_h
    # what for_print needs to lay the figure out again for a page or a slide
    meta = {"print": {"foot": foot_parts, "axis_space": axis_space, "legend": names if show_legend else []}}
    fig.update_layout(
        template="plotly_white",
        title=_title(title, subtitle),
        font=dict(family=FONT_FAMILY, size=FONT_SIZE, color=TEXT),
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height + top + bottom,
        margin=dict(l=margin_l, r=margin_r, t=top, b=bottom, autoexpand=True),
        showlegend=show_legend,
        legend=_LEGEND,
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=12)),
        separators=".,",
        bargap=0.3,
        meta=meta,
    )
    if foot_lines:
        _footer(fig, foot_lines, margin_l, axis_space)
    style_axes(fig)
    return fig


# ---------------------------------------------------------------- status


def by_status(rows: Sequence[int], statuses: Sequence[str]) -> list[tuple[str, list[int]]]:
    """The rows grouped by status, in STATUS_ORDER (one trace per status keeps the legend short)."""
    groups = [(s, [i for i in rows if statuses[i] == s]) for s in STATUS_ORDER]
    return [(s, idx) for s, idx in groups if idx]


def status_marker(status: str | None, size: int, solidity: float = 0.3) -> dict:
    """A bar fill that keeps status readable in greyscale: colour plus the status's pattern."""
    color = STATUS_COLORS[status] if status else NEUTRAL
    return dict(
        color=color,
        line=dict(color=color, width=1),
        pattern=dict(
            shape=STATUS_PATTERNS[status] if status else "",
            fillmode="overlay",
            fgcolor="white",
            size=size,
            solidity=solidity,
        ),
    )


def status_span(s: str, lang: str) -> str:
    """The status word in its colour (colour and text: readable without the colour)."""
    return f"<span style='color:{STATUS_COLORS[s]}'>{status_label(s, lang)}</span>"


def status_bars(
    fig: go.Figure,
    s: str,
    ys: list,
    xs: list,
    hover: list[str],
    lang: str,
    size: int,
    width: float | None = None,
) -> None:
    """Horizontal bars of one status (one trace per status), hover text per bar."""
    fig.add_trace(
        go.Bar(
            y=ys,
            x=xs,
            orientation="h",
            width=width,
            name=status_label(s, lang),
            showlegend=False,
            marker=status_marker(s, size=size),
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )


def value_column(fig: go.Figure, texts: Sequence[str], size: int = 12) -> int:
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
    return int(max((text_width(x, size) for x in texts), default=0) + 30)


def category_rows(fig: go.Figure, cats: Sequence[str], **axis: Any) -> None:
    """The y axis as one row per category, in the order given, without tick marks."""
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=cats, ticks="", **axis)


# ---------------------------------------------------------------- target and expected progress


def target_across_rows(
    fig: go.Figure,
    x: float,
    label: str,
    *,
    label_y: float,
    width: float = 2,
    dash: str = "longdash",
    size: int = 12,
    name: str | None = None,
) -> None:
    """One dashed line at x across every row, labelled in the empty row above the first one."""
    fig.add_shape(
        type="line",
        yref="paper",
        y0=0,
        y1=1,
        xref="x",
        x0=x,
        x1=x,
        line=dict(color=TARGET_LINE, width=width, dash=dash),
        name=name,
        showlegend=False if name else None,
    )
    fig.add_annotation(
        text=label,
        xref="x",
        x=x,
        yref="y",
        y=label_y,
        yanchor="middle",
        xanchor="center",
        showarrow=False,
        font=dict(size=size, color=TARGET_LINE),
        bgcolor="white",
    )


def target_across_quarters(fig: go.Figure, y: float, name: str, label: str) -> None:
    """The annual target as a dashed level across the plot (in the legend), labelled at its right end."""
    fig.add_shape(
        type="line",
        xref="paper",
        x0=0,
        x1=1,
        yref="y",
        y0=y,
        y1=y,
        line=dict(color=TARGET_LINE, width=2, dash="longdash"),
        name=name,
        showlegend=True,
    )
    fig.add_annotation(
        text=label,
        xref="paper",
        x=1,
        xanchor="left",
        xshift=6,
        yref="y",
        y=y,
        yanchor="middle",
        showarrow=False,
        align="left",
        font=dict(size=12, color=TARGET_LINE),
    )


def row_ticks(
    fig: go.Figure,
    xs: list[float],
    ys: list[str],
    texts: list[str],
    *,
    name: str,
    word: str,
    size: int,
    width: int,
    color: str,
    fill: str | None = None,
) -> None:
    """A short upright tick on each row (a target, or the expected progress), named in the legend."""
    if not xs:
        return
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers",
            name=name,
            marker=dict(symbol="line-ns", size=size, line=dict(width=width, color=color), color=fill),
            customdata=texts,
            hovertemplate=word + " %{customdata}<extra></extra>",
        )
    )


# ---------------------------------------------------------------- coverage


def coverage_text(reported: Any, expected: Any, lang: str, records: bool) -> str | None:
    """'29/31 个单位报送' when a figure leaves out units that did not report, else None."""
    r, e = num(reported), num(expected)
    if r is not None and e and r < e:
        return fmt.fmt_coverage(int(r), int(e), lang, records)
    return None


def has_coverage(frame: pd.DataFrame) -> bool:
    return {"reported", "expected_units"} <= set(frame.columns)


def is_records(ind: Indicator) -> bool:
    """Welfare and activities are records (one row each), not a report per unit."""
    return ind.source in ("welfare", "activities")


def coverage_notes(rows: pd.DataFrame, kept: list[int], inds: list[Indicator], lang: str) -> list[str]:
    """'注：入会率、会员人数：29/31 个单位报送，未计入未报送的单位' for the bars that leave units out."""
    if not has_coverage(rows):
        return []
    groups: dict[str, list[str]] = {}
    for i in kept:
        cov = coverage_text(
            rows["reported"].iloc[i], rows["expected_units"].iloc[i], lang, is_records(inds[i])
        )
        if cov:
            groups.setdefault(cov, []).append(indicator_label(inds[i], lang))
    sep = "、" if lang == "zh" else ", "
    return [
        t("fig.note_coverage", lang, names=sep.join(names), coverage=cov) for cov, names in groups.items()
    ]
