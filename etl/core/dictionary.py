"""The one dictionary of spreadsheet kinds, fields and indicators.

Validation, header mapping, SQL computation, labels, templates and the docs all
read from here; nothing else spells out an indicator or a column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FieldType = Literal["text", "int", "money", "date", "number", "rate"]
IndicatorKind = Literal["rate", "stock", "flow"]


@dataclass(frozen=True)
class Field:
    id: str
    zh: str
    en: str
    type: FieldType
    required: bool = False
    aliases: tuple[str, ...] = ()
    example: object = None


@dataclass(frozen=True)
class Kind:
    id: str
    zh: str
    en: str
    table: str
    # "snapshot": one row per unit per quarter; "events": dated rows; "plan": targets
    shape: Literal["snapshot", "events", "plan"]
    fields: tuple[Field, ...]

    def field(self, field_id: str) -> Field:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fields if f.required)


# Columns shared by every per-unit kind: the period can come from the sheet itself.
_UNIT = Field(
    "unit",
    "单位名称",
    "Unit",
    "text",
    True,
    (
        "单位",
        "基层工会名称",
        "工会名称",
        "基层工会",
        "单位全称",
        "组织单位",
        "所属单位",
        "填报单位",
        "unit_name",
        "name",
    ),
    "滨江市第一中学工会",
)
_PARENT = Field(
    "parent",
    "上级工会",
    "Parent union",
    "text",
    False,
    ("上级工会名称", "所属上级工会", "主管工会", "上级单位"),
    "滨江市教育工会",
)
# 单位性质: which indicators apply to a unit (a 机关 signs no 集体合同). Read from the sheet or set in
# 单位管理, never guessed from the unit's name; blank = not known, and then every indicator applies.
UNIT_TYPES = ("企业", "事业单位", "机关", "社会组织", "其他")
UNIT_TYPES_EN = {
    "企业": "Enterprise",
    "事业单位": "Public institution",
    "机关": "Government organ",
    "社会组织": "Social organisation",
    "其他": "Other",
}
UNIT_TYPE_SYNONYMS = {
    "党政机关": "机关",
    "行政机关": "机关",
    "国家机关": "机关",
    "机关单位": "机关",
    "参公单位": "机关",
    "参照公务员法管理单位": "机关",
    "事业": "事业单位",
    "公益一类事业单位": "事业单位",
    "公益二类事业单位": "事业单位",
    "国有企业": "企业",
    "国企": "企业",
    "民营企业": "企业",
    "民企": "企业",
    "私营企业": "企业",
    "非公企业": "企业",
    "非公有制企业": "企业",
    "外资企业": "企业",
    "集体企业": "企业",
    "社会团体": "社会组织",
    "民办非企业单位": "社会组织",
    "社会服务机构": "社会组织",
}
_UNIT_TYPE = Field(
    "unit_type",
    "单位性质",
    "Unit type",
    "text",
    False,
    ("单位类型", "单位类别", "单位属性", "性质"),
    "企业",
)


def unit_type_of(value: object) -> str | None:
    """The canonical 单位性质 for what a sheet or a user wrote; None for blank or unknown."""
    if not isinstance(value, str):
        return None
    text = "".join(value.split())
    if text in UNIT_TYPES:
        return text
    return UNIT_TYPE_SYNONYMS.get(text)


_YEAR = Field("year", "年度", "Year", "int", False, ("年份", "统计年度", "年"), 2025)
_QUARTER = Field(
    "quarter",
    "季度",
    "Quarter",
    "text",
    False,
    ("统计季度", "报告期", "季", "统计期", "统计期间", "统计时间"),
    "第三季度",
)

MEMBERSHIP = Kind(
    "membership",
    "会员发展",
    "Membership",
    "membership",
    "snapshot",
    (
        _UNIT,
        Field(
            "employees",
            "职工人数",
            "Employees",
            "int",
            True,
            ("职工总数", "在岗职工人数", "职工人数(人)", "职工数", "人数"),
            1200,
        ),
        Field(
            "members",
            "会员人数",
            "Members",
            "int",
            True,
            ("会员总数", "工会会员人数", "会员数", "会员"),
            1150,
        ),
        Field(
            "employees_female",
            "女职工人数",
            "Female employees",
            "int",
            False,
            ("女职工", "女职工数", "女职工总数"),
            620,
        ),
        Field(
            "members_female",
            "女会员人数",
            "Female members",
            "int",
            False,
            ("女会员", "女会员数", "女职工会员人数", "女职工会员数"),
            600,
        ),
        Field(
            "employees_migrant",
            "农民工人数",
            "Migrant workers",
            "int",
            False,
            ("农民工", "农民工数", "农民工总数"),
            80,
        ),
        Field(
            "members_migrant",
            "农民工会员人数",
            "Migrant members",
            "int",
            False,
            ("农民工会员", "农民工会员数", "农民工入会人数"),
            72,
        ),
        Field(
            "new_members",
            "新发展会员",
            "New members",
            "int",
            False,
            ("本期新增会员", "新发展会员人数", "新增会员", "新增会员数", "新入会人数", "本季度新发展会员"),
            25,
        ),
        Field(
            "orgs_total",
            "应建会单位数",
            "Organisations to unionise",
            "int",
            False,
            ("企业（单位）总数", "企业(单位)总数", "单位总数", "企业总数", "应建会企业数"),
            12,
        ),
        Field(
            "orgs_unionized",
            "已建会单位数",
            "Unionised organisations",
            "int",
            False,
            ("已建工会单位数", "已建会企业数", "已建会数"),
            11,
        ),
        Field(
            "new_unions",
            "新建工会组织数",
            "New unions",
            "int",
            False,
            ("新建工会组织", "新建工会数", "新建会数", "新建工会"),
            1,
        ),
        Field(
            "contracts_signed",
            "签订集体合同单位数",
            "Collective contracts",
            "int",
            False,
            ("集体合同签订单位数", "签订集体合同数", "已签订集体合同单位数", "集体合同"),
            9,
        ),
        Field(
            "wage_agreements",
            "签订工资专项集体合同单位数",
            "Wage agreements",
            "int",
            False,
            ("工资专项集体合同单位数", "签订工资集体协议单位数", "工资集体协议", "工资专项集体合同"),
            8,
        ),
        Field(
            "female_contracts",
            "签订女职工权益保护专项集体合同单位数",
            "Female-rights contracts",
            "int",
            False,
            (
                "女职工权益保护专项集体合同单位数",
                "女职工专项集体合同单位数",
                "女职工专项合同",
                "女职工权益保护专项集体合同",
            ),
            8,
        ),
        _PARENT,
        _UNIT_TYPE,
        _YEAR,
        _QUARTER,
    ),
)

DUES = Kind(
    "dues",
    "会费收缴",
    "Dues",
    "dues",
    "snapshot",
    (
        _UNIT,
        Field(
            "dues_due",
            "应缴会费",
            "Dues due",
            "money",
            True,
            ("应缴会费(元)", "应收会费", "应缴金额", "会费应缴", "应交会费"),
            57600,
        ),
        Field(
            "dues_paid",
            "实缴会费",
            "Dues paid",
            "money",
            True,
            ("实缴会费(元)", "实收会费", "实缴金额", "已缴会费", "会费实缴", "实交会费"),
            57600,
        ),
        Field(
            "funds_due",
            "应拨缴工会经费",
            "Union funds due",
            "money",
            False,
            ("应拨缴经费", "应缴工会经费", "应拨经费"),
            120000,
        ),
        Field(
            "funds_paid",
            "实拨缴工会经费",
            "Union funds paid",
            "money",
            False,
            ("实拨缴经费", "实缴工会经费", "已拨缴经费", "实拨经费"),
            118000,
        ),
        Field(
            "paid_on",
            "缴纳日期",
            "Paid on",
            "date",
            False,
            ("缴费日期", "缴款日期", "到账日期"),
            "2025-09-20",
        ),
        _YEAR,
        _QUARTER,
    ),
)

WELFARE_CATEGORIES = (
    "困难职工帮扶",
    "送温暖",
    "金秋助学",
    "医疗互助",
    "节日慰问",
    "生日慰问",
    "住院探望",
    "其他",
)
ACTIVITY_CATEGORIES = ("文体活动", "教育培训", "技能竞赛", "女职工活动", "志愿公益", "其他")

# Synonyms people write for the canonical categories; anything else becomes 其他 with a warning.
CATEGORY_SYNONYMS: dict[str, dict[str, str]] = {
    "welfare": {
        "困难帮扶": "困难职工帮扶",
        "帮扶困难职工": "困难职工帮扶",
        "困难职工救助": "困难职工帮扶",
        "困难救助": "困难职工帮扶",
        "帮困": "困难职工帮扶",
        "送温暖活动": "送温暖",
        "冬季送温暖": "送温暖",
        "两节送温暖": "送温暖",
        "助学": "金秋助学",
        "金秋助学活动": "金秋助学",
        "医疗救助": "医疗互助",
        "职工医疗互助": "医疗互助",
        "互助保障": "医疗互助",
        "节日": "节日慰问",
        "节日福利": "节日慰问",
        "节慰问": "节日慰问",
        "生日": "生日慰问",
        "生日福利": "生日慰问",
        "住院慰问": "住院探望",
        "探望病号": "住院探望",
        "病困慰问": "住院探望",
        "探病": "住院探望",
    },
    "activities": {
        "文体": "文体活动",
        "文艺活动": "文体活动",
        "体育活动": "文体活动",
        "文体比赛": "文体活动",
        "培训": "教育培训",
        "学习培训": "教育培训",
        "职工培训": "教育培训",
        "讲座": "教育培训",
        "技能比武": "技能竞赛",
        "劳动竞赛": "技能竞赛",
        "岗位练兵": "技能竞赛",
        "竞赛": "技能竞赛",
        "女工活动": "女职工活动",
        "三八活动": "女职工活动",
        "志愿服务": "志愿公益",
        "公益活动": "志愿公益",
        "志愿者活动": "志愿公益",
        "公益": "志愿公益",
    },
}

WELFARE = Kind(
    "welfare",
    "帮扶慰问",
    "Welfare",
    "welfare",
    "events",
    (
        Field(
            "date", "发放日期", "Date", "date", True, ("日期", "慰问日期", "时间", "发放时间"), "2025-01-20"
        ),
        _UNIT,
        Field(
            "category",
            "类别",
            "Category",
            "text",
            True,
            ("项目", "慰问类别", "帮扶类别", "类型", "帮扶项目"),
            "送温暖",
        ),
        Field(
            "beneficiaries",
            "受益人次",
            "Beneficiaries",
            "int",
            False,
            ("人数", "户数", "受益人数", "慰问人数", "人次", "受助人次", "慰问人次", "慰问户数"),
            12,
        ),
        Field(
            "amount",
            "金额",
            "Amount",
            "money",
            True,
            ("金额(元)", "发放金额", "慰问金额", "帮扶金额", "支出金额", "慰问金"),
            6000,
        ),
        Field("note", "备注", "Note", "text", False, ("说明",), "春节前走访"),
        _YEAR,
        _QUARTER,
    ),
)

ACTIVITIES = Kind(
    "activities",
    "活动开展",
    "Activities",
    "activities",
    "events",
    (
        Field(
            "date", "活动时间", "Date", "date", True, ("日期", "活动日期", "举办时间", "时间"), "2025-03-08"
        ),
        _UNIT,
        Field(
            "title",
            "活动名称",
            "Title",
            "text",
            True,
            ("活动", "名称", "活动主题", "项目名称"),
            "庆三八女职工健步走",
        ),
        Field("category", "类别", "Category", "text", False, ("活动类别", "活动类型", "类型"), "女职工活动"),
        Field(
            "participants",
            "参与人数",
            "Participants",
            "int",
            True,
            ("参加人次", "参与人次", "参加人数", "人数", "参与人员"),
            120,
        ),
        Field(
            "participants_female",
            "女职工参与人数",
            "Female participants",
            "int",
            False,
            ("女职工参与人次", "女职工参加人数", "女职工人数", "女职工", "其中女职工"),
            80,
        ),
        Field("cost", "经费", "Cost", "money", False, ("活动经费", "经费(元)", "费用", "支出"), 3000),
        _YEAR,
        _QUARTER,
    ),
)

TARGETS = Kind(
    "targets",
    "年度目标",
    "Targets",
    "targets",
    "plan",
    (
        Field("year", "年度", "Year", "int", True, ("年份", "目标年度"), 2025),
        Field(
            "indicator",
            "指标",
            "Indicator",
            "text",
            True,
            ("指标名称", "考核指标", "指标项目", "项目"),
            "入会率",
        ),
        Field(
            "target",
            "目标值",
            "Target",
            "number",
            True,
            ("年度目标", "全年目标", "目标", "计划值", "年度计划"),
            "95%",
        ),
        Field("unit", "单位名称", "Unit", "text", False, ("单位", "适用单位", "基层工会名称"), ""),
        Field("q1", "一季度", "Q1 milestone", "number", False, ("第一季度", "1季度", "Q1"), None),
        Field("q2", "二季度", "Q2 milestone", "number", False, ("第二季度", "2季度", "Q2"), None),
        Field("q3", "三季度", "Q3 milestone", "number", False, ("第三季度", "3季度", "Q3"), None),
        Field("q4", "四季度", "Q4 milestone", "number", False, ("第四季度", "4季度", "Q4"), None),
    ),
)

KINDS: dict[str, Kind] = {k.id: k for k in (MEMBERSHIP, DUES, WELFARE, ACTIVITIES, TARGETS)}
DATA_KINDS = ("membership", "dues", "welfare", "activities")


@dataclass(frozen=True)
class Theme:
    id: str
    zh: str
    en: str


THEMES: tuple[Theme, ...] = (
    Theme("organisation", "组织建设与会员", "Organisation & membership"),
    Theme("contracts", "集体合同", "Collective contracts"),
    Theme("dues", "会费收缴", "Dues collection"),
    Theme("welfare", "帮扶慰问", "Welfare support"),
    Theme("activities", "活动开展", "Activities"),
)


@dataclass(frozen=True)
class Indicator:
    id: str
    zh: str
    en: str
    kind: IndicatorKind
    theme: str
    source: str  # the spreadsheet kind it is computed from
    numerator: str  # field summed (or "*" to count rows)
    denominator: str | None = None
    measure: Literal["count", "money", "rate"] = "count"
    unit_zh: str = ""  # 人, 家, 元, 次 — for axis titles and sentences
    unit_en: str = ""
    year_to_date: bool = False  # rates summed over Q1..Q instead of at Q
    higher_is_better: bool = True
    # 单位性质 the indicator does not apply to: such units are left out of numerator, denominator
    # and coverage, and shown as 不适用
    not_for: tuple[str, ...] = ()
    # a figure about the data (数据报送率), not a work target: shown with coverage, not counted
    # among the 工作指标
    quality: bool = False
    formula_zh: str = ""
    aliases: tuple[str, ...] = field(default=())


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "membership_rate",
        "入会率",
        "Membership rate",
        "rate",
        "organisation",
        "membership",
        "members",
        "employees",
        "rate",
        "%",
        "%",
        formula_zh="Σ会员人数 / Σ职工人数",
        aliases=("职工入会率", "会员入会率"),
    ),
    Indicator(
        "female_membership_rate",
        "女职工入会率",
        "Female membership rate",
        "rate",
        "organisation",
        "membership",
        "members_female",
        "employees_female",
        "rate",
        "%",
        "%",
        formula_zh="Σ女会员人数 / Σ女职工人数",
    ),
    Indicator(
        "migrant_membership_rate",
        "农民工入会率",
        "Migrant membership rate",
        "rate",
        "organisation",
        "membership",
        "members_migrant",
        "employees_migrant",
        "rate",
        "%",
        "%",
        formula_zh="Σ农民工会员人数 / Σ农民工人数",
    ),
    Indicator(
        "members",
        "会员人数",
        "Members",
        "stock",
        "organisation",
        "membership",
        "members",
        None,
        "count",
        "人",
        "people",
        formula_zh="Σ会员人数（所选季度末）",
        aliases=("会员总数",),
    ),
    Indicator(
        "new_members",
        "新发展会员",
        "New members",
        "flow",
        "organisation",
        "membership",
        "new_members",
        None,
        "count",
        "人",
        "people",
        formula_zh="Σ新发展会员（一季度至所选季度累计）",
        aliases=("发展会员", "新发展会员人数", "新增会员"),
    ),
    Indicator(
        "unionization_rate",
        "建会率",
        "Unionisation rate",
        "rate",
        "organisation",
        "membership",
        "orgs_unionized",
        "orgs_total",
        "rate",
        "%",
        "%",
        formula_zh="Σ已建会单位数 / Σ应建会单位数",
        aliases=("组建率", "工会组建率"),
    ),
    Indicator(
        "new_unions",
        "新建工会组织",
        "New unions",
        "flow",
        "organisation",
        "membership",
        "new_unions",
        None,
        "count",
        "家",
        "unions",
        formula_zh="Σ新建工会组织数（累计）",
        aliases=("新建工会组织数", "新建工会"),
    ),
    Indicator(
        "contract_signing_rate",
        "集体合同签订率",
        "Collective contract rate",
        "rate",
        "contracts",
        "membership",
        "contracts_signed",
        "orgs_unionized",
        "rate",
        "%",
        "%",
        not_for=("机关",),
        formula_zh="Σ签订集体合同单位数 / Σ已建会单位数",
    ),
    Indicator(
        "wage_agreement_rate",
        "工资集体协议签订率",
        "Wage agreement rate",
        "rate",
        "contracts",
        "membership",
        "wage_agreements",
        "orgs_unionized",
        "rate",
        "%",
        "%",
        not_for=("机关",),
        formula_zh="Σ签订工资专项集体合同单位数 / Σ已建会单位数",
        aliases=("工资专项集体合同签订率",),
    ),
    Indicator(
        "female_contract_rate",
        "女职工专项合同签订率",
        "Female-rights contract rate",
        "rate",
        "contracts",
        "membership",
        "female_contracts",
        "orgs_unionized",
        "rate",
        "%",
        "%",
        not_for=("机关",),
        formula_zh="Σ签订女职工权益保护专项集体合同单位数 / Σ已建会单位数",
        aliases=("女职工权益保护专项集体合同签订率",),
    ),
    Indicator(
        "dues_collection_rate",
        "会费收缴率",
        "Dues collection rate",
        "rate",
        "dues",
        "dues",
        "dues_paid",
        "dues_due",
        "rate",
        "%",
        "%",
        year_to_date=True,
        formula_zh="Σ实缴会费 / Σ应缴会费（一季度至所选季度）",
    ),
    Indicator(
        "funds_collection_rate",
        "经费收缴率",
        "Union funds collection rate",
        "rate",
        "dues",
        "dues",
        "funds_paid",
        "funds_due",
        "rate",
        "%",
        "%",
        year_to_date=True,
        formula_zh="Σ实拨缴工会经费 / Σ应拨缴工会经费（一季度至所选季度）",
        aliases=("工会经费收缴率",),
    ),
    Indicator(
        "dues_collected",
        "会费收缴额",
        "Dues collected",
        "flow",
        "dues",
        "dues",
        "dues_paid",
        None,
        "money",
        "元",
        "CNY",
        formula_zh="Σ实缴会费（累计）",
        aliases=("会费收缴金额", "会费收入"),
    ),
    Indicator(
        "welfare_spend",
        "帮扶慰问支出",
        "Welfare spending",
        "flow",
        "welfare",
        "welfare",
        "amount",
        None,
        "money",
        "元",
        "CNY",
        formula_zh="Σ帮扶慰问金额（累计）",
        aliases=("帮扶慰问金额", "慰问支出"),
    ),
    Indicator(
        "welfare_beneficiaries",
        "帮扶慰问人次",
        "Welfare beneficiaries",
        "flow",
        "welfare",
        "welfare",
        "beneficiaries",
        None,
        "count",
        "人次",
        "people",
        formula_zh="Σ受益人次（累计）",
        aliases=("慰问人次", "受益人次"),
    ),
    Indicator(
        "activities_count",
        "活动次数",
        "Activities held",
        "flow",
        "activities",
        "activities",
        "*",
        None,
        "count",
        "次",
        "events",
        formula_zh="活动记录条数（累计）",
        aliases=("开展活动次数", "活动场次"),
    ),
    Indicator(
        "activity_participants",
        "活动参与人次",
        "Activity participants",
        "flow",
        "activities",
        "activities",
        "participants",
        None,
        "count",
        "人次",
        "people",
        formula_zh="Σ参与人数（累计）",
        aliases=("参与人次", "活动参加人次"),
    ),
    Indicator(
        "activity_participation_rate",
        "活动参与率",
        "Activity participation rate",
        "rate",
        "activities",
        "activities",
        "participants",
        "members",
        "rate",
        "%",
        "%",
        year_to_date=True,
        formula_zh="Σ参与人数 / Σ活动所在单位当季会员人数（累计）",
        aliases=("职工参与率",),
    ),
    Indicator(
        "reporting_rate",
        "数据报送率",
        "Reporting rate",
        "rate",
        "organisation",
        "membership",
        "reported_units",
        "known_units",
        "rate",
        "%",
        "%",
        quality=True,
        formula_zh="报送当季会员发展表的单位数 / 已知单位数",
        aliases=("报送率",),
    ),
)

INDICATOR_BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}
# Q1–Q3 judge progress (超前 / 正常 / 滞后); Q4 — the year-end view — judges the year (完成 / 未完成).
PROGRESS_STATUSES = ("ahead", "on_track", "behind")
YEAR_END_STATUSES = ("met", "missed")
STATUSES = (*PROGRESS_STATUSES, *YEAR_END_STATUSES, "no_target", "no_data", "not_applicable")
JUDGED_STATUSES = PROGRESS_STATUSES + YEAR_END_STATUSES
STATUS_ZH = {
    "ahead": "超前",
    "on_track": "正常",
    "behind": "滞后",
    "met": "完成",
    "missed": "未完成",
    "no_target": "无目标",
    "no_data": "无数据",
    "not_applicable": "不适用",
}
STATUS_EN = {
    "ahead": "Ahead",
    "on_track": "On track",
    "behind": "Behind",
    "met": "Met",
    "missed": "Missed",
    "no_target": "No target",
    "no_data": "No data",
    "not_applicable": "Not applicable",
}


def statuses_for(quarter: int) -> tuple[str, ...]:
    """The statuses a view of this quarter can show, in legend order."""
    judged = YEAR_END_STATUSES if int(quarter) == 4 else PROGRESS_STATUSES
    return (*judged, "no_target", "no_data", "not_applicable")


def applies(ind: Indicator, unit_type: str | None) -> bool:
    return unit_type is None or unit_type not in ind.not_for


WORK_INDICATORS = tuple(i for i in INDICATORS if not i.quality)


def indicators_of_theme(theme_id: str) -> tuple[Indicator, ...]:
    return tuple(i for i in INDICATORS if i.theme == theme_id)
