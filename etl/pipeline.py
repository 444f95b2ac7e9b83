"""spreadsheet -> read -> normalise -> validate -> load (one transaction).

`inspect_*` does everything but writing, so the upload page can show exactly what
will be read; `load_*` writes all files of a batch or none of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from etl import faults, settings, store
from etl.load import LoadSummary, write_sheets
from etl.normalise import Hints, ParsedSheet, parse_sheet
from etl.problems import LoadRejected, Problem
from etl.read import read_bytes
from etl.validate import cross_sheet_duplicates, validate_sheet


@dataclass
class FileReport:
    file_name: str
    sha256: str
    sheets: list[ParsedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)   # file-level, beyond the sheets'

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


def inspect_bytes(data: bytes, file_name: str, hints: Hints = Hints()) -> FileReport:
    report = FileReport(file_name, hashlib.sha256(data).hexdigest())
    try:
        raw_sheets = read_bytes(data, file_name)
    except LoadRejected as rejected:
        report.problems.extend(rejected.problems)
        return report
    parsed = [parse_sheet(raw, file_name, hints) for raw in raw_sheets
              if any(str(c).strip() for row in raw.rows for c in row)]
    for sheet in parsed:
        validate_sheet(sheet)
    recognised = [s for s in parsed if s.kind]
    if recognised:
        # extra sheets (填写说明, 汇总) that hold no table of any kind are passed over, visibly
        for sheet in parsed:
            if sheet.kind is None and all("未找到表头" in p.message for p in sheet.problems.errors):
                sheet.problems.items = [Problem("warning", "未识别为数据表，已跳过此工作表",
                                                file=file_name, sheet=sheet.sheet)]
    report.sheets = parsed
    for sheet, message in cross_sheet_duplicates(recognised):
        report.problems.append(Problem("error", message, file=file_name, sheet=sheet.sheet))
    return report


def inspect_path(path: Path, hints: Hints = Hints()) -> FileReport:
    return inspect_bytes(Path(path).read_bytes(), Path(path).name, hints)


def load_reports(reports: list[FileReport], *, db: Path | str | None = None,
                 user: str | None = None) -> list[LoadSummary]:
    """Write every report in one transaction, or raise LoadRejected and write nothing."""
    errors = [p for r in reports for p in r.errors]
    if errors:
        raise LoadRejected(errors)
    empty = [r.file_name for r in reports if not r.data_sheets]
    if empty:
        raise LoadRejected([Problem("error", "文件中没有可识别的数据表", file=name) for name in empty])
    user = user or settings.current_user()
    with store.writer(db) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            summaries = [write_sheets(con, r.data_sheets, file_name=r.file_name, sha256=r.sha256,
                                      user=user, warnings=len(r.warnings)) for r in reports]
            faults.point("before_commit")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("CHECKPOINT")
    return summaries


def load_paths(paths: list[Path], *, db: Path | str | None = None, kind: str | None = None,
               year: int | None = None, quarter: int | None = None,
               user: str | None = None) -> list[LoadSummary]:
    hints = Hints(kind, year, quarter)
    reports = [inspect_path(Path(p), hints) for p in paths]
    return load_reports(reports, db=db, user=user)
