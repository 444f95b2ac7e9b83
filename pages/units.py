"""单位管理: rename or merge units, set the parent union, edit the spellings that map to a unit,
retire a unit (停用) or bring it back."""

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.markdown import md_escape
from dashboard.state import lang
from dashboard.widgets import table
from etl.core.dictionary import UNIT_TYPES
from etl.core.i18n import t, unit_type_label
from etl.outputs.tables import Col
from etl.store import units
from etl.store.permissions import PermissionDenied
from etl.store.units import UnitEditError

actor = auth.require_page("units")
code = lang()
st.title(t("page.units", code))
st.caption(t("units.caption", code))

register = data.units()
if register.empty:
    st.info(t("sidebar.no_data_loaded", code))
    st.stop()
names = dict(zip(register["unit_id"].astype(int), register["name"], strict=True))
yes, no = t("units.yes", code), t("units.no", code)
shown = register.assign(
    reports=register["reports"].map(lambda r: yes if r else no),
    unit_type=register["unit_type"].map(lambda v: unit_type_label(v, code) if isinstance(v, str) else ""),
    retired=register["retired"].map(lambda r: yes if r else no),
)
cols = [
    Col("name", "text", "col.unit"),
    Col("parent", "text", "col.parent"),
    Col("unit_type", "text", "col.unit_type"),
    Col("reports", "text", "units.reports"),
    Col("children", "count", "units.children"),
    Col("retired", "text", "units.retired"),
]
table(shown, t("file.units", code), key="register", cols=cols)

unit_id = st.selectbox(t("units.choose", code), list(names), format_func=lambda i: names[i], key="unit-admin")


def apply(action, *args) -> None:
    """Run one register change; show the outcome; the data version bump refreshes every page."""
    try:
        result = action(data.db_path(), *args, actor=actor)
    except UnitEditError as exc:
        st.error(md_escape(exc))  # the message quotes unit names: shown as text
        return
    except PermissionDenied as denied:
        auth.refused(denied)
        return
    st.success(md_escape(t("units.done", code, detail=result if isinstance(result, str) else "")))


rename_tab, parent_tab, type_tab, alias_tab, merge_tab, retire_tab = st.tabs(
    [
        t("units.rename", code),
        t("units.parent", code),
        t("col.unit_type", code),
        t("units.aliases", code),
        t("units.merge", code),
        t("units.retire_tab", code),
    ]
)
with rename_tab, st.form("rename"):
    new_name = st.text_input(t("units.new_name", code), value=names[unit_id])
    if st.form_submit_button(t("units.rename", code)):
        apply(units.rename, unit_id, new_name)
with parent_tab, st.form("parent"):
    parents = [None, *(i for i in names if i != unit_id)]
    current = register.set_index("unit_id").loc[unit_id, "parent_id"]
    current = None if pd.isna(current) else int(current)
    no_parent = t("units.no_parent", code)
    parent = st.selectbox(
        t("col.parent", code),
        parents,
        index=parents.index(current) if current in parents else 0,
        format_func=lambda i: no_parent if i is None else names[i],
    )
    if st.form_submit_button(t("units.save_parent", code)):
        apply(units.set_parent, unit_id, parent)
with type_tab, st.form("unit-type"):
    st.caption(t("units.type_help", code))
    choices = [None, *UNIT_TYPES]
    current_type = register.set_index("unit_id").loc[unit_id, "unit_type"]
    unknown = t("units.type_unknown", code)
    chosen_type = st.selectbox(
        t("col.unit_type", code),
        choices,
        index=choices.index(current_type) if current_type in choices else 0,
        format_func=lambda v: unknown if v is None else unit_type_label(v, code),
        key="unit-type",
    )
    if st.form_submit_button(t("units.save_type", code)):
        apply(units.set_unit_type, unit_id, chosen_type)
with alias_tab:
    with data.connection() as con:
        known = units.aliases(con, unit_id)
    st.write(t("units.alias_list", code))
    st.dataframe({t("units.aliases", code): known}, hide_index=True)
    if known:
        with st.form("alias-remove"):
            gone = st.selectbox(t("units.remove_alias_choose", code), known)
            if st.form_submit_button(t("units.remove_alias", code)):
                apply(units.remove_alias, gone)
    with st.form("alias"):
        alias = st.text_input(t("units.new_alias", code))
        if st.form_submit_button(t("units.add_alias", code)) and alias.strip():
            apply(units.add_alias, unit_id, alias)
with merge_tab, st.form("merge"):
    st.warning(t("units.merge_help", code, unit=md_escape(names[unit_id])))
    into = st.selectbox(
        t("units.merge_into", code), [i for i in names if i != unit_id], format_func=lambda i: names[i]
    )
    sure = st.checkbox(t("units.merge_confirm", code))
    if st.form_submit_button(t("units.merge", code), type="primary", disabled=False) and sure:
        apply(units.merge, unit_id, into)
with retire_tab, st.form("retire"):
    retired = bool(register.set_index("unit_id").loc[unit_id, "retired"])
    if retired:
        st.info(t("units.restore_help", code, unit=md_escape(names[unit_id])))
        if st.form_submit_button(t("units.restore_button", code)):
            apply(units.restore, unit_id)
    else:
        st.caption(t("units.retire_help", code, unit=md_escape(names[unit_id])))
        if st.form_submit_button(t("units.retire_button", code)):
            apply(units.retire, unit_id)
