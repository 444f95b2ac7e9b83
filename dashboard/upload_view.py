"""What the 数据上传 and 年度目标 pages show about an uploaded file, as plain DataFrames and text.

Nothing here draws on the page: every function takes the language explicitly and returns
data, so the display logic is tested without a browser. The pages put the frames into
st.dataframe (which shows text literally) and pass any user text that goes into markdown
(file, sheet and unit names, cell values) through `md_escape`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from decimal import Decimal

import pandas as pd

from dashboard.markdown import md_escape  # noqa: F401  (used by the pages through this module)
from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID, KINDS
from etl.core.i18n import field_label, indicator_label, kind_label, t
from etl.core.names import name_key
from etl.core.problems import Problem, column_letter
from etl.ingest.inspect import FileReport, inspect_many
from etl.ingest.normalise import Hints, ParsedSheet
from etl.ingest.sandbox import Progress
from etl.store.load import LoadSummary

PREVIEW_ROWS = 50
logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- inspection


def inspect_safely(
    content: bytes, file_name: str, hints: Hints, lang: str, *, owner: str = "", progress=None
) -> FileReport:
    """etl.ingest.inspect.inspect_bytes; a bug while reading becomes the file's error, not a crashed page."""
    return inspect_all_safely([(content, file_name)], hints, lang, owner=owner, progress=progress)[0]


def inspect_all_safely(
    files: list[tuple[bytes, str]],
    hints: Hints,
    lang: str,
    *,
    owner: str = "",
    progress: Callable[[Progress], None] | None = None,
) -> list[FileReport]:
    """etl.ingest.inspect.inspect_many for a batch: all files join the parse queue at once (as `owner`)."""
    try:
        return inspect_many(files, hints, owner=owner, progress=progress)
    except Exception as exc:
        logger.exception("inspecting %r failed", [name for _, name in files])
        reports = []
        for content, file_name in files:
            report = FileReport(file_name, hashlib.sha256(content).hexdigest())
            report.problems.append(
                Problem("error", t("upload.internal_error", lang, error=type(exc).__name__), file=file_name)
            )
            reports.append(report)
        return reports


def queue_text(progress: Progress, lang: str) -> str:
    """排队中：前面还有 N 个文件 while waiting; the file being read once it is its turn."""
    if progress.parsing is not None:
        return t("upload.queue_parsing", lang, file=progress.parsing)
    return t("upload.queue_waiting", lang, n=progress.ahead)


def hints_key(sha256: str, hints: Hints) -> str:
    """The key a FileReport is cached under: the same bytes with the same hints parse the same."""
    return f"{sha256}|{hints.kind or ''}|{hints.year or ''}|{hints.quarter or ''}"


# ---------------------------------------------------------------- periods and names


def period_text(periods: Iterable[tuple[int, int]], lang: str) -> str:
    """[(2025, 2), (2025, 3)] -> '2025年第二季度、2025年第三季度'; quarter 0 means the whole year."""
    labels = [fmt.period_label(y, q or None, lang) for y, q in sorted(set(periods))]
    return ("、" if lang != "en" else ", ").join(labels) or fmt.DASH


def sheet_periods(sheet: ParsedSheet) -> list[tuple[int, int]]:
    """The periods a sheet covers; a targets sheet covers whole years (quarter 0)."""
    if sheet.kind == "targets":
        years = pd.to_numeric(sheet.frame.get("year", pd.Series(dtype=float)), errors="coerce").dropna()
        return [(int(y), 0) for y in sorted(set(years))]
    return sheet.periods


def log_period_text(periods: object, lang: str) -> str:
    """The load log's '2025Q3,2025Q4' or '2025' -> '2025年第三季度、2025年第四季度'."""
    if not isinstance(periods, str) or not periods.strip():
        return fmt.DASH
    parsed = []
    for part in periods.split(","):
        match = re.fullmatch(r"\s*(\d{4})(?:Q([1-4]))?\s*", part)
        if not match:
            return periods
        parsed.append((int(match[1]), int(match[2] or 0)))
    return period_text(parsed, lang)


def kinds_text(kinds: object, lang: str) -> str:
    """'membership,dues' -> '会员发展、会费收缴'."""
    if not isinstance(kinds, str) or not kinds:
        return fmt.DASH
    labels = [kind_label(k, lang) if k in KINDS else k for k in kinds.split(",")]
    return ("、" if lang != "en" else ", ").join(labels)


def header_rows_text(sheet: ParsedSheet, lang: str) -> str:
    rows = (
        "、".join(str(r) for r in sheet.header_rows)
        if lang != "en"
        else ", ".join(str(r) for r in sheet.header_rows)
    )
    return t("upload.header_rows_value", lang, rows=rows) if rows else fmt.DASH


# ---------------------------------------------------------------- per-sheet tables


def mapping_frame(sheet: ParsedSheet, lang: str) -> pd.DataFrame:
    """列 / 原表头 / 对应字段 / 换算: one row per non-empty header cell; unmapped ones are 未使用."""
    rows = []
    for col in sheet.columns:
        if col.field and sheet.kind:
            target = field_label(sheet.kind, col.field, lang)
        else:
            target = t("upload.unused", lang)
        rows.append(
            {
                t("upload.column_letter", lang): column_letter(col.index),
                t("upload.source_column", lang): col.header,
                t("upload.target_field", lang): target,
                t("upload.scale", lang): col.note,
            }
        )
    columns = [
        t(k, lang)
        for k in ("upload.column_letter", "upload.source_column", "upload.target_field", "upload.scale")
    ]
    return pd.DataFrame(rows, columns=columns)


def _names(series: pd.Series) -> list[str]:
    seen: dict[str, str] = {}
    for value in series.dropna():
        if isinstance(value, str) and value.strip():
            seen.setdefault(name_key(value), value)
    return list(seen.values())


def unit_match(sheet: ParsedSheet, known_keys: set[str]) -> tuple[list[str], list[str], list[str]]:
    """(matched unit names, new unit names, new parent names) by name key, as the loader will resolve them."""
    frame = sheet.frame
    units = _names(frame["unit"]) if "unit" in frame else []
    matched = [u for u in units if name_key(u) in known_keys]
    new = [u for u in units if name_key(u) not in known_keys]
    parents = _names(frame["parent"]) if "parent" in frame else []
    unit_keys = {name_key(u) for u in units}
    new_parents = [p for p in parents if name_key(p) not in known_keys and name_key(p) not in unit_keys]
    return matched, new, new_parents


def new_units_frame(new: list[str], new_parents: list[str], lang: str) -> pd.DataFrame:
    role = t("upload.role", lang)
    name = t("col.unit", lang)
    rows = [{name: u, role: t("upload.role_unit", lang)} for u in new]
    rows += [{name: p, role: t("upload.role_parent", lang)} for p in new_parents]
    return pd.DataFrame(rows, columns=[name, role])


def _as_float(value: object) -> float | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, Decimal | int | float):
        return float(value)
    return fmt.to_number(value)


def sheet_totals(sheet: ParsedSheet) -> dict[str, float]:
    """field id -> sum over the sheet's rows, for every mapped numeric field (not for targets)."""
    if not sheet.kind or sheet.kind == "targets" or sheet.frame.empty:
        return {}
    kind = KINDS[sheet.kind]
    mapped = {c.field for c in sheet.columns if c.field}
    totals = {}
    for f in kind.fields:
        if f.id in mapped and f.type in ("int", "money", "number") and f.id not in ("year",):
            values = [v for v in (_as_float(x) for x in sheet.frame[f.id]) if v is not None]
            totals[f.id] = float(sum(values))
    return totals


def totals_frame(sheet: ParsedSheet, lang: str) -> pd.DataFrame:
    """字段 / 合计, formatted: counts as integers, money in yuan with fen."""
    kind = KINDS[sheet.kind] if sheet.kind else None
    rows = []
    for field_id, total in sheet_totals(sheet).items():
        assert kind is not None
        if kind.field(field_id).type == "money":
            value = t("upload.total_money", lang, amount=fmt.fmt_number(total, 2))
        elif kind.field(field_id).type == "int":
            value = fmt.fmt_count(total)
        else:
            value = fmt.fmt_number(total, 2)
        rows.append(
            {t("col.field", lang): field_label(kind.id, field_id, lang), t("upload.total", lang): value}
        )
    return pd.DataFrame(rows, columns=[t("col.field", lang), t("upload.total", lang)])


def _target_text(indicator: object, value: object, lang: str) -> str:
    ind = INDICATOR_BY_ID.get(str(indicator))
    if ind is None:
        return fmt.fmt_number(value, 2)
    return fmt.fmt_value(ind, value, lang)


def preview_frame(sheet: ParsedSheet, lang: str, limit: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The canonical rows as read (first `limit`), with the spreadsheet row number and Chinese headers."""
    frame = sheet.frame.head(limit).copy()
    if not sheet.kind or frame.empty:
        return pd.DataFrame()
    kind = KINDS[sheet.kind]
    mapped = {c.field for c in sheet.columns if c.field}
    out = pd.DataFrame({t("col.row", lang): frame["_row"].astype("Int64")})
    for f in kind.fields:
        if f.id not in frame:
            continue
        if f.id not in mapped and f.id not in ("year", "quarter", "indicator", "target", "unit"):
            continue
        column = frame[f.id]
        if sheet.kind == "targets" and f.id == "indicator":
            column = column.map(lambda i: indicator_label(i, lang) if i in INDICATOR_BY_ID else i)
        elif sheet.kind == "targets" and f.id in ("target", "q1", "q2", "q3", "q4"):
            column = pd.Series(
                [
                    _target_text(i, v, lang) if _as_float(v) is not None else ""
                    for i, v in zip(frame["indicator"], column, strict=True)
                ],
                index=frame.index,
            )
        elif sheet.kind == "targets" and f.id == "unit":
            column = column.map(lambda u: u if isinstance(u, str) and u else t("targets.org_wide", lang))
        elif f.type == "money":
            column = column.map(_as_float).astype("Float64")
        elif f.type in ("int", "number") or f.id in ("year", "quarter"):
            column = pd.to_numeric(column, errors="coerce")
            if f.type == "int" or f.id in ("year", "quarter"):
                column = column.astype("Int64")
        elif f.type == "date":
            column = pd.to_datetime(column, errors="coerce").dt.date
        else:
            column = column.map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v))
        out[field_label(kind.id, f.id, lang)] = column.to_numpy()
    return out.reset_index(drop=True)


def skipped_frame(sheet: ParsedSheet, lang: str) -> pd.DataFrame:
    columns = [t("col.row", lang), t("upload.reason", lang)]
    return pd.DataFrame([dict(zip(columns, item, strict=True)) for item in sheet.skipped], columns=columns)


def problems_frame(problems: list[Problem], lang: str) -> pd.DataFrame:
    """行号 / 列 / 说明, one row per problem in the order found, for a list under its sheet.

    说明 is the whole sentence (row, column, header and value included), so it reads on its
    own; 行号 and 列 are there to scan by. A column that is empty for every problem is left
    out, and a dash stands where a value does not apply: no blank or None cells.
    """
    row, column, message = t("col.row", lang), t("upload.column_letter", lang), t("col.message", lang)
    frame = pd.DataFrame(
        {
            row: [fmt.DASH if p.row is None else str(p.row) for p in problems],
            column: [fmt.DASH if p.column is None else column_letter(p.column) for p in problems],
            message: [p.sentence() for p in problems],
        },
        columns=[row, column, message],
    )
    keep = [c for c in frame.columns if c == message or (frame[c] != fmt.DASH).any()]
    return frame[keep]


def sheet_problems(report: FileReport, sheet: ParsedSheet) -> list[Problem]:
    """The problems that belong under a sheet: its own, and the file's that name it."""
    return [*sheet.problems.items, *(p for p in report.problems if p.sheet and p.sheet == sheet.sheet)]


def file_problems(report: FileReport) -> list[Problem]:
    """The problems of the file as a whole (unreadable, too large, no data sheet …)."""
    names = {s.sheet for s in report.sheets}
    return [p for p in report.problems if not (p.sheet and p.sheet in names)]


def problem_group_title(level: str, n: int, lang: str, *, sheet: str = "", file: str = "") -> str:
    """工作表「会员发展」中有 2 处错误 / 文件「x.xlsx」有 1 处错误 (plain text: escape for markdown)."""
    plural = "errors" if level == "error" else "warnings"
    if sheet:
        return t(f"upload.group_{plural}", lang, sheet=sheet, n=n)
    return t(f"upload.file_{plural}", lang, file=file, n=n)


# ---------------------------------------------------------------- files and batches


def sheet_kind_text(sheet: ParsedSheet, lang: str) -> str:
    """识别为“会员发展”表; for a sheet that is not loaded, why: instructions (no problems at all,
    see etl.ingest.inspect), passed over (only warnings), or not recognised (errors)."""
    if sheet.kind:
        return t("upload.sheet_kind", lang, kind=kind_label(sheet.kind, lang))
    if not sheet.problems.items:
        return t("upload.sheet_instructions", lang, sheet=sheet.sheet)
    if not sheet.problems.errors:
        return t("upload.sheet_not_imported", lang, sheet=sheet.sheet)
    return t("upload.sheet_unrecognised", lang, sheet=sheet.sheet)


def report_ok(report: FileReport) -> bool:
    """A file can be loaded: no errors and at least one recognised data sheet."""
    return not report.errors and bool(report.data_sheets)


def can_confirm(reports: list[FileReport]) -> bool:
    return bool(reports) and all(report_ok(r) for r in reports)


def loaded_before_text(earlier: pd.DataFrame, lang: str) -> str | None:
    """The info line for a file whose exact bytes were loaded before (queries.sha_loaded), else None."""
    if earlier is None or earlier.empty:
        return None
    last = earlier.iloc[-1]
    when = last["loaded_at"]
    when_text = when.strftime("%Y-%m-%d %H:%M") if isinstance(when, dt.datetime | pd.Timestamp) else str(when)
    return t(
        "upload.loaded_before", lang, time=when_text, load_id=int(last["load_id"]), name=last["file_name"]
    )


def summary_lines(summaries: list[LoadSummary], lang: str) -> list[str]:
    """One line per loaded file: rows, units, periods and the units created (plain text, not markdown)."""
    lines = []
    for s in summaries:
        new = ""
        if s.new_units:
            sep = "、" if lang != "en" else ", "
            new = t("upload.done_new_units", lang, n=len(s.new_units), names=sep.join(s.new_units))
        lines.append(
            t(
                "upload.done_file",
                lang,
                file=s.file_name,
                rows=s.rows,
                units=s.units,
                periods=period_text(s.periods, lang),
                new=new,
            )
        )
    return lines


def _count_text(value: object) -> str:
    number = fmt.to_number(value)
    return fmt.DASH if number is None else fmt.fmt_count(number)


def _plain(value: object) -> str:
    """A text cell of the load log; a missing one is a dash, never None/nan."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return fmt.DASH
    return str(value) or fmt.DASH


def history_count_columns(lang: str) -> list[str]:
    """The history's count columns (text, so that an undo entry can show a dash): right-aligned."""
    return [t("col.rows", lang), t("upload.col_units", lang), t("upload.col_warnings", lang)]


def history_frame(log: pd.DataFrame, lang: str) -> pd.DataFrame:
    """queries.load_log -> the 导入记录 table with readable headers, kinds and periods.

    Every cell is text or a whole number: an undo entry has no row, unit or warning counts
    and no file hash, and shows a dash there instead of None."""

    def column(name: str, default: object = None) -> pd.Series:
        return log[name] if name in log else pd.Series(default, index=log.index, dtype=object)

    status = column("status", "loaded").map(lambda v: "loaded" if _plain(v) == fmt.DASH else v)
    is_undo = status == "undo"
    counts = {
        name: [fmt.DASH if undo else _count_text(v) for v, undo in zip(column(name), is_undo, strict=True)]
        for name in ("rows_loaded", "units", "warnings")
    }
    loaded_at = pd.to_datetime(column("loaded_at"), errors="coerce")
    out = pd.DataFrame(
        {
            t("upload.col_load_id", lang): log["load_id"].astype("Int64"),
            t("col.loaded_at", lang): [
                fmt.DASH if pd.isna(v) else v.strftime("%Y-%m-%d %H:%M") for v in loaded_at
            ],
            t("col.user", lang): column("user_name").map(_plain),
            t("col.file", lang): column("file_name").map(_plain),
            t("col.kind", lang): column("kind").map(lambda k: kinds_text(k, lang)),
            t("col.period", lang): column("periods").map(lambda p: log_period_text(p, lang)),
            t("col.rows", lang): counts["rows_loaded"],
            t("upload.col_units", lang): counts["units"],
            t("upload.col_warnings", lang): counts["warnings"],
            t("upload.col_status", lang): status.map(lambda v: t(f"upload.status_{v}", lang)),
            "SHA-256": column("sha256").map(lambda v: _plain(v)[:12]),
        }
    )
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- undo


def _units_text(names: list[object], lang: str) -> str:
    sep = "、" if lang != "en" else ", "
    shown = [t("upload.undo_org_wide", lang) if n is None else str(n) for n in names]
    if len(shown) <= 3:
        return sep.join(shown)
    return t("upload.undo_units_more", lang, names=sep.join(shown[:3]), n=len(shown))


def _effect_text(part: pd.DataFrame, lang: str) -> str:
    """会员发展：滨江市第一中学、滨江市财政局，2025年第四季度；会费收缴：…"""
    colon, comma, sep = ("：", "，", "；") if lang != "en" else (": ", ", ", "; ")
    return sep.join(
        f"{kind_label(kind, lang)}{colon}{_units_text(list(units), lang)}{comma}{period_text(periods, lang)}"
        for kind, units, periods in zip(part["kind"], part["units"], part["periods"], strict=True)
    )


def undo_plan_text(load_id: int, file_name: str, effect: pd.DataFrame, lang: str) -> str:
    """What confirming an undo will do, from etl.store.history.undo_effect (plain text)."""
    deleted = effect[effect["action"] == "delete"]
    restored = effect[effect["action"] == "restore"]
    rows, restored_rows = int(deleted["rows"].sum()), int(restored["rows"].sum())
    names = {"load_id": load_id, "file": file_name, "rows": rows}
    if not rows and not restored_rows:
        return t("upload.undo_plan_empty", lang, load_id=load_id, file=file_name)
    if not restored_rows:
        return t("upload.undo_plan_nothing_replaced", lang, written=_effect_text(deleted, lang), **names)
    return t(
        "upload.undo_plan",
        lang,
        written=_effect_text(deleted, lang) or fmt.DASH,
        restored=_effect_text(restored, lang),
        restored_rows=restored_rows,
        **names,
    )


def undo_done_text(load_id: int, file_name: str, effect: pd.DataFrame, lang: str) -> str:
    rows = int(effect.loc[effect["action"] == "delete", "rows"].sum())
    restored_rows = int(effect.loc[effect["action"] == "restore", "rows"].sum())
    if not restored_rows:
        return t("upload.undo_done_nothing_restored", lang, load_id=load_id, file=file_name, rows=rows)
    return t(
        "upload.undo_done_detail",
        lang,
        load_id=load_id,
        file=file_name,
        rows=rows,
        restored_rows=restored_rows,
    )


def changes_frame(changes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """etl.store.changes.preview -> the 变化预览 table (unchanged units left out)."""
    shown = changes[changes["status"] != "unchanged"]
    return pd.DataFrame(
        {
            t("col.kind", lang): shown["kind"].map(lambda k: kind_label(k, lang)),
            t("col.period", lang): [
                fmt.period_label(int(y), int(q), lang)
                for y, q in zip(shown["year"], shown["quarter"], strict=True)
            ],
            t("col.unit", lang): shown["unit"],
            t("col.status", lang): shown["status"].map(lambda v: t(f"upload.change_{v}", lang)),
            t("upload.change_detail", lang): shown["detail"],
        }
    ).reset_index(drop=True)
