"""账号管理: add accounts, reset passwords, disable or enable, change role and unit (admins only).

The work and the permission check happen in etl.store.accounts; every change is written to the
操作日志 in the same transaction.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.markdown import md_escape
from dashboard.state import lang
from etl.core.i18n import t
from etl.store import accounts
from etl.store.permissions import ROLES, PermissionDenied

code = lang()

actor = auth.require_page("accounts")
st.title(t("page.accounts", code), anchor=False)
st.caption(t("accounts.caption", code))
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
    return t("auth.org", code) if unit_id is None else unit_names.get(unit_id, str(unit_id))


def _state(row) -> str:
    if not row.enabled:
        return t("accounts.state_disabled", code)
    if pd.notna(row.locked_until):
        return t("accounts.state_locked", code, time=f"{row.locked_until:%Y-%m-%d %H:%M}")
    return t("accounts.state_enabled", code)


st.subheader(t("accounts.list", code), anchor=False)
shown = pd.DataFrame(
    {
        t("accounts.col_name", code): listing["name"],
        t("accounts.col_role", code): listing["role"].map(auth.role_label),
        t("accounts.col_unit", code): listing["unit"].fillna(t("auth.org", code)),
        t("accounts.col_email", code): listing["email"].fillna(""),
        t("accounts.col_state", code): [_state(r) for r in listing.itertuples()],
        t("accounts.col_last_login", code): pd.to_datetime(listing["last_login"]).dt.strftime(
            "%Y-%m-%d %H:%M"
        ),
    }
)
st.dataframe(shown, hide_index=True, width="stretch", placeholder="")

with (
    st.expander(t("accounts.add", code), expanded=listing.empty),
    st.form("account-add", clear_on_submit=True),
):
    left, right = st.columns(2)
    name = left.text_input(t("accounts.col_name", code), key="account-add.name")
    role = right.selectbox(
        t("accounts.col_role", code), ROLES, format_func=auth.role_label, key="account-add.role"
    )
    unit = left.selectbox(
        t("accounts.unit", code), unit_options, format_func=_unit_label, key="account-add.unit"
    )
    email = right.text_input(t("accounts.email", code), key="account-add.email")
    password = left.text_input(t("auth.password", code), type="password", key="account-add.password")
    again = right.text_input(t("accounts.password_again", code), type="password", key="account-add.again")
    if st.form_submit_button(t("accounts.create", code), type="primary"):
        if password != again:
            st.error(t("accounts.password_mismatch", code))
        else:
            _apply(
                lambda: accounts.add(
                    data.db_path(), name, password, role, unit=unit, email=email or None, actor=actor
                ),
                t("accounts.created", code, name=name.strip()),
            )

if listing.empty:
    st.stop()
chosen = st.selectbox(t("accounts.choose", code), listing["name"].tolist(), key="account-admin")
row = listing.set_index("name").loc[chosen]
password_tab, state_tab, role_tab = st.tabs(
    [t("accounts.tab_password", code), t("accounts.tab_state", code), t("accounts.tab_role", code)]
)
with password_tab, st.form("account-password", clear_on_submit=True):
    new = st.text_input(t("accounts.new_password", code), type="password", key="account-password.new")
    again = st.text_input(t("accounts.password_again", code), type="password", key="account-password.again")
    if st.form_submit_button(t("accounts.set_password", code)):
        if new != again:
            st.error(t("accounts.password_mismatch", code))
        else:
            _apply(
                lambda: accounts.set_password(data.db_path(), chosen, new, actor=actor),
                t("accounts.password_done", code, name=chosen),
            )
with state_tab:
    if bool(row["enabled"]):
        if st.button(t("accounts.disable", code), key="account-disable", icon=":material/block:"):
            _apply(
                lambda: accounts.set_enabled(data.db_path(), chosen, False, actor=actor),
                t("accounts.disabled_done", code, name=chosen),
            )
    elif st.button(t("accounts.enable", code), key="account-enable", icon=":material/check_circle:"):
        _apply(
            lambda: accounts.set_enabled(data.db_path(), chosen, True, actor=actor),
            t("accounts.enabled_done", code, name=chosen),
        )
with role_tab, st.form("account-role"):
    current_unit = None if pd.isna(row["unit_id"]) else int(row["unit_id"])
    new_role = st.selectbox(
        t("accounts.col_role", code), ROLES, index=ROLES.index(row["role"]), format_func=auth.role_label
    )
    new_unit = st.selectbox(
        t("accounts.unit", code),
        unit_options,
        index=unit_options.index(current_unit) if current_unit in unit_options else 0,
        format_func=_unit_label,
    )
    new_email = st.text_input(
        t("accounts.email", code), value=row["email"] if isinstance(row["email"], str) else ""
    )
    if st.form_submit_button(t("accounts.save_role", code)):
        _apply(
            lambda: accounts.change(
                data.db_path(), chosen, role=new_role, unit=new_unit, email=new_email or None, actor=actor
            ),
            t("accounts.role_done", code, name=chosen),
        )
