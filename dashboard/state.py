"""Session choices shared by every page: language, year, quarter, scope."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from etl.i18n import LANG_NAMES, LANGS, t


def lang() -> str:
    return st.session_state.get("lang", "zh")


def tr(key: str, **kwargs: object) -> str:
    return t(key, lang(), **kwargs)


@dataclass(frozen=True)
class Filters:
    year: int
    quarter: int
    unit_id: int | None      # None = the whole organisation
    scope_name: str


def language_switch() -> None:
    st.sidebar.radio(t("sidebar.language", lang()), LANGS, key="lang", horizontal=True,
                     format_func=lambda code: LANG_NAMES[code])


def current_filters() -> Filters | None:
    return st.session_state.get("filters")
