"""The 范围 box of the sidebar: every unit in one list for a federation; level by level (province →
city → unit) for a register too large to list, such as a national one.

Either way the choice lands in session_state["scope"] (ORG for the whole organisation), which the
URL carries (dashboard.state), and an account sees only its own unit and what lies below it.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.state import ORG, lang
from etl.core.i18n import t
from etl.store.permissions import Actor

FLAT_LIMIT = 2_000  # units listed in one box; above it the box goes level by level
_LEVEL = "scope.level"


def pick(year: int, actor: Actor, visible: set[int] | None, code: str) -> tuple[int | None, str]:
    """The scope chosen (None = the whole organisation) and its name."""
    org = data.org_name()
    if data.unit_count() <= FLAT_LIMIT:
        return _flat(year, actor, visible, code, org)
    return _by_level(year, actor, visible, code, org)


def _flat(year: int, actor: Actor, visible: set[int] | None, code: str, org: str) -> tuple[int | None, str]:
    units = data.scope_units(int(year))  # retired units only for years they have data in
    options = [ORG, *units["unit_id"].astype(int).tolist()]
    if visible is not None and actor.unit_id is not None:
        options = [actor.unit_id, *(u for u in options if u in visible and u != actor.unit_id)]
    names = dict(zip(units["unit_id"].astype(int), units["name"], strict=True))
    parents = dict(zip(units["unit_id"].astype(int), units["parent"], strict=True))

    def label(unit_id: int) -> str:
        if unit_id == ORG:
            return t("sidebar.scope_org", code, org=org)
        parent = parents.get(unit_id)
        return f"{parent} / {names[unit_id]}" if isinstance(parent, str) else names[unit_id]

    if st.session_state.get("scope") not in options:
        st.session_state["scope"] = options[0]
    unit_id = st.sidebar.selectbox(t("sidebar.scope", lang()), options, key="scope", format_func=label)
    return (None, org) if unit_id == ORG else (int(unit_id), names[unit_id])


def _by_level(
    year: int, actor: Actor, visible: set[int] | None, code: str, org: str
) -> tuple[int | None, str]:
    """One box per level: each lists the units directly under the choice above it."""
    top = actor.unit_id if visible is not None and actor.unit_id is not None else None
    wanted = st.session_state.get("scope")
    if isinstance(wanted, int) and wanted != ORG and (visible is None or wanted in visible):
        path = [u for u in data.path_to(wanted) if top is None or u in (visible or ())]
        if top is not None and path[:1] != [top]:
            path = [top]
    else:
        path = [] if top is None else [top]
    chosen, name = top, (org if top is None else data.unit_name(top))
    level, current = 0, top
    while True:
        below = data.children(current, int(year))
        if below.empty:
            break
        ids = [ORG, *below["unit_id"].astype(int).tolist()]
        names = dict(zip(below["unit_id"].astype(int), below["name"], strict=True))
        everything = t("sidebar.scope_org", code, org=name)
        preset = (
            path[level + (0 if top is None else 1)] if len(path) > level + (0 if top is None else 1) else ORG
        )
        key = f"{_LEVEL}.{level}"
        if key not in st.session_state or st.session_state[key] not in ids:
            st.session_state[key] = preset if preset in ids else ORG
        picked = st.sidebar.selectbox(
            t("sidebar.scope", lang()) if level == 0 else t("sidebar.scope_below", lang()),
            ids,
            key=key,
            format_func=lambda u, everything=everything, names=names: everything if u == ORG else names[u],
        )
        if picked == ORG:
            break
        chosen, name, current = int(picked), names[picked], int(picked)
        level += 1
    st.session_state["scope"] = ORG if chosen is None else chosen
    return chosen, str(name)
