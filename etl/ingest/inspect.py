"""spreadsheet -> read -> normalise -> validate: a FileReport per file, nothing written.

The upload page and `python -m etl inspect` show exactly what will be read; etl.store.pipeline
writes the reports (all files of a batch or none). Untrusted files are parsed in the sandbox's
child process, which imports this module and never DuckDB.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from etl.core.problems import LoadRejected, Problem
from etl.ingest import guard, sandbox
from etl.ingest.normalise import Hints, ParsedSheet, parse_sheet
from etl.ingest.read import read_bytes
from etl.ingest.validate import cross_sheet_duplicates, validate_sheet

NO_HINTS = Hints()  # let the file tell kind and period
_INSTRUCTIONS = re.compile(
    r"说明|须知|注意事项|填表要求|填报要求|指标解释|readme|instructions?", re.IGNORECASE
)


@dataclass
class FileReport:
    file_name: str
    sha256: str
    sheets: list[ParsedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # file-level, beyond the sheets'

    @property
    def all_problems(self) -> list[Problem]:
        return [*self.problems, *(p for s in self.sheets for p in s.problems.items)]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.all_problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.all_problems if p.level == "warning"]

    @property
    def data_sheets(self) -> list[ParsedSheet]:
        return [s for s in self.sheets if s.kind is not None]

    @property
    def kinds(self) -> list[str]:
        return sorted({s.kind for s in self.data_sheets if s.kind})

    @property
    def periods(self) -> list[tuple[int, int]]:
        return sorted({p for s in self.data_sheets for p in s.periods})


def inspect_bytes(
    data: bytes, file_name: str, hints: Hints = NO_HINTS, *, owner: str = "", progress=None
) -> FileReport:
    return inspect_many([(data, file_name)], hints, owner=owner, progress=progress)[0]


def inspect_many(
    files: list[tuple[bytes, str]],
    hints: Hints = NO_HINTS,
    *,
    owner: str = "",
    progress: Callable[[sandbox.Progress], None] | None = None,
) -> list[FileReport]:
    """Cheap guard checks here, then row counting and parsing — in the bounded parse pool's
    child processes when the sandbox is on (see etl.ingest.sandbox: `owner` is whose files these are,
    `progress` hears the place in line)."""
    reports: dict[int, FileReport] = {}
    jobs = []
    for index, (data, name) in enumerate(files):
        unsafe = guard.check_bytes(data, name)
        if unsafe:
            reports[index] = FileReport(name, hashlib.sha256(data).hexdigest(), problems=unsafe)
        else:
            jobs.append((index, data, name))
    if sandbox.enabled():
        parsed = sandbox.run_each(
            _guarded_job,
            [(d, n, hints) for _, d, n in jobs],
            _failed_job,
            owner=owner,
            names=[n for _, _, n in jobs],
            keys=[f"{hashlib.sha256(d).hexdigest()}|{n}|{hints}" for _, d, n in jobs],
            progress=progress,
        )
    else:
        parsed = [_too_many_rows(d, n) or _inspect_trusted(d, n, hints) for _, d, n in jobs]
    reports.update({index: report for (index, _, _), report in zip(jobs, parsed, strict=True)})
    return [reports[i] for i in range(len(files))]


def _too_many_rows(data: bytes, file_name: str) -> FileReport | None:
    """The rows counted as the parser will see them, before it runs: a report when over the limit."""
    refused = guard.check_rows(data, file_name)
    return FileReport(file_name, hashlib.sha256(data).hexdigest(), problems=refused) if refused else None


def _guarded_job(data: bytes, file_name: str, hints: Hints) -> FileReport:
    """The sandboxed job: count the rows, then parse."""
    return _too_many_rows(data, file_name) or _inspect_job(data, file_name, hints)


def _inspect_job(data: bytes, file_name: str, hints: Hints) -> FileReport:
    try:
        return _inspect_trusted(data, file_name, hints)
    except Exception as exc:
        return _failed_job((data, file_name, hints), f"读取时出错（{type(exc).__name__}）")


def _failed_job(job: tuple, reason: str) -> FileReport:
    data, file_name = job[0], job[1]
    return FileReport(
        file_name,
        hashlib.sha256(data).hexdigest(),
        problems=[
            Problem("error", f"{reason}，文件可能过大、已损坏或不是正常的报表，已拒绝", file=file_name)
        ],
    )


def _inspect_trusted(data: bytes, file_name: str, hints: Hints) -> FileReport:
    report = FileReport(file_name, hashlib.sha256(data).hexdigest())
    try:
        raw_sheets = read_bytes(data, file_name)
    except LoadRejected as rejected:
        report.problems.extend(rejected.problems)
        return report
    parsed = [
        parse_sheet(raw, file_name, hints)
        for raw in raw_sheets
        if any(str(c).strip() for row in raw.rows for c in row)
    ]
    for sheet in parsed:
        validate_sheet(sheet)
    recognised = [s for s in parsed if s.kind]
    if recognised:
        for sheet in parsed:
            _pass_over_tableless(sheet, file_name)
    report.sheets = parsed
    for sheet, message in cross_sheet_duplicates(recognised):
        report.problems.append(Problem("error", message, file=file_name, sheet=sheet.sheet))
    return report


def is_instructions_sheet(name: str) -> bool:
    """填写说明, 填表说明, 说明, 注意事项 …: a sheet of instructions (every template has one)."""
    return bool(_INSTRUCTIONS.search(name.strip()))


def _pass_over_tableless(sheet: ParsedSheet, file_name: str) -> None:
    """A sheet with no table of any kind, next to a data sheet, is passed over: silently when it
    is an instructions sheet (the templates' own 填写说明), with a warning otherwise (汇总, 封面,
    an extra sheet), so that nobody wonders where its rows went."""
    errors = sheet.problems.errors
    if sheet.kind is not None or not errors or not all("未找到表头" in p.message for p in errors):
        return
    if is_instructions_sheet(sheet.sheet):
        sheet.problems.items = []
        return
    sheet.problems.items = [
        Problem(
            "warning",
            f"工作表「{sheet.sheet}」中没有找到任何一类报表的表头（如「单位名称」「会员人数」），"
            "未导入其中的内容；如果它是数据表，请把表头改成模板中的列名后重新上传",
            file=file_name,
            sheet=sheet.sheet,
        )
    ]


def inspect_path(path: Path, hints: Hints = NO_HINTS) -> FileReport:
    return inspect_bytes(Path(path).read_bytes(), Path(path).name, hints)


def inspect_paths(paths: list[Path], hints: Hints = NO_HINTS) -> list[FileReport]:
    return inspect_many([(Path(p).read_bytes(), Path(p).name) for p in paths], hints)
