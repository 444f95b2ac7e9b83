"""报告导出: choose the length and the charts, preview the drafted text, build in the background.

Thin page: the drafting and the rendering live in etl.outputs.report (the same code as
`python -m etl report`); the build runs in etl.outputs.report.jobs' worker threads, so this page shows its
progress without holding the script run, and no other page waits for it.
"""

import streamlit as st

from dashboard import auth, data
from dashboard.state import lang
from dashboard.views import page_header, require_filters
from dashboard.widgets import md_escape
from etl.core.dictionary import THEMES
from etl.core.i18n import t, theme_label
from etl.outputs import report
from etl.outputs.report import jobs

MIME = {
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@st.cache_resource(show_spinner=False, max_entries=8)
def _draft(db: str, version: int, year: int, quarter: int, unit_id: int | None, code: str) -> report.Draft:
    # a resource, not data: charts build their figures on demand (not picklable); builds copy them
    with data.connection() as con:
        return report.draft(con, year, quarter, unit_id, code)


auth.require_page("view")
f = require_filters()  # a scope the account may see: the sidebar offers nothing else
code = lang()
page_header(t("page.report", code), f)
st.caption(t("report.page.intro", code))

version = data.version()
try:
    draft = _draft(data.db_path(), version, f.year, f.quarter, f.unit_id, code)
except report.NoData as exc:
    st.warning(md_escape(exc))  # names the scope, a unit name: shown as text
    st.stop()

lengths = {"short": t("report.page.length_short", code), "full": t("report.page.length_full", code)}
length = st.radio(
    t("report.page.length", code),
    list(lengths),
    format_func=lengths.get,
    horizontal=True,
    key="report-length",
)
labels = {c.key: c.label for c in draft.charts}
if length == "short":
    chosen = st.multiselect(
        t("report.page.charts", code, n=len(draft.charts)),
        list(labels),
        default=report.short_keys(draft.charts),
        format_func=lambda key: labels[key],
        help=t("report.page.charts_help", code),
        key=f"report-charts-{f.year}-{f.quarter}-{f.unit_id}-{code}",
    )
else:
    chosen = [c.key for c in draft.charts]
    st.caption(t("report.page.charts_full", code, n=len(chosen)))

with st.expander(t("report.page.preview", code)):
    st.markdown(f"**{md_escape(draft.title)}**")
    st.caption(md_escape(draft.period))
    st.markdown(f"**{t('report.page.summary', code)}**")
    st.markdown(md_escape(draft.summary))
    for theme in THEMES:
        st.markdown(f"**{md_escape(theme_label(theme.id, code))}**")
        st.markdown(md_escape(draft.paragraphs[theme.id]))

vectors = st.checkbox(t("report.page.vectors", code), key="report-vectors")
formats = (*report.FORMATS, *report.OPTIONAL_FORMATS) if vectors else report.FORMATS
key = (data.db_path(), version, f.year, f.quarter, f.unit_id, code, length, tuple(chosen), formats)

if st.button(
    t("report.page.build", code),
    type="primary",
    icon=":material/description:",
    help=t("report.page.hint", code),
    disabled=not chosen,
):
    job = jobs.submit(draft, key, length, None if length == "full" else chosen, formats)
    st.session_state["report_job"] = job.id
if not chosen:
    st.info(t("report.page.none", code))

job = jobs.get(st.session_state.get("report_job"))


polling = job is not None and job.active


def show_job() -> None:
    """Progress while the build runs (polled), the downloads when it is done."""
    current = jobs.get(st.session_state.get("report_job"))
    if current is None:
        return
    if polling and not current.active:
        st.rerun()  # the whole page again, without the timer
    if current.state == "queued":
        st.info(t("report.page.queued", code, n=jobs.ahead(current)), icon=":material/hourglass_top:")
        return
    if current.state == "running":
        text = (
            t("report.page.progress", code, msg=current.message)
            if current.message
            else t("report.page.starting", code)
        )
        st.progress(min(max(current.share, 0.0), 1.0), text=md_escape(text))
        return
    if current.state == "failed":
        st.error(md_escape(t("report.page.failed", code, error=current.error)))
        return
    if current.key != key:
        st.info(t("report.page.stale", code))
        return
    files = current.files
    assert files is not None
    st.success(
        t("report.page.built", code, n=len(files.charts), s=f"{files.seconds:.1f}"), icon=":material/check:"
    )
    st.subheader(t("report.page.downloads", code))
    columns = st.columns(3)
    buttons = (
        ("zip", "report.page.zip", ":material/folder_zip:", files.zip_name, files.zip_bytes),
        ("docx", "report.page.docx", ":material/article:", files.docx_name, lambda: files.docx),
        ("pptx", "report.page.pptx", ":material/slideshow:", files.pptx_name, lambda: files.pptx),
    )
    for column, (kind, label, icon, name, payload) in zip(columns, buttons, strict=True):
        column.download_button(
            t(label, code),
            payload(),
            file_name=name,
            mime=MIME[kind],
            icon=icon,
            on_click="ignore",
            key=f"report-dl-{kind}",
            width="stretch",
        )


# poll once a second while a build is under way; a finished job needs no timer
st.fragment(show_job, run_every=1.0 if polling else None)()
