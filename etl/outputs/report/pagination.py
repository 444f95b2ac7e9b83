"""Where things fall on the pages of the Word report, estimated from the layout we set.

The body runs on exact 29 pt lines in a 225 mm (637.8 pt) text block, tables on rows of known
height, pictures at known sizes: enough to know the page of each heading (the cached entries of
the table of contents; Word updates them anyway) and to order the pictures of a group so that two
share a page instead of leaving half pages empty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

TEXT_HEIGHT_PT = 225.0 / 25.4 * 72
TEXT_WIDTH_PT = 156.0 / 25.4 * 72
LINE_PT = 29.0
FIGURE_EXTRA_PT = 6 + 4 + 20 + 8  # space before the picture, its line's descent, the caption line and after

# style -> (font size, line height, first-line indent in characters, space before + after)
STYLES = {
    "Normal": (16.0, LINE_PT, 2, 0.0),
    "Title": (22.0, 36.0, 0, LINE_PT),
    "Subtitle": (16.0, LINE_PT, 0, 0.0),
    "Report Note": (12.0, 20.0, 0, 10.0),
    "Report Signature": (16.0, LINE_PT, 0, 0.0),
}


def em_width(text: str) -> float:
    """Width in em: CJK and full-width characters 1, others (digits, Latin) about 0.55."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.55 for ch in str(text))


def line_count(text: str, size: float, indent_chars: float = 0) -> int:
    per_line = math.floor(TEXT_WIDTH_PT / size)  # whole characters a line holds
    return max(1, math.ceil((em_width(text) + indent_chars) / per_line))


class Pages:
    """A running page model: `page` is the current page, `used` the points used on it."""

    def __init__(self) -> None:
        self.page = 1
        self.used = 0.0

    def new_page(self) -> None:
        if self.used > 0:
            self.page += 1
            self.used = 0.0

    def fits(self, height: float) -> bool:
        """True when a block of this height fits on the current page (always at the top of one)."""
        return self.used == 0 or self.used + height <= TEXT_HEIGHT_PT + 0.5

    def _take(self, height: float, whole: bool = True) -> None:
        if whole and self.used > 0 and self.used + height > TEXT_HEIGHT_PT + 0.5:
            self.page += 1
            self.used = 0.0
        self.used += height

    def lines(self, n: float, line: float = LINE_PT) -> None:
        for _ in range(math.ceil(n)):
            self._take(line)

    def text(self, text: str, style: str = "Normal") -> None:
        size, line, indent, extra = STYLES.get(style, STYLES["Normal"])
        for _ in range(line_count(text, size, indent)):
            self._take(line)
        self.used += extra

    def heading(self, text: str) -> int:
        """A heading is kept with the next two lines; returns its page."""
        if self.used > 0 and self.used + 3 * LINE_PT > TEXT_HEIGHT_PT:
            self.new_page()
        self._take(LINE_PT)
        return self.page

    def table(self, rows: int, row_pt: float, caption: bool = True) -> None:
        if caption:
            self._take(30.0 + row_pt)  # the caption stays with the header row
            self.used -= row_pt
        for _ in range(rows):
            if self.used + row_pt > TEXT_HEIGHT_PT:
                self.page += 1
                self.used = row_pt  # the repeated header row
            self.used += row_pt

    def figure(self, height: float) -> None:
        self._take(height + FIGURE_EXTRA_PT)

    def fill_order(self, items: Sequence[T], heights: dict, key=lambda c: c.key) -> list[T]:
        """The items in their order, except that when the next does not fit what is left of the page,
        a later one that fits goes first (pages fill instead of breaking half empty)."""
        left = list(items)
        out: list[T] = []
        used = self.used
        while left:
            room = TEXT_HEIGHT_PT - used
            fits = [c for c in left if heights[key(c)] + FIGURE_EXTRA_PT <= room + 0.5]
            pick = fits[0] if fits else left[0]
            if not fits:
                used = 0.0
            used += heights[key(pick)] + FIGURE_EXTRA_PT
            left.remove(pick)
            out.append(pick)
        return out
