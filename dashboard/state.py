"""Session choices shared by every page: language, year, quarter, scope."""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from etl.i18n import LANG_NAMES, LANGS, t

APP_SCRIPT = Path(__file__).resolve().parent.parent / "app.py"
ACTOR_KEY = "auth.actor"  # who is signed in on this run: set by app.py (dashboard.auth.gate) every run


def lang() -> str:
    return st.session_state.get("lang", "zh")


def tr(key: str, **kwargs: object) -> str:
    return t(key, lang(), **kwargs)


@dataclass(frozen=True)
class Filters:
    year: int
    quarter: int
    unit_id: int | None  # None = the whole organisation
    scope_name: str


def language_switch() -> None:
    st.sidebar.radio(
        t("sidebar.language", lang()),
        LANGS,
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
