"""Breakdown: a total split by category (welfare by category, activities by type)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from etl.core import fmt
from etl.core.i18n import category_label, t
from etl.outputs.figures.inputs import column
from etl.outputs.figures.parts import base_layout, category_rows, title_text
from etl.outputs.figures.style import (
    NEUTRAL,
    TEXT,
    axis_unit_title,
    escape,
    label_margin,
    lang_code,
    scale_for,
    shorten,
)

_MONEY_UNITS = {"元", "CNY", "yuan", "¥"}
# count units of the dictionary, for English charts
_UNIT_EN = {"人": "people", "人次": "people", "次": "events", "家": "unions", "个": "", "项": ""}


def _bar(shown: list[str], xs: list[float], texts: list[str]) -> go.Bar:
    return go.Bar(
        y=shown,
        x=xs,
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
    lang = lang_code(lang)
    labels = ["" if v is None else str(v) for v in frame[label_col]]
    values = column(frame, value_col)
    pairs = sorted(((lab, v or 0.0) for lab, v in zip(labels, values, strict=True)), key=lambda p: -p[1])
    total = sum(v for _, v in pairs)
    money = unit_label in _MONEY_UNITS
    if lang == "en" and not money:
        unit_label = _UNIT_EN.get(unit_label, unit_label)
    divisor, axis_unit = scale_for("money" if money else "count", [v for _, v in pairs], lang, unit_label)

    def fv(v: float) -> str:
        return fmt.fmt_money(v, lang) if money else fmt.fmt_count(v, unit_label)

    shown = [escape(shorten(category_label(lab, lang))) for lab, _ in pairs]
    texts = [f"{fv(v)} · {fmt.fmt_rate(v / total) if total else fmt.DASH}" for _, v in pairs]
    fig = go.Figure(_bar(shown, [v / divisor for _, v in pairs], texts))
    period = fmt.period_label(year, quarter, lang, cumulative=True)
    top = max((v / divisor for _, v in pairs), default=1) or 1
    base_layout(
        fig,
        title=title_text("fig.title_breakdown", scope_name, lang, period=period, what=escape(title_what)),
        subtitle=t("fig.subtitle_breakdown", lang, total=fv(total)),
        source=source,
        notes=(),
        lang=lang,
        height=max(160, 40 * len(pairs) + 20),
        margin_l=label_margin(shown, 12),
        margin_r=150,
        show_legend=False,
    )
    fig.update_xaxes(
        range=[0, top * 1.04],
        tickformat=",~f",
        title=dict(text=axis_unit_title(escape(value_label or title_what), axis_unit, lang)),
    )
    category_rows(fig, shown, autorange="reversed", showgrid=False)
    return fig
