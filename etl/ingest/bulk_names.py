"""Name keys for many unit names at once: the same results as etl.core.names, without one
OpenCC call and four regular expressions per name.

Names made only of CJK ideographs, Latin letters, digits and brackets (nearly all unit
names) are folded with plain string operations and converted to Simplified Chinese in ONE
OpenCC call; any other name goes through etl.core.names one by one.
"""

from __future__ import annotations

from etl.core.names import clean_name, name_key, to_simplified

# NFKC leaves these characters alone and clean_name only turns brackets into （）
_SIMPLE_RE2 = r"^[\x{4e00}-\x{9fff}A-Za-z0-9（）()]+$"  # the same, for pyarrow (RE2)


def simplified_many(texts: list[str]) -> list[str]:
    """to_simplified of each text, converted in one call (no conversion spans a line break)."""
    if not texts:
        return []
    converted = to_simplified("\n".join(texts)).split("\n")
    if len(converted) != len(texts):  # pragma: no cover - OpenCC keeps line breaks
        return [to_simplified(t) for t in texts]
    return converted


def _simple_mask(names: list[str]) -> list[bool]:
    """_SIMPLE.fullmatch of each name, in one RE2 pass (pyarrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.match_substring_regex(pa.array(names, pa.string()), _SIMPLE_RE2).to_pylist()


def _simple_forms(names: list[str], simple: list[bool], keys: bool) -> list[str]:
    """For the simple names: Chinese brackets and Simplified characters (the display form), or
    with ASCII brackets and lower-case Latin letters (the name key); Arrow does the string work."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chosen = [n for n, s in zip(names, simple, strict=True) if s]
    if not chosen:
        return []
    if keys:
        converted = pa.array(simplified_many(chosen), pa.string())
        lowered = pc.utf8_lower(converted)
        return pc.replace_substring(pc.replace_substring(lowered, "（", "("), "）", ")").to_pylist()
    texts = pc.replace_substring(pc.replace_substring(pa.array(chosen, pa.string()), "(", "（"), ")", "）")
    return simplified_many(texts.to_pylist())


def display_names(names: list[str]) -> list[str]:
    """to_simplified(clean_name(name)) for each name: how a new unit is shown."""
    simple = _simple_mask(names)
    converted = iter(_simple_forms(names, simple, keys=False))
    return [
        next(converted) if s else to_simplified(clean_name(n)) for n, s in zip(names, simple, strict=True)
    ]


# name -> key, filled by name_keys and remember_keys(): a sheet's names are keyed once per process
_KEYS: dict[str, str] = {}
_KEYS_LIMIT = 2_000_000


def remember_keys(names: list[str], keys: list[str]) -> None:
    """Keys already computed for these names (the parser's, from their Simplified forms)."""
    if len(_KEYS) > _KEYS_LIMIT:
        _KEYS.clear()
    _KEYS.update(zip(names, keys, strict=True))


def name_keys(names: list[str]) -> list[str]:
    """etl.core.names.name_key of each name."""
    known = list(map(_KEYS.get, names))
    if None not in known:
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
    simple = _simple_mask(names)
    converted = iter(_simple_forms(names, simple, keys=True))
    return [next(converted) if s else name_key(n) for n, s in zip(names, simple, strict=True)]
