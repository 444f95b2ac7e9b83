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


# name -> key, filled by name_keys and remember(): a sheet's names are keyed once per process
_KEYS: dict[str, str] = {}
_KEYS_LIMIT = 2_000_000


def remember(names: list[str], simplified: list[str]) -> None:
    """Keys of simple names whose Simplified form is already known (the parser computed it)."""
    if len(_KEYS) > _KEYS_LIMIT:
        _KEYS.clear()
    for n, s in zip(names, simplified, strict=True):
        _KEYS[n] = s.replace("（", "(").replace("）", ")").lower()


def name_keys(names: list[str]) -> list[str]:
    """etl.names.name_key of each name."""
    known = [_KEYS.get(n) for n in names]
    if all(k is not None for k in known):
        return known  # type: ignore[return-value]
    keys = _name_keys([n for n, k in zip(names, known, strict=True) if k is None])
    if len(_KEYS) > _KEYS_LIMIT:
        _KEYS.clear()
    fresh = iter(keys)
    out = []
    for n, k in zip(names, known, strict=True):
        if k is None:
            k = next(fresh)
            _KEYS[n] = k
        out.append(k)
    return out


def _name_keys(names: list[str]) -> list[str]:
    simple = [bool(_SIMPLE.fullmatch(n)) for n in names]
    converted = iter(simplified_many([n for n, s in zip(names, simple, strict=False) if s]))
    out = []
    for n, s in zip(names, simple, strict=True):
        if s:
            out.append(next(converted).replace("（", "(").replace("）", ")").lower())
        else:
            out.append(name_key(n))
    return out
