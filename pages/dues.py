"""会费收缴: cards, progress against plan, trend, unit ranking and the units in arrears."""

import streamlit as st

from dashboard import data
from dashboard.state import lang, tr
from dashboard.views import render_theme, require_filters
from dashboard.widgets import table
from etl.core import fmt
from etl.outputs.tables import Col

render_theme("dues")
f = require_filters()
st.subheader(tr("theme.arrears"))
n_units, owed = data.arrears_total(f.year, f.quarter, f.unit_id)
if not n_units:
    st.success(tr("theme.no_arrears"))
else:
    st.warning(tr("theme.arrears_summary", n=n_units, total=fmt.fmt_money(owed, lang())))
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
    table(arrears, f"{f.year}Q{f.quarter}_会费欠缴", key="dues", cols=cols)
