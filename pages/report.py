"""报告导出: preview the drafted text and the chart list, then build the zip / Word / PowerPoint.

Thin page: the drafting and the rendering live in etl.report (the same code as
`python -m etl report`); this page only chooses, shows progress and offers the downloads.
"""

import streamlit as st

from dashboard import auth, data
from dashboard.state import lang
from dashboard.views import page_header, require_filters
from dashboard.widgets import md_escape
from etl import report
from etl.dictionary import THEMES
from etl.i18n import theme_label

# Page strings (to move to etl/i18n.py as "export.*" keys).
TEXT = {
    "zh": {
        "title": "报告导出",
        "intro": (
            "按侧栏所选的年度、季度和范围，生成工作总结用的数据报告：Word 文档（含指标表、"
            "未报送和欠缴单位名单、按主题起草的文字和图表）、PowerPoint 演示文稿（每页一张图表）"
            "以及全部图表的 PNG（2倍清晰度）和 SVG 文件。"
        ),
        "preview": "文字预览",
        "summary": "总体情况",
        "charts": "图表清单（{n}张）",
        "col_no": "序号",
        "col_caption": "图表",
        "col_section": "所属部分",
        "col_file": "文件名",
        "pdf": "同时导出每张图表的 PDF（矢量，嵌入字体）",
        "build": "生成报告",
        "building": "正在生成报告……",
        "progress": "正在导出图表 {msg}",
        "built": "报告已生成：{n}张图表，用时{s}秒",
        "failed": "报告生成失败",
        "downloads": "下载",
        "zip": "下载全部（ZIP）",
        "docx": "下载 Word 文档",
        "pptx": "下载 PowerPoint",
        "stale": "筛选条件或数据已变化，请重新生成报告。",
        "hint": "生成一整年的报告约需一分钟。",
    },
    "en": {
        "title": "Report export",
        "intro": (
            "For the year, quarter and scope chosen in the sidebar: a Word document (indicator table, "
            "units that have not reported or are in arrears, drafted text and charts per theme), a "
            "PowerPoint deck (one chart per slide) and every chart as PNG (2x) and SVG."
        ),
        "preview": "Drafted text",
        "summary": "Overview",
        "charts": "Charts ({n})",
        "col_no": "No.",
        "col_caption": "Chart",
        "col_section": "Section",
        "col_file": "File name",
        "pdf": "Also export each chart as PDF (vector, fonts embedded)",
        "build": "Build the report",
        "building": "Building the report…",
        "progress": "Exporting chart {msg}",
        "built": "Report ready: {n} charts in {s} s",
        "failed": "The report could not be built",
        "downloads": "Download",
        "zip": "Download everything (ZIP)",
        "docx": "Download the Word document",
        "pptx": "Download the PowerPoint deck",
        "stale": "The filters or the data have changed: build the report again.",
        "hint": "A full year takes about a minute.",
    },
}
MIME = {
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def tx(key: str, **kwargs: object) -> str:
    text = TEXT.get(lang(), TEXT["zh"])[key]
    return text.format(**kwargs) if kwargs else text


@st.cache_data(show_spinner=False, max_entries=8)
def _draft(db: str, version: int, year: int, quarter: int, unit_id: int | None, code: str) -> report.Draft:
    with data.connection() as con:
        return report.draft(con, year, quarter, unit_id, code)


auth.require_page("view")
f = require_filters()  # a scope the account may see: the sidebar offers nothing else
code = lang()
page_header(tx("title"), f)
st.caption(tx("intro"))

version = data.version()
try:
    draft = _draft(data.db_path(), version, f.year, f.quarter, f.unit_id, code)
except report.NoData as exc:
    st.warning(md_escape(exc))  # names the scope, a unit name: shown as text
    st.stop()

st.subheader(tx("preview"))
with st.container(border=True):
    st.markdown(f"**{md_escape(draft.title)}**")
    st.caption(md_escape(draft.period))
    st.markdown(f"**{tx('summary')}**")
    st.markdown(md_escape(draft.summary))
    for theme in THEMES:
        st.markdown(f"**{md_escape(theme_label(theme.id, code))}**")
        st.markdown(md_escape(draft.paragraphs[theme.id]))

st.subheader(tx("charts", n=len(draft.charts)))
st.dataframe(
    [
        {
            tx("col_no"): n,
            tx("col_caption"): c.caption,
            tx("col_section"): theme_label(c.theme, code),
            tx("col_file"): f"{c.name}.png",
        }
        for n, c in enumerate(draft.charts, start=1)
    ],
    hide_index=True,
    width="stretch",
)

with_pdf = st.checkbox(tx("pdf"), key="report-pdf")
formats = (*report.FORMATS, "pdf") if with_pdf else report.FORMATS
key = (data.db_path(), version, f.year, f.quarter, f.unit_id, code, formats)

if st.button(tx("build"), type="primary", icon=":material/description:", help=tx("hint")):
    with st.status(tx("building"), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(share: float, message: str) -> None:
            text = md_escape(tx("progress", msg=message)) if message else ""
            bar.progress(min(max(share, 0.0), 1.0), text=text)

        try:
            files = report.render(draft, formats=formats, progress=progress)
        except Exception as exc:  # no Chromium, or the browser died: say so on the page
            status.update(label=tx("failed"), state="error")
            st.error(md_escape(exc))
            st.stop()
        status.update(
            label=tx("built", n=len(files.charts), s=f"{files.seconds:.0f}"), state="complete", expanded=False
        )
    st.session_state["report_files"] = {
        "key": key,
        "seconds": files.seconds,
        "zip": (files.zip_name, files.zip_bytes()),
        "docx": (files.docx_name, files.docx),
        "pptx": (files.pptx_name, files.pptx),
    }

built = st.session_state.get("report_files")
if built:
    if built["key"] != key:
        st.info(tx("stale"))
    else:
        st.subheader(tx("downloads"))
        columns = st.columns(3)
        buttons = (
            ("zip", ":material/folder_zip:"),
            ("docx", ":material/article:"),
            ("pptx", ":material/slideshow:"),
        )
        for column, (kind, icon) in zip(columns, buttons, strict=True):
            name, payload = built[kind]
            column.download_button(
                tx(kind),
                payload,
                file_name=name,
                mime=MIME[kind],
                icon=icon,
                on_click="ignore",
                key=f"report-dl-{kind}",
                width="stretch",
            )
