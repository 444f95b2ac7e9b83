"""Page bodies shared by the theme pages: cards, bullet, trend, ranking, breakdowns, tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.markdown import md_escape
from dashboard.state import Filters, current_filters, lang, tr
from dashboard.widgets import chart, kpi_cards, table
from etl import figures, fmt
from etl.dictionary import INDICATOR_BY_ID, KINDS, indicators_of_theme
from etl.i18n import indicator_label, status_label, theme_label
from etl.kpis import Kpi, as_frame


def require_filters() -> Filters:
    filters = current_filters()
    if filters is None:
        st.info(tr("sidebar.no_data_loaded"))
        st.page_link("pages/upload.py", label=tr("page.upload"), icon=":material/upload_file:")
        st.stop()
    return filters


def page_header(title: str, f: Filters) -> None:
    st.title(title)
    st.caption(f"{md_escape(f.scope_name)} · {fmt.period_label(f.year, f.quarter, lang())}")


def source_for(kind: str | list[str], f: Filters, cumulative: bool) -> str:
    period = fmt.period_label(f.year, f.quarter, lang(), cumulative=cumulative)
    return figures.source_line(kind, period, str(data.get("last_loaded")), lang())


def kpis_now(f: Filters) -> dict[str, Kpi]:
    result = data.get("kpis.compute", f.year, f.quarter, f.unit_id)
    assert isinstance(result, dict)
    return result


def indicator_table(results: dict[str, Kpi], ids: list[str]) -> pd.DataFrame:
    """实际 / 目标 / 完成率 / 进度预期 / 同比 / 状态 per indicator, formatted for reading."""
    code = lang()
    rows = []
    for i in ids:
        k, ind = results[i], INDICATOR_BY_ID[i]
        rows.append(
            {
                tr("col.indicator"): indicator_label(ind, code),
                tr("col.actual"): fmt.fmt_value(ind, k.actual, code),
                tr("col.target"): fmt.fmt_value(ind, k.target, code),
                tr("col.achievement"): fmt.fmt_rate(k.achievement),
                tr("col.expected"): fmt.fmt_value(ind, k.expected, code),
                tr("col.yoy"): fmt.fmt_yoy(ind, k.actual, k.previous, code, compact=True) or fmt.DASH,
                tr("col.status"): status_label(k.status, code),
            }
        )
    return pd.DataFrame(rows)


def render_theme(theme_id: str) -> None:
    f = require_filters()
    code = lang()
    page_header(theme_label(theme_id, code), f)
    ids = [i.id for i in indicators_of_theme(theme_id)]
    results = kpis_now(f)
    kpi_cards(results, ids)
    kinds = sorted({INDICATOR_BY_ID[i].source for i in ids})
    rows = as_frame(results, ids)
    if rows["target"].notna().any():
        fig = figures.bullet_figure(
            rows, f.scope_name, f.year, f.quarter, code, source_for(kinds, f, cumulative=True), theme=theme_id
        )
        chart(
            fig,
            figures.chart_filename(f.year, f.quarter, theme_label(theme_id, code), "完成情况"),
            key=f"bullet-{theme_id}",
        )
    with st.expander(tr("table.behind_chart")):
        table(indicator_table(results, ids), f"{f.year}Q{f.quarter}_{theme_id}", key=f"tbl-{theme_id}")
    st.divider()
    indicator_section(ids, f)


def indicator_section(ids: list[str], f: Filters) -> None:
    code = lang()
    chosen = st.selectbox(
        tr("theme.choose_indicator"),
        ids,
        key=f"ind-{ids[0]}",
        format_func=lambda i: indicator_label(INDICATOR_BY_ID[i], code),
    )
    ind = INDICATOR_BY_ID[chosen]
    label = indicator_label(ind, code)
    cumulative = fmt.is_cumulative(ind)
    # full width: a chart pasted into a report is read at page width, not half of it
    trend = data.frame("kpis.trend", f.year, f.unit_id)
    trend = trend[trend["indicator"] == chosen]
    fig = figures.trend_figure(ind, trend, f.scope_name, f.year, code, source_for(ind.source, f, cumulative))
    chart(fig, figures.chart_filename(f.year, None, label, "分季度进展"), key=f"trend-{chosen}")
    with st.expander(tr("table.behind_chart")):
        shown = trend[["year", "quarter", "actual", "target", "expected", "status"]].copy()
        shown["status"] = shown["status"].map(lambda s: status_label(s, code))
        table(_readable(shown, ind), f"{f.year}_{label}_trend", key=f"trend-tbl-{chosen}")
    ranking_section(chosen, f)


def ranking_section(chosen: str, f: Filters) -> None:
    code = lang()
    ind = INDICATOR_BY_ID[chosen]
    label = indicator_label(ind, code)
    ranking = data.frame("kpis.unit_history", f.year, f.quarter, f.unit_id)
    ranking = ranking[ranking["indicator"] == chosen]
    c1, c2 = st.columns(2)
    order = c1.radio(
        tr("theme.sort"),
        ["asc", "desc"],
        horizontal=True,
        key=f"sort-{chosen}",
        format_func=lambda o: tr(f"theme.sort_{o}"),
    )
    behind_only = c2.toggle(tr("theme.behind_only"), key=f"behind-{chosen}")
    if behind_only:
        ranking = ranking[ranking["status"] == "behind"]
    if ranking.empty:
        st.info(tr("theme.no_units"))
        return
    cumulative = fmt.is_cumulative(ind)
    fig = figures.ranking_figure(
        ind, ranking, f.scope_name, f.year, f.quarter, code, source_for(ind.source, f, cumulative), sort=order
    )
    chart(fig, figures.chart_filename(f.year, f.quarter, label, "各单位排名"), key=f"rank-{chosen}")
    with st.expander(tr("table.behind_chart")):
        shown = ranking[
            ["unit", "parent", "actual", "target", "expected", "achievement", "status", "behind_since"]
        ].sort_values("actual", ascending=order == "asc")
        shown["status"] = shown["status"].map(lambda s: status_label(s, code))
        shown["behind_since"] = shown["behind_since"].map(
            lambda q: fmt.quarter_label(int(q), code) if pd.notna(q) else ""
        )
        table(_readable(shown, ind), f"{f.year}Q{f.quarter}_{label}_units", key=f"rank-tbl-{chosen}")


def _readable(frame: pd.DataFrame, ind) -> pd.DataFrame:
    """Format value columns as people read them and give the columns Chinese names."""
    code = lang()
    out = frame.copy()
    for col in ("actual", "target", "expected"):
        if col in out:
            out[col] = out[col].map(lambda v: fmt.fmt_value(ind, v, code) if pd.notna(v) else fmt.DASH)
    if "achievement" in out:
        out["achievement"] = out["achievement"].map(fmt.fmt_rate)
    names = {
        "year": "col.year",
        "quarter": "col.quarter",
        "unit": "col.unit",
        "parent": "col.parent",
        "actual": "col.actual",
        "target": "col.target",
        "expected": "col.expected",
        "achievement": "col.achievement",
        "status": "col.status",
        "behind_since": "col.behind_since",
    }
    return out.rename(columns={k: tr(v) for k, v in names.items()})


def breakdown_section(kind: str, f: Filters) -> None:
    """Welfare by category or activities by type, with the rows behind it."""
    code = lang()
    frame = data.frame("breakdown", kind, f.year, f.quarter, f.unit_id)
    if frame.empty:
        st.info(tr("card.no_data"))
        return
    source = source_for(kind, f, cumulative=True)
    left, right = st.columns(2)
    if kind == "welfare":
        specs = [("money", tr("theme.welfare_amount"), "元"), ("people", tr("theme.welfare_people"), "人次")]
    else:
        specs = [
            ("count", tr("theme.activities_count"), "次"),
            ("people", tr("theme.activities_people"), "人次"),
        ]
    for column, (value_col, what, unit) in zip((left, right), specs, strict=True):
        with column:
            fig = figures.breakdown_figure(
                frame,
                value_col,
                "category",
                what,
                f.scope_name,
                f.year,
                f.quarter,
                code,
                source,
                unit_label=unit,
            )
            chart(fig, figures.chart_filename(f.year, f.quarter, what, "分类"), key=f"bd-{kind}-{value_col}")
    with st.expander(tr("table.rows_behind", kind=KINDS[kind].zh if code == "zh" else KINDS[kind].en)):
        events = data.frame("events", kind, f.year, f.quarter, f.unit_id)
        table(events, f"{f.year}Q{f.quarter}_{kind}", key=f"events-{kind}")
