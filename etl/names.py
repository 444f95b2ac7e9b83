"""Unit names as people write them -> one matching key.

Full-width and half-width brackets and spaces, stray spaces and Traditional characters
all fold to the same key; the text inside brackets is kept, so 医院（东院） and
医院（西院） stay different units.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from etl.values import fold

_T2S = opencc.OpenCC("t2s")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    return _T2S.convert(text)


@lru_cache(maxsize=65536)
def clean_name(raw: str) -> str:
    """The display form: NFKC-folded widths, Chinese brackets, single inner spaces removed."""
    # widths folded; zero-width spaces and BOMs pasted from web pages or chat dropped
    text = fold(str(raw))
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
