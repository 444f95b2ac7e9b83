"""会费收缴: cards, progress against plan, trend, unit ranking and the units in arrears."""

import streamlit as st

from dashboard import data
from dashboard.state import lang
from dashboard.views import render_theme, require_filters
from dashboard.widgets import table
from etl.core import fmt
from etl.core.i18n import t
from etl.outputs.tables import Col

code = lang()

render_theme("dues")
f = require_filters()
st.subheader(t("theme.arrears", code))
n_units, owed = data.arrears_total(f.year, f.quarter, f.unit_id)
if not n_units:
    st.success(t("theme.no_arrears", code))
else:
    st.warning(t("theme.arrears_summary", code, n=n_units, total=fmt.fmt_money(owed, lang())))
    arrears = data.dues_by_unit(f.year, f.quarter, f.unit_id, arrears_only=True)
    cols = [
        Col("unit", "text", "col.unit"),
        Col("parent", "text", "col.parent"),
        Col("due", "money", "col.due"),
        Col("paid", "money", "col.paid"),
        Col("arrears", "money", "col.arrears"),
        Col("rate", "rate", "col.collection_rate"),
        Col("last_paid", "date", "col.last_paid"),
    ]
    table(arrears, t("file.arrears", code, year=f.year, quarter=f.quarter), key="dues", cols=cols)
