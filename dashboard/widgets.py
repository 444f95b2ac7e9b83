"""Small Streamlit pieces: KPI cards, charts with export config, tables with downloads."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.markdown import md_escape  # noqa: F401  (re-exported for pages)
from dashboard.state import lang, tr
from etl import fmt
from etl.dictionary import INDICATOR_BY_ID
from etl.figures import chart_config
from etl.i18n import indicator_label, status_label
from etl.kpis import Kpi
from etl.templates import csv_bytes

# colour AND text AND a symbol, so status survives greyscale printing
STATUS_BADGE = {
    "ahead": ("green", "▲"),
    "on_track": ("blue", "●"),
    "behind": ("orange", "▼"),
    "no_target": ("gray", "○"),
    "no_data": ("gray", "—"),
}


def status_badge(status: str) -> None:
    colour, symbol = STATUS_BADGE.get(status, ("gray", "?"))
    st.badge(f"{symbol} {status_label(status, lang())}", color=colour)  # type: ignore[arg-type]


def _flat(change: str | None) -> bool:
    """'0.0 个百分点' / '0.0%': no arrow and no colour for an unchanged figure."""
    return change is not None and change.lstrip("+-").startswith("0.0")


def kpi_card(kpi: Kpi) -> None:
    ind = INDICATOR_BY_ID[kpi.id]
    code = lang()
    with st.container(border=True):
        yoy = fmt.fmt_yoy(ind, kpi.actual, kpi.previous, code, compact=True)
        st.metric(
            indicator_label(ind, code),
            fmt.fmt_value(ind, kpi.actual, code),
            # the sign must lead the text: st.metric reads it to pick arrow and colour
            delta=f"{yoy}（{tr('card.yoy')}）" if yoy else None,
            delta_color="off" if _flat(yoy) else "normal" if ind.higher_is_better else "inverse",
            delta_arrow="off" if _flat(yoy) else "auto",
            help=f"{tr('card.formula')}：{ind.formula_zh}" if code == "zh" else ind.en,
        )
        status_badge(kpi.status)
        if kpi.target is not None:
            st.caption(
                f"{tr('card.target')} {fmt.fmt_value(ind, kpi.target, code)} · "
                f"{tr('card.achievement')} {fmt.fmt_rate(kpi.achievement)} · "
                f"{tr('card.expected')} {fmt.fmt_value(ind, kpi.expected, code)}"
            )
        else:
            st.caption(tr("card.no_target"))


def kpi_cards(results: dict[str, Kpi], ids: list[str], per_row: int = 4) -> None:
    for start in range(0, len(ids), per_row):
        columns = st.columns(per_row)
        for column, kpi_id in zip(columns, ids[start : start + per_row], strict=False):
            with column:
                kpi_card(results[kpi_id])


def chart(fig: go.Figure, filename: str, key: str) -> None:
    # theme=None: the figure's own fonts and white background, as in the exported PNG
    st.plotly_chart(fig, theme=None, config=chart_config(filename), key=key, width="stretch")


def table(frame: pd.DataFrame, filename: str, key: str, column_config: dict | None = None) -> None:
    """The table behind a chart, with a CSV (UTF-8 BOM, formula-safe) download."""
    st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config)
    st.download_button(
        tr("table.download_csv"),
        csv_bytes(frame),
        file_name=f"{filename}.csv",
        mime="text/csv",
        key=f"dl-{key}",
    )


def confirm_cancel(prefix: str, allowed: bool, on_request) -> None:
    """The 确认导入 / 取消 pair; clicks only record a request (see pages/upload.py)."""
    confirm_col, cancel_col, _ = st.columns([1, 1, 4])
    confirm_col.button(
        tr("upload.confirm"),
        type="primary",
        disabled=not allowed,
        icon=":material/database_upload:",
        key=f"{prefix}.confirm",
        width="stretch",
        on_click=on_request,
        args=("confirm",),
    )
    cancel_col.button(
        tr("upload.cancel"), key=f"{prefix}.cancel", width="stretch", on_click=on_request, args=("cancel",)
    )
