"""数据报送: which units sent which quarter's sheets, and who is missing (未报送)."""

import streamlit as st

from dashboard import data
from dashboard.state import lang, tr
from dashboard.views import page_header, require_filters
from dashboard.widgets import table
from etl.core import fmt
from etl.core.dictionary import DATA_KINDS
from etl.core.i18n import kind_label
from etl.outputs.tables import Col

f = require_filters()
page_header(tr("page.reporting"), f, banner=False)
code = lang()

kind = (
    st.segmented_control(
        tr("col.kind"),
        DATA_KINDS,
        default="membership",
        key="report-kind",
        format_func=lambda k: kind_label(k, code),
    )
    or "membership"
)
coverage = data.coverage_by_kind(f.year, f.quarter, f.unit_id).set_index("kind").loc[kind]
reported, expected = int(coverage["reported"]), int(coverage["expected"])
rate = reported / expected if expected else None
left, right = st.columns(2)
left.metric(tr("report.rate_for", kind=kind_label(kind, code)), fmt.fmt_rate(rate))
right.metric(tr("report.missing_units"), expected - reported)
st.caption(tr("report.summary", reported=reported, known=expected, rate=fmt.fmt_rate(rate)))
if kind in ("welfare", "activities"):
    st.caption(tr("report.events_note"))

st.subheader(
    tr("report.missing_for", period=fmt.period_label(f.year, f.quarter, code), kind=kind_label(kind, code))
)
missing = data.missing_units(f.year, f.quarter, f.unit_id, kind)
if missing.empty:
    st.success(tr("report.all_reported"))
else:
    missing["last_period"] = missing["last_period"].map(
        lambda p: (
            fmt.period_label(int(p) // 10, int(p) % 10, code)
            if p == p and p is not None
            else tr("report.never")
        )
    )
    cols = [
        Col("unit", "text", "col.unit"),
        Col("parent", "text", "col.parent"),
        Col("last_period", "text", "col.last_report"),
    ]
    table(missing, f"{f.year}Q{f.quarter}_未报送_{kind_label(kind, 'zh')}", key="missing", cols=cols)

st.subheader(tr("report.matrix", year=f.year, kind=kind_label(kind, code)))
grid = data.reporting_matrix(f.year, f.unit_id, kind)
total = grid.attrs.get("total")  # units; the grid has one row per unit and quarter
grid["mark"] = grid["reported"].map(
    lambda r: f"✔ {tr('report.reported')}" if r else f"✘ {tr('report.not_reported')}"
)
grid["quarter"] = grid["quarter"].map(lambda q: fmt.quarter_label(int(q), code))
grid["parent"] = grid["parent"].fillna("")
pivot = grid.pivot_table(
    index=["parent", "unit"], columns="quarter", values="mark", aggfunc="first", dropna=False, sort=False
).reset_index()
pivot = pivot.rename(columns={"unit": tr("col.unit"), "parent": tr("col.parent")})
pivot.attrs["total"] = total if total is not None else len(pivot)  # units, as the rows are
table(pivot, f"{f.year}_报送情况_{kind_label(kind, 'zh')}", key="matrix")
