"""Image export: file names, the browser kaleido drives (the system Chromium, never a download), PNG bytes."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import plotly.graph_objects as go

from etl.outputs.figures.style import SIZE_A4

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


def chart_filename(year: int, quarter: int | None, ind_label: str, what: str) -> str:
    """'2025年Q3_入会率_各单位排名' — safe on Windows, macOS and Linux (no extension)."""
    period = f"{int(year)}年" + (f"Q{int(quarter)}" if quarter else "")
    parts = [period] + [_UNSAFE.sub("_", str(p)).strip("._") for p in (ind_label, what) if p]
    return "_".join(p for p in parts if p)[:120]


def chart_config(filename: str) -> dict:
    """Config for st.plotly_chart(fig, config=...): PNG download at 2x with a meaningful file name."""
    return {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2}}


_BROWSER_CANDIDATES = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
)


def browser_path() -> str | None:
    """The Chromium used for PNG export: $BROWSER_PATH, else the system Chromium. Never downloads."""
    env = os.environ.get("BROWSER_PATH")
    if env and Path(env).is_file():
        return env
    for cand in _BROWSER_CANDIDATES:
        if Path(cand).is_file():
            return cand
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _DropChromiumPipeNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:  # harmless message at browser shutdown
        return not str(record.msg).startswith("JSONError decoding message")


_warm = False
_quieted = False


def _quiet_pipe_log() -> None:
    """Drop choreographer's harmless 'JSONError decoding message' traceback at browser shutdown.

    Only after kaleido is imported: the logger must be created by logistro, not by us.
    """
    global _quieted
    name = "choreographer.channels.pipe"
    if not _quieted and name in logging.Logger.manager.loggerDict:
        logging.getLogger(name).addFilter(_DropChromiumPipeNoise())
        _quieted = True


def _kaleido_opts() -> dict:
    path = browser_path()
    if not path:
        raise RuntimeError("PNG export needs Chromium: install the 'chromium' package or set BROWSER_PATH.")
    return {"path": path, "mathjax": False}


@contextlib.contextmanager
def warm_browser() -> Iterator[None]:
    """Keep one Chromium open for a batch of export_png calls (a cold call starts one, ~2-4 s).

    Re-entrant: a nested block reuses the browser of the outer one. Not for concurrent
    threads: serialise exports (kaleido's sync server is a process-wide singleton).
    """
    import kaleido

    global _warm
    if _warm:
        yield
        return
    _quiet_pipe_log()
    kaleido.start_sync_server(silence_warnings=True, **_kaleido_opts())
    _warm = True
    try:
        yield
    finally:
        _warm = False
        kaleido.stop_sync_server(silence_warnings=True)


def export_png(
    fig: go.Figure, width: int | None = None, height: int | None = None, scale: float = 2
) -> bytes:
    """PNG bytes of fig rendered by kaleido with the system Chromium.

    width defaults to SIZE_A4[0]; height to the figure's own height (ranking figures grow
    with the number of units) or SIZE_A4[1]. Raises RuntimeError without a browser.
    """
    import kaleido

    _quiet_pipe_log()
    w = int(width or fig.layout.width or SIZE_A4[0])
    h = int(height or fig.layout.height or SIZE_A4[1])
    opts = {"format": "png", "width": w, "height": h, "scale": scale}
    fig_dict = fig.to_dict() if isinstance(fig, go.Figure) else fig
    if _warm:
        return kaleido.calc_fig_sync(fig_dict, opts=opts)
    return kaleido.calc_fig_sync(fig_dict, opts=opts, kopts=_kaleido_opts())
