"""Small Streamlit pieces: KPI cards, the status legend, charts with export config, tables with downloads."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.markdown import md_escape
from dashboard.state import lang
from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID, INDICATORS, UNIT_TYPES_EN
from etl.core.i18n import indicator_label, status_label, t
from etl.core.settings import StatusRules
from etl.indicators.kpis import Kpi, LeftOut
from etl.outputs import tables
from etl.outputs.figures import chart_config
from etl.outputs.templates import csv_bytes

# colour AND text AND a symbol, so status survives greyscale printing
STATUS_BADGE = {
    "ahead": ("green", "▲"),
    "on_track": ("blue", "●"),
    "behind": ("orange", "▼"),
    "met": ("green", "✔"),
    "missed": ("orange", "✘"),
    "no_target": ("gray", "○"),
    "no_data": ("gray", "—"),
    "not_applicable": ("gray", "／"),
}


def status_badge(status: str) -> None:
    colour, symbol = STATUS_BADGE.get(status, ("gray", "?"))
    st.badge(f"{symbol} {status_label(status, lang())}", color=colour)  # type: ignore[arg-type]


def status_legend(quarter: int) -> None:
    """The one status rule, in words, under every view that shows a status."""
    code = lang()
    if int(quarter) == 4:
        text = t("legend.year_end", code)
    else:
        tol = StatusRules.from_env().tolerance
        text = t("legend.progress", code, low=fmt.fmt_rate(1 - tol, 0), high=fmt.fmt_rate(1 + tol, 0))
    scoped = [i for i in INDICATORS if i.not_for]
    if scoped:
        kinds = sorted({k for i in scoped for k in i.not_for})
        sep = "、" if code == "zh" else ", "
        shown = [k if code == "zh" else UNIT_TYPES_EN[k] for k in kinds]
        text += " " + t(
            "legend.not_applicable",
            code,
            types=sep.join(shown),
            names=sep.join(indicator_label(i, code) for i in scoped),
        )
    st.caption(text)


def _flat(change: str | None) -> bool:
    """'0.0 个百分点' / '0.0%': no arrow and no colour for an unchanged figure."""
    return change is not None and change.lstrip("+-").startswith("0.0")


def _delta(yoy: str | None, code: str) -> str | None:
    if not yoy:
        return None
    return f"{yoy}（{t('card.yoy', lang())}）" if code == "zh" else f"{yoy} {t('card.yoy', lang())}"


def card_value(kpi: Kpi, code: str) -> str:
    """The card's big number; English counts leave the unit to the label, so nothing is cut off."""
    ind = INDICATOR_BY_ID[kpi.id]
    if kpi.status == "not_applicable":
        return t("card.not_applicable", lang())
    if code == "en" and ind.measure == "count":
        return fmt.fmt_count(kpi.actual)
    return fmt.fmt_value(ind, kpi.actual, code)


def card_label(kpi: Kpi, code: str) -> str:
    ind = INDICATOR_BY_ID[kpi.id]
    label = indicator_label(ind, code)
    if code == "en" and ind.measure == "count" and ind.unit_en:
        label += f" ({ind.unit_en})"
    return label


def coverage_note(kpi: Kpi, code: str, gap: LeftOut | None = None) -> str | None:
    """'29/31 个单位报送 · 未报送的2个单位上次报送会员人数372人，未计入' when coverage is incomplete."""
    cov = kpi.coverage
    if cov is None or cov.complete or kpi.status == "not_applicable":
        return None
    ind = INDICATOR_BY_ID[kpi.id]
    text = fmt.fmt_coverage(cov.reported, cov.expected, code, records=ind.source in ("welfare", "activities"))
    if gap is not None and gap.last_value is not None:
        text += " · " + t(
            "card.left_out_short", lang(), n=gap.total, value=fmt.fmt_value(ind, gap.last_value, code)
        )
    elif gap is not None:
        text += " · " + t("card.left_out_never", lang(), n=gap.total)
    return text


def kpi_card(kpi: Kpi, gap: LeftOut | None = None) -> None:
    ind = INDICATOR_BY_ID[kpi.id]
    code = lang()
    with st.container(border=True):
        yoy = fmt.fmt_change(ind, kpi.yoy, code, compact=True)
        st.metric(
            card_label(kpi, code),
            card_value(kpi, code),
            # the sign must lead the text: st.metric reads it to pick arrow and colour
            delta=_delta(yoy, code),
            delta_color="off" if _flat(yoy) else "normal" if ind.higher_is_better else "inverse",
            delta_arrow="off" if _flat(yoy) else "auto",
            help=f"{t('card.formula', code)}：{ind.formula_zh}" if code == "zh" else ind.en,
        )
        status_badge(kpi.status)
        if kpi.yoy_units == 0:
            st.caption(t("card.yoy_not_comparable", code))
        elif kpi.yoy_units:
            st.caption(t("card.yoy_like", code, n=kpi.yoy_units))
        if kpi.status == "not_applicable":
            pass
        elif kpi.target is not None:
            st.caption(
                f"{t('card.target', code)} {fmt.fmt_value(ind, kpi.target, code)} · "
                f"{t('card.achievement', code)} {fmt.fmt_rate(kpi.achievement)}"
                + (
                    f" · {t('card.expected', code)} {fmt.fmt_value(ind, kpi.expected, code)}"
                    if kpi.status not in ("met", "missed")
                    else ""
                )
            )
        else:
            st.caption(t("card.no_target", code))
        note = coverage_note(kpi, code, gap)
        if note:
            st.caption(f":orange[{md_escape(note)}]")


def kpi_cards(
    results: dict[str, Kpi], ids: Sequence[str], gaps: dict[str, LeftOut] | None = None, per_row: int = 3
) -> None:
    gaps = gaps or {}
    for start in range(0, len(ids), per_row):
        columns = st.columns(per_row)
        for column, kpi_id in zip(columns, ids[start : start + per_row], strict=False):
            with column:
                kpi_card(results[kpi_id], gaps.get(kpi_id))


def chart(fig: go.Figure, filename: str, key: str) -> None:
    # theme=None: the figure's own fonts and white background, as in the exported PNG
    st.plotly_chart(fig, theme=None, config=chart_config(filename), key=key, width="stretch")


def table(
    frame: pd.DataFrame,
    filename: str,
    key: str,
    cols: Sequence[tables.Col] | None = None,
    title: str | None = None,
) -> None:
    """A table as a chair reads it, with CSV (UTF-8 BOM, formula-safe) and Excel downloads.

    With `cols` the frame's raw columns are labelled and formatted (etl.outputs.tables); without, the frame
    is already readable text under readable headers.
    """
    code = lang()
    cols = list(cols) if cols else [tables.Col(str(c)) for c in frame.columns]
    shown = tables.shown(frame, cols, code)
    # numbers keep their values (they sort as numbers) and read as people write them
    numeric = [c.title(code) for c in cols if c.type in ("count", "money", "number", "rate")]
    styled = shown.style.format(tables.display_formats(cols, code), na_rep="")  # type: ignore[arg-type]
    styled = styled.set_properties(subset=numeric, **{"text-align": "right"})
    st.dataframe(styled, hide_index=True, width="stretch")
    total = int(frame.attrs.get("total", len(frame)))
    if total > len(frame):
        st.caption(t("table.truncated", code, total=fmt.fmt_count(total), shown=fmt.fmt_count(len(frame))))
    row = st.container(horizontal=True)  # buttons as wide as their labels, side by side
    # built when clicked, not on every rerun of the page
    row.download_button(
        t("table.download_csv", code),
        lambda: csv_bytes(tables.formatted(frame, cols, code)),
        file_name=f"{filename}.csv",
        mime="text/csv",
        key=f"dl-{key}",
        icon=":material/download:",
    )
    row.download_button(
        t("table.download_xlsx", code),
        lambda: tables.xlsx_bytes(frame, cols, code, sheet=filename, title=title),
        file_name=f"{filename}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xl-{key}",
        icon=":material/table:",
    )


def confirm_cancel(prefix: str, allowed: bool, on_request) -> None:
    """The 确认导入 / 取消 pair; clicks only record a request (see pages/upload.py)."""
    confirm_col, cancel_col, _ = st.columns([1, 1, 4])
    confirm_col.button(
        t("upload.confirm", lang()),
        type="primary",
        disabled=not allowed,
        icon=":material/database_upload:",
        key=f"{prefix}.confirm",
        width="stretch",
        on_click=on_request,
        args=("confirm",),
    )
    cancel_col.button(
        t("upload.cancel", lang()),
        key=f"{prefix}.cancel",
        width="stretch",
        on_click=on_request,
        args=("cancel",),
    )
