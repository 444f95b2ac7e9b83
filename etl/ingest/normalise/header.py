"""Header detection: one header row or two (group labels above sub-labels, units below), columns
mapped to the fields of each kind, the best candidate first; 「金额单位：万元」 above the table."""

from __future__ import annotations

import re
from dataclasses import dataclass

from etl.core.dictionary import KINDS, Kind
from etl.ingest.headers import header_key, header_scale, loose_header_key, table_scale
from etl.ingest.normalise.cells import _TOTAL_ROW, HEADER_SCAN_ROWS, _folded, _is_value, _text
from etl.ingest.normalise.model import ColumnMap
from etl.ingest.read import RawSheet

_GROUP_SUFFIX = re.compile(r"(基本情况|情况|状况|统计|信息)$")


# sub-labels that add nothing to the group label above them
_GENERIC_SUB = re.compile(r"^(合计|小计|总计|计|总数|总量|数量|数|实数|本期|本季度|本季)$")


def _fill_merged(sheet: RawSheet) -> list[list[object]]:
    """Copy a merged range's value into every cell it covers (header rows only matter)."""
    rows = [list(r) for r in sheet.rows[: HEADER_SCAN_ROWS + 2]]
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, min(c1, len(rows[r]) - 1) + 1):
                if not _text(rows[r][c]):
                    rows[r][c] = value
    return rows


def _match(label: str, keys: dict[str, str]) -> str | None:
    if not label:
        return None
    return keys.get(header_key(label)) or keys.get(loose_header_key(label))


def _spread_groups(top: list[object], bottom: list[object]) -> list[str]:
    """A group label written once above the first of its sub-columns (no merge: CSV, or a
    hand-made table) also stands above the sub-columns to its right."""
    width = max(len(top), len(bottom))
    texts = [_text(top[c]) if c < len(top) else "" for c in range(width)]
    below = [_text(bottom[c]) if c < len(bottom) else "" for c in range(width)]
    for c in range(1, width):
        if not texts[c] and below[c] and below[c - 1] and texts[c - 1]:
            texts[c] = texts[c - 1]
    return texts


def _combined_labels(
    top: list[object], bottom: list[object], keys: dict[str, str]
) -> list[tuple[str, str | None]]:
    """Label and field per column for a two-row header: 职工情况 / 人数 -> 职工人数,
    会费（元）/ 应缴 -> 应缴会费, 会员 / 新发展 -> 新发展会员, 职工人数 / 其中：女 -> 女职工人数."""
    out: list[tuple[str, str | None]] = []
    tops = _spread_groups(top, bottom)
    for c, t in enumerate(tops):
        b = _text(bottom[c]) if c < len(bottom) else ""
        group = _GROUP_SUFFIX.sub("", header_key(t)) if t else ""
        if not b or t == b:
            candidates = [b or t]
        else:
            candidates = [t + b, group + b, b + t, b + group, b]
            if _GENERIC_SUB.match(header_key(b)):
                candidates.append(t)  # 职工人数 / 合计: the sub-column is the group itself
        chosen = next(((lab, f) for lab in candidates if (f := _match(lab, keys))), None)
        out.append(chosen or ((t + "/" + b).strip("/") if t != b else b, None))
    return out


def _map_columns(labels: list[tuple[str, str | None]], kind: Kind, header_text: list[str]) -> list[ColumnMap]:
    columns, seen = [], set()
    for index, (label, field_id) in enumerate(labels):
        if field_id in seen:
            field_id = None  # a second column for the same field is shown as unused
        if field_id:
            seen.add(field_id)
        scale = header_scale(header_text[index]) if field_id and kind.field(field_id).type == "money" else 1
        if label or field_id:
            columns.append(ColumnMap(index, label, field_id, scale))
    return columns


def _header_like(top: list[object], bottom: list[object]) -> bool:
    """The row below a header row is header too (sub-labels, or units like （人）/（万元））:
    it has text but no number or date, under a row of several different labels."""
    if len({_text(c) for c in top if _text(c)}) < 2 or any(_is_value(c) for c in top if _text(c)):
        return False  # a title merged across, or a data row: not a header
    cells = [c for c in bottom if _text(c)]
    return len(cells) >= 2 and not any(_is_value(c) or _TOTAL_ROW.match(_folded(c)) for c in cells)


@dataclass
class _HeaderChoice:
    rows: tuple[int, ...]  # 0-based
    kind: Kind
    columns: list[ColumnMap]
    score: int  # 1000 for a complete kind, + 10 per mapped field

    @property
    def order(self) -> tuple:
        # best first: complete, most fields, the earliest header (a header repeated for the
        # second printed page is not the header), then two rows over one
        return (-self.score, self.rows[0], -len(self.rows))


def _option(
    rows: tuple[int, ...], labels: list[tuple[str, str | None]], texts: list[str], kind: Kind
) -> _HeaderChoice:
    cols = _map_columns(labels, kind, texts)
    mapped = {c.field for c in cols if c.field}
    # a targets sheet may leave its year to the title or file name (2025年度目标.xlsx)
    required = [f for f in kind.required if not (kind.shape == "plan" and f == "year")]
    complete = all(f in mapped for f in required)
    return _HeaderChoice(rows, kind, cols, (1000 if complete else 0) + len(mapped) * 10)


def _candidates(grid: list[list[object]], index: dict[str, dict[str, str]]) -> list[_HeaderChoice]:
    """Every plausible header (one row, or two) of every kind, best first."""
    choices = []
    last = min(len(grid), HEADER_SCAN_ROWS)
    header_like = {r: r + 1 < len(grid) and _header_like(grid[r], grid[r + 1]) for r in range(last)}
    for kind_id, keys in index.items():
        kind = KINDS[kind_id]
        singles = [
            _option(
                (r,), [(_text(c), _match(_text(c), keys)) for c in grid[r]], [_text(c) for c in grid[r]], kind
            )
            for r in range(min(len(grid), last + 1))
        ]
        choices += [ch for ch in singles[:last] if ch.score >= 20]
        for r in range(min(last, len(grid) - 1)):
            top, below = grid[r], grid[r + 1]
            tops = _spread_groups(top, below)
            texts = [f"{t}{_text(below[c]) if c < len(below) else ''}" for c, t in enumerate(tops)]
            pair = _option((r, r + 1), _combined_labels(top, below, keys), texts, kind)
            # two rows only when the second adds to the first: more fields (職工情况 / 人数),
            # or sub-labels and units that are no header alone (（人）/（万元）)
            adds = pair.score > max(singles[r].score, singles[r + 1].score)
            subordinate = header_like[r] and singles[r + 1].score < 20 and pair.score >= singles[r].score
            if pair.score >= 20 and (adds or subordinate):
                choices.append(pair)
    return sorted(choices, key=lambda ch: ch.order)


def _apply_table_scale(
    grid: list[list[object]], header_start: int, columns: list[ColumnMap], kind: Kind
) -> None:
    """「金额单位：万元」 written above the table scales the money columns whose own header
    names no unit."""
    scale = None
    for row in grid[:header_start]:
        for cell in row:
            found = table_scale(_text(cell)) if _text(cell) else None
            scale = found if found is not None else scale
    if not scale or scale == 1:
        return
    for col in columns:
        if col.field and kind.field(col.field).type == "money" and col.scale == 1 and "元" not in col.header:
            col.scale = scale


def _found_row(grid: list[list[object]]) -> tuple[int, list[str]] | None:
    """The row of the first 30 with the most labels (text, not numbers): what the user's header is."""
    best = None
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        labels = [_text(c) for c in row if _text(c) and not _is_value(c)]
        labels = list(dict.fromkeys(labels))
        if len(labels) >= 2 and (best is None or len(labels) > len(best[1])):
            best = (r, labels)
    return best
