"""操作日志: who did what and when — read, filter and download only (admins)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.state import lang, tr
from etl.outputs.templates import csv_bytes, write_frame_xlsx
from etl.store import audit

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

auth.require_page("audit")
code = lang()
st.title(tr("page.audit"), anchor=False)
st.caption(tr("audit.caption"))

today = dt.date.today()
with data.connection() as con:
    known_accounts = audit.accounts_seen(con)
first, second, third = st.columns([1, 1, 1])
since = first.date_input(tr("audit.since"), value=today - dt.timedelta(days=30), key="audit.since")
until = second.date_input(tr("audit.until"), value=today, key="audit.until")
account = third.selectbox(
    tr("audit.account"),
    [None, *known_accounts],
    format_func=lambda a: tr("audit.all_accounts") if a is None else a,
    key="audit.account",
)
chosen = st.multiselect(
    tr("audit.actions"),
    list(audit.ACTIONS),
    format_func=lambda a: tr(f"audit.action.{a}"),
    placeholder=tr("audit.all_actions"),
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
    return tr(key) if value in ("app", "cli", "local", "oidc") else str(value or "")


shown = pd.DataFrame(
    {
        tr("audit.col_time"): pd.to_datetime(entries["logged_at"]).dt.strftime("%Y-%m-%d %H:%M:%S"),
        tr("audit.col_account"): entries["account"],
        tr("audit.col_role"): entries["role"].map(lambda r: auth.role_label(r) if r else ""),
        tr("audit.col_via"): entries["via"].map(_via),
        tr("audit.col_action"): entries["action"].map(
            lambda a: tr(f"audit.action.{a}") if a in audit.ACTIONS else a
        ),
        tr("audit.col_target"): entries["target"],
        tr("audit.col_units"): entries["units"],
        tr("audit.col_periods"): entries["periods"],
        tr("audit.col_detail"): entries["detail"],
    }
)
st.caption(tr("audit.count", n=len(shown)))
st.dataframe(shown, hide_index=True, width="stretch", placeholder="")
name = f"操作日志_{since}_{until}"
left, right, _ = st.columns([1, 1, 3])
left.download_button(
    tr("audit.download_csv"),
    csv_bytes(shown),
    file_name=f"{name}.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    key="audit.csv",
)
right.download_button(
    tr("audit.download_xlsx"),
    write_frame_xlsx(shown, "操作日志"),
    file_name=f"{name}.xlsx",
    mime=XLSX_MIME,
    on_click="ignore",
    icon=":material/download:",
    key="audit.xlsx",
)
