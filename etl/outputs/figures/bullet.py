"""Bullet: 完成率 of the indicators of one theme against the expected progress and 100% of the target."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID, Indicator
from etl.core.i18n import indicator_label, status_label, t, theme_label
from etl.outputs.figures.inputs import column, statuses
from etl.outputs.figures.parts import (
    base_layout,
    by_status,
    category_rows,
    coverage_notes,
    row_ticks,
    status_bars,
    status_span,
    target_across_rows,
    title_text,
    value_column,
)
from etl.outputs.figures.style import MUTED, NO_STATUS, TEXT, label_margin, lang_code


@dataclass
class _Rows:
    """The indicators drawn (those with a target) and those named in a note instead."""

    inds: list[Indicator]
    kept: list[int] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)  # no target
    not_applicable: list[str] = field(default_factory=list)


def _sort_rows(
    inds: list[Indicator], target: list, actual: list, achievement: list, st: list[str], lang: str
) -> _Rows:
    """Which indicators get a bar; a drawn indicator without any value becomes 'no_data'."""
    rows = _Rows(inds)
    for i, ind in enumerate(inds):
        if st[i] == "not_applicable":
            rows.not_applicable.append(indicator_label(ind, lang))
        elif target[i] is None or target[i] == 0:
            rows.omitted.append(indicator_label(ind, lang))
        else:
            rows.kept.append(i)
            if actual[i] is None and achievement[i] is None:
                st[i] = "no_data"
    return rows


def _achievements(kept: list[int], actual: list, target: list, achievement: list) -> dict[int, float | None]:
    """完成率 in % per drawn indicator (actual / target when the frame has none)."""
    ach: dict[int, float | None] = {}
    for i in kept:
        a, act, tgt = achievement[i], actual[i], target[i]
        if a is None and act is not None:
            assert tgt is not None  # kept rows have a non-zero target
            a = act / tgt
        ach[i] = None if a is None else a * 100
    return ach


def _value_text(a: float | None, s: str, lang: str) -> str:
    if a is None:
        return t("fig.no_data", lang)
    if s in NO_STATUS:
        return f"{fmt.fmt_number(a, 1)}%"
    return f"<b>{fmt.fmt_number(a, 1)}%</b> · {status_span(s, lang)}"


def _bars(
    fig: go.Figure, rows: _Rows, labels: list[str], details: list[str], ach: dict, st: list[str], lang: str
) -> list[str]:
    """A light 0–100% track, then the 完成率 bars by status; returns the text of each row's value column."""
    row_of = {i: n for n, i in enumerate(rows.kept)}
    fig.add_trace(
        go.Bar(
            y=labels,
            x=[100] * len(rows.kept),
            orientation="h",
            width=0.62,
            marker=dict(color="#EFEFEF"),
            showlegend=False,
            hoverinfo="skip",
        )
    )
    texts = [""] * len(rows.kept)
    for s, idx in by_status(rows.kept, st):
        hover = []
        for i in idx:
            a = ach[i]
            texts[row_of[i]] = _value_text(a, s, lang)
            a_text = fmt.fmt_number(a, 1) + "%" if a is not None else fmt.DASH
            hover.append(
                f"{indicator_label(rows.inds[i], lang)}<br>{details[row_of[i]]}<br>"
                f"{t('fig.achievement', lang)} {a_text} · {status_label(s, lang)}"
            )
        status_bars(
            fig, s, [labels[row_of[i]] for i in idx], [ach[i] or 0 for i in idx], hover, lang, 7, 0.34
        )
    return texts


def _expected_marks(
    fig: go.Figure, rows: _Rows, labels: list[str], expected: list, target: list, lang: str
) -> None:
    """The expected progress as a tick on each row (none at year end: the target itself is the mark)."""
    row_of = {i: n for n, i in enumerate(rows.kept)}
    xs, ys, texts = [], [], []
    for i in rows.kept:
        e, tgt = expected[i], target[i]
        if e is not None:
            assert tgt is not None  # kept rows have a non-zero target
            xs.append(e / tgt * 100)
            ys.append(labels[row_of[i]])
            texts.append(fmt.fmt_value(rows.inds[i], e, lang))
    word = t("fig.expected", lang)
    row_ticks(fig, xs, ys, texts, name=word, word=word, size=26, width=3, color=TEXT, fill=TEXT)


def _notes(frame: pd.DataFrame, rows: _Rows, st: list[str], lang: str) -> list[str]:
    sep = "、" if lang == "zh" else ", "
    notes = [t("fig.omitted_no_target", lang, names=sep.join(rows.omitted))] if rows.omitted else []
    if rows.not_applicable:
        notes.append(t("fig.omitted_not_applicable", lang, names=sep.join(rows.not_applicable)))
    return notes + coverage_notes(frame, [i for i in rows.kept if st[i] != "no_data"], rows.inds, lang)


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
    lang = lang_code(lang)
    inds = [INDICATOR_BY_ID[str(i)] for i in rows["indicator_id"]]
    theme = theme or (inds[0].theme if inds else "organisation")
    actual, target = column(rows, "actual"), column(rows, "target")
    expected, achievement = column(rows, "expected"), column(rows, "achievement")
    st = statuses(rows, "no_data")
    drawn = _sort_rows(inds, target, actual, achievement, st, lang)
    details = [
        t(
            "fig.actual_of_target",
            lang,
            actual=fmt.fmt_value(inds[i], actual[i], lang),
            target=fmt.fmt_value(inds[i], target[i], lang),
        )
        for i in drawn.kept
    ]
    labels = [
        f"{indicator_label(inds[i], lang)}<br><span style='font-size:11px;color:{MUTED}'>{detail}</span>"
        for i, detail in zip(drawn.kept, details, strict=True)
    ]
    ach = _achievements(drawn.kept, actual, target, achievement)
    top = max([100.0] + [v for v in ach.values() if v is not None])

    fig = go.Figure()
    texts = _bars(fig, drawn, labels, details, ach, st, lang)
    if int(quarter) != 4:
        _expected_marks(fig, drawn, labels, expected, target, lang)
    target_across_rows(fig, 100, t("fig.full_target", lang), label_y=-0.75, width=1.5, dash="dash", size=11)
    margin_r = max(110, value_column(fig, texts))

    period = fmt.period_label(year, quarter, lang)
    title = title_text(
        "fig.title_theme",
        scope_name,
        lang,
        period=t("fig.as_of", lang, period=period),
        theme=theme_label(theme, lang),
    )
    base_layout(
        fig,
        title=title,
        subtitle=None,
        source=source,
        notes=_notes(rows, drawn, st, lang),
        lang=lang,
        height=max(160, 62 * len(drawn.kept) + 30),
        margin_l=label_margin([indicator_label(inds[i], lang) for i in drawn.kept] + details, 12),
        margin_r=margin_r,
    )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(range=[0, top * 1.04], ticksuffix="%", title=dict(text=t("fig.axis_achievement", lang)))
    # one empty row above the first indicator carries the "目标 100%" label
    category_rows(fig, labels, range=[len(drawn.kept) - 0.5, -1.2], showgrid=False)
    return fig
