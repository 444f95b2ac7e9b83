"""活动开展: cards, progress against plan, trend, unit ranking and the tables behind them."""

import streamlit as st

from dashboard.state import tr
from dashboard.views import breakdown_section, render_theme, require_filters

render_theme("activities")
f = require_filters()
st.subheader(tr("theme.breakdown"))
breakdown_section("activities", f)
