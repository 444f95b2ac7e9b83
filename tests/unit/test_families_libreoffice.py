"""Formats family: files written by LibreOffice Calc (BIFF8 .xls and .xlsx).

The committed files under tests/fixtures/ were made by tests/fixtures/make_libreoffice_fixtures.py;
they are loaded always. Where soffice is installed, the same workbooks are rebuilt by
LibreOffice in a temporary directory and must load to the same figures."""

from __future__ import annotations

import importlib.util
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from etl import store
from etl.core.settings import StatusRules
from etl.indicators import kpis
from etl.ingest.inspect import inspect_path
from etl.store.pipeline import load_paths

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_spec = importlib.util.spec_from_file_location(
    "make_libreoffice_fixtures", FIXTURES / "make_libreoffice_fixtures.py"
)
assert _spec and _spec.loader
maker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(maker)


def query(db: Path, sql: str) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def check_membership(path: Path, db: Path) -> None:
    load_paths([path], db=db, user="test")
    assert query(
        db,
        "SELECT u.name, m.year, m.quarter, m.employees, m.employees_female, m.members, "
        "m.members_female, m.new_members FROM membership m JOIN units u USING (unit_id) ORDER BY 1",
    ) == [
        ("滨江市人民医院（东院）工会", 2025, 2, 300, 100, 290, 95, 5),
        ("滨江市税务局工会", 2025, 2, 60, 10, 47, 5, 2),
        ("滨江市第一中学工会", 2025, 2, 1000, 500, 963, 490, 30),
    ]
    with store.connect(db, read_only=True) as con:
        k = kpis.compute(con, 2025, 2, None, StatusRules())
    assert k["membership_rate"].actual == pytest.approx(1300 / 1360)
    assert k["female_membership_rate"].actual == pytest.approx(590 / 610)


def check_welfare(path: Path, db: Path) -> None:
    load_paths([path], db=db, user="test")
    assert query(
        db,
        "SELECT year, quarter, category, sum(amount), sum(beneficiaries) FROM welfare "
        "GROUP BY ALL ORDER BY ALL",
    ) == [
        (2025, 1, "困难职工帮扶", Decimal("2000.00"), 2),
        (2025, 1, "送温暖", Decimal("5000.00"), 10),
        (2025, 2, "住院探望", Decimal("600.00"), 3),
        (2025, 3, "其他", Decimal("100.00"), 1),
        (2025, 3, "金秋助学", Decimal("8000.00"), 4),
    ]
    warnings = [p.text() for p in inspect_path(path).warnings]
    assert len(warnings) == 1 and "工会福利" in warnings[0]


def check_dues(path: Path, db: Path) -> None:
    load_paths([path], db=db, user="test")
    assert query(
        db, "SELECT year, quarter, sum(dues_due), sum(dues_paid) FROM dues GROUP BY ALL ORDER BY ALL"
    ) == [
        (2025, 1, Decimal("12000.00"), Decimal("12000.00")),
        (2025, 2, Decimal("12000.00"), Decimal("10000.00")),
    ]


CHECKS = {
    maker.MEMBERSHIP_XLS: check_membership,
    maker.WELFARE_XLS: check_welfare,
    maker.DUES_XLSX: check_dues,
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_formats_committed_libreoffice_files(name: str, tmp_path: Path) -> None:
    path = FIXTURES / name
    assert path.exists(), f"{path} is missing: run python tests/fixtures/make_libreoffice_fixtures.py"
    CHECKS[name](path, tmp_path / "lo.duckdb")


@pytest.mark.skipif(maker.soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_formats_files_freshly_saved_by_libreoffice(tmp_path: Path) -> None:
    made = maker.build(tmp_path / "made")
    assert sorted(p.name for p in made) == sorted(CHECKS)
    for path in made:
        target = tmp_path / path.name  # the file name carries the period for some of them
        shutil.copyfile(path, target)
        CHECKS[path.name](target, tmp_path / f"{path.stem}.duckdb")
