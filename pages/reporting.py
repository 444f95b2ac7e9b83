"""数据报送: which units sent which quarter's sheets, and who is missing (未报送)."""

import streamlit as st

from dashboard import data
from dashboard.state import lang, tr
from dashboard.views import kpis_now, page_header, require_filters
from dashboard.widgets import table
from etl import fmt
from etl.dictionary import DATA_KINDS
from etl.i18n import kind_label

f = require_filters()
page_header(tr("page.reporting"), f)
code = lang()
rate = kpis_now(f)["reporting_rate"]

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
missing = data.frame("missing_units", f.year, f.quarter, f.unit_id, kind)
matrix = data.frame("reporting_matrix", f.year, f.unit_id)
known = matrix["unit_id"].nunique()
reported = known - len(missing)
left, right = st.columns(2)
left.metric(
    tr("report.rate_for", kind=kind_label(kind, code)),
    fmt.fmt_rate(reported / known if known else None),
    help=tr("report.rate_help", rate=fmt.fmt_rate(rate.actual)),
)
right.metric(tr("report.missing_units"), len(missing))
st.caption(
    tr(
        "report.summary",
        reported=reported,
        known=known,
        rate=fmt.fmt_rate(reported / known if known else None),
    )
)

st.subheader(
    tr("report.missing_for", period=fmt.period_label(f.year, f.quarter, code), kind=kind_label(kind, code))
)
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
    shown = missing.rename(
        columns={"unit": tr("col.unit"), "parent": tr("col.parent"), "last_period": tr("col.last_report")}
    )
    table(shown, f"{f.year}Q{f.quarter}_未报送_{kind_label(kind, 'zh')}", key="missing")

st.subheader(tr("report.matrix", year=f.year, kind=kind_label(kind, code)))
grid = matrix[matrix["kind"] == kind].copy()
grid["mark"] = grid["reported"].map(
    lambda r: f"✔ {tr('report.reported')}" if r else f"✘ {tr('report.not_reported')}"
)
grid["quarter"] = grid["quarter"].map(lambda q: fmt.quarter_label(int(q), code))
pivot = grid.pivot_table(
    index=["parent", "unit"], columns="quarter", values="mark", aggfunc="first", dropna=False, sort=False
).reset_index()
pivot = pivot.rename(columns={"unit": tr("col.unit"), "parent": tr("col.parent")})
table(pivot, f"{f.year}_报送情况_{kind_label(kind, 'zh')}", key="matrix")
