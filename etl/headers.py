"""Header text -> canonical field, through the alias table of the dictionary
plus the user's own alias file (CSV: kind,field,alias) — extendable without code."""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from etl import settings
from etl.dictionary import INDICATORS, KINDS, Indicator
from etl.names import to_simplified

# Units written into headers: 实缴会费（万元）, 金额(元), 人数（人）
_UNIT_IN_HEADER = re.compile(r"[(（\[【]\s*(万元|千元|元|人|人次|家|个|户|次|%|％|单位[:：]?\s*\S*)\s*[)）\]】]")
_NOISE = re.compile(r"[\s*＊:：_\-—/\\·.、]+")
_SCALES = (("万元", 10_000), ("千元", 1_000))


def header_key(text: object) -> str:
    folded = unicodedata.normalize("NFKC", str(text))
    folded = to_simplified(folded)
    folded = _UNIT_IN_HEADER.sub("", folded)
    folded = folded.replace("(", "").replace(")", "")
    return _NOISE.sub("", folded).lower()


def header_scale(text: object) -> int:
    """10,000 for a header in 万元, 1,000 for 千元, else 1."""
    folded = to_simplified(unicodedata.normalize("NFKC", str(text)))
    for word, scale in _SCALES:
        if word in folded:
            return scale
    return 1


def _user_aliases(path: Path) -> list[tuple[str, str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(r["kind"].strip(), r["field"].strip(), r["alias"].strip())
                for r in csv.DictReader(handle) if r.get("alias")]


@lru_cache(maxsize=8)
def alias_index(aliases_file: str = "") -> dict[str, dict[str, str]]:
    """kind id -> {header key -> field id}."""
    index: dict[str, dict[str, str]] = {}
    for kind in KINDS.values():
        keys: dict[str, str] = {}
        for f in kind.fields:
            for name in (f.zh, f.en, f.id, *f.aliases):
                keys.setdefault(header_key(name), f.id)
        index[kind.id] = keys
    for kind_id, field_id, alias in _user_aliases(Path(aliases_file or settings.aliases_path())):
        if kind_id in index and any(f.id == field_id for f in KINDS[kind_id].fields):
            index[kind_id][header_key(alias)] = field_id  # the user's word wins
    return index


def current_alias_index() -> dict[str, dict[str, str]]:
    return alias_index(str(settings.aliases_path()))


@lru_cache(maxsize=1)
def _indicator_keys() -> dict[str, Indicator]:
    keys: dict[str, Indicator] = {}
    for ind in INDICATORS:
        for name in (ind.id, ind.zh, ind.en, *ind.aliases):
            keys[header_key(name)] = ind
    return keys


def find_indicator(text: object) -> Indicator | None:
    return _indicator_keys().get(header_key(text))
