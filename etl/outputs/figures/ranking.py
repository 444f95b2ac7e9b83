"""Ranking: one indicator across units, a bar per unit, with targets where they apply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import pandas as pd
import plotly.graph_objects as go

from etl.core import fmt
from etl.core.dictionary import Indicator
from etl.core.i18n import indicator_label, t
from etl.outputs.figures.inputs import column, indicator, statuses
from etl.outputs.figures.parts import (
    base_layout,
    by_status,
    category_rows,
    row_ticks,
    status_bars,
    status_span,
    target_across_rows,
    title_text,
    value_column,
)
from etl.outputs.figures.style import (
    EXPECTED_LINE,
    TARGET_LINE,
    axis_unit_title,
    escape,
    label_margin,
    lang_code,
    scale_for,
    scaled,
    shorten,
)


@dataclass
class _Units:
    """The ranking frame read once: one entry per unit, in the frame's order."""

    ind: Indicator
    lang: str
    names: list[str]
    actual: list[float | None]
    target: list[float | None]
    expected: list[float | None]
    target_of: list[str | None]  # 'own' | 'org' | None
    reported: list[int | None]
    expected_units: list[int | None]
    statuses: list[str]


def _read(ind: Indicator, ranking: pd.DataFrame, lang: str) -> _Units:
    names = ["" if u is None or u is pd.NA else str(u) for u in ranking["unit"]]
    actual = column(ranking, "actual")
    st = statuses(ranking, "no_target")
    for i, v in enumerate(actual):
        if v is None and st[i] != "not_applicable":
            st[i] = "no_data"
    return _Units(
        ind=ind,
        lang=lang,
        names=names,
        actual=actual,
        target=column(ranking, "target"),
        expected=column(ranking, "expected"),
        target_of=[
            str(v) if isinstance(v, str) else None for v in ranking.get("target_of", [None] * len(names))
        ],
        reported=[None if v is None else int(v) for v in column(ranking, "reported")],
        expected_units=[None if v is None else int(v) for v in column(ranking, "expected_units")],
        statuses=st,
    )


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
        lab = escape(shorten(name))
        base, k = lab, 2
        while lab in seen:
            lab = f"{base} ({k})"
            k += 1
        seen.add(lab)
        shown.append(lab)
    return shown


def _rank(i: int, actual: list[float | None], values: list[float], sort: str | None) -> int:
    """Competition ranking in the order drawn: equal values share a rank."""
    v = cast(float, actual[i])
    if sort == "asc":
        return 1 + sum(1 for x in values if x < v - 1e-12)
    return 1 + sum(1 for x in values if x > v + 1e-12)


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
    names = _unique_labels([units[i] for i in chosen])
    label_of = {i: f"{_rank(i, actual, values, sort)}. {name}" for i, name in zip(chosen, names, strict=True)}
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
    without = len(order) - len(valued)
    notes = [t("fig.ranking_not_listed", lang, n=without)] if without else []
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


def _value_text(u: _Units, i: int, s: str) -> str:
    if s == "not_applicable":
        return t("card.not_applicable", u.lang)
    if u.actual[i] is None:
        return _absent_text(u.reported, u.expected_units, i, u.lang)
    value = fmt.fmt_value(u.ind, u.actual[i], u.lang)
    return value if s == "no_target" else f"{value} · {status_span(s, u.lang)}"


def _bars(
    fig: go.Figure, u: _Units, order: list[int], row_of: dict, label_of: dict, n_rows: int, divisor: float
) -> list[str]:
    """A bar per unit, by status; returns the text of each row's value column."""
    texts = [""] * n_rows
    for s, idx in by_status(order, u.statuses):
        hover = []
        for i in idx:
            text = texts[row_of[i]] = _value_text(u, i, s)
            extra = ""
            if u.target[i] is not None:
                extra = "<br>" + t(
                    "fig.target_value", u.lang, value=fmt.fmt_value(u.ind, u.target[i], u.lang)
                )
            hover.append(f"{escape(u.names[i])}<br>{text}{extra}")
        xs = [(scaled(u.actual[i], divisor) or 0) for i in idx]
        status_bars(fig, s, [label_of[i] for i in idx], xs, hover, u.lang, size=6)
    return texts


def _row_marks(
    fig: go.Figure,
    u: _Units,
    idx: list[int],
    values: list[float | None],
    label_of: dict,
    divisor: float,
    expected: bool,
) -> None:
    """A unit's own target (or expected progress): a tick on its row only, named in the legend."""
    texts = [fmt.fmt_value(u.ind, values[i], u.lang) for i in idx]
    xs = [cast(float, values[i]) / divisor for i in idx]  # idx: value present
    ys = [label_of[i] for i in idx]
    if expected:
        name, word, width, color = (
            t("fig.expected_marker", u.lang),
            t("fig.expected", u.lang),
            2,
            EXPECTED_LINE,
        )
    else:
        name, word, width, color = t("fig.target_marker", u.lang), t("fig.target", u.lang), 3, TARGET_LINE
    row_ticks(fig, xs, ys, texts, name=name, word=word, size=18, width=width, color=color)


def _targets(
    fig: go.Figure, u: _Units, order: list[int], label_of: dict, divisor: float, quarter: int
) -> bool:
    """One line when every unit shares the target, else a tick per unit; True when the line is drawn."""
    judged = [i for i in order if u.actual[i] is not None and u.statuses[i] != "not_applicable"]
    common = _common_target(u.target, u.target_of, judged)
    if common is not None:
        label = t("fig.target_value", u.lang, value=fmt.fmt_value(u.ind, common, u.lang))
        target_across_rows(fig, common / divisor, label, label_y=-0.9, name=label)
        return True
    _row_marks(
        fig, u, [i for i in order if u.target[i] is not None], u.target, label_of, divisor, expected=False
    )
    if u.ind.measure != "rate" and int(quarter) != 4:
        idx = [i for i in order if u.expected[i] is not None and u.target[i] is not None]
        _row_marks(fig, u, idx, u.expected, label_of, divisor, expected=True)
    return False


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
    lang = lang_code(lang)
    u = _read(indicator(ind), ranking, lang)
    order = _ranking_order(u.actual, u.names, u.statuses, sort)
    divisor, axis_unit = scale_for(u.ind.measure, u.actual + u.target, lang, fmt.unit_of(u.ind, lang))
    order, cats, row_of, label_of, notes = _ranking_rows(
        order, u.names, u.actual, u.statuses, sort, limit, keep, lang
    )

    fig = go.Figure()
    texts = _bars(fig, u, order, row_of, label_of, len(cats), divisor)
    label_row = _targets(fig, u, order, label_of, divisor, quarter)
    margin_r = max(90, value_column(fig, texts, size=11))

    name = indicator_label(u.ind, lang)
    vals = [v / divisor for v in u.actual + u.target + u.expected if v is not None]
    top = max(vals, default=1) or 1
    period = fmt.indicator_period_label(u.ind, year, quarter, lang)
    sub = None
    if sort in ("asc", "desc"):
        sub = t("fig.subtitle_ranking_desc" if sort == "desc" else "fig.subtitle_ranking_asc", lang)
    n = max(1, len(cats))
    base_layout(
        fig,
        title=title_text("fig.title_ranking", scope_name, lang, period=period, what=name),
        subtitle=sub,
        source=source,
        notes=notes,
        lang=lang,
        height=24 * (n + (1 if label_row else 0)) + 16,
        margin_l=label_margin(cats, 12),
        margin_r=margin_r,
    )
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_xaxes(
        range=[0, max(top, 100.0 if u.ind.measure == "rate" else 0) * 1.02],
        title=dict(text=axis_unit_title(name, axis_unit, lang)),
        tickformat=",~f",
        tickangle=0,
        nticks=8,
    )
    category_rows(
        fig,
        cats,
        range=[n - 0.5, -1.5 if label_row else -0.5],
        showgrid=True,
        gridcolor="#F0F0F0",
        tickfont=dict(size=12),
    )
    return fig
