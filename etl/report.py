"""The 工作数据报告: every chart (PNG + SVG), a Word document and a PowerPoint deck.

    files = build_report("data/union_kpi.duckdb", 2025, 3, out_dir="out")
    files.docx, files.pptx, files.zip_bytes()

Two steps, so the page can preview before it renders:

- draft(con, year, quarter, unit_id): reads the database once (indicators, trend, units,
  未报送, 欠缴, breakdowns), drafts the sentences (etl.narrative) and builds every figure
  with the same calls as the dashboard pages (etl.figures). No browser.
- render(draft): exports every figure inside ONE figures.warm_browser() block (PNG at 2x
  for the A4 page width and for a 16:9 slide, plus SVG, optionally PDF), then writes the
  .docx (python-docx) and the .pptx (python-pptx).

The output is deterministic for a given database: no "generated at" time, fixed zip
timestamps (the date of the last load).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from etl import figures, fmt, kpis, narrative, queries, settings, store
from etl.dictionary import INDICATORS, THEMES, indicators_of_theme
from etl.i18n import category_label, indicator_label, kind_label, status_label, t, theme_label
from etl.kpis import Kpi, as_frame

Progress = Callable[[float, str], None]

# Indicators that also get a chart of every unit (when the scope has two units or more).
RANKED = (
    "membership_rate",
    "new_members",
    "contract_signing_rate",
    "dues_collection_rate",
    "activity_participation_rate",
)
# Welfare and activities split by category: (column of queries.breakdown, label zh, label en, unit)
BREAKDOWNS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "welfare": (
        ("money", "帮扶慰问金额", "Welfare spending", "元"),
        ("people", "帮扶慰问受益人次", "Welfare beneficiaries", "人次"),
    ),
    "activities": (
        ("count", "活动次数", "Activities held", "次"),
        ("people", "活动参与人次", "Activity participants", "人次"),
    ),
}
# Sheets whose absence makes a unit 未报送 (events sheets may rightly have no row for a unit).
MISSING_KINDS = ("membership", "dues")

# Charts for the Word page are laid out 800 px wide and placed 16 cm wide (A4 minus 2 × 2.5 cm
# margins): 13 px text prints at ~7.3 pt. At figures.SIZE_A4's 1000 px it would print at ~5.9 pt.
WORD_WIDTH_PX = 800
WORD_WIDTH_CM = 16.0
SLIDE_PX = figures.SIZE_SLIDE  # 16:9
SCALE = 2
FORMATS = ("png", "svg")  # "pdf" may be added: vector, fonts embedded by Chromium

_CN_NUM = "一二三四五六七八九十"
_FONT_BODY = "宋体"
_FONT_HEAD = "黑体"
_FONT_LATIN = "Times New Roman"
_FONT_SLIDE = "Microsoft YaHei"
_RENDER_LOCK = threading.Lock()  # one Chromium server per process: one batch at a time
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')

_TXT: dict[str, dict[str, Any]] = {
    "zh": {
        "title": "{scope}{year}年工作数据报告",
        "period_line": "统计期：{period}（时点指标为{at}末数据）　数据更新：{updated}",
        "suffix": {1: "一季度", 2: "截至二季度", 3: "截至三季度", 4: "全年"},
        "overview": "总体情况",
        "table_caption": "表{n}　{scope}{period}主要指标完成情况",
        "cols": ("指标", "实际", "目标", "完成率", "同比", "状态"),
        "figure": "图{n}",
        "reporting": "数据报送情况",
        "arrears": "会费欠缴情况",
        "missing_lead": "截至{period}，数据报送率{rate}，{n}个单位未按时报送统计表"
        "（帮扶慰问、活动开展为事件记录，单位当季无记录不视为未报送）：",
        "missing_none": "截至{period}，数据报送率{rate}，各单位均已报送会员发展和会费收缴统计表。",
        "missing_cols": ("序号", "单位", "上级工会", "未报送报表", "最近报送期"),
        "never": "从未报送",
        "arrears_lead": "{period}，{n}个单位存在会费欠缴，合计欠缴{total}，占其应缴会费的{share}：",
        "arrears_none": "{period}，各单位会费均已足额缴纳，无欠缴单位。",
        "arrears_cols": ("序号", "单位", "上级工会", "应缴会费", "实缴会费", "欠缴金额", "收缴率"),
        "total": "合计",
        "what_bullet": "完成情况",
        "what_trend": "分季度进展",
        "what_ranking": "各单位排名",
        "what_breakdown": "分类",
        "page": "第 {page} 页",
        "subtitle_slide": "{period}　数据更新：{updated}",
        "status_symbol": {
            "ahead": "▲",
            "on_track": "●",
            "behind": "▼",
            "met": "✔",
            "missed": "✘",
            "no_target": "○",
            "no_data": "—",
            "not_applicable": "／",
        },
    },
    "en": {
        "title": "{scope} {year} work data report",
        "period_line": "Period: {period} (stocks at the end of {at}) · data updated: {updated}",
        "suffix": {1: "Q1", 2: "Q1-Q2", 3: "Q1-Q3", 4: "full year"},
        "overview": "Overview",
        "table_caption": "Table {n}. {scope}, {period}: indicators against targets",
        "cols": ("Indicator", "Actual", "Target", "Achievement", "Year on year", "Status"),
        "figure": "Figure {n}.",
        "reporting": "Reporting",
        "arrears": "Dues in arrears",
        "missing_lead": "As of {period}, the reporting rate is {rate}; {n} units have not sent their sheets "
        "(welfare and activities are "
        "event lists: no row in a quarter is not a missing report):",
        "missing_none": "As of {period}, the reporting rate is {rate}: every unit has sent its "
        "membership and dues sheets.",
        "missing_cols": ("No.", "Unit", "Parent union", "Missing sheets", "Last reported"),
        "never": "never",
        "arrears_lead": "{period}: {n} units are in arrears, {total} in total ({share} of their dues):",
        "arrears_none": "{period}: no unit is in arrears with its dues.",
        "arrears_cols": ("No.", "Unit", "Parent union", "Due", "Paid", "Arrears", "Collection rate"),
        "total": "Total",
        "what_bullet": "progress",
        "what_trend": "by_quarter",
        "what_ranking": "by_unit",
        "what_breakdown": "by_category",
        "page": "Page {page}",
        "subtitle_slide": "{period} · data updated: {updated}",
        "status_symbol": {
            "ahead": "▲",
            "on_track": "●",
            "behind": "▼",
            "met": "✔",
            "missed": "✘",
            "no_target": "○",
            "no_data": "—",
            "not_applicable": "／",
        },
    },
}


class NoData(LookupError):
    """The database holds nothing for the period (or the scope) asked for."""


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def _txt(lang: str, key: str) -> Any:
    return _TXT[_lang(lang)][key]


# ---------------------------------------------------------------- the draft


@dataclass
class Chart:
    """One figure of the report and what goes with it."""

    name: str  # file name without extension (figures.chart_filename)
    caption: str  # the figure's title as plain text
    kind: str  # bullet | trend | ranking | breakdown
    theme: str  # section of the document
    figure: go.Figure
    sentence: str | None = None  # drafted text shown under the chart and on its slide
    indicator: str | None = None
    png: bytes = b""  # WORD_WIDTH_PX wide, SCALE x
    slide_png: bytes = b""  # 16:9, SCALE x
    svg: bytes = b""
    pdf: bytes = b""

    @property
    def height(self) -> int:
        return int(self.figure.layout.height or figures.SIZE_A4[1])

    @property
    def slide_size(self) -> tuple[int, int]:
        """16:9 at least SIZE_SLIDE; a tall chart (a long ranking) gets a wider canvas, not squeezed bars."""
        w, h = SLIDE_PX
        if self.height > h:
            h = self.height
            w = round(h * 16 / 9)
        return w, h


@dataclass
class Draft:
    year: int
    quarter: int
    unit_id: int | None
    lang: str
    org_name: str
    scope_name: str
    updated: str
    title: str
    period: str  # '2025年1-3季度'
    results: dict[str, Kpi]
    summary: str
    paragraphs: dict[str, str]  # theme id -> paragraph
    missing: pd.DataFrame  # unit, parent, kinds, last_period
    arrears: pd.DataFrame  # unit, parent, due, paid, arrears, rate
    charts: list[Chart] = field(default_factory=list)
    gaps: dict[str, kpis.LeftOut] = field(default_factory=dict)  # what incomplete coverage leaves out

    @property
    def chart_set(self) -> list[tuple[str, go.Figure]]:
        """(file name, figure) of every chart, in the order of the document."""
        return [(c.name, c.figure) for c in self.charts]

    @property
    def stem(self) -> str:
        suffix = _txt(self.lang, "suffix")[self.quarter]
        return _safe(f"{self.title}（{suffix}）" if self.lang == "zh" else f"{self.title} ({suffix})")


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" ._")[:150]


def _plain(text: Any) -> str:
    """A plotly title as plain text: no tags, no entities, line breaks as spaces."""
    s = re.sub(r"<br\s*/?>", " ", str(text or ""))
    s = re.sub(r"<[^>]*>", "", s)
    return re.sub(r"\s+", " ", html.unescape(s)).strip()


def _missing_table(missing: dict[str, pd.DataFrame], lang: str) -> pd.DataFrame:
    """One row per unit that has not sent a sheet: unit, parent, kinds (names), last_period."""
    frames = [frame.assign(kind=kind_label(kind, lang), kind_id=kind) for kind, frame in missing.items()]
    allm = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if allm.empty:
        return pd.DataFrame(columns=["unit", "parent", "kinds", "last_period"])
    last = missing["membership"].set_index("unit")["last_period"] if "membership" in missing else {}
    sep = "、" if lang == "zh" else ", "
    out = (
        allm.groupby("unit", sort=False)
        .agg(parent=("parent", "first"), kinds=("kind", lambda k: sep.join(k)))
        .reset_index()
    )
    out["last_period"] = out["unit"].map(last)
    return out.sort_values(["parent", "unit"], na_position="first").reset_index(drop=True)


def _has_values(frame: pd.DataFrame) -> bool:
    return bool(len(frame)) and frame["actual"].notna().any()


def draft(db: Any, year: int, quarter: int, unit_id: int | None = None, lang: str = "zh") -> Draft:
    """Read what the report needs, draft the text and build the figures (no rendering).

    db: a database path, or an open connection. Raises NoData when nothing is loaded for the
    period, or when the scope has no data in it.
    """
    if isinstance(db, duckdb.DuckDBPyConnection):
        return _draft(db, int(year), int(quarter), unit_id, _lang(lang))
    with store.connect(db, read_only=True) as con:
        return _draft(con, int(year), int(quarter), unit_id, _lang(lang))


def _no_data_message(con: duckdb.DuckDBPyConnection, year: int, quarter: int, scope: str) -> str:
    have = queries.periods(con)
    listed = "、".join(fmt.period_label(y, q) for y, q in have[:8]) or "（无）"
    return f"{scope}没有{fmt.period_label(year, quarter)}的数据，无法生成报告。已导入数据的统计期：{listed}"


def _draft(con: duckdb.DuckDBPyConnection, year: int, quarter: int, unit_id: int | None, lang: str) -> Draft:
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, got {quarter!r}")
    org = queries.org_name(con)
    scope = queries.unit_name(con, unit_id)
    if (year, quarter) not in queries.periods(con):
        raise NoData(_no_data_message(con, year, quarter, org))
    results = kpis.compute(con, year, quarter, unit_id)
    gaps = kpis.left_out(con, year, quarter, unit_id)
    if all(k.actual is None for i, k in results.items() if i != "reporting_rate"):
        raise NoData(_no_data_message(con, year, quarter, scope))
    trend = kpis.trend(con, year, quarter, unit_id)
    history = kpis.unit_history(con, year, quarter, unit_id)
    missing_by_kind = {k: queries.missing_units(con, year, quarter, unit_id, k) for k in MISSING_KINDS}
    missing = _missing_table(missing_by_kind, lang)
    dues = queries.dues_by_unit(con, year, quarter, unit_id)
    breakdowns = {k: queries.breakdown(con, k, year, quarter, unit_id) for k in BREAKDOWNS}
    updated = queries.last_loaded(con)

    arrears = dues[dues["arrears"] > 0][["unit", "parent", "due", "paid", "arrears", "rate"]]
    arrears = arrears.reset_index(drop=True)
    membership_missing = list(missing_by_kind["membership"]["unit"])
    summary = narrative.summary_paragraph(
        results,
        year,
        quarter,
        scope,
        membership_missing,
        list(arrears["unit"]),
        float(arrears["arrears"].sum()),
        lang,
        single_unit=queries.is_grassroots(con, unit_id),
    )
    d = Draft(
        year=year,
        quarter=quarter,
        unit_id=unit_id,
        lang=lang,
        org_name=org,
        scope_name=scope,
        updated=updated,
        title=_txt(lang, "title").format(scope=scope, year=year),
        period=fmt.period_label(year, quarter, lang, cumulative=True),
        results=results,
        summary=summary,
        paragraphs={
            th.id: narrative.theme_paragraph(th.id, results, year, quarter, lang, gaps) for th in THEMES
        },
        gaps=gaps,
        missing=missing,
        arrears=arrears,
    )
    d.charts = _charts(d, trend, history, breakdowns)
    return d


# ---------------------------------------------------------------- the chart set


def _source(d: Draft, kind: str | list[str], cumulative: bool) -> str:
    period = fmt.period_label(d.year, d.quarter, d.lang, cumulative=cumulative)
    return figures.source_line(kind, period, d.updated, d.lang)


def _charts(
    d: Draft, trend: pd.DataFrame, history: pd.DataFrame, breakdowns: dict[str, pd.DataFrame]
) -> list[Chart]:
    """Per theme: the 完成情况 bullet, then each indicator with data (trend, and its ranking
    for the key indicators), then the category breakdowns of welfare and activities."""
    lang, year, quarter = d.lang, d.year, d.quarter
    words: dict[str, Any] = _TXT[lang]
    charts: list[Chart] = []
    # the report is "as of" the quarter: later quarters of the year are not shown
    trend = trend[(trend["year"] < year) | (trend["quarter"] <= quarter)]

    def add(
        kind: str,
        theme: str,
        fig: go.Figure,
        label: str,
        what: str,
        sentence: str | None,
        indicator: str | None = None,
    ) -> None:
        name = figures.chart_filename(year, quarter, label, what)
        taken = {c.name for c in charts}
        base, n = name, 2
        while name in taken:
            name = f"{base}_{n}"
            n += 1
        charts.append(Chart(name, _plain(fig.layout.title.text), kind, theme, fig, sentence, indicator))

    for th in THEMES:
        inds = indicators_of_theme(th.id)
        ids = [i.id for i in inds]
        rows = as_frame(d.results, ids)
        if rows["target"].notna().any() and rows["actual"].notna().any():
            kinds = sorted({i.source for i in inds})
            fig = figures.bullet_figure(
                rows, d.scope_name, year, quarter, lang, _source(d, kinds, cumulative=True), theme=th.id
            )
            add(
                "bullet",
                th.id,
                fig,
                theme_label(th.id, lang),
                words["what_bullet"],
                narrative.theme_status_sentence(th.id, d.results, lang, quarter),
            )
        for ind in inds:
            label = indicator_label(ind, lang)
            cumulative = fmt.is_cumulative(ind)
            rows_t = trend[trend["indicator"] == ind.id]
            if not _has_values(rows_t[rows_t["year"] == year]):
                continue
            fig = figures.trend_figure(
                ind, rows_t, d.scope_name, year, lang, _source(d, ind.source, cumulative)
            )
            add(
                "trend",
                th.id,
                fig,
                label,
                words["what_trend"],
                narrative.sentence(ind, d.results[ind.id], year, quarter, lang, d.gaps.get(ind.id)),
                ind.id,
            )
            if ind.id not in RANKED:
                continue
            ranking = history[history["indicator"] == ind.id]
            if ranking["actual"].notna().sum() < 2:
                continue
            fig = figures.ranking_figure(
                ind,
                ranking,
                d.scope_name,
                year,
                quarter,
                lang,
                _source(d, ind.source, cumulative),
                sort="desc",
            )
            rows_r = list(zip(ranking["unit"], ranking["actual"], ranking["status"], strict=True))
            add(
                "ranking",
                th.id,
                fig,
                label,
                words["what_ranking"],
                narrative.ranking_sentence(ind, rows_r, lang, quarter),
                ind.id,
            )
        for value_col, what_zh, what_en, unit in BREAKDOWNS.get(th.id, ()):
            frame = breakdowns[th.id]
            if frame.empty or not (frame[value_col] > 0).any():
                continue
            what = what_zh if lang == "zh" else what_en
            unit_label = unit if lang == "zh" else {"元": "CNY", "人次": "people", "次": "events"}[unit]
            fig = figures.breakdown_figure(
                frame,
                value_col,
                "category",
                what,
                d.scope_name,
                year,
                quarter,
                lang,
                _source(d, th.id, cumulative=True),
                unit_label=unit_label,
            )
            pairs = [
                (category_label(c, lang), v) for c, v in zip(frame["category"], frame[value_col], strict=True)
            ]
            add(
                "breakdown",
                th.id,
                fig,
                what,
                words["what_breakdown"],
                narrative.breakdown_sentence(what, pairs, unit_label, lang),
            )
    return charts


# ---------------------------------------------------------------- rendering


def _export_vector(fig: go.Figure, fmt_: str, width: int, height: int) -> bytes:
    """SVG (text kept as text, font named) or PDF (fonts embedded) from the warm Chromium."""
    import kaleido

    data = kaleido.calc_fig_sync(fig.to_dict(), opts={"format": fmt_, "width": width, "height": height})
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def render_charts(
    charts: Sequence[Chart],
    formats: Sequence[str] = FORMATS,
    progress: Progress | None = None,
    share: float = 1.0,
) -> None:
    """Fill png / slide_png / svg (/ pdf) of every chart, in one warm Chromium."""
    n = len(charts)
    with _RENDER_LOCK, figures.warm_browser():
        for i, chart in enumerate(charts):
            if progress:
                progress(share * i / max(n, 1), f"{i + 1}/{n} {chart.caption}")
            h = chart.height
            chart.png = figures.export_png(chart.figure, WORD_WIDTH_PX, h, scale=SCALE)
            sw, sh = chart.slide_size
            chart.slide_png = figures.export_png(chart.figure, sw, sh, scale=SCALE)
            if "svg" in formats:
                chart.svg = _export_vector(chart.figure, "svg", WORD_WIDTH_PX, h)
            if "pdf" in formats:
                chart.pdf = _export_vector(chart.figure, "pdf", WORD_WIDTH_PX, h)


@dataclass
class ReportFiles:
    draft: Draft
    docx: bytes
    pptx: bytes
    seconds: float = 0.0
    formats: tuple[str, ...] = FORMATS
    paths: list[Path] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.draft.title

    @property
    def charts(self) -> list[Chart]:
        return self.draft.charts

    @property
    def docx_name(self) -> str:
        return f"{self.draft.stem}.docx"

    @property
    def pptx_name(self) -> str:
        return f"{self.draft.stem}.pptx"

    @property
    def zip_name(self) -> str:
        return f"{self.draft.stem}.zip"

    def entries(self) -> list[tuple[str, bytes]]:
        """(relative path, bytes): the documents, one PNG per chart, then svg/ (and pdf/)."""
        out = [(self.docx_name, self.docx), (self.pptx_name, self.pptx)]
        out += [(f"{c.name}.png", c.png) for c in self.charts]
        out += [(f"svg/{c.name}.svg", c.svg) for c in self.charts if c.svg]
        out += [(f"pdf/{c.name}.pdf", c.pdf) for c in self.charts if c.pdf]
        return out

    def zip_bytes(self) -> bytes:
        stamp = _stamp(self.draft.updated)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in self.entries():
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED if name.endswith(".svg") else zipfile.ZIP_STORED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
        return buf.getvalue()

    def write(self, out_dir: Path | str) -> list[Path]:
        root = Path(out_dir)
        written = []
        for name, data in self.entries():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
        self.paths = written
        return written


def _stamp(updated: str) -> tuple[int, int, int, int, int, int]:
    try:
        day = dt.date.fromisoformat(updated)
        return (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    except (TypeError, ValueError):
        return (1980, 1, 1, 0, 0, 0)


def _normalise_zip(data: bytes, stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """Rewrite an OOXML package with fixed timestamps, so the same report gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = item.compress_type
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    return buf.getvalue()


def render(
    d: Draft,
    out_dir: Path | str | None = None,
    formats: Sequence[str] = FORMATS,
    progress: Progress | None = None,
) -> ReportFiles:
    """Render the charts, write the Word and PowerPoint files; write everything to out_dir if given."""
    start = time.perf_counter()
    render_charts(d.charts, formats, progress, share=0.9)
    if progress:
        progress(0.92, "Word")
    docx_bytes = build_docx(d)
    if progress:
        progress(0.96, "PowerPoint")
    pptx_bytes = build_pptx(d)
    files = ReportFiles(d, docx_bytes, pptx_bytes, formats=tuple(formats))
    if out_dir is not None:
        files.write(out_dir)
    files.seconds = time.perf_counter() - start
    if progress:
        progress(1.0, "")
    return files


def build_report(
    db: Any,
    year: int,
    quarter: int,
    unit_id: int | None = None,
    out_dir: Path | str | None = None,
    lang: str = "zh",
    formats: Sequence[str] = FORMATS,
    progress: Progress | None = None,
) -> ReportFiles:
    """draft + render: every chart as PNG (2x) and SVG, the .docx and the .pptx (and out_dir files)."""
    start = time.perf_counter()
    d = draft(db, year, quarter, unit_id, lang)
    files = render(d, out_dir, formats, progress)
    files.seconds = time.perf_counter() - start
    return files


# ---------------------------------------------------------------- Word


def _rfonts(rpr: Any, east_asia: str, latin: str = _FONT_LATIN) -> None:
    """Set the fonts of a w:rPr, East Asian included; drop theme fonts that would override them."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        rfonts.set(qn(attr), value)


def _style(
    doc: Any,
    name: str,
    east_asia: str,
    size: float,
    bold: bool = False,
    align: Any = None,
    before: float = 0,
    after: float = 0,
    line: float | None = None,
    indent: float | None = None,
    base: str | None = None,
) -> Any:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base or "Normal"]
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    _rfonts(style.element.get_or_add_rPr(), east_asia)
    pf = style.paragraph_format
    if align is not None:
        pf.alignment = align
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if line is not None:
        pf.line_spacing = line
    if indent is not None:
        pf.first_line_indent = Pt(indent)
    return style


def _setup_styles(doc: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    normal = _style(doc, "Normal", _FONT_BODY, 12, line=1.25)
    rpr = normal.element.get_or_add_rPr()
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr.append(lang_el)
    lang_el.set(qn("w:val"), "en-US")
    lang_el.set(qn("w:eastAsia"), "zh-CN")
    _style(doc, "Title", _FONT_HEAD, 22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=12, after=6)
    title = doc.styles["Title"].element
    ppr = title.find(qn("w:pPr"))
    if ppr is not None:  # the default template draws a coloured rule under the title
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)
    _style(doc, "Heading 1", _FONT_HEAD, 16, before=18, after=6)
    _style(doc, "Heading 2", _FONT_HEAD, 14, before=12, after=6)
    _style(doc, "Caption", _FONT_HEAD, 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, before=3, after=12)
    _style(doc, "Report Meta", _FONT_BODY, 12, align=WD_ALIGN_PARAGRAPH.CENTER, after=18)
    _style(doc, "Report Body", _FONT_BODY, 12, line=1.5, indent=24, after=6)
    _style(doc, "Report Note", _FONT_BODY, 9, line=1.15, after=6)
    _style(doc, "Report Figure", _FONT_BODY, 12, align=WD_ALIGN_PARAGRAPH.CENTER, before=6, line=1.0)
    _style(doc, "Report Cell", _FONT_BODY, 10.5, line=1.0)
    for name in ("Heading 1", "Heading 2", "Caption", "Report Figure"):
        doc.styles[name].paragraph_format.keep_with_next = name != "Caption"


def _page_footer(section: Any, lang: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, after = _txt(lang, "page").split("{page}")
    para.add_run(before)
    field_el = OxmlElement("w:fldSimple")
    field_el.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field_el.append(run)
    para._p.append(field_el)
    para.add_run(after)


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


_STATUS_FILL = {
    "ahead": "E2EFDA",
    "on_track": "DDEBF7",
    "behind": "FCE4D6",
    "met": "E2EFDA",
    "missed": "FCE4D6",
}


def _table(
    doc: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_cm: Sequence[float],
    right: Sequence[int] = (),
    center: Sequence[int] = (),
    fills: dict[tuple[int, int], str] | None = None,
    bold_last: bool = False,
) -> Any:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for c, width in enumerate(widths_cm):  # the grid (LibreOffice) and every cell (Word)
        table.columns[c].width = Cm(width)
    trpr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # header row repeated on every page
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for r, values in enumerate([list(header), *[list(v) for v in rows]]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.width = Cm(widths_cm[c])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            para = cell.paragraphs[0]
            para.style = doc.styles["Report Cell"]
            run = para.add_run(str(value))
            if r == 0:
                run.bold = True
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _shade(cell, "D9D9D9")
            else:
                if c in right:
                    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                elif c in center:
                    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                if bold_last and r == len(rows):
                    run.bold = True
                if fills and (r - 1, c) in fills:
                    _shade(cell, fills[(r - 1, c)])
    return table


def status_rule_text(quarter: int, lang: str) -> str:
    """The one status rule, as the dashboard's legend states it."""
    if int(quarter) == 4:
        return t("legend.year_end", lang)
    tol = settings.StatusRules.from_env().tolerance
    return t("legend.progress", lang, low=fmt.fmt_rate(1 - tol, 0), high=fmt.fmt_rate(1 + tol, 0))


def _status_text(status: str, lang: str) -> str:
    return f"{_txt(lang, 'status_symbol').get(status, '')} {status_label(status, lang)}".strip()


def indicator_rows(results: dict[str, Kpi], lang: str = "zh") -> list[list[str]]:
    """The rows of the indicator table: 指标, 实际, 目标, 完成率, 同比, 状态 (formatted by etl.fmt)."""
    rows = []
    for ind in INDICATORS:
        k = results[ind.id]
        rows.append(
            [
                indicator_label(ind, lang),
                fmt.fmt_value(ind, k.actual, lang),
                fmt.fmt_value(ind, k.target, lang),
                fmt.fmt_rate(k.achievement),
                fmt.fmt_change(ind, k.yoy, lang, compact=True) or fmt.DASH,
                _status_text(k.status, lang),
            ]
        )
    return rows


def _last_period(value: Any, lang: str) -> str:
    v = fmt.to_number(value)
    if v is None:
        return _txt(lang, "never")
    return fmt.period_label(int(v) // 10, int(v) % 10, lang)


def _reporting(d: Draft) -> str:
    """数据报送率 with its count: '93.5%（29/31个单位）'."""
    k = d.results["reporting_rate"]
    cov = k.coverage
    count = f"（{cov.reported}/{cov.expected}个单位）" if cov and d.lang == "zh" else ""
    if cov and d.lang == "en":
        count = f" ({cov.reported} of {cov.expected} units)"
    return fmt.fmt_rate(k.actual) + count


def build_docx(d: Draft) -> bytes:
    """The Word document: title, 总体情况 with the indicator table, one section per theme with its
    paragraph and charts (图N captions), 数据报送情况 (未报送) and 会费欠缴情况 (欠缴)."""
    from docx import Document
    from docx.shared import Cm

    lang = d.lang
    words: dict[str, Any] = _TXT[lang]
    doc = Document()
    _setup_styles(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.54)
    _page_footer(section, lang)
    props = doc.core_properties
    props.title = d.title
    props.subject = d.period
    props.author = props.last_modified_by = d.scope_name
    props.keywords = "工会; 工作数据报告"
    props.revision = 1
    stamp = dt.datetime(*_stamp(d.updated))
    props.created = props.modified = stamp

    doc.add_paragraph(d.title, style="Title")
    at = fmt.period_label(d.year, d.quarter, lang)
    doc.add_paragraph(
        words["period_line"].format(period=d.period, at=at, updated=d.updated or fmt.DASH),
        style="Report Meta",
    )

    def heading(n: int, text: str) -> None:
        label = f"{_CN_NUM[n - 1]}、{text}" if lang == "zh" else f"{n}. {text}"
        doc.add_heading(label, level=1)

    heading(1, words["overview"])
    doc.add_paragraph(d.summary, style="Report Body")
    caption = words["table_caption"].format(n=1, scope=d.scope_name, period=d.period)
    doc.add_paragraph(caption, style="Caption")
    rows = indicator_rows(d.results, lang)
    fills = {
        (r, 5): _STATUS_FILL[d.results[ind.id].status]
        for r, ind in enumerate(INDICATORS)
        if d.results[ind.id].status in _STATUS_FILL
    }
    _table(doc, words["cols"], rows, (4.1, 2.5, 2.5, 1.7, 3.1, 2.1), right=(1, 2, 3, 4), fills=fills)
    doc.add_paragraph(status_rule_text(d.quarter, lang), style="Report Note")

    figure_no = 0
    for n, th in enumerate(THEMES, start=2):
        heading(n, theme_label(th.id, lang))
        doc.add_paragraph(d.paragraphs[th.id], style="Report Body")
        for chart in (c for c in d.charts if c.theme == th.id):
            figure_no += 1
            pic = doc.add_paragraph(style="Report Figure")
            pic.add_run().add_picture(io.BytesIO(chart.png), width=Cm(WORD_WIDTH_CM))
            label = words["figure"].format(n=figure_no)
            doc.add_paragraph(
                f"{label}　{chart.caption}" if lang == "zh" else f"{label} {chart.caption}", style="Caption"
            )
            if chart.kind in ("ranking", "breakdown") and chart.sentence:
                doc.add_paragraph(chart.sentence, style="Report Body")

    n = len(THEMES) + 2
    heading(n, words["reporting"])
    if d.missing.empty:
        doc.add_paragraph(
            words["missing_none"].format(
                period=fmt.period_label(d.year, d.quarter, lang), rate=_reporting(d)
            ),
            style="Report Body",
        )
    else:
        doc.add_paragraph(
            words["missing_lead"].format(
                period=fmt.period_label(d.year, d.quarter, lang), n=len(d.missing), rate=_reporting(d)
            ),
            style="Report Body",
        )
        rows = [
            [
                str(i),
                r.unit,
                r.parent if isinstance(r.parent, str) else fmt.DASH,
                r.kinds,
                _last_period(r.last_period, lang),
            ]
            for i, r in enumerate(d.missing.itertuples(), start=1)
        ]
        _table(doc, words["missing_cols"], rows, (1.3, 4.8, 3.8, 2.6, 3.5), center=(0,))

    heading(n + 1, words["arrears"])
    if d.arrears.empty:
        doc.add_paragraph(words["arrears_none"].format(period=d.period), style="Report Body")
    else:
        due, paid, owed = (float(d.arrears[c].sum()) for c in ("due", "paid", "arrears"))
        total_due = due
        doc.add_paragraph(
            words["arrears_lead"].format(
                period=d.period,
                n=len(d.arrears),
                total=narrative.value_text("dues_collected", owed, lang),
                share=fmt.fmt_rate(owed / total_due if total_due else None),
            ),
            style="Report Body",
        )
        rows = [
            [
                str(i),
                r.unit,
                r.parent if isinstance(r.parent, str) else fmt.DASH,
                fmt.fmt_money(r.due, lang),
                fmt.fmt_money(r.paid, lang),
                fmt.fmt_money(r.arrears, lang),
                fmt.fmt_rate(r.rate),
            ]
            for i, r in enumerate(d.arrears.itertuples(), start=1)
        ]
        rows.append(
            [
                "",
                words["total"],
                "",
                fmt.fmt_money(due, lang),
                fmt.fmt_money(paid, lang),
                fmt.fmt_money(owed, lang),
                fmt.fmt_rate(paid / due if due else None),
            ]
        )
        _table(
            doc,
            words["arrears_cols"],
            rows,
            (1.3, 3.6, 2.6, 2.3, 2.3, 2.3, 1.6),
            right=(3, 4, 5, 6),
            center=(0,),
            bold_last=True,
        )

    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue(), _stamp(d.updated))


# ---------------------------------------------------------------- PowerPoint


def _pptx_fonts(
    text_frame: Any, size: float, bold: bool = False, color: tuple[int, int, int] = (0, 0, 0)
) -> None:
    """Latin and East Asian typeface on every run, so PowerPoint does not fall back to a Latin font."""
    from pptx.dml.color import RGBColor
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    for para in text_frame.paragraphs:
        for run in para.runs:
            font = run.font
            font.size = Pt(size)
            font.bold = bold
            font.name = _FONT_SLIDE
            font.color.rgb = RGBColor(*color)
            rpr = run._r.get_or_add_rPr()
            for tag in ("a:ea", "a:cs"):
                el = rpr.find(qn(tag))
                if el is None:
                    el = rpr.makeelement(qn(tag), {})
                    rpr.append(el)
                el.set("typeface", _FONT_SLIDE)


def build_pptx(d: Draft) -> bytes:
    """16:9 deck: a title slide, then one slide per chart (caption as title, picture, drafted sentence
    in a text box and in the notes)."""
    from pptx import Presentation
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Emu, Inches

    lang = d.lang
    words: dict[str, Any] = _TXT[lang]
    prs = Presentation()
    sw, sh = Inches(13.333), Inches(7.5)
    prs.slide_width, prs.slide_height = sw, sh
    props = prs.core_properties
    props.title = d.title
    props.subject = d.period
    props.author = props.last_modified_by = d.scope_name
    props.revision = 1
    props.created = props.modified = dt.datetime(*_stamp(d.updated))

    first = prs.slides.add_slide(prs.slide_layouts[0])
    title, subtitle = first.shapes.title, first.placeholders[1]
    title.left, title.top, title.width, title.height = Inches(0.8), Inches(2.2), sw - Inches(1.6), Inches(1.5)
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (
        Inches(0.8),
        Inches(3.9),
        sw - Inches(1.6),
        Inches(1.2),
    )
    title.text = d.title
    subtitle.text = words["subtitle_slide"].format(period=d.period, updated=d.updated or fmt.DASH)
    _pptx_fonts(title.text_frame, 40, bold=True)
    _pptx_fonts(subtitle.text_frame, 20, color=(0x44, 0x44, 0x44))
    first.notes_slide.notes_text_frame.text = d.summary

    margin = Inches(0.45)
    top = Inches(1.15)
    text_h = Inches(0.95)
    for n, chart in enumerate(d.charts, start=1):
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        head = slide.shapes.title
        head.left, head.top, head.width, head.height = margin, Inches(0.25), sw - 2 * margin, Inches(0.8)
        label = words["figure"].format(n=n)
        head.text = f"{label}　{chart.caption}" if lang == "zh" else f"{label} {chart.caption}"
        head.text_frame.word_wrap = True
        head.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        head.text_frame.paragraphs[0].alignment = PP_ALIGN.LEFT
        _pptx_fonts(head.text_frame, 22, bold=True)

        box_w, box_h = sw - 2 * margin, sh - top - text_h - Inches(0.2)
        img_w, img_h = chart.slide_size
        scale = min(box_w / img_w, box_h / img_h)
        w, h = int(img_w * scale), int(img_h * scale)
        slide.shapes.add_picture(
            io.BytesIO(chart.slide_png), Emu(int((sw - w) / 2)), Emu(int(top)), Emu(w), Emu(h)
        )
        text = chart.sentence or ""
        if text:
            box = slide.shapes.add_textbox(margin, sh - text_h - Inches(0.1), sw - 2 * margin, text_h)
            box.text_frame.word_wrap = True
            box.text_frame.text = text
            _pptx_fonts(box.text_frame, 14, color=(0x22, 0x22, 0x22))
        notes = d.paragraphs.get(chart.theme, "") if chart.kind == "bullet" else text
        slide.notes_slide.notes_text_frame.text = notes or chart.caption

    buf = io.BytesIO()
    prs.save(buf)
    return _normalise_zip(buf.getvalue(), _stamp(d.updated))


# ---------------------------------------------------------------- command line


def run_cli(args: Any) -> int:
    """`python -m etl report --year Y --quarter Q [--unit NAME] [--db FILE] --out DIR [--pdf]`."""
    import sys

    db = Path(args.db) if args.db else settings.db_path()
    if db.suffix == "":
        db = db.with_suffix(".duckdb")
    if not db.exists():
        print(
            f"找不到数据库文件「{db}」。请先导入数据（python -m etl load）"
            "或生成演示数据（python -m etl demo）。",
            file=sys.stderr,
        )
        return 2
    try:
        with store.connect(db, read_only=True) as con:
            unit_id = kpis.find_unit(con, args.unit) if args.unit else None
            d = draft(con, args.year, args.quarter, unit_id, getattr(args, "lang", "zh") or "zh")
    except kpis.UnknownUnit as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except NoData as exc:
        print(str(exc), file=sys.stderr)
        return 2
    formats = (*FORMATS, "pdf") if getattr(args, "pdf", False) else FORMATS
    print(f"正在生成「{d.title}」：{len(d.charts)} 张图表……", file=sys.stderr)
    try:
        files = render(d, Path(args.out), formats)
    except RuntimeError as exc:  # no Chromium (figures.browser_path), or it could not start
        print(f"导出图表失败：{exc}", file=sys.stderr)
        return 2
    print(
        f"已写入 {args.out}：{files.docx_name}、{files.pptx_name}、{len(d.charts)} 张图表（PNG"
        f"{'、SVG' if 'svg' in formats else ''}{'、PDF' if 'pdf' in formats else ''}），"
        f"用时 {files.seconds:.1f} 秒"
    )
    for chart in d.charts:
        print(f"  {chart.name}.png")
    return 0
