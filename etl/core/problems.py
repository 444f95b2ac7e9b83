"""Problems found in a file: where (file, sheet, row, column), what was found, what was expected."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning"]
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Control characters as \\xNN, so a cell value cannot drive a terminal (ESC sequences)."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    level: Level
    message: str  # what is wrong and what was expected, in Chinese
    file: str = ""
    sheet: str = ""
    row: int | None = None  # 1-based, as the spreadsheet shows it
    column: int | None = None  # 0-based index
    header: str = ""
    value: object = None

    @property
    def where(self) -> str:
        """文件「a.xlsx」 工作表「会员发展」 第 6 行 C 列「会员人数」: all of the place that is known."""
        parts = []
        if self.file:
            parts.append(f"文件「{self.file}」")
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        local = self.where_in_sheet
        return " ".join([*parts, local] if local else parts)

    @property
    def where_in_sheet(self) -> str:
        """第 6 行 C 列「会员人数」: the place inside its sheet (what a list under the sheet shows)."""
        parts = []
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column is not None:
            parts.append(f"{column_letter(self.column)} 列" + (f"「{self.header}」" if self.header else ""))
        elif self.header:
            parts.append(f"列「{self.header}」")
        return " ".join(parts)

    def _sentence(self, where: str) -> str:
        message = self.message.rstrip("。；;，, ")
        # control characters shown as \xNN: a cell value cannot drive a terminal (ESC sequences)
        value = (
            "" if self.value is None or self.value == "" else f"，表中填的是「{visible(str(self.value))}」"
        )
        return f"{where}：{message}{value}。" if where else f"{message}{value}。"

    def sentence(self) -> str:
        """The message as one sentence naming the row, column and value, for a list that is
        already grouped under its file and sheet."""
        return self._sentence(self.where_in_sheet)

    def text(self) -> str:
        """The message as one sentence naming file, sheet, row, column and value."""
        return self._sentence(self.where)

    def __str__(self) -> str:
        return self.text()


@dataclass
class ProblemList:
    items: list[Problem] = field(default_factory=list)

    def error(self, message: str, **where: object) -> None:
        self.items.append(Problem("error", message, **where))  # type: ignore[arg-type]

    def warning(self, message: str, **where: object) -> None:
        self.items.append(Problem("warning", message, **where))  # type: ignore[arg-type]

    def extend(self, other: ProblemList) -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.level == "warning"]


class LoadRejected(Exception):
    """A file (or batch) was not loaded; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = [p.text() for p in problems if p.level == "error"] or [p.text() for p in problems]
        head = f"导入被拒绝：发现 {len(lines)} 个错误，数据库未做任何修改。"
        super().__init__("\n".join([head, *lines]))
