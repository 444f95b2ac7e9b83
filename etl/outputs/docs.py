"""Markdown reference generated from the dictionary; README.md embeds it between markers
and a test checks that the two agree, so the docs cannot drift from the code."""

from __future__ import annotations

from etl.core.dictionary import INDICATORS, KINDS, THEMES
from etl.core.settings import PROJECT_ROOT, SETTINGS

BEGIN = "<!-- BEGIN GENERATED: python -m etl docs -->"
END = "<!-- END GENERATED -->"
_TYPES = {
    "text": "文本",
    "int": "整数 ≥ 0",
    "money": "金额（元；表头写“万元/千元”自动换算）",
    "date": "日期",
    "number": "数值",
    "rate": "比率",
}
_KIND_ZH = {
    "rate": "比率（分子之和 ÷ 分母之和）",
    "stock": "时点数（所选季度）",
    "flow": "累计数（一季度至所选季度）",
}


def kinds_markdown() -> str:
    out = []
    for kind in KINDS.values():
        out.append(f"#### {kind.zh}（`{kind.id}`）\n")
        out.append("| 表头 | 字段 | 类型 | 必填 | 也认得 |\n|---|---|---|---|---|")
        for f in kind.fields:
            aliases = "、".join(f.aliases[:6]) + ("…" if len(f.aliases) > 6 else "")
            out.append(f"| {f.zh} | `{f.id}` | {_TYPES[f.type]} | {'是' if f.required else ''} | {aliases} |")
        out.append("")
    return "\n".join(out)


def indicators_markdown() -> str:
    themes = {t.id: t.zh for t in THEMES}
    out = ["| 指标 | id | 类别 | 口径 | 计算 |", "|---|---|---|---|---|"]
    for ind in INDICATORS:
        out.append(
            f"| {ind.zh} | `{ind.id}` | {themes[ind.theme]} | {_KIND_ZH[ind.kind]} | {ind.formula_zh} |"
        )
    return "\n".join(out)


def settings_markdown() -> str:
    out = ["| 环境变量 | 默认值 | 说明 |", "|---|---|---|"]
    for name, (default, text) in SETTINGS.items():
        shown = default.replace(f"{PROJECT_ROOT}/", "") or "（空）"
        out.append(f"| `{name}` | `{shown}` | {text} |")
    return "\n".join(out)


def generated_block() -> str:
    return "\n".join(
        [
            BEGIN,
            "",
            "### 指标（19 项）",
            "",
            indicators_markdown(),
            "",
            "### 表格类型与列",
            "",
            kinds_markdown(),
            "### 配置",
            "",
            settings_markdown(),
            "",
            END,
        ]
    )
