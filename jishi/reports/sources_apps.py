"""The sources the field apps contribute to the bulletin and the year-end summary: red-lit
projects with their lead cadre and reason, accountability records and the outreach talks.
Each reads through its app's own selectors and models (figures are never counted twice), as
the county sees them: a county-wide scope, never one person's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode

from jishi.orgs.models import User
from jishi.orgs.selectors import Scope
from jishi.outreach import selectors as outreach_selectors
from jishi.projects.models import (
    AccountabilityRecord,
    Light,
    ListKind,
    ListLevel,
    Measure,
    ProgressRound,
    Project,
    RoundLight,
    Status,
)
from jishi.reports.selectors import DateRange
from jishi.reports.sources import (
    Context,
    Section,
    Sentence,
    Source,
    YearSource,
    cell,
    register,
    register_year,
)


def county_viewer() -> User:
    """A reader with the county's scope, for selectors that take a user: a bulletin is the
    county's document, not what one person may see. Never saved, never logged in."""
    viewer = User(username="(county)")
    viewer._jishi_scope = Scope(county_wide=True)  # type: ignore[attr-defined]
    return viewer


def red_projects(ctx: Context) -> Section | None:
    dates: DateRange = ctx.dates
    rnd = (
        ProgressRound.objects.filter(month__gte=dates.first, month__lte=dates.last)
        .order_by("-month")
        .first()
    )
    rows = []
    if rnd is not None:
        lights = (
            RoundLight.objects.filter(round=rnd, light=Light.RED)
            .select_related("project__lead_unit", "project__lead_cadre")
            .order_by("project__lead_unit__name", "project__code")
        )
        for rl in lights:
            project: Project = rl.project
            cadre = project.lead_cadre
            rows.append(
                [
                    cell(project.code, reverse("projects:project", args=[project.pk])),
                    cell(project.title),
                    cell(project.lead_unit.name if project.lead_unit else "—"),
                    cell((cadre.full_name or cadre.username) if cadre else "—"),
                    cell(rl.reason),
                ]
            )
    return Section(
        key="red_projects",
        title="亮红灯项目",
        columns=["项目编号", "项目", "牵头单位", "包抓领导", "亮灯原因"],
        rows=rows,
        paragraphs=[] if rnd is not None else ["本期没有项目调度轮次。"],
        note=f"{rnd.month:%Y年%m月}调度，红灯 {len(rows)} 个。" if rnd is not None else "",
    )


def accountability(ctx: Context) -> Section | None:
    """Counts only, by measure: the bulletin is read by every staff member, and a record names
    who was held to account; who and why stay on the supervision office's own page."""
    dates: DateRange = ctx.dates
    records = AccountabilityRecord.objects.filter(
        decided_on__gte=dates.first, decided_on__lte=dates.last
    )
    href = reverse("projects:accountability")
    by_measure = {
        row["measure"]: row
        for row in records.values("measure")
        .annotate(
            n=Count("id"),
            units=Count("unit", distinct=True),
            people=Count("person", distinct=True),
        )
        .order_by()
    }
    # A person who is not a system user is named in free text only: counted one by one.
    named = dict(
        records.filter(person__isnull=True)
        .exclude(person_name="")
        .values_list("measure")
        .annotate(n=Count("person_name", distinct=True))
        .order_by()
    )
    rows = []
    for measure in Measure:
        row = by_measure.get(measure.value)
        if row is None:
            continue
        people = row["people"] + named.get(measure.value, 0)
        rows.append([cell(measure.label, href), cell(row["n"]), cell(row["units"]), cell(people)])
    total = sum(row["n"] for row in by_measure.values())
    units = records.exclude(unit=None).values("unit").distinct().count()
    if not total:
        paragraphs = ["本期没有追责问责记录。"]
    else:
        paragraphs = [f"本期追责问责 {total} 起，涉及单位 {units} 个。"]
    return Section(
        key="accountability",
        title="追责问责",
        columns=["问责方式", "起数", "涉及单位（个）", "涉及个人（人）"],
        rows=rows,
        paragraphs=paragraphs,
        note="通报只列数字；问责对象和事由见督查室的追责问责台账。",
    )


# The section's columns before it counted only: one row a record, naming the unit.
NAMED_ACCOUNTABILITY_COLUMNS = ["决定日期", "问责单位", "问责方式", "决定机关"]


def accountability_counted(content: dict[str, Any]) -> dict[str, Any]:
    """An issued bulletin for a reader who may not see accountability records. Versions
    issued before the section counted only still carry one row a record (date, unit held to
    account, measure, deciding body); they are frozen, so what is shown is the counts
    derived from those rows, as the section now gives them. Other content is as issued."""
    sections = content.get("sections") or []
    if not any(_names_records(s) for s in sections):
        return content
    return {
        **content,
        "sections": [_counted(s) if _names_records(s) else s for s in sections],
    }


def _names_records(section: dict[str, Any]) -> bool:
    return (
        section.get("key") == "accountability"
        and section.get("columns") == NAMED_ACCOUNTABILITY_COLUMNS
    )


def _counted(section: dict[str, Any]) -> dict[str, Any]:
    units_by_measure: dict[str, list[str]] = {}
    href = ""
    for row in section.get("rows") or []:
        unit, measure = row[1]["t"], row[2]["t"]
        href = href or row[2].get("h", "")
        units_by_measure.setdefault(measure, []).append(unit)
    named = {u for units in units_by_measure.values() for u in units if u != "—"}
    total = sum(len(units) for units in units_by_measure.values())
    return {
        **section,
        "columns": ["问责方式", "起数", "涉及单位（个）"],
        "rows": [
            [cell(measure, href), cell(len(units)), cell(len({u for u in units if u != "—"}))]
            for measure, units in units_by_measure.items()
        ],
        "paragraphs": [f"本期追责问责 {total} 起，涉及单位 {len(named)} 个。"]
        if total
        else ["本期没有追责问责记录。"],
        "note": "本版发布时逐条列出问责记录，现只显示数字；问责对象和事由见督查室的追责问责台账。",
    }


def _outreach(dates: DateRange) -> Any:
    return outreach_selectors.outreach_figures(
        county_viewer(), (dates.first, dates.last + dt.timedelta(days=1))
    )


def _outreach_link(dates: DateRange) -> str:
    period = (
        f"{dates.first:%Y-%m}" if dates.first.month == dates.last.month else f"{dates.first:%Y}"
    )
    return f"{reverse('outreach:figures')}?{urlencode({'period': period})}"


def outreach(ctx: Context) -> Section | None:
    dates: DateRange = ctx.dates
    figures = _outreach(dates)
    href = _outreach_link(dates)
    rows = [
        [cell("宣讲场次"), cell(figures.talks, href)],
        [cell("参加人数"), cell(figures.people, href)],
        [cell("参加人次"), cell(figures.person_times, href)],
    ]
    rows += [[cell(f"　{r.label}"), cell(r.talks, href)] for r in figures.by_township[:10]]
    return Section(
        key="outreach",
        title="六讲六进宣讲",
        columns=["指标", dates.label],
        rows=rows,
        note="人数按人去重；组织方填报的人数同时计入人数和人次。",
    )


def outreach_sentences(ctx: Context) -> list[Sentence]:
    dates: DateRange = ctx.dates
    figures = _outreach(dates)
    href = _outreach_link(dates)
    return [
        [
            "开展“六讲六进”宣讲 ",
            cell(figures.talks, href),
            " 场，参加群众 ",
            cell(figures.people, href),
            " 人、",
            cell(figures.person_times, href),
            " 人次。",
        ]
    ]


def project_sentences(ctx: Context) -> list[Sentence]:
    dates: DateRange = ctx.dates
    start, end = dates.period
    done = (
        # A project closed out (销号) was completed first: it counts in the year it was
        # completed, as one still waiting for its close-out does.
        Project.objects.filter(
            status__in=[Status.COMPLETED, Status.CLOSED],
            completed_at__gte=start,
            completed_at__lt=end,
        )
        .values("project_list__level", "project_list__kind")
        .annotate(n=Count("id"))
        .order_by("project_list__level", "project_list__kind")
    )
    href = reverse("projects:index")
    parts: Sentence = ["全年完成清单项目"]
    rows = list(done)
    if not rows:
        return [["全年完成清单项目 ", cell(0, href), " 个。"]]
    for i, row in enumerate(rows):
        level = ListLevel(row["project_list__level"]).label
        kind = ListKind(row["project_list__kind"]).label
        parts += ["，" if i else "：", f"{level}{kind} ", cell(row["n"], href), " 个"]
    parts.append("。")
    return [parts]


def register_all() -> None:
    register(Source("red_projects", "亮红灯项目", 65, red_projects))
    register(Source("accountability", "追责问责", 75, accountability))
    register(Source("outreach", "六讲六进宣讲", 80, outreach))
    register_year(YearSource("outreach", 80, outreach_sentences))
    register_year(YearSource("projects", 70, project_sentences))
