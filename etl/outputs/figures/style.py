"""How every figure looks: fonts, colours, sizes, text measuring and the number format of value axes."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from etl.core.i18n import t

FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"

SIZE_SLIDE = (1280, 720)
SIZE_A4 = (1000, 620)

STATUS_COLORS = {
    "ahead": "#2E7D32",  # green
    "on_track": "#1F5FAD",  # blue
    "behind": "#D9480F",  # orange-red
    "met": "#2E7D32",  # year end: green like 超前
    "missed": "#D9480F",  # year end: orange-red like 滞后
    "no_target": "#7A9CCF",  # light blue: a value without a target (no status to show)
    "no_data": "#BDBDBD",
    "not_applicable": "#BDBDBD",
}
# Bar fill patterns (overlaid on the colour) and marker shapes per status: greyscale-safe.
STATUS_PATTERNS = {
    "ahead": "/",
    "on_track": "",
    "behind": "x",
    "met": "/",
    "missed": "x",
    "no_target": "",
    "no_data": "",
    "not_applicable": "",
}
STATUS_SYMBOLS = {
    "ahead": "triangle-up",
    "on_track": "circle",
    "behind": "triangle-down",
    "met": "triangle-up",
    "missed": "triangle-down",
    "no_target": "square",
    "no_data": "circle-open",
    "not_applicable": "x-thin-open",
}
STATUS_ORDER = ("behind", "missed", "on_track", "ahead", "met", "no_target", "no_data", "not_applicable")
NO_STATUS = ("no_target", "no_data", "not_applicable")  # statuses that judge nothing
INCOMPLETE = "#B26A00"  # amber: a figure that leaves out units that did not report

NEUTRAL = "#1F5FAD"
PREVIOUS = "#9E9E9E"
TARGET_LINE = "#333333"
EXPECTED_LINE = "#6A3D9A"
TEXT = "#222222"
MUTED = "#666666"
GRID = "#E6E6E6"

TITLE_SIZE = 18
FONT_SIZE = 13
FOOT_SIZE = 11
MIN_FONT_PX = (
    11  # the smallest text the builders write (notes, source line, small labels): print scales from it
)
FOOT_LINE = 16
AXIS_SPACE = 58  # px under the plot area for x tick labels + x axis title
MAX_LABEL_CHARS = 24  # unit names longer than this are shortened on the axis (full in hover)
FOOTER = "footer"  # name of the notes + source annotation (for_print lays it out again)


# ---------------------------------------------------------------- text


def escape(text: Any) -> str:
    """Make data text display literally in plotly (no tags, no entities)."""
    if text is None:
        return ""
    return html.escape(str(text), quote=False)


def lang_code(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def text_width(text: str, size: float) -> float:
    """Rough rendered width in px (CJK/full-width = 1 em, others ~0.6 em)."""
    w = 0.0
    for ch in html.unescape(re.sub(r"<[^>]*>", "", text)):
        w += size if ord(ch) >= 0x2E80 else size * 0.6
    return w


def shorten(name: str, limit: int = MAX_LABEL_CHARS) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def wrap(text: str, max_px: float = 620, size: float = FOOT_SIZE) -> list[str]:
    """Split a (source) line after ；/; so that no line is much wider than max_px."""
    parts = re.split(r"(?<=[；;])", text)
    lines: list[str] = []
    cur = ""
    for part in parts:
        if not part:
            continue
        if cur and text_width(cur + part, size) > max_px:
            lines.append(cur.rstrip())
            cur = part.lstrip()
        else:
            cur += part
    if cur:
        lines.append(cur.rstrip())
    return lines or [""]


def fit_title(title: str, max_px: float = 600) -> str:
    """Break a long title once, after the scope name, so it is not clipped in narrow layouts."""
    if "<br>" in title or text_width(title, TITLE_SIZE) <= max_px:
        return title
    for sep in (" · ", " "):
        if sep in title:
            head, tail = title.split(sep, 1)
            return f"{head}<br>{tail}"
    return title


def legend_rows(names: Sequence[str], avail: float = 420) -> int:
    """Rows a horizontal legend needs when the plot area is narrow (half a page, ~420 px).

    Plotly wraps a legend that does not fit into a grid whose columns are as wide as the
    widest entry, so a long legend takes more rows than its total width suggests.
    """
    widths = [text_width(n, 12) + 48 for n in names]
    if not widths or sum(widths) <= avail:
        return 1
    cols = max(1, int(avail // max(widths)))
    return math.ceil(len(widths) / cols)


def label_margin(labels: Sequence[str], size: float = 12, minimum: int = 80) -> int:
    """Left margin that holds the widest category label."""
    widest = max((text_width(s, size) for s in labels), default=0)
    return int(max(minimum, widest + 30))


# ---------------------------------------------------------------- value axes


def scale_for(ind_measure: str, values: Sequence[float | None], lang: str, unit: str) -> tuple[float, str]:
    """(divisor, unit label) for an axis: rates in %, money in 元/万元/亿元, counts as is."""
    if ind_measure == "rate":
        return 0.01, "%"
    if ind_measure == "money":
        vals = [abs(v) for v in values if v is not None]
        top = max(vals) if vals else 0.0
        if lang_code(lang) == "zh":
            if top >= 1e8:
                return 1e8, "亿元"
            if top >= 1e5:
                return 1e4, "万元"
            return 1.0, "元"
        if top >= 1e8:
            return 1e6, "million CNY"
        if top >= 1e5:
            return 1e3, "thousand CNY"
        return 1.0, "CNY"
    return 1.0, unit


def scaled(v: float | None, divisor: float) -> float | None:
    return None if v is None else v / divisor


def axis_unit_title(what: str, unit: str, lang: str) -> str:
    return t("fig.axis_with_unit", lang, what=what, unit=unit) if unit else what


def style_axes(fig: go.Figure) -> None:
    """Thin grey axis lines, light grid, no zero line, upright tick labels."""
    fig.update_xaxes(
        showline=True,
        linecolor="#999999",
        gridcolor=GRID,
        zeroline=False,
        ticks="outside",
        tickcolor="#999999",
        automargin=True,
        tickangle=0,  # rotated numbers run into the axis title on narrow charts
        nticks=8,
        title=dict(font=dict(size=13)),
    )
    fig.update_yaxes(
        showline=True,
        linecolor="#999999",
        gridcolor=GRID,
        zeroline=False,
        automargin=True,
        title=dict(font=dict(size=13)),
    )
