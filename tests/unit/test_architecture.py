"""Architecture rules that keep the layers apart.

- etl/ (loading, indicators, exports) never imports streamlit or the dashboard, so it
  runs from the command line and in tests without a UI;
- the import-linter contracts in pyproject.toml hold;
- pages hold no SQL: queries live in etl;
- no raw HTML is injected into the pages (spreadsheet text is user input);
- every setting is documented in README.md.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UI_MODULES = ("streamlit", "dashboard")

# Imports every module of a package (found with pkgutil) in a fresh interpreter, then reports
# which UI modules ended up in sys.modules. __main__ is skipped: importing it would run the CLI.
_IMPORT_ALL = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys, traceback
    package, forbidden = sys.argv[1], sys.argv[2].split(",")
    pkg = importlib.import_module(package)
    imported, errors = [], {}
    for info in pkgutil.walk_packages(pkg.__path__, package + "."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except BaseException:
            errors[info.name] = traceback.format_exc()
    loaded = sorted({m.split(".")[0] for m in sys.modules} & set(forbidden))
    print(json.dumps({"imported": imported, "errors": errors, "loaded": loaded}))
    """
)


def import_everything(package: str, cwd: Path, forbidden: tuple[str, ...] = UI_MODULES) -> dict:
    """Import every module of ``package`` (run from ``cwd``) in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, package, ",".join(forbidden)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"importing {package} failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ui_imports_in_source(package_dir: Path, forbidden: tuple[str, ...] = UI_MODULES) -> list[str]:
    """Static check: import statements naming a forbidden top-level module (covers
    etl/__main__.py and imports inside functions, which importing does not reach)."""
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if name.split(".")[0] in forbidden:
                    found.append(f"{path.relative_to(package_dir.parent)}:{node.lineno}: imports {name}")
    return found


# --------------------------------------------------------------------------- etl is UI-free


def test_importing_all_of_etl_does_not_load_streamlit() -> None:
    result = import_everything("etl", ROOT)
    assert not result["errors"], "modules of etl fail to import:\n" + "\n".join(
        f"--- {name}\n{tb}" for name, tb in result["errors"].items()
    )
    assert result["imported"], "no module found under etl/"
    assert not result["loaded"], (
        f"importing etl loaded {result['loaded']}; etl must stay free of the UI "
        "(move the code to dashboard/ or pages/)"
    )


def test_etl_source_has_no_ui_imports() -> None:
    assert ui_imports_in_source(ROOT / "etl") == []


def test_the_import_check_can_fail(tmp_path: Path) -> None:
    """The checks above must catch a UI import hidden one module deep."""
    (tmp_path / "fakeui").mkdir()
    (tmp_path / "fakeui" / "__init__.py").write_text("")
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "clean.py").write_text("import json\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "leaky.py").write_text("def f():\n    return 1\n\nimport fakeui  # noqa\n")
    result = import_everything("pkg", tmp_path, forbidden=("fakeui",))
    assert result["loaded"] == ["fakeui"]
    assert "pkg.sub.leaky" in result["imported"]
    assert ui_imports_in_source(pkg, forbidden=("fakeui",)) == ["pkg/sub/leaky.py:4: imports fakeui"]


def test_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    if not lint_imports.exists():
        pytest.skip(f"{lint_imports} not installed (make dev-venv)")
    proc = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"lint-imports failed:\n{proc.stdout}\n{proc.stderr}"


# --------------------------------------------------------------------------- pages


SQL_PATTERNS = {
    "SELECT ... FROM": re.compile(r"\bSELECT\b[\s\S]{1,400}?\bFROM\b"),
    "INSERT INTO": re.compile(r"\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b"),
    "DELETE FROM": re.compile(r"\bDELETE\s+FROM\b"),
    "UPDATE ... SET": re.compile(r"\bUPDATE\s+[\w.\"]+\s+SET\b"),
}


def page_files() -> list[Path]:
    return sorted((ROOT / "pages").rglob("*.py"))


def ui_files() -> list[Path]:
    app = ROOT / "app.py"
    return ([app] if app.exists() else []) + page_files()


def test_pages_contain_no_sql() -> None:
    files = page_files()
    if not files:
        pytest.skip("no pages/*.py yet")
    offences = []
    for path in files:
        text = path.read_text("utf-8")
        for label, pattern in SQL_PATTERNS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offences.append(f"{path.relative_to(ROOT)}:{line}: {label}")
    assert not offences, "SQL belongs in etl/, not in pages:\n" + "\n".join(offences)


def test_sql_patterns_match_sql() -> None:
    sql = 'con.execute("""SELECT unit, count(*)\n  FROM members GROUP BY 1""")'
    assert SQL_PATTERNS["SELECT ... FROM"].search(sql)
    assert SQL_PATTERNS["INSERT INTO"].search("INSERT INTO units VALUES (1)")
    assert SQL_PATTERNS["DELETE FROM"].search("DELETE  FROM loads WHERE id = ?")
    assert SQL_PATTERNS["UPDATE ... SET"].search("UPDATE settings SET value = ?")
    assert not any(p.search('st.selectbox("Select a unit from the list")') for p in SQL_PATTERNS.values())


def test_no_unsafe_html_in_ui() -> None:
    pattern = re.compile(r"unsafe_allow_html\s*=\s*True")
    offences = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
        for path in ui_files()
        for text in [path.read_text("utf-8")]
        for m in pattern.finditer(text)
    ]
    assert not offences, "unsafe_allow_html=True found (spreadsheet text would reach the page as HTML):\n" + (
        "\n".join(offences)
    )


# --------------------------------------------------------------------------- docs


def test_every_setting_is_documented_in_readme() -> None:
    from etl.core.settings import SETTINGS

    readme = ROOT / "README.md"
    assert readme.exists(), "README.md is missing"
    text = readme.read_text("utf-8")
    missing = [name for name in SETTINGS if name not in text]
    assert not missing, f"settings not documented in README.md: {missing}"
