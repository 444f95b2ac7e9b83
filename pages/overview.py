"""总览: every indicator as a card, grouped by theme."""

import streamlit as st

from dashboard.state import lang, tr
from dashboard.views import indicator_table, kpis_now, page_header, require_filters
from dashboard.widgets import kpi_cards, table
from etl.dictionary import INDICATORS, STATUSES, THEMES, indicators_of_theme
from etl.i18n import status_label, theme_label

f = require_filters()
page_header(tr("page.overview"), f)
results = kpis_now(f)

counts = {s: sum(1 for k in results.values() if k.status == s) for s in STATUSES}
for column, status in zip(st.columns(len(STATUSES)), STATUSES, strict=True):
    column.metric(status_label(status, lang()), counts[status])

for theme in THEMES:
    st.subheader(theme_label(theme.id, lang()))
    kpi_cards(results, [i.id for i in indicators_of_theme(theme.id)])

with st.expander(tr("table.behind_chart")):
    table(indicator_table(results, [i.id for i in INDICATORS]), f"{f.year}Q{f.quarter}_总览", key="overview")
