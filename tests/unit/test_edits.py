"""etl.store.edits.save_targets: the 年度目标 page's online edit, written to a real DuckDB file."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from etl import store
from etl.core.problems import LoadRejected
from etl.indicators import queries
from etl.store.edits import EDIT_FILE_NAME, canonical_csv, save_targets
from etl.store.pipeline import load_paths
from tests.conftest import copy_folder

LOGISTICS = "滨江恒达物流（集团）有限公司"
SCHOOL = "滨江市第一中学"


def _membership_xlsx(path: Path, rows: list[list[object]]) -> Path:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("会员发展")
    sheet.write_row(0, 0, ["2025年第三季度会员发展情况统计表"])
    sheet.write_row(1, 0, ["单位名称", "职工人数", "会员人数"])
    for number, row in enumerate(rows, start=2):
        sheet.write_row(number, 0, row)
    book.close()
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture(scope="module")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two units (one written with half-width brackets in its sheet) loaded through the pipeline."""
    # built once per module; each test writes to its own copy (`db`)
    tmp_path = tmp_path_factory.mktemp("db")
    path = tmp_path / "edits.duckdb"
    sheet = _membership_xlsx(
        tmp_path / "2025年第三季度_会员发展.xlsx",
        [["滨江恒达物流(集团)有限公司", 300, 280], [SCHOOL, 120, 118]],
    )
    load_paths([sheet], db=path, user="loader")
    return path


@pytest.fixture
def db(db_template: Path, tmp_path: Path) -> Path:
    return copy_folder(db_template, tmp_path)


def _targets(db: Path, year: int) -> pd.DataFrame:
    with store.connect(db, read_only=True) as con:
        return queries.targets(con, year)


def _state(db: Path) -> tuple[int, int, int, str]:
    """(targets rows, loads rows, units rows, edit_counter): what a rejected save must leave alone."""
    with store.connect(db, read_only=True) as con:
        counts = [
            con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ("targets", "loads", "units")
        ]
        return counts[0], counts[1], counts[2], store.get_setting(con, "edit_counter", "0")


def _rows(*records: dict) -> pd.DataFrame:
    return pd.DataFrame(list(records), columns=["indicator", "unit", "target", "q1", "q2", "q3", "q4"])


def test_saved_values_are_stored_and_logged(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        version_before = store.data_version(con)
    rows = _rows(
        {"indicator": "membership_rate", "unit": None, "target": 0.95, "q1": 0.9, "q4": 0.95},
        {"indicator": "members", "unit": LOGISTICS, "target": 290},
        {"indicator": "welfare_spend", "unit": "", "target": 250000.5},
    )
    assert save_targets(db, 2025, rows, "张三") == 3

    stored = _targets(db, 2025).set_index("indicator")
    assert stored.loc["membership_rate", "target"] == pytest.approx(0.95)
    assert stored.loc["membership_rate", "q1"] == pytest.approx(0.9)
    assert pd.isna(stored.loc["membership_rate", "q2"])
    assert stored.loc["membership_rate", "q4"] == pytest.approx(0.95)
    assert pd.isna(stored.loc["membership_rate", "unit"])  # None: the whole organisation
    assert pd.isna(stored.loc["welfare_spend", "unit"])  # "" too
    assert stored.loc["welfare_spend", "target"] == pytest.approx(250000.5)
    assert stored.loc["members", "unit"] == LOGISTICS
    assert stored.loc["members", "target"] == 290

    with store.connect(db, read_only=True) as con:
        log = queries.load_log(con)
        counter = store.get_setting(con, "edit_counter", "0")
        version_after = store.data_version(con)
        target_load_ids = {r[0] for r in con.execute("SELECT DISTINCT load_id FROM targets").fetchall()}
    entry = log.iloc[0]
    assert entry["file_name"] == EDIT_FILE_NAME
    assert entry["kind"] == "targets"
    assert entry["periods"] == "2025"
    assert entry["rows_loaded"] == 3
    assert entry["units"] == 1
    assert entry["user_name"] == "张三"
    assert len(entry["sha256"]) == 64
    assert target_load_ids == {int(entry["load_id"])}
    assert counter == "1"
    assert version_after != version_before  # the pages' caches are keyed by this


def test_second_save_replaces_the_year_and_leaves_other_years(db: Path) -> None:
    save_targets(db, 2024, _rows({"indicator": "members", "unit": None, "target": 380}), "u")
    save_targets(
        db,
        2025,
        _rows(
            {"indicator": "members", "unit": None, "target": 400},
            {"indicator": "new_members", "unit": SCHOOL, "target": 10},
        ),
        "u",
    )
    save_targets(db, 2025, _rows({"indicator": "membership_rate", "unit": None, "target": 0.97}), "u")

    now = _targets(db, 2025)
    assert now["indicator"].tolist() == ["membership_rate"]
    assert now["target"].tolist() == [pytest.approx(0.97)]
    assert _targets(db, 2024)["target"].tolist() == [380]
    with store.connect(db, read_only=True) as con:
        assert store.get_setting(con, "edit_counter") == "3"


def test_saving_no_rows_clears_the_year(db: Path) -> None:
    save_targets(db, 2025, _rows({"indicator": "members", "unit": None, "target": 400}), "u")
    assert save_targets(db, 2025, _rows(), "u") == 0
    assert _targets(db, 2025).empty


def test_rejected_rows_leave_the_database_untouched(db: Path) -> None:
    save_targets(db, 2025, _rows({"indicator": "members", "unit": None, "target": 400}), "u")
    before_targets, before_state = _targets(db, 2025), _state(db)
    bad = _rows(
        {"indicator": "membership_rate", "unit": None, "target": 0.95},  # row 1: fine
        {"indicator": "no_such_indicator", "unit": None, "target": 1},  # row 2
        {"indicator": "members", "unit": SCHOOL, "target": -5},  # row 3
        {"indicator": "membership_rate", "unit": LOGISTICS, "target": 95},  # row 4: 9500%
        {"indicator": "new_members", "unit": None, "target": None},  # row 5
        {"indicator": "new_members", "unit": SCHOOL, "target": "很多"},  # row 6
        {"indicator": "membership_rate", "unit": "", "target": 0.9},  # row 7: duplicates row 1
    )
    with pytest.raises(LoadRejected) as caught:
        save_targets(db, 2025, bad, "u")

    texts = [p.text() for p in caught.value.problems]
    assert len(texts) == 6, texts
    assert any("第 2 行" in t and "未知指标" in t and "no_such_indicator" in t for t in texts)
    assert any("第 3 行" in t and "「会员人数」" in t and "负数" in t for t in texts)
    assert any("第 4 行" in t and "「入会率」" in t and "比率" in t for t in texts)
    assert any("第 5 行" in t and "「新发展会员」" in t and "为空" in t for t in texts)
    assert any("第 6 行" in t and "不是数字" in t and "很多" in t for t in texts)
    assert any("第 7 行" in t and "重复" in t and "第 1 行" in t for t in texts)
    pd.testing.assert_frame_equal(_targets(db, 2025), before_targets)
    assert _state(db) == before_state


def test_duplicates_are_found_through_the_unit_name_key(db: Path) -> None:
    rows = _rows(
        {"indicator": "members", "unit": LOGISTICS, "target": 290},
        {"indicator": "members", "unit": "濱江恆達物流(集團)有限公司", "target": 300},
    )  # Traditional
    with pytest.raises(LoadRejected, match="重复"):
        save_targets(db, 2025, rows, "u")
    assert _targets(db, 2025).empty


def test_unit_with_full_width_brackets_resolves_to_the_existing_unit(db: Path) -> None:
    units_before = _state(db)[2]
    rows = _rows(
        {"indicator": "members", "unit": "滨江恒达物流（集团）有限公司", "target": 290},
        {"indicator": "new_members", "unit": " 滨江恒达物流 (集团)有限公司 ", "target": 12},
        {"indicator": "new_unions", "unit": "濱江恆達物流（集團）有限公司", "target": 1},
    )
    save_targets(db, 2025, rows, "u")

    with store.connect(db, read_only=True) as con:
        existing = con.execute("SELECT unit_id FROM units WHERE name = ?", [LOGISTICS]).fetchall()
        used = {r[0] for r in con.execute("SELECT DISTINCT unit_id FROM targets").fetchall()}
    assert len(existing) == 1
    assert used == {existing[0][0]}
    assert _state(db)[2] == units_before  # no unit was created


def test_unknown_unit_is_rejected_and_not_created(db: Path) -> None:
    before = _state(db)
    with pytest.raises(LoadRejected) as caught:
        save_targets(db, 2025, _rows({"indicator": "members", "unit": "不存在的单位", "target": 10}), "u")
    assert "不存在的单位" in caught.value.problems[0].text()
    assert "第 1 行" in caught.value.problems[0].text()
    assert _state(db) == before


def test_invalid_year_is_rejected(db: Path) -> None:
    with pytest.raises(LoadRejected, match="年度"):
        save_targets(db, 1999, _rows({"indicator": "members", "unit": None, "target": 10}), "u")


def test_blank_editor_rows_are_ignored(db: Path) -> None:
    rows = _rows(
        {"indicator": "members", "unit": None, "target": 400},
        {"indicator": None, "unit": None, "target": float("nan")},
        {"indicator": "", "unit": "", "target": None},
    )
    assert save_targets(db, 2025, rows, "u") == 1


def test_logged_checksum_does_not_depend_on_row_order(db: Path) -> None:
    a = {"indicator": "members", "unit": None, "target": 400}
    b = {"indicator": "new_members", "unit": SCHOOL, "target": 10}
    save_targets(db, 2025, _rows(a, b), "u")
    save_targets(db, 2025, _rows(b, a), "u")
    with store.connect(db, read_only=True) as con:
        shas = queries.load_log(con)["sha256"].head(2).tolist()
    assert shas[0] == shas[1]
    records = [
        {
            "indicator": "members",
            "unit": None,
            "target": 400.0,
            "q1": None,
            "q2": None,
            "q3": None,
            "q4": None,
        },
        {
            "indicator": "new_members",
            "unit": SCHOOL,
            "target": 10.0,
            "q1": None,
            "q2": None,
            "q3": None,
            "q4": None,
        },
    ]
    assert shas[0] == hashlib.sha256(canonical_csv(2025, records)).hexdigest()
