"""A restored database gives identical kpis; a failed restore leaves the database untouched."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def etl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True)


def test_backup_and_restore_give_identical_kpis(demo_db_copy: Path, tmp_path: Path) -> None:
    before = etl("kpis", "--year", "2025", "--quarter", "3", "--db", str(demo_db_copy))
    assert before.returncode == 0, before.stderr
    assert etl("backup", str(tmp_path / "bk"), "--db", str(demo_db_copy)).returncode == 0
    restored = tmp_path / "restored.duckdb"
    result = etl("restore", str(tmp_path / "bk"), "--db", str(restored))
    assert result.returncode == 0, result.stderr
    after = etl("kpis", "--year", "2025", "--quarter", "3", "--db", str(restored))
    assert json.loads(after.stdout) == json.loads(before.stdout)
    unit = etl("kpis", "--year", "2025", "--quarter", "3", "--unit", "滨江市教育工会", "--db", str(restored))
    assert json.loads(unit.stdout)["members"]["actual"] > 0


def test_restore_from_a_wrong_directory_changes_nothing(demo_db_copy: Path, tmp_path: Path) -> None:
    size = demo_db_copy.stat().st_size
    result = etl("restore", str(tmp_path), "--db", str(demo_db_copy))
    assert result.returncode == 2 and "不是备份目录" in result.stderr
    assert demo_db_copy.stat().st_size == size
