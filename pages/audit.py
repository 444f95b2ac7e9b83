"""操作日志: who did what and when — read, filter and download only (admins)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.state import lang
from etl.core.i18n import t
from etl.outputs.templates import csv_bytes, write_frame_xlsx
from etl.store import audit

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

auth.require_page("audit")
code = lang()
st.title(t("page.audit", code), anchor=False)
st.caption(t("audit.caption", code))

today = dt.date.today()
with data.connection() as con:
    known_accounts = audit.accounts_seen(con)
first, second, third = st.columns([1, 1, 1])
since = first.date_input(t("audit.since", code), value=today - dt.timedelta(days=30), key="audit.since")
until = second.date_input(t("audit.until", code), value=today, key="audit.until")
account = third.selectbox(
    t("audit.account", code),
    [None, *known_accounts],
    format_func=lambda a: t("audit.all_accounts", code) if a is None else a,
    key="audit.account",
)
chosen = st.multiselect(
    t("audit.actions", code),
    list(audit.ACTIONS),
    format_func=lambda a: t(f"audit.action.{a}", code),
    placeholder=t("audit.all_actions", code),
    key="audit.actions",
)

with data.connection() as con:
    entries = audit.entries(
        con,
        since=dt.datetime.combine(since, dt.time()) if isinstance(since, dt.date) else None,
        until=dt.datetime.combine(until, dt.time()) + dt.timedelta(days=1)
        if isinstance(until, dt.date)
        else None,
        account=account,
        actions=chosen,
    )


def _via(value: object) -> str:
    key = f"audit.via_{value}"
    return t(key, code) if value in ("app", "cli", "local", "oidc") else str(value or "")


shown = pd.DataFrame(
    {
        t("audit.col_time", code): pd.to_datetime(entries["logged_at"]).dt.strftime("%Y-%m-%d %H:%M:%S"),
        t("audit.col_account", code): entries["account"],
        t("audit.col_role", code): entries["role"].map(lambda r: auth.role_label(r) if r else ""),
        t("audit.col_via", code): entries["via"].map(_via),
        t("audit.col_action", code): entries["action"].map(
            lambda a: t(f"audit.action.{a}", code) if a in audit.ACTIONS else a
        ),
        t("audit.col_target", code): entries["target"],
        t("audit.col_units", code): entries["units"],
        t("audit.col_periods", code): entries["periods"],
        t("audit.col_detail", code): entries["detail"],
    }
)
st.caption(t("audit.count", code, n=len(shown)))
st.dataframe(shown, hide_index=True, width="stretch", placeholder="")
name = t("file.audit", code, since=since, until=until)
left, right, _ = st.columns([1, 1, 3])
left.download_button(
    t("audit.download_csv", code),
    csv_bytes(shown),
    file_name=f"{name}.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    key="audit.csv",
)
right.download_button(
    t("audit.download_xlsx", code),
    write_frame_xlsx(shown, t("file.audit_sheet", code)),
    file_name=f"{name}.xlsx",
    mime=XLSX_MIME,
    on_click="ignore",
    icon=":material/download:",
    key="audit.xlsx",
)
