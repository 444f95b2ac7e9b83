"""组织建设与会员: cards, progress against plan, trend, unit ranking and the tables behind them."""

import streamlit as st

from dashboard import data
from dashboard.state import lang
from dashboard.views import render_theme, require_filters
from dashboard.widgets import table
from etl.core.i18n import t
from etl.outputs import tables
from etl.outputs.tables import Col

code = lang()

render_theme("organisation")
f = require_filters()
st.subheader(t("theme.membership_rows", code))
cols = [
    Col("unit", "text", "col.unit"),
    Col("parent", "text", "col.parent"),
    *tables.kind_columns("membership"),
]
table(
    data.membership_rows(f.year, f.quarter, f.unit_id),
    t("file.membership_rows", code, year=f.year, quarter=f.quarter),
    key="rows",
    cols=cols,
)
