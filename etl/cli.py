"""Command line: python -m etl load|inspect|kpis|report|demo|templates|history|undo ..."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

from etl.core import settings
from etl.core.dictionary import DATA_KINDS, KINDS
from etl.core.problems import visible

# The heavier modules (pandas, duckdb, the parser) are imported by the commands that use them:
# `load` starts its parsing child first, so that both processes import at the same time.

EXIT_REJECTED = 2
EXIT_USAGE = 64


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", help="DuckDB 数据库文件（默认取环境变量 UNION_KPI_DB，否则 data/union_kpi.duckdb）"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="工会年度指标看板：数据导入与指标计算")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("load", "导入表格（全部成功才写入）"), ("inspect", "只检查表格，不写入")):
        p = sub.add_parser(name, help=text)
        p.add_argument("paths", nargs="+", type=Path)
        p.add_argument("--kind", choices=[*DATA_KINDS, "targets"], help="表格类型（默认自动识别）")
        p.add_argument("--year", type=int, help="年度（默认从表格识别）")
        p.add_argument("--quarter", type=int, choices=[1, 2, 3, 4], help="季度（默认从表格识别）")
        p.add_argument("--user", help="记录在导入日志中的用户名")
        _db_arg(p)
    p = sub.add_parser("kpis", help="输出指标 JSON")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
    p.add_argument("--unit", help="单位名称（默认整个组织）")
    _db_arg(p)
    p = sub.add_parser("report", help="导出工作数据报告：Word（公文格式）、PowerPoint 和每张图表的 PNG")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
    p.add_argument("--unit", help="单位名称（默认整个组织）")
    p.add_argument("--out", type=Path, help="输出目录（--list-charts 时不需要）")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="报告语言（默认中文）")
    p.add_argument(
        "--length",
        choices=["short", "full"],
        default="short",
        help="short＝简版（主要指标表、文字和6张重点图表，默认）；full＝完整版（全部图表作为附件，含目录）",
    )
    p.add_argument("--charts", nargs="+", metavar="KEY", help="只用这些图表（键见 --list-charts）")
    p.add_argument("--list-charts", action="store_true", help="列出本报告可用的图表及其键，不生成报告")
    p.add_argument("--no-slides", action="store_true", help="不生成 PowerPoint")
    p.add_argument("--svg", action="store_true", help="同时导出每张图表的 SVG（矢量）")
    p.add_argument("--pdf", action="store_true", help="同时导出每张图表的 PDF（矢量、嵌入字体）")
    _db_arg(p)
    p = sub.add_parser("demo", help="生成演示数据库")
    _db_arg(p)
    p.add_argument("--files", type=Path, help="同时把演示表格写到此目录")
    for name, text in (
        ("backup", "备份整个数据库到一个新目录（Parquet）"),
        ("restore", "从备份目录恢复数据库"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("dir", type=Path)
        _db_arg(p)
    _users_parser(sub)
    _history_parsers(sub)
    sub.add_parser("docs", help="输出由指标字典生成的说明（README 中的表格）")
    p = sub.add_parser("templates", help="把各类表格模板写到目录")
    p.add_argument("out", type=Path)
    return parser


# ---------------------------------------------------------------- users (accounts)


def _users_parser(sub) -> None:
    users = sub.add_parser("users", help="管理登录账号（新建、列出、改密码、停用、启用）")
    action = users.add_subparsers(dest="users_command", required=True)
    p = action.add_parser("add", help="新建账号（密码在提示符下输入，或用 --password-stdin 从标准输入读取）")
    p.add_argument("name", help="账号名")
    p.add_argument(
        "--role", required=True, choices=["admin", "uploader", "viewer"], help="管理员/填报员/查看"
    )
    p.add_argument("--unit", help="所属单位（填报员必填；查看可选，默认整个组织）")
    p.add_argument("--email", help="电子邮箱（统一身份认证登录时按邮箱匹配账号）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    _db_arg(p)
    p = action.add_parser("list", help="列出账号")
    _db_arg(p)
    p = action.add_parser("passwd", help="重设密码（同时解除锁定、结束该账号已登录的会话）")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    _db_arg(p)
    for name, text in (("disable", "停用账号（已登录的会话随即失效）"), ("enable", "启用账号")):
        p = action.add_parser(name, help=text)
        p.add_argument("name")
        _db_arg(p)


def _read_password(args: argparse.Namespace) -> str | None:
    """From standard input (--password-stdin) or typed twice at a prompt; never from an argument."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("请输入密码：")
    second = getpass.getpass("请再次输入密码：")
    if first != second:
        print("两次输入的密码不一致，未做任何修改", file=sys.stderr)
        return None
    return first


def _users(args: argparse.Namespace) -> int:
    from etl import store
    from etl.core import settings
    from etl.store import accounts
    from etl.store.permissions import ROLE_ZH, PermissionDenied, local_admin

    actor = local_admin(settings.current_user(), via="cli")
    try:
        if args.users_command == "list":
            with store.connect(args.db, read_only=True) as con:
                frame = accounts.listing(con)
            if frame.empty:
                print("还没有账号。用 python -m etl users add NAME --role admin 创建管理员。")
            for row in frame.itertuples():
                locked = row.locked_until is not None and row.locked_until == row.locked_until  # not NaT
                state = "已停用" if not row.enabled else "锁定中" if locked else "启用"
                unit = row.unit if isinstance(row.unit, str) else "整个组织"
                email = row.email if isinstance(row.email, str) else "—"
                print(f"{row.name}\t{ROLE_ZH.get(row.role, row.role)}\t{unit}\t{email}\t{state}")
            return 0
        if args.users_command in ("disable", "enable"):
            accounts.set_enabled(args.db, args.name, args.users_command == "enable", actor=actor)
            print(f"已{'启用' if args.users_command == 'enable' else '停用'}账号「{args.name}」")
            return 0
        password = _read_password(args)
        if password is None:
            return EXIT_REJECTED
        if args.users_command == "add":
            account = accounts.add(
                args.db, args.name, password, args.role, unit=args.unit, email=args.email, actor=actor
            )
            print(f"已新建账号「{account.name}」（{ROLE_ZH[account.role]}）")
        else:
            accounts.set_password(args.db, args.name, password, actor=actor)
            print(f"已重设账号「{args.name}」的密码")
        return 0
    except (accounts.AccountError, PermissionDenied) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED


def _print_report(report, out=sys.stderr) -> None:
    from etl.core.fmt import period_label

    for sheet in report.data_sheets:
        kind = KINDS[sheet.kind].zh
        periods = "、".join(period_label(y, q) for y, q in sheet.periods) or "—"
        print(f"  工作表「{sheet.sheet}」：{kind}，{periods}，{len(sheet.frame)} 行", file=out)
    for problem in report.warnings:
        print(f"  警告：{problem.text()}", file=out)


def _load(args: argparse.Namespace, write: bool) -> int:
    missing = [str(p) for p in args.paths if not p.is_file()]
    if missing:
        print(f"找不到文件：{'、'.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    from etl.ingest import sandbox

    sandbox.warm()  # the parsing child imports the parser while this process imports the rest
    from etl.core.problems import LoadRejected
    from etl.ingest.inspect import inspect_paths
    from etl.ingest.normalise import Hints
    from etl.store.pipeline import load_reports

    reports = inspect_paths(args.paths, Hints(args.kind, args.year, args.quarter))
    for report in reports:
        print(f"{report.file_name}：", file=sys.stderr)
        _print_report(report)
    if not write:
        errors = [p for r in reports for p in r.errors]
        for problem in errors:
            print(f"错误：{problem.text()}", file=sys.stderr)
        return EXIT_REJECTED if errors else 0
    try:
        summaries = load_reports(reports, db=args.db, user=args.user)
    except LoadRejected as rejected:
        print(str(rejected), file=sys.stderr)
        return EXIT_REJECTED
    for s in summaries:
        new = f"，新增单位 {len(s.new_units)} 个" if s.new_units else ""
        print(
            f"已导入「{s.file_name}」：{'、'.join(KINDS[k].zh for k in s.kinds)}，{s.rows} 行，"
            f"{s.units} 个单位{new}（导入编号 {s.load_id}）"
        )
    return 0


def _kpis(args: argparse.Namespace) -> int:
    from etl import store
    from etl.indicators import kpis

    with store.connect(args.db, read_only=True) as con:
        try:
            unit_id = kpis.find_unit(con, args.unit) if args.unit else None
        except kpis.UnknownUnit as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_REJECTED
        result = kpis.compute(con, args.year, args.quarter, unit_id)
    print(json.dumps({k: v.contract() for k, v in result.items()}, ensure_ascii=False, indent=2))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from etl.demo import build_demo, write_demo_files

    if args.files:
        write_demo_files(args.files)
    from etl.demo import DEMO_ACCOUNTS
    from etl.store.permissions import ROLE_ZH

    path = build_demo(db=Path(args.db) if args.db else None)
    print(f"演示数据库已生成：{path}")
    print("演示账号（仅供试用，正式使用前请停用或改密码）：")
    for name, password, role, unit in DEMO_ACCOUNTS:
        print(f"  {ROLE_ZH[role]}：账号 {name}　密码 {password}　范围 {unit or '整个组织'}")
    return 0


def _templates(args: argparse.Namespace) -> int:
    from etl.outputs.templates import TEMPLATE_FILE_NAMES, template_bytes

    args.out.mkdir(parents=True, exist_ok=True)
    for kind_id, name in TEMPLATE_FILE_NAMES.items():
        (args.out / name).write_bytes(template_bytes(kind_id))
        print(args.out / name)
    return 0


def _backup(args: argparse.Namespace) -> int:
    from etl.store.backup import BackupError, backup, restore

    try:
        if args.command == "backup":
            print(f"已备份到：{backup(args.db, args.dir)}")
        else:
            print(f"已从「{args.dir}」恢复数据库：{restore(args.db, args.dir)}")
    except BackupError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
    return 0


# ---- import history and undo from a terminal: the same rules and log record as the 数据上传 page


def _history_parsers(sub) -> None:
    p = sub.add_parser("history", help="列出导入记录（编号、时间、账号、文件、类型、统计期、行数、状态）")
    p.add_argument("--limit", type=int, default=200, help="最多列出多少条（默认 200，最新的在前）")
    _db_arg(p)
    p = sub.add_parser("undo", help="撤销一次导入：删除它写入的数据，恢复它替换掉的数据")
    p.add_argument("load_id", type=int, help="导入编号（见 history）")
    p.add_argument("--user", help="记录在导入日志中的用户名（默认当前系统用户）")
    _db_arg(p)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _history(args: argparse.Namespace) -> int:
    from etl import store
    from etl.store import history

    if args.command == "history":
        with store.connect(args.db, read_only=True) as con:
            rows = history.history_rows(con, args.limit)
        if not rows:
            print("还没有导入记录。")
            return 0
        table = [history.HISTORY_COLUMNS, *rows]
        widths = [max(_width(row[i]) for row in table) for i in range(len(history.HISTORY_COLUMNS))]
        for row in table:
            print(
                "  ".join(
                    cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)
                ).rstrip()
            )
        return 0
    try:
        result = history.undo_load(args.db, args.load_id, args.user or settings.current_user())
    except history.UndoRefused as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
    print(f"已撤销导入 #{args.load_id}，原有数据已恢复（撤销记录 #{result.undo_id}）。")
    if result.removed_units:
        names = visible("、".join(result.removed_units))
        print(f"同时删除了这次导入新建、已无任何数据的 {len(result.removed_units)} 个单位：{names}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in ("load", "inspect"):
            return _load(args, write=args.command == "load")
        if args.command == "kpis":
            return _kpis(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "report":
            from etl.outputs.report import run_cli

            return run_cli(args)
        if args.command in ("backup", "restore"):
            return _backup(args)
        if args.command == "users":
            return _users(args)
        if args.command in ("history", "undo"):
            return _history(args)
        if args.command == "docs":
            from etl.outputs.docs import generated_block

            print(generated_block())
            return 0
        return _templates(args)
    except Exception as exc:
        from etl.store import DatabaseBusy  # raised only where etl.store is already imported

        if not isinstance(exc, DatabaseBusy):
            raise
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
