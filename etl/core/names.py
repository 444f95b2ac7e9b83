"""Unit names as people write them -> one matching key.

Full-width and half-width brackets and spaces, stray spaces and Traditional characters
all fold to the same key; the text inside brackets is kept, so 医院（东院） and
医院（西院） stay different units.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from etl.core.values import fold

_T2S = opencc.OpenCC("t2s")
_SPACES = re.compile(r"\s+")
# C0 and C1 control characters other than tab, line feed and carriage return, DEL, and what
# XML cannot hold at all (surrogates, U+FFFE/U+FFFF): a terminal, Word and plotly choke on them.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x1B: "ESC", 0x7F: "DEL"}


def control_characters(text: str) -> list[str]:
    """The control characters in `text`, named (NUL, BEL, ESC, DEL, U+0085 ...), each once."""
    found = dict.fromkeys(_CONTROLS.findall(text))
    return [_CONTROL_NAMES.get(ord(ch), f"U+{ord(ch):04X}") for ch in found]


def strip_controls(text: str) -> str:
    return _CONTROLS.sub("", text)


def clean_cell_text(raw: object, *, name: bool) -> tuple[str, str | None]:
    """A text cell as stored (a unit name in its display form), and a note when control
    characters were removed. Raises ValueError when nothing but control characters is left."""
    text = str(raw)
    removed = control_characters(text)
    cleaned = clean_name(text) if name else strip_controls(text).strip()
    if not removed:
        return cleaned, None
    if not cleaned:
        raise ValueError(f"只有不可见的控制字符（{'、'.join(removed)}），没有可用的文字")
    return cleaned, f"含有不可见的控制字符（{'、'.join(removed)}），已删除；保存为「{cleaned}」"


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    return _T2S.convert(text)


@lru_cache(maxsize=65536)
def clean_name(raw: str) -> str:
    """The display form: NFKC-folded widths, Chinese brackets, single inner spaces removed."""
    # widths folded; zero-width spaces, BOMs and control characters pasted from web pages,
    # chat or other systems dropped
    text = fold(strip_controls(str(raw)))
    text = _SPACES.sub(" ", text)
    # Chinese names carry no meaningful spaces between CJK characters
    text = re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)
    text = re.sub(r" ?\( ?", "（", text)
    text = re.sub(r" ?\) ?", "）", text)
    return text


@lru_cache(maxsize=65536)
def name_key(raw: str) -> str:
    """The matching key: simplified, width-folded, no spaces, lower-case Latin."""
    text = clean_name(raw)
    text = to_simplified(text)
    text = text.replace("（", "(").replace("）", ")").replace(" ", "")
    return text.lower()
