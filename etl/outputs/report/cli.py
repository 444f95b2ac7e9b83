"""`python -m etl report`: the report as files in a directory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from etl import store
from etl.core import settings
from etl.indicators import kpis
from etl.outputs.report import images as rendering
from etl.outputs.report.build import render
from etl.outputs.report.charts import select, short_keys
from etl.outputs.report.draft import NoData, draft


def run_cli(args: Any) -> int:
    """`python -m etl report --year Y --quarter Q [--unit NAME] [--length short|full] --out DIR ...`."""
    db = Path(args.db) if args.db else settings.db_path()
    if db.suffix == "":
        db = db.with_suffix(".duckdb")
    if not db.exists():
        print(
            f"找不到数据库文件「{db}」。请先导入数据（python -m etl load）"
            "或生成演示数据（python -m etl demo）。",
            file=sys.stderr,
        )
        return 2
    listing = getattr(args, "list_charts", False)
    if not listing and not getattr(args, "out", None):
        print("请用 --out 指定输出目录。", file=sys.stderr)
        return 2
    length = getattr(args, "length", "short") or "short"
    formats = ["docx", "png"]
    if not getattr(args, "no_slides", False):
        formats.append("pptx")
    formats += [f for f in ("svg", "pdf") if getattr(args, f, False)]
    # Chromium opens while the database is read and the text drafted
    release = None if listing else _prewarm(rendering.MANY if length == "full" and "pptx" in formats else 0)
    try:
        try:
            with store.connect(db, read_only=True) as con:
                unit_id = kpis.find_unit(con, args.unit) if args.unit else None
                d = draft(con, args.year, args.quarter, unit_id, getattr(args, "lang", "zh") or "zh")
        except (kpis.UnknownUnit, NoData) as exc:
            print(str(exc), file=sys.stderr)
            return 2
        if listing:
            short = set(short_keys(d.charts))
            for chart in d.charts:
                mark = "＊" if chart.key in short else "　"
                print(f"{mark}{chart.key}\t{chart.caption}")
            print("（＊＝简版默认图表）", file=sys.stderr)
            return 0
        keys = getattr(args, "charts", None)
        try:
            chosen = select(d.charts, length, keys)
        except KeyError as exc:
            print(f"没有这样的图表：{exc.args[0]}。可用的图表见 --list-charts。", file=sys.stderr)
            return 2
        what = "简版" if length == "short" else "完整版"
        print(f"正在生成「{d.title}」{what}：{len(chosen)} 张图表……", file=sys.stderr)
        try:
            files = render(d, args.out, formats, length=length, charts=keys)
        except RuntimeError as exc:  # no Chromium (figures.browser_path), or it could not start
            print(f"导出图表失败：{exc}", file=sys.stderr)
            return 2
    finally:
        if release:
            release()
    written = "、".join(
        n for n in (files.docx_name if files.docx else "", files.pptx_name if files.pptx else "") if n
    )
    extra = "".join(f"、{f.upper()}" for f in ("svg", "pdf") if f in formats)
    print(f"已写入 {args.out}：{written}、{len(chosen)} 张图表（PNG{extra}），用时 {files.seconds:.1f} 秒")
    for chart in chosen:
        print(f"  {chart.name}.png")
    return 0


def _prewarm(pictures: int):
    try:
        return rendering.prewarm(pictures)
    except RuntimeError:
        return None  # no Chromium: render() says so
