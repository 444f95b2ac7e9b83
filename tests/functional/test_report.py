"""报告导出 end to end: `python -m etl report` and the page write real files, read back here.

The .docx is opened with python-docx and checked as an office would file it (GB/T 9704 page,
fonts with their East-Asian names, heading levels, captions as the only chart titles, pictures at
the text width, tables that fit and add up, text that agrees with the table); the .pptx with
python-pptx (16:9, text ≥ 14 pt, headlines that are not the chart titles, rankings cut to the first
and last ten units). Where LibreOffice is installed both lengths are converted to PDF and checked
for their page count, their fonts (no tofu) and the pages the table of contents gives.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from etl import store
from etl.core import fmt
from etl.core.dictionary import STATUS_ZH, THEMES, WORK_INDICATORS
from etl.indicators import kpis, queries
from etl.outputs import figures, narrative, report
from etl.outputs.report import images, jobs
from etl.outputs.report.docx import TEXT_WIDTH_PT
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
TITLE = "滨江市总工会2025年工作数据报告"
SHORT = f"{TITLE}（全年）（简版）"
FULL = f"{TITLE}（全年）（完整版）"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
EMU_PER_PT = 12700
UNIT = "滨江华信建设工程有限公司"  # a grassroots unit of the demo, in arrears


def run_etl(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def build(demo_db: Path, work: Path, *args: str) -> dict:
    db = work / "demo-copy.duckdb"
    if not db.exists():
        shutil.copyfile(demo_db, db)
    out = work / "out"
    proc = run_etl("report", "--year", "2025", "--quarter", "4", "--db", str(db), "--out", str(out), *args)
    assert proc.returncode == 0, proc.stderr
    with store.connect(db, read_only=True) as con:
        results = kpis.compute(con, 2025, 4)
        d = report.draft(con, 2025, 4)  # the same draft, without rendering
    return {"db": db, "out": out, "stdout": proc.stdout, "results": results, "draft": d}


@pytest.fixture(scope="module")
def short_report(demo_db: Path, chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`python -m etl report --year 2025 --quarter 4` (简版, the default) over a copy of the demo."""
    return build(demo_db, tmp_path_factory.mktemp("short"))


@pytest.fixture(scope="module")
def full_report(demo_db: Path, chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build(demo_db, tmp_path_factory.mktemp("full"), "--length", "full")


@pytest.fixture(scope="module")
def unit_report(demo_db: Path, chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The 简版 for one grassroots unit, through the API (Word only)."""
    work = tmp_path_factory.mktemp("unit")
    db = work / "demo-copy.duckdb"
    shutil.copyfile(demo_db, db)
    with store.connect(db, read_only=True) as con:
        unit_id = kpis.find_unit(con, UNIT)
        results = kpis.compute(con, 2025, 4, unit_id)
    files = report.build_report(db, 2025, 4, unit_id, formats=("docx",))
    return {"files": files, "results": results}


def open_docx(data: dict, stem: str):
    import docx

    return docx.Document(str(data["out"] / f"{stem}.docx"))


def open_pptx(data: dict, stem: str):
    from pptx import Presentation

    return Presentation(str(data["out"] / f"{stem}.pptx"))


def docx_text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def headings(doc, level: int) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == f"Heading {level}"]


def table_with(doc, first_header: str, last_header: str | None = None):
    for table in doc.tables:
        cells = [c.text for c in table.rows[0].cells]
        if first_header in cells[:2] and (last_header is None or cells[-1] == last_header):
            return table
    raise AssertionError(f"no table with a header {first_header!r}")


# ---------------------------------------------------------------- the files


def test_short_command_writes_the_short_chart_set(short_report: dict) -> None:
    out, d = short_report["out"], short_report["draft"]
    assert (out / f"{SHORT}.docx").is_file() and (out / f"{SHORT}.pptx").is_file()
    short = report.select(d.charts, "short")
    assert [c.key for c in short] == report.short_keys(d.charts)
    assert [c.key for c in short] == [
        "trend:membership_rate",
        "trend:new_members",
        "trend:contract_signing_rate",
        "ranking:dues_collection_rate",
        "breakdown:welfare:money",
        "bullet:activities",
    ]
    assert sorted(p.stem for p in out.glob("*.png")) == sorted(c.name for c in short)
    assert not (out / "svg").exists()  # SVG only on request
    assert "用时" in short_report["stdout"]


def test_full_command_writes_every_chart(full_report: dict) -> None:
    out, d = full_report["out"], full_report["draft"]
    assert sorted(p.stem for p in out.glob("*.png")) == sorted(c.name for c in d.charts)
    assert len(d.charts) >= 30
    assert "2025年Q4_入会率_各单位排名" in {c.name for c in d.charts}


# ---------------------------------------------------------------- the Word page (GB/T 9704)


@pytest.mark.parametrize("which", ["short", "full"])
def test_page_setup_is_a4_with_official_margins_and_page_numbers(which: str, request) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    data = request.getfixturevalue(f"{which}_report")
    doc = open_docx(data, SHORT if which == "short" else FULL)
    assert len(doc.sections) == 1
    s = doc.sections[0]
    for value, mm in (
        (s.page_width, 210),
        (s.page_height, 297),
        (s.top_margin, 37),
        (s.bottom_margin, 35),
        (s.left_margin, 28),
        (s.right_margin, 26),
    ):
        assert abs(value - Mm(mm)) < Mm(0.1), (value, mm)
    # "— 1 —": odd pages on the right, even pages on the left (GB/T 9704 7.5)
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, align in (
        (s.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        para = footer.paragraphs[0]
        assert para.alignment == align
        xml = para._p.xml
        assert "PAGE" in "".join(el.text or "" for el in para._p.iter(f"{W}instrText"))
        assert para.text.startswith("— ") and para.text.endswith(" —")
        assert 'w:eastAsia="宋体"' in xml and 'w:val="28"' in xml  # 四号 = 14 pt


def _rfonts(style) -> dict:
    el = style.element.rPr.rFonts
    return {k.split("}")[1]: v for k, v in el.attrib.items()}


def test_fonts_are_named_with_their_east_asian_attribute_and_a_fallback(short_report: dict) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.shared import Pt

    doc = open_docx(short_report, SHORT)
    styles = doc.styles
    expected = {
        "Normal": ("仿宋_GB2312", 16),
        "Title": ("方正小标宋简体", 22),
        "Heading 1": ("黑体", 16),
        "Heading 2": ("楷体_GB2312", 16),
    }
    for name, (east_asia, size) in expected.items():
        fonts = _rfonts(styles[name])
        assert fonts["eastAsia"] == east_asia, name
        assert fonts["ascii"] == fonts["hAnsi"] == "Times New Roman", name
        assert styles[name].font.size == Pt(size), name
        assert not styles[name].font.bold, name
    normal = styles["Normal"].paragraph_format
    assert normal.line_spacing_rule == WD_LINE_SPACING.EXACTLY and normal.line_spacing == Pt(29)
    assert normal.first_line_indent == Pt(32)  # two characters of 三号
    ind = styles["Normal"].element.pPr.find(f"{W}ind")
    assert ind.get(f"{W}firstLineChars") == "200"
    assert styles["Title"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert doc.paragraphs[0].style.name == "Title" and doc.paragraphs[0].text == TITLE
    # every run that names its fonts names the East Asian one too
    for run in doc.element.body.iter(f"{W}rFonts"):
        assert run.get(f"{W}eastAsia"), run.attrib
    # fallbacks Word and WPS use where the font is missing
    table = doc.part.part_related_by(RT.FONT_TABLE).blob.decode("utf-8")
    for name, alt in (("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体"), ("方正小标宋简体", "黑体")):
        entry = re.search(rf'<w:font w:name="{name}">(.*?)</w:font>', table, re.S)
        assert entry and f'<w:altName w:val="{alt}"/>' in entry.group(1), name
        assert '<w:charset w:val="86"/>' in entry.group(1)


def test_heading_levels(short_report: dict, full_report: dict) -> None:
    themes = [t.zh for t in THEMES]
    level1 = ["总体情况", *themes, "数据报送情况", "会费欠缴情况"]
    numbered = [f"{n}、{text}" for n, text in zip("一二三四五六七八", level1, strict=True)]
    short = open_docx(short_report, SHORT)
    assert headings(short, 1) == numbered
    assert headings(short, 2) == []
    full = open_docx(full_report, FULL)
    assert headings(full, 1) == numbered
    assert headings(full, 2) == [f"（{n}）{t}" for n, t in zip("一二三四五", themes, strict=True)]
    for name, level in (("Heading 1", "0"), ("Heading 2", "1")):
        outline = full.styles[name].element.pPr.find(f"{W}outlineLvl")
        assert outline is not None and outline.get(f"{W}val") == level


def test_captions_are_the_only_chart_titles(short_report: dict, full_report: dict) -> None:
    for data, stem, length in ((short_report, SHORT, "short"), (full_report, FULL, "full")):
        doc = open_docx(data, stem)
        captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
        charts = report.select(data["draft"].charts, length)
        assert len(captions) == len(charts) == len(doc.inline_shapes)
        assert len(set(captions)) == len(captions)
        numbers = [int(re.match(r"图(\d+)　", c).group(1)) for c in captions]
        assert numbers == list(range(1, len(charts) + 1))
        assert sorted(c.split("　", 1)[1] for c in captions) == sorted(c.caption for c in charts)
    # the pictures carry no title of their own (the caption is the title); the source line stays
    for chart in full_report["draft"].charts:
        layout = images.word_layout(chart)
        title = layout.figure["layout"].get("title") or {}
        assert not title.get("text"), chart.key
        text = json.dumps(layout.figure, ensure_ascii=False)
        assert "数据来源" in text, chart.key
        assert chart.figure().layout.title.text  # the dashboard's figure keeps it


def test_pictures_are_the_text_width_and_two_share_a_page(full_report: dict) -> None:
    doc = open_docx(full_report, FULL)
    text_height_pt = images.TEXT_HEIGHT_PT
    halves = 0
    for shape in doc.inline_shapes:
        width, height = shape.width / EMU_PER_PT, shape.height / EMU_PER_PT
        assert width == pytest.approx(TEXT_WIDTH_PT, abs=0.5)
        assert height <= images.FULL_PAGE_PT + 0.5 < text_height_pt
        halves += height <= images.HALF_PAGE_PT + 0.5
    assert halves >= len(doc.inline_shapes) * 2 // 3  # most charts go two to a page
    # the picture's text prints at 9 pt or more
    for chart in full_report["draft"].charts:
        layout = images.word_layout(chart)
        smallest = min(figures.print_text_sizes(layout.figure))
        assert smallest * TEXT_WIDTH_PT / layout.width >= 9 - 1e-6, chart.key


PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
    "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
    "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
)  # fmt: skip
RPR_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
    "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w",
    "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign",
    "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath",
)  # fmt: skip


def test_the_xml_keeps_the_order_word_requires(full_report: dict) -> None:
    """Word refuses a file whose elements are out of schema order (LibreOffice does not mind)."""
    from lxml import etree

    from etl.outputs.report.docx import SETTINGS_AFTER_UPDATE_FIELDS, TBL_PR_ORDER, TC_PR_ORDER

    orders = {"pPr": PPR_ORDER, "rPr": RPR_ORDER, "tcPr": TC_PR_ORDER, "tblPr": TBL_PR_ORDER}
    with zipfile.ZipFile(full_report["out"] / f"{FULL}.docx") as package:
        parts = [n for n in package.namelist() if re.fullmatch(r"word/(document|styles|footer\d+)\.xml", n)]
        assert len(parts) >= 4
        for name in parts:
            root = etree.fromstring(package.read(name))
            for tag, order in orders.items():
                for el in root.iter(f"{W}{tag}"):
                    if tag == "rPr" and el.getparent().tag == f"{W}pPr":
                        continue  # the paragraph mark's properties: same order, checked as rPr anyway
                    ranks = [order.index(c.tag.split("}")[1]) for c in el if c.tag.split("}")[1] in order]
                    assert ranks == sorted(ranks), (name, tag, [c.tag.split("}")[1] for c in el])
        settings = [c.tag.split("}")[1] for c in etree.fromstring(package.read("word/settings.xml"))]
    assert "updateFields" in settings and "evenAndOddHeaders" in settings
    later = [settings.index(t) for t in SETTINGS_AFTER_UPDATE_FIELDS[1:] if t in settings]
    assert all(settings.index("updateFields") < i for i in later), settings


# ---------------------------------------------------------------- tables and text


def test_indicator_table_is_the_work_indicators(short_report: dict) -> None:
    doc = open_docx(short_report, SHORT)
    table = table_with(doc, "指标")
    assert [c.text for c in table.rows[0].cells] == ["指标", "实际", "目标", "完成率", "同比", "状态"]
    assert len(table.rows) == 1 + len(WORK_INDICATORS)
    results = short_report["results"]
    for row, ind in zip(table.rows[1:], WORK_INDICATORS, strict=True):
        k = results[ind.id]
        cells = [c.text for c in row.cells]
        assert cells[0] == ind.zh
        assert cells[1] == fmt.fmt_value(ind, k.actual).replace(" ", "")
        assert cells[2] == fmt.fmt_value(ind, k.target).replace(" ", "")
        assert cells[3] == fmt.fmt_rate(k.achievement)
        assert cells[4] == (fmt.fmt_change(ind, k.yoy, compact=True) or fmt.DASH).replace(" ", "")
        assert cells[5].endswith(STATUS_ZH[k.status])
        # numbers right-aligned, nothing wraps
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        assert all(row.cells[c].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT for c in (1, 2, 3, 4))
        assert all(cell._tc.tcPr.find(f"{W}noWrap") is not None for cell in row.cells)
    widths = [float(g.get(f"{W}w")) / 20 for g in table._tbl.tblGrid.iter(f"{W}gridCol")]
    assert sum(widths) <= TEXT_WIDTH_PT + 1


def _counts(table) -> dict[str, int]:
    statuses = [row.cells[5].text.split(" ", 1)[-1] for row in table.rows[1:]]
    return {s: statuses.count(s) for s in set(statuses)}


def test_no_sentence_contradicts_the_table(short_report: dict, unit_report: dict) -> None:
    import docx

    doc = open_docx(short_report, SHORT)
    counts = _counts(table_with(doc, "指标"))
    text = docx_text(doc)
    lead = re.search(
        r"(\d+)项工作指标中，(?:(\d+)项可对照年度目标考核：)?完成年度目标(\d+)项、未完成(\d+)项", text
    )
    assert lead, text[:400]
    assert int(lead.group(1)) == sum(counts.values()) == len(WORK_INDICATORS)
    assert int(lead.group(3)) == counts.get("完成", 0)
    assert int(lead.group(4)) == counts.get("未完成", 0)
    # the one-unit report: judged, met, missed and without a target agree with its table too
    unit = docx.Document(io.BytesIO(unit_report["files"].docx))
    counts = _counts(table_with(unit, "指标"))
    text = docx_text(unit)
    lead = re.search(
        r"(\d+)项工作指标中，(\d+)项可对照年度目标考核：完成年度目标(\d+)项、未完成(\d+)项", text
    )
    assert lead, text[:400]
    assert int(lead.group(2)) == counts.get("完成", 0) + counts.get("未完成", 0)
    assert int(lead.group(3)) == counts.get("完成", 0) and int(lead.group(4)) == counts.get("未完成", 0)
    no_target = re.search(r"另有(\d+)项未设年度目标", text)
    assert no_target and int(no_target.group(1)) == counts.get("无目标", 0)


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def test_missing_and_arrears_tables_fit_and_add_up(short_report: dict) -> None:
    doc = open_docx(short_report, SHORT)
    missing = table_with(doc, "单位", "最近报送期")
    units = [row.cells[1].text for row in missing.rows[1:] if row.cells[0].text.isdigit()]
    assert units == ["江滨绿源食品有限公司", "滨江市统计局"]
    groups = [row.cells[0].text for row in missing.rows[1:] if not row.cells[0].text.isdigit()]
    assert groups == ["江滨街道工会联合会", "滨江市机关工会联合会"]  # 上级工会 as group rows
    with store.connect(short_report["db"], read_only=True) as con:
        dues = queries.dues_by_unit(con, 2025, 4, None)
    owing = dues[dues["arrears"] > 0]
    arrears = table_with(doc, "单位", "收缴率")
    rows = [[c.text for c in row.cells] for row in arrears.rows[1:]]
    units = [r for r in rows if r[0].isdigit()]
    assert sorted(r[1] for r in units) == sorted(owing["unit"])
    total = rows[-1]
    assert total[1] == "合计"
    amounts = [r for r in rows[:-1] if len(set(r)) > 1]  # not the 上级工会 rows (one cell across)
    for c in (2, 3, 4):  # 合计 = the sum of the amounts shown
        assert _number(total[c]) == pytest.approx(sum(_number(r[c]) for r in amounts), abs=0.005)
    assert _number(total[4]) == pytest.approx(owing["arrears"].sum(), abs=0.5)
    for table in (missing, arrears):
        widths = [float(g.get(f"{W}w")) / 20 for g in table._tbl.tblGrid.iter(f"{W}gridCol")]
        assert sum(widths) <= TEXT_WIDTH_PT + 1
        for row in table.rows[1:]:
            cell = row.cells[1]
            if row.cells[0].text.isdigit():
                assert cell._tc.tcPr.find(f"{W}noWrap") is not None  # a unit name never breaks


def test_figures_in_the_text_equal_the_kpis_command(short_report: dict) -> None:
    """The sentences quote what `python -m etl kpis` prints, formatted as the seeds write them."""
    proc = run_etl("kpis", "--year", "2025", "--quarter", "4", "--db", str(short_report["db"]))
    assert proc.returncode == 0, proc.stderr
    contract = json.loads(proc.stdout)
    text = docx_text(open_docx(short_report, SHORT))
    for ind in WORK_INDICATORS:
        values = contract[ind.id]
        if values["actual"] is None:
            continue
        assert fmt.fmt_value(ind, values["actual"]).replace(" ", "").replace(",", "") in text, ind.id
    d = short_report["draft"]
    assert d.summary in text
    for theme in THEMES:
        assert narrative.theme_paragraph(theme.id, short_report["results"], 2025, 4, gaps=d.gaps) in text


def test_the_report_is_signed_and_dated(short_report: dict) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = open_docx(short_report, SHORT)
    signed = [p for p in doc.paragraphs if p.style.name == "Report Signature"]
    assert [p.text for p in signed] == ["滨江市总工会", short_report["draft"].date_text]
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", signed[1].text)
    assert signed[0].style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT


def test_full_report_has_contents_and_an_attachment(full_report: dict) -> None:
    doc = open_docx(full_report, FULL)
    instr = " ".join(el.text or "" for el in doc.element.body.iter(f"{W}instrText"))
    assert 'TOC \\o "1-2"' in instr
    entries = [p.text for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
    for heading in headings(doc, 1) + headings(doc, 2):
        assert any(e.split("\t")[0] == heading for e in entries), heading  # written, not empty
    assert all(re.fullmatch(r".+\t\d+", e) for e in entries)
    attachment = next(p for p in doc.paragraphs if p.text == "附件")
    assert attachment.paragraph_format.page_break_before
    body = docx_text(doc)
    assert f"附件：{TITLE}图表" in body
    # ranking and breakdown sentences are text of the body; the attachment is the charts
    d = full_report["draft"]
    for chart in d.charts:
        if chart.kind in ("ranking", "breakdown") and chart.sentence:
            assert chart.sentence in body


def test_one_unit_report_speaks_of_that_unit(unit_report: dict) -> None:
    import docx

    files = unit_report["files"]
    assert files.title == f"{UNIT}2025年工作数据报告"
    doc = docx.Document(io.BytesIO(files.docx))
    text = docx_text(doc)
    assert "本单位" in text
    assert "各单位" not in text
    assert "江滨电子科技有限公司" not in text  # in arrears too, but another unit
    assert not any(c.text in ("欠缴金额", "最近报送期") for t in doc.tables for c in t.rows[0].cells)
    assert re.search(r"本单位尚欠缴会费[\d.]+万元", text)
    assert not files.pptx  # Word only was asked for


# ---------------------------------------------------------------- slides


def _runs(shape):
    if shape.has_text_frame:
        for para in shape.text_frame.paragraphs:
            yield from para.runs
    if shape.has_table:
        for row in shape.table.rows:
            for cell in row.cells:
                for para in cell.text_frame.paragraphs:
                    yield from para.runs


def test_slides_are_16_9_with_readable_text_and_message_headlines(full_report: dict) -> None:
    from pptx.enum.shapes import MSO_SHAPE_TYPE
    from pptx.util import Pt

    d = full_report["draft"]
    prs = open_pptx(full_report, FULL)
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    slides = list(prs.slides)
    assert len(slides) == 2 + len(d.charts)
    assert any(s.has_text_frame and s.text_frame.text == TITLE for s in slides[0].shapes)
    # every piece of text is 14 pt or more at slide size
    for slide in slides:
        for shape in slide.shapes:
            for run in _runs(shape):
                assert run.font.size is not None and run.font.size >= Pt(14), run.text
    # the overview: a real table of the work indicators
    table = next(s for s in slides[1].shapes if s.has_table).table
    assert len(table.rows) == 1 + len(WORK_INDICATORS)
    assert [c.text for c in table.rows[0].cells] == ["指标", "实际", "目标", "完成率", "同比", "状态"]
    for slide, chart in zip(slides[2:], d.charts, strict=True):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        headline = next(s for s in slide.shapes if s.name == "Headline").text_frame.text
        assert headline == chart.headline and headline
        assert headline not in chart.caption and chart.caption not in headline
        assert chart.caption in slide.notes_slide.notes_text_frame.text
        # the picture's text, placed at the picture's width, is 14 pt or more
        layout = images.slide_layout(chart)
        placed_pt = pictures[0].width / EMU_PER_PT
        image = Image.open(io.BytesIO(pictures[0].image.blob))
        assert image.width == pytest.approx(layout.width * images.SLIDE_SCALE, abs=1)
        assert abs(image.width / image.height - pictures[0].width / pictures[0].height) < 0.01
        smallest = min(figures.print_text_sizes(layout.figure))
        assert smallest * placed_pt / layout.width >= 14 - 1e-6, chart.key


def test_ranking_slides_show_the_first_and_last_ten_units(full_report: dict) -> None:
    d = full_report["draft"]
    with store.connect(full_report["db"], read_only=True) as con:
        history = kpis.unit_history(con, 2025, 4, None)
    for chart in (c for c in d.charts if c.kind == "ranking"):
        layout = images.slide_layout(chart)
        cats = list(layout.figure["layout"]["yaxis"]["categoryarray"])
        rows = history[history["indicator"] == chart.indicator].dropna(subset=["actual"])
        rows = rows[rows["status"] != "not_applicable"]
        assert len(rows) > 20
        ordered = rows.sort_values(["actual", "unit"], ascending=[False, True])
        names = [re.sub(r"^\d+\. ", "", c) for c in cats]
        assert names[:10] == list(ordered["unit"][:10]), chart.key
        assert names[-10:] == list(ordered["unit"][-10:]), chart.key
        assert re.fullmatch(rf"⋯ 中间{len(rows) - 20}个单位略 ⋯", names[10].rstrip("\u200b")), names[10]
        assert len(cats) == 21


# ---------------------------------------------------------------- PDF through LibreOffice


def _soffice() -> str:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office or not shutil.which("pdftotext") or not shutil.which("pdffonts"):
        skip_or_fail("LibreOffice and poppler-utils are needed to check the PDF pages")
    return office


def to_pdf(docx_path: Path, work: Path) -> Path:
    office = _soffice()
    profile = work / "lo-profile"
    proc = subprocess.run(
        [
            office,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(docx_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    pdf = work / (docx_path.stem + ".pdf")
    if not pdf.exists():
        skip_or_fail(f"LibreOffice could not convert the report: {proc.stderr[-300:]}")
    return pdf


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


@pytest.mark.parametrize("which", ["short", "full"])
def test_pdf_pages_have_real_glyphs_page_numbers_and_few_pages(which: str, request, tmp_path: Path) -> None:
    data = request.getfixturevalue(f"{which}_report")
    stem = SHORT if which == "short" else FULL
    pdf = to_pdf(data["out"] / f"{stem}.docx", tmp_path)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"CJK|WenQuanYi|Droid", fonts), fonts  # Chinese text has a Chinese font (no tofu)
    pages = pdf_pages(pdf)
    assert TITLE in re.sub(r"\s+", "", pages[0])
    for n, page in enumerate(pages, start=1):
        assert re.search(rf"—\s*{n}\s*—", page), (n, page[-200:])
    if which == "short":
        assert len(pages) <= 10, len(pages)
    else:
        assert len(pages) <= 40, len(pages)


def test_contents_give_the_pages_libreoffice_lays_out(full_report: dict, tmp_path: Path) -> None:
    doc = open_docx(full_report, FULL)
    entries = [p.text.split("\t") for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
    pages = [re.sub(r"\s+", "", p) for p in pdf_pages(to_pdf(full_report["out"] / f"{FULL}.docx", tmp_path))]
    for text, page in entries:
        want = re.sub(r"\s+", "", text)
        found = [n for n, p in enumerate(pages, start=1) if n > 1 and want in p]
        assert found, text
        assert abs(found[0] - int(page)) <= 1, (text, page, found)


# ---------------------------------------------------------------- the API, a few charts


def test_build_report_api_zip_svg_pdf_and_the_same_bytes_again(
    demo_db_copy: Path, chromium_path: str
) -> None:
    keys = ["bullet:organisation", "trend:members", "ranking:membership_rate", "breakdown:activities:count"]
    seen: list[float] = []
    files = report.build_report(
        demo_db_copy,
        2025,
        3,
        charts=keys,
        formats=report.ALL_FORMATS,
        progress=lambda share, _: seen.append(share),
        lang="en",
    )
    assert files.title == "滨江市总工会 2025 work data report"
    assert sorted(c.key for c in files.charts) == sorted(keys) and seen[-1] == 1.0
    names = zipfile.ZipFile(io.BytesIO(files.zip_bytes())).namelist()
    assert names[:2] == [files.docx_name, files.pptx_name]
    for chart in files.charts:
        assert (
            f"{chart.name}.png" in names
            and f"svg/{chart.name}.svg" in names
            and f"pdf/{chart.name}.pdf" in names
        )
        assert chart.pdf.startswith(b"%PDF") and chart.svg.lstrip().startswith(b"<svg")
    import docx

    doc = docx.Document(io.BytesIO(files.docx))
    assert headings(doc, 1)[0] == "1. Overview"
    assert _rfonts(doc.styles["Heading 1"])["ascii"] == "Arial"
    again = report.build_report(demo_db_copy, 2025, 3, charts=keys, formats=("docx",), lang="en")
    assert again.docx == files.docx  # the same database gives the same document


# ---------------------------------------------------------------- the page


def test_report_page_builds_in_the_background(demo_db_copy: Path, chromium_path: str, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.login import login

    monkeypatch.setenv("UNION_KPI_DB", str(demo_db_copy))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    login(at, "admin")
    at.switch_page("pages/report.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "报告导出"
    assert at.radio(key="report-length").value == "short"
    chosen = next(m for m in at.multiselect if m.label.startswith("图表"))
    with store.connect(demo_db_copy, read_only=True) as con:
        d = report.draft(con, 2025, 4)
    assert chosen.value == report.short_keys(d.charts)
    chosen.set_value(["trend:membership_rate", "ranking:dues_collection_rate"]).run()
    next(b for b in at.button if b.label == "生成报告").click().run()
    assert not at.exception, [e.value for e in at.exception]
    job = jobs.get(at.session_state["report_job"])
    assert job is not None
    jobs.wait(job, timeout=300)
    assert job.state == "done", job.error
    assert [c.key for c in job.files.charts] == ["trend:membership_rate", "ranking:dues_collection_rate"]
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载全部（ZIP）", "下载 Word 文档", "下载 PowerPoint"]
    # another length: the files built for the short report are no longer offered
    at.radio(key="report-length").set_value("full").run()
    assert not at.get("download_button")
    assert any("重新生成" in i.value for i in at.info)


@pytest.mark.serial  # compares the page's time with the build's: other tests' load would skew it
def test_other_pages_answer_while_a_report_builds(
    demo_db_copy: Path, chromium_path: str, monkeypatch
) -> None:
    """A build runs beside the pages, not in front of them: the overview renders while it goes on."""
    from streamlit.testing.v1 import AppTest

    from tests.login import login

    monkeypatch.setenv("UNION_KPI_DB", str(demo_db_copy))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    login(at, "admin")
    at.switch_page("pages/overview.py")
    at.run()  # warm: caches filled, as for a user who has the page open
    with store.connect(demo_db_copy, read_only=True) as con:
        d = report.draft(con, 2025, 4)
    job = jobs.submit(d, "test", "full", None, report.ALL_FORMATS)  # ~100 pictures
    while job.state == "queued" or (job.state == "running" and job.share < 0.05):
        time.sleep(0.05)
    start = time.perf_counter()
    at.run()
    page_s = time.perf_counter() - start
    running = job.active
    jobs.wait(job, timeout=600)
    assert not at.exception, [e.value for e in at.exception]
    assert job.state == "done", job.error
    assert running, "the build finished before the page: nothing was shown"
    build_s = job.finished - job.started
    assert page_s < build_s / 2, (page_s, build_s)


def test_jobs_say_how_many_builds_are_ahead(monkeypatch) -> None:
    gate = threading.Event()
    monkeypatch.setattr(jobs, "render", lambda *args, **kwargs: gate.wait(30) and None)
    monkeypatch.setattr(jobs, "_executor", None)
    monkeypatch.setattr(jobs, "WORKERS", 1)
    first = jobs.submit(None, "a")  # type: ignore[arg-type]
    second = jobs.submit(None, "b")  # type: ignore[arg-type]
    third = jobs.submit(None, "c")  # type: ignore[arg-type]
    while first.state == "queued":
        time.sleep(0.01)
    assert (jobs.ahead(second), jobs.ahead(third)) == (1, 2)  # the running build, then the queued one
    gate.set()
    for job in (first, second, third):
        jobs.wait(job, 30)
        assert job.state == "done"


# ---------------------------------------------------------------- not tofu


def _title_figure(text: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title=dict(
            text=text, x=0.02, y=0.5, yanchor="middle", font=dict(size=40, family=figures.FONT_FAMILY)
        ),
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        width=900,
        height=120,
        margin=dict(l=0, r=0, t=0, b=0),
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    return fig


def glyph_shapes(png: bytes) -> tuple[int, int]:
    """(ink segments, distinct shapes) along a line of text: tofu boxes all look the same."""
    ink = np.array(Image.open(io.BytesIO(png)).convert("L")) < 140
    columns = [*ink.any(axis=0), False]
    segments, start = [], None
    for x, has_ink in enumerate(columns):
        if has_ink and start is None:
            start = x
        elif not has_ink and start is not None:
            segments.append((start, x))
            start = None
    shapes = set()
    for a, b in segments:
        glyph = ink[:, a:b]
        rows = np.where(glyph.any(axis=1))[0]
        small = Image.fromarray((glyph[rows[0] : rows[-1] + 1] * 255).astype("uint8")).resize((12, 12))
        shapes.add((np.array(small) > 127).tobytes())
    return len(segments), len(shapes)


def test_chinese_title_renders_real_glyphs_not_tofu(chromium_path: str) -> None:
    chinese = "滨江市总工会新发展会员完成情况"
    unassigned = "".join(chr(0xE000 + i) for i in range(12))  # private use: no font has these
    with figures.warm_browser():
        real = figures.export_png(_title_figure(chinese), 900, 120, scale=1)
        tofu = figures.export_png(_title_figure(unassigned), 900, 120, scale=1)
    segments, shapes = glyph_shapes(real)
    assert segments >= len(chinese) - 2 and shapes >= 12, (segments, shapes)
    assert glyph_shapes(tofu)[1] <= 2  # the check can fail: boxes for missing glyphs are all alike


# ---------------------------------------------------------------- errors of the command


def test_command_unknown_unit_no_data_and_unknown_chart(demo_db_copy: Path, tmp_path: Path) -> None:
    def report_cmd(*args: str) -> subprocess.CompletedProcess[str]:
        return run_etl("report", "--db", str(demo_db_copy), *args)

    proc = report_cmd(
        "--year", "2025", "--quarter", "3", "--unit", "不存在的工会", "--out", str(tmp_path / "a")
    )
    assert proc.returncode != 0 and "找不到单位「不存在的工会」" in proc.stderr
    proc = report_cmd("--year", "2030", "--quarter", "1", "--out", str(tmp_path / "b"))
    assert proc.returncode != 0 and "没有2030年第一季度的数据" in proc.stderr
    proc = report_cmd(
        "--year", "2025", "--quarter", "4", "--charts", "trend:nothing", "--out", str(tmp_path / "d")
    )
    assert proc.returncode != 0 and "没有这样的图表" in proc.stderr and "trend:nothing" in proc.stderr
    proc = run_etl(
        "report",
        "--year",
        "2025",
        "--quarter",
        "1",
        "--db",
        str(tmp_path / "none.duckdb"),
        "--out",
        str(tmp_path / "c"),
    )
    assert proc.returncode != 0 and "找不到数据库文件" in proc.stderr
    assert not (tmp_path / "none.duckdb").exists()
    assert not any((tmp_path / d).exists() for d in "abcd")
    listed = report_cmd("--year", "2025", "--quarter", "4", "--list-charts")
    assert listed.returncode == 0
    assert "＊trend:new_members" in listed.stdout and "　trend:members" in listed.stdout
