"""The report's pictures: each chart laid out for where it goes, all exported by one warm Chromium.

Where the time went before (pyinstrument, annual demo report, 33 charts): 99 kaleido calls took
19 of 25 s, each ~0.19 s, of which ~0.15 s was kaleido reloading its page (plotly.js, 4.6 MB)
after every picture; Python waited on the browser. Now:

- one Chromium per process, shared by every build running at the same time (a small asyncio
  service in a daemon thread), started before the draft so it opens while the database is read;
- kaleido's tab is reloaded every RELOAD_EVERY pictures instead of after each (plotly draws each
  picture in a throw-away element, so nothing carries over): ~0.08 s per picture;
- each chart is rendered once per target: the Word picture (also the PNG file) and the slide
  picture; SVG and PDF only on request;
- pictures are submitted as soon as their layout is ready, so Python lays out the next chart while
  Chromium draws the previous one.

Sizes are computed, not guessed: a Word picture is WORD_WIDTH_PX wide and placed at the text width
(156 mm), so its fonts are scaled until the smallest prints at MIN_PRINT_PT; a slide picture is laid
out 1 px = 1 pt at the size of its box on the 16:9 slide, fonts scaled so the smallest is
MIN_SLIDE_PT.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from etl.outputs import figures
from etl.outputs.report.charts import Chart

# ---------------------------------------------------------------- geometry

MM_PER_IN = 25.4
PT_PER_IN = 72.0
# GB/T 9704: A4, margins 37 / 35 / 28 / 26 mm (top, bottom, left, right): a 156 × 225 mm text block
PAGE_MM = (210.0, 297.0)
MARGINS_MM = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]
TEXT_HEIGHT_MM = PAGE_MM[1] - MARGINS_MM["top"] - MARGINS_MM["bottom"]
TEXT_WIDTH_PT = TEXT_WIDTH_MM / MM_PER_IN * PT_PER_IN
TEXT_HEIGHT_PT = TEXT_HEIGHT_MM / MM_PER_IN * PT_PER_IN

MIN_PRINT_PT = 9.0  # smallest text in a Word picture, on paper
MIN_SLIDE_PT = 14.0  # smallest text on a slide

WORD_WIDTH_PX = 640  # layout width of a Word picture (placed TEXT_WIDTH_PT wide)
WORD_PT_PER_PX = TEXT_WIDTH_PT / WORD_WIDTH_PX
WORD_TEXT_SCALE = MIN_PRINT_PT / (figures.MIN_FONT_PX * WORD_PT_PER_PX)
WORD_SCALE = 2.5  # 1600 px across 156 mm: ~260 dpi
# Two pictures and their captions fit a page when each is at most HALF_PAGE_PT tall
CAPTION_PT = 40.0  # a caption (12 pt on a 20 pt line, 8 pt after) and the picture paragraph (6 pt before)
HALF_PAGE_PT = (TEXT_HEIGHT_PT - 2 * CAPTION_PT) / 2 - 6
FULL_PAGE_PT = TEXT_HEIGHT_PT - CAPTION_PT - 12
WORD_RANKING_ALL = 32  # a ranking lists every unit up to this many (one page), else the first and last
WORD_RANKING_LIMIT = 15

SLIDE_IN = (13.333, 7.5)  # 16:9
SLIDE_MARGIN_IN = 0.25
HEADLINE_IN = (0.15, 0.55)  # top, height of the message line
SLIDE_BOX_IN = (
    SLIDE_MARGIN_IN,
    HEADLINE_IN[0] + HEADLINE_IN[1] + 0.05,
    SLIDE_IN[0] - 2 * SLIDE_MARGIN_IN,
    SLIDE_IN[1] - (HEADLINE_IN[0] + HEADLINE_IN[1] + 0.05) - 0.15,
)  # left, top, width, height of the picture
SLIDE_WIDTH_PX = round(SLIDE_BOX_IN[2] * PT_PER_IN)  # 1 px = 1 pt
SLIDE_HEIGHT_PX = round(SLIDE_BOX_IN[3] * PT_PER_IN)
SLIDE_TEXT_SCALE = MIN_SLIDE_PT / figures.MIN_FONT_PX
SLIDE_SCALE = 2.0
SLIDE_RANKING_LIMIT = 10

IMAGE_FORMATS = ("png", "svg", "pdf")
RELOAD_EVERY = 40  # kaleido reloads its page after each picture; we do after this many
# Chromium tabs drawing at once. A second tab costs ~1 s to open (plotly.js) and saves ~0.5 s on the
# 64 pictures of a 完整版 with slides on 2 shared cores, but costs ~0.8 s on a 简版: 2 from MANY on.
TABS = 1
MANY_TABS = 2
MANY = 24  # pictures
OPEN_TIMEOUT_S = 30.0
RENDER_TIMEOUT_S = 600.0


def half_page_px() -> float:
    return HALF_PAGE_PT / WORD_PT_PER_PX


def full_page_px() -> float:
    return FULL_PAGE_PT / WORD_PT_PER_PX


@dataclass(frozen=True)
class Layout:
    """A chart laid out for one target: the figure dict for kaleido and how it is placed."""

    target: str  # word | slide
    figure: dict
    width: int
    height: int
    scale: float
    slot: str = "half"  # Word: half (two to a page) or full (a page of its own)

    def spec(self, fmt: str = "png") -> dict:
        opts = {"format": fmt, "width": self.width, "height": self.height}
        if fmt == "png":
            opts["scale"] = self.scale
        return {"fig": self.figure, "opts": opts}


def _with_plot_height(fig_dict: dict, chrome: float, plot: float) -> dict:
    fig_dict["layout"]["height"] = round(chrome + plot)
    return fig_dict


def _ranking_rows(chart: Chart, limit: int | None) -> int:
    n = chart.rows
    return n if not limit or n <= 2 * limit + 1 else 2 * limit + 2  # + the '中间N个单位略' row


def word_layout(chart: Chart) -> Layout:
    """The chart as a Word picture: WORD_WIDTH_PX wide, no title (the 图N caption is its title), fonts
    that print at MIN_PRINT_PT or more, as tall as its content needs — half a page when it fits, so two
    go to a page."""
    limit = WORD_RANKING_LIMIT if chart.kind == "ranking" and chart.rows > WORD_RANKING_ALL else None
    fig = chart.figure(limit)
    k = WORD_TEXT_SCALE
    d = figures.for_print(fig, WORD_WIDTH_PX, text_scale=k, plot_height=0)
    chrome = float(d["layout"]["height"])
    half, full = half_page_px(), full_page_px()
    if chart.kind == "trend":
        plot = max(150.0, min(260.0, half - chrome))
    elif chart.kind == "bullet":  # two-line labels: the indicator and its actual / target
        plot = 38 * k * (chart.rows + 0.8)
    elif chart.kind == "ranking":
        plot = 15.5 * k * (_ranking_rows(chart, limit) + 1) + 16
    else:  # breakdown
        plot = 22 * k * chart.rows + 20
    plot = min(plot, full - chrome)
    height = round(chrome + plot)
    _with_plot_height(d, chrome, plot)
    return Layout("word", d, WORD_WIDTH_PX, height, WORD_SCALE, "half" if height <= half + 0.5 else "full")


def slide_layout(chart: Chart) -> Layout:
    """The chart as the picture of its slide: the size of the slide's picture box (1 px = 1 pt), fonts
    scaled so the smallest is MIN_SLIDE_PT; rankings show the first and last SLIDE_RANKING_LIMIT units
    and no value axis (each bar has its value written beside it)."""
    ranking = chart.kind == "ranking"
    fig = chart.figure(SLIDE_RANKING_LIMIT if ranking else None)
    d = figures.for_print(fig, SLIDE_WIDTH_PX, text_scale=SLIDE_TEXT_SCALE, plot_height=0, x_axis=not ranking)
    chrome = float(d["layout"]["height"])
    _with_plot_height(d, chrome, max(SLIDE_HEIGHT_PX - chrome, 60.0))
    return Layout("slide", d, SLIDE_WIDTH_PX, SLIDE_HEIGHT_PX, SLIDE_SCALE)


# ---------------------------------------------------------------- the browser


def _kaleido_class() -> type:
    import kaleido

    base = kaleido.Kaleido
    if not hasattr(base, "_return_kaleido_tab"):  # kaleido changed: keep its own (slower) behaviour
        return base

    class Kaleido(base):  # type: ignore[misc, valid-type]
        """kaleido reloads a tab's page after every picture (~0.15 s: plotly.js again). Plotly draws
        each picture in a throw-away element, so the page is reloaded every RELOAD_EVERY pictures."""

        async def _return_kaleido_tab(self, tab: Any) -> None:
            uses = self.__dict__.setdefault("_report_uses", {})
            n = uses.get(id(tab), 0) + 1
            if n >= RELOAD_EVERY:
                n = 0
                await tab.reload()
            uses[id(tab)] = n
            await self.tabs_ready.put(tab)

    return Kaleido


class _Browser:
    """One Chromium (kaleido) for the process, shared by the builds running at the same time: an
    asyncio loop in a daemon thread. Opened by the first user, closed when the last one leaves.

    Opening is retried once with a fresh Chromium: on a loaded machine a tab has been seen to wait
    for its page forever (kaleido waits for page events without a timeout)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._tabs = TABS
        self._generation = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._opened: concurrent.futures.Future | None = None
        self._made: list[Any] = []

    def acquire(self, tabs: int = TABS) -> None:
        with self._lock:
            if self._loop is None:
                self._start(tabs)
            self._users += 1

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users > 0:
                return
            self._users = 0
            state = self._detach()
        _close(*state, wait=OPEN_TIMEOUT_S)

    def _start(self, tabs: int) -> None:
        opts = figures._kaleido_opts()  # RuntimeError without Chromium
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="report-chromium", daemon=True)
        thread.start()
        cls = _kaleido_class()
        figures._quiet_pipe_log()

        made: list[Any] = []  # the browser being opened, to close it even if it never opens

        async def open_browser() -> Any:
            browser = cls(n=tabs, timeout=120, **opts)
            made.append(browser)
            await browser.open()
            return browser

        self._tabs, self._generation = tabs, self._generation + 1
        self._loop, self._thread, self._made = loop, thread, made
        self._opened = asyncio.run_coroutine_threadsafe(open_browser(), loop)

    def _detach(self) -> tuple[Any, Any, Any, Any]:
        state = (self._loop, self._thread, self._opened, self._made)
        self._loop = self._thread = self._opened = None
        self._made = []
        return state

    def browser(self) -> tuple[Any, asyncio.AbstractEventLoop]:
        for attempt in (1, 2):
            with self._lock:
                loop, opened, generation = self._loop, self._opened, self._generation
            if loop is None or opened is None:
                raise RuntimeError("the report browser is not open (use `with browser():`)")
            try:
                return opened.result(timeout=OPEN_TIMEOUT_S), loop
            except concurrent.futures.TimeoutError as exc:
                if attempt == 2:
                    raise RuntimeError("Chromium did not start (tried twice)") from exc
                with self._lock:
                    if self._generation == generation:  # nobody has started a new one yet
                        stuck = self._detach()
                        self._start(self._tabs)
                    else:
                        stuck = (None, None, None, [])
                _close(*stuck, wait=0)
            except Exception as exc:  # ChromeNotFoundError, a crash at start
                raise RuntimeError(f"Chromium could not start: {exc}") from exc
        raise AssertionError("unreachable")

    def submit(self, spec: dict) -> concurrent.futures.Future:
        """Render one picture; the future gives its bytes."""
        browser, loop = self.browser()

        async def one() -> bytes:
            data = await browser.calc_fig(spec["fig"], opts=spec["opts"])
            return data.encode("utf-8") if isinstance(data, str) else bytes(data)

        return asyncio.run_coroutine_threadsafe(one(), loop)


def _close(loop: Any, thread: Any, opened: Any, made: list[Any], wait: float) -> None:
    """Close a browser (waiting up to `wait` s for it to have opened; one that never did is stopped
    too, its Chromium with it) and stop its loop."""
    if loop is None or thread is None or opened is None:
        return
    try:
        opened.result(timeout=wait)
    except Exception:  # not open (yet), or it failed: stop trying
        opened.cancel()
    try:
        for browser in made:
            asyncio.run_coroutine_threadsafe(browser.close(), loop).result(timeout=30)
    except Exception:  # it died already: nothing left to close
        pass
    finally:
        with contextlib.suppress(Exception):  # let a cancelled opening finish cancelling
            asyncio.run_coroutine_threadsafe(asyncio.sleep(0.05), loop).result(timeout=2)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        if not thread.is_alive():
            loop.close()


_BROWSER = _Browser()


def tabs_for(pictures: int) -> int:
    return MANY_TABS if pictures >= MANY else TABS


@contextlib.contextmanager
def browser(pictures: int = 0) -> Iterator[None]:
    """Keep the shared Chromium open for the block (re-entrant; it starts in the background, with a
    second tab when it opens for many pictures)."""
    _BROWSER.acquire(tabs_for(pictures))
    try:
        yield
    finally:
        _BROWSER.release()


def prewarm(pictures: int = 0) -> Callable[[], None]:
    """Start Chromium now (it opens while the caller reads the database); call the result to let go."""
    _BROWSER.acquire(tabs_for(pictures))
    return _BROWSER.release


# ---------------------------------------------------------------- rendering


class Rendering:
    """The pictures of a report, submitted in the order the documents need them: every Word
    picture, then every slide picture, then SVG and PDF. `wait(target)` fills chart.images[target],
    so the Word document is written while Chromium still draws the slides. Use inside browser()."""

    def __init__(
        self,
        charts: Sequence[Chart],
        formats: Sequence[str] = ("png",),
        slides: bool = True,
        progress: Callable[[float, str], None] | None = None,
        share: float = 1.0,
    ) -> None:
        self.charts = list(charts)
        self.layouts: dict[str, dict[str, Layout]] = {c.key: {} for c in self.charts}
        self.targets = ["word"] + (["slide"] if slides else []) + [f for f in ("svg", "pdf") if f in formats]
        self.total = len(self.charts) * len(self.targets)
        self._futures: dict[str, list[concurrent.futures.Future]] = {}
        self._done = 0
        self._lock = threading.Lock()
        self._progress = progress
        self._share = share
        for target in self.targets:
            self._futures[target] = [self._submit(chart, target) for chart in self.charts]

    def _submit(self, chart: Chart, target: str) -> concurrent.futures.Future:
        per = self.layouts[chart.key]
        if target == "slide":
            layout = per["slide"] = slide_layout(chart)
            spec = layout.spec("png")
        else:
            if "word" not in per:
                per["word"] = word_layout(chart)
            spec = per["word"].spec("png" if target == "word" else target)
        future = _BROWSER.submit(spec)
        future.add_done_callback(lambda _: self._finished(chart))
        return future

    def _finished(self, chart: Chart) -> None:
        with self._lock:
            self._done += 1
            n = self._done
        if self._progress:
            self._progress(self._share * n / max(self.total, 1), f"{n}/{self.total} {chart.caption}")

    def wait(self, target: str) -> None:
        for chart, future in zip(self.charts, self._futures.get(target, []), strict=True):
            chart.images[target] = future.result(timeout=RENDER_TIMEOUT_S)

    def wait_all(self) -> None:
        for target in self.targets:
            self.wait(target)


def render_charts(
    charts: Sequence[Chart],
    formats: Sequence[str] = ("png",),
    slides: bool = True,
    progress: Callable[[float, str], None] | None = None,
    share: float = 1.0,
) -> dict[str, dict[str, Layout]]:
    """Fill chart.images: 'word' (PNG, also the chart's PNG file), 'slide' (PNG) when slides, 'svg' and
    'pdf' when asked. Returns the layouts by chart key and target (the documents place them)."""
    pictures = len(charts) * (1 + int(slides) + sum(1 for f in ("svg", "pdf") if f in formats))
    with browser(pictures):
        rendering = Rendering(charts, formats, slides, progress, share)
        rendering.wait_all()
    return rendering.layouts
