"""The string catalogue (etl/core/strings.py) and the code agree.

(a) every key is used by some code, (b) every key the code asks t() for exists, (c) every key has its
Chinese text, (d) pages and dashboard code hold no user-facing Chinese text outside the catalogue.
The code is read with ast, so comments and docstrings do not count, and f-string keys such as
f"theme.sort_{order}" are matched as patterns (theme.sort_asc, theme.sort_desc).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from etl.core.strings import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_FILE = ROOT / "etl" / "core" / "strings.py"
# Chinese characters; a literal of full-width punctuation only ("、", "：") is a separator, not text
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
AREA = re.compile(r"[a-z][a-z0-9_]*\.")  # how a key starts: its area and a dot
KEY_LIKE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")

# Chinese literals in pages/ and dashboard/ that are not UI text: (file, literal) -> why.
NOT_UI_TEXT = {
    (
        "dashboard/views.py",
        "元",
    ): "unit of a breakdown chart's values; etl.outputs.figures puts it in English",
    (
        "dashboard/views.py",
        "人次",
    ): "unit of a breakdown chart's values; etl.outputs.figures puts it in English",
    (
        "dashboard/views.py",
        "次",
    ): "unit of a breakdown chart's values; etl.outputs.figures puts it in English",
}


def code_files() -> list[Path]:
    files = [*ROOT.glob("etl/**/*.py"), *ROOT.glob("dashboard/**/*.py"), *ROOT.glob("pages/**/*.py")]
    files += [ROOT / "app.py", ROOT / "serve.py"]
    return sorted(p for p in files if p.exists() and p != CATALOGUE_FILE)


@cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def docstrings(module: ast.Module) -> set[int]:
    """ids of the string constants that are docstrings (not shown to users)."""
    found = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def pattern(node: ast.JoinedStr) -> re.Pattern[str] | None:
    """f"report.doc.col_{c}" -> report\\.doc\\.col_[A-Za-z0-9_]+ when it starts like a key, else None."""
    parts = node.values
    if not parts or not isinstance(parts[0], ast.Constant) or not AREA.match(str(parts[0].value)):
        return None
    regex = "".join(
        re.escape(str(p.value)) if isinstance(p, ast.Constant) else "[A-Za-z0-9_]+" for p in parts
    )
    return re.compile(regex)


def literals(path: Path) -> Iterator[str]:
    skip = docstrings(tree(path))
    found = [
        node
        for node in ast.walk(tree(path))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    ]
    for node in sorted(found, key=lambda n: (n.lineno, n.col_offset)):  # in reading order
        yield node.value


def patterns(path: Path) -> Iterator[re.Pattern[str]]:
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.JoinedStr) and (p := pattern(node)) is not None:
            yield p


def t_calls(path: Path) -> Iterator[tuple[int, ast.expr]]:
    """(line, first argument) of every call to t() / i18n.t()."""
    for node in ast.walk(tree(path)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f = node.func
        if (isinstance(f, ast.Name) and f.id == "t") or (isinstance(f, ast.Attribute) and f.attr == "t"):
            yield node.lineno, node.args[0]


def key_expressions(arg: ast.expr) -> Iterator[ast.expr]:
    """The possible keys of an argument: both branches of `a if c else b`."""
    if isinstance(arg, ast.IfExp):
        yield from key_expressions(arg.body)
        yield from key_expressions(arg.orelse)
    else:
        yield arg


def unused_keys(catalogue: dict[str, object], files: list[Path] | None = None) -> list[str]:
    used: set[str] = set()
    dynamic: list[re.Pattern[str]] = []
    for path in code_files() if files is None else files:
        used.update(s for s in literals(path) if s in catalogue)
        dynamic.extend(patterns(path))
    return [k for k in catalogue if k not in used and not any(p.fullmatch(k) for p in dynamic)]


def missing_keys(
    catalogue: dict[str, object], files: list[Path] | None = None, root: Path = ROOT
) -> list[str]:
    missing = []
    for path in code_files() if files is None else files:
        for line, arg in t_calls(path):
            for expr in key_expressions(arg):
                where = f"{path.relative_to(root).as_posix()}:{line}"
                if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
                    if expr.value not in catalogue:
                        missing.append(f"{where} {expr.value!r}")
                elif (
                    isinstance(expr, ast.JoinedStr)
                    and (p := pattern(expr)) is not None
                    and not any(p.fullmatch(k) for k in catalogue)
                ):
                    missing.append(f"{where} {p.pattern} (matches no key)")
    return missing


def stray_chinese(files: list[Path] | None = None, root: Path = ROOT) -> list[str]:
    """Chinese literals (or f-string parts) in pages/, dashboard/, app.py and serve.py, except the
    allowed ones above. Such text belongs in the catalogue even when it repeats a catalogue text:
    a literal does not follow the language switch."""
    stray = []
    for path in code_files() if files is None else files:
        rel = path.relative_to(root).as_posix()
        if not rel.startswith(("pages/", "dashboard/", "app.py", "serve.py")):
            continue
        for s in literals(path):
            if HAN.search(s) and (rel, s) not in NOT_UI_TEXT:
                stray.append(f"{rel}: {s!r}")
    return stray


# ---------------------------------------------------------------- the checks


def test_every_key_is_used_by_some_code():
    assert unused_keys(CATALOGUE) == []


def test_every_key_the_code_asks_for_exists():
    assert missing_keys(CATALOGUE) == []


def test_every_key_has_chinese_text():
    for key, (zh, en) in CATALOGUE.items():
        assert KEY_LIKE.fullmatch(key), key
        assert isinstance(zh, str) and zh.strip(), key
        assert en is None or (isinstance(en, str) and en.strip()), key


def test_pages_and_dashboard_hold_no_chinese_outside_the_catalogue():
    assert stray_chinese() == []


def test_exceptions_are_still_needed():
    """An allow-listed literal that is gone from its file is a stale exception."""
    for rel, s in NOT_UI_TEXT:
        assert s in set(literals(ROOT / rel)), (rel, s)


# ---------------------------------------------------------------- each check can fail


@pytest.fixture
def page(tmp_path: Path) -> Path:
    """A page script with one of each mistake, in a tree shaped like the project's."""
    path = tmp_path / "pages" / "stray.py"
    path.parent.mkdir()
    path.write_text(
        '''"""页面说明：文档字符串不是界面文字。"""

from etl.core.i18n import t

code = "zh"
st.title(t("page.overview", code))
st.write(t("upload.no_such_key", code))
st.write(t(f"theme.sort_{order}", code))
st.write(t(f"theme.no_such_{order}", code))
st.caption("尚未翻译的说明")
st.header("总览")
st.write("、".join(names))
st.caption(f"共{n}行")
''',
        encoding="utf-8",
    )
    return path


def test_a_stray_key_is_reported_unused(page):
    catalogue = {"page.overview": ("总览", "Overview"), "upload.never_shown": ("从未显示", None)}
    assert unused_keys(catalogue, [page]) == ["upload.never_shown"]


def test_a_dynamic_key_is_used_through_its_pattern(page):
    catalogue = {"theme.sort_asc": ("由低到高", "Lowest first"), "theme.sort_desc": ("由高到低", None)}
    assert unused_keys(catalogue, [page]) == []
    # and the real code: pages/audit.py asks for f"audit.action.{a}", so a new action label needs no literal
    assert unused_keys({**CATALOGUE, "audit.action.new_action": ("新操作", "New action")}) == []


def test_a_key_the_catalogue_lacks_is_reported(page, tmp_path):
    found = missing_keys(dict(CATALOGUE), [page], tmp_path)
    assert found == [
        "pages/stray.py:7 'upload.no_such_key'",
        "pages/stray.py:9 theme\\.no_such_[A-Za-z0-9_]+ (matches no key)",
    ]


def test_chinese_text_outside_the_catalogue_is_reported(page, tmp_path):
    assert stray_chinese([page], tmp_path) == [
        "pages/stray.py: '尚未翻译的说明'",
        "pages/stray.py: '总览'",
        "pages/stray.py: '共'",
        "pages/stray.py: '行'",
    ]


@pytest.mark.parametrize("bad", [("", "Empty"), ("   ", None)])
def test_a_key_without_chinese_fails(monkeypatch, bad):
    monkeypatch.setitem(CATALOGUE, "test.no_zh", bad)
    with pytest.raises(AssertionError):
        test_every_key_has_chinese_text()
