"""UI strings, Chinese first.

    t("page.overview")                 -> "总览"
    t("page.overview", "en")           -> "Overview"
    t("upload.imported", rows=12, kind="会员发展")

A key missing in English falls back to Chinese; a key missing in both raises KeyError,
so a typo fails the tests instead of showing a blank label. Labels of indicators,
statuses, themes, kinds and fields come from etl.dictionary, never from here.
"""

from __future__ import annotations

from etl.dictionary import (
    INDICATOR_BY_ID,
    KINDS,
    STATUS_EN,
    STATUS_ZH,
    THEMES,
    UNIT_TYPES_EN,
    Indicator,
)

LANGS = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}

ZH: dict[str, str] = {
    # app
    "app.title": "工会年度工作指标看板",
    "app.caption": "各单位报送数据汇总 · 年度目标完成情况",
    # pages (sidebar navigation and page headers)
    "page.overview": "总览",
    "page.organisation": "组织建设与会员",
    "page.contracts": "集体合同",
    "page.dues": "会费收缴",
    "page.welfare": "帮扶慰问",
    "page.activities": "活动开展",
    "page.reporting": "数据报送",
    "page.upload": "数据上传",
    "page.targets": "年度目标",
    "page.units": "单位管理",
    "page.help": "使用说明",
    # sidebar
    "sidebar.year": "年度",
    "sidebar.quarter": "季度",
    "sidebar.scope": "范围",
    "sidebar.scope_all": "全部单位（整个组织）",
    "sidebar.unit": "单位",
    "sidebar.language": "语言",
    "sidebar.filters": "筛选条件",
    "sidebar.data_updated": "数据更新：{date}",
    "sidebar.no_data_loaded": "尚未导入数据，请先到“数据上传”页面导入报表。",
    # quarters
    "quarter.1": "第一季度",
    "quarter.2": "第二季度",
    "quarter.3": "第三季度",
    "quarter.4": "第四季度",
    "quarter.short.1": "一季度",
    "quarter.short.2": "二季度",
    "quarter.short.3": "三季度",
    "quarter.short.4": "四季度",
    "year.label": "{year}年",
    # indicator cards
    "card.actual": "实际",
    "card.target": "目标",
    "card.achievement": "完成率",
    "card.expected": "进度预期",
    "card.yoy": "同比",
    "card.status": "状态",
    "card.previous_year": "上年同期",
    "card.cumulative": "累计",
    "card.as_of": "截至{period}",
    "card.no_target": "未设年度目标",
    "card.no_data": "暂无数据",
    "card.formula": "计算口径",
    "card.of_target": "完成年度目标的{rate}",
    "card.yoy_sentence": "比上年同期{change}",
    # table column headers
    "col.unit": "单位",
    "col.parent": "上级工会",
    "col.indicator": "指标",
    "col.theme": "类别",
    "col.actual": "实际值",
    "col.target": "年度目标",
    "col.expected": "进度预期",
    "col.achievement": "完成率",
    "col.status": "状态",
    "col.yoy": "同比",
    "col.previous": "上年同期",
    "col.rank": "排名",
    "col.period": "统计期",
    "col.year": "年度",
    "col.quarter": "季度",
    "col.reported": "报送情况",
    "col.last_report": "最近报送",
    "col.category": "类别",
    "col.amount": "金额（元）",
    "col.count": "次数",
    "col.share": "占比",
    "col.beneficiaries": "受益人次",
    "col.participants": "参与人数",
    "col.date": "日期",
    "col.title": "活动名称",
    "col.kind": "报表类型",
    "col.file": "文件",
    "col.sheet": "工作表",
    "col.rows": "行数",
    "col.loaded_at": "导入时间",
    "col.user": "操作人",
    "col.row": "行号",
    "col.field": "字段",
    "col.column": "原表头",
    "col.value": "值",
    "col.message": "说明",
    "col.formula": "计算口径",
    "col.unit_measure": "计量单位",
    "col.milestones": "季度节点",
    "col.note": "备注",
    # reporting
    "report.reported": "已报送",
    "report.not_reported": "未报送",
    "report.summary": "已报送 {reported}/{known} 个单位，报送率 {rate}",
    "report.missing_units": "未报送单位",
    "report.all_reported": "所有单位均已报送。",
    # upload flow
    "upload.choose_file": "选择文件",
    "upload.help": "支持 Excel（.xlsx/.xls）和 CSV 文件，表头可为中文；一次可上传多个文件。",
    "upload.detected": "识别结果",
    "upload.detected_kind": "识别为“{kind}”表（工作表：{sheet}）",
    "upload.kind": "报表类型",
    "upload.period": "统计期",
    "upload.mapping": "列映射",
    "upload.source_column": "原表头",
    "upload.target_field": "对应字段",
    "upload.ignore_column": "（忽略此列）",
    "upload.missing_required": "缺少必填列：{fields}",
    "upload.preview": "预览",
    "upload.errors": "错误",
    "upload.warnings": "警告",
    "upload.no_errors": "未发现错误。",
    "upload.has_errors": "发现 {n} 处错误，请修改表格后重新上传。",
    "upload.has_warnings": "有 {n} 条警告，可确认后继续导入。",
    "upload.confirm": "确认导入",
    "upload.cancel": "取消",
    "upload.imported": "已导入 {rows} 行（{kind}）。",
    "upload.replaced": "已替换 {units} 个单位在 {period} 的原有数据。",
    "upload.download_template": "下载空白模板",
    "upload.history": "导入记录",
    # targets
    "targets.edit": "编辑年度目标",
    "targets.save": "保存",
    "targets.org_wide": "（整个组织）",
    "targets.saved": "已保存 {n} 项目标。",
    # units
    "units.rename": "重命名",
    "units.merge": "合并单位",
    "units.merge_into": "合并到",
    "units.aliases": "其他写法",
    # figures
    "fig.source": "数据来源：{source}；统计期：{period}；数据更新：{updated}",
    "fig.source_reports": "各单位报送的{kind}统计表",
    "fig.title_trend": "{scope} {year}年 {what}分季度进展",
    "fig.title_theme": "{scope} {period} {theme}指标完成情况",
    "fig.title_ranking": "{scope} {period} {what}各单位情况",
    "fig.title_breakdown": "{scope} {period} {what}",
    "fig.subtitle_cumulative": "各季度为年初至该季度末累计值",
    "fig.subtitle_snapshot": "各季度为季度末数值",
    "fig.subtitle_ranking_asc": "按数值由低到高排列",
    "fig.subtitle_ranking_desc": "按数值由高到低排列",
    "fig.subtitle_breakdown": "合计 {total}",
    "fig.as_of": "截至{period}",
    "fig.subtitle_as_of": "截至{period}；{note}",
    "fig.axis_quarter": "季度",
    "fig.axis_unit": "单位",
    "fig.axis_achievement": "完成率（%，实际 / 年度目标）",
    "fig.axis_with_unit": "{what}（{unit}）",
    "fig.actual": "{year}年实际",
    "fig.previous_year": "{year}年（上年）",
    "fig.target": "年度目标",
    "fig.target_value": "年度目标 {value}",
    "fig.expected": "进度预期",
    "fig.expected_value": "进度预期 {value}",
    "fig.expected_short": "预期 {value}",
    "fig.full_target": "目标 100%",
    "fig.target_marker": "年度目标（各单位）",
    "fig.expected_marker": "进度预期（各单位）",
    "fig.achievement": "完成率",
    "fig.value": "数值",
    "fig.share": "占比",
    "fig.omitted_no_target": "未设目标、未列入本图：{names}",
    "fig.no_data": "暂无数据",
    "fig.actual_of_target": "实际 {actual} / 目标 {target}",
    "fig.legend_status": "状态",
    # misc
    "misc.source": "数据来源",
    "misc.data_updated": "数据更新",
    "misc.download_png": "下载图片（PNG）",
    "misc.download_csv": "下载表格（CSV）",
    "misc.download_xlsx": "下载表格（Excel）",
    "misc.no_data": "暂无数据",
    "misc.total": "合计",
    "misc.all": "全部",
    "misc.other": "其他",
    "misc.yes": "是",
    "misc.no": "否",
    "misc.show_table": "查看明细",
    "misc.sort": "排序",
    "misc.sort_asc": "由低到高",
    "misc.sort_desc": "由高到低",
    "misc.loading": "正在加载…",
    "misc.error": "出错了：{message}",
}

EN: dict[str, str] = {
    "app.title": "Union annual KPI dashboard",
    "app.caption": "Unit reports combined · progress against the annual plan",
    "page.overview": "Overview",
    "page.organisation": "Organisation & membership",
    "page.contracts": "Collective contracts",
    "page.dues": "Dues collection",
    "page.welfare": "Welfare support",
    "page.activities": "Activities",
    "page.reporting": "Reporting",
    "page.upload": "Upload data",
    "page.targets": "Annual targets",
    "page.units": "Units",
    "page.help": "Help",
    "sidebar.year": "Year",
    "sidebar.quarter": "Quarter",
    "sidebar.scope": "Scope",
    "sidebar.scope_all": "All units (whole organisation)",
    "sidebar.unit": "Unit",
    "sidebar.language": "Language",
    "sidebar.filters": "Filters",
    "sidebar.data_updated": "Data updated: {date}",
    "sidebar.no_data_loaded": "No data yet: import the reports on the “Upload data” page first.",
    "quarter.1": "Q1",
    "quarter.2": "Q2",
    "quarter.3": "Q3",
    "quarter.4": "Q4",
    "quarter.short.1": "Q1",
    "quarter.short.2": "Q2",
    "quarter.short.3": "Q3",
    "quarter.short.4": "Q4",
    "year.label": "{year}",
    "card.actual": "Actual",
    "card.target": "Target",
    "card.achievement": "Achievement",
    "card.expected": "Expected by now",
    "card.yoy": "YoY",
    "card.status": "Status",
    "card.previous_year": "Same quarter last year",
    "card.cumulative": "Year to date",
    "card.as_of": "As of {period}",
    "card.no_target": "No annual target",
    "card.no_data": "No data",
    "card.formula": "Formula",
    "card.of_target": "{rate} of the annual target",
    "card.yoy_sentence": "{change} on the same quarter last year",
    "col.unit": "Unit",
    "col.parent": "Parent union",
    "col.indicator": "Indicator",
    "col.theme": "Theme",
    "col.actual": "Actual",
    "col.target": "Annual target",
    "col.expected": "Expected by now",
    "col.achievement": "Achievement",
    "col.status": "Status",
    "col.yoy": "Year on year",
    "col.previous": "Last year",
    "col.rank": "Rank",
    "col.period": "Period",
    "col.year": "Year",
    "col.quarter": "Quarter",
    "col.reported": "Reported",
    "col.last_report": "Last report",
    "col.category": "Category",
    "col.amount": "Amount (CNY)",
    "col.count": "Count",
    "col.share": "Share",
    "col.beneficiaries": "Beneficiaries",
    "col.participants": "Participants",
    "col.date": "Date",
    "col.title": "Title",
    "col.kind": "Report type",
    "col.file": "File",
    "col.sheet": "Sheet",
    "col.rows": "Rows",
    "col.loaded_at": "Loaded at",
    "col.user": "User",
    "col.row": "Row",
    "col.field": "Field",
    "col.column": "Original header",
    "col.value": "Value",
    "col.message": "Message",
    "col.formula": "Formula",
    "col.unit_measure": "Unit of measure",
    "col.milestones": "Quarterly milestones",
    "col.note": "Note",
    "report.reported": "Reported",
    "report.not_reported": "Not reported",
    "report.summary": "{reported} of {known} units reported; reporting rate {rate}",
    "report.missing_units": "Units that have not reported",
    "report.all_reported": "All units have reported.",
    "upload.choose_file": "Choose files",
    "upload.help": "Excel (.xlsx/.xls) or CSV; Chinese headers are fine; several files at once.",
    "upload.detected": "Detected",
    "upload.detected_kind": "Detected as a “{kind}” sheet (sheet: {sheet})",
    "upload.kind": "Report type",
    "upload.period": "Period",
    "upload.mapping": "Column mapping",
    "upload.source_column": "Original header",
    "upload.target_field": "Field",
    "upload.ignore_column": "(ignore this column)",
    "upload.missing_required": "Missing required columns: {fields}",
    "upload.preview": "Preview",
    "upload.errors": "Errors",
    "upload.warnings": "Warnings",
    "upload.no_errors": "No errors found.",
    "upload.has_errors": "{n} errors found: fix the sheet and upload it again.",
    "upload.has_warnings": "{n} warnings: you can review them and import anyway.",
    "upload.confirm": "Import",
    "upload.cancel": "Cancel",
    "upload.imported": "Imported {rows} rows ({kind}).",
    "upload.replaced": "Replaced the earlier data of {units} units for {period}.",
    "upload.download_template": "Download a blank template",
    "upload.history": "Load history",
    "targets.edit": "Edit annual targets",
    "targets.save": "Save",
    "targets.org_wide": "(whole organisation)",
    "targets.saved": "Saved {n} targets.",
    "units.rename": "Rename",
    "units.merge": "Merge units",
    "units.merge_into": "Merge into",
    "units.aliases": "Other spellings",
    "fig.source": "Source: {source}; period: {period}; data updated: {updated}",
    "fig.source_reports": "{kind} sheets reported by the units",
    "fig.title_trend": "{scope} · {what} by quarter, {year}",
    "fig.title_theme": "{scope} · {theme}: progress against targets, {period}",
    "fig.title_ranking": "{scope} · {what} by unit, {period}",
    "fig.title_breakdown": "{scope} · {what}, {period}",
    "fig.subtitle_cumulative": "each quarter shows the year-to-date total at quarter end",
    "fig.subtitle_snapshot": "each quarter shows the value at quarter end",
    "fig.subtitle_ranking_asc": "Sorted from lowest to highest",
    "fig.subtitle_ranking_desc": "Sorted from highest to lowest",
    "fig.subtitle_breakdown": "Total {total}",
    "fig.as_of": "as of {period}",
    "fig.subtitle_as_of": "As of {period}; {note}",
    "fig.axis_quarter": "Quarter",
    "fig.axis_unit": "Unit",
    "fig.axis_achievement": "Achievement (%, actual / annual target)",
    "fig.axis_with_unit": "{what} ({unit})",
    "fig.actual": "{year} actual",
    "fig.previous_year": "{year} (last year)",
    "fig.target": "Annual target",
    "fig.target_value": "Annual target {value}",
    "fig.expected": "Expected by now",
    "fig.expected_value": "Expected {value}",
    "fig.expected_short": "exp. {value}",
    "fig.full_target": "Target 100%",
    "fig.target_marker": "Annual target (per unit)",
    "fig.expected_marker": "Expected (per unit)",
    "fig.achievement": "Achievement",
    "fig.value": "Value",
    "fig.share": "Share",
    "fig.omitted_no_target": "Not shown (no target): {names}",
    "fig.no_data": "No data",
    "fig.actual_of_target": "actual {actual} / target {target}",
    "fig.legend_status": "Status",
    "misc.source": "Source",
    "misc.data_updated": "Data updated",
    "misc.download_png": "Download image (PNG)",
    "misc.download_csv": "Download table (CSV)",
    "misc.download_xlsx": "Download table (Excel)",
    "misc.no_data": "No data",
    "misc.total": "Total",
    "misc.all": "All",
    "misc.other": "Other",
    "misc.yes": "Yes",
    "misc.no": "No",
    "misc.show_table": "Show details",
    "misc.sort": "Sort",
    "misc.sort_asc": "Lowest first",
    "misc.sort_desc": "Highest first",
    "misc.loading": "Loading…",
    "misc.error": "Something went wrong: {message}",
}

STRINGS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}

# The canonical categories of etl.dictionary, in English (the data keeps the Chinese value).
CATEGORY_EN: dict[str, str] = {
    "困难职工帮扶": "Hardship support",
    "送温暖": "Winter warmth visits",
    "金秋助学": "Autumn education grants",
    "医疗互助": "Medical mutual aid",
    "节日慰问": "Festival gifts",
    "生日慰问": "Birthday gifts",
    "住院探望": "Hospital visits",
    "文体活动": "Culture & sports",
    "教育培训": "Education & training",
    "技能竞赛": "Skills contests",
    "女职工活动": "Women workers' events",
    "志愿公益": "Volunteering",
    "其他": "Other",
}

# Page id -> theme id, for pages that show one theme.
PAGE_THEME = {
    "organisation": "organisation",
    "contracts": "contracts",
    "dues": "dues",
    "welfare": "welfare",
    "activities": "activities",
}


def _lang(lang: str | None) -> str:
    return lang if lang in STRINGS else "zh"


def t(key: str, lang: str = "zh", **kwargs: object) -> str:
    """The UI string for key in lang, formatted with kwargs (str.format)."""
    table = STRINGS[_lang(lang)]
    if key in table:
        s = table[key]
    elif key in ZH:
        s = ZH[key]
    else:
        raise KeyError(f"unknown UI string key: {key!r}")
    return s.format(**kwargs) if kwargs else s


def has_key(key: str) -> bool:
    return key in ZH


def indicator_label(ind: Indicator | str, lang: str = "zh") -> str:
    """Indicator object or id -> '入会率' / 'Membership rate'."""
    if isinstance(ind, str):
        ind = INDICATOR_BY_ID[ind]
    return ind.en if _lang(lang) == "en" else ind.zh


def status_label(status: str | None, lang: str = "zh") -> str:
    """'behind' -> '滞后' / 'Behind'; None -> '无数据'."""
    status = status or "no_data"
    return (STATUS_EN if _lang(lang) == "en" else STATUS_ZH)[status]


def theme_label(theme: str, lang: str = "zh") -> str:
    for th in THEMES:
        if th.id == theme:
            return th.en if _lang(lang) == "en" else th.zh
    raise KeyError(f"unknown theme: {theme!r}")


def kind_label(kind: str, lang: str = "zh") -> str:
    """'membership' -> '会员发展' / 'Membership'."""
    k = KINDS[kind]
    return k.en if _lang(lang) == "en" else k.zh


def field_label(kind: str, field_id: str, lang: str = "zh") -> str:
    f = KINDS[kind].field(field_id)
    return f.en if _lang(lang) == "en" else f.zh


def category_label(category: str, lang: str = "zh") -> str:
    """A welfare/activity category as stored (Chinese) -> the label in lang; unknown ones unchanged."""
    if _lang(lang) == "en":
        return CATEGORY_EN.get(category, category)
    return category


def unit_type_label(unit_type: str, lang: str = "zh") -> str:
    """'机关' -> '机关' / 'Government organ'."""
    return UNIT_TYPES_EN.get(unit_type, unit_type) if _lang(lang) == "en" else unit_type


def quarter_name(quarter: int, lang: str = "zh", short: bool = False) -> str:
    return t(f"quarter.short.{int(quarter)}" if short else f"quarter.{int(quarter)}", lang)


# Strings of the dashboard shell and theme pages.
ZH.update(
    {
        "nav.dashboard": "指标看板",
        "nav.data": "数据管理",
        "page.report": "报告导出",
        "sidebar.scope_org": "{org}（全部）",
        "table.behind_chart": "查看图表背后的数据表",
        "table.download_csv": "下载 CSV",
        "table.rows_behind": "{kind}明细",
        "theme.choose_indicator": "选择指标",
        "theme.sort": "排序",
        "theme.sort_asc": "由低到高",
        "theme.sort_desc": "由高到低",
        "theme.behind_only": "只看滞后单位",
        "theme.no_units": "没有符合条件的单位。",
        "theme.breakdown": "分类构成",
        "theme.welfare_amount": "帮扶慰问支出分类",
        "theme.welfare_people": "帮扶慰问人次分类",
        "theme.activities_count": "活动次数分类",
        "theme.activities_people": "活动参与人次分类",
        "theme.membership_rows": "本季度会员发展报表",
        "theme.arrears": "会费欠缴单位",
        "theme.no_arrears": "所有单位均已足额缴纳会费。",
        "theme.arrears_summary": "{n} 个单位存在欠缴，合计欠缴 {total}。",
        "col.behind_since": "滞后起始",
        "report.rate_for": "{kind}表报送率",
        "report.rate_help": "总览中的“数据报送率”以会员发展表为准：{rate}",
        "report.missing_for": "{period}未报送{kind}表的单位",
        "report.matrix": "{year}年各单位{kind}表报送情况",
        "report.never": "从未报送",
        "units.caption": "同一单位的不同写法（全角/半角括号、空格、繁体）会自动识别为同一单位；这里可改名、合并、设置上级工会和其他写法。",
        "units.reports": "报送单位",
        "units.children": "下级单位数",
        "units.choose": "选择单位",
        "units.done": "已保存。{detail}",
        "units.parent": "上级工会",
        "units.new_name": "新名称",
        "units.no_parent": "（无上级，直属本组织）",
        "units.save_parent": "保存上级工会",
        "units.alias_list": "以下写法会被识别为该单位：",
        "units.new_alias": "新增写法",
        "units.add_alias": "添加写法",
        "units.merge_help": "合并后，「{unit}」的全部报表数据、目标、下级单位和写法都转到所选单位，「{unit}」将被删除；同一季度两边都有报表时保留所选单位的数据。",
        "units.merge_confirm": "我确认要合并这两个单位",
        "units.remove_alias_choose": "要删除的写法",
        "units.remove_alias": "删除这种写法",
    }
)
EN.update(
    {
        "nav.dashboard": "Dashboard",
        "nav.data": "Data",
        "page.report": "Report export",
        "sidebar.scope_org": "{org} (all)",
        "table.behind_chart": "Show the table behind the chart",
        "table.download_csv": "Download CSV",
        "table.rows_behind": "{kind} records",
        "theme.choose_indicator": "Indicator",
        "theme.sort": "Order",
        "theme.sort_asc": "Lowest first",
        "theme.sort_desc": "Highest first",
        "theme.behind_only": "Only units behind plan",
        "theme.no_units": "No unit matches.",
        "theme.breakdown": "Breakdown",
        "theme.welfare_amount": "Welfare spending by category",
        "theme.welfare_people": "Welfare beneficiaries by category",
        "theme.activities_count": "Activities by type",
        "theme.activities_people": "Participants by activity type",
        "theme.membership_rows": "Membership sheet of the quarter",
        "theme.arrears": "Units in arrears",
        "theme.no_arrears": "Every unit has paid its dues in full.",
        "theme.arrears_summary": "{n} units in arrears, {total} outstanding in total.",
        "col.behind_since": "Behind since",
        "report.rate_for": "{kind} reporting rate",
        "report.rate_help": "The overview's reporting rate counts membership sheets: {rate}",
        "report.missing_for": "Units without a {kind} sheet for {period}",
        "report.matrix": "{kind} sheets received in {year}",
        "report.never": "Never",
        "units.caption": "Spellings of one unit (brackets, spaces, Traditional characters) are matched automatically; rename, merge, set the parent union or add spellings here.",
        "units.reports": "Reporting unit",
        "units.children": "Sub-units",
        "units.choose": "Unit",
        "units.done": "Saved. {detail}",
        "units.parent": "Parent union",
        "units.new_name": "New name",
        "units.no_parent": "(none: directly under the organisation)",
        "units.save_parent": "Save parent union",
        "units.alias_list": "These spellings are matched to this unit:",
        "units.new_alias": "New spelling",
        "units.add_alias": "Add spelling",
        "units.merge_help": "Merging moves all data, targets, sub-units and spellings of {unit} to the chosen unit and deletes {unit}; where both hold a sheet for the same quarter the chosen unit's data is kept.",
        "units.merge_confirm": "I confirm merging these two units",
        "units.remove_alias_choose": "Spelling to remove",
        "units.remove_alias": "Remove this spelling",
    }
)


# Strings of the upload and targets pages.
ZH.update(
    {
        "upload.intro": "上传各单位报送的统计表。系统先逐表检查并展示识别结果，确认无误后再写入数据库；有错误的文件不会导入，同一批文件要么全部导入，要么都不导入。",
        "upload.overrides": "手动指定表格类型或统计期（可选）",
        "upload.overrides_help": "只有自动识别不对时才需要指定；指定后对本次上传的所有文件生效。",
        "upload.auto": "自动识别",
        "upload.override_year": "年度",
        "upload.override_quarter": "季度",
        "upload.sheet_kind": "识别为“{kind}”表",
        "upload.sheet_unrecognised": "工作表「{sheet}」未识别为数据表",
        "upload.header_rows": "表头位置",
        "upload.header_rows_value": "第 {rows} 行",
        "upload.data_rows": "数据行数",
        "upload.units": "单位",
        "upload.units_value": "已有 {matched} 个 · 新增 {new} 个",
        "upload.period_note": "统计期依据：{note}",
        "upload.period_from_dates": "统计期依据：按每行日期归入季度",
        "upload.new_units": "将新建的单位（{n} 个）",
        "upload.role": "类型",
        "upload.role_unit": "报送单位",
        "upload.role_parent": "上级工会",
        "upload.totals": "读入合计（请与原表合计行核对）",
        "upload.total": "合计",
        "upload.scale": "换算",
        "upload.column_letter": "列",
        "upload.unused": "未使用",
        "upload.preview_rows": "预览读入的数据（前 {n} 行，共 {total} 行）",
        "upload.skipped": "已跳过的行（{n} 行）",
        "upload.reason": "原因",
        "upload.header": "表头",
        "upload.loaded_before": "此文件（内容完全相同）已于 {time} 导入过（导入编号 {load_id}，文件名「{name}」）。再次导入会用相同数据覆盖，不会重复计算。",
        "upload.no_data_sheet": "文件中没有可识别的数据表，不能导入。",
        "upload.files_summary": "共 {files} 个文件：{ok} 个可以导入，{bad} 个有错误。",
        "upload.confirm_disabled": "请先处理上面标出的错误（修改表格后重新上传），或点“取消”放弃本次上传。",
        "upload.importing": "正在导入，请稍候…",
        "upload.import_done": "导入完成",
        "upload.import_failed": "导入失败，数据库未做任何修改",
        "upload.done_file": "{file}：{rows} 行，{units} 个单位，{periods}{new}",
        "upload.done_new_units": "；新建单位 {n} 个：{names}",
        "upload.done_title": "已导入 {files} 个文件，共 {rows} 行。各页面已按新数据更新。",
        "upload.view_overview": "查看总览",
        "upload.cancelled": "已取消本次上传，数据库未做任何修改。",
        "upload.templates_help": "按模板填写可保证自动识别；模板的“填写说明”工作表列出了每一列的含义。",
        "upload.template_button": "{kind}模板",
        "upload.history_empty": "尚无导入记录。",
        "upload.col_load_id": "导入编号",
        "upload.col_units": "单位数",
        "upload.col_warnings": "警告数",
        "upload.busy": "数据库正忙：{message}",
        "upload.internal_error": "读取此文件时程序出错（{error}），文件未被检查，不能导入。请把文件发给系统管理员。",
        "targets.year": "目标年度",
        "targets.current": "{year}年度目标（{n} 项）",
        "targets.none": "{year}年尚未设置年度目标。",
        "targets.scope": "适用单位",
        "targets.value": "目标值",
        "targets.value_edit": "目标值（比率填百分数，如 95）",
        "targets.milestone_help": "季度节点（可不填）：到该季度末应达到的值；比率填百分数。",
        "targets.scope_help": "留空表示整个组织；也可为某个单位单独设目标。",
        "targets.tab_view": "当前目标",
        "targets.edit_help": "每个指标一行；“适用单位”留空表示整个组织。比率类指标（如入会率）填百分数，95 表示 95%；金额填元；人数、次数填整数。可在表格末尾添加新行，选中行后可删除。保存后将替换{year}年的全部目标。",
        "targets.saving": "正在保存…",
        "targets.rejected": "未保存：发现 {n} 处问题，数据库未做任何修改。",
        "targets.upload": "上传年度目标表",
        "targets.upload_help": "上传按“年度目标”模板填写的表格：表中出现的指标（及单位）会被更新，其余目标保持不变。",
        "targets.rows": "读入 {n} 项目标，年度：{years}",
        "targets.download": "下载年度目标模板",
        "targets.discard": "放弃修改",
    }
)
EN.update(
    {
        "upload.intro": "Upload the sheets the units send. Each file is checked and shown first; nothing is written until you confirm. Files with errors are not loaded, and a batch is loaded all together or not at all.",
        "upload.overrides": "Set the report type or period by hand (optional)",
        "upload.overrides_help": "Only needed when detection is wrong; applies to every file of this upload.",
        "upload.auto": "Detect",
        "upload.override_year": "Year",
        "upload.override_quarter": "Quarter",
        "upload.sheet_kind": "Detected as a “{kind}” sheet",
        "upload.sheet_unrecognised": "Sheet “{sheet}” was not recognised as a data sheet",
        "upload.header_rows": "Header",
        "upload.header_rows_value": "row {rows}",
        "upload.data_rows": "Data rows",
        "upload.units": "Units",
        "upload.units_value": "{matched} known · {new} new",
        "upload.period_note": "Period taken from: {note}",
        "upload.period_from_dates": "Period taken from each row's date",
        "upload.new_units": "Units that will be created ({n})",
        "upload.role": "Role",
        "upload.role_unit": "Reporting unit",
        "upload.role_parent": "Parent union",
        "upload.totals": "Totals read (check them against the sheet's total row)",
        "upload.total": "Total",
        "upload.scale": "Conversion",
        "upload.column_letter": "Column",
        "upload.unused": "not used",
        "upload.preview_rows": "Preview of the rows read (first {n} of {total})",
        "upload.skipped": "Rows skipped ({n})",
        "upload.reason": "Reason",
        "upload.header": "Header",
        "upload.loaded_before": "This exact file was loaded before, at {time} (load {load_id}, file “{name}”). Loading it again overwrites the same data; nothing is counted twice.",
        "upload.no_data_sheet": "No data sheet was recognised in this file; it cannot be loaded.",
        "upload.files_summary": "{files} files: {ok} can be loaded, {bad} have errors.",
        "upload.confirm_disabled": "Fix the errors above (correct the sheet and upload it again), or cancel.",
        "upload.importing": "Loading…",
        "upload.import_done": "Loaded",
        "upload.import_failed": "Not loaded; the database was not changed",
        "upload.done_file": "{file}: {rows} rows, {units} units, {periods}{new}",
        "upload.done_new_units": "; {n} new units: {names}",
        "upload.done_title": "Loaded {files} files, {rows} rows. Every page now shows the new data.",
        "upload.view_overview": "Go to the overview",
        "upload.cancelled": "Upload cancelled; the database was not changed.",
        "upload.templates_help": "Sheets filled in from a template are always recognised; its guide sheet explains every column.",
        "upload.template_button": "{kind} template",
        "upload.history_empty": "Nothing loaded yet.",
        "upload.col_load_id": "Load",
        "upload.col_units": "Units",
        "upload.col_warnings": "Warnings",
        "upload.busy": "The database is busy: {message}",
        "upload.internal_error": "The program failed while reading this file ({error}); it was not checked and cannot be loaded. Please send the file to the administrator.",
        "targets.year": "Target year",
        "targets.current": "Targets for {year} ({n})",
        "targets.none": "No annual targets set for {year} yet.",
        "targets.scope": "Applies to",
        "targets.value": "Target",
        "targets.value_edit": "Target (rates as percent, e.g. 95)",
        "targets.milestone_help": "Quarterly milestone (optional): the value due by the quarter's end; rates as percent.",
        "targets.scope_help": "Blank for the whole organisation, or pick a unit to give it its own target.",
        "targets.tab_view": "Current targets",
        "targets.edit_help": "One indicator per row; leave “Applies to” blank for the whole organisation. Rates (e.g. membership rate) are entered as percent: 95 means 95%; money in CNY; counts as whole numbers. Saving replaces all targets of {year}.",
        "targets.saving": "Saving…",
        "targets.rejected": "Not saved: {n} problems found; the database was not changed.",
        "targets.upload": "Upload a targets sheet",
        "targets.upload_help": "A sheet filled in from the targets template: the indicators (and units) in it are updated, other targets stay as they are.",
        "targets.rows": "{n} targets read, year: {years}",
        "targets.download": "Download the targets template",
        "targets.discard": "Discard changes",
    }
)


# Strings of the change preview and undo.
ZH.update(
    {
        "upload.changes": "确认后将发生的变化",
        "upload.change_added": "新增",
        "upload.change_changed": "变化",
        "upload.change_unchanged": "不变",
        "upload.change_detail": "原值 → 新值",
        "upload.col_status": "状态",
        "upload.status_loaded": "已导入",
        "upload.status_undone": "已撤销",
        "upload.status_undo": "撤销操作",
        "upload.undo_title": "撤销某次导入",
        "upload.undo_choose": "选择要撤销的导入",
        "upload.undo_replaced": "撤销后将删除这次导入写入的数据，并恢复它替换掉的 {rows} 行原有数据。",
        "upload.undo_button": "撤销这次导入",
        "upload.undo_done": "已撤销导入 #{load_id}，原有数据已恢复。",
    }
)
EN.update(
    {
        "upload.changes": "What confirming will change",
        "upload.change_added": "Added",
        "upload.change_changed": "Changed",
        "upload.change_unchanged": "Unchanged",
        "upload.change_detail": "Old → new",
        "upload.col_status": "Status",
        "upload.status_loaded": "Loaded",
        "upload.status_undone": "Undone",
        "upload.status_undo": "Undo",
        "upload.undo_title": "Undo a load",
        "upload.undo_choose": "Load to undo",
        "upload.undo_replaced": "Undoing deletes what this load wrote and restores the {rows} rows it replaced.",
        "upload.undo_button": "Undo this load",
        "upload.undo_done": "Load #{load_id} undone; the earlier data is back.",
    }
)

# What surrounds a figure: coverage, status rule, 不适用, incomplete quarters, readable tables.
ZH.update(
    {
        "legend.progress": (
            "状态口径：完成进度＝实际÷进度预期（数量类指标按季度节点或“时间过半、任务过半”，比率类指标为年度目标本身）；"
            "完成进度在 {low}–{high} 之间为正常，低于 {low} 为滞后，达到 {high} 为超前。"
        ),
        "legend.year_end": "状态口径（年末）：完成率＝实际÷年度目标，达到 100% 为完成，否则为未完成。",
        "legend.not_applicable": "不适用：单位性质为{types}的单位不计入{names}。",
        "card.not_applicable": "不适用",
        "card.yoy_like": "同比按可比口径：{n}个单位",
        "card.left_out_short": "未报送的{n}个单位上次为{value}，未计入",
        "card.yoy_not_comparable": "同比不可比：上年同期无可比单位",
        "card.left_out": "未报送的{n}个单位上次报送{what}，未计入",
        "card.left_out_never": "未报送的{n}个单位此前从未报送，未计入",
        "banner.incomplete": "{period}数据尚不完整：{coverage}。",
        "banner.missing": "未报送会员发展统计表的单位（{n}个）：{names}",
        "banner.default_period": "最新的{latest}仅{coverage}，未达到默认显示要求（{share}），因此打开时显示{period}。",
        "overview.work": "工作指标完成情况（{n} 项）",
        "overview.quality": "数据质量",
        "overview.quality_help": "数据报送率说明数据是否齐全，不计入工作指标的完成情况。",
        "theme.rank_level": "排名对象",
        "theme.level_unit": "基层单位",
        "theme.level_child": "下一级工会",
        "rank.not_reported": "未报送",
        "table.download_xlsx": "下载 Excel",
        "col.unit_type": "单位性质",
        "col.coverage": "报送单位",
        "col.due": "应缴会费（元）",
        "col.paid": "实缴会费（元）",
        "col.arrears": "欠缴金额（元）",
        "col.collection_rate": "收缴率",
        "col.funds_due": "应拨缴工会经费（元）",
        "col.funds_paid": "实拨缴工会经费（元）",
        "col.last_paid": "最近缴纳日期",
    }
)
EN.update(
    {
        "legend.progress": (
            "Status: progress = actual ÷ expected by now (amounts: the quarterly milestone or target × quarter ÷ 4; "
            "rates: the annual target). Between {low} and {high} is on track, below {low} behind, from {high} ahead."
        ),
        "legend.year_end": "Status (year end): achievement = actual ÷ annual target; 100% or more is met, else missed.",
        "legend.not_applicable": "Not applicable: units of type {types} are left out of {names}.",
        "card.not_applicable": "Not applicable",
        "card.yoy_like": "YoY like for like: {n} units",
        "card.left_out_short": "the {n} missing units had {value} last time; not included",
        "card.yoy_not_comparable": "YoY not comparable: no matching units last year",
        "card.left_out": "the {n} units that did not report had {what} last time; not included",
        "card.left_out_never": "the {n} units that did not report never reported before; not included",
        "banner.incomplete": "{period} is not complete yet: {coverage}.",
        "banner.missing": "Units without a membership sheet ({n}): {names}",
        "banner.default_period": "The latest quarter, {latest}, has only {coverage}, below the {share} needed "
        "to open on it, so the dashboard opens on {period}.",
        "overview.work": "Work indicators against targets ({n})",
        "overview.quality": "Data quality",
        "overview.quality_help": "The reporting rate says whether the data is complete; it is not a work target.",
        "theme.rank_level": "Rank",
        "theme.level_unit": "Grassroots units",
        "theme.level_child": "Next-level unions",
        "rank.not_reported": "not reported",
        "table.download_xlsx": "Download Excel",
        "col.unit_type": "Unit type",
        "col.coverage": "Units reported",
        "col.due": "Dues due (CNY)",
        "col.paid": "Dues paid (CNY)",
        "col.arrears": "Arrears (CNY)",
        "col.collection_rate": "Collection rate",
        "col.funds_due": "Union funds due (CNY)",
        "col.funds_paid": "Union funds paid (CNY)",
        "col.last_paid": "Last paid on",
    }
)
ZH.update(
    {
        "fig.note_incomplete": "注：{items}；这些季度的数值未计入未报送的单位，不宜与其他季度直接比较",
        "fig.omitted_not_applicable": "不适用、未列入本图：{names}",
    }
)
EN.update(
    {
        "fig.note_incomplete": "Note: {items}; those quarters leave out the units that did not report and do "
        "not compare directly with the others",
        "fig.omitted_not_applicable": "Not applicable, left out: {names}",
    }
)
ZH.update({"theme.missed_only": "只看未完成单位"})
EN.update({"theme.missed_only": "Missed only"})
ZH.update(
    {
        "report.events_note": "帮扶慰问、活动开展是事件记录：单位当季没有活动或支出时不会出现在表中，未必是未报送。"
    }
)
EN.update(
    {
        "report.events_note": "Welfare and activities are event lists: a unit without events in a quarter "
        "has no row, which is not necessarily a missing report."
    }
)


# Upload and history (issue 8): problems grouped by sheet, instructions sheets, undo confirmation.
ZH.update(
    {
        "upload.sheet_not_imported": "工作表「{sheet}」未导入",
        "upload.sheet_instructions": "工作表「{sheet}」是填写说明，不含数据，未导入。",
        "upload.group_errors": "工作表「{sheet}」中有 {n} 处错误",
        "upload.group_warnings": "工作表「{sheet}」中有 {n} 条警告",
        "upload.file_errors": "文件「{file}」有 {n} 处错误",
        "upload.file_warnings": "文件「{file}」有 {n} 条警告",
        "upload.undo_ask": "撤销这次导入…",
        "upload.undo_confirm": "确认撤销",
        "upload.undo_cancel": "取消",
        "upload.undo_plan": "撤销导入 #{load_id}「{file}」将删除它写入的 {rows} 行（{written}），并恢复它替换掉的 {restored_rows} 行（{restored}）。",
        "upload.undo_plan_nothing_replaced": "撤销导入 #{load_id}「{file}」将删除它写入的 {rows} 行（{written}）。这次导入没有替换任何原有数据，撤销后这些单位在这些统计期将没有这类数据。",
        "upload.undo_plan_empty": "撤销导入 #{load_id}「{file}」：这次导入写入的数据已不在数据库中，撤销只会在导入记录中把它标为已撤销。",
        "upload.undo_done_detail": "已撤销导入 #{load_id}「{file}」：删除了它写入的 {rows} 行，恢复了它替换掉的 {restored_rows} 行原有数据。",
        "upload.undo_done_nothing_restored": "已撤销导入 #{load_id}「{file}」：删除了它写入的 {rows} 行；这次导入没有替换原有数据，无需恢复。",
        "upload.undo_units_more": "{names}等 {n} 个单位",
        "upload.undo_org_wide": "全单位",
    }
)
EN.update(
    {
        "upload.sheet_not_imported": "Sheet “{sheet}” is not imported",
        "upload.sheet_instructions": "Sheet “{sheet}” holds instructions, not data; it is not imported.",
        "upload.group_errors": "Sheet “{sheet}”: {n} error(s)",
        "upload.group_warnings": "Sheet “{sheet}”: {n} warning(s)",
        "upload.file_errors": "File “{file}”: {n} error(s)",
        "upload.file_warnings": "File “{file}”: {n} warning(s)",
        "upload.undo_ask": "Undo this load…",
        "upload.undo_confirm": "Confirm undo",
        "upload.undo_cancel": "Cancel",
        "upload.undo_plan": "Undoing load #{load_id} “{file}” deletes the {rows} rows it wrote ({written}) and restores the {restored_rows} rows it replaced ({restored}).",
        "upload.undo_plan_nothing_replaced": "Undoing load #{load_id} “{file}” deletes the {rows} rows it wrote ({written}). It replaced no earlier data, so these units will have no data of this kind for these periods.",
        "upload.undo_plan_empty": "Load #{load_id} “{file}”: none of the data it wrote is left in the database; undoing only marks it as undone in the history.",
        "upload.undo_done_detail": "Load #{load_id} “{file}” undone: deleted the {rows} rows it wrote and restored the {restored_rows} rows it replaced.",
        "upload.undo_done_nothing_restored": "Load #{load_id} “{file}” undone: deleted the {rows} rows it wrote; it had replaced no earlier data, so nothing was restored.",
        "upload.undo_units_more": "{names} and others ({n} units)",
        "upload.undo_org_wide": "organisation-wide",
    }
)
ZH.update(
    {
        "units.yes": "是",
        "units.no": "否",
        "units.type_help": "单位性质决定哪些指标适用于本单位：例如机关不签订集体合同，集体合同类指标对机关显示为“不适用”，"
        "不计入分子和分母。请按单位实际性质选择，系统不会根据单位名称推断。",
        "units.type_unknown": "（未填写：各项指标均适用）",
        "units.save_type": "保存单位性质",
    }
)
EN.update(
    {
        "units.yes": "Yes",
        "units.no": "No",
        "units.type_help": "The unit type decides which indicators apply: a government organ signs no collective "
        "contract, so those indicators show 'not applicable' for it and leave it out of numerator and denominator. "
        "Choose the unit's real type; it is never guessed from the name.",
        "units.type_unknown": "(not set: every indicator applies)",
        "units.save_type": "Save unit type",
    }
)
ZH.update({"fig.note_coverage": "注：{names}仅{coverage}，未计入未报送的单位"})
EN.update({"fig.note_coverage": "Note: {names}: only {coverage}; units that did not report are left out"})


# Accounts, login and the audit trail (etl/accounts.py, dashboard/auth.py, pages/accounts.py, pages/audit.py).
ZH.update(
    {
        "nav.admin": "系统管理",
        "page.accounts": "账号管理",
        "page.audit": "操作日志",
        "page.login": "登录",
        "role.admin": "管理员",
        "role.uploader": "填报员",
        "role.viewer": "查看",
        "auth.title": "登录工会年度工作指标看板",
        "auth.name": "账号",
        "auth.password": "密码",
        "auth.submit": "登录",
        "auth.failed": "用户名或密码错误",
        "auth.signing_in": "登录成功，正在进入看板……",
        "auth.lock_rule": "连续输错 5 次密码，账号将被锁定 15 分钟。忘记密码请联系管理员。",
        "auth.expired": "登录已过期，请重新登录。",
        "auth.ended": "已退出登录。",
        "auth.disabled": "账号已停用，请联系管理员。",
        "auth.revoked": "账号的密码或权限已变更，请重新登录。",
        "auth.oidc_button": "使用统一身份认证登录",
        "auth.oidc_or": "或使用本单位的统一身份认证账号：",
        "auth.oidc_no_account": "请联系管理员开通",
        "auth.oidc_no_account_detail": "统一身份认证账号「{email}」在本看板中没有对应的账号。",
        "auth.oidc_disabled": "与统一身份认证账号「{email}」对应的账号已停用，请联系管理员。",
        "auth.other_identity": "换一个账号登录",
        "auth.setup_title": "尚未创建任何账号",
        "auth.setup_text": "本看板还没有账号，且服务器不只在本机地址上提供服务，因此在创建第一个管理员之前不显示任何数据。请在服务器上运行：",
        "auth.setup_after": "然后刷新本页面，用新建的账号登录。",
        "auth.local_banner": "未启用登录：本机上任何打开此页面的人都以本机用户「{user}」的身份拥有全部权限。用 python -m etl users add 创建管理员后即需登录（例如 python -m etl users add admin --role admin）。",
        "auth.signed_in": "当前账号：{name}（{role} · {scope}）",
        "auth.local_user": "本机用户：{name}（未启用登录）",
        "auth.logout": "退出登录",
        "auth.no_access": "您的账号（{role}）无权打开此页面。",
        "auth.not_signed_in": "请先登录。",
        "auth.refused": "操作被拒绝：{message}",
        "auth.org": "整个组织",
        "accounts.caption": "管理员可新建账号、重设密码、停用或启用账号、修改角色与所属单位。每次修改都记入操作日志。",
        "accounts.list": "账号列表",
        "accounts.col_name": "账号",
        "accounts.col_role": "角色",
        "accounts.col_unit": "所属单位",
        "accounts.col_email": "电子邮箱",
        "accounts.col_state": "状态",
        "accounts.col_last_login": "最近登录",
        "accounts.state_enabled": "启用",
        "accounts.state_disabled": "已停用",
        "accounts.state_locked": "锁定至 {time}",
        "accounts.add": "新建账号",
        "accounts.email": "电子邮箱（可选，统一身份认证按邮箱匹配账号）",
        "accounts.unit": "所属单位（填报员必选；查看可选整个组织）",
        "accounts.password_again": "再次输入密码",
        "accounts.password_mismatch": "两次输入的密码不一致",
        "accounts.create": "新建",
        "accounts.created": "已新建账号「{name}」。",
        "accounts.choose": "选择账号",
        "accounts.tab_password": "重设密码",
        "accounts.tab_state": "停用 / 启用",
        "accounts.tab_role": "角色与单位",
        "accounts.new_password": "新密码",
        "accounts.set_password": "重设密码",
        "accounts.password_done": "已重设账号「{name}」的密码，其已登录的会话已结束。",
        "accounts.disable": "停用账号",
        "accounts.enable": "启用账号",
        "accounts.disabled_done": "已停用账号「{name}」，其已登录的会话已结束。",
        "accounts.enabled_done": "已启用账号「{name}」。",
        "accounts.save_role": "保存",
        "accounts.role_done": "已修改账号「{name}」。",
        "audit.caption": "登录、导入、撤销、目标修改、单位名册和账号的每一次变动都记录在此；日志只能查看和下载，不能修改或删除。",
        "audit.since": "起始日期",
        "audit.until": "截止日期",
        "audit.account": "账号",
        "audit.all_accounts": "全部账号",
        "audit.actions": "操作类型（不选即全部）",
        "audit.all_actions": "全部操作",
        "audit.count": "共 {n} 条记录",
        "audit.col_time": "时间",
        "audit.col_account": "账号",
        "audit.col_role": "角色",
        "audit.col_via": "方式",
        "audit.col_action": "操作",
        "audit.col_target": "对象",
        "audit.col_units": "涉及单位",
        "audit.col_periods": "统计期",
        "audit.col_detail": "说明",
        "audit.download_csv": "下载 CSV",
        "audit.download_xlsx": "下载 Excel",
        "audit.via_app": "看板",
        "audit.via_cli": "命令行",
        "audit.via_local": "本机（未启用登录）",
        "audit.via_oidc": "统一身份认证",
    }
)
EN.update(
    {
        "nav.admin": "Administration",
        "page.accounts": "Accounts",
        "page.audit": "Audit log",
        "page.login": "Sign in",
        "role.admin": "Administrator",
        "role.uploader": "Uploader",
        "role.viewer": "Viewer",
        "auth.title": "Sign in to the union KPI dashboard",
        "auth.name": "Account",
        "auth.password": "Password",
        "auth.submit": "Sign in",
        "auth.failed": "Wrong account name or password",
        "auth.signing_in": "Signed in: opening the dashboard…",
        "auth.lock_rule": "After 5 wrong passwords in a row the account is locked for 15 minutes. Forgot your password? Ask an administrator.",
        "auth.expired": "Your session has expired: please sign in again.",
        "auth.ended": "You have signed out.",
        "auth.disabled": "This account has been disabled: please contact an administrator.",
        "auth.revoked": "The account's password or rights have changed: please sign in again.",
        "auth.oidc_button": "Sign in with single sign-on",
        "auth.oidc_or": "Or use your organisation's single sign-on account:",
        "auth.oidc_no_account": "Please ask an administrator for an account",
        "auth.oidc_no_account_detail": "The single sign-on identity “{email}” has no account on this dashboard.",
        "auth.oidc_disabled": "The account of the single sign-on identity “{email}” has been disabled: please contact an administrator.",
        "auth.other_identity": "Sign in with another account",
        "auth.setup_title": "No account yet",
        "auth.setup_text": "This dashboard has no account and the server is not bound to a local address only, so nothing is shown until the first administrator exists. On the server, run:",
        "auth.setup_after": "Then reload this page and sign in with the new account.",
        "auth.local_banner": "Sign-in is off: anyone who opens this page on this computer has every right, as the local user “{user}”. Create an administrator with python -m etl users add (e.g. python -m etl users add admin --role admin) and sign-in is required from then on.",
        "auth.signed_in": "Signed in: {name} ({role} · {scope})",
        "auth.local_user": "Local user: {name} (sign-in off)",
        "auth.logout": "Sign out",
        "auth.no_access": "Your account ({role}) may not open this page.",
        "auth.not_signed_in": "Please sign in first.",
        "auth.refused": "Refused: {message}",
        "auth.org": "Whole organisation",
        "accounts.caption": "Administrators add accounts, reset passwords, disable or enable accounts and change roles and units. Every change is written to the audit log.",
        "accounts.list": "Accounts",
        "accounts.col_name": "Account",
        "accounts.col_role": "Role",
        "accounts.col_unit": "Unit",
        "accounts.col_email": "E-mail",
        "accounts.col_state": "State",
        "accounts.col_last_login": "Last sign-in",
        "accounts.state_enabled": "Enabled",
        "accounts.state_disabled": "Disabled",
        "accounts.state_locked": "Locked until {time}",
        "accounts.add": "Add an account",
        "accounts.email": "E-mail (optional; single sign-on matches accounts by e-mail)",
        "accounts.unit": "Unit (required for uploaders; viewers may see the whole organisation)",
        "accounts.password_again": "Password again",
        "accounts.password_mismatch": "The two passwords differ",
        "accounts.create": "Add",
        "accounts.created": "Account “{name}” added.",
        "accounts.choose": "Account",
        "accounts.tab_password": "Reset password",
        "accounts.tab_state": "Disable / enable",
        "accounts.tab_role": "Role and unit",
        "accounts.new_password": "New password",
        "accounts.set_password": "Reset password",
        "accounts.password_done": "Password of “{name}” reset; its open sessions have ended.",
        "accounts.disable": "Disable account",
        "accounts.enable": "Enable account",
        "accounts.disabled_done": "Account “{name}” disabled; its open sessions have ended.",
        "accounts.enabled_done": "Account “{name}” enabled.",
        "accounts.save_role": "Save",
        "accounts.role_done": "Account “{name}” changed.",
        "audit.caption": "Every sign-in, import, undo, target edit, register change and account change is recorded here; the log can be read and downloaded, never changed or deleted.",
        "audit.since": "From",
        "audit.until": "To",
        "audit.account": "Account",
        "audit.all_accounts": "All accounts",
        "audit.actions": "Actions (none chosen = all)",
        "audit.all_actions": "All actions",
        "audit.count": "{n} entries",
        "audit.col_time": "Time",
        "audit.col_account": "Account",
        "audit.col_role": "Role",
        "audit.col_via": "Via",
        "audit.col_action": "Action",
        "audit.col_target": "Object",
        "audit.col_units": "Units",
        "audit.col_periods": "Periods",
        "audit.col_detail": "Detail",
        "audit.download_csv": "Download CSV",
        "audit.download_xlsx": "Download Excel",
        "audit.via_app": "Dashboard",
        "audit.via_cli": "Command line",
        "audit.via_local": "Local (sign-in off)",
        "audit.via_oidc": "Single sign-on",
    }
)
# action labels of the 操作日志 (etl.audit.ACTIONS is made from these keys)
ZH.update(
    {
        "audit.action.login": "登录",
        "audit.action.login_failed": "登录失败",
        "audit.action.account_locked": "账号锁定",
        "audit.action.logout": "退出登录",
        "audit.action.session_expired": "登录过期",
        "audit.action.import": "导入数据",
        "audit.action.undo": "撤销导入",
        "audit.action.targets_edit": "修改年度目标",
        "audit.action.unit_rename": "单位改名",
        "audit.action.unit_merge": "单位合并",
        "audit.action.unit_parent": "设置上级工会",
        "audit.action.unit_type": "设置单位性质",
        "audit.action.unit_retire": "停用单位",
        "audit.action.unit_restore": "恢复单位",
        "audit.action.alias_add": "添加单位写法",
        "audit.action.alias_remove": "删除单位写法",
        "audit.action.account_add": "新建账号",
        "audit.action.account_password": "重设密码",
        "audit.action.account_disable": "停用账号",
        "audit.action.account_enable": "启用账号",
        "audit.action.account_change": "修改账号",
        "audit.action.denied": "拒绝的操作",
    }
)
EN.update(
    {
        "audit.action.login": "Sign-in",
        "audit.action.login_failed": "Failed sign-in",
        "audit.action.account_locked": "Account locked",
        "audit.action.logout": "Sign-out",
        "audit.action.session_expired": "Session expired",
        "audit.action.import": "Import",
        "audit.action.undo": "Undo import",
        "audit.action.targets_edit": "Targets edited",
        "audit.action.unit_rename": "Unit renamed",
        "audit.action.unit_merge": "Units merged",
        "audit.action.unit_parent": "Parent union set",
        "audit.action.unit_type": "Unit type set",
        "audit.action.unit_retire": "Unit retired",
        "audit.action.unit_restore": "Unit restored",
        "audit.action.alias_add": "Spelling added",
        "audit.action.alias_remove": "Spelling removed",
        "audit.action.account_add": "Account added",
        "audit.action.account_password": "Password reset",
        "audit.action.account_disable": "Account disabled",
        "audit.action.account_enable": "Account enabled",
        "audit.action.account_change": "Account changed",
        "audit.action.denied": "Refused",
    }
)


# Strings of the security work (issue 11): retiring units, units removed by an undo, the parse queue.
ZH.update(
    {
        "units.retired": "已停用",
        "units.retire_tab": "停用 / 恢复",
        "units.retire_help": "停用后，「{unit}」不再计入应报送单位（数据报送率、未报送名单），没有其数据的年度也不再出现在范围列表中；已有数据、目标和写法都保留，可随时恢复。",
        "units.retire_button": "停用该单位",
        "units.restore_help": "「{unit}」已停用。恢复后，它曾报送过报表则重新计入应报送单位。",
        "units.restore_button": "恢复该单位",
        "upload.undo_removed_units": "同时删除了这次导入新建、已无任何数据的 {n} 个单位：{names}",
        "upload.queue_waiting": "排队中：前面还有 {n} 个文件",
        "upload.queue_parsing": "正在解析「{file}」……",
    }
)
EN.update(
    {
        "units.retired": "Retired",
        "units.retire_tab": "Retire / restore",
        "units.retire_help": "A retired unit ({unit}) no longer counts as expected to report (reporting rate, missing lists) and leaves the scope list of years without its data; its data, targets and spellings are kept and it can be restored.",
        "units.retire_button": "Retire this unit",
        "units.restore_help": "{unit} is retired. Restored, it counts as expected to report again if it ever sent a sheet.",
        "units.restore_button": "Restore this unit",
        "upload.undo_removed_units": "Also removed {n} units this load had created and that hold no data: {names}",
        "upload.queue_waiting": "Queued; files ahead of yours: {n}",
        "upload.queue_parsing": "Reading {file} …",
    }
)
ZH.update(
    {
        "sidebar.scope_below": "下一级",
        "theme.rank_by_child": "本范围有{n}个基层单位，按下一级工会排名；选择更小的范围可按基层单位排名。",
        "table.truncated": "共{total}行，此处及下载文件仅含前{shown}行；选择更小的单位范围可查看其余各行。",
    }
)
EN.update(
    {
        "sidebar.scope_below": "Below",
        "theme.rank_by_child": "{n} grassroots units in this scope: ranked by next-level union. "
        "Choose a smaller scope to rank grassroots units.",
        "table.truncated": "{total} rows; this table and its downloads hold the first {shown}. "
        "Choose a smaller scope to see the rest.",
    }
)
