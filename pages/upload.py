"""数据上传: check uploaded spreadsheets, show exactly what will be read, load them on confirmation.

The work happens in etl.store.pipeline (inspect_bytes / load_reports); this page only shows the
FileReports through dashboard.upload_view and keeps the upload's state in the session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import streamlit as st

from dashboard import auth, data
from dashboard import upload_view as view
from dashboard.state import current_filters, lang
from dashboard.widgets import confirm_cancel
from etl.core.dictionary import KINDS
from etl.core.i18n import kind_label, t
from etl.core.problems import LoadRejected
from etl.ingest.inspect import FileReport
from etl.ingest.normalise import Hints, ParsedSheet
from etl.outputs.templates import TEMPLATE_FILE_NAMES, template_bytes
from etl.store import DatabaseBusy, changes, history, permissions
from etl.store.load import UnitResolver
from etl.store.pipeline import load_reports

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NONCE, CACHE, RESULT, CANCELLED = "upload.nonce", "upload.reports", "upload.result", "upload.cancelled"
REQUEST = "upload.request"
WRAP_FROM = 60  # characters: a longer message gets rows tall enough to wrap
NO_BREAK_SPACE = "\u00a0"
UNDO_PENDING, UNDO_RESULT = "undo.pending", "undo.result"  # the load awaiting confirmation; the outcome
OWNER = "upload.owner"

code = lang()


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
    """Whose files these are in the parse queue (its per-owner limit): the signed-in account, so
    several tabs of one account share its limit; the browser session for the single local user."""
    if actor.account_id is not None:
        return f"account:{actor.account_id}"
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
    with st.expander(t("upload.overrides", code)):
        st.caption(t("upload.overrides_help", code))
        auto = t("upload.auto", code)
        left, middle, right = st.columns(3)
        kind = left.selectbox(
            t("upload.kind", code),
            [None, *KINDS],
            key="upload.hint_kind",
            format_func=lambda k: auto if k is None else kind_label(k, code),
        )
        this_year = dt.date.today().year
        year = middle.selectbox(
            t("upload.override_year", code),
            [None, *range(this_year + 1, this_year - 10, -1)],
            key="upload.hint_year",
            format_func=lambda y: auto if y is None else t("year.label", code, year=y),
        )
        quarter = right.selectbox(
            t("upload.override_quarter", code),
            [None, 1, 2, 3, 4],
            key="upload.hint_quarter",
            format_func=lambda q: auto if q is None else t(f"quarter.{q}", code),
        )
    return Hints(kind, year, quarter)


def _show_problems(problems: list, *, sheet: str = "", file: str = "") -> None:
    """A sheet's (or the file's) errors, then its warnings, each under a title naming it."""
    for level, colour, icon in (("error", "red", "error"), ("warning", "orange", "warning")):
        found = [p for p in problems if p.level == level]
        if not found:
            continue
        title = view.problem_group_title(level, len(found), code, sheet=sheet, file=file)
        st.markdown(f":{colour}[:material/{icon}: **{view.md_escape(title)}**]")
        frame = view.problems_frame(found, code)
        narrow = {c: st.column_config.TextColumn(width="small") for c in frame.columns[:-1]}
        # rows taller than 4rem let the grid wrap a long sentence instead of cutting it off; it
        # wraps at spaces, so no-break ones keep 「第 3 行」 from being torn off its sentence
        tall = frame.iloc[:, -1].str.len().max() > WRAP_FROM
        frame.iloc[:, -1] = frame.iloc[:, -1].str.replace(" ", NO_BREAK_SPACE)
        st.dataframe(
            frame, hide_index=True, width="stretch", column_config=narrow, row_height=70 if tall else None
        )


def _show_sheet(report: FileReport, sheet: ParsedSheet, known: set[str]) -> None:
    if not sheet.kind:
        heading = view.md_escape(view.sheet_kind_text(sheet, code))
        if sheet.problems.items:
            st.markdown(f"**{heading}**")
            _show_problems(view.sheet_problems(report, sheet), sheet=sheet.sheet)
        else:  # an instructions sheet, passed over quietly
            st.caption(heading)
        return
    st.markdown(f"**{view.md_escape(sheet.sheet)}** · {view.md_escape(view.sheet_kind_text(sheet, code))}")
    matched, new, new_parents = view.unit_match(sheet, known)
    periods = view.sheet_periods(sheet)
    facts = [
        (t("upload.period", code), view.period_text(periods, code)),
        (t("upload.header_rows", code), view.header_rows_text(sheet, code)),
        (t("upload.data_rows", code), str(len(sheet.frame))),
        (t("upload.units", code), t("upload.units_value", code, matched=len(matched), new=len(new))),
    ]
    colon, gap = (": ", " · ") if code == "en" else ("：", "　")
    st.markdown(gap.join(f"**{label}**{colon}{view.md_escape(value)}" for label, value in facts))
    if sheet.period_note:
        st.caption(view.md_escape(t("upload.period_note", code, note=sheet.period_note)))
    elif KINDS[sheet.kind].shape == "events":
        st.caption(t("upload.period_from_dates", code))
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('upload.mapping', code)}**")
        st.dataframe(view.mapping_frame(sheet, code), hide_index=True, width="stretch", height="content")
    with right:
        totals = view.totals_frame(sheet, code)
        if not totals.empty:
            st.markdown(f"**{t('upload.totals', code)}**")
            st.dataframe(totals, hide_index=True, width="stretch", height="content")
    if new or new_parents:
        with st.expander(t("upload.new_units", code, n=len(new) + len(new_parents)), expanded=bool(new)):
            st.dataframe(view.new_units_frame(new, new_parents, code), hide_index=True, width="stretch")
    with st.expander(
        t("upload.preview_rows", code, n=min(view.PREVIEW_ROWS, len(sheet.frame)), total=len(sheet.frame))
    ):
        st.dataframe(view.preview_frame(sheet, code), hide_index=True, width="stretch", placeholder="")
    if sheet.skipped:
        with st.expander(t("upload.skipped", code, n=len(sheet.skipped))):
            st.dataframe(view.skipped_frame(sheet, code), hide_index=True, width="stretch")
    _show_problems(view.sheet_problems(report, sheet), sheet=sheet.sheet)


def _show_report(report: FileReport, known: set[str]) -> None:
    """The file's verdict first, then each sheet with the problems that belong to it."""
    with st.container(border=True):
        st.subheader(view.md_escape(report.file_name), anchor=False)
        earlier = view.loaded_before_text(data.sha_loaded(report.sha256), code)
        if earlier:
            st.info(view.md_escape(earlier), icon=":material/history:")
        if report.errors:
            st.error(t("upload.has_errors", code, n=len(report.errors)), icon=":material/error:")
        elif report.data_sheets:
            st.success(t("upload.no_errors", code), icon=":material/check_circle:")
        else:
            st.error(t("upload.no_data_sheet", code))
        if report.warnings:
            st.warning(t("upload.has_warnings", code, n=len(report.warnings)), icon=":material/warning:")
        _show_problems(view.file_problems(report), file=report.file_name)
        for number, sheet in enumerate(report.sheets):
            if number:
                st.divider()
            _show_sheet(report, sheet, known)


def _import(reports: list[FileReport]) -> None:
    with st.status(t("upload.importing", code), expanded=True) as status:
        try:
            summaries = load_reports(reports, db=data.db_path(), actor=actor)
        except LoadRejected as rejected:
            status.update(label=t("upload.import_failed", code), state="error")
            for problem in rejected.problems:
                st.error(view.md_escape(problem.text()))
            return
        except DatabaseBusy as busy:
            status.update(label=t("upload.import_failed", code), state="error")
            st.error(view.md_escape(t("upload.busy", code, message=busy)))
            return
        status.update(label=t("upload.import_done", code), state="complete")
    st.session_state[RESULT] = summaries
    _reset_upload()
    st.rerun()  # the sidebar's years and quarters and every cached read now see the new data


def _show_result() -> None:
    if st.session_state.get(CANCELLED):
        st.info(t("upload.cancelled", code), icon=":material/undo:")
    summaries = st.session_state.get(RESULT)
    if not summaries:
        return
    st.success(
        t("upload.done_title", code, files=len(summaries), rows=sum(s.rows for s in summaries)),
        icon=":material/task_alt:",
    )
    for line in view.summary_lines(summaries, code):
        st.text(line)
    st.page_link("pages/overview.py", label=t("upload.view_overview", code), icon=":material/dashboard:")


def _show_changes(reports: list[FileReport]) -> None:
    """What confirming will change, against the database as it is now."""
    with data.connection() as con:
        planned = changes.preview(con, reports)
    if planned.empty:
        return
    st.subheader(t("upload.changes", code), anchor=False)
    st.info(view.md_escape(changes.summary_text(planned)), icon=":material/compare_arrows:")
    shown = view.changes_frame(planned, code)
    if not shown.empty:
        st.dataframe(shown, hide_index=True, width="stretch")


def _undo_section(log) -> None:
    """Choose a load, read what undoing it will delete and restore, then confirm or cancel."""
    undoable = log[log["status"].fillna("loaded") == "loaded"]
    if undoable.empty:
        return
    files = dict(zip(undoable["load_id"].astype(int), undoable["file_name"], strict=True))
    pending = st.session_state.get(UNDO_PENDING)
    with st.expander(t("upload.undo_title", code), expanded=pending in files):
        choice = st.selectbox(
            t("upload.undo_choose", code),
            list(files),
            key="undo.choice",
            format_func=lambda i: f"#{i} · {files[i]}",
        )
        if pending != choice:
            st.button(
                t("upload.undo_ask", code), key="undo.go", on_click=_request, args=(f"undo_ask:{choice}",)
            )
            return
        with data.connection() as con:
            effect = history.undo_effect(con, choice)
        plan = view.undo_plan_text(choice, str(files[choice]), effect, code)
        st.warning(view.md_escape(plan), icon=":material/undo:")
        confirm, cancel, _ = st.columns([1, 1, 4])
        confirm.button(
            t("upload.undo_confirm", code),
            type="primary",
            key="undo.confirm",
            width="stretch",
            on_click=_request,
            args=(f"undo:{choice}",),
        )
        cancel.button(
            t("upload.undo_cancel", code),
            key="undo.cancel",
            width="stretch",
            on_click=_request,
            args=("undo_cancel",),
        )


def _undo(load_id: int, log) -> None:
    """Undo a load the user confirmed (only the one the confirmation was shown for).

    Then rerun, so that the sidebar's periods and every cached read see the data as it is
    now; the sidebar's year, quarter and scope are session state this page never touches,
    so the view stays on the period the user was on (when that period still holds data)."""
    if st.session_state.pop(UNDO_PENDING, None) != load_id:
        return
    file_name = str(log.set_index("load_id")["file_name"].get(load_id, ""))
    with data.connection() as con:
        effect = history.undo_effect(con, load_id)
    try:
        result = history.undo_load(data.db_path(), load_id, actor=actor)
    except history.UndoRefused as exc:
        st.error(view.md_escape(str(exc)))
        return
    except DatabaseBusy as busy:
        st.error(view.md_escape(t("upload.busy", code, message=busy)))
        return
    except permissions.PermissionDenied as denied:
        auth.refused(denied)
        return
    done = view.undo_done_text(load_id, file_name, effect, code)
    if result.removed_units:  # units only this load had created go with it
        sep = "、" if code != "en" else ", "
        names = sep.join(result.removed_units)
        done += ("" if code == "zh" else " ") + t(
            "upload.undo_removed_units", code, n=len(result.removed_units), names=names
        )
    st.session_state[UNDO_RESULT] = done
    st.rerun()


def _check_and_confirm(files: list, hints: Hints, request: str | None) -> None:
    with st.spinner(t("misc.loading", code)):
        reports = _inspect(files, hints)
    known = _known_unit_keys()
    st.subheader(t("upload.detected", code), anchor=False)
    for report in reports:
        _show_report(report, known)
    ok = sum(view.report_ok(r) for r in reports)
    st.caption(t("upload.files_summary", code, files=len(reports), ok=ok, bad=len(reports) - ok))
    allowed = view.can_confirm(reports)
    if allowed:
        # units outside the account's subtree: refused now (and again when writing), no preview of them
        with data.connection() as con:
            outside = permissions.load_problems(con, actor, reports)
        for problem in outside:
            st.error(view.md_escape(problem.text()), icon=":material/block:")
        allowed = not outside
    if allowed:
        _show_changes(reports)
    else:
        st.caption(t("upload.confirm_disabled", code))
    confirm_cancel("upload", allowed, _request)
    if request == "confirm" and allowed:
        _import(reports)


actor = auth.require_page("upload")
current_filters()  # runs the page inside app.py's shell; the filters themselves are not needed here
request = st.session_state.pop(REQUEST, None)
if request and request.startswith("undo_ask:"):
    st.session_state[UNDO_PENDING] = int(request.removeprefix("undo_ask:"))
elif request == "undo_cancel":
    st.session_state.pop(UNDO_PENDING, None)
if request == "cancel":  # before the uploader is drawn, so it comes up empty
    _reset_upload()
    st.session_state.pop(RESULT, None)
    st.session_state[CANCELLED] = True

st.title(t("page.upload", code), anchor=False)
st.caption(t("upload.intro", code))
outcome = st.container()

hints = _overrides()
files = st.file_uploader(
    t("upload.choose_file", code),
    type=["xlsx", "xls", "csv"],
    accept_multiple_files=True,
    help=t("upload.help", code),
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
st.subheader(t("upload.download_template", code), anchor=False)
st.caption(t("upload.templates_help", code))
buttons = st.container(horizontal=True)  # each as wide as its label: long English labels wrap to a new row
for kind_id in KINDS:
    buttons.download_button(
        t("upload.template_button", code, kind=kind_label(kind_id, code)),
        _template(kind_id),
        file_name=TEMPLATE_FILE_NAMES[kind_id],
        mime=XLSX_MIME,
        on_click="ignore",
        icon=":material/download:",
        key=f"upload.template.{kind_id}",
    )

st.subheader(t("upload.history", code), anchor=False)
log = data.load_log()
if request and request.startswith("undo:"):
    _undo(int(request.removeprefix("undo:")), log)
if UNDO_RESULT in st.session_state:
    st.success(view.md_escape(st.session_state.pop(UNDO_RESULT)), icon=":material/undo:")
if actor.role != "admin":  # an uploader sees (and may undo) its own imports
    log = log[log["user_name"] == actor.name]
if log.empty:
    st.caption(t("upload.history_empty", code))
else:
    counts = {c: st.column_config.TextColumn(alignment="right") for c in view.history_count_columns(code)}
    st.dataframe(view.history_frame(log, code), hide_index=True, width="stretch", column_config=counts)
    _undo_section(log)
