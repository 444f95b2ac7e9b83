"""Who may do what on which units.

The model is DHIS2's: an account is attached to a place in the unit tree (or to the whole
organisation) and may see and write that place and everything below it. Roles add what
kind of writes are allowed at all. Every write function in etl checks these rules itself,
inside its transaction, so hiding a button in the app is never the only guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from etl.core.names import name_key
from etl.core.problems import Problem
from etl.store import tree

if TYPE_CHECKING:  # the pipeline imports this module
    from etl.ingest.inspect import FileReport

ROLES = ("admin", "uploader", "viewer")
ROLE_ZH = {"admin": "管理员", "uploader": "填报员", "viewer": "查看"}

# what each role may do; "undo" for an uploader is limited to its own imports (check_undo)
ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"view", "upload", "undo", "targets", "units", "accounts", "audit"}),
    "uploader": frozenset({"view", "upload", "undo"}),
    "viewer": frozenset({"view"}),
}
ACTION_ZH = {
    "view": "查看数据",
    "upload": "导入数据",
    "undo": "撤销导入",
    "targets": "修改年度目标",
    "units": "管理单位名册",
    "accounts": "管理账号",
    "audit": "查看操作日志",
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: an account of the app, or the operating-system user.

    unit_id None = the whole organisation. account_id None = not an account: the command
    line (via "cli") or the single local user of an app without accounts (via "local").
    """

    name: str
    role: str
    unit_id: int | None = None
    account_id: int | None = None
    via: str = "app"

    @property
    def role_zh(self) -> str:
        return ROLE_ZH.get(self.role, self.role)


def local_admin(name: str, via: str = "cli") -> Actor:
    """The command line and the single local user act with admin rights under their own name."""
    return Actor(name=name, role="admin", unit_id=None, account_id=None, via=via)


class PermissionDenied(Exception):
    """The actor may not do this; the message says who, what and why, in Chinese. Nothing was written."""


def allowed(actor: Actor | None, action: str) -> bool:
    return actor is not None and action in ACTIONS.get(actor.role, frozenset())


def require(actor: Actor | None, action: str) -> Actor:
    if actor is None:
        raise PermissionDenied(f"未登录，不能{ACTION_ZH.get(action, action)}")
    if not allowed(actor, action):
        raise PermissionDenied(f"账号「{actor.name}」（{actor.role_zh}）无权{ACTION_ZH.get(action, action)}")
    return actor


# ---------------------------------------------------------------- the unit tree


def subtree(con: duckdb.DuckDBPyConnection, unit_id: int) -> set[int]:
    """unit_id and every unit below it: one lookup in the tree every write keeps (etl.store.derived)."""
    rows = con.execute(tree.SUBTREE, {"scope": unit_id}).fetchall()
    return {int(r[0]) for r in rows} | {int(unit_id)}


def visible_units(con: duckdb.DuckDBPyConnection, actor: Actor) -> set[int] | None:
    """The units the actor may see; None = all of them (the whole organisation)."""
    if actor.role == "admin" or actor.unit_id is None:
        return None
    return subtree(con, actor.unit_id)


def covers(con: duckdb.DuckDBPyConnection, actor: Actor | None, scope: int | None) -> bool:
    """May the actor read figures for this scope (None = the whole organisation)?"""
    if not allowed(actor, "view"):
        return False
    assert actor is not None
    visible = visible_units(con, actor)
    if visible is None:
        return True
    return scope is not None and scope in visible


def unit_label(con: duckdb.DuckDBPyConnection, unit_id: int | None) -> str:
    if unit_id is None:
        return "整个组织"
    rows = con.execute("SELECT name FROM units WHERE unit_id = ?", [unit_id]).fetchall()
    return rows[0][0] if rows else f"单位编号 {unit_id}"


def _scope_text(con: duckdb.DuckDBPyConnection, actor: Actor) -> str:
    return f"「{unit_label(con, actor.unit_id)}」及其下属单位"


# ---------------------------------------------------------------- loads


def _unit_keys(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    # the loader's own lookup (etl.store.load.UnitResolver): names and their aliases
    rows = con.execute(
        "SELECT name_key, unit_id FROM units UNION ALL SELECT alias_key, unit_id FROM unit_aliases"
    ).fetchall()
    return {k: int(i) for k, i in rows}


@dataclass
class _Seen:
    name: str
    sheet: str
    row: int | None
    parents: dict[str, str]  # parent key -> the parent name as written


def _units_in_file(report: FileReport) -> dict[str, _Seen]:
    seen: dict[str, _Seen] = {}
    for sheet in report.data_sheets:
        frame = sheet.frame
        if "unit" not in frame:
            continue
        parents = frame.get("parent")
        rows = frame.get("_row")
        for index, unit in frame["unit"].items():
            if not isinstance(unit, str) or not unit.strip():
                continue
            key = name_key(unit)
            entry = seen.get(key)
            if entry is None:
                row = int(rows[index]) if rows is not None and rows[index] == rows[index] else None
                entry = seen[key] = _Seen(unit, sheet.sheet, row, {})
            parent = parents[index] if parents is not None else None
            if isinstance(parent, str) and parent.strip():
                entry.parents.setdefault(name_key(parent), parent)
    return seen


def load_problems(
    con: duckdb.DuckDBPyConnection, actor: Actor | None, reports: list[FileReport]
) -> list[Problem]:
    """Why the actor may not load these files: one Chinese problem per unit outside its subtree.

    A unit the database does not know yet counts as inside only when the same file puts it
    (in its 上级工会 column) under a unit of the subtree; a known unit of the subtree may not
    be moved under a parent outside it.
    """
    if not allowed(actor, "upload"):
        who = "未登录" if actor is None else f"账号「{actor.name}」（{actor.role_zh}）"
        return [Problem("error", f"{who}无权导入数据")]
    assert actor is not None
    problems: list[Problem] = []
    for report in reports:
        if actor.role != "admin" and any(s.kind == "targets" for s in report.data_sheets):
            problems.append(Problem("error", "年度目标只能由管理员导入", file=report.file_name))
    if actor.role == "admin" or actor.unit_id is None:
        return problems
    keys = _unit_keys(con)
    inside = subtree(con, actor.unit_id)
    parent_of = {int(u): p for u, p in con.execute("SELECT unit_id, parent_id FROM units").fetchall()}
    scope = _scope_text(con, actor)
    for report in reports:
        seen = _units_in_file(report)
        inside_keys = {k for k, unit_id in keys.items() if unit_id in inside}
        # new units join the subtree through a parent of the subtree, possibly via other new units
        grown = True
        while grown:
            grown = False
            for key, entry in seen.items():
                if key not in keys and key not in inside_keys and set(entry.parents) & inside_keys:
                    inside_keys.add(key)
                    grown = True
        for key, entry in seen.items():
            where = {"file": report.file_name, "sheet": entry.sheet, "row": entry.row, "header": "单位名称"}
            unit_id = keys.get(key)
            if unit_id is None and key not in inside_keys:
                problems.append(
                    Problem(
                        "error",
                        f"「{entry.name}」是新单位，不在您的管理范围（{scope}）内；只有在同一文件的"
                        "“上级工会”列中把它列在您范围内的单位之下，才能由您导入",
                        value=entry.name,
                        **where,  # type: ignore[arg-type]
                    )
                )
            elif unit_id is not None and unit_id not in inside:
                problems.append(
                    Problem(
                        "error",
                        f"单位「{entry.name}」不在您的管理范围（{scope}）内，不能导入它的数据",
                        value=entry.name,
                        **where,  # type: ignore[arg-type]
                    )
                )
            else:
                outside = [
                    name
                    for parent_key, name in entry.parents.items()
                    if parent_key not in inside_keys
                    and not (
                        unit_id is not None
                        and keys.get(parent_key) is not None
                        and keys.get(parent_key) == parent_of.get(unit_id)
                    )
                ]
                if outside:
                    problems.append(
                        Problem(
                            "error",
                            f"单位「{entry.name}」的上级工会「{'、'.join(outside)}」不在您的管理范围"
                            f"（{scope}）内，不能把单位移出或移入您的范围",
                            value=entry.name,
                            **where,  # type: ignore[arg-type]
                        )
                    )
    return problems


# ---------------------------------------------------------------- undo


def check_undo(con: duckdb.DuckDBPyConnection, actor: Actor | None, load_id: int) -> None:
    """An admin may undo any import; an uploader only its own, and only within its subtree."""
    actor = require(actor, "undo")
    if actor.role == "admin":
        return
    rows = con.execute(
        "SELECT account_id, user_name, kind FROM loads WHERE load_id = ?", [load_id]
    ).fetchall()
    if not rows:
        return  # history.undo says that the load does not exist
    account_id, user_name, kind = rows[0]
    if actor.account_id is None or account_id != actor.account_id:
        raise PermissionDenied(f"只能撤销本账号的导入；导入 #{load_id} 由「{user_name}」完成，请联系管理员")
    if "targets" in str(kind or "").split(","):
        raise PermissionDenied(f"导入 #{load_id} 含年度目标，只能由管理员撤销")
    if actor.unit_id is None:
        return
    touched = {
        int(r[0])
        for r in con.execute(
            "SELECT unit_id FROM coverage WHERE load_id = $id UNION "
            "SELECT unit_id FROM replaced_coverage WHERE replaced_by = $id",
            {"id": load_id},
        ).fetchall()
    }
    outside = touched - subtree(con, actor.unit_id)
    if outside:
        names = "、".join(sorted(unit_label(con, u) for u in outside))
        raise PermissionDenied(f"导入 #{load_id} 涉及您管理范围之外的单位（{names}），只能由管理员撤销")
