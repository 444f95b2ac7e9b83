"""工会年度工作指标看板 — Streamlit entry point: navigation, language and period/scope filters.

Year, quarter, scope and language live in the URL (?year=2025&quarter=2&scope=12&lang=zh), so a link
opens exactly that view and a refresh keeps it. A new session without them opens on the latest
quarter that is complete enough (settings.min_coverage), not merely the latest with any row.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import auth, data, scope_picker
from dashboard.state import Filters, lang, language_switch, url_state_to_session, write_url_state
from etl.core import fmt, settings
from etl.core.i18n import t
from etl.store import permissions

url_state_to_session()
language_switch()
code = lang()  # labels are bound now: a widget may format its options after this run
st.set_page_config(page_title=t("app.title", code), page_icon="📊", layout="wide")

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
    # nothing but the login page (or how to create the first admin) exists for this visitor; it
    # answers at every page's address, so a shared link asks to sign in, not "page not found"
    def _login() -> None:
        auth.login_page(gate)

    paths = [Path(path).stem for pages in PAGES.values() for path, *_ in pages]
    st.navigation(
        [st.Page(_login, title=t("page.login", code), url_path="login", default=True)]
        + [st.Page(_login, title=t("page.login", code), url_path=stem) for stem in paths],
        position="hidden",
    ).run()
    st.stop()
actor = gate.actor

navigation = st.navigation(
    {
        t(group, code): [
            st.Page(path, title=t(title, code), icon=icon, default=default)
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


def _default_period(periods: list[tuple[int, int]]) -> tuple[int, int]:
    chosen = data.default_period(settings.min_coverage())
    return chosen if chosen in periods else periods[0]


def _filters() -> Filters | None:
    periods = data.periods()
    if not periods:
        st.sidebar.info(t("sidebar.no_data_loaded", code))
        return None
    st.sidebar.subheader(t("sidebar.filters", code))
    years = sorted({y for y, _ in periods}, reverse=True)
    if "year" not in st.session_state or st.session_state["year"] not in years:
        st.session_state["year"], st.session_state["quarter"] = _default_period(periods)
    year = st.sidebar.selectbox(
        t("sidebar.year", code), years, key="year", format_func=lambda y: t("year.label", code, year=y)
    )
    quarters = sorted({q for y, q in periods if y == year})
    if st.session_state.get("quarter") not in quarters:
        st.session_state["quarter"] = quarters[-1]
    quarter = st.sidebar.selectbox(
        t("sidebar.quarter", code), quarters, key="quarter", format_func=lambda q: fmt.quarter_label(q, code)
    )
    # the scope box offers only what the account may see: its unit and everything below it
    unit_id, scope_name = scope_picker.pick(int(year), actor, auth.visible_units(actor), code)
    updated = data.last_loaded()
    if updated:
        st.sidebar.caption(t("sidebar.data_updated", code, date=updated))
    return Filters(int(year), int(quarter), unit_id, scope_name)


st.session_state["filters"] = _filters()
write_url_state()
navigation.run()
