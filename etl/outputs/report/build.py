"""Building a report: render the chosen charts once per target, then write the Word and PowerPoint
files (and each chart's PNG, SVG or PDF when asked)."""

from __future__ import annotations

import contextlib
import io
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from etl.core.i18n import t
from etl.outputs.report import images as rendering
from etl.outputs.report.charts import Chart, select
from etl.outputs.report.draft import Draft, draft
from etl.outputs.report.packaging import stamp

Progress = Callable[[float, str], None]

FORMATS = ("docx", "pptx", "png")  # what a report holds by default
OPTIONAL_FORMATS = ("svg", "pdf")  # each chart as a vector file, on request
ALL_FORMATS = FORMATS + OPTIONAL_FORMATS


@dataclass
class ReportFiles:
    draft: Draft
    charts: list[Chart]
    length: str
    docx: bytes = b""
    pptx: bytes = b""
    seconds: float = 0.0
    formats: tuple[str, ...] = FORMATS
    paths: list[Path] = field(default_factory=list)
    _zip: bytes | None = field(default=None, repr=False)

    @property
    def title(self) -> str:
        return self.draft.title

    @property
    def stem(self) -> str:
        suffix = t(f"report.doc.length_{self.length}", self.draft.lang)
        return f"{self.draft.stem}{suffix}"

    @property
    def docx_name(self) -> str:
        return f"{self.stem}.docx"

    @property
    def pptx_name(self) -> str:
        return f"{self.stem}.pptx"

    @property
    def zip_name(self) -> str:
        return f"{self.stem}.zip"

    def entries(self) -> list[tuple[str, bytes]]:
        """(relative path, bytes): the documents, one PNG per chart, then svg/ and pdf/ when asked."""
        out = []
        if self.docx:
            out.append((self.docx_name, self.docx))
        if self.pptx:
            out.append((self.pptx_name, self.pptx))
        if "png" in self.formats:
            out += [(f"{c.name}.png", c.png) for c in self.charts]
        out += [(f"svg/{c.name}.svg", c.svg) for c in self.charts if c.svg]
        out += [(f"pdf/{c.name}.pdf", c.pdf) for c in self.charts if c.pdf]
        return out

    def zip_bytes(self) -> bytes:
        if self._zip is None:
            self._zip = self._make_zip()
        return self._zip

    def _make_zip(self) -> bytes:
        when = stamp(self.draft.updated)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in self.entries():
                info = zipfile.ZipInfo(name, date_time=when)
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


def render(
    d: Draft,
    out_dir: Path | str | None = None,
    formats: Sequence[str] = FORMATS,
    progress: Progress | None = None,
    length: str = "short",
    charts: Sequence[str] | None = None,
) -> ReportFiles:
    """Render the report's charts and write its documents; everything to out_dir if given.

    length: "short" (简版: the indicator table, the text, the 简版 charts) or "full" (完整版: every
    chart in 附件, with a table of contents). charts: chart keys to use instead of the length's set.
    formats: from ALL_FORMATS ("docx", "pptx", "png", "svg", "pdf").
    """
    from etl.outputs.report.docx import build_docx
    from etl.outputs.report.pptx import build_pptx

    start = time.perf_counter()
    unknown = set(formats) - set(ALL_FORMATS)
    if unknown:
        raise ValueError(f"unknown formats {sorted(unknown)}; known: {ALL_FORMATS}")
    # copies: the draft may be shared (the page caches it), each build fills its own pictures
    chosen = [replace(c, images={}) for c in select(d.charts, length, charts)]
    slides = "pptx" in formats
    files = ReportFiles(d, chosen, length, formats=tuple(formats))
    pictures = len(chosen) * (1 + int(slides) + sum(1 for f in OPTIONAL_FORMATS if f in formats))
    with rendering.browser(pictures) if chosen else contextlib.nullcontext():  # no chart: no Chromium
        pending = rendering.Rendering(chosen, formats, slides, progress, share=0.95)
        pending.wait("word")
        if "docx" in formats:  # while Chromium draws the slides
            files.docx = build_docx(d, chosen, pending.layouts, length)
        if slides:
            pending.wait("slide")
            files.pptx = build_pptx(d, chosen, pending.layouts)
        pending.wait_all()
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
    length: str = "short",
    charts: Sequence[str] | None = None,
) -> ReportFiles:
    """draft + render; Chromium starts while the database is read."""
    start = time.perf_counter()
    with rendering.browser(rendering.MANY if length == "full" and "pptx" in formats else 0):
        d = draft(db, year, quarter, unit_id, lang)
        files = render(d, out_dir, formats, progress, length, charts)
    files.seconds = time.perf_counter() - start
    return files
