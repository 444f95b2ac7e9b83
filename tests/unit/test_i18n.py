"""UI strings: every key in both languages, dictionary labels complete, typos fail."""

import re
import string

import pytest

from etl.core import i18n
from etl.core.dictionary import ACTIVITY_CATEGORIES, INDICATORS, KINDS, STATUSES, THEMES, WELFARE_CATEGORIES
from etl.core.i18n import LANGS, t
from etl.core.strings import CATALOGUE

PAGES = {
    "overview": "总览",
    "organisation": "组织建设与会员",
    "contracts": "集体合同",
    "dues": "会费收缴",
    "welfare": "帮扶慰问",
    "activities": "活动开展",
    "reporting": "数据报送",
    "upload": "数据上传",
    "targets": "年度目标",
}


def test_langs():
    assert LANGS == ("zh", "en")


def test_every_key_holds_zh_and_en_or_none():
    for key, texts in CATALOGUE.items():
        assert isinstance(texts, tuple) and len(texts) == 2, key
        zh, en = texts
        assert isinstance(zh, str) and (en is None or isinstance(en, str)), key


def _fields(s):
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def test_placeholders_match_between_languages():
    for key, (zh, en) in CATALOGUE.items():
        assert en is None or _fields(zh) == _fields(en), key


def test_no_empty_strings():
    for key, (zh, en) in CATALOGUE.items():
        assert zh.strip() and (en is None or en.strip()), key


@pytest.mark.parametrize("page, zh", PAGES.items())
def test_page_titles(page, zh):
    assert t(f"page.{page}") == zh
    assert t(f"page.{page}", "en") and t(f"page.{page}", "en") != zh


def test_required_ui_words():
    expected = {
        "sidebar.year": "年度",
        "sidebar.quarter": "季度",
        "sidebar.scope": "范围",
        "sidebar.language": "语言",
        "card.target": "目标",
        "card.achievement": "完成率",
        "card.expected": "进度预期",
        "card.yoy": "同比",
        "upload.choose_file": "选择文件",
        "upload.detected": "识别结果",
        "upload.mapping": "列映射",
        "upload.confirm": "确认导入",
        "upload.cancel": "取消",
        "report.not_reported": "未报送",
        "report.reported": "已报送",
    }
    for key, zh in expected.items():
        assert t(key) == zh, key


def test_formatting_and_default_lang():
    assert t("upload.total_money", amount="1,200.50") == "1,200.50 元"
    assert t("upload.total_money", "en", amount="1,200.50") == "CNY 1,200.50"
    assert t("page.overview") == "总览"
    assert t("page.overview", "en") == "Overview"
    assert t("page.overview", "fr") == "总览"  # unknown language -> Chinese


def test_unknown_key_raises():
    with pytest.raises(KeyError):
        t("page.overveiw")
    with pytest.raises(KeyError):
        t("page.overveiw", "en")


def test_en_none_shows_zh(monkeypatch):
    monkeypatch.setitem(CATALOGUE, "test.only_zh", ("只有中文", None))
    assert t("test.only_zh", "en") == "只有中文"
    assert t("test.only_zh", "zh") == "只有中文"


def test_every_indicator_status_theme_kind_has_both_labels():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for ind in INDICATORS:
        zh, en = i18n.indicator_label(ind, "zh"), i18n.indicator_label(ind, "en")
        assert zh and en and cjk.search(zh) and not cjk.search(en), ind.id
        assert i18n.indicator_label(ind.id, "en") == en
    for s in STATUSES:
        assert cjk.search(i18n.status_label(s)) and not cjk.search(i18n.status_label(s, "en"))
    assert i18n.status_label("behind") == "滞后"
    assert i18n.status_label("ahead") == "超前"
    assert i18n.status_label("on_track", "en") == "On track"
    assert i18n.status_label(None) == "无数据"
    for th in THEMES:
        assert cjk.search(i18n.theme_label(th.id)) and not cjk.search(i18n.theme_label(th.id, "en"))
    with pytest.raises(KeyError):
        i18n.theme_label("nope")
    for k in KINDS:
        assert i18n.kind_label(k) and i18n.kind_label(k, "en")
        for f in KINDS[k].fields:
            assert i18n.field_label(k, f.id) == f.zh and i18n.field_label(k, f.id, "en") == f.en


def test_every_category_has_an_english_label():
    for cat in set(WELFARE_CATEGORIES) | set(ACTIVITY_CATEGORIES):
        assert cat in i18n.CATEGORY_EN
        assert i18n.category_label(cat) == cat
    assert i18n.category_label("送温暖", "en") == "Winter warmth visits"
    assert i18n.category_label("自定义类别", "en") == "自定义类别"


def test_quarter_names():
    assert i18n.quarter_name(3) == "第三季度"
    assert i18n.quarter_name(3, short=True) == "三季度"
    assert i18n.quarter_name(3, "en") == "Q3"
