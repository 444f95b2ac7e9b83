"""数据上传: check uploaded spreadsheets, show exactly what will be read, load them on confirmation.

The work happens in etl.pipeline (inspect_bytes / load_reports); this page only shows the
FileReports through dashboard.upload_view and keeps the upload's state in the session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import streamlit as st

from dashboard import data
from dashboard import upload_view as view
from dashboard.state import current_filters, lang, tr
from dashboard.widgets import confirm_cancel
from etl import changes, history, settings
from etl.dictionary import KINDS
from etl.i18n import kind_label
from etl.load import UnitResolver
from etl.normalise import Hints, ParsedSheet
from etl.pipeline import FileReport, load_reports
from etl.problems import LoadRejected
from etl.store import DatabaseBusy
from etl.templates import TEMPLATE_FILE_NAMES, template_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NONCE, CACHE, RESULT, CANCELLED = "upload.nonce", "upload.reports", "upload.result", "upload.cancelled"
REQUEST = "upload.request"
OWNER = "upload.owner"

code = lang()


def _t(key: str, **kwargs: object) -> str:
    return view.text(key, code, **kwargs)


@st.cache_data(show_spinner=False)
def _template(kind_id: str) -> bytes:
    return template_bytes(kind_id)


def _request(action: str) -> None:
    # Buttons only record what was asked; the page acts on it below. A click thus survives a
    # rerun that happens before the page body (dashboard.state's shell check on a deep link).
    st.session_state[REQUEST] = action


def _known_unit_keys() -> set[str]:
    # the loader's own resolver, so aliases count as known exactly as they will at load time
    with data.connection() as con:
        return set(UnitResolver(con).by_key)


def _owner() -> str:
    """Whose files these are in the parse queue (its per-owner limit): this browser session."""
    return st.session_state.setdefault(OWNER, uuid.uuid4().hex)


def _inspect(files: list, hints: Hints) -> list[FileReport]:
    """Parse each upload once per (content, hints); reruns reuse the cached FileReport.

    New files join the server's parse queue together; while they wait, the place in line shows.
    """
    cache: dict[str, FileReport] = st.session_state.setdefault(CACHE, {})
    keys = [
        view.hints_key(hashlib.sha256(upload.getvalue()).hexdigest(), hints) + "|" + upload.name
        for upload in files
    ]
    new = [(upload, key) for upload, key in zip(files, keys, strict=True) if key not in cache]
    if new:
        place = st.empty()
        parsed = view.inspect_all_safely(
            [(upload.getvalue(), upload.name) for upload, _ in new],
            hints,
            code,
            owner=_owner(),
            progress=lambda p: place.info(
                view.md_escape(view.queue_text(p, code)), icon=":material/hourglass:"
            ),
        )
        place.empty()
        cache.update({key: report for (_, key), report in zip(new, parsed, strict=True)})
    for key in set(cache) - set(keys):  # forget files that were removed from the uploader
        del cache[key]
    return [cache[key] for key in keys]


def _reset_upload() -> None:
    st.session_state[NONCE] = st.session_state.get(NONCE, 0) + 1
    st.session_state.pop(CACHE, None)


def _overrides() -> Hints:
    with st.expander(_t("upload.overrides")):
        st.caption(_t("upload.overrides_help"))
        auto = _t("upload.auto")
        left, middle, right = st.columns(3)
        kind = left.selectbox(
            tr("upload.kind"),
            [None, *KINDS],
            key="upload.hint_kind",
            format_func=lambda k: auto if k is None else kind_label(k, code),
        )
        this_year = dt.date.today().year
        year = middle.selectbox(
            _t("upload.override_year"),
            [None, *range(this_year + 1, this_year - 10, -1)],
            key="upload.hint_year",
            format_func=lambda y: auto if y is None else tr("year.label", year=y),
        )
        quarter = right.selectbox(
            _t("upload.override_quarter"),
            [None, 1, 2, 3, 4],
            key="upload.hint_quarter",
            format_func=lambda q: auto if q is None else tr(f"quarter.{q}"),
        )
    return Hints(kind, year, quarter)


def _show_sheet(sheet: ParsedSheet, known: set[str]) -> None:
    if not sheet.kind:
        st.markdown(f"**{view.md_escape(view.sheet_kind_text(sheet, code))}**")
        return
    st.markdown(f"**{view.md_escape(sheet.sheet)}** · {view.md_escape(view.sheet_kind_text(sheet, code))}")
    matched, new, new_parents = view.unit_match(sheet, known)
    periods = view.sheet_periods(sheet)
    facts = [
        (tr("upload.period"), view.period_text(periods, code)),
        (_t("upload.header_rows"), view.header_rows_text(sheet, code)),
        (_t("upload.data_rows"), str(len(sheet.frame))),
        (_t("upload.units"), _t("upload.units_value", matched=len(matched), new=len(new))),
    ]
    colon, gap = (": ", " · ") if code == "en" else ("：", "　")
    st.markdown(gap.join(f"**{label}**{colon}{view.md_escape(value)}" for label, value in facts))
    if sheet.period_note:
        st.caption(view.md_escape(_t("upload.period_note", note=sheet.period_note)))
    elif KINDS[sheet.kind].shape == "events":
        st.caption(_t("upload.period_from_dates"))
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{tr('upload.mapping')}**")
        st.dataframe(view.mapping_frame(sheet, code), hide_index=True, width="stretch", height="content")
    with right:
        totals = view.totals_frame(sheet, code)
        if not totals.empty:
            st.markdown(f"**{_t('upload.totals')}**")
            st.dataframe(totals, hide_index=True, width="stretch", height="content")
    if new or new_parents:
        with st.expander(_t("upload.new_units", n=len(new) + len(new_parents)), expanded=bool(new)):
            st.dataframe(view.new_units_frame(new, new_parents, code), hide_index=True, width="stretch")
    with st.expander(
        _t("upload.preview_rows", n=min(view.PREVIEW_ROWS, len(sheet.frame)), total=len(sheet.frame))
    ):
        st.dataframe(view.preview_frame(sheet, code), hide_index=True, width="stretch", placeholder="")
    if sheet.skipped:
        with st.expander(_t("upload.skipped", n=len(sheet.skipped))):
            st.dataframe(view.skipped_frame(sheet, code), hide_index=True, width="stretch")


def _show_report(report: FileReport, known: set[str]) -> None:
    with st.container(border=True):
        st.subheader(view.md_escape(report.file_name), anchor=False)
        earlier = view.loaded_before_text(data.frame("sha_loaded", report.sha256), code)
        if earlier:
            st.info(view.md_escape(earlier), icon=":material/history:")
        for number, sheet in enumerate(report.sheets):
            if number:
                st.divider()
            _show_sheet(sheet, known)
        if not report.data_sheets and not report.errors:
            st.error(_t("upload.no_data_sheet"))
        if report.errors:
            st.error(tr("upload.has_errors", n=len(report.errors)), icon=":material/error:")
            st.dataframe(
                view.problems_frame(report.errors, code), hide_index=True, width="stretch", placeholder=""
            )
        elif report.data_sheets:
            st.success(tr("upload.no_errors"), icon=":material/check_circle:")
        if report.warnings:
            st.warning(tr("upload.has_warnings", n=len(report.warnings)), icon=":material/warning:")
            st.dataframe(
                view.problems_frame(report.warnings, code), hide_index=True, width="stretch", placeholder=""
            )


def _import(reports: list[FileReport]) -> None:
    with st.status(_t("upload.importing"), expanded=True) as status:
        try:
            summaries = load_reports(reports, db=data.db_path(), user=settings.current_user())
        except LoadRejected as rejected:
            status.update(label=_t("upload.import_failed"), state="error")
            for problem in rejected.problems:
                st.error(view.md_escape(problem.text()))
            return
        except DatabaseBusy as busy:
            status.update(label=_t("upload.import_failed"), state="error")
            st.error(view.md_escape(_t("upload.busy", message=busy)))
            return
        status.update(label=_t("upload.import_done"), state="complete")
    st.session_state[RESULT] = summaries
    _reset_upload()
    st.rerun()  # the sidebar's years and quarters and every cached read now see the new data


def _show_result() -> None:
    if st.session_state.get(CANCELLED):
        st.info(_t("upload.cancelled"), icon=":material/undo:")
    summaries = st.session_state.get(RESULT)
    if not summaries:
        return
    st.success(
        _t("upload.done_title", files=len(summaries), rows=sum(s.rows for s in summaries)),
        icon=":material/task_alt:",
    )
    for line in view.summary_lines(summaries, code):
        st.text(line)
    st.page_link("pages/overview.py", label=_t("upload.view_overview"), icon=":material/dashboard:")


def _show_changes(reports: list[FileReport]) -> None:
    """What confirming will change, against the database as it is now."""
    with data.connection() as con:
        planned = changes.preview(con, reports)
    if planned.empty:
        return
    st.subheader(tr("upload.changes"), anchor=False)
    st.info(view.md_escape(changes.summary_text(planned)), icon=":material/compare_arrows:")
    shown = view.changes_frame(planned, code)
    if not shown.empty:
        st.dataframe(shown, hide_index=True, width="stretch")


def _undo_section(log) -> None:
    undoable = log[log["status"].fillna("loaded") == "loaded"]
    if undoable.empty:
        return
    with st.expander(tr("upload.undo_title")):
        choice = st.selectbox(
            tr("upload.undo_choose"),
            undoable["load_id"].astype(int).tolist(),
            key="undo.choice",
            format_func=lambda i: f"#{i} · {undoable.set_index('load_id').loc[i, 'file_name']}",
        )
        with data.connection() as con:
            replaced = history.replaced_summary(con, int(choice))
        st.caption(tr("upload.undo_replaced", rows=int(replaced["rows"].sum()) if not replaced.empty else 0))
        st.button(tr("upload.undo_button"), key="undo.go", on_click=_request, args=(f"undo:{choice}",))


def _undo(load_id: int) -> None:
    try:
        result = history.undo_load(data.db_path(), load_id, user=settings.current_user())
    except history.UndoRefused as exc:
        st.error(view.md_escape(exc))
        return
    st.success(tr("upload.undo_done", load_id=load_id))
    if result.removed_units:
        sep = "、" if code != "en" else ", "
        st.text(
            _t("upload.undo_removed_units", n=len(result.removed_units), names=sep.join(result.removed_units))
        )


def _check_and_confirm(files: list, hints: Hints, request: str | None) -> None:
    with st.spinner(tr("misc.loading")):
        reports = _inspect(files, hints)
    known = _known_unit_keys()
    st.subheader(tr("upload.detected"), anchor=False)
    for report in reports:
        _show_report(report, known)
    ok = sum(view.report_ok(r) for r in reports)
    st.caption(_t("upload.files_summary", files=len(reports), ok=ok, bad=len(reports) - ok))
    allowed = view.can_confirm(reports)
    if allowed:
        _show_changes(reports)
    else:
        st.caption(_t("upload.confirm_disabled"))
    confirm_cancel("upload", allowed, _request)
    if request == "confirm" and allowed:
        _import(reports)


current_filters()  # runs the page inside app.py's shell; the filters themselves are not needed here
request = st.session_state.pop(REQUEST, None)
if request == "cancel":  # before the uploader is drawn, so it comes up empty
    _reset_upload()
    st.session_state.pop(RESULT, None)
    st.session_state[CANCELLED] = True

st.title(tr("page.upload"), anchor=False)
st.caption(_t("upload.intro"))
outcome = st.container()

hints = _overrides()
files = st.file_uploader(
    tr("upload.choose_file"),
    type=["xlsx", "xls", "csv"],
    accept_multiple_files=True,
    help=tr("upload.help"),
    key=f"upload.files.{st.session_state.get(NONCE, 0)}",
)
if files:
    # a new batch: the previous outcome message is done
    st.session_state.pop(RESULT, None)
    st.session_state.pop(CANCELLED, None)
    _check_and_confirm(list(files), hints, request)
else:
    with outcome:
        _show_result()

st.divider()
st.subheader(tr("upload.download_template"), anchor=False)
st.caption(_t("upload.templates_help"))
buttons = st.columns(len(KINDS))
for column, kind_id in zip(buttons, KINDS, strict=True):
    column.download_button(
        _t("upload.template_button", kind=kind_label(kind_id, code)),
        _template(kind_id),
        file_name=TEMPLATE_FILE_NAMES[kind_id],
        mime=XLSX_MIME,
        on_click="ignore",
        icon=":material/download:",
        key=f"upload.template.{kind_id}",
        width="stretch",
    )

st.subheader(tr("upload.history"), anchor=False)
if request and request.startswith("undo:"):
    _undo(int(request.removeprefix("undo:")))
log = data.frame("load_log")
if log.empty:
    st.caption(_t("upload.history_empty"))
else:
    st.dataframe(view.history_frame(log, code), hide_index=True, width="stretch")
    _undo_section(log)
