"""单位管理 through AppTest: a unit name written in Markdown shows as text in every message, and a
unit can be retired and restored from the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.markdown import md_escape
from etl import store
from etl.core.names import name_key
from etl.store.pipeline import load_paths
from tests.sheets import write_xlsx

APP = Path(__file__).resolve().parents[2] / "app.py"
MARKDOWN_NAME = "[点我](http://evil.example) **粗体** :red[红]"


@pytest.fixture()
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_server: None) -> Path:
    path = tmp_path / "units.duckdb"
    sheet = write_xlsx(
        tmp_path / "2025年第一季度会员发展.xlsx",
        ["单位名称", "职工人数", "会员人数"],
        [["滨江一中", 100, 90], ["滨江二中", 50, 45]],
    )
    load_paths([sheet], db=path)
    with store.writer(path) as con:  # as an older version or another path could have stored it
        con.execute(
            "UPDATE units SET name = ?, name_key = ? WHERE name = '滨江二中'",
            [MARKDOWN_NAME, name_key(MARKDOWN_NAME)],
        )
    monkeypatch.setenv("UNION_KPI_DB", str(path))
    return path


def unit_id(db: Path, name: str) -> int:
    with store.connect(db, read_only=True) as con:
        return int(con.execute("SELECT unit_id FROM units WHERE name = ?", [name]).fetchall()[0][0])


def open_units(db: Path, name: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/units.py")
    at.run()
    at.selectbox(key="unit-admin").set_value(unit_id(db, name)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rendered(at: AppTest) -> list[str]:
    """The markdown bodies of every message element on the page."""
    elements = [*at.warning, *at.error, *at.success, *at.info, *at.caption, *at.markdown]
    return [str(e.value) for e in elements]


def test_a_markdown_unit_name_is_escaped_in_the_merge_warning(db: Path) -> None:
    at = open_units(db, MARKDOWN_NAME)
    merge_warning = next(str(w.value) for w in at.warning if "合并后" in str(w.value))
    assert md_escape(MARKDOWN_NAME) in merge_warning
    assert MARKDOWN_NAME not in merge_warning
    assert not re.search(r"http\\?:", merge_warning)  # not even a bare URL becomes a link
    bodies = rendered(at)
    assert any(md_escape(MARKDOWN_NAME) in b for b in bodies if "停用后" in b)
    assert not any(MARKDOWN_NAME in b for b in bodies)


def test_a_markdown_unit_name_is_escaped_in_an_error(db: Path) -> None:
    at = open_units(db, "滨江一中")
    at.text_input[0].set_value(MARKDOWN_NAME)
    at.button[0].click().run()  # rename 滨江一中 to the name another unit holds: refused
    assert not at.exception
    errors = [str(e.value) for e in at.error]
    assert errors and md_escape(MARKDOWN_NAME) in errors[0]
    assert MARKDOWN_NAME not in errors[0]


def test_retire_and_restore_from_the_page(db: Path) -> None:
    target = unit_id(db, "滨江一中")
    at = open_units(db, "滨江一中")
    at.button(key="FormSubmitter:retire-停用该单位").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT retired, reports FROM units WHERE unit_id = ?", [target]).fetchall() == [
            (True, False)
        ]
    at.run()  # the next run reads the register after the change
    at.button(key="FormSubmitter:retire-恢复该单位").click().run()
    assert not at.exception
    with store.connect(db, read_only=True) as con:
        assert con.execute("SELECT retired, reports FROM units WHERE unit_id = ?", [target]).fetchall() == [
            (False, True)
        ]
