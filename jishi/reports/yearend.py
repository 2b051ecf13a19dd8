"""The year-end summary: the figures a county puts in its year-end report, written as Chinese
sentences, each figure a link to what it counts (the ledger's figure filter, the review
figures). Apps that land later add their sentences through ``sources.register_year``.

Like the bulletin, the text is the county's document in Simplified Chinese."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from jishi.cases.models import CaseKind, Channel
from jishi.reports import metrics, selectors
from jishi.reports.sources import Context, Sentence, YearSource, cell, register_year, year_sources
from jishi.reviews import selectors as review_selectors
from jishi.reviews.models import Rating


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _row(dates: selectors.DateRange, filters: dict[str, Any] | None = None) -> metrics.Row:
    return selectors.figure_rows(None, dates.period, filters=filters)[None]


def _fig(row: metrics.Row, key: str, dates: selectors.DateRange, filters: dict[str, Any]) -> Any:
    return cell(row.count(key), selectors.ledger_link(key, dates, filters))


def ledger_sentences(ctx: Context) -> list[Sentence]:
    dates: selectors.DateRange = ctx.dates
    year = dates.first.year
    out: list[Sentence] = []
    total = _row(dates)
    suggestions = _row(dates, {"kind": CaseKind.SUGGESTION})
    out.append(
        [
            f"{year}年全年共受理群众诉求 ",
            _fig(total, "received", dates, {}),
            " 件，其中收集群众意见建议 ",
            _fig(suggestions, "received", dates, {"kind": CaseKind.SUGGESTION}),
            " 条；办结 ",
            _fig(total, "closed", dates, {}),
            " 件，其中经群众回访确认解决 ",
            _fig(total, "solved", dates, {}),
            f" 件，解决率 {pct(total.count('solved'), total.count('closed'))}，"
            f"满意率 {pct(total.count('satisfied'), total.count('closed'))}；未经回访办结 ",
            _fig(total, "closed_without_callback", dates, {}),
            " 件，不计入解决率和满意率。",
        ]
    )
    visits = _row(dates, {"channel": Channel.FIELD_VISIT})
    f = {"channel": Channel.FIELD_VISIT}
    out.append(
        [
            "“百名书记访万家”入户走访，梳理形成台账问题 ",
            _fig(visits, "received", dates, f),
            " 件，已办结 ",
            _fig(visits, "closed", dates, f),
            f" 件，办结率 {pct(visits.count('closed'), visits.count('received'))}。",
        ]
    )
    hall = _row(dates, {"channel": Channel.HALL_DESK})
    f = {"channel": Channel.HALL_DESK}
    out.append(
        [
            "“局长进政务大厅”现场收集群众办事难题 ",
            _fig(hall, "received", dates, f),
            " 件，经回访确认解决 ",
            _fig(hall, "solved", dates, f),
            " 件。",
        ]
    )
    out.append(
        [
            "全年按时办结 ",
            _fig(total, "closed_on_time", dates, {}),
            f" 件，按时办结率 {pct(total.count('closed_on_time'), total.count('closed'))}；督办 ",
            _fig(total, "supervised", dates, {}),
            " 件，重办 ",
            _fig(total, "reopened", dates, {}),
            " 件。",
        ]
    )
    return out


def review_sentences(ctx: Context) -> list[Sentence]:
    dates: selectors.DateRange = ctx.dates
    [row] = review_selectors.figures(Rating.objects.all(), period=dates.period) or [
        review_selectors.Figures(key=None)
    ]
    # The review pages count by month: the link opens the year's figures month by month.
    figures = f"{reverse('reviews:figures')}?{urlencode({'by': 'month'})}"
    href = figures
    return [
        [
            "政务服务“好差评”共收到群众评价 ",
            cell(row.total, href),
            f" 条，好评率 {pct(row.good, row.total)}；差评 ",
            cell(row.bad, figures),
            " 条，已整改 ",
            cell(row.rectified, figures),
            f" 条，整改率 {pct(row.rectified, row.bad)}。",
        ]
    ]


register_year(YearSource("ledger", 10, ledger_sentences))
register_year(YearSource("reviews", 60, review_sentences))


def summary(year: int) -> list[Sentence]:
    ctx = Context(dates=selectors.DateRange.year(year))
    sentences: list[Sentence] = []
    for source in year_sources():
        sentences.extend(source.build(ctx))
    return sentences


def plain(sentence: Sentence) -> str:
    return "".join(p if isinstance(p, str) else p["t"] for p in sentence)
