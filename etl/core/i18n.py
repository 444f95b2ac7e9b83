"""The one way to a UI string, Chinese first; the strings themselves are in etl.core.strings.

    t("page.overview")                   -> "总览"
    t("page.overview", "en")             -> "Overview"
    t("upload.queue_waiting", "en", n=2) -> "Queued; files ahead of yours: 2"

A key whose English slot is None shows the Chinese text in English too; an unknown key raises
KeyError, so a typo fails the tests instead of showing a blank label. Labels of indicators,
statuses, themes, kinds and fields come from etl.core.dictionary, never from the catalogue.
"""

from __future__ import annotations

from etl.core.dictionary import (
    INDICATOR_BY_ID,
    KINDS,
    STATUS_EN,
    STATUS_ZH,
    THEMES,
    UNIT_TYPES_EN,
    Indicator,
)
from etl.core.strings import CATALOGUE

LANGS = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}

# The canonical categories of etl.core.dictionary, in English (the data keeps the Chinese value).
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


def _lang(lang: str | None) -> str:
    return lang if lang in LANGS else "zh"


def t(key: str, lang: str = "zh", **kwargs: object) -> str:
    """The UI string for key in lang, formatted with kwargs (str.format)."""
    try:
        zh, en = CATALOGUE[key]
    except KeyError:
        raise KeyError(f"unknown UI string key: {key!r}") from None
    s = en if en is not None and _lang(lang) == "en" else zh
    return s.format(**kwargs) if kwargs else s


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
