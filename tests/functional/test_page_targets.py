"""年度目标 page through AppTest: view, edit and save, upload a targets sheet — real DuckDB files."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from streamlit.testing.v1 import AppTest

from dashboard import targets_view
from etl import store
from etl.indicators import queries
from etl.store.edits import EDIT_FILE_NAME
from etl.store.pipeline import load_paths
from tests.conftest import copy_folder

# these databases have no account: the app runs as the single local user, as after `make run`
pytestmark = pytest.mark.usefixtures("local_server")
APP = Path(__file__).resolve().parents[2] / "app.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LOGISTICS = "滨江恒达物流（集团）有限公司"


def _xlsx(sheet_name: str, rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(sheet_name)
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()
    return buffer.getvalue()


def targets_xlsx(rows: list[list[object]]) -> bytes:
    return _xlsx(
        "年度目标", [["年度", "指标", "目标值", "单位名称", "一季度", "二季度", "三季度", "四季度"], *rows]
    )


@pytest.fixture(scope="module")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Units and 2025 Q3 membership, and three 2025 targets, loaded through the pipeline."""
    # built once per module; each test writes to its own copy (`db`)
    tmp_path = tmp_path_factory.mktemp("db")
    path = tmp_path / "targets.duckdb"
    membership = tmp_path / "2025年第三季度_会员发展.xlsx"
    membership.write_bytes(
        _xlsx(
            "会员发展",
            [
                ["单位名称", "职工人数", "会员人数"],
                ["滨江恒达物流(集团)有限公司", 300, 280],
                ["滨江市第一中学", 120, 118],
            ],
        )
    )
    targets = tmp_path / "2025年度目标.xlsx"
    targets.write_bytes(
        targets_xlsx(
            [
                [2025, "入会率", "95%", "", 0.9, None, None, 0.95],
                [2025, "会员人数", 400, "", None, None, None, None],
                [2025, "新发展会员", 30, LOGISTICS, 5, 12, 20, 30],
            ]
        )
    )
    load_paths([membership, targets], db=path, user="tester")
    return path


@pytest.fixture
def db(db_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = copy_folder(db_template, tmp_path)
    monkeypatch.setenv("UNION_KPI_DB", str(path))
    return path


def _stored(db: Path, year: int = 2025) -> pd.DataFrame:
    with store.connect(db, read_only=True) as con:
        return queries.targets(con, year)


def _log(db: Path) -> pd.DataFrame:
    with store.connect(db, read_only=True) as con:
        return queries.load_log(con)


def _open_targets_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/targets.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _save(at: AppTest) -> AppTest:
    at.button(key="targets.save").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_shows_the_targets_of_the_filter_year(db: Path) -> None:
    at = _open_targets_page()
    assert [t.value for t in at.title] == ["年度目标"]
    year = at.selectbox(key="targets.year")
    assert year.value == 2025  # the sidebar filter's year
    assert year.options == ["2026年", "2025年"]  # years with data or targets, plus the next one
    assert "2025年度目标（3 项）" in [s.value for s in at.subheader]
    shown = at.dataframe[0].value
    assert shown.columns.tolist() == ["指标", "适用单位", "目标值", "一季度", "二季度", "三季度", "四季度"]
    assert shown.values.tolist() == [
        ["入会率", "（整个组织）", "95.0%", "90.0%", "", "", "95.0%"],
        ["会员人数", "（整个组织）", "400 人", "", "", "", ""],
        # milestones of a count without the unit: the target beside them names it (fits at 1280 px)
        ["新发展会员", LOGISTICS, "30 人", "5", "12", "20", "30"],
    ]
    editor = at.data_editor[0]
    assert editor.editing_mode == "dynamic"
    assert editor.value["target"].tolist() == [95.0, 400.0, 30.0]  # rates in percent for typing
    assert [b.label for b in at.get("download_button")] == ["下载年度目标模板"]


def test_the_target_column_says_rates_are_percent(db: Path) -> None:
    at = _open_targets_page()
    config = json.loads(at.data_editor[0].proto.columns)  # the column config sent with the editor
    assert config["target"]["label"] == "目标值（比率填百分数，如 95）"
    assert config["indicator"]["type_config"]["options"][:3] == ["入会率", "女职工入会率", "农民工入会率"]
    assert LOGISTICS in config["unit"]["type_config"]["options"]


def test_saving_unchanged_targets_keeps_the_values(db: Path) -> None:
    before = _stored(db)
    at = _save(_open_targets_page())
    assert [s.value for s in at.success] == ["已保存 3 项目标。"]
    pd.testing.assert_frame_equal(_stored(db), before)  # 95 in the editor went back to 0.95
    assert _log(db).iloc[0]["file_name"] == EDIT_FILE_NAME


def test_edits_are_saved_by_indicator_id(db: Path) -> None:
    at = _open_targets_page()
    editor = at.data_editor[0]
    at.session_state[editor.key] = {
        "edited_rows": {0: {"target": 96.5}, 2: {"unit": "滨江市第一中学"}},
        "added_rows": [{"indicator": "会费收缴额", "target": 250000}],
        "deleted_rows": [1],
    }
    at.run()
    _save(at)
    stored = _stored(db).set_index("indicator")
    assert sorted(stored.index) == ["dues_collected", "membership_rate", "new_members"]
    assert stored.loc["membership_rate", "target"] == pytest.approx(0.965)
    assert stored.loc["membership_rate", "q1"] == pytest.approx(0.9)
    assert stored.loc["new_members", "unit"] == "滨江市第一中学"
    assert stored.loc["dues_collected", "target"] == 250000
    assert pd.isna(stored.loc["dues_collected", "unit"])
    assert "2025年度目标（3 项）" in [s.value for s in at.subheader]
    assert "会费收缴额" in at.dataframe[0].value["指标"].tolist()


def test_a_rejected_edit_shows_the_problems_and_changes_nothing(db: Path) -> None:
    before, log_before = _stored(db), _log(db)
    at = _open_targets_page()
    at.session_state[at.data_editor[0].key] = {
        "edited_rows": {},
        "added_rows": [{"indicator": "入会率", "target": 90}, {"indicator": "新建工会组织", "target": -1}],
        "deleted_rows": [],
    }
    at.run()
    _save(at)
    errors = [e.value for e in at.error]
    assert errors[0].startswith("未保存：发现 2 处问题")
    assert any("第 4 行" in e and "重复" in e for e in errors)
    assert any("第 5 行" in e and "新建工会组织" in e and "负数" in e for e in errors)
    pd.testing.assert_frame_equal(_stored(db), before)
    assert len(_log(db)) == len(log_before)


def test_next_year_starts_empty(db: Path) -> None:
    at = _open_targets_page()
    at.selectbox(key="targets.year").set_value(2026)
    at.run()
    assert "2026年尚未设置年度目标。" in [i.value for i in at.info]
    assert at.data_editor[0].value.empty


def test_uploading_a_targets_sheet_updates_only_its_indicators(db: Path) -> None:
    at = _open_targets_page()
    content = targets_xlsx(
        [
            [2025, "会员人数", 420, "", None, None, None, None],
            [2025, "建会率", "92%", "", None, None, None, None],
        ]
    )
    at.file_uploader[0].set_value(("2025年度目标（修订）.xlsx", content, XLSX))
    at.run()
    assert not at.exception
    preview = next(d.value for d in at.dataframe if "行号" in d.value.columns)
    assert preview["指标"].tolist() == ["会员人数", "建会率"]
    assert preview["目标值"].tolist() == ["420 人", "92.0%"]
    assert any("读入 2 项目标，年度：2025年" in str(c.value) for c in at.caption)
    at.button(key="targets.confirm").click()
    at.run()
    assert not at.exception
    assert any("已导入 1 个文件，共 2 行" in s.value for s in at.success)
    stored = _stored(db).set_index("indicator")
    assert stored.loc["members", "target"] == 420
    assert stored.loc["unionization_rate", "target"] == pytest.approx(0.92)
    assert stored.loc["membership_rate", "target"] == pytest.approx(0.95)  # not in the sheet: kept


def test_a_targets_sheet_with_an_unknown_indicator_cannot_be_loaded(db: Path) -> None:
    before = _stored(db)
    at = _open_targets_page()
    at.file_uploader[0].set_value(
        ("错表.xlsx", targets_xlsx([[2025, "幸福指数", 99, "", None, None, None, None]]), XLSX)
    )
    at.run()
    assert [e.value for e in at.error] == ["发现 1 处错误，请修改表格后重新上传。"]
    assert at.button(key="targets.confirm").disabled
    problems = next(d.value for d in at.dataframe if "说明" in d.value.columns)
    assert "表中填的是「幸福指数」" in problems.iloc[0]["说明"]
    pd.testing.assert_frame_equal(_stored(db), before)


# ---------------------------------------------------------------- conversions on their own


def test_editor_round_trip_converts_rates_only() -> None:
    stored = pd.DataFrame(
        [
            {
                "indicator": "membership_rate",
                "unit": None,
                "target": 0.955,
                "q1": 0.9,
                "q2": None,
                "q3": None,
                "q4": None,
            },
            {
                "indicator": "dues_collected",
                "unit": LOGISTICS,
                "target": 12345.5,
                "q1": None,
                "q2": None,
                "q3": None,
                "q4": None,
            },
        ]
    )
    editor = targets_view.editor_frame(stored, "zh")
    assert editor["indicator"].tolist() == ["入会率", "会费收缴额"]
    assert editor["target"].tolist() == [95.5, 12345.5]
    back = targets_view.rows_for_save(editor)
    assert back["indicator"].tolist() == ["membership_rate", "dues_collected"]
    assert back["target"].tolist() == [pytest.approx(0.955), 12345.5]
    assert back["q1"].tolist()[0] == pytest.approx(0.9)
    assert back["unit"].tolist() == [None, LOGISTICS]
    english = targets_view.rows_for_save(targets_view.editor_frame(stored, "en"))
    assert english["indicator"].tolist() == ["membership_rate", "dues_collected"]


def test_year_options() -> None:
    assert targets_view.year_options([2024, 2025], [2025], 2030) == [2026, 2025, 2024]
    assert targets_view.year_options([], [], 2030) == [2031, 2030]
    assert targets_view.default_year([2026, 2025, 2024], None) == 2025
    assert targets_view.default_year([2026, 2025, 2024], 2024) == 2024


def test_targets_page_on_an_empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNION_KPI_DB", str(tmp_path / "empty.duckdb"))
    at = _open_targets_page()
    this_year = dt.date.today().year
    assert at.selectbox(key="targets.year").value == this_year
    assert f"{this_year}年尚未设置年度目标。" in [i.value for i in at.info]
    at.session_state[at.data_editor[0].key] = {
        "edited_rows": {},
        "added_rows": [{"indicator": "会员人数", "target": 100}],
        "deleted_rows": [],
    }
    at.run()
    _save(at)
    assert [s.value for s in at.success] == ["已保存 1 项目标。"]
    assert _stored(tmp_path / "empty.duckdb", this_year)["target"].tolist() == [100]
