"""The slides: 16:9, one message per slide.

A title slide; an overview slide with the indicator table (a real table, 14 pt); then one chart
per slide under a short headline that states its message (never the chart's title again), the
picture filling the rest of the slide and laid out for it (text ≥ 14 pt at slide size, rankings
cut to the first and last ten units), the drafted sentence in the speaker notes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from etl.core.i18n import t
from etl.outputs import narrative
from etl.outputs.report.charts import Chart
from etl.outputs.report.docx import text_width_pt
from etl.outputs.report.draft import Draft, indicator_rows
from etl.outputs.report.images import (
    HEADLINE_IN,
    MIN_SLIDE_PT,
    SLIDE_BOX_IN,
    SLIDE_IN,
    SLIDE_MARGIN_IN,
    Layout,
)
from etl.outputs.report.packaging import normalise_zip, stamp

FONT = "Microsoft YaHei"  # on every Windows and in WPS; LibreOffice falls back to Noto Sans CJK
TITLE_PT = 36.0
HEADLINE_PT = 22.0
TABLE_PT = MIN_SLIDE_PT
INK = (0x22, 0x22, 0x22)
MUTED = (0x55, 0x55, 0x55)


def set_text(
    text_frame: Any, text: str, size: float, bold: bool = False, color=INK, align: Any = None
) -> None:
    """One paragraph of text with the Latin and East Asian typeface named (PowerPoint and WPS would
    otherwise fall back to a Latin font for Chinese)."""
    from pptx.dml.color import RGBColor
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    text_frame.text = text
    for para in text_frame.paragraphs:
        if align is not None:
            para.alignment = align
        for run in para.runs:
            font = run.font
            font.size = Pt(size)
            font.bold = bold
            font.name = FONT
            font.color.rgb = RGBColor(*color)
            rpr = run._r.get_or_add_rPr()
            for tag in ("a:ea", "a:cs"):
                el = rpr.find(qn(tag))
                if el is None:
                    el = rpr.makeelement(qn(tag), {})
                    rpr.append(el)
                el.set("typeface", FONT)


def _box(slide: Any, left: float, top: float, width: float, height: float) -> Any:
    from pptx.util import Inches

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    box.text_frame.word_wrap = True
    return box


def _headline(slide: Any, text: str) -> None:
    from pptx.enum.text import MSO_ANCHOR

    box = _box(slide, SLIDE_MARGIN_IN, HEADLINE_IN[0], SLIDE_IN[0] - 2 * SLIDE_MARGIN_IN, HEADLINE_IN[1])
    box.name = "Headline"
    box.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    set_text(box.text_frame, text, HEADLINE_PT, bold=True)


def _title_slide(prs: Any, d: Draft) -> None:
    from pptx.enum.text import PP_ALIGN

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    width = SLIDE_IN[0] - 1.6
    box = _box(slide, 0.8, 2.3, width, 1.3)
    box.name = "Title"
    set_text(box.text_frame, d.title, TITLE_PT, bold=True, align=PP_ALIGN.CENTER)
    box = _box(slide, 0.8, 3.75, width, 0.6)
    set_text(
        box.text_frame,
        t("report.slide.period", d.lang, period=d.period),
        20,
        color=MUTED,
        align=PP_ALIGN.CENTER,
    )
    org = d.scope_name if d.unit_id is not None else d.org_name
    box = _box(slide, 0.8, 4.45, width, 0.6)
    set_text(box.text_frame, f"{org}　{d.date_text}", 18, color=MUTED, align=PP_ALIGN.CENTER)
    slide.notes_slide.notes_text_frame.text = d.summary


def _overview_slide(prs: Any, d: Draft) -> None:
    from pptx.dml.color import RGBColor
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    counts = narrative.status_counts(d.results)
    order = ("met", "missed") if d.quarter == 4 else ("ahead", "on_track", "behind")
    sep = "、" if d.lang == "zh" else ", "
    told = sep.join(t(f"report.headline.count_{s}", d.lang, n=counts.get(s, 0)) for s in order)
    _headline(slide, t("report.slide.overview", d.lang, n=sum(counts.values()), counts=told))
    rows = indicator_rows(d.results, d.lang)
    header = [
        t(f"report.doc.col_{c}", d.lang)
        for c in ("indicator", "actual", "target", "achievement", "yoy", "status")
    ]
    left, top, width, height = SLIDE_BOX_IN
    row_h = min(0.32, height / (len(rows) + 1))
    shape = slide.shapes.add_table(
        len(rows) + 1, len(header), Inches(left), Inches(top), Inches(width), Inches(row_h * (len(rows) + 1))
    )
    shape.name = "Indicators"
    table = shape.table
    # columns as wide as their longest entry (bold header included), the spare width shared out
    need = [
        max([text_width_pt(h, TABLE_PT, bold=True)] + [text_width_pt(r[c], TABLE_PT) for r in rows]) + 16
        for c, h in enumerate(header)
    ]
    total = width * 72
    for c, w in enumerate(need):
        table.columns[c].width = Pt(
            w * total / sum(need) if sum(need) > total else w + (total - sum(need)) / len(need)
        )
    for r in range(len(rows) + 1):
        table.rows[r].height = Inches(row_h)
        values = header if r == 0 else rows[r - 1]
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.margin_top = cell.margin_bottom = Pt(1)
            cell.margin_left = cell.margin_right = Pt(5)
            align = PP_ALIGN.LEFT if c == 0 else (PP_ALIGN.CENTER if c == 5 or r == 0 else PP_ALIGN.RIGHT)
            set_text(cell.text_frame, str(value), TABLE_PT, bold=r == 0, align=align)
            if r == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = RGBColor(0xE7, 0xE6, 0xE6)
    slide.notes_slide.notes_text_frame.text = d.summary


def _chart_slide(prs: Any, d: Draft, chart: Chart, layout: Layout) -> None:
    from pptx.util import Inches, Pt

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _headline(slide, chart.headline)
    left, top, _, _ = SLIDE_BOX_IN
    # placed 1 pt per layout px: the figure's font sizes in px are its sizes on the slide in pt
    pic = slide.shapes.add_picture(
        io.BytesIO(chart.images["slide"]), Inches(left), Inches(top), Pt(layout.width), Pt(layout.height)
    )
    pic.name = chart.name
    notes = d.paragraphs.get(chart.theme, "") if chart.kind == "bullet" else (chart.sentence or "")
    slide.notes_slide.notes_text_frame.text = f"{chart.caption}\n{notes}".strip()


def build_pptx(d: Draft, charts: Sequence[Chart], layouts: dict[str, dict[str, Layout]]) -> bytes:
    """The deck of the charts given (rendered: chart.images['slide'])."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_IN[0]), Inches(SLIDE_IN[1])
    props = prs.core_properties
    props.title = d.title
    props.subject = d.period
    props.author = props.last_modified_by = d.scope_name
    props.revision = 1
    props.created = props.modified = dt.datetime(*stamp(d.updated))
    _title_slide(prs, d)
    _overview_slide(prs, d)
    for chart in charts:
        _chart_slide(prs, d, chart, layouts[chart.key]["slide"])
    buf = io.BytesIO()
    prs.save(buf)
    return normalise_zip(buf.getvalue(), stamp(d.updated))
