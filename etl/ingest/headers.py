"""Header text -> canonical field, through the alias table of the dictionary
plus the user's own alias file (CSV: kind,field,alias) — extendable without code."""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from etl.core import settings
from etl.core.dictionary import INDICATORS, KINDS, Indicator
from etl.core.names import to_simplified
from etl.core.values import fold

# Units written into headers: 实缴会费（万元）, 金额(元), 人数（人）, 经费/元, 金额（单位：元）
_UNITS = r"(?:万元|千元|元|万|人次|人|家|个|户|次|项|场|%|单位[:：]?\s*[^)）\]】]*)"
_UNIT_IN_HEADER = re.compile(r"[(\[【]\s*" + _UNITS + r"\s*[)\]】]|[/／]\s*" + _UNITS + r"\s*$")
# 其中：女职工 — the sub-column of a breakdown is named by what follows 其中
_BREAKDOWN = re.compile(r"^\s*(其中|内含|含)\s*[:：]?\s*(?=\S)")
_NOISE = re.compile(r"[\s*:_\-—/\\·.、]+")
_SCALES = ((re.compile(r"万元|[(\[【/]\s*万\s*[)\]】]?\s*$"), 10_000), (re.compile(r"千元"), 1_000))


def _fold(text: object) -> str:
    return to_simplified(fold(str(text)))


def header_key(text: object) -> str:
    return _header_key(str(text))


@lru_cache(maxsize=65536)
def _header_key(text: str) -> str:
    folded = _UNIT_IN_HEADER.sub("", _fold(text))
    folded = _BREAKDOWN.sub("", folded)
    folded = folded.replace("(", "").replace(")", "")
    return _NOISE.sub("", folded).lower()


_BRACKETED = re.compile(r"[(\[【][^)\]】]*[)\]】]")


def loose_header_key(text: object) -> str:
    """The key without any bracketed note: 单位名称（盖章）, 活动名称（主题）, 金额（含税） —
    tried when the full header matches no alias."""
    return header_key(_BRACKETED.sub("", _fold(text)))


def header_scale(text: object) -> int:
    """10,000 for a header in 万元, 1,000 for 千元, else 1."""
    folded = _fold(text)
    for pattern, scale in _SCALES:
        if pattern.search(folded):
            return scale
    return 1


def table_scale(text: object) -> int | None:
    """The scale a line above the table sets for its money: 「金额单位：万元」 -> 10,000;
    「单位：元」 -> 1; None when the text says nothing about money units."""
    match = _TABLE_UNIT.search(_fold(text))
    if not match:
        return None
    return {"万元": 10_000, "千元": 1_000}.get(match["unit"], 1)


_TABLE_UNIT = re.compile(r"(?:金额|货币|计量)?单位\s*[:：]\s*(?:人民币)?\s*(?P<unit>万元|千元|元)")


def _user_aliases(path: Path) -> list[tuple[str, str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            (r["kind"].strip(), r["field"].strip(), r["alias"].strip())
            for r in csv.DictReader(handle)
            if r.get("alias")
        ]


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
