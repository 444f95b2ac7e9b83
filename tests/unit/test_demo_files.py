"""The demo spreadsheets: readable, in the dictionary's headers, and realistic enough that
every page has something to show (同比, 未报送, 欠缴, 超前/正常/滞后)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
import python_calamine as calamine

from etl.core.dictionary import ACTIVITY_CATEGORIES, INDICATORS, KINDS, WELFARE_CATEGORIES
from etl.demo import write_demo_files
from etl.ingest.headers import find_indicator

QUARTER_WORDS = "一二三四"
DATA_KINDS = ("membership", "dues", "welfare", "activities")
FILE_NAME = re.compile(r"^(\d{4})年第([一二三四])季度_(.+)\.xlsx$")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo_files(out)
    return out


def _read(path: Path) -> tuple[list[object], pd.DataFrame]:
    """(title row, table under the header row) of the first sheet, as calamine sees it."""
    rows = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = [str(h) for h in rows[1]]
    body = [[None if cell == "" else cell for cell in row] for row in rows[2:]]  # a blank cell is no value
    return rows[0], pd.DataFrame(body, columns=header)


def _by_field(kind_id: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Chinese headers -> field ids, using the dictionary only."""
    zh_to_id = {f.zh: f.id for f in KINDS[kind_id].fields}
    return frame.rename(columns=zh_to_id)


@pytest.fixture(scope="module")
def tables(demo_dir) -> dict[str, pd.DataFrame]:
    """All quarterly files of each kind stacked, with the period taken from the file name."""
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in DATA_KINDS}
    zh_to_kind = {KINDS[k].zh: k for k in DATA_KINDS}
    for path in sorted(demo_dir.glob("*季度_*.xlsx")):
        year, word, kind_zh = FILE_NAME.match(path.name).groups()
        frame = _by_field(zh_to_kind[kind_zh], _read(path)[1])
        frame["file_year"], frame["file_quarter"] = int(year), QUARTER_WORDS.index(word) + 1
        parts[zh_to_kind[kind_zh]].append(frame)
    return {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}


def _period(frame: pd.DataFrame, year: int, quarter: int) -> pd.DataFrame:
    return frame[(frame.file_year == year) & (frame.file_quarter == quarter)]


def _ytd(frame: pd.DataFrame, year: int, quarter: int) -> pd.DataFrame:
    return frame[(frame.file_year == year) & (frame.file_quarter <= quarter)]


# ---------------------------------------------------------------- files


def test_one_file_per_kind_per_quarter_plus_targets(demo_dir):
    expected = {
        f"{y}年第{QUARTER_WORDS[q - 1]}季度_{KINDS[k].zh}.xlsx"
        for y in (2024, 2025)
        for q in (1, 2, 3, 4)
        for k in DATA_KINDS
    }
    expected.add("2025年度目标.xlsx")
    assert {p.name for p in demo_dir.iterdir()} == expected
    assert len(expected) == 8 * 4 + 1


def test_write_demo_files_returns_paths_targets_last(tmp_path):
    paths = write_demo_files(tmp_path / "new")
    assert len(paths) == 33 and all(p.exists() and p.stat().st_size > 0 for p in paths)
    assert paths[-1].name == "2025年度目标.xlsx"


def test_every_file_readable_with_dictionary_headers(demo_dir):
    for path in demo_dir.iterdir():
        title, frame = _read(path)
        match = FILE_NAME.match(path.name)
        kind_id = next(k for k in KINDS if KINDS[k].zh in path.name) if match else "targets"
        kind = KINDS[kind_id]
        allowed = {f.zh for f in kind.fields}
        assert set(frame.columns) <= allowed, path.name
        assert {kind.field(f).zh for f in kind.required} <= set(frame.columns), path.name
        assert len(frame) > 0, path.name
        if match:
            year, word, _ = match.groups()
            assert f"{year}年第{word}季度" in str(title[0]), path.name


def test_membership_headers_are_all_dictionary_fields(demo_dir):
    _, frame = _read(demo_dir / "2025年第三季度_会员发展.xlsx")
    assert set(frame.columns) == {f.zh for f in KINDS["membership"].fields}


def test_snapshot_period_columns_match_file_name(tables):
    for kind_id in ("membership", "dues"):
        frame = tables[kind_id]
        assert (frame["year"] == frame["file_year"]).all()
        words = frame["file_quarter"].map(lambda q: f"第{QUARTER_WORDS[q - 1]}季度")
        assert (frame["quarter"] == words).all()
        assert not frame.duplicated(["file_year", "file_quarter", "unit"]).any()


def test_event_dates_fall_in_the_file_quarter(tables):
    for kind_id, categories in (("welfare", WELFARE_CATEGORIES), ("activities", ACTIVITY_CATEGORIES)):
        frame = tables[kind_id]
        dates = pd.to_datetime(frame["date"])
        assert (dates.dt.year == frame.file_year).all()
        assert (dates.dt.quarter == frame.file_quarter).all()
        assert set(frame["category"]) <= set(categories)
    # every welfare category occurs, 送温暖 mostly in Q1/Q4 and 金秋助学 in Q3
    welfare = tables["welfare"]
    assert set(welfare["category"]) == set(WELFARE_CATEGORIES)
    warmth = welfare[welfare.category == "送温暖"]
    assert warmth.file_quarter.isin([1, 4]).mean() > 0.9
    assert (welfare[welfare.category == "金秋助学"].file_quarter == 3).all()


# ---------------------------------------------------------------- plausibility


def test_membership_rows_are_plausible(tables):
    m = tables["membership"]
    assert (m.members <= m.employees).mean() >= 0.95
    assert (m.members_female <= m.employees_female).all()
    assert (m.members_migrant <= m.employees_migrant).all()
    assert (m.employees_female <= m.employees).all()
    assert (m.orgs_unionized <= m.orgs_total).all()
    organ = m.unit_type == "机关"
    assert organ.any() and set(m.unit_type) == {"机关", "事业单位", "企业"}
    for column in ("contracts_signed", "wage_agreements", "female_contracts"):
        signed = pd.to_numeric(m[column], errors="coerce")
        assert signed[organ].isna().all(), column  # a 机关 signs no 集体合同: the cell is blank, not 0
        assert (signed[~organ] <= m.orgs_unionized[~organ]).all(), column
    assert m.employees.between(30, 2000).all()
    assert m.parent.notna().all() and m.parent.nunique() == 4


def test_unit_count_and_names(tables):
    units = set(tables["membership"].unit)
    assert 26 <= len(units) <= 32
    # names with brackets that differ only inside the brackets are different units
    bracketed = [u for u in units if "（" in u]
    assert len(bracketed) >= 2
    stems = [u.split("（")[0] for u in bracketed]
    assert len(stems) > len(set(stems))
    for kind_id in ("dues", "welfare", "activities"):
        assert set(tables[kind_id].unit) <= units, kind_id


def test_two_units_missing_from_2025_q4_membership(tables):
    m = tables["membership"]
    q3, q4 = set(_period(m, 2025, 3).unit), set(_period(m, 2025, 4).unit)
    assert q4 < q3 and len(q3 - q4) == 2
    # they still paid their dues: the units are known, only the membership sheet is missing
    assert q3 - q4 <= set(_period(tables["dues"], 2025, 4).unit)
    for year, quarter in ((2024, 1), (2024, 4), (2025, 1), (2025, 3)):
        assert set(_period(m, year, quarter).unit) == set(_period(m, year, 1).unit)


def test_one_unit_only_from_2025(tables):
    seen_2024 = set().union(*(set(t[t.file_year == 2024].unit) for t in tables.values()))
    seen_2025 = set(tables["membership"][tables["membership"].file_year == 2025].unit)
    joined = seen_2025 - seen_2024
    assert len(joined) == 1
    first = _period(tables["membership"], 2025, 1)
    assert first[first.unit.isin(joined)].new_unions.sum() >= 1


def test_totals_in_the_ballpark_of_real_reports(tables):
    m = tables["membership"]
    q = _period(m, 2025, 3)
    assert 15_000 <= q.employees.sum() <= 21_000
    assert 0.96 <= q.members.sum() / q.employees.sum() <= 0.99
    assert 0.75 <= q.contracts_signed.sum() / q.orgs_unionized.sum() <= 0.85
    assert 700 <= _ytd(m, 2025, 4).new_members.sum() <= 1100
    assert 8 <= _ytd(m, 2025, 4).new_unions.sum() <= 20


def test_2025_modestly_better_than_2024(tables):
    m = tables["membership"]
    for numerator, denominator in (
        ("members", "employees"),
        ("orgs_unionized", "orgs_total"),
        ("contracts_signed", "orgs_unionized"),
    ):
        rates = [
            _period(m, y, 3)[numerator].sum() / _period(m, y, 3)[denominator].sum() for y in (2024, 2025)
        ]
        assert rates[0] < rates[1] < rates[0] + 0.10, numerator
    assert _ytd(m, 2024, 4).new_members.sum() < _ytd(m, 2025, 4).new_members.sum()
    assert len(_ytd(tables["activities"], 2024, 4)) < len(_ytd(tables["activities"], 2025, 4))
    assert _ytd(tables["welfare"], 2024, 4).amount.sum() < _ytd(tables["welfare"], 2025, 4).amount.sum()


def test_dues_mostly_paid_with_some_arrears_in_2025(tables):
    dues = tables["dues"]
    assert (dues.dues_paid <= dues.dues_due).all()
    arrears_2025 = set(dues[(dues.file_year == 2025) & (dues.dues_paid < dues.dues_due)].unit)
    assert 2 <= len(arrears_2025) <= 3
    assert (dues.dues_paid == dues.dues_due).mean() > 0.9
    unpaid = dues[dues.dues_paid == 0]
    assert unpaid.paid_on.map(lambda d: d in (None, "")).all()  # calamine reads a blank as ""
    paid = dues[dues.dues_paid > 0]
    assert paid.paid_on.map(lambda d: isinstance(d, dt.date)).all()


def test_activities_are_plausible(tables):
    a = tables["activities"]
    assert (a.participants_female <= a.participants).all()
    assert (a.participants > 0).all() and (a.cost >= 0).all()
    assert a.title.notna().all() and a.title.str.len().gt(3).all()


# ---------------------------------------------------------------- targets


@pytest.fixture(scope="module")
def targets(demo_dir) -> pd.DataFrame:
    title, frame = _read(demo_dir / "2025年度目标.xlsx")
    assert "2025" in str(title[0])
    return _by_field("targets", frame)


def _fraction(value: object) -> float:
    text = str(value)
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def test_targets_name_known_indicators_and_units(targets, tables):
    assert (targets.year == 2025).all()
    found = [find_indicator(name) for name in targets.indicator]
    assert all(found), list(targets.indicator)
    org_wide = targets[targets.unit.isna() | (targets.unit == "")]
    assert len({i.id for i in (find_indicator(n) for n in org_wide.indicator)}) >= len(INDICATORS) - 3
    unit_rows = targets[targets.unit.notna() & (targets.unit != "")]
    assert len(unit_rows) >= 3
    assert set(unit_rows.unit) <= set(tables["membership"].unit)
    for ind, row in zip(found, targets.itertuples(), strict=True):
        if ind.measure == "rate":
            assert isinstance(row.target, str) and row.target.endswith("%")
        milestones = [v for v in (row.q1, row.q2, row.q3, row.q4) if pd.notna(v) and v != ""]
        if milestones:
            assert ind.kind == "flow" and milestones == sorted(milestones)
            assert milestones[-1] == row.target


def _org_statuses(tables, targets, quarter: int) -> dict[str, str]:
    """Status of the organisation-wide membership targets, by the rules in DOMAIN.md."""
    m = _period(tables["membership"], 2025, quarter)
    flows = _ytd(tables["membership"], 2025, quarter)
    statuses = {}
    for row in targets[targets.unit.isna() | (targets.unit == "")].itertuples():
        ind = find_indicator(row.indicator)
        if ind.source != "membership" or ind.numerator not in m:
            continue
        if ind.kind == "rate":
            actual = m[ind.numerator].sum() / m[ind.denominator].sum()
            target = _fraction(row.target)
            statuses[ind.id] = (
                "behind" if actual < target else "ahead" if actual >= target + 0.05 else "on_track"
            )
        elif ind.kind == "flow":
            milestone = getattr(row, f"q{quarter}")
            expected = float(milestone) if milestone not in (None, "") else float(row.target) * quarter / 4
            ratio = flows[ind.numerator].sum() / expected
            statuses[ind.id] = "behind" if ratio < 0.9 else "ahead" if ratio > 1.1 else "on_track"
    return statuses


@pytest.mark.parametrize("quarter", [3, 4])
def test_targets_give_a_mix_of_statuses(tables, targets, quarter):
    statuses = _org_statuses(tables, targets, quarter)
    assert len(statuses) >= 8
    assert {"behind", "on_track"} <= set(statuses.values()), statuses
    if quarter == 4:
        assert set(statuses.values()) == {"ahead", "on_track", "behind"}, statuses


def test_demo_is_deterministic(tmp_path, demo_dir):
    write_demo_files(tmp_path)
    for name in ("2025年第四季度_会员发展.xlsx", "2024年第一季度_帮扶慰问.xlsx", "2025年度目标.xlsx"):
        assert _read(tmp_path / name)[1].equals(_read(demo_dir / name)[1]), name


# ---------------------------------------------------------------- through the real pipeline


def test_build_demo_loads_through_the_pipeline(tmp_path):
    pipeline = pytest.importorskip("etl.store.pipeline")
    if not hasattr(pipeline, "load_paths"):
        pytest.skip("etl.store.pipeline.load_paths not written yet")
    from etl.demo import ORG_NAME, build_demo
    from etl.store import connect, get_setting

    db = build_demo(tmp_path / "demo.duckdb", files_dir=tmp_path / "files")
    assert db == tmp_path / "demo.duckdb" and db.exists()
    with connect(db, read_only=True) as con:
        assert get_setting(con, "org_name") == ORG_NAME
        for table in ("membership", "dues", "welfare", "activities", "targets"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
        sql = "SELECT count(DISTINCT unit_id) FROM membership WHERE year = 2025 AND quarter = ?"
        q3, q4 = (con.execute(sql, [q]).fetchone()[0] for q in (3, 4))
        assert q3 - q4 == 2
