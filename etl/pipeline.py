"""spreadsheet -> read -> normalise -> validate -> load (one transaction).

`inspect_*` does everything but writing, so the upload page can show exactly what
will be read; `load_*` writes all files of a batch or none of them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from etl import guard, sandbox, settings
from etl.dictionary import KINDS
from etl.normalise import Hints, ParsedSheet, parse_sheet
from etl.problems import LoadRejected, Problem
from etl.read import read_bytes
from etl.validate import cross_sheet_duplicates, validate_sheet

if TYPE_CHECKING:
    from etl.load import LoadSummary
    from etl.permissions import Actor

# The writing side (etl.load, etl.store, etl.audit, etl.permissions: DuckDB) is imported by
# load_reports: the parsing child, which imports this module, never writes.

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
    child processes when the sandbox is on (see etl.sandbox: `owner` is whose files these are,
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


def load_reports(
    reports: list[FileReport],
    *,
    db: Path | str | None = None,
    user: str | None = None,
    actor: Actor | None = None,
) -> list[LoadSummary]:
    """Write every report in one transaction, or raise LoadRejected and write nothing.

    actor: who loads (default: the OS user, as the command line); an account may load only
    units of its subtree (etl.permissions.load_problems), checked under the writer lock.
    """
    from etl import audit, faults, permissions, store
    from etl.load import write_sheets

    errors = [p for r in reports for p in r.errors]
    if errors:
        raise LoadRejected(errors)
    empty = [r.file_name for r in reports if not r.data_sheets]
    if empty:
        raise LoadRejected([Problem("error", "文件中没有可识别的数据表", file=name) for name in empty])
    actor = actor or permissions.local_admin(user or settings.current_user())
    user = user or actor.name
    with store.writer(db) as con:
        # under the writer lock, so the unit tree checked is the one written to
        refused = permissions.load_problems(con, actor, reports)
        if refused:
            audit.record_alone(con, actor, "denied", target="import", detail=LoadRejected(refused))
            raise LoadRejected(refused)
        con.execute("BEGIN TRANSACTION")
        try:
            summaries = [
                write_sheets(
                    con,
                    r.data_sheets,
                    file_name=r.file_name,
                    sha256=r.sha256,
                    user=user,
                    warnings=len(r.warnings),
                )
                for r in reports
            ]
            _audit_loads(con, actor, summaries)
            faults.point("before_commit")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        store.checkpoint(con)
        store.data_changed(db)
    return summaries


def _audit_loads(con, actor: Actor, summaries: list[LoadSummary]) -> None:
    """One 操作日志 entry per loaded file, in the load's transaction; loads.account_id says whose."""
    from etl import audit

    shown = audit.MAX_TEXT // 2 + 1  # names enough to fill one clipped entry (a name and its 、: 2+)
    for s in summaries:
        con.execute("UPDATE loads SET account_id = ? WHERE load_id = ?", [actor.account_id, s.load_id])
        # sorted in SQL (byte order of UTF-8 is Python's order of str), and only as many names as
        # one entry can show: a load of 200,000 units does not sort them all in Python
        names = con.execute(
            "SELECT name FROM (SELECT u.name FROM coverage c JOIN units u USING (unit_id) "
            "WHERE c.load_id = $id UNION "
            "SELECT u.name FROM targets t JOIN units u USING (unit_id) WHERE t.load_id = $id) "
            f"WHERE name <> '' ORDER BY name LIMIT {shown}",
            {"id": s.load_id},
        ).fetchall()
        audit.record(
            con,
            actor,
            "import",
            target=f"#{s.load_id} {s.file_name}",
            units=audit.joined(n[0] for n in names),
            periods="、".join(f"{y}Q{q}" if q else str(y) for y, q in s.periods),
            detail=f"{'、'.join(KINDS[k].zh for k in s.kinds)}；{s.rows} 行",
        )


def load_paths(
    paths: list[Path],
    *,
    db: Path | str | None = None,
    kind: str | None = None,
    year: int | None = None,
    quarter: int | None = None,
    user: str | None = None,
    actor: Actor | None = None,
) -> list[LoadSummary]:
    reports = inspect_paths([Path(p) for p in paths], Hints(kind, year, quarter))
    return load_reports(reports, db=db, user=user, actor=actor)
