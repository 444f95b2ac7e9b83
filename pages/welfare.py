"""帮扶慰问: cards, progress against plan, trend, unit ranking and the tables behind them."""

import streamlit as st

from dashboard.state import tr
from dashboard.views import breakdown_section, render_theme, require_filters

render_theme("welfare")
f = require_filters()
st.subheader(tr("theme.breakdown"))
breakdown_section("welfare", f)
