"""工会年度工作指标看板 — Streamlit entry point: navigation, language and period/scope filters."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, data
from dashboard.state import Filters, lang, language_switch, tr
from etl import fmt, permissions

st.set_page_config(page_title="工会年度工作指标看板", page_icon="📊", layout="wide")

language_switch()

# (script, title key, icon, default page, what the role must be allowed to do to see it)
PAGES = {
    "nav.dashboard": [
        ("pages/overview.py", "page.overview", ":material/dashboard:", True, "view"),
        ("pages/organisation.py", "page.organisation", ":material/groups:", False, "view"),
        ("pages/contracts.py", "page.contracts", ":material/handshake:", False, "view"),
        ("pages/dues.py", "page.dues", ":material/payments:", False, "view"),
        ("pages/welfare.py", "page.welfare", ":material/volunteer_activism:", False, "view"),
        ("pages/activities.py", "page.activities", ":material/event:", False, "view"),
    ],
    "nav.data": [
        ("pages/reporting.py", "page.reporting", ":material/fact_check:", False, "view"),
        ("pages/upload.py", "page.upload", ":material/upload_file:", False, "upload"),
        ("pages/targets.py", "page.targets", ":material/flag:", False, "targets"),
        ("pages/units.py", "page.units", ":material/account_tree:", False, "units"),
        ("pages/report.py", "page.report", ":material/description:", False, "view"),
    ],
    "nav.admin": [
        ("pages/accounts.py", "page.accounts", ":material/manage_accounts:", False, "accounts"),
        ("pages/audit.py", "page.audit", ":material/history_edu:", False, "audit"),
    ],
}

gate = auth.gate()
if gate.actor is None:
    # nothing but the login page (or how to create the first admin) exists for this visitor
    st.navigation(
        [st.Page(lambda: auth.login_page(gate), title=tr("page.login"), url_path="login", default=True)],
        position="hidden",
    ).run()
    st.stop()
actor = gate.actor

navigation = st.navigation(
    {
        tr(group): [
            st.Page(path, title=tr(title), icon=icon, default=default)
            for path, title, icon, default, action in pages
            if permissions.allowed(actor, action)
        ]
        for group, pages in PAGES.items()
        if any(permissions.allowed(actor, action) for *_, action in pages)
    },
    expanded=True,  # an admin has 13 pages: no "View more" folding the admin pages away
)
# after st.navigation: its widgets then belong to the page shown, so their ids stay the same
# from one run to the next (a logout click on the first run after a login is not lost)
auth.account_box(gate)


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
    units = data.frame("units")
    org = data.get("org_name")
    # the scope box offers only what the account may see: its unit and everything below it
    visible = auth.visible_units(actor)
    options: list[int | None] = [None, *units["unit_id"].astype(int).tolist()]
    if visible is not None:
        options = [actor.unit_id, *(u for u in options if u in visible and u != actor.unit_id)]
    names = dict(zip(units["unit_id"].astype(int), units["name"], strict=True))
    parents = dict(zip(units["unit_id"].astype(int), units["parent"], strict=True))

    def label(unit_id: int | None) -> str:
        if unit_id is None:
            return tr("sidebar.scope_org", org=org)
        parent = parents.get(unit_id)
        return f"{parent} / {names[unit_id]}" if isinstance(parent, str) else names[unit_id]

    if st.session_state.get("scope") not in options:
        st.session_state["scope"] = options[0]
    unit_id = st.sidebar.selectbox(tr("sidebar.scope"), options, key="scope", format_func=label)
    scope_name = str(org) if unit_id is None else names[unit_id]
    updated = data.get("last_loaded")
    if updated:
        st.sidebar.caption(tr("sidebar.data_updated", date=updated))
    return Filters(int(year), int(quarter), unit_id, scope_name)


st.session_state["filters"] = _filters()
navigation.run()
