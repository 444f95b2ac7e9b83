"""Merge aid: fold the ZH.update({...}) / EN.update({...}) blocks that branches made before the
catalogue append to etl/core/i18n.py into etl/core/strings.py. Delete this file once they are merged.

    .venv/bin/python tools/fold_i18n_blocks.py && .venv/bin/ruff format etl/core

Then give the area comment it writes ("# ---- AREA: FEATURE") a name, and delete the blocks' leftover
comments in i18n.py. English keys without Chinese are printed, not folded.
"""

import ast
import json
import pathlib

i18n = pathlib.Path("etl/core/i18n.py")
src = i18n.read_text(encoding="utf-8")
zh: dict[str, str] = {}
en: dict[str, str] = {}
spans = []
for node in ast.parse(src).body:
    call = node.value if isinstance(node, ast.Expr) else None
    if (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "update"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id in ("ZH", "EN")
    ):
        (zh if call.func.value.id == "ZH" else en).update(ast.literal_eval(call.args[0]))
        spans.append((node.lineno, node.end_lineno))
lines = src.split("\n")
for first, last in sorted(spans, reverse=True):
    del lines[first - 1 : last]
i18n.write_text("\n".join(lines), encoding="utf-8")
if set(en) - set(zh):
    print("English without Chinese (add the Chinese by hand):", sorted(set(en) - set(zh)))
q = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731
entries = "".join(f"    {q(k)}: ({q(v)}, {q(en[k]) if k in en else 'None'}),\n" for k, v in zh.items())
strings = pathlib.Path("etl/core/strings.py")
text = strings.read_text(encoding="utf-8").rstrip()
assert text.endswith("}"), "etl/core/strings.py should end with the catalogue's closing brace"
strings.write_text(
    text[:-1] + "    # ---- AREA: FEATURE (folded in from i18n.py)\n" + entries + "}\n", encoding="utf-8"
)
print(f"folded {len(zh)} keys from {len(spans)} blocks")
