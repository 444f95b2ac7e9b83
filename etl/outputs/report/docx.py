"""The Word report, laid out as Chinese offices file documents (GB/T 9704-2012 党政机关公文格式).

- A4; margins 37 / 35 / 28 / 26 mm (top, bottom, left, right): a 156 × 225 mm text block.
- Title 方正小标宋简体 二号 (22 pt), centred; body 仿宋_GB2312 三号 (16 pt), first line indented two
  characters, exactly 29 pt a line (22 lines a page); 一、 headings 黑体 三号, （一） headings 楷体_GB2312
  三号. A font missing on a computer falls back through the font table's alternate name
  (仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, 方正小标宋简体 → 黑体, all on every Windows and in WPS);
  every run names its East-Asian font (w:eastAsia), Latin text and digits are Times New Roman.
- Page numbers "— 1 —" in 宋体 四号 below the text block: odd pages on the right, even pages on the
  left, one character in from the edge (GB/T 9704 7.5).
- 落款: the issuing organisation and the date (the date of the last load, so the same data gives the
  same document), placed as GB/T 9704 7.3.5.1 places them for a document without a seal.
- 简版: the indicator table on the first page, the drafted text, the chosen charts in their sections.
  完整版: a table of contents (a Word TOC field, its entries written so it is not empty before Word
  updates it), the text, then every chart in 附件, grouped under （一）…, two to a page where they fit.
- Charts are the Word pictures of etl.outputs.report.images: the text width, no title of their own (the
  图N caption is the title), fonts ≥ 9 pt on paper. Tables: columns as wide as their longest entry
  (names never wrap), numbers right-aligned, 合计 rows that add up the rows shown.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from etl.core import fmt
from etl.core.dictionary import THEMES
from etl.core.i18n import t, theme_label
from etl.outputs import narrative
from etl.outputs.report import pagination
from etl.outputs.report.charts import Chart
from etl.outputs.report.draft import (
    Draft,
    indicator_rows,
    last_period_text,
    reporting_text,
    status_rule_text,
    table_indicators,
)
from etl.outputs.report.images import MARGINS_MM, PAGE_MM, TEXT_WIDTH_PT, Layout
from etl.outputs.report.packaging import normalise_zip, stamp

# sizes of the Chinese type scale (号) in points
ER_HAO, SAN_HAO, SI_HAO, XIAO_SI, WU_HAO = 22.0, 16.0, 14.0, 12.0, 10.5
LINE_PT = 29.0  # GB/T 9704: 22 lines in the 225 mm text block
TABLE_PT = XIAO_SI
FONTS = {
    "zh": {
        "body": ("仿宋_GB2312", "Times New Roman"),
        "title": ("方正小标宋简体", "Times New Roman"),
        "h1": ("黑体", "Times New Roman"),
        "h2": ("楷体_GB2312", "Times New Roman"),
        "caption": ("黑体", "Times New Roman"),
        "table": ("仿宋_GB2312", "Times New Roman"),
        "table_head": ("黑体", "Times New Roman"),
        "page": ("宋体", "宋体"),
    },
    "en": {
        "body": ("仿宋_GB2312", "Times New Roman"),
        "title": ("黑体", "Times New Roman"),
        "h1": ("黑体", "Arial"),
        "h2": ("楷体_GB2312", "Arial"),
        "caption": ("黑体", "Arial"),
        "table": ("仿宋_GB2312", "Times New Roman"),
        "table_head": ("黑体", "Arial"),
        "page": ("宋体", "Times New Roman"),
    },
}
# name -> (alternate name Word and WPS use when the font is missing, panose, charset, family, pitch)
FONT_TABLE = {
    "仿宋_GB2312": ("仿宋", "02010609030101010101", "86", "modern", "fixed"),
    "楷体_GB2312": ("楷体", "02010609030101010101", "86", "modern", "fixed"),
    "方正小标宋简体": ("黑体", "02000000000000000000", "86", "script", "variable"),
    "仿宋": ("FangSong", "02010609060101010101", "86", "modern", "fixed"),
    "楷体": ("KaiTi", "02010609060101010101", "86", "modern", "fixed"),
    "黑体": ("SimHei", "02010609060101010101", "86", "modern", "fixed"),
    "宋体": ("SimSun", "02010600030101010101", "86", "auto", "variable"),
}
_CN_NUM = "一二三四五六七八九十"
LIST_LIMIT = {"short": 20, "full": 100}  # units listed in the 未报送 and 欠缴 tables
_STATUS_FILL = {
    "ahead": "E2EFDA",
    "on_track": "DDEBF7",
    "behind": "FCE4D6",
    "met": "E2EFDA",
    "missed": "FCE4D6",
}


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _el(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement

    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(_qn(f"w:{key}"), value)
    return el


# Child order the schema requires (Word refuses a file whose elements are out of order; LibreOffice
# does not mind, so the tests check it): where we add elements python-docx has no API for.
TC_PR_ORDER = (
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
    "textDirection", "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge",
    "tcPrChange",
)  # fmt: skip
TBL_PR_ORDER = (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
    "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
    "tblCaption", "tblDescription", "tblPrChange",
)  # fmt: skip
SETTINGS_AFTER_UPDATE_FIELDS = (
    "updateFields", "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids",
    "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType",
    "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
)  # fmt: skip


def add_in_order(parent: Any, child: Any, order: Sequence[str]) -> Any:
    """Insert child before the first sibling the schema puts after it (siblings not in `order` come
    before it); replaces a sibling of the same kind."""
    name = child.tag.split("}")[1]
    rank = order.index(name)
    for old in parent.findall(child.tag):
        parent.remove(old)
    for sibling in parent:
        tag = sibling.tag.split("}")[1] if isinstance(sibling.tag, str) and "}" in sibling.tag else ""
        if tag in order and order.index(tag) > rank:
            sibling.addprevious(child)
            return child
    parent.append(child)
    return child


def set_fonts(rpr: Any, east_asia: str, latin: str) -> None:
    """The fonts of a w:rPr, East Asian included; theme fonts that would override them removed."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(_qn(attr), None)
    for attr, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        rfonts.set(_qn(attr), value)
    rfonts.set(_qn("w:hint"), "eastAsia")


# ---------------------------------------------------------------- styles and page


def _style(
    doc: Any,
    name: str,
    fonts: tuple[str, str],
    size: float,
    *,
    line: float | None = LINE_PT,
    indent_chars: float = 0,
    align: Any = None,
    before: float = 0,
    after: float = 0,
    bold: bool = False,
    keep_next: bool = False,
    outline: int | None = None,
    base: str = "Normal",
) -> Any:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles[base]
    style.quick_style = True
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(style.element.get_or_add_rPr(), *fonts)
    pf = style.paragraph_format
    if align is not None:
        pf.alignment = align
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line)
    pf.first_line_indent = Pt(indent_chars * size) if indent_chars else Pt(0)
    pf.keep_with_next = keep_next
    pf.widow_control = False
    ppr = style.element.get_or_add_pPr()
    ind = ppr.find(_qn("w:ind"))
    if ind is None:
        ind = _el("w:ind")
        ppr.append(ind)
    # Word and WPS indent by characters (and this overrides the inherited indent of Normal)
    ind.set(_qn("w:firstLineChars"), str(int(indent_chars * 100)))
    for tag in ("w:pBdr", "w:outlineLvl"):
        for old in ppr.findall(_qn(tag)):
            ppr.remove(old)
    if outline is not None:
        ppr.append(_el("w:outlineLvl", val=str(outline)))
    return style


def _setup_styles(doc: Any, lang: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Pt

    f = FONTS[lang]
    center, right, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY
    normal = _style(doc, "Normal", f["body"], SAN_HAO, indent_chars=2, align=justify)
    rpr = normal.element.get_or_add_rPr()
    lang_el = rpr.find(_qn("w:lang"))
    if lang_el is None:
        lang_el = _el("w:lang")
        rpr.append(lang_el)
    lang_el.set(_qn("w:val"), "en-US")
    lang_el.set(_qn("w:eastAsia"), "zh-CN")
    title_size = ER_HAO if lang == "zh" else 20.0
    _style(doc, "Title", f["title"], title_size, line=36, align=center, after=LINE_PT, bold=lang == "en")
    _style(doc, "Subtitle", f["h2"], SAN_HAO, align=center, after=0)
    _style(doc, "Heading 1", f["h1"], SAN_HAO, indent_chars=2, keep_next=True, outline=0, bold=lang == "en")
    _style(doc, "Heading 2", f["h2"], SAN_HAO, indent_chars=2, keep_next=True, outline=1, bold=lang == "en")
    _style(doc, "Caption", f["caption"], XIAO_SI, line=20, align=center, after=8)
    _style(
        doc, "Table Caption", f["caption"], XIAO_SI, line=20, align=center, before=4, after=4, keep_next=True
    )
    _style(doc, "Report Note", f["body"], XIAO_SI, line=20, before=4, after=6)
    _style(doc, "Report Figure", f["body"], SAN_HAO, line=None, align=center, before=6, keep_next=True)
    _style(doc, "Report Cell", f["table"], TABLE_PT, line=None)
    _style(doc, "Report Signature", f["body"], SAN_HAO, align=right)
    _style(doc, "Report Attachment", f["h1"], SAN_HAO)
    _style(doc, "TOC Heading", f["h1"], SAN_HAO, align=center, after=LINE_PT / 2)
    for level in (1, 2):
        style = _style(doc, f"toc {level}", f["body"], SAN_HAO, indent_chars=0)
        style.element.set(_qn("w:styleId"), f"TOC{level}")
        pf = style.paragraph_format
        pf.left_indent = Pt(SAN_HAO * 2 * (level - 1))
        pf.tab_stops.add_tab_stop(Pt(TEXT_WIDTH_PT - 1), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    for name in ("Heading 1", "Heading 2", "Title"):
        doc.styles[name].element.get_or_add_rPr()
        for tag in ("w:color", "w:u"):
            for old in doc.styles[name].element.rPr.findall(_qn(tag)):
                doc.styles[name].element.rPr.remove(old)


def _font_table(doc: Any) -> None:
    """Declare the Chinese fonts with an alternate name, charset GB2312 and panose, so Word and WPS
    use 仿宋 / 楷体 / 黑体 where 仿宋_GB2312 / 楷体_GB2312 / 方正小标宋简体 are not installed."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    have = {el.get(f"{{{w}}}name") for el in root.findall(f"{{{w}}}font")}
    for name, (alt, panose, charset, family, pitch) in FONT_TABLE.items():
        if name in have:
            continue
        font = etree.SubElement(root, f"{{{w}}}font")
        font.set(f"{{{w}}}name", name)
        for tag, value in (
            ("altName", alt),
            ("panose1", panose),
            ("charset", charset),
            ("family", family),
            ("pitch", pitch),
        ):
            etree.SubElement(font, f"{{{w}}}{tag}").set(f"{{{w}}}val", value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_setup(doc: Any) -> None:
    from docx.shared import Mm

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = Mm(15)
    section.footer_distance = Mm(22)  # the dashes of the page number ~7 mm below the text block
    # no document grid: lines are exact (29 pt) already, and a grid would round every picture and
    # caption up to whole grid lines (two half-page charts would no longer share a page)
    sect = section._sectPr
    for old in sect.findall(_qn("w:docGrid")):
        sect.remove(old)


def _field(paragraph: Any, instr: str, cached: str, fonts: tuple[str, str], size: float) -> None:
    """A complex field (begin, instruction, separate, cached result, end) at the end of the paragraph."""
    from docx.shared import Pt

    def run(child: Any | None = None, text: str | None = None) -> Any:
        r = paragraph.add_run(text or "")
        r.font.size = Pt(size)
        set_fonts(r._r.get_or_add_rPr(), *fonts)
        if child is not None:
            r._r.append(child)
        return r

    run(_el("w:fldChar", fldCharType="begin"))
    instr_el = _el("w:instrText")
    instr_el.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr_el.text = f" {instr} "
    run(instr_el)
    run(_el("w:fldChar", fldCharType="separate"))
    run(text=cached)
    run(_el("w:fldChar", fldCharType="end"))


def _footers(doc: Any, lang: str) -> None:
    """'— 1 —' in 宋体 四号: odd pages right, even pages left, one character in (GB/T 9704 7.5)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    fonts = FONTS[lang]["page"]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        para = footer.paragraphs[0]
        para.style = doc.styles["Normal"]
        pf = para.paragraph_format
        pf.alignment = align
        pf.first_line_indent = Pt(0)
        ppr = para._p.get_or_add_pPr()
        ind = ppr.find(_qn("w:ind"))
        if ind is None:
            ind = _el("w:ind")
            ppr.append(ind)
        ind.set(_qn("w:firstLineChars"), "0")
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            pf.right_indent = Pt(SI_HAO)
        else:
            pf.left_indent = Pt(SI_HAO)
        pf.line_spacing = 1.0
        pf.space_before = pf.space_after = Pt(0)
        for text in ("— ",):
            r = para.add_run(text)
            r.font.size = Pt(SI_HAO)
            set_fonts(r._r.get_or_add_rPr(), *fonts)
        _field(para, "PAGE", "1", fonts, SI_HAO)
        r = para.add_run(" —")
        r.font.size = Pt(SI_HAO)
        set_fonts(r._r.get_or_add_rPr(), *fonts)


# ---------------------------------------------------------------- tables


def text_width_pt(text: str, size: float, bold: bool = False) -> float:
    """Rendered width of a line: CJK and full-width characters 1 em, others about 0.6 em."""
    em = sum(1.0 if ord(ch) >= 0x2E80 or ch in "—…✔✘▲▼●○／" else 0.6 for ch in str(text))
    return em * size * (1.06 if bold else 1.0)


CELL_MARGIN_PT = 3.0  # left and right cell margins (Word's default is 5.4 pt)
CELL_PAD_PT = 2 * CELL_MARGIN_PT + 3  # and a little air


Row = Sequence[str] | str  # a row of cells, or a group row (one text across the table: a 上级工会)


def _needs(header: Sequence[str], rows: Sequence[Row], size: float) -> list[float]:
    cells = [r for r in rows if not isinstance(r, str)]
    return [
        max([text_width_pt(h, size, bold=True)] + [text_width_pt(r[c], size) for r in cells]) + CELL_PAD_PT
        for c, h in enumerate(header)
    ]


def column_widths(header: Sequence[str], rows: Sequence[Row], size: float) -> list[float] | None:
    """Widths (pt) that hold every cell on one line, the spare width shared out; None if they do not fit."""
    need = _needs(header, rows, size)
    total = sum(need)
    groups = [text_width_pt(r, size, bold=True) + CELL_PAD_PT for r in rows if isinstance(r, str)]
    if total > TEXT_WIDTH_PT or any(g > TEXT_WIDTH_PT for g in groups):
        return None
    spare = TEXT_WIDTH_PT - total
    return [w + spare * w / total for w in need]


def fit_columns(
    header: Sequence[str], rows: Sequence[Row], droppable: Sequence[int] = ()
) -> tuple[float, list[int], list[float], int | None]:
    """(type size, columns kept, their widths, the column allowed to wrap or None).

    Tries 小四 down to 五号, then without the droppable columns (序号), and only then lets the widest
    text column wrap."""
    keep = list(range(len(header)))
    for drop in ([], list(droppable)):
        keep = [c for c in range(len(header)) if c not in drop]
        h = [header[c] for c in keep]
        rs = [r if isinstance(r, str) else [r[c] for c in keep] for r in rows]
        size = TABLE_PT
        while size >= WU_HAO:
            widths = column_widths(h, rs, size)
            if widths is not None:
                return size, keep, widths, None
            size -= 0.5
    size = WU_HAO
    rs = [r if isinstance(r, str) else [r[c] for c in keep] for r in rows]
    need = _needs([header[c] for c in keep], rs, size)
    widest = max(range(len(need)), key=lambda c: need[c])
    need[widest] = max(TEXT_WIDTH_PT - (sum(need) - need[widest]), 60.0)
    return size, keep, need, widest


def _table(
    doc: Any,
    header: Sequence[str],
    rows: Sequence[Row],
    fonts: dict[str, tuple[str, str]],
    right: Sequence[int] = (),
    center: Sequence[int] = (),
    fills: dict[tuple[int, int], str] | None = None,
    bold_last: bool = False,
    row_pt: float = 20.0,
    droppable: Sequence[int] = (),
) -> Any:
    """A table as wide as the text, columns as wide as their longest entry so nothing wraps (the type
    shrinks to 五号 and droppable columns go first), header row repeated on every page; a str row is a
    group row across the table."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    size, keep, widths, wrap = fit_columns(header, rows, droppable)
    header = [header[c] for c in keep]
    place = {c: n for n, c in enumerate(keep)}
    right = [place[c] for c in right if c in place]
    center = [place[c] for c in center if c in place]
    fills = {(r, place[c]): v for (r, c), v in (fills or {}).items() if c in place}
    rows = [r if isinstance(r, str) else [r[c] for c in keep] for r in rows]

    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    margins = _el("w:tblCellMar")
    for side in ("left", "right"):
        margins.append(_el(f"w:{side}", w=str(round(CELL_MARGIN_PT * 20)), type="dxa"))
    add_in_order(tbl_pr, margins, TBL_PR_ORDER)
    tbl_w = tbl_pr.find(_qn("w:tblW"))
    if tbl_w is not None:
        tbl_w.set(_qn("w:type"), "dxa")
        tbl_w.set(_qn("w:w"), str(round(sum(widths) * 20)))
    for c, width in enumerate(widths):
        table.columns[c].width = Pt(width)

    cell_style = doc.styles["Report Cell"].style_id

    def write(cell: Any, text: str, head: bool = False) -> tuple[Any, Any]:
        para = cell.paragraphs[0]
        para._p.style = cell_style  # (the style setter looks the name up each time: slow on long tables)
        run = para.add_run(text)
        run.font.size = Pt(size)
        if head:
            set_fonts(run._r.get_or_add_rPr(), *fonts["table_head"])
        return para, run

    for r, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(_el("w:cantSplit"))
        if r == 0:
            tr_pr.append(_el("w:tblHeader"))
        row.height = Pt(row_pt)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        cells = row.cells
        for c, cell in enumerate(cells):
            cell.width = Pt(widths[c])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        values = header if r == 0 else rows[r - 1]
        if isinstance(values, str):  # a group row: one cell across the table, kept with its first unit
            first = cells[0]
            for other in cells[1:]:
                row._tr.remove(other._tc)
            tc_pr = first._tc.get_or_add_tcPr()
            first.width = Pt(sum(widths))
            add_in_order(tc_pr, _el("w:gridSpan", val=str(len(widths))), TC_PR_ORDER)
            add_in_order(tc_pr, _el("w:shd", val="clear", color="auto", fill="F2F2F2"), TC_PR_ORDER)
            para, _ = write(first, values, head=True)
            para.paragraph_format.keep_with_next = True
            continue
        for c, cell in enumerate(cells):
            tc_pr = cell._tc.get_or_add_tcPr()
            if c != wrap:
                add_in_order(tc_pr, _el("w:noWrap"), TC_PR_ORDER)
            para, run = write(cell, str(values[c]), head=r == 0)
            if r == 0:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                para.paragraph_format.keep_with_next = True
                add_in_order(tc_pr, _el("w:shd", val="clear", color="auto", fill="E7E6E6"), TC_PR_ORDER)
                continue
            if c in right:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif c in center:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if bold_last and r == len(rows):
                run.bold = True
            if (r - 1, c) in fills:
                add_in_order(
                    tc_pr, _el("w:shd", val="clear", color="auto", fill=fills[(r - 1, c)]), TC_PR_ORDER
                )
    return table


def money_cells(values: Sequence[float]) -> tuple[list[str], str, Decimal]:
    """Amounts in 元 for a table (千分位, fen only when present) and their 合计 — the sum of the amounts
    as shown, so the column adds up."""
    shown = [Decimal(str(v)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for v in values]
    cents = any(v != v.to_integral_value() for v in shown)
    digits = 2 if cents else 0

    def text(v: Decimal) -> str:
        return f"{v:,.{digits}f}"

    total = sum(shown, Decimal(0))
    return [text(v) for v in shown], text(total), total


# ---------------------------------------------------------------- the document


class _Nothing:
    """Stands in for the document when a layout is only measured (every call does nothing)."""

    def __getattr__(self, name: str) -> _Nothing:
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> _Nothing:
        return self

    def __getitem__(self, key: Any) -> _Nothing:
        return self


class _Writer:
    """Writes the document and follows its pages; measure=True only follows the pages."""

    def __init__(self, d: Draft, length: str = "short", measure: bool = False) -> None:
        from docx import Document

        self.d = d
        self.length = length
        self.lang = d.lang
        self.fonts = FONTS[d.lang]
        self.measure = measure
        self.doc: Any = _Nothing() if measure else Document()
        self.figure_no = 0
        self.table_no = 0
        self.h1_no = 0
        self.toc: list[tuple[int, str, int]] = []  # level, text, page (estimated)
        self.pages = pagination.Pages()

    # text blocks -------------------------------------------------------------

    def para(self, text: str, style: str = "Normal") -> Any:
        p = self.doc.add_paragraph(text, style=style)
        self.pages.text(text, style)
        return p

    def blank(self, keep_next: bool = False) -> None:
        p = self.doc.add_paragraph("", style="Normal")
        if keep_next:
            p.paragraph_format.keep_with_next = True
        self.pages.lines(1)

    def heading(self, text: str, level: int = 1) -> None:
        if level == 1:
            self.h1_no += 1
            label = f"{_CN_NUM[self.h1_no - 1]}、{text}" if self.lang == "zh" else f"{self.h1_no}. {text}"
        else:
            label = text
        self.doc.add_paragraph(label, style=f"Heading {level}")
        page = self.pages.heading(label)
        self.toc.append((level, label, page))

    def caption(self, text: str, table: bool = False) -> None:
        self.doc.add_paragraph(text, style="Table Caption" if table else "Caption")

    def table(self, header: Sequence[str], rows: Sequence[Row], **kwargs: Any) -> None:
        if not self.measure:
            _table(self.doc, header, rows, self.fonts, **kwargs)
        self.pages.table(len(rows) + 1, kwargs.get("row_pt", 20.0))

    def figure(self, chart: Chart, layout: Layout) -> None:
        from docx.shared import Pt

        self.figure_no += 1
        pic = self.doc.add_paragraph(style="Report Figure")
        if not self.measure:
            pic.add_run().add_picture(io.BytesIO(chart.images.get("word", b"")), width=Pt(TEXT_WIDTH_PT))
        label = t("report.doc.figure", self.lang, n=self.figure_no)
        sep = "　" if self.lang == "zh" else " "
        self.caption(f"{label}{sep}{chart.caption}")
        self.pages.figure(layout.height * TEXT_WIDTH_PT / layout.width)

    def page_break(self) -> None:
        from docx.enum.text import WD_BREAK

        self.doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
        self.pages.new_page()


def _indicator_table(w: _Writer) -> None:
    d, lang = w.d, w.lang
    w.table_no += 1
    w.caption(
        t("report.doc.table_caption", lang, n=w.table_no, scope=d.scope_name, period=d.period), table=True
    )
    rows = indicator_rows(d.results, lang)
    fills = {
        (r, 5): _STATUS_FILL[d.results[ind.id].status]
        for r, ind in enumerate(table_indicators())
        if d.results[ind.id].status in _STATUS_FILL
    }
    header = [
        t(f"report.doc.col_{c}", lang)
        for c in ("indicator", "actual", "target", "achievement", "yoy", "status")
    ]
    w.table(header, rows, right=(1, 2, 3, 4), center=(5,), fills=fills, row_pt=19.0)
    w.para(status_rule_text(d.quarter, lang), style="Report Note")


def _reporting_section(w: _Writer) -> None:
    d, lang = w.d, w.lang
    w.heading(t("report.doc.reporting", lang))
    period = fmt.period_label(d.year, d.quarter, lang)
    if d.single_unit:
        key = "report.doc.unit_missing" if len(d.missing) else "report.doc.unit_reported"
        w.para(t(key, lang, period=period, kinds=_kinds(d)))
        return
    if d.missing.empty:
        w.para(t("report.doc.missing_none", lang, period=period, rate=reporting_text(d)))
        return
    limit = LIST_LIMIT[w.length]
    lead = t("report.doc.missing_lead", lang, period=period, n=len(d.missing), rate=reporting_text(d))
    if len(d.missing) > limit:
        lead += t("report.doc.listed_first", lang, n=limit)
    w.para(lead)
    header = [t(f"report.doc.mcol_{c}", lang) for c in ("no", "unit", "kinds", "last")]
    rows = _grouped(
        d.missing.head(limit),
        lambda i, r: [str(i), r.unit, r.kinds, last_period_text(r.last_period, lang)],
        lang,
    )
    if len(d.missing) > limit:
        rows.append(t("report.doc.others_missing", lang, n=len(d.missing) - limit))
    w.table_no += 1
    w.caption(t("report.doc.missing_caption", lang, n=w.table_no, period=period), table=True)
    w.table(header, rows, center=(0,), droppable=(0,))


def _grouped(frame: Any, cells: Any, lang: str) -> list[Row]:
    """Rows numbered 1…n, under a group row for each 上级工会 (units without one first)."""
    rows: list[Row] = []
    last: object = object()
    for i, r in enumerate(frame.itertuples(), start=1):
        parent = r.parent if isinstance(r.parent, str) else None
        if parent != last:
            rows.append(parent or t("report.doc.no_parent", lang))
        last = parent
        rows.append(cells(i, r))
    return rows


def _kinds(d: Draft) -> str:
    sep = "、" if d.lang == "zh" else ", "
    return sep.join(str(k) for k in d.missing["kinds"]) if len(d.missing) else ""


def _arrears_section(w: _Writer) -> None:
    d, lang = w.d, w.lang
    w.heading(t("report.doc.arrears", lang))
    if d.single_unit:
        if d.arrears.empty:
            w.para(t("report.doc.unit_paid", lang, period=d.period))
        else:
            owed = float(d.arrears["arrears"].sum())
            due = float(d.arrears["due"].sum())
            w.para(
                t(
                    "report.doc.unit_arrears",
                    lang,
                    period=d.period,
                    total=narrative.value_text("dues_collected", owed, lang),
                    rate=fmt.fmt_rate((due - owed) / due if due else None),
                )
            )
        return
    if d.arrears.empty:
        w.para(t("report.doc.arrears_none", lang, period=d.period))
        return
    # a long list: the units owing most, then one row for the others, so the 合计 still adds up
    limit = LIST_LIMIT[w.length]
    shown = d.arrears
    rest = shown.iloc[0:0]
    if len(shown) > limit:
        top = shown.sort_values(["arrears", "unit"], ascending=[False, True]).head(limit)
        rest = shown.drop(top.index)
        shown = shown.loc[sorted(top.index)]  # back in the order of the list (by 上级工会)
    columns: dict[str, list[str]] = {}
    totals: dict[str, str] = {}
    sums: dict[str, Decimal] = {}
    for col in ("due", "paid", "arrears"):
        values = shown[col].tolist() + ([float(rest[col].sum())] if len(rest) else [])
        columns[col], totals[col], sums[col] = money_cells(values)
    due_sum, paid_sum, owed_sum = sums["due"], sums["paid"], sums["arrears"]
    lead = t(
        "report.doc.arrears_lead",
        lang,
        period=d.period,
        n=len(d.arrears),
        total=narrative.value_text("dues_collected", float(owed_sum), lang),
        share=fmt.fmt_rate(float(owed_sum / due_sum) if due_sum else None),
    )
    if len(rest):
        lead += t("report.doc.listed_most", lang, n=limit)
    w.para(lead)
    header = [t(f"report.doc.acol_{c}", lang) for c in ("no", "unit", "due", "paid", "arrears", "rate")]
    n = len(shown)
    frame = shown.assign(
        due_text=columns["due"][:n], paid_text=columns["paid"][:n], owed_text=columns["arrears"][:n]
    )
    rows = _grouped(
        frame, lambda i, r: [str(i), r.unit, r.due_text, r.paid_text, r.owed_text, fmt.fmt_rate(r.rate)], lang
    )
    if len(rest):
        rest_due, rest_paid = float(rest["due"].sum()), float(rest["paid"].sum())
        rows.append(
            [
                "",
                t("report.doc.others", lang, n=len(rest)),
                columns["due"][n],
                columns["paid"][n],
                columns["arrears"][n],
                fmt.fmt_rate(rest_paid / rest_due if rest_due else None),
            ]
        )
    rate = fmt.fmt_rate(float(paid_sum / due_sum) if due_sum else None)
    rows.append(["", t("report.doc.total", lang), totals["due"], totals["paid"], totals["arrears"], rate])
    w.table_no += 1
    w.caption(t("report.doc.arrears_caption", lang, n=w.table_no, period=d.period), table=True)
    w.table(header, rows, right=(2, 3, 4, 5), center=(0,), bold_last=True, droppable=(0,))


def _signature(w: _Writer) -> None:
    """落款 (GB/T 9704 7.3.5.1, no seal): one line below the text, the organisation two characters in from
    the right; the date below it, starting two characters right of the organisation's first character
    (or two in from the right when it is the longer, the organisation moved left to match)."""
    from docx.shared import Pt

    d = w.d
    org, date = d.scope_name if d.unit_id is not None else d.org_name, d.date_text
    org_em = text_width_pt(org, 1.0)
    date_em = text_width_pt(date, 1.0)
    date_ri, org_ri = org_em - date_em, 2.0
    if date_ri < 2:
        date_ri, org_ri = 2.0, 4 + date_em - org_em
    w.blank(keep_next=True)
    for n, (text, ri) in enumerate(((org, org_ri), (date, date_ri))):
        p = w.para(text, style="Report Signature")
        p.paragraph_format.right_indent = Pt(ri * SAN_HAO)
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.keep_with_next = n == 0


def _toc(w: _Writer, entries: list[tuple[int, str, int]]) -> None:
    """目录: a TOC field over headings 1–2, its entries written with the pages estimated by pagination."""
    from docx.shared import Pt

    w.doc.add_paragraph(t("report.doc.toc", w.lang), style="TOC Heading")
    w.pages.lines(1.5)
    size = SAN_HAO
    fonts = w.fonts["body"]
    paragraphs = []
    for level, text, page in entries:
        p = w.doc.add_paragraph(style=f"toc {level}")
        paragraphs.append((p, text, page))
        w.pages.lines(1)
    first = paragraphs[0][0]

    def run(p: Any, child: Any = None, text: str = "") -> None:
        r = p.add_run(text)
        r.font.size = Pt(size)
        set_fonts(r._r.get_or_add_rPr(), *fonts)
        if child is not None:
            r._r.append(child)

    run(first, _el("w:fldChar", fldCharType="begin", dirty="true"))
    instr = _el("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = ' TOC \\o "1-2" \\h \\z \\u '
    run(first, instr)
    run(first, _el("w:fldChar", fldCharType="separate"))
    for p, text, page in paragraphs:
        run(p, text=f"{text}\t{page}")
    run(paragraphs[-1][0], _el("w:fldChar", fldCharType="end"))
    # Word (and WPS) refresh the page numbers when the document is opened
    add_in_order(w.doc.settings.element, _el("w:updateFields", val="true"), SETTINGS_AFTER_UPDATE_FIELDS)


def _body(w: _Writer, charts: Sequence[Chart], layouts: dict[str, dict[str, Layout]], length: str) -> None:
    d, lang = w.d, w.lang
    w.heading(t("report.doc.overview", lang))
    _indicator_table(w)
    w.para(d.summary)
    # A chart goes after its theme's text; one that would not fit what is left of the page waits
    # for the next theme's text to fill the page first (a float, as typesetters place figures)
    pending: list[Chart] = []

    def place(force: bool = False) -> None:
        while pending:
            fitting = [
                c
                for c in pending
                if w.pages.fits(picture_size_pt(layouts[c.key]["word"])[1] + pagination.FIGURE_EXTRA_PT)
            ]
            if not fitting and not force:
                return
            chart = (fitting or pending)[0]
            w.figure(chart, layouts[chart.key]["word"])
            pending.remove(chart)

    for th in THEMES:
        w.heading(theme_label(th.id, lang))
        w.para(d.paragraphs[th.id])
        mine = [c for c in charts if c.theme == th.id]
        # what the ranking and breakdown charts say is text of its own (a trend repeats the paragraph)
        texts = mine if length == "short" else [c for c in d.charts if c.theme == th.id]
        for chart in texts:
            if chart.kind in ("ranking", "breakdown") and chart.sentence:
                w.para(chart.sentence)
        if length == "short":
            pending.extend(mine)
            place()
    place(force=True)
    _reporting_section(w)
    _arrears_section(w)


def _appendix(w: _Writer, charts: Sequence[Chart], layouts: dict[str, dict[str, Layout]]) -> None:
    """附件: every chart, under （一） headings per theme, ordered within each theme so pages fill."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    lang = w.lang
    p = w.doc.add_paragraph(t("report.doc.attachment", lang), style="Report Attachment")
    p.paragraph_format.page_break_before = True
    p.paragraph_format.first_line_indent = 0
    w.pages.new_page()
    w.pages.lines(1)
    w.toc.append((1, t("report.doc.attachment_toc", lang, title=_attachment_title(w.d)), w.pages.page))
    title = w.doc.add_paragraph(_attachment_title(w.d), style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    w.pages.text(_attachment_title(w.d), "Title")
    n = 0
    for th in THEMES:
        mine = [c for c in charts if c.theme == th.id]
        if not mine:
            continue
        n += 1
        label = (
            f"（{_CN_NUM[n - 1]}）{theme_label(th.id, lang)}"
            if lang == "zh"
            else f"({n}) {theme_label(th.id, lang)}"
        )
        w.heading(label, level=2)
        heights = {
            c.key: layouts[c.key]["word"].height * TEXT_WIDTH_PT / layouts[c.key]["word"].width for c in mine
        }
        for chart in w.pages.fill_order(mine, heights):
            w.figure(chart, layouts[chart.key]["word"])


def _attachment_title(d: Draft) -> str:
    return t("report.doc.attachment_title", d.lang, title=d.title)


def build_docx(
    d: Draft, charts: Sequence[Chart], layouts: dict[str, dict[str, Layout]], length: str = "short"
) -> bytes:
    """The Word report of the charts given (rendered: chart.images['word'])."""
    w = _Writer(d, length)
    doc = w.doc
    _setup_styles(doc, d.lang)
    _font_table(doc)
    _page_setup(doc)
    _footers(doc, d.lang)
    props = doc.core_properties
    props.title = d.title
    props.subject = d.period
    props.author = props.last_modified_by = d.scope_name
    props.keywords = t("report.doc.keywords", d.lang)
    props.revision = 1
    props.created = props.modified = dt.datetime(*stamp(d.updated))

    w.para(d.title, style="Title")
    at = fmt.quarter_label(d.quarter, d.lang)
    w.para(t("report.doc.period_line", d.lang, period=d.period, at=at), style="Subtitle")
    w.blank()
    if length == "full":
        # the table of contents lists headings that come later: lay the document out once to know
        # their pages, then write it again with the contents in front
        probe = _Writer(d, length, measure=True)
        probe.pages.text(d.title, "Title")
        probe.pages.lines(2)
        probe.pages.lines(1.5 + _toc_lines(d, charts))
        probe.pages.new_page()
        _body(probe, charts, layouts, length)
        _closing(probe, length)
        _appendix(probe, charts, layouts)
        _toc(w, probe.toc)
        w.page_break()
    _body(w, charts, layouts, length)
    _closing(w, length)
    if length == "full":
        _appendix(w, charts, layouts)
    buf = io.BytesIO()
    doc.save(buf)
    return normalise_zip(buf.getvalue(), stamp(d.updated))


def _toc_lines(d: Draft, charts: Sequence[Chart]) -> int:
    themes_with_charts = len({c.theme for c in charts})
    return 1 + len(THEMES) + 2 + 1 + themes_with_charts


def _keep_last_with_next(w: _Writer) -> None:
    """The last lines of the text go with the 落款, so it never stands alone on a page (GB/T 9704
    7.3.5.4): the last paragraph, or the last row of a closing table, is kept with what follows."""
    if w.measure:
        return
    body = w.doc.element.body
    last = [el for el in body if el.tag in (_qn("w:p"), _qn("w:tbl"))]
    if not last:
        return
    el = last[-1]
    paras = el.findall(".//" + _qn("w:p")) if el.tag == _qn("w:tbl") else [el]
    if el.tag == _qn("w:tbl"):
        rows = el.findall(_qn("w:tr"))
        paras = rows[-1].findall(".//" + _qn("w:p")) if rows else []
    for p in paras:
        p.get_or_add_pPr().keepNext_val = True


def _closing(w: _Writer, length: str) -> None:
    _keep_last_with_next(w)
    if length == "full":
        w.blank(keep_next=True)
        note = w.para(t("report.doc.attachment_note", w.lang, title=_attachment_title(w.d)))
        note.paragraph_format.keep_with_next = True
    _signature(w)


def picture_size_pt(layout: Layout) -> tuple[float, float]:
    """(width, height) in pt at which a Word picture is placed: the text width, its own aspect."""
    return TEXT_WIDTH_PT, layout.height * TEXT_WIDTH_PT / layout.width
