"""工会年度工作指标看板 — Streamlit entry point: navigation, language and period/scope filters."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.state import Filters, lang, language_switch, tr
from etl import fmt

st.set_page_config(page_title="工会年度工作指标看板", page_icon="📊", layout="wide")

language_switch()

PAGES = {
    "nav.dashboard": [
        ("pages/overview.py", "page.overview", ":material/dashboard:", True),
        ("pages/organisation.py", "page.organisation", ":material/groups:", False),
        ("pages/contracts.py", "page.contracts", ":material/handshake:", False),
        ("pages/dues.py", "page.dues", ":material/payments:", False),
        ("pages/welfare.py", "page.welfare", ":material/volunteer_activism:", False),
        ("pages/activities.py", "page.activities", ":material/event:", False),
    ],
    "nav.data": [
        ("pages/reporting.py", "page.reporting", ":material/fact_check:", False),
        ("pages/upload.py", "page.upload", ":material/upload_file:", False),
        ("pages/targets.py", "page.targets", ":material/flag:", False),
        ("pages/units.py", "page.units", ":material/account_tree:", False),
        ("pages/report.py", "page.report", ":material/description:", False),
    ],
}

navigation = st.navigation(
    {
        tr(group): [
            st.Page(path, title=tr(title), icon=icon, default=default) for path, title, icon, default in pages
        ]
        for group, pages in PAGES.items()
    }
)


def _filters() -> Filters | None:
    periods = data.get("periods")
    assert isinstance(periods, list)
    if not periods:
        st.sidebar.info(tr("sidebar.no_data_loaded"))
        return None
    st.sidebar.subheader(tr("sidebar.filters"))
    years = sorted({y for y, _ in periods}, reverse=True)
    year = st.sidebar.selectbox(
        tr("sidebar.year"), years, key="year", format_func=lambda y: tr("year.label", year=y)
    )
    quarters = sorted({q for y, q in periods if y == year})
    default_q = quarters[-1]
    if st.session_state.get("quarter") not in quarters:
        st.session_state["quarter"] = default_q
    quarter = st.sidebar.selectbox(
        tr("sidebar.quarter"), quarters, key="quarter", format_func=lambda q: fmt.quarter_label(q, lang())
    )
    units = data.frame("scope_units", int(year))  # retired units only for years they have data in
    org = data.get("org_name")
    options: list[int | None] = [None, *units["unit_id"].astype(int).tolist()]
    names = dict(zip(units["unit_id"].astype(int), units["name"], strict=True))
    parents = dict(zip(units["unit_id"].astype(int), units["parent"], strict=True))

    def label(unit_id: int | None) -> str:
        if unit_id is None:
            return tr("sidebar.scope_org", org=org)
        parent = parents.get(unit_id)
        return f"{parent} / {names[unit_id]}" if isinstance(parent, str) else names[unit_id]

    if st.session_state.get("scope") not in options:
        st.session_state["scope"] = None
    unit_id = st.sidebar.selectbox(tr("sidebar.scope"), options, key="scope", format_func=label)
    scope_name = str(org) if unit_id is None else names[unit_id]
    updated = data.get("last_loaded")
    if updated:
        st.sidebar.caption(tr("sidebar.data_updated", date=updated))
    return Filters(int(year), int(quarter), unit_id, scope_name)


st.session_state["filters"] = _filters()
navigation.run()
