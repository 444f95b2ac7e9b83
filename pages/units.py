"""单位管理: rename or merge units, set the parent union, edit the spellings that map to a unit,
retire a unit (停用) or bring it back."""

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.markdown import md_escape
from dashboard.state import ensure_shell, tr
from dashboard.widgets import table
from etl import units
from etl.units import UnitEditError

ensure_shell()
st.title(tr("page.units"))
st.caption(tr("units.caption"))

register = data.frame("units")
if register.empty:
    st.info(tr("sidebar.no_data_loaded"))
    st.stop()
names = dict(zip(register["unit_id"].astype(int), register["name"], strict=True))
shown = register.rename(
    columns={
        "name": tr("col.unit"),
        "parent": tr("col.parent"),
        "reports": tr("units.reports"),
        "children": tr("units.children"),
        "retired": tr("units.retired"),
    }
)
table(shown.drop(columns=["unit_id", "parent_id"]), "单位名册", key="register")

unit_id = st.selectbox(tr("units.choose"), list(names), format_func=lambda i: names[i], key="unit-admin")


def apply(action, *args) -> None:
    """Run one register change; show the outcome; the data version bump refreshes every page."""
    try:
        result = action(data.db_path(), *args)
    except UnitEditError as exc:
        st.error(md_escape(exc))  # the message quotes unit names: shown as text
        return
    st.success(md_escape(tr("units.done", detail=result if isinstance(result, str) else "")))


rename_tab, parent_tab, alias_tab, merge_tab, retire_tab = st.tabs(
    [tr("units.rename"), tr("units.parent"), tr("units.aliases"), tr("units.merge"), tr("units.retire_tab")]
)
with rename_tab, st.form("rename"):
    new_name = st.text_input(tr("units.new_name"), value=names[unit_id])
    if st.form_submit_button(tr("units.rename")):
        apply(units.rename, unit_id, new_name)
with parent_tab, st.form("parent"):
    parents = [None, *(i for i in names if i != unit_id)]
    current = register.set_index("unit_id").loc[unit_id, "parent_id"]
    current = None if pd.isna(current) else int(current)
    parent = st.selectbox(
        tr("col.parent"),
        parents,
        index=parents.index(current) if current in parents else 0,
        format_func=lambda i: tr("units.no_parent") if i is None else names[i],
    )
    if st.form_submit_button(tr("units.save_parent")):
        apply(units.set_parent, unit_id, parent)
with alias_tab:
    with data.connection() as con:
        known = units.aliases(con, unit_id)
    st.write(tr("units.alias_list"))
    st.dataframe({tr("units.aliases"): known}, hide_index=True)
    if known:
        with st.form("alias-remove"):
            gone = st.selectbox(tr("units.remove_alias_choose"), known)
            if st.form_submit_button(tr("units.remove_alias")):
                apply(units.remove_alias, gone)
    with st.form("alias"):
        alias = st.text_input(tr("units.new_alias"))
        if st.form_submit_button(tr("units.add_alias")) and alias.strip():
            apply(units.add_alias, unit_id, alias)
with merge_tab, st.form("merge"):
    st.warning(tr("units.merge_help", unit=md_escape(names[unit_id])))
    into = st.selectbox(
        tr("units.merge_into"), [i for i in names if i != unit_id], format_func=lambda i: names[i]
    )
    sure = st.checkbox(tr("units.merge_confirm"))
    if st.form_submit_button(tr("units.merge"), type="primary", disabled=False) and sure:
        apply(units.merge, unit_id, into)
with retire_tab, st.form("retire"):
    retired = bool(register.set_index("unit_id").loc[unit_id, "retired"])
    if retired:
        st.info(tr("units.restore_help", unit=md_escape(names[unit_id])))
        if st.form_submit_button(tr("units.restore_button")):
            apply(units.restore, unit_id)
    else:
        st.caption(tr("units.retire_help", unit=md_escape(names[unit_id])))
        if st.form_submit_button(tr("units.retire_button")):
            apply(units.retire, unit_id)
