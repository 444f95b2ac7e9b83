"""Drafted sentences for the 工作总结, in the register of real union reports.

    截至三季度，全年新发展会员700人，完成年度计划的77.8%，符合进度，同比增长12.5%
    入会率97.5%，较上年同期提高0.6个百分点，超过95%的年度目标

Pure functions of indicator results (etl.indicators.kpis.Kpi) and plain lists: no database, no I/O.
Every number is written by etl.core.fmt (the figures of `python -m etl kpis`, formatted), with
the space between number and unit dropped inside Chinese sentences ("700人", "157.17万元").
A sentence is None when the indicator has no data; sentences adapt to the facts:
达到/超过/低于 the target, 增长/下降/持平 year on year, 超前/符合/滞后 against the expected progress.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from etl.core import fmt
from etl.core.dictionary import INDICATOR_BY_ID, STATUS_ZH, THEMES, Indicator, indicators_of_theme
from etl.core.i18n import t

_EPS = 1e-9

# How an amount is said in a sentence: "新发展会员700人", "收缴会费157.17万元".
_PHRASE_ZH = {
    "members": "会员总数{v}",
    "new_members": "新发展会员{v}",
    "new_unions": "新建工会组织{v}",
    "dues_collected": "收缴会费{v}",
    "welfare_spend": "发放帮扶慰问资金{v}",
    "welfare_beneficiaries": "帮扶慰问职工{v}",
    "activities_count": "开展各类活动{v}",
    "activity_participants": "职工参与活动{v}",
}
_FLOW_STATUS_ZH = {"ahead": "进度超前", "on_track": "符合进度", "behind": "滞后于进度"}
_FLOW_STATUS_EN = {"ahead": "ahead of schedule", "on_track": "on schedule", "behind": "behind schedule"}


# ---------------------------------------------------------------- small helpers


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def _ind(ind: Indicator | str) -> Indicator:
    return INDICATOR_BY_ID[ind] if isinstance(ind, str) else ind


def _get(kpi: Any, name: str) -> Any:
    """Read a field of a Kpi, or of a dict with the same keys."""
    if kpi is None:
        return None
    if isinstance(kpi, Mapping):
        return kpi.get(name)
    return getattr(kpi, name, None)


def _num(kpi: Any, name: str) -> float | None:
    return fmt.to_number(_get(kpi, name))


def value_text(ind: Indicator | str, value: Any, lang: str = "zh") -> str:
    """fmt.fmt_value as a report writes it in a sentence: '17574人', '97.5%', '157.17万元' — no space and
    no 千分位, as in the seeds (tables keep 千分位); en keeps both."""
    ind = _ind(ind)
    text = fmt.fmt_value(ind, value, lang)
    return text if _lang(lang) == "en" else text.replace(" ", "").replace(",", "")


def target_text(ind: Indicator | str, target: Any, lang: str = "zh") -> str:
    """A target as people say it: rates without a useless '.0' ('95%', '92.5%'), amounts as values."""
    ind = _ind(ind)
    if ind.measure == "rate":
        text = fmt.fmt_rate(target)
        return text[:-3] + "%" if text.endswith(".0%") else text
    return value_text(ind, target, lang)


def points_text(delta: Any, lang: str = "zh") -> str:
    """A gap between two rates as a magnitude: 0.037 -> '3.7个百分点' / '3.7 pp'."""
    text = fmt.fmt_rate(abs(fmt.to_number(delta) or 0.0)).removesuffix("%")
    return f"{text}个百分点" if _lang(lang) == "zh" else f"{text} pp"


def period_phrase(quarter: int, cumulative: bool, lang: str = "zh") -> str:
    """'截至三季度' (year to date), '截至三季度末' (at quarter end), '一季度', '截至年末'."""
    q = int(quarter)
    if _lang(lang) == "en":
        if q == 4:
            return "For the full year" if cumulative else "At year end"
        return "In Q1" if q == 1 and cumulative else (f"As of Q{q}" if cumulative else f"At the end of Q{q}")
    if q == 4:
        return "截至年末"
    short = fmt.quarter_label(q, "zh", short=True)
    if q == 1 and cumulative:
        return short
    return f"截至{short}" + ("" if cumulative else "末")


def _join_list(names: Sequence[str], limit: int = 5, lang: str = "zh") -> str:
    names = [str(n) for n in names]
    if _lang(lang) == "en":
        shown = ", ".join(names[:limit])
        return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
    shown = "、".join(names[:limit])
    return shown + (f"等{len(names)}个" if len(names) > limit else "")


def _change(ind: Indicator, kpi: Any) -> float | None:
    """The Kpi's 同比 (like for like when coverage was incomplete); computed for plain dicts without one."""
    if isinstance(kpi, Mapping) and "yoy" not in kpi:
        return fmt.yoy_change(ind, _num(kpi, "actual"), _num(kpi, "previous"))
    return _num(kpi, "yoy")


def _yoy_clause(ind: Indicator, kpi: Any, lang: str) -> str | None:
    """'同比增长12.5%' / '较上年同期提高0.6个百分点' / '与上年同期持平'; None without a comparison.

    Compared like for like (only the units that reported in both years): '按可比口径同比增长2.2%'.
    """
    change = _change(ind, kpi)
    if change is None:
        return None
    zh = _lang(lang) == "zh"
    like = bool(_get(kpi, "yoy_units"))
    basis = ("按可比口径" if zh else "like for like, ") if like else ""
    if ind.measure == "rate":
        text = fmt.fmt_pp_change(change, lang)
        if text in ("持平", "unchanged"):
            return f"{basis}与上年同期持平" if zh else f"{basis}unchanged on last year"
        return f"{basis}较上年同期{text}" if zh else f"{basis}{text} on last year"
    text = fmt.fmt_growth(change, lang)
    if text in ("持平", "unchanged"):
        return f"{basis}与上年同期持平" if zh else f"{basis}unchanged on last year"
    return f"{basis}同比{text}" if zh else f"{basis}{text} year on year"


def left_out_clause(ind: Indicator | str, gap: Any, lang: str = "zh") -> str:
    """'未报送的2个单位上次报送会员人数372人，未计入' (a kpis.LeftOut); en in words."""
    ind = _ind(ind)
    n = _get(gap, "count")
    if n is None or n < 0:
        n = len(_get(gap, "units") or ())
    value = fmt.to_number(_get(gap, "last_value"))
    if value is None:
        return t("card.left_out_never", lang, n=n)
    label = ind.zh if _lang(lang) == "zh" else ind.en.lower()
    what = (
        f"{label}{value_text(ind, value, lang)}"
        if _lang(lang) == "zh"
        else f"{label} of {value_text(ind, value, lang)}"
    )
    return t("card.left_out", lang, n=n, what=what)


def coverage_clause(ind: Indicator | str, kpi: Any, gap: Any = None, lang: str = "zh") -> str | None:
    """'29/31个单位报送，未报送的2个单位上次报送会员人数372人，未计入' when coverage is incomplete."""
    ind = _ind(ind)
    cov = _get(kpi, "coverage")
    reported, expected = _get(cov, "reported"), _get(cov, "expected")
    if cov is None or reported is None or expected is None or reported >= expected:
        return None
    zh = _lang(lang) == "zh"
    text = fmt.fmt_coverage(reported, expected, lang, records=ind.source in ("welfare", "activities"))
    if zh:
        text = text.replace(" ", "")
    if gap is not None:
        text += ("，" if zh else "; ") + left_out_clause(ind, gap, lang)
    return text


# ---------------------------------------------------------------- one indicator


def _rate_target_clause(ind: Indicator, actual: float, target: float, lang: str) -> str:
    """超过 / 达到 / 接近 / 低于 the target, judged on the figures as printed (96.3% vs 95%)."""
    zh = _lang(lang) == "zh"
    tt = target_text(ind, target, lang)
    same = fmt.fmt_rate(actual) == fmt.fmt_rate(target)
    if same or abs(actual - target) < _EPS:
        if actual >= target - _EPS:
            return f"达到{tt}的年度目标" if zh else f"meeting the annual target of {tt}"
        return f"接近{tt}的年度目标" if zh else f"just short of the annual target of {tt}"
    if actual > target:
        return f"超过{tt}的年度目标" if zh else f"above the annual target of {tt}"
    gap = points_text(target - actual, lang)
    return f"低于{tt}的年度目标，差{gap}" if zh else f"below the annual target of {tt} by {gap}"


def _amount_target_clauses(ind: Indicator, kpi: Any, quarter: int, lang: str) -> list[str]:
    """完成年度计划的x%, then 进度超前 / 符合进度 / 滞后于进度 (or 达到 / 未达到 at year end)."""
    zh = _lang(lang) == "zh"
    target, achievement = _num(kpi, "target"), _num(kpi, "achievement")
    expected, status = _num(kpi, "expected"), _get(kpi, "status")
    if target is None or target == 0:
        return []
    actual = _num(kpi, "actual") or 0.0
    if achievement is None:
        achievement = actual / target
    done = achievement >= 1 - _EPS
    if ind.kind == "stock":
        if done:
            return [
                f"达到{target_text(ind, target, lang)}的年度目标"
                if zh
                else f"meeting the annual target of {target_text(ind, target, lang)}"
            ]
        clauses = [
            f"为年度目标{target_text(ind, target, lang)}的{fmt.fmt_rate(achievement)}"
            if zh
            else f"{fmt.fmt_rate(achievement)} of the annual target of {target_text(ind, target, lang)}"
        ]
        if int(quarter) == 4:
            clauses.append("未完成年度目标" if zh else "short of the annual target")
        return clauses
    clauses = [
        f"完成年度计划的{fmt.fmt_rate(achievement)}"
        if zh
        else f"{fmt.fmt_rate(achievement)} of the annual plan"
    ]
    if int(quarter) == 4:
        if done:
            over = achievement > 1 + 0.0005
            clauses.append(
                ("超额完成年度目标" if over else "完成年度目标")
                if zh
                else ("exceeding the annual target" if over else "meeting the annual target")
            )
        else:
            clauses.append("未达到年度目标" if zh else "short of the annual target")
        return clauses
    if done:
        clauses.append("已提前完成全年目标" if zh else "the annual target is already met")
        return clauses
    if status in _FLOW_STATUS_ZH:
        word = (_FLOW_STATUS_ZH if zh else _FLOW_STATUS_EN)[status]
        if status != "on_track" and expected is not None:
            exp = value_text(ind, expected, lang)
            word += f"（进度预期{exp}）" if zh else f" (expected {exp} by now)"
        clauses.append(word)
    return clauses


def indicator_sentence(
    ind: Indicator | str,
    kpi: Any,
    year: int,
    quarter: int,
    lang: str = "zh",
    with_period: bool = True,
    gap: Any = None,
) -> str | None:
    """One clause chain for one indicator, without final punctuation; None when it has no data.

    kpi: an etl.indicators.kpis.Kpi (or a dict with actual, target, expected, achievement, status,
    previous). with_period=False leaves out the leading '截至三季度，' (theme_paragraph
    writes it once for the whole paragraph).
    """
    ind = _ind(ind)
    actual = _num(kpi, "actual")
    if actual is None or _get(kpi, "status") == "not_applicable":
        return None
    zh = _lang(lang) == "zh"
    cumulative = fmt.is_cumulative(ind)
    value = value_text(ind, actual, lang)
    q = int(quarter)

    if ind.measure == "rate":
        head = f"{ind.zh}{value}" if zh else f"{ind.en.lower()} {'was' if with_period else 'at'} {value}"
    else:
        phrase = _PHRASE_ZH.get(ind.id, "{label}{v}") if zh else "{label}: {v}"
        head = phrase.format(label=ind.zh if zh else ind.en.lower(), v=value)
        if zh and with_period and ind.kind == "flow" and q > 1:
            head = "全年" + head

    covered = coverage_clause(ind, kpi, gap, lang)
    if covered:
        head += f"（{covered}）" if zh else f" ({covered})"
    clauses = [head]
    target = _num(kpi, "target")
    if ind.measure == "rate":
        yoy = _yoy_clause(ind, kpi, lang)
        if yoy:
            clauses.append(yoy)
        if target is not None:
            clauses.append(_rate_target_clause(ind, actual, target, lang))
    else:
        clauses.extend(_amount_target_clauses(ind, kpi, q, lang))
        yoy = _yoy_clause(ind, kpi, lang)
        if yoy:
            clauses.append(yoy)

    body = ("，" if zh else ", ").join(clauses)
    if not with_period:
        return body
    if zh and ind.kind == "flow" and q == 4:
        return body  # "全年新发展会员892人，…" needs no other period
    prefix = period_phrase(q, cumulative, lang)
    return f"{prefix}，{body}" if zh else f"{prefix}, {body}"


def _finish(text: str, lang: str) -> str:
    if not text:
        return text
    if _lang(lang) == "zh":
        return text if text.endswith("。") else text + "。"
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def sentence(
    ind: Indicator | str, kpi: Any, year: int, quarter: int, lang: str = "zh", gap: Any = None
) -> str | None:
    """indicator_sentence with its period and final punctuation ('…，同比增长12.5%。')."""
    text = indicator_sentence(ind, kpi, year, quarter, lang, gap=gap)
    return None if text is None else _finish(text, lang)


# ---------------------------------------------------------------- paragraphs


def _theme_label(theme_id: str, lang: str) -> str:
    for th in THEMES:
        if th.id == theme_id:
            return th.en if _lang(lang) == "en" else th.zh
    raise KeyError(theme_id)


def theme_paragraph(
    theme_id: str,
    results: Mapping[str, Any],
    year: int,
    quarter: int,
    lang: str = "zh",
    gaps: Mapping[str, Any] | None = None,
) -> str:
    """The paragraph of one theme: '截至三季度，新发展会员700人，…；入会率97.5%，…。'

    Indicators without data are left out; a theme without any data gets one short sentence.
    """
    zh = _lang(lang) == "zh"
    drafted = [
        indicator_sentence(ind, results.get(ind.id), year, quarter, lang, False, (gaps or {}).get(ind.id))
        for ind in indicators_of_theme(theme_id)
        if not ind.quality
    ]
    parts = [p for p in drafted if p]
    prefix = period_phrase(quarter, True, lang)
    label = _theme_label(theme_id, lang)
    if not parts:
        if zh:
            return f"{prefix}，暂无{label}方面的数据。"
        return f"{prefix}, there is no {label.lower()} data yet."
    if zh:
        return f"{prefix}，" + "；".join(parts) + "。"
    return f"{prefix}, " + "; ".join(parts) + "."


def status_counts(results: Mapping[str, Any]) -> dict[str, int]:
    """How many of the 工作指标 (数据报送率 is about the data, not the work) have each status."""
    counts = dict.fromkeys(STATUS_ZH, 0)
    for key, kpi in results.items():
        if key in INDICATOR_BY_ID and INDICATOR_BY_ID[key].quality:
            continue
        status = _get(kpi, "status") or "no_data"
        counts[status] = counts.get(status, 0) + 1
    return counts


# status -> (zh phrase, en phrase) in count sentences: '进度超前1项' / '完成年度目标12项'
_COUNT_WORDS = {
    "ahead": ("进度超前", "ahead"),
    "on_track": ("符合进度", "on track"),
    "behind": ("滞后", "behind"),
    "met": ("完成年度目标", "met"),
    "missed": ("未完成", "missed"),
}


def _judged_statuses(quarter: int) -> tuple[str, ...]:
    return ("met", "missed") if int(quarter) == 4 else ("ahead", "on_track", "behind")


def _counted(counts: Mapping[str, int], quarter: int, lang: str) -> str:
    zh = _lang(lang) == "zh"
    parts = [
        f"{_COUNT_WORDS[s][0]}{counts.get(s, 0)}项" if zh else f"{counts.get(s, 0)} {_COUNT_WORDS[s][1]}"
        for s in _judged_statuses(quarter)
    ]
    return "、".join(parts) if zh else ", ".join(parts)


def _lagging(quarter: int) -> str:
    return "missed" if int(quarter) == 4 else "behind"


def theme_status_sentence(
    theme_id: str, results: Mapping[str, Any], lang: str = "zh", quarter: int = 3
) -> str | None:
    """What a theme's 完成情况 chart shows.

    Q1–Q3: '组织建设与会员7项指标中，进度超前1项、符合进度5项、滞后1项（农民工入会率）。'
    Q4:    '组织建设与会员7项指标中，完成年度目标5项、未完成2项（农民工入会率、会员人数）。'

    None when no indicator of the theme can be judged against a target.
    """
    zh = _lang(lang) == "zh"
    inds = [i for i in indicators_of_theme(theme_id) if not i.quality]
    statuses = {ind.id: _get(results.get(ind.id), "status") for ind in inds}
    counts = {s: sum(1 for v in statuses.values() if v == s) for s in _judged_statuses(quarter)}
    judged = sum(counts.values())
    if not judged:
        return None
    lagging = [ind.zh if zh else ind.en for ind in inds if statuses[ind.id] == _lagging(quarter)]
    label = _theme_label(theme_id, lang)
    counted = _counted(counts, quarter, lang)
    if zh:
        text = f"{label}{len(inds)}项指标中，{counted}"
        if lagging:
            text += f"（{_join_list(lagging, 8)}）"
        if judged < len(inds):
            text += f"；{len(inds) - judged}项未设目标、不适用或暂无数据"
        return text + "。"
    text = f"{label}: of {len(inds)} indicators, {counted}"
    if lagging:
        text += f" ({_join_list(lagging, 8, 'en')})"
    if judged < len(inds):
        text += f"; {len(inds) - judged} without a target, not applicable or without data"
    return text + "."


def summary_paragraph(
    results: Mapping[str, Any],
    year: int,
    quarter: int,
    scope_name: str = "",
    missing_units: Sequence[str] | int = (),
    arrears_units: Sequence[str] | int = (),
    arrears_total: Any = None,
    lang: str = "zh",
    single_unit: bool = False,
) -> str:
    """总体情况: how the 工作指标 stand (Q1–Q3 超前 / 正常 / 滞后; Q4 完成 / 未完成, naming the lagging
    ones), then 未报送 and 欠缴.

    missing_units: the units that have not sent the quarter's membership sheet (names or a count);
    arrears_units: the units with dues in arrears (names or a count); arrears_total in 元.
    single_unit: the scope is one grassroots unit, so the report speaks of that unit, not of 各单位.
    """
    zh = _lang(lang) == "zh"
    counts = status_counts(results)
    work = [k for k in results if k in INDICATOR_BY_ID and not INDICATOR_BY_ID[k].quality]
    judged = sum(counts[s] for s in _judged_statuses(quarter))
    lagging = [
        INDICATOR_BY_ID[k].zh if zh else INDICATOR_BY_ID[k].en
        for k in work
        if _get(results[k], "status") == _lagging(quarter)
    ]
    period = fmt.period_label(year, quarter, lang)
    n_missing = missing_units if isinstance(missing_units, int) else len(missing_units)
    n_arrears = arrears_units if isinstance(arrears_units, int) else len(arrears_units)
    total = fmt.to_number(arrears_total)
    if zh:
        return _summary_zh(
            counts, judged, len(work), lagging, period, quarter, scope_name,
            (missing_units, n_missing), (arrears_units, n_arrears, total), single_unit,
        )  # fmt: skip
    return _summary_en(
        counts, judged, len(work), lagging, period, quarter, scope_name,
        (missing_units, n_missing), (arrears_units, n_arrears, total), single_unit,
    )  # fmt: skip


def _extra(counts: Mapping[str, int], zh: bool) -> list[str]:
    words = {
        "no_target": ("项未设年度目标", "have no target"),
        "not_applicable": ("项不适用", "do not apply"),
        "no_data": ("项暂无数据", "have no data"),
    }
    return [
        f"{counts[s]}{words[s][0]}" if zh else f"{counts[s]} {words[s][1]}" for s in words if counts.get(s)
    ]


def _summary_zh(counts, judged, n_work, lagging, period, quarter, scope, missing, arrears, single) -> str:
    missing_units, n_missing = missing
    arrears_units, n_arrears, total = arrears
    extra = _extra(counts, True)
    lead = f"截至{period}，{scope}{n_work}项工作指标中，"
    if judged:
        if judged < n_work:
            lead += f"{judged}项可对照年度目标考核："
        lead += _counted(counts, quarter, "zh")
        if lagging:
            lead += f"（{_join_list(lagging, 8)}）"
        if extra:
            lead += "；另有" + "、".join(extra)
    else:
        lead += "、".join(extra)
    sentences = [lead + "。"]
    if single:
        sentences.append(
            "本单位本季度尚未报送会员发展统计表，需及时补报。"
            if n_missing
            else "本单位已报送本季度会员发展统计表。"
        )
        if n_arrears:
            money = f"{value_text('dues_collected', total)}" if total else ""
            sentences.append(f"会费收缴方面，本单位尚有欠缴{money}。")
        else:
            sentences.append("会费收缴方面，本单位已足额缴纳。")
        return "".join(sentences)
    if n_missing:
        names = "" if isinstance(missing_units, int) else f"（{_join_list(missing_units)}）"
        sentences.append(
            f"本季度有{n_missing}个单位未报送会员发展统计表{names}，会员人数等时点指标未计入这些单位，需督促补报。"
        )
    else:
        sentences.append("本季度各单位均已报送会员发展统计表。")
    if n_arrears:
        names = "" if isinstance(arrears_units, int) else f"（{_join_list(arrears_units)}）"
        money = f"，合计欠缴{value_text('dues_collected', total)}" if total else ""
        sentences.append(f"会费收缴方面，有{n_arrears}个单位存在欠缴{names}{money}。")
    else:
        sentences.append("会费收缴方面，各单位均已足额缴纳，无欠缴单位。")
    return "".join(sentences)


def _summary_en(counts, judged, n_work, lagging, period, quarter, scope, missing, arrears, single) -> str:
    missing_units, n_missing = missing
    arrears_units, n_arrears, total = arrears
    lead = f"As of {period}, of the {n_work} work indicators of {scope or 'the organisation'}, "
    lead += f"{judged} can be judged against an annual target" if judged < n_work else "all have a target"
    if judged:
        lead += ": " + _counted(counts, quarter, "en")
        if lagging:
            lead += f" ({_join_list(lagging, 8, 'en')})"
    extra = _extra(counts, False)
    if extra:
        lead += "; " + " and ".join(extra)
    sentences = [lead + "."]
    if single:
        sentences.append(
            "This unit has not sent this quarter's membership sheet yet."
            if n_missing
            else "This unit has sent this quarter's membership sheet."
        )
        sentences.append(
            f"It is in arrears with its dues ({fmt.fmt_money(total, 'en')})."
            if n_arrears
            else "Its dues are paid in full."
        )
        return " ".join(sentences)
    if n_missing:
        names = "" if isinstance(missing_units, int) else f" ({_join_list(missing_units, lang='en')})"
        sentences.append(
            f"{n_missing} units have not sent this quarter's membership sheet{names}; "
            "stocks such as members leave them out."
        )
    else:
        sentences.append("Every unit has sent this quarter's membership sheet.")
    if n_arrears:
        names = "" if isinstance(arrears_units, int) else f" ({_join_list(arrears_units, lang='en')})"
        money = f", {fmt.fmt_money(total, 'en')} in total" if total else ""
        sentences.append(f"{n_arrears} units are in arrears with their dues{names}{money}.")
    else:
        sentences.append("No unit is in arrears with its dues.")
    return " ".join(sentences)


# ---------------------------------------------------------------- charts of units and categories


def _named(units: Sequence[str], lang: str, limit: int = 5) -> str:
    return _join_list(list(units), limit, lang)


def ranking_sentence(
    ind: Indicator | str, rows: Sequence[tuple[str, Any, str | None]], lang: str = "zh", quarter: int = 3
) -> str | None:
    """What a ranking chart shows: highest and lowest units (ties named as ties), and the units
    滞后 (or, at year end, 未完成) against a target of their own or an organisation-wide rate.

    rows: (unit name, actual, status) per unit. Units the indicator does not apply to are left out.
    None when fewer than two units have data.
    """
    ind = _ind(ind)
    zh = _lang(lang) == "zh"
    rows = [r for r in rows if r[2] != "not_applicable"]
    valued = [(str(u), fmt.to_number(v), s) for u, v, s in rows if fmt.to_number(v) is not None]
    if len(valued) < 2:
        return None
    shown = {u: value_text(ind, v, lang) for u, v, _ in valued}
    top_text = shown[max(valued, key=lambda r: r[1] or 0.0)[0]]
    low_text = shown[min(valued, key=lambda r: r[1] or 0.0)[0]]
    tops = [u for u, _, _ in valued if shown[u] == top_text]
    lows = [u for u, _, _ in valued if shown[u] == low_text]
    lag = _lagging(quarter)
    lagging = [u for u, _, s in sorted(valued, key=lambda r: (r[1] or 0.0, r[0])) if s == lag]
    judged = sum(1 for _, _, s in valued if s in ("ahead", "on_track", "behind", "met", "missed"))
    no_data = len(rows) - len(valued)
    name = ind.zh if zh else ind.en
    if zh:
        hi, lo = ("最高", "最低") if ind.measure == "rate" else ("最多", "最少")
        if len(tops) == len(valued):
            text = f"从各单位看，{len(valued)}个单位{name}均为{top_text}"
        else:
            top = f"{tops[0]}（{top_text}）" if len(tops) == 1 else f"{_named(tops, lang)}（均为{top_text}）"
            low = f"{lows[0]}（{low_text}）" if len(lows) == 1 else f"{_named(lows, lang)}（均为{low_text}）"
            text = f"从各单位看，{name}{hi}的是{top}，{lo}的是{low}"
        if judged:
            word = "未完成年度目标" if lag == "missed" else "进度滞后"
            if lagging:
                text += f"；对照年度目标考核的{judged}个单位中有{len(lagging)}个{word}：{_join_list(lagging)}"
            else:
                text += f"；对照年度目标考核的{judged}个单位均未出现{'未完成' if lag == 'missed' else '滞后'}"
        if no_data:
            text += f"；另有{no_data}个单位暂无数据"
        return text + "。"
    if len(tops) == len(valued):
        text = f"Across units, {name.lower()} is {top_text} in all {len(valued)} units"
    else:
        top = f"{top_text} ({_named(tops, lang)})"
        low = f"{low_text} ({_named(lows, lang)})"
        text = f"Across units, {name.lower()} ranges from {low} to {top}"
    if judged:
        word = "missed the annual target" if lag == "missed" else "are behind"
        if lagging:
            names = _join_list(lagging, lang="en")
            text += f"; of {judged} units judged against a target, {len(lagging)} {word}: {names}"
        else:
            verb = "missed it" if lag == "missed" else "is behind"
            text += f"; none of the {judged} units judged against a target {verb}"
    if no_data:
        text += f"; {no_data} units have no data"
    return text + "."


def breakdown_sentence(
    what: str, rows: Sequence[tuple[str, Any]], unit_label: str = "", lang: str = "zh"
) -> str | None:
    """What a breakdown chart shows: the total and the three largest categories with their share.

    rows: (category, value); unit_label '元' makes the values money, else a count unit ('次', '人次').
    """
    zh = _lang(lang) == "zh"
    pairs = sorted(((str(c), fmt.to_number(v) or 0.0) for c, v in rows), key=lambda p: -p[1])
    total = sum(v for _, v in pairs)
    if not pairs or total <= 0:
        return None
    money = unit_label in ("元", "CNY")

    def fv(v: float) -> str:
        text = fmt.fmt_money(v, lang) if money else fmt.fmt_count(v, unit_label)
        return text.replace(" ", "").replace(",", "") if zh else text

    top = [p for p in pairs if p[1] > 0][:3]
    if zh:
        items = "、".join(f"{c}{fv(v)}（占{fmt.fmt_rate(v / total)}）" for c, v in top)
        rank = "居前三位" if len(top) == 3 else "居前列"
        return f"{what}合计{fv(total)}，其中{items}{rank}。"
    items = ", ".join(f"{c} {fv(v)} ({fmt.fmt_rate(v / total)})" for c, v in top)
    return f"{what}: {fv(total)} in total; largest: {items}."
