"""组织建设与会员: cards, progress against plan, trend, unit ranking and the tables behind them."""

import streamlit as st

from dashboard import data
from dashboard.state import tr
from dashboard.views import render_theme, require_filters
from dashboard.widgets import table

render_theme("organisation")
f = require_filters()
st.subheader(tr("theme.membership_rows"))
table(
    data.frame("membership_rows", f.year, f.quarter, f.unit_id), f"{f.year}Q{f.quarter}_会员发展", key="rows"
)
