"""报告导出 end to end: `python -m etl report` and build_report write real files.

The .docx and .pptx are opened with python-docx / python-pptx and checked for their
images, tables and sentences; the PNGs for their scale; a rendered Chinese title for real
glyphs (not tofu). One full report of the demo organisation is rendered once per module
(about a minute); the other tests render a handful of charts.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from etl import figures, fmt, kpis, narrative, queries, report, store
from etl.dictionary import INDICATORS, STATUS_ZH, THEMES

ROOT = Path(__file__).resolve().parents[2]
TITLE = "滨江市总工会2025年工作数据报告"
STEM = f"{TITLE}（全年）"


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


@pytest.fixture(scope="module")
def full_report(demo_db: Path, chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`python -m etl report --year 2025 --quarter 4` over a copy of the demo database, once."""
    work = tmp_path_factory.mktemp("report")
    db = work / "demo-copy.duckdb"
    shutil.copyfile(demo_db, db)
    out = work / "out"
    proc = run_etl("report", "--year", "2025", "--quarter", "4", "--db", str(db), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    with store.connect(db, read_only=True) as con:
        results = kpis.compute(con, 2025, 4)
        d = report.draft(con, 2025, 4)  # the same draft, without rendering
    return {"db": db, "out": out, "stdout": proc.stdout, "results": results, "draft": d}


def docx_text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


# ---------------------------------------------------------------- files written by the command


def test_command_writes_docx_pptx_and_one_png_per_chart(full_report: dict) -> None:
    out, d = full_report["out"], full_report["draft"]
    assert (out / f"{STEM}.docx").is_file()
    assert (out / f"{STEM}.pptx").is_file()
    pngs = sorted(p.stem for p in out.glob("*.png"))
    assert pngs == sorted(c.name for c in d.charts)
    assert sorted(p.stem for p in (out / "svg").glob("*.svg")) == pngs
    assert len(pngs) >= 25
    assert "2025年Q4_入会率_各单位排名" in pngs
    assert "用时" in full_report["stdout"]


def test_word_document(full_report: dict) -> None:
    import docx

    d = full_report["draft"]
    doc = docx.Document(str(full_report["out"] / f"{STEM}.docx"))
    assert doc.paragraphs[0].text == TITLE
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert len(headings) >= 5
    themes = [f"{n}、{t.zh}" for n, t in zip("二三四五六", THEMES, strict=True)]
    assert headings[:6] == ["一、总体情况", *themes]
    # every chart is in the document once, as an inline picture, with its 图N caption
    assert len(doc.inline_shapes) == len(d.charts)
    text = docx_text(doc)
    for n, chart in enumerate(d.charts, start=1):
        assert f"图{n}　{chart.caption}" in text
    # the drafted sentences, with the figures of kpis
    assert d.summary in text
    for theme in THEMES:
        assert narrative.theme_paragraph(theme.id, full_report["results"], 2025, 4, gaps=d.gaps) in text
    # Chinese text gets an East Asian font in Word
    rfonts = doc.styles["Normal"].element.rPr.rFonts
    assert rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"


def _table_with_header(doc, first: str):
    for table in doc.tables:
        if table.rows[0].cells[0].text == first or table.rows[0].cells[1].text == first:
            return table
    raise AssertionError(f"no table with a header starting {first!r}")


def test_indicator_table_equals_kpis(full_report: dict) -> None:
    import docx

    doc = docx.Document(str(full_report["out"] / f"{STEM}.docx"))
    table = _table_with_header(doc, "指标")
    assert [c.text for c in table.rows[0].cells] == ["指标", "实际", "目标", "完成率", "同比", "状态"]
    assert len(table.rows) == 1 + 19
    results = full_report["results"]
    for row, ind in zip(table.rows[1:], INDICATORS, strict=True):
        k = results[ind.id]
        cells = [c.text for c in row.cells]
        assert cells[0] == ind.zh
        assert cells[1] == fmt.fmt_value(ind, k.actual)
        assert cells[2] == fmt.fmt_value(ind, k.target)
        assert cells[3] == fmt.fmt_rate(k.achievement)
        assert cells[4] == (fmt.fmt_change(ind, k.yoy, compact=True) or fmt.DASH)
        assert cells[5].endswith(STATUS_ZH[k.status])


def test_missing_and_arrears_lists(full_report: dict) -> None:
    import docx

    doc = docx.Document(str(full_report["out"] / f"{STEM}.docx"))
    missing = _table_with_header(doc, "单位")
    units = [row.cells[1].text for row in missing.rows[1:]]
    assert "滨江市统计局" in units
    assert "江滨绿源食品有限公司" in units
    with store.connect(full_report["db"], read_only=True) as con:
        dues = queries.dues_by_unit(con, 2025, 4, None)
    owing = sorted(dues.loc[dues["arrears"] > 0, "unit"])
    arrears = next(t for t in doc.tables if t.rows[0].cells[-1].text == "收缴率")
    assert sorted(row.cells[1].text for row in arrears.rows[1:-1]) == owing
    assert arrears.rows[-1].cells[1].text == "合计"
    assert arrears.rows[-1].cells[5].text == fmt.fmt_money(dues["arrears"].sum())


def test_figures_in_the_text_equal_the_kpis_command(full_report: dict) -> None:
    """The sentences quote what `python -m etl kpis` prints, formatted."""
    import docx

    proc = run_etl("kpis", "--year", "2025", "--quarter", "4", "--db", str(full_report["db"]))
    assert proc.returncode == 0, proc.stderr
    contract = json.loads(proc.stdout)
    text = docx_text(docx.Document(str(full_report["out"] / f"{STEM}.docx")))
    for ind in INDICATORS:
        values = contract[ind.id]
        if values["actual"] is None:
            continue
        # body text writes numbers as the seeds do: no space, no 千分位 (17574人)
        assert fmt.fmt_value(ind, values["actual"]).replace(" ", "").replace(",", "") in text, ind.id
        if values["target"] is not None and ind.measure != "rate":
            assert fmt.fmt_rate(values["achievement"]) in text, ind.id


def test_powerpoint_deck(full_report: dict) -> None:
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    d = full_report["draft"]
    prs = Presentation(str(full_report["out"] / f"{STEM}.pptx"))
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    slides = list(prs.slides)
    assert len(slides) == len(d.charts) + 1
    assert slides[0].shapes.title.text == TITLE
    for n, (slide, chart) in enumerate(zip(slides[1:], d.charts, strict=True), start=1):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        assert slide.shapes.title.text == f"图{n}　{chart.caption}"
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text
        if chart.sentence:
            assert any(s.has_text_frame and s.text_frame.text == chart.sentence for s in slide.shapes)
        image = Image.open(io.BytesIO(pictures[0].image.blob))
        assert abs(image.width / image.height - 16 / 9) < 0.01
        assert image.width >= 2 * figures.SIZE_SLIDE[0]


def test_pngs_are_at_least_twice_the_layout_size(full_report: dict) -> None:
    for chart in full_report["draft"].charts:
        image = Image.open(full_report["out"] / f"{chart.name}.png")
        assert image.width >= 2 * report.WORD_WIDTH_PX
        assert image.height >= 2 * chart.height
        svg = (full_report["out"] / "svg" / f"{chart.name}.svg").read_text("utf-8")
        assert svg.lstrip().startswith("<svg") and "Noto Sans CJK SC" in svg


# ---------------------------------------------------------------- the API, a few charts


def test_build_report_api_zip_and_pdf(
    demo_db_copy: Path, chromium_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = report._charts

    def some_charts(*args):  # one chart of each kind keeps this test quick
        charts = real(*args)
        kinds = ("bullet", "trend", "ranking", "breakdown")
        return [next(c for c in charts if c.kind == kind) for kind in kinds]

    monkeypatch.setattr(report, "_charts", some_charts)
    with store.connect(demo_db_copy, read_only=True) as con:
        unit_id = kpis.find_unit(con, "滨江市教育工会")
    seen: list[float] = []
    files = report.build_report(
        demo_db_copy,
        2025,
        3,
        unit_id=unit_id,
        out_dir=tmp_path / "out",
        formats=("png", "svg", "pdf"),
        progress=lambda share, _: seen.append(share),
    )
    assert files.title == "滨江市教育工会2025年工作数据报告"
    assert len(files.charts) == 4 and seen[-1] == 1.0
    names = zipfile.ZipFile(io.BytesIO(files.zip_bytes())).namelist()
    assert names[:2] == [files.docx_name, files.pptx_name]
    for chart in files.charts:
        assert f"{chart.name}.png" in names and f"svg/{chart.name}.svg" in names
        assert f"pdf/{chart.name}.pdf" in names
        assert chart.pdf.startswith(b"%PDF") and b"/Type3" in chart.pdf  # glyphs embedded (Type 3)
        assert (tmp_path / "out" / f"{chart.name}.png").read_bytes() == chart.png
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted({n.split("/")[0] for n in names})
    # the same database gives the same documents
    again = report.build_report(demo_db_copy, 2025, 3, unit_id=unit_id, formats=("png",))
    assert again.docx == files.docx


# ---------------------------------------------------------------- the page


def test_report_page_previews_and_builds(
    demo_db_copy: Path, chromium_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.login import login

    real = report._charts
    monkeypatch.setattr(report, "_charts", lambda *args: real(*args)[:2])  # quick
    monkeypatch.setenv("UNION_KPI_DB", str(demo_db_copy))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    login(at, "admin")
    at.switch_page("pages/report.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "报告导出"
    text = " ".join(m.value for m in at.markdown)
    assert TITLE in text and "工作指标中" in text
    assert len(at.dataframe[0].value) == 2  # the chart list
    assert not at.get("download_button")
    next(b for b in at.button if b.label == "生成报告").click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载全部（ZIP）", "下载 Word 文档", "下载 PowerPoint"]


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
    # the check can fail: boxes for missing glyphs are all alike
    assert glyph_shapes(tofu)[1] <= 2


# ---------------------------------------------------------------- errors of the command


def test_command_unknown_unit_and_no_data(demo_db_copy: Path, tmp_path: Path) -> None:
    proc = run_etl(
        "report",
        "--year",
        "2025",
        "--quarter",
        "3",
        "--unit",
        "不存在的工会",
        "--db",
        str(demo_db_copy),
        "--out",
        str(tmp_path / "a"),
    )
    assert proc.returncode != 0 and "找不到单位「不存在的工会」" in proc.stderr
    proc = run_etl(
        "report", "--year", "2030", "--quarter", "1", "--db", str(demo_db_copy), "--out", str(tmp_path / "b")
    )
    assert proc.returncode != 0 and "没有2030年第一季度的数据" in proc.stderr
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
    assert not any((tmp_path / d).exists() for d in "abc")
