"""总览: the work indicators as cards grouped by theme, their statuses counted, and data quality apart."""

import streamlit as st

from dashboard import data
from dashboard.state import lang
from dashboard.views import gaps_now, indicator_table, kpis_now, page_header, require_filters
from dashboard.widgets import kpi_cards, status_legend, table
from etl.core import fmt, settings
from etl.core.dictionary import INDICATORS, THEMES, WORK_INDICATORS, indicators_of_theme, statuses_for
from etl.core.i18n import status_label, t, theme_label

f = require_filters()
code = lang()
page_header(t("page.overview", code), f)

latest = data.periods()[0]
if (f.year, f.quarter) != latest and data.default_period(settings.min_coverage()) == (
    f.year,
    f.quarter,
):
    coverage = data.period_coverage().iloc[0]
    st.info(
        t(
            "banner.default_period",
            code,
            latest=fmt.period_label(*latest, code),
            coverage=fmt.fmt_coverage(int(coverage["reported"]), int(coverage["expected"]), code),
            share=fmt.fmt_rate(settings.min_coverage(), 0),
            period=fmt.period_label(f.year, f.quarter, code),
        ),
        icon=":material/info:",
    )

results = kpis_now(f)
gaps = gaps_now(f, results)
st.subheader(t("overview.work", code, n=len(WORK_INDICATORS)))
counts = {s: sum(1 for i in WORK_INDICATORS if results[i.id].status == s) for s in statuses_for(f.quarter)}
judged = ("met", "missed") if f.quarter == 4 else ("ahead", "on_track", "behind")
shown_statuses = [s for s in counts if s in judged or counts[s]]  # the judged ones always, others when any
for column, status in zip(st.columns(max(len(shown_statuses), 4)), shown_statuses, strict=False):
    column.metric(status_label(status, code), counts[status])
status_legend(f.quarter)

for theme in THEMES:
    ids = [i.id for i in indicators_of_theme(theme.id) if not i.quality]
    st.subheader(theme_label(theme.id, code))
    kpi_cards(results, ids, gaps)

st.subheader(t("overview.quality", code), help=t("overview.quality_help", code))
kpi_cards(results, [i.id for i in INDICATORS if i.quality], gaps)

with st.expander(t("table.behind_chart", code)):
    ids = [i.id for i in INDICATORS]
    table(
        indicator_table(results, ids, f.quarter),
        t("file.overview", code, year=f.year, quarter=f.quarter),
        key="overview",
    )
