"""活动开展: cards, progress against plan, trend, unit ranking and the tables behind them."""

import streamlit as st

from dashboard.state import lang
from dashboard.views import breakdown_section, render_theme, require_filters
from etl.core.i18n import t

code = lang()

render_theme("activities")
f = require_filters()
st.subheader(t("theme.breakdown", code))
breakdown_section("activities", f)
