"""账号管理: add accounts, reset passwords, disable or enable, change role and unit (admins only).

The work and the permission check happen in etl.store.accounts; every change is written to the
操作日志 in the same transaction.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.markdown import md_escape
from dashboard.state import tr
from etl.store import accounts
from etl.store.permissions import ROLES, PermissionDenied

actor = auth.require_page("accounts")
st.title(tr("page.accounts"), anchor=False)
st.caption(tr("accounts.caption"))
MESSAGE = "accounts.message"


def _apply(work, done: str) -> bool:
    """Run one account change; the outcome shows after the rerun that refreshes the list."""
    try:
        work()
    except (accounts.AccountError, PermissionDenied) as exc:
        if isinstance(exc, PermissionDenied):
            auth.refused(exc)
        else:
            st.error(md_escape(exc))
        return False
    st.session_state[MESSAGE] = done
    st.rerun()
    return True


message = st.session_state.pop(MESSAGE, None)
if message:
    st.success(md_escape(message), icon=":material/task_alt:")

with data.connection() as con:
    listing = accounts.listing(con)
units = data.units()
unit_names = dict(zip(units["unit_id"].astype(int), units["name"], strict=True))
unit_options: list[int | None] = [None, *sorted(unit_names, key=lambda u: unit_names[u])]


def _unit_label(unit_id: int | None) -> str:
    return tr("auth.org") if unit_id is None else unit_names.get(unit_id, str(unit_id))


def _state(row) -> str:
    if not row.enabled:
        return tr("accounts.state_disabled")
    if pd.notna(row.locked_until):
        return tr("accounts.state_locked", time=f"{row.locked_until:%Y-%m-%d %H:%M}")
    return tr("accounts.state_enabled")


st.subheader(tr("accounts.list"), anchor=False)
shown = pd.DataFrame(
    {
        tr("accounts.col_name"): listing["name"],
        tr("accounts.col_role"): listing["role"].map(auth.role_label),
        tr("accounts.col_unit"): listing["unit"].fillna(tr("auth.org")),
        tr("accounts.col_email"): listing["email"].fillna(""),
        tr("accounts.col_state"): [_state(r) for r in listing.itertuples()],
        tr("accounts.col_last_login"): pd.to_datetime(listing["last_login"]).dt.strftime("%Y-%m-%d %H:%M"),
    }
)
st.dataframe(shown, hide_index=True, width="stretch", placeholder="")

with st.expander(tr("accounts.add"), expanded=listing.empty), st.form("account-add", clear_on_submit=True):
    left, right = st.columns(2)
    name = left.text_input(tr("accounts.col_name"), key="account-add.name")
    role = right.selectbox(
        tr("accounts.col_role"), ROLES, format_func=auth.role_label, key="account-add.role"
    )
    unit = left.selectbox(tr("accounts.unit"), unit_options, format_func=_unit_label, key="account-add.unit")
    email = right.text_input(tr("accounts.email"), key="account-add.email")
    password = left.text_input(tr("auth.password"), type="password", key="account-add.password")
    again = right.text_input(tr("accounts.password_again"), type="password", key="account-add.again")
    if st.form_submit_button(tr("accounts.create"), type="primary"):
        if password != again:
            st.error(tr("accounts.password_mismatch"))
        else:
            _apply(
                lambda: accounts.add(
                    data.db_path(), name, password, role, unit=unit, email=email or None, actor=actor
                ),
                tr("accounts.created", name=name.strip()),
            )

if listing.empty:
    st.stop()
chosen = st.selectbox(tr("accounts.choose"), listing["name"].tolist(), key="account-admin")
row = listing.set_index("name").loc[chosen]
password_tab, state_tab, role_tab = st.tabs(
    [tr("accounts.tab_password"), tr("accounts.tab_state"), tr("accounts.tab_role")]
)
with password_tab, st.form("account-password", clear_on_submit=True):
    new = st.text_input(tr("accounts.new_password"), type="password", key="account-password.new")
    again = st.text_input(tr("accounts.password_again"), type="password", key="account-password.again")
    if st.form_submit_button(tr("accounts.set_password")):
        if new != again:
            st.error(tr("accounts.password_mismatch"))
        else:
            _apply(
                lambda: accounts.set_password(data.db_path(), chosen, new, actor=actor),
                tr("accounts.password_done", name=chosen),
            )
with state_tab:
    if bool(row["enabled"]):
        if st.button(tr("accounts.disable"), key="account-disable", icon=":material/block:"):
            _apply(
                lambda: accounts.set_enabled(data.db_path(), chosen, False, actor=actor),
                tr("accounts.disabled_done", name=chosen),
            )
    elif st.button(tr("accounts.enable"), key="account-enable", icon=":material/check_circle:"):
        _apply(
            lambda: accounts.set_enabled(data.db_path(), chosen, True, actor=actor),
            tr("accounts.enabled_done", name=chosen),
        )
with role_tab, st.form("account-role"):
    current_unit = None if pd.isna(row["unit_id"]) else int(row["unit_id"])
    new_role = st.selectbox(
        tr("accounts.col_role"), ROLES, index=ROLES.index(row["role"]), format_func=auth.role_label
    )
    new_unit = st.selectbox(
        tr("accounts.unit"),
        unit_options,
        index=unit_options.index(current_unit) if current_unit in unit_options else 0,
        format_func=_unit_label,
    )
    new_email = st.text_input(
        tr("accounts.email"), value=row["email"] if isinstance(row["email"], str) else ""
    )
    if st.form_submit_button(tr("accounts.save_role")):
        _apply(
            lambda: accounts.change(
                data.db_path(), chosen, role=new_role, unit=new_unit, email=new_email or None, actor=actor
            ),
            tr("accounts.role_done", name=chosen),
        )
