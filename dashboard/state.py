"""Session choices shared by every page: language, year, quarter, scope."""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from etl.core.i18n import LANG_NAMES, LANGS, t

APP_SCRIPT = Path(__file__).resolve().parent.parent / "app.py"
ORG = 0  # the scope box's value for the whole organisation (unit ids start at 1)
_URL_READ = "url.read"
_URL_LANG = "url.lang"
ACTOR_KEY = "auth.actor"  # who is signed in on this run: set by app.py (dashboard.auth.gate) every run


def lang() -> str:
    return st.session_state.get("lang", "zh")


@dataclass(frozen=True)
class Filters:
    year: int
    quarter: int
    unit_id: int | None  # None = the whole organisation
    scope_name: str


def url_state_to_session() -> None:
    """Once per browser session: take year, quarter, scope and language from the URL, so a shared link
    or a refresh opens exactly that view (the filters check the values against the data)."""
    if st.session_state.get(_URL_READ):
        return
    st.session_state[_URL_READ] = True
    params = st.query_params
    if params.get("lang") in LANGS:
        st.session_state[_URL_LANG] = params["lang"]  # the radio's first value, not its state
    for key in ("year", "quarter", "scope"):
        value = params.get(key)
        if value is not None and value.isdigit():
            st.session_state[key] = int(value)


def write_url_state() -> None:
    """Put the current view into the URL (no rerun), so the address bar is always a link to it."""
    filters = st.session_state.get("filters")
    wanted: dict[str, str] = {"lang": lang()}
    if filters is not None:
        wanted |= {"year": str(filters.year), "quarter": str(filters.quarter)}
        if filters.unit_id is not None:
            wanted["scope"] = str(filters.unit_id)
    params = st.query_params
    for key in ("lang", "year", "quarter", "scope"):
        if key in wanted and params.get(key) != wanted[key]:
            params[key] = wanted[key]
        elif key not in wanted and key in params:
            del params[key]


def language_switch() -> None:
    # a link's ?lang= gives the first value; kept for the session, as the default is part of the widget id
    from_url = st.session_state.get(_URL_LANG)
    st.sidebar.radio(
        t("sidebar.language", from_url or lang()),
        LANGS,
        index=LANGS.index(from_url) if from_url in LANGS else 0,
        key="lang",
        horizontal=True,
        format_func=lambda code: LANG_NAMES[code],
    )


def ensure_shell() -> None:
    """Make sure the page runs inside app.py's navigation.

    On the first request after a server start, Streamlit routes a deep link such as
    /organisation through its legacy `pages/` folder discovery, which runs the page
    without app.py (no sidebar filters); AppTest does so on every run. Both modes hash a
    page by its URL path, so running app.py in place renders the same page through the
    shell. In place rather than st.rerun(), so a button press of this run is not lost.
    """
    if PagesManager.uses_pages_directory:  # app.py's st.navigation sets it to False
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(APP_SCRIPT), run_name="__main__")
        st.stop()


def current_filters() -> Filters | None:
    """The sidebar's choices; stops the page when nobody is signed in (app.py shows the login)."""
    ensure_shell()
    if st.session_state.get(ACTOR_KEY) is None:
        st.stop()
    return st.session_state.get("filters")
