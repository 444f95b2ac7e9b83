"""Plotly figures that look finished when pasted into a Word report.

Every figure has: a title saying what, where and when; axis titles with units; the
annual target / expected progress drawn and labelled; a source line at the bottom left;
a CJK font stack; a white background; status shown by colour AND text AND pattern or
marker shape (so it survives greyscale printing). No streamlit import here.

Text that comes from the data (unit names, scope name, categories, source line) is
HTML-escaped before it reaches plotly, which would otherwise interpret tags in it.

Modules: style (fonts, colours, sizes, axis number formats), parts (what every chart draws:
title, footer, status marks, target lines, coverage notes), one module per chart (trend, bullet,
ranking, breakdown), printing (a figure laid out for a page or a slide), export (file names,
Chromium and PNG bytes).
"""

from etl.outputs.figures.breakdown import breakdown_figure
from etl.outputs.figures.bullet import bullet_figure
from etl.outputs.figures.export import (
    _kaleido_opts,  # report.images opens its own kaleido browser with these options
    _quiet_pipe_log,
    browser_path,
    chart_config,
    chart_filename,
    export_png,
    warm_browser,
)
from etl.outputs.figures.parts import source_line
from etl.outputs.figures.printing import for_print, print_text_sizes
from etl.outputs.figures.ranking import ranking_figure
from etl.outputs.figures.style import (
    EXPECTED_LINE,
    FONT_FAMILY,
    INCOMPLETE,
    MIN_FONT_PX,
    MUTED,
    NEUTRAL,
    PREVIOUS,
    SIZE_A4,
    SIZE_SLIDE,
    STATUS_COLORS,
    STATUS_ORDER,
    STATUS_PATTERNS,
    STATUS_SYMBOLS,
    TARGET_LINE,
    TEXT,
    escape,
)
from etl.outputs.figures.trend import trend_figure

__all__ = [
    "EXPECTED_LINE",
    "FONT_FAMILY",
    "INCOMPLETE",
    "MIN_FONT_PX",
    "MUTED",
    "NEUTRAL",
    "PREVIOUS",
    "SIZE_A4",
    "SIZE_SLIDE",
    "STATUS_COLORS",
    "STATUS_ORDER",
    "STATUS_PATTERNS",
    "STATUS_SYMBOLS",
    "TARGET_LINE",
    "TEXT",
    "_kaleido_opts",
    "_quiet_pipe_log",
    "breakdown_figure",
    "browser_path",
    "bullet_figure",
    "chart_config",
    "chart_filename",
    "escape",
    "export_png",
    "for_print",
    "print_text_sizes",
    "ranking_figure",
    "source_line",
    "trend_figure",
    "warm_browser",
]
