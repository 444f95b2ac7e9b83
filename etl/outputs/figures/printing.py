"""A figure laid out again for a Word page or a slide: fonts scaled, footer rewrapped, margins refitted."""

from __future__ import annotations

import math
import re
from typing import Any

import plotly.graph_objects as go

from etl.outputs.figures.style import AXIS_SPACE, FOOT_LINE, FOOTER, legend_rows, wrap

_FONT_KEYS = frozenset({"font", "tickfont", "textfont", "insidetextfont", "outsidetextfont"})
_SPAN_SIZE = re.compile(r"font-size:\s*(\d+(?:\.\d+)?)px")


def _sized(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("size"), int | float)


def _up(value: float, digits: int) -> float:
    """Rounded up: a scaled font must not come out smaller than the size asked for."""
    step = 10**digits
    return math.ceil(value * step - 1e-9) / step


def _scaled_spans(text: str, k: float) -> str:
    return _SPAN_SIZE.sub(lambda m: f"font-size:{_up(float(m.group(1)) * k, 1)}px", text)


def _scale_text(obj: Any, k: float) -> Any:
    """Every font size of a figure dict (fonts and inline font-size spans) times k; returns the object
    (lists and dicts in place, a tuple as a new list)."""
    if isinstance(obj, str):
        return _scaled_spans(obj, k) if "font-size" in obj else obj
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in _FONT_KEYS and _sized(value):
                value["size"] = _up(value["size"] * k, 2)
            obj[key] = _scale_text(value, k)
        return obj
    if isinstance(obj, list | tuple):
        items = [_scale_text(value, k) for value in obj]
        if isinstance(obj, list):
            obj[:] = items
            return obj
        return items
    return obj


def _shift_annotations(layout: dict, foot: list[str], k: float, *, left: float, axis_space: float) -> None:
    """The footer's lines wrapped again under the axis; other annotations' offsets scaled with the text."""
    for ann in layout.get("annotations", []):
        if ann.get("name") == FOOTER:
            ann["text"] = "<br>".join(foot)
            ann["xshift"] = -left + 12 * k
            ann["yshift"] = -axis_space * k
            continue
        for key in ("xshift", "yshift"):
            if isinstance(ann.get(key), int | float):
                ann[key] = ann[key] * k


def _fit_axes(layout: dict, x_axis: bool, avail: float, k: float) -> None:
    """Fewer value ticks when narrow (or no value axis); every category row keeps its label."""
    xaxis = layout.setdefault("xaxis", {})
    if x_axis:
        if xaxis.get("type") != "category":
            xaxis["nticks"] = max(3, min(int(xaxis.get("nticks") or 8), int(avail // (64 * k))))
    else:
        xaxis.update(showticklabels=False, ticks="", title={"text": ""}, showline=False)
    yaxis = layout.get("yaxis", {})
    if yaxis.get("type") == "category" and yaxis.get("categoryarray"):
        # plotly skips labels it finds crowded
        cats = list(yaxis["categoryarray"])
        yaxis.update(tickmode="array", tickvals=cats, ticktext=cats)


def for_print(
    fig: go.Figure,
    width: int,
    *,
    text_scale: float = 1.0,
    plot_height: float | None = None,
    title: bool = False,
    x_axis: bool = True,
) -> dict:
    """The figure laid out for a page or a slide, as a dict for kaleido (layout width/height set).

    - title=False drops the title and subtitle (a document's caption or a slide's headline says what
      the chart is) and the space above the legend they took; the notes and source line stay.
    - text_scale multiplies every font size, and the margins and offsets that were sized from the
      text, so text keeps its size on paper when the picture is placed at a given width: a picture
      `width` px wide placed W pt wide prints a font of s px at s × text_scale × W / width pt.
    - The notes and source are wrapped again for `width`; the x axis gets fewer ticks when narrow.
    - plot_height: the height of the plot area in px (default: the figure's own).
    - x_axis=False hides the value axis (a ranking whose values are written beside its bars).
    """
    d = fig.to_dict()
    layout = d["layout"]
    info = (layout.get("meta") or {}).get("print", {})
    k = float(text_scale)
    margin = layout.get("margin", {})
    l0, r0, t0, b0 = (float(margin.get(side, 0)) for side in ("l", "r", "t", "b"))
    plot_h = float(plot_height) if plot_height is not None else float(layout.get("height", 0)) - t0 - b0
    axis_space = float(info.get("axis_space", AXIS_SPACE)) if x_axis else 14.0

    if not title:
        layout.pop("title", None)
    _scale_text(d, k)
    left, right = l0 * k, r0 * k
    avail = max(width - left - right, 60.0)
    # legend rows at the new width (plotly wraps the legend; the top margin must hold it)
    legend = info.get("legend", [])
    legend_h = (24 * legend_rows(legend, avail / k) + 6) if layout.get("showlegend") and legend else 0
    if title:
        top = t0 * k
    else:
        top = (legend_h + 18) * k if legend_h else 14 * k
    foot = [line for part in info.get("foot", []) for line in wrap(part, (width - 24) / k)]
    bottom = (axis_space + (FOOT_LINE * len(foot) + 12 if foot else 0)) * k

    _shift_annotations(layout, foot, k, left=left, axis_space=axis_space)
    title_d = layout.get("title")
    if isinstance(title_d, dict) and isinstance(title_d.get("pad"), dict):
        title_d["pad"] = {key: v * k for key, v in title_d["pad"].items()}
    layout["margin"] = {**margin, "l": left, "r": right, "t": top, "b": bottom, "autoexpand": False}
    layout["width"] = int(width)
    layout["height"] = round(plot_h + top + bottom)
    _fit_axes(layout, x_axis, avail, k)
    return d


def print_text_sizes(fig_dict: dict) -> list[float]:
    """Every font size (px) a figure dict sets, inline spans included: what prints smallest."""
    sizes: list[float] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key in _FONT_KEYS and _sized(value):
                    sizes.append(float(value["size"]))
                walk(value)
        elif isinstance(obj, list | tuple):
            for value in obj:
                walk(value)
        elif isinstance(obj, str) and "font-size" in obj:
            sizes.extend(float(m) for m in _SPAN_SIZE.findall(obj))

    walk(fig_dict)
    return sizes
