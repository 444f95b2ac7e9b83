"""Name keys for many unit names at once: the same results as etl.names, without one
OpenCC call and four regular expressions per name.

Names made only of CJK ideographs, Latin letters, digits and brackets (nearly all unit
names) are folded with plain string operations and converted to Simplified Chinese in ONE
OpenCC call; any other name goes through etl.names one by one.
"""

from __future__ import annotations

import re

from etl.names import clean_name, name_key, to_simplified

# NFKC leaves these characters alone and clean_name only turns brackets into （）
_SIMPLE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9（）()]+")


def simplified_many(texts: list[str]) -> list[str]:
    """to_simplified of each text, converted in one call (no conversion spans a line break)."""
    if not texts:
        return []
    converted = to_simplified("\n".join(texts)).split("\n")
    if len(converted) != len(texts):  # pragma: no cover - OpenCC keeps line breaks
        return [to_simplified(t) for t in texts]
    return converted


def display_names(names: list[str]) -> list[str]:
    """to_simplified(clean_name(name)) for each name: how a new unit is shown."""
    simple = [bool(_SIMPLE.fullmatch(n)) for n in names]
    cleaned = [
        n.replace("(", "（").replace(")", "）") if s else clean_name(n)
        for n, s in zip(names, simple, strict=False)
    ]
    converted = simplified_many([c for c, s in zip(cleaned, simple, strict=False) if s])
    out, it = [], iter(converted)
    for c, s in zip(cleaned, simple, strict=True):
        out.append(next(it) if s else to_simplified(c))
    return out


def name_keys(names: list[str]) -> list[str]:
    """etl.names.name_key of each name."""
    simple = [bool(_SIMPLE.fullmatch(n)) for n in names]
    converted = iter(simplified_many([n for n, s in zip(names, simple, strict=False) if s]))
    out = []
    for n, s in zip(names, simple, strict=True):
        if s:
            out.append(next(converted).replace("（", "(").replace("）", ")").lower())
        else:
            out.append(name_key(n))
    return out
