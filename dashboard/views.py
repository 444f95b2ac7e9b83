"""Page bodies shared by the theme pages: header with coverage banner, cards, bullet, trend, ranking,
breakdowns and the readable tables behind them."""

from __future__ import annotations

from collections.abc import Callable, Hashable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data
from dashboard.markdown import md_escape
from dashboard.state import Filters, current_filters, lang
from dashboard.widgets import chart, kpi_cards, status_legend, table
from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID, KINDS, Indicator, indicators_of_theme
from etl.core.i18n import indicator_label, kind_label, status_label, t, theme_label
from etl.indicators.kpis import Kpi, LeftOut, as_frame
from etl.outputs import figures, tables
from etl.outputs.tables import Col

_NAMES_SHOWN = 20  # missing units named in the banner; the 数据报送 page lists them all


def require_filters() -> Filters:
    filters = current_filters()
    if filters is None:
        st.info(t("sidebar.no_data_loaded", lang()))
        st.page_link("pages/upload.py", label=t("page.upload", lang()), icon=":material/upload_file:")
        st.stop()
    return filters


def page_header(title: str, f: Filters, banner: bool = True) -> None:
    st.title(title)
    st.caption(f"{md_escape(f.scope_name)} · {fmt.period_label(f.year, f.quarter, lang())}")
    if banner:
        coverage_banner(f)


def coverage_banner(f: Filters) -> None:
    """An incomplete quarter says so above every figure: coverage per periodic return and who is missing."""
    code = lang()
    cov = data.coverage_by_kind(f.year, f.quarter, f.unit_id).set_index("kind")
    returns = [k for k in ("membership", "dues") if k in cov.index]
    if all(cov.loc[k, "reported"] >= cov.loc[k, "expected"] for k in returns):
        return
    sep = "，" if code == "zh" else "; "
    parts = [
        f"{kind_label(k, code)} "
        + fmt.fmt_coverage(int(cov.loc[k, "reported"]), int(cov.loc[k, "expected"]), code)
        for k in returns
    ]
    text = t(
        "banner.incomplete", code, period=fmt.period_label(f.year, f.quarter, code), coverage=sep.join(parts)
    )
    missing = list(cov.loc["membership", "missing"]) if "membership" in cov.index else []
    if missing:
        names = ("、" if code == "zh" else ", ").join(missing[:_NAMES_SHOWN])
        if len(missing) > _NAMES_SHOWN:
            names += f"…（{len(missing)}）"
        text += "  \n" + t("banner.missing", code, n=len(missing), names=names)
    st.warning(md_escape(text).replace("\\  \n", "  \n"), icon=":material/warning:")


def source_for(kind: str | list[str], f: Filters, cumulative: bool) -> str:
    period = fmt.period_label(f.year, f.quarter, lang(), cumulative=cumulative)
    return figures.source_line(kind, period, data.last_loaded(), lang())


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(_build: Callable[[], go.Figure], what: tuple[Hashable, ...], db: str, version: int) -> go.Figure:
    return _build()


def built(what: tuple[Hashable, ...], build: Callable[[], go.Figure]) -> go.Figure:
    """The chart `what` names (its kind and every choice that shapes it), built once per data version.
    Building a plotly figure validates each property: a 1,000-unit ranking takes a good part of a
    second, which every rerun of a page (each click) would pay again."""
    return _figure(build, what, str(data.db_path()), data.version())


def kpis_now(f: Filters) -> dict[str, Kpi]:
    return data.indicators(f.year, f.quarter, f.unit_id)


def gaps_now(f: Filters, results: dict[str, Kpi]) -> dict[str, LeftOut]:
    """What incomplete coverage leaves out (only computed when some figure is incomplete)."""
    if all(k.coverage is None or k.coverage.complete for k in results.values()):
        return {}
    return data.left_out(f.year, f.quarter, f.unit_id)


def indicator_table(results: dict[str, Kpi], ids: list[str], quarter: int) -> pd.DataFrame:
    """实际 / 目标 / 完成率 / 进度预期 / 同比 / 状态 / 报送单位 per indicator, formatted for reading."""
    code = lang()
    rows = []
    for i in ids:
        k, ind = results[i], INDICATOR_BY_ID[i]
        cov = k.coverage
        row = {
            t("col.indicator", code): indicator_label(ind, code),
            t("col.actual", code): t("card.not_applicable", code)
            if k.status == "not_applicable"
            else fmt.fmt_value(ind, k.actual, code),
            t("col.target", code): fmt.fmt_value(ind, k.target, code),
            t("col.achievement", code): fmt.fmt_rate(k.achievement),
        }
        if quarter != 4:
            row[t("col.expected", code)] = fmt.fmt_value(ind, k.expected, code)
        row[t("col.yoy", code)] = fmt.fmt_change(ind, k.yoy, code, compact=True) or fmt.DASH
        row[t("col.status", code)] = status_label(k.status, code)
        row[t("col.coverage", code)] = f"{cov.reported}/{cov.expected}" if cov else fmt.DASH
        rows.append(row)
    return pd.DataFrame(rows)


def _work_ids(theme_id: str) -> list[str]:
    return [i.id for i in indicators_of_theme(theme_id) if not i.quality]


def render_theme(theme_id: str) -> None:
    f = require_filters()
    code = lang()
    page_header(theme_label(theme_id, code), f)
    ids = _work_ids(theme_id)
    results = kpis_now(f)
    kpi_cards(results, ids, gaps_now(f, results))
    status_legend(f.quarter)
    kinds = sorted({INDICATOR_BY_ID[i].source for i in ids})
    rows = as_frame(results, ids)
    if rows["target"].notna().any():
        source = source_for(kinds, f, cumulative=True)
        fig = built(
            ("bullet", theme_id, f, code),
            lambda: figures.bullet_figure(
                rows, f.scope_name, f.year, f.quarter, code, source, theme=theme_id
            ),
        )
        chart(
            fig,
            figures.chart_filename(
                f.year, f.quarter, theme_label(theme_id, code), t("report.chart.what_bullet", code)
            ),
            key=f"bullet-{theme_id}",
        )
    with st.expander(t("table.behind_chart", code)):
        table(
            indicator_table(results, ids, f.quarter),
            f"{f.year}Q{f.quarter}_{theme_id}",
            key=f"tbl-{theme_id}",
        )
    st.divider()
    indicator_section(ids, f)


def _value_type(ind: Indicator) -> tables.ColType:
    return "rate" if ind.measure == "rate" else ("money" if ind.measure == "money" else "count")


def _coverage_column(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [
            f"{int(r)}/{int(e)}" if pd.notna(r) and pd.notna(e) and e else fmt.DASH
            for r, e in zip(frame["reported"], frame["expected_units"], strict=True)
        ],
        index=frame.index,
    )


def indicator_section(ids: list[str], f: Filters) -> None:
    code = lang()
    chosen = st.selectbox(
        t("theme.choose_indicator", code),
        ids,
        key=f"ind-{ids[0]}",
        format_func=lambda i: indicator_label(INDICATOR_BY_ID[i], code),
    )
    ind = INDICATOR_BY_ID[chosen]
    label = indicator_label(ind, code)
    cumulative = fmt.is_cumulative(ind)
    # full width: a chart pasted into a report is read at page width, not half of it
    trend = data.trend(f.year, f.quarter, f.unit_id)
    trend = trend[trend["indicator"] == chosen]
    source = source_for(ind.source, f, cumulative)
    fig = built(
        ("trend", chosen, f, code),
        lambda: figures.trend_figure(ind, trend, f.scope_name, f.year, code, source),
    )
    chart(
        fig,
        figures.chart_filename(f.year, f.quarter, label, t("report.chart.what_trend", code)),
        key=f"trend-{chosen}",
    )
    with st.expander(t("table.behind_chart", code)):
        shown = trend.assign(coverage=_coverage_column(trend)).sort_values(["year", "quarter"])
        value = _value_type(ind)
        cols = [
            Col("year", "text", "col.year"),
            Col("quarter", "quarter", "col.quarter"),
            Col("actual", value, "col.actual"),
            Col("target", value, "col.target"),
            Col("expected", value, "col.expected"),
            Col("status", "status", "col.status"),
            Col("coverage", "text", "col.coverage"),
        ]
        table(shown, f"{f.year}Q{f.quarter}_{label}_trend", key=f"trend-tbl-{chosen}", cols=cols)
    ranking_section(chosen, f)


RANK_UNITS_MAX = 5_000  # above it, units are ranked by the next-level union they belong to


def ranking_section(chosen: str, f: Filters) -> None:
    code = lang()
    ind = INDICATOR_BY_ID[chosen]
    label = indicator_label(ind, code)
    c1, c2, c3 = st.columns(3)
    level = "unit"
    if data.has_sub_unions(f.unit_id):
        size = data.reporting_units(f.unit_id)
        if size > RANK_UNITS_MAX:  # a chart of every grassroots unit of a province helps nobody
            level = "child"
            c1.caption(t("theme.rank_by_child", code, n=fmt.fmt_count(size)))
        else:
            level = c1.radio(
                t("theme.rank_level", code),
                ["unit", "child"],
                horizontal=True,
                key=f"level-{chosen}",
                format_func=lambda v: t(f"theme.level_{v}", code),
            )
    ranking = data.unit_history(f.year, f.quarter, f.unit_id, level)
    ranking = ranking[ranking["indicator"] == chosen]
    order = c2.radio(
        t("theme.sort", code),
        ["asc", "desc"],
        horizontal=True,
        key=f"sort-{chosen}",
        format_func=lambda o: t(f"theme.sort_{o}", code),
    )
    lagging = "missed" if f.quarter == 4 else "behind"
    only = c3.toggle(t(f"theme.{lagging}_only", code), key=f"behind-{chosen}")
    if only:
        ranking = ranking[ranking["status"] == lagging]
    if ranking.empty:
        st.info(t("theme.no_units", code))
        return
    cumulative = fmt.is_cumulative(ind)
    source = source_for(ind.source, f, cumulative)
    fig = built(
        ("ranking", chosen, f, code, level, order, only),
        lambda: figures.ranking_figure(
            ind, ranking, f.scope_name, f.year, f.quarter, code, source, sort=order
        ),
    )
    chart(
        fig,
        figures.chart_filename(f.year, f.quarter, label, t("report.chart.what_ranking", code)),
        key=f"rank-{chosen}",
    )
    with st.expander(t("table.behind_chart", code)):
        shown = ranking.assign(coverage=_coverage_column(ranking)).sort_values(
            "actual", ascending=order == "asc"
        )
        value = _value_type(ind)
        cols = [
            Col("unit", "text", "col.unit"),
            Col("parent", "text", "col.parent"),
            Col("unit_type", "text", "col.unit_type"),
            Col("actual", value, "col.actual"),
            Col("target", value, "col.target"),
            Col("achievement", "rate", "col.achievement"),
            Col("status", "status", "col.status"),
        ]
        if f.quarter != 4:
            cols.insert(5, Col("expected", value, "col.expected"))
            cols.append(Col("behind_since", "quarter", "col.behind_since"))
        table(shown, f"{f.year}Q{f.quarter}_{label}_units", key=f"rank-tbl-{chosen}", cols=cols)


def breakdown_section(kind: str, f: Filters) -> None:
    """Welfare or activities by category, with the rows behind it."""
    code = lang()
    frame = data.breakdown(kind, f.year, f.quarter, f.unit_id)
    if frame.empty:
        st.info(t("card.no_data", code))
        return
    source = source_for(kind, f, cumulative=True)
    if kind == "welfare":
        specs = [
            ("money", t("theme.welfare_amount", code), "元"),
            ("people", t("theme.welfare_people", code), "人次"),
        ]
    else:
        specs = [
            ("count", t("theme.activities_count", code), "次"),
            ("people", t("theme.activities_people", code), "人次"),
        ]
    # full width, one under the other: a chart pasted into a report is read at page width
    for value_col, what, unit in specs:
        fig = built(
            ("breakdown", kind, value_col, f, code),
            lambda value_col=value_col, what=what, unit=unit: figures.breakdown_figure(
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
            ),
        )
        chart(
            fig,
            figures.chart_filename(f.year, f.quarter, what, t("report.chart.what_breakdown", code)),
            key=f"bd-{kind}-{value_col}",
        )
    with st.expander(t("table.rows_behind", code, kind=kind_label(kind, code))):
        events = data.events(kind, f.year, f.quarter, f.unit_id)
        cols = [Col("date", "date", kind=kind), Col("unit", "text", "col.unit"), *_event_columns(kind)]
        table(events, f"{f.year}Q{f.quarter}_{KINDS[kind].zh}", key=f"events-{kind}", cols=cols)


def _event_columns(kind: str) -> list[Col]:
    return tables.kind_columns(kind, skip=("year", "quarter", "unit", "parent", "date"))
