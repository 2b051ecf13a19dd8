"""The monthly bulletin (一月一通报): its content computed from the registered sources.

The ledger's own sources are here: the overview with the change against last month and the
same month last year, the units and townships ranked, the red and black lists, the overdue
cases, the review figures (``reviews.selectors.figures``, not counted again), the month's
hotspots and the next steps. Other apps add theirs through ``sources.register``.

The content is the county's official document, written in Simplified Chinese and frozen as
issued; it is not translated with the interface (the pages around it are).
"""

from __future__ import annotations

import hashlib
import json
from html import escape
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from jishi.cases.models import Case, Hotspot
from jishi.common import clock
from jishi.reports import metrics, selectors
from jishi.reports.sources import Context, Section, Source, cell, register, registered
from jishi.reviews import selectors as review_selectors
from jishi.reviews.models import Rating

OVERVIEW_COUNTS = ("received", "dispatched", "closed", "called_back", "returned", "reopened")
OVERVIEW_RATES = (
    "response_rate",
    "on_time_rate",
    "solved_rate",
    "satisfied_rate",
    "no_callback_share",
    "return_rate",
    "reopen_rate",
    "first_dispatch_accuracy",
)
TABLE_RATES = (
    "response_rate",
    "on_time_rate",
    "solved_rate",
    "satisfied_rate",
    "no_callback_share",
)


def list_size() -> int:
    """How many units the red and black lists name (settings: ``JISHI_REPORT_LIST_SIZE``)."""
    return int(getattr(settings, "JISHI_REPORT_LIST_SIZE", 3))


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def change(now: float | int | None, before: float | int | None, *, rate: bool) -> str:
    """ "↑ 3" / "↓ 1.2 个百分点" / "—" (nothing to compare)."""
    if now is None or before is None:
        return "—"
    diff = (now - before) * (100 if rate else 1)
    if abs(diff) < 0.05:
        return "→ 持平"
    arrow = "↑" if diff > 0 else "↓"
    return f"{arrow} {abs(diff):.1f} 个百分点" if rate else f"{arrow} {abs(diff):g}"


def _table(ctx: Context, dates: selectors.DateRange, by: str) -> selectors.Table:
    key = ("table", dates, by)
    if key not in ctx.memo:
        found = selectors.table(None, dates, by)
        if by != "unit":  # units come ranked; townships are ranked the same way here
            found.rows = metrics.rank([r for r in found.rows if r.key is not None]) + [
                r for r in found.rows if r.key is None
            ]
        ctx.memo[key] = found
    table: selectors.Table = ctx.memo[key]
    return table


def _totals(dates: selectors.DateRange) -> metrics.Row:
    return selectors.figure_rows(None, dates.period)[None]


def overview(ctx: Context) -> Section:
    dates: selectors.DateRange = ctx.dates
    previous, last_year = dates.shifted_months(-1), dates.shifted_months(-12)
    now, before, year_ago = _totals(dates), _totals(previous), _totals(last_year)
    rows = []
    for key in OVERVIEW_COUNTS:
        rows.append(
            [
                cell(metrics.METRICS[key].name),
                cell(now.count(key), selectors.ledger_link(key, dates)),
                cell(before.count(key), selectors.ledger_link(key, previous)),
                cell(change(now.count(key), before.count(key), rate=False)),
                cell(year_ago.count(key), selectors.ledger_link(key, last_year)),
                cell(change(now.count(key), year_ago.count(key), rate=False)),
            ]
        )
    for key in OVERVIEW_RATES:
        rate = metrics.RATES[key]
        rows.append(
            [
                cell(rate.name),
                cell(pct(now.rate(key)), selectors.ledger_link(rate.numerator, dates)),
                cell(pct(before.rate(key)), selectors.ledger_link(rate.numerator, previous)),
                cell(change(now.rate(key), before.rate(key), rate=True)),
                cell(pct(year_ago.rate(key)), selectors.ledger_link(rate.numerator, last_year)),
                cell(change(now.rate(key), year_ago.rate(key), rate=True)),
            ]
        )
    summary = (
        f"{dates.label}共受理群众诉求 {now.count('received')} 件，办结 {now.count('closed')} 件，"
        f"其中经群众回访确认解决 {now.count('solved')} 件；"
        f"未经回访办结 {now.count('closed_without_callback')} 件"
        f"（占办结的 {pct(now.rate('no_callback_share'))}），不计入解决率和满意率。"
    )
    return Section(
        key="overview",
        title="总体情况",
        paragraphs=[summary],
        columns=["指标", dates.label, previous.label, "环比", last_year.label, "同比"],
        rows=rows,
    )


def _unit_rows(ctx: Context, by: str) -> tuple[selectors.Table, dict[Any, int | None]]:
    dates: selectors.DateRange = ctx.dates
    table = _table(ctx, dates, by)
    before = _table(ctx, dates.shifted_months(-1), by)
    ranks = {row.key: row.rank for row in before.rows}
    return table, ranks


def _rank_arrow(rank: int | None, before: int | None) -> str:
    if rank is None:
        return "不排名"
    if before is None:
        return f"{rank}（新）"
    if rank < before:
        return f"{rank} ↑{before - rank}"
    if rank > before:
        return f"{rank} ↓{rank - before}"
    return f"{rank} →"


def ranked_table(ctx: Context, by: str, key: str, title: str) -> Section:
    table, before = _unit_rows(ctx, by)
    rows = []
    for row in table.rows:
        line = [
            cell(_rank_arrow(row.rank, before.get(row.key))),
            cell(row.label),
            cell(row.count("received"), table.link(row, "received")),
            cell(row.count("closed"), table.link(row, "closed")),
        ]
        for rate_key in TABLE_RATES:
            rate = metrics.RATES[rate_key]
            line.append(cell(pct(row.rate(rate_key)), table.link(row, rate.numerator)))
        line.append(cell(row.count("overdue_now"), table.link(row, "overdue_now")))
        line.append(cell("—" if row.score is None else f"{row.score:.1f}"))
        rows.append(line)
    weights = " / ".join(f"{metrics.RATES[k].name} {w:g}" for k, w in metrics.weights().items())
    columns = ["排名", metrics.DIMENSIONS[by], "受理", "办结"]
    columns += [str(metrics.RATES[k].name) for k in TABLE_RATES] + ["当前超期", "综合得分"]
    return Section(
        key=key,
        title=title,
        columns=[str(c) for c in columns],
        rows=rows,
        note=(
            f"综合得分权重：{weights}；派单少于 {metrics.min_cases()} 件或比率无法计算的"
            "只列出，不排名。排名后的箭头为与上月相比的名次变化。"
        ),
        svg=bar_chart(
            [(r.label, r.count("received"), r.count("closed")) for r in table.rows[:15]],
            ("受理", "办结"),
        )
        if by == "unit"
        else "",
    )


def units(ctx: Context) -> Section:
    return ranked_table(ctx, "unit", "units", "各责任单位办理情况")


def townships(ctx: Context) -> Section:
    return ranked_table(ctx, "township", "townships", "各乡镇办理情况")


def red_black(ctx: Context) -> Section:
    table = _table(ctx, ctx.dates, "unit")
    ranked = [r for r in table.rows if r.ranked]
    n = list_size()
    red = ranked[:n]
    black = [r for r in reversed(ranked[n:])][:n] if len(ranked) > n else []
    rows = []
    for label, group in (("红榜", red), ("黑榜", black)):
        for row in group:
            rows.append(
                [
                    cell(label),
                    cell(row.rank),
                    cell(row.label),
                    cell(f"{row.score:.1f}" if row.score is not None else "—"),
                    cell(pct(row.rate("solved_rate")), table.link(row, "solved")),
                    cell(pct(row.rate("satisfied_rate")), table.link(row, "satisfied")),
                ]
            )
    return Section(
        key="red_black",
        title="红黑榜",
        columns=["榜单", "排名", "单位", "综合得分", "解决率", "满意率"],
        rows=rows,
        note=f"红榜为综合得分前 {n} 名，黑榜为后 {n} 名（参与排名的单位不足时黑榜从缺）。",
    )


def overdue(ctx: Context) -> Section:
    now = clock.now()
    cases = (
        metrics.overdue_cases(Case.objects.all(), now)
        .select_related("lead_unit", "category")
        .order_by("lead_unit__name", "handling_due")
        .only("code", "handling_due", "lead_unit__name", "category__name")
    )
    rows = []
    per_unit: dict[str, int] = {}
    for case in cases[:200]:
        assert case.handling_due is not None
        days = metrics.days_overdue(case.handling_due, now)
        unit = case.lead_unit.name if case.lead_unit else "（无主办单位）"
        per_unit[unit] = per_unit.get(unit, 0) + 1
        rows.append(
            [
                cell(unit),
                cell(case.code, reverse("console:detail", args=[case.code])),
                cell(case.category.name if case.category else "—"),
                cell(f"{timezone.localtime(case.handling_due):%Y-%m-%d}"),
                cell(days),
                cell(metrics.ageing_label(metrics.ageing_bucket(days))),
            ]
        )
    total = metrics.overdue_cases(Case.objects.all(), now).count()
    return Section(
        key="overdue",
        title="超期事项",
        paragraphs=[
            f"截至 {timezone.localtime(now):%Y-%m-%d %H:%M}，"
            f"超过办理期限仍未办结的事项共 {total} 件。"
        ],
        columns=["主办单位", "受理编号", "分类", "办理期限", "超期天数", "账龄"],
        rows=rows,
        note="超期天数按自然日计，不足一日按一日计。"
        + ("（仅列前 200 件）" if total > 200 else ""),
    )


def reviews(ctx: Context) -> Section | None:
    dates: selectors.DateRange = ctx.dates
    [total] = review_selectors.figures(Rating.objects.all(), period=dates.period) or [
        review_selectors.Figures(key=None)
    ]
    month = f"{dates.first:%Y-%m}"
    base = reverse("reviews:figures")
    href = f"{base}?{urlencode({'month': month})}"
    rows = [
        [cell("评价数"), cell(total.total, href)],
        [cell("好评率"), cell(pct(total.good_rate), href)],
        [cell("差评"), cell(total.bad, href)],
        [cell("差评已整改"), cell(total.rectified, href)],
        [cell("整改率"), cell(pct(total.rectification_rate), href)],
        [cell("整改满意率"), cell(pct(total.satisfaction_rate), href)],
        [cell("申诉成立（不计入）"), cell(total.excluded, href)],
    ]
    return Section(
        key="reviews",
        title="政务服务好差评",
        columns=["指标", dates.label],
        rows=rows,
        note=review_selectors.definition_text(),
    )


def hotspots(ctx: Context) -> Section | None:
    dates: selectors.DateRange = ctx.dates
    start, end = dates.period
    latest = (
        Hotspot.objects.filter(period_end__gt=start, period_end__lte=end + (end - start))
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    rows = []
    if latest is not None:
        href = reverse("console:hotspots")
        for spot in Hotspot.objects.filter(period_end=latest).order_by("rank")[:10]:
            rows.append(
                [
                    cell(spot.rank),
                    cell(spot.title),
                    cell(spot.size, href),
                    cell(spot.citizens),
                    cell("、".join(str(p) for p in (spot.places or [])[:3]) or "—"),
                ]
            )
    return Section(
        key="hotspots",
        title="本月热点",
        columns=["排名", "热点", "事项数", "群众人数", "涉及地点"],
        rows=rows,
        paragraphs=[] if rows else ["本期没有计算出的热点。"],
    )


def next_steps(ctx: Context) -> Section:
    text = ctx.next_steps.strip()
    return Section(
        key="next_steps",
        title="下一步工作",
        paragraphs=[p for p in text.splitlines() if p.strip()] or ["（督查室发布前填写）"],
    )


for _source in (
    Source("overview", "总体情况", 10, overview),
    Source("units", "各责任单位办理情况", 20, units),
    Source("townships", "各乡镇办理情况", 30, townships),
    Source("red_black", "红黑榜", 40, red_black),
    Source("overdue", "超期事项", 50, overdue),
    Source("reviews", "政务服务好差评", 60, reviews),
    Source("hotspots", "本月热点", 70, hotspots),
    Source("next_steps", "下一步工作", 1000, next_steps),
):
    register(_source)


# --- the content and its hash -------------------------------------------------------------------


def title_for(dates: selectors.DateRange) -> str:
    return f"{dates.label}群众诉求办理情况通报"


def build(dates: selectors.DateRange, next_steps_text: str = "") -> dict[str, Any]:
    """The bulletin's content: plain data, every section from its source."""
    ctx = Context(dates=dates, next_steps=next_steps_text)
    sections = []
    for source in registered():
        section = source.build(ctx)
        if section is not None:
            sections.append(section.as_json())
    return {
        "title": title_for(dates),
        "period": {"first": dates.first.isoformat(), "last": dates.last.isoformat()},
        "generated_at": timezone.localtime(clock.now()).isoformat(timespec="seconds"),
        "sections": sections,
    }


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


# --- a chart drawn on the server ---------------------------------------------------------------


def bar_chart(data: list[tuple[str, int, int]], legend: tuple[str, str]) -> str:
    """Paired horizontal bars as SVG (no script, so the PDF needs no browser)."""
    if not data:
        return ""
    width, label_w, row_h = 640, 140, 22
    top = 24
    height = top + row_h * len(data) + 8
    biggest = max(max(a, b) for _l, a, b in data) or 1
    scale = (width - label_w - 60) / biggest
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(legend[0])}与{escape(legend[1])}">',
        f'<rect x="{label_w}" y="4" width="10" height="10" fill="#0b4ea2"/>'
        f'<text x="{label_w + 14}" y="13" font-size="11">{escape(legend[0])}</text>',
        f'<rect x="{label_w + 70}" y="4" width="10" height="10" fill="#3aa776"/>'
        f'<text x="{label_w + 84}" y="13" font-size="11">{escape(legend[1])}</text>',
    ]
    for i, (label, a, b) in enumerate(data):
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" font-size="11" text-anchor="end">'
            f"{escape(label[:10])}</text>"
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{a * scale:.1f}" height="8" fill="#0b4ea2"/>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 11}" width="{b * scale:.1f}" height="8" fill="#3aa776"/>'
        )
        parts.append(
            f'<text x="{label_w + max(a, b) * scale + 4:.1f}" y="{y + 14}" font-size="10">'
            f"{a} / {b}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
