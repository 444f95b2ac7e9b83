"""数据报送: which units sent which quarter's sheets, and who is missing (未报送)."""

import streamlit as st

from dashboard import data
from dashboard.state import lang
from dashboard.views import page_header, require_filters
from dashboard.widgets import table
from etl.core import fmt
from etl.core.dictionary import DATA_KINDS
from etl.core.i18n import kind_label, t
from etl.outputs.tables import Col

code = lang()
f = require_filters()
page_header(t("page.reporting", code), f, banner=False)

kind = (
    st.segmented_control(
        t("col.kind", code),
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
left.metric(t("report.rate_for", code, kind=kind_label(kind, code)), fmt.fmt_rate(rate))
right.metric(t("report.missing_units", code), expected - reported)
st.caption(t("report.summary", code, reported=reported, known=expected, rate=fmt.fmt_rate(rate)))
if kind in ("welfare", "activities"):
    st.caption(t("report.events_note", code))

st.subheader(
    t(
        "report.missing_for",
        code,
        period=fmt.period_label(f.year, f.quarter, code),
        kind=kind_label(kind, code),
    )
)
missing = data.missing_units(f.year, f.quarter, f.unit_id, kind)
if missing.empty:
    st.success(t("report.all_reported", code))
else:
    missing["last_period"] = missing["last_period"].map(
        lambda p: (
            fmt.period_label(int(p) // 10, int(p) % 10, code)
            if p == p and p is not None
            else t("report.never", code)
        )
    )
    cols = [
        Col("unit", "text", "col.unit"),
        Col("parent", "text", "col.parent"),
        Col("last_period", "text", "col.last_report"),
    ]
    table(
        missing,
        t("file.missing", code, year=f.year, quarter=f.quarter, kind=kind_label(kind, "zh")),
        key="missing",
        cols=cols,
    )

st.subheader(t("report.matrix", code, year=f.year, kind=kind_label(kind, code)))
grid = data.reporting_matrix(f.year, f.unit_id, kind)
total = grid.attrs.get("total")  # units; the grid has one row per unit and quarter
grid["mark"] = grid["reported"].map(
    lambda r: f"✔ {t('report.reported', code)}" if r else f"✘ {t('report.not_reported', code)}"
)
grid["quarter"] = grid["quarter"].map(lambda q: fmt.quarter_label(int(q), code))
grid["parent"] = grid["parent"].fillna("")
# one row per unit (pivot_table with dropna=False would cross every parent with every unit)
pivot = (
    grid.pivot(index=["parent", "unit", "unit_id"], columns="quarter", values="mark")
    .reindex(columns=[fmt.quarter_label(q, code) for q in (1, 2, 3, 4)])
    .reset_index()
    .drop(columns="unit_id")
)
pivot.columns.name = None
pivot = pivot.rename(columns={"unit": t("col.unit", code), "parent": t("col.parent", code)})
pivot.attrs["total"] = total if total is not None else len(pivot)  # units, as the rows are
table(pivot, t("file.reporting", code, year=f.year, kind=kind_label(kind, "zh")), key="matrix")
