"""The subtree rule and the roles, enforced inside every etl write; the 操作日志 commits with the change.

A small federation: 东区工会 (甲厂, 乙厂 below it) and 西区工会 (丙厂 below it). The uploader
is attached to 东区工会, the viewer to 西区工会.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from etl import store
from etl.core.problems import LoadRejected
from etl.store import accounts, audit, edits, faults, history, permissions, units
from etl.store.permissions import PermissionDenied, local_admin
from etl.store.pipeline import load_paths
from tests.conftest import copy_folder
from tests.sheets import write_xlsx

HEADER = ["单位名称", "上级工会", "职工人数", "会员人数"]
CLI = local_admin("tester")
PASSWORD = "permission-test-1"


def sheet(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    return write_xlsx(path, header, rows)  # the period comes from the file name


@pytest.fixture(scope="module")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # built once per module; each test writes to its own copy (`db`)
    tmp_path = tmp_path_factory.mktemp("db")
    path = tmp_path / "p.duckdb"
    load_paths(
        [
            sheet(
                tmp_path / "2025年第一季度_会员发展.xlsx",
                [
                    ["甲厂", "东区工会", 100, 90],
                    ["乙厂", "东区工会", 50, 40],
                    ["丙厂", "西区工会", 80, 70],
                ],
            )
        ],
        db=path,
        actor=CLI,
    )
    accounts.add(path, "east", PASSWORD, "uploader", unit="东区工会", actor=CLI)
    accounts.add(path, "west", PASSWORD, "viewer", unit="西区工会", actor=CLI)
    accounts.add(path, "east2", PASSWORD, "uploader", unit="东区工会", actor=CLI)
    return path


@pytest.fixture
def db(db_template: Path, tmp_path: Path) -> Path:
    return copy_folder(db_template, tmp_path)


def actor(db: Path, name: str) -> permissions.Actor:
    account = accounts.authenticate(db, name, PASSWORD)
    assert account is not None
    return account.actor()


def counts(db: Path) -> dict[str, int]:
    with store.connect(db, read_only=True) as con:
        return {
            table: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            for table in ("membership", "coverage", "loads", "units", "targets")
        }


def log(db: Path, action: str) -> pd.DataFrame:
    with store.connect(db, read_only=True) as con:
        return audit.entries(con, actions=[action])


def unit_id(db: Path, name: str) -> int:
    with store.connect(db, read_only=True) as con:
        return int(con.execute("SELECT unit_id FROM units WHERE name = ?", [name]).fetchall()[0][0])


def test_subtree_and_what_each_account_sees(db: Path) -> None:
    east, west = actor(db, "east"), actor(db, "west")
    ids = {n: unit_id(db, n) for n in ("东区工会", "甲厂", "乙厂", "丙厂")}
    with store.connect(db, read_only=True) as con:
        tree = permissions.subtree(con, ids["东区工会"])
        assert tree == {ids["东区工会"], ids["甲厂"], ids["乙厂"]}
        assert permissions.visible_units(con, east) == tree
        assert permissions.visible_units(con, CLI) is None
        assert permissions.covers(con, east, ids["甲厂"])
        assert not permissions.covers(con, east, ids["丙厂"])
        assert not permissions.covers(con, east, None)  # not the whole organisation
        assert permissions.covers(con, west, ids["丙厂"])


def test_an_uploader_loads_its_own_subtree(db: Path, tmp_path: Path) -> None:
    before = counts(db)
    path = sheet(
        tmp_path / "2025年第二季度_会员发展.xlsx", [["甲厂", "东区工会", 101, 91], ["乙厂", "", 51, 41]]
    )
    (summary,) = load_paths([path], db=db, actor=actor(db, "east"))
    assert counts(db)["membership"] == before["membership"] + 2
    entry = log(db, "import").iloc[0]
    assert (entry["account"], entry["role"]) == ("east", "uploader")
    assert entry["units"] == "乙厂、甲厂" and entry["periods"] == "2025Q2"
    east_id = actor(db, "east").account_id
    with store.connect(db, read_only=True) as con:
        owner = con.execute("SELECT user_name, account_id FROM loads WHERE load_id = ?", [summary.load_id])
        assert owner.fetchall()[0] == ("east", east_id)


def test_a_file_with_units_outside_the_subtree_is_refused_naming_each(db: Path, tmp_path: Path) -> None:
    before = counts(db)
    path = sheet(
        tmp_path / "2025年第二季度_会员发展.xlsx",
        [
            ["甲厂", "东区工会", 101, 91],  # inside
            ["丙厂", "西区工会", 81, 71],  # another district
            ["丁厂", "", 10, 9],  # a new unit with no parent in the file
            ["戊厂", "东区工会", 10, 9],  # a new unit put under the subtree: fine
        ],
    )
    with pytest.raises(LoadRejected) as rejected:
        load_paths([path], db=db, actor=actor(db, "east"))
    messages = [p.message for p in rejected.value.problems]
    assert len(messages) == 2
    assert "单位「丙厂」不在您的管理范围（「东区工会」及其下属单位）内" in messages[0]
    assert "「丁厂」是新单位" in messages[1]
    assert [p.row for p in rejected.value.problems] == [3, 4]  # rows as the spreadsheet shows them
    assert counts(db) == before  # nothing written, not even the units
    refusal = log(db, "denied").iloc[0]
    assert refusal["account"] == "east" and "丙厂" in refusal["detail"]


def test_new_units_join_through_a_parent_of_the_subtree_even_in_a_chain(db: Path, tmp_path: Path) -> None:
    path = sheet(
        tmp_path / "2025年第二季度_会员发展.xlsx",
        [["新车间", "新分会", 5, 5], ["新分会", "东区工会", 20, 19]],
    )
    load_paths([path], db=db, actor=actor(db, "east"))
    new, east = unit_id(db, "新车间"), unit_id(db, "东区工会")
    with store.connect(db, read_only=True) as con:
        assert new in permissions.subtree(con, east)


def test_an_uploader_cannot_move_a_unit_out_of_its_subtree(db: Path, tmp_path: Path) -> None:
    before = counts(db)
    for parent in ("西区工会", "全新的上级"):
        path = sheet(tmp_path / f"2025年第二季度_{parent}.xlsx", [["甲厂", parent, 101, 91]])
        with pytest.raises(LoadRejected, match="不能把单位移出或移入您的范围"):
            load_paths([path], db=db, actor=actor(db, "east"))
    assert counts(db) == before


def test_viewers_do_not_load_and_uploaders_do_not_load_targets(db: Path, tmp_path: Path) -> None:
    before = counts(db)
    path = sheet(tmp_path / "2025年第二季度_会员发展.xlsx", [["丙厂", "西区工会", 81, 71]])
    with pytest.raises(LoadRejected, match="无权导入数据"):
        load_paths([path], db=db, actor=actor(db, "west"))
    targets = write_xlsx(
        tmp_path / "2025年度目标.xlsx",
        ["年度", "指标", "目标值", "单位名称"],
        [[2025, "会员人数", 100, "甲厂"]],
    )
    with pytest.raises(LoadRejected, match="年度目标只能由管理员导入"):
        load_paths([targets], db=db, actor=actor(db, "east"))
    assert counts(db) == before


def test_an_uploader_undoes_only_its_own_imports(db: Path, tmp_path: Path) -> None:
    east, east2 = actor(db, "east"), actor(db, "east2")
    path = sheet(tmp_path / "2025年第二季度_会员发展.xlsx", [["甲厂", "东区工会", 101, 91]])
    (mine,) = load_paths([path], db=db, actor=east)
    with pytest.raises(PermissionDenied, match="只能撤销本账号的导入"):
        history.undo(db, mine.load_id, actor=east2)
    with pytest.raises(PermissionDenied, match="只能撤销本账号的导入"):
        history.undo(db, 1, actor=east)  # the command line's first load
    with pytest.raises(PermissionDenied, match="无权撤销导入"):
        history.undo(db, mine.load_id, actor=actor(db, "west"))
    assert len(log(db, "denied")) == 3
    history.undo(db, mine.load_id, actor=east)
    entry = log(db, "undo").iloc[0]
    assert entry["account"] == "east" and entry["units"] == "甲厂" and entry["periods"] == "2025Q2"


def test_targets_units_and_register_are_for_admins(db: Path) -> None:
    before = counts(db)
    east = actor(db, "east")
    rows = pd.DataFrame([{"indicator": "members", "unit": None, "target": 100}])
    with pytest.raises(PermissionDenied, match="无权修改年度目标"):
        edits.save_targets(db, 2025, rows, actor=east)
    for change in (
        lambda: units.rename(db, unit_id(db, "甲厂"), "甲厂（新）", actor=east),
        lambda: units.set_parent(db, unit_id(db, "甲厂"), None, actor=east),
        lambda: units.add_alias(db, unit_id(db, "甲厂"), "甲", actor=east),
        lambda: units.remove_alias(db, "甲", actor=east),
        lambda: units.merge(db, unit_id(db, "乙厂"), unit_id(db, "甲厂"), actor=east),
    ):
        with pytest.raises(PermissionDenied, match="无权管理单位名册"):
            change()
    assert counts(db) == before
    assert len(log(db, "denied")) == 6
    # an admin may; each change is in the 操作日志
    edits.save_targets(db, 2025, rows, actor=CLI)
    units.rename(db, unit_id(db, "甲厂"), "甲厂（新）", actor=CLI)
    units.merge(db, unit_id(db, "乙厂"), unit_id(db, "甲厂（新）"), actor=CLI)
    assert log(db, "targets_edit").iloc[0]["detail"] == "1 项目标"
    assert log(db, "unit_rename").iloc[0]["detail"] == "甲厂 → 甲厂（新）"
    assert log(db, "unit_merge").iloc[0]["detail"] == "乙厂 并入 甲厂（新）"


def test_accounts_follow_a_merged_unit(db: Path) -> None:
    units.merge(db, unit_id(db, "东区工会"), unit_id(db, "西区工会"), actor=CLI)
    assert actor(db, "east").unit_id == unit_id(db, "西区工会")


@pytest.fixture
def _disarm() -> None:
    yield
    faults.disarm()


@pytest.mark.usefixtures("_disarm")
def test_the_audit_entry_rolls_back_with_a_failed_load(db: Path, tmp_path: Path) -> None:
    before = (counts(db), len(log(db, "import")))
    path = sheet(tmp_path / "2025年第二季度_会员发展.xlsx", [["甲厂", "东区工会", 101, 91]])
    faults.arm("before_commit", RuntimeError("injected"))
    with pytest.raises(RuntimeError, match="injected"):
        load_paths([path], db=db, actor=actor(db, "east"))
    assert (counts(db), len(log(db, "import"))) == before


# SQL statements only: words such as "truncated" in captions are not offences.
AUDIT_WRITES = [
    re.compile(rf"\b{verb}\s+audit_log\b", re.IGNORECASE)
    for verb in (
        "UPDATE",
        "DELETE\\s+FROM",
        "DROP\\s+TABLE(?:\\s+IF\\s+EXISTS)?",
        "TRUNCATE(?:\\s+TABLE)?",
        "ALTER\\s+TABLE",
    )
]


def test_no_code_changes_or_deletes_audit_rows() -> None:
    """The 操作日志 is append-only: the only SQL naming audit_log inserts into it or reads it."""
    root = Path(__file__).resolve().parents[2]
    offences = []
    for folder in ("etl", "dashboard", "pages"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text("utf-8")
            for verb in AUDIT_WRITES:
                offences += [f"{path.relative_to(root)}: {hit}" for hit in verb.findall(text)]
    assert offences == []


WRITES = {
    "etl.store.pipeline": ["load_reports", "load_paths"],
    "etl.store.history": ["undo"],
    "etl.store.edits": ["save_targets"],
    "etl.store.units": ["rename", "merge", "set_parent", "add_alias", "remove_alias"],
    "etl.store.accounts": ["add", "set_password", "set_enabled", "change"],
}


def test_every_write_function_takes_an_actor() -> None:
    import importlib
    import inspect

    missing = [
        f"{module}.{name}"
        for module, names in WRITES.items()
        for name in names
        if "actor" not in inspect.signature(getattr(importlib.import_module(module), name)).parameters
    ]
    assert missing == []


def test_pages_pass_the_signed_in_actor_to_every_write() -> None:
    """A page that forgot actor= would write as the OS user (the command line's admin)."""
    import ast

    root = Path(__file__).resolve().parents[2]
    names = {n for ns in WRITES.values() for n in ns} | {"action"}  # pages/units.py: apply(action, ...)
    modules = {"units", "accounts", "history", "edits", "pipeline"}
    calls, offences = 0, []
    for path in sorted((root / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):  # units.rename(...), but not frame.rename(...)
                name = func.attr if getattr(func.value, "id", "") in modules else ""
            else:
                name = getattr(func, "id", "")
            if name in names:
                calls += 1
                if not any(k.arg == "actor" for k in node.keywords):
                    offences.append(f"{path.name}:{node.lineno} {name}()")
    assert calls >= 8, "the check found too few write calls to be checking anything"
    assert offences == []
