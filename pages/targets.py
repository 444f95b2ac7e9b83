"""年度目标: the annual targets of a year — view, edit in a table, or load a 年度目标 sheet."""

from __future__ import annotations

import datetime as dt
import hashlib

import streamlit as st

from dashboard import auth, data
from dashboard import targets_view as tv
from dashboard import upload_view as view
from dashboard.state import current_filters, lang
from dashboard.widgets import confirm_cancel
from etl.core.i18n import t
from etl.core.problems import LoadRejected
from etl.ingest.inspect import FileReport
from etl.ingest.normalise import Hints
from etl.outputs.templates import TEMPLATE_FILE_NAMES, template_bytes
from etl.store import DatabaseBusy, edits
from etl.store.permissions import PermissionDenied
from etl.store.pipeline import load_reports

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NONCE, CACHE, MESSAGE = "targets.nonce", "targets.reports", "targets.message"
EDITOR_NONCE, REQUEST = "targets.editor_nonce", "targets.request"

code = lang()


def _request(action: str) -> None:
    # Buttons only record what was asked; the page acts on it below. A click thus survives a
    # rerun that happens before the page body (dashboard.state's shell check on a deep link).
    st.session_state[REQUEST] = action


def _flash(kind: str, lines: list[str]) -> None:
    """A message that survives the st.rerun() after a write."""
    st.session_state[MESSAGE] = (kind, lines)


def _show_flash() -> None:
    kind, lines = st.session_state.pop(MESSAGE, (None, []))
    if kind == "success":
        st.success(view.md_escape(lines[0]), icon=":material/task_alt:")
        for line in lines[1:]:
            st.text(line)


def _rejected(problems: list, title: str) -> None:
    st.error(title, icon=":material/error:")
    for problem in problems:
        st.error(view.md_escape(problem.text()))


# ---------------------------------------------------------------- upload a targets sheet


def _reset_upload() -> None:
    st.session_state[NONCE] = st.session_state.get(NONCE, 0) + 1
    st.session_state.pop(CACHE, None)


def _inspect(files: list) -> list[FileReport]:
    hints = Hints(kind="targets")
    cache: dict[str, FileReport] = st.session_state.setdefault(CACHE, {})
    reports = []
    for upload in files:
        content = upload.getvalue()
        key = view.hints_key(hashlib.sha256(content).hexdigest(), hints) + "|" + upload.name
        if key not in cache:
            cache[key] = view.inspect_safely(content, upload.name, hints, code)
        reports.append(cache[key])
    return reports


def _show_report(report: FileReport) -> None:
    with st.container(border=True):
        st.markdown(f"**{view.md_escape(report.file_name)}**")
        for sheet in report.data_sheets:
            years_read = view.period_text(view.sheet_periods(sheet), code)
            st.caption(view.md_escape(t("targets.rows", code, n=len(sheet.frame), years=years_read)))
            st.dataframe(
                view.preview_frame(sheet, code, limit=500), hide_index=True, width="stretch", placeholder=""
            )
        if report.errors:
            st.error(t("upload.has_errors", code, n=len(report.errors)), icon=":material/error:")
            st.dataframe(
                view.problems_frame(report.errors, code), hide_index=True, width="stretch", placeholder=""
            )
        elif not report.data_sheets:
            st.error(t("upload.no_data_sheet", code))
        if report.warnings:
            st.warning(t("upload.has_warnings", code, n=len(report.warnings)), icon=":material/warning:")
            st.dataframe(
                view.problems_frame(report.warnings, code), hide_index=True, width="stretch", placeholder=""
            )


def _upload_section(request: str | None) -> None:
    st.caption(t("targets.upload_help", code))
    st.download_button(
        t("targets.download", code),
        template_bytes("targets"),
        file_name=TEMPLATE_FILE_NAMES["targets"],
        mime=XLSX_MIME,
        on_click="ignore",
        icon=":material/download:",
        key="targets.template",
    )
    files = st.file_uploader(
        t("upload.choose_file", code),
        type=["xlsx", "xls", "csv"],
        accept_multiple_files=True,
        key=f"targets.files.{st.session_state.get(NONCE, 0)}",
    )
    if not files:
        return
    reports = _inspect(list(files))
    for report in reports:
        _show_report(report)
    allowed = view.can_confirm(reports)
    confirm_cancel("targets", allowed, _request)
    if not (request == "confirm" and allowed):
        return
    try:
        summaries = load_reports(reports, db=data.db_path(), actor=actor)
    except LoadRejected as rejected:
        _rejected(rejected.problems, t("upload.import_failed", code))
    except DatabaseBusy as busy:
        st.error(view.md_escape(str(busy)))
    else:
        total = sum(s.rows for s in summaries)
        lines = [
            t("upload.done_title", code, files=len(summaries), rows=total),
            *view.summary_lines(summaries, code),
        ]
        _flash("success", lines)
        _reset_upload()
        st.rerun()


# ---------------------------------------------------------------- year and current targets

actor = auth.require_page("targets")  # first: it may rerun the page inside app.py's shell
filters = current_filters()
request = st.session_state.pop(REQUEST, None)
if request == "discard":  # before the editor is drawn, so it starts afresh from the database
    st.session_state[EDITOR_NONCE] = st.session_state.get(EDITOR_NONCE, 0) + 1
elif request == "cancel":  # before the uploader is drawn, so it comes up empty
    _reset_upload()

st.title(t("page.targets", code), anchor=False)
_show_flash()

periods = data.periods()
target_years = data.target_years()
years = tv.year_options([y for y, _ in periods], target_years, dt.date.today().year)
default = tv.default_year(years, filters.year if filters else None)
if st.session_state.get("targets.year") not in years:
    st.session_state["targets.year"] = default
year_col, _ = st.columns([1, 3])
year = year_col.selectbox(
    t("targets.year", code), years, key="targets.year", format_func=lambda y: t("year.label", code, year=y)
)
current = data.targets(year)
view_tab, edit_tab, upload_tab = st.tabs(
    [t("targets.tab_view", code), t("targets.edit", code), t("targets.upload", code)]
)

with view_tab:
    st.subheader(t("targets.current", code, year=year, n=len(current)), anchor=False)
    if current.empty:
        st.info(t("targets.none", code, year=year))
    else:
        shown = tv.display_frame(current, code)
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            height="content",
            placeholder="",
            # widths by the values, so the whole table fits at 1280 px in either language
            column_config={
                c: st.column_config.TextColumn(width=w)
                for c, w in zip(shown.columns, (185, 205, 110, 75, 75, 75, 75), strict=True)
            },
        )

# ---------------------------------------------------------------- edit

with edit_tab:
    st.caption(t("targets.edit_help", code, year=year))
    unit_names, units_cut = data.target_unit_names()
    if units_cut:
        st.caption(t("targets.units_cut", code))
    milestone_config = {
        q: st.column_config.NumberColumn(
            t(f"quarter.short.{i}", code),
            help=t("targets.milestone_help", code),
            min_value=0.0,
            format="localized",
            width=85,
        )
        for i, q in enumerate(tv.MILESTONES, start=1)
    }
    # a new key (after a save, a discard, or another year) starts the editor afresh from the database
    editor_key = f"targets.editor.{year}.{data.version()}.{code}.{st.session_state.get(EDITOR_NONCE, 0)}"
    edited = st.data_editor(
        tv.editor_frame(current, code),
        key=editor_key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        height="content",
        placeholder="",
        column_config={
            "indicator": st.column_config.SelectboxColumn(
                t("col.indicator", code), options=tv.indicator_names(code), required=True, width=160
            ),
            "unit": st.column_config.SelectboxColumn(
                t("targets.scope", code), options=unit_names, help=t("targets.scope_help", code), width=195
            ),
            "target": st.column_config.NumberColumn(
                t("targets.value_edit", code), min_value=0.0, required=True, format="localized", width=245
            ),
            **milestone_config,
        },
    )
    save_col, discard_col, _ = st.columns([1, 1, 4])
    discard_col.button(
        t("targets.discard", code),
        key="targets.discard",
        width="stretch",
        on_click=_request,
        args=("discard",),
    )
    save_col.button(
        t("targets.save", code),
        type="primary",
        icon=":material/save:",
        key="targets.save",
        width="stretch",
        on_click=_request,
        args=("save",),
    )
    if request == "save":
        try:
            with st.spinner(t("targets.saving", code)):
                saved = edits.save_targets(data.db_path(), year, tv.rows_for_save(edited), actor=actor)
        except LoadRejected as rejected:
            _rejected(rejected.problems, t("targets.rejected", code, n=len(rejected.problems)))
        except PermissionDenied as denied:
            auth.refused(denied)
        except DatabaseBusy as busy:
            st.error(view.md_escape(str(busy)))
        else:
            _flash("success", [t("targets.saved", code, n=saved)])
            st.rerun()

with upload_tab:
    _upload_section(request)
