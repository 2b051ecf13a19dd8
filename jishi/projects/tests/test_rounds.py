"""A month's round as the county lives it: opened by the daily tick, reminders, two lead
units report and one does not, lights and the missing list, then the ladder of orders as
their deadlines pass (the clock moved), and the lead cadre's sign-off."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from jishi.cases.verify import verify_ledger
from jishi.common import clock
from jishi.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from jishi.orgs.models import Role, User
from jishi.projects import progress, rounds, selectors, services
from jishi.projects.documents import order_pdf
from jishi.projects.models import (
    OrderLevel,
    OrderState,
    ProgressRound,
    Project,
    ProjectEvent,
    ProjectList,
    RoundLight,
    SupervisionOrder,
)
from jishi.projects.tests.conftest import milestones
from jishi.testing.fixtures import County, make_person

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


@pytest.fixture
def three(
    county: County,
    inspector: User,
    county_lead: User,
    unit_lead: User,
    livelihood_list: ProjectList,
) -> list[Project]:
    """Housing, transport and 城关镇 each lead one project, January to December 2026; the
    market was listed at 45% done (as an imported list states it)."""
    out = []
    with clock.travel_to(at(2026, 1, 5)):
        for title, unit, cadre, done in (
            ("老旧小区改造", county.housing, county_lead, None),
            ("农村公路提升", county.transport, county_lead, None),
            ("城关镇农贸市场", county.chengguan, unit_lead, Decimal(45)),
        ):
            out.append(
                services.project_create(
                    actor=inspector,
                    project_list=livelihood_list,
                    title=title,
                    lead_unit=unit,
                    lead_cadre=cadre,
                    start_date=dt.date(2026, 1, 1),
                    end_date=dt.date(2026, 12, 31),
                    milestones=milestones(),
                    progress_now=done,
                )
            )
    return out


def report(user: User, project: Project, rnd: ProgressRound, values: list[int]) -> None:
    ms = list(project.milestones.all())
    services.report_submit(
        actor=user,
        project=project,
        round=rnd,
        milestones={m.pk: v for m, v in zip(ms, values, strict=True)},
        work_done="完成本月计划",
        problems="",
        next_plan="继续推进",
        funds_paid="300",
    )


def test_round_two_report_one_does_not_then_the_ladder(
    three: list[Project], dept_handler: User, transport_handler: User, inspector: User
) -> None:
    housing, transport, market = three
    with clock.travel_to(at(2026, 6, 1)):
        result = rounds.tick()
    rnd = result.opened
    assert rnd is not None and rnd.due_on == dt.date(2026, 6, 25)
    with clock.travel_to(at(2026, 6, 10)):
        # Planned by 25 June is about 47%: housing is on schedule, transport far behind.
        report(dept_handler, housing, rnd, [100, 90, 20])
        report(transport_handler, transport, rnd, [50, 0, 0])
        assert rounds.tick().reminders == []  # too early to remind
    with clock.travel_to(at(2026, 6, 22)):
        reminders = rounds.tick().reminders
    assert [(r.unit, r.projects) for r in reminders] == [("城关镇", [market.code])]
    status = selectors.round_status(rnd)
    assert (status.expected, status.reported) == (3, 2)
    assert [p.code for p in status.missing] == [market.code]
    with clock.travel_to(at(2026, 6, 26)):
        result = rounds.tick()
    assert result.assessed is not None and result.assessed.missing == 1
    lights = {p.title: (p.light, p.light_reason) for p in Project.objects.all()}
    assert lights["老旧小区改造"][0] == "green"
    assert lights["农村公路提升"][0] == "red" and "落后序时进度" in lights["农村公路提升"][1]
    assert lights["城关镇农贸市场"] == ("yellow", "本月未报送进度")
    assert RoundLight.objects.filter(round=rnd).count() == 3
    changed = ProjectEvent.objects.filter(kind="light_changed")
    assert changed.count() == 3 and all(e.payload["reason"] for e in changed)
    # The red project gets a blue order at once, due in ten working days.
    blue = SupervisionOrder.objects.get(project=transport)
    assert blue.level == OrderLevel.BLUE and blue.number == "督办〔2026〕1号"
    assert blue.due_at.date() == dt.date(2026, 7, 10)
    # No progress: each deadline passing climbs one step of the ladder.
    levels = []
    when = blue.due_at
    for _ in range(4):
        when += dt.timedelta(days=1)
        with clock.travel_to(when):
            rounds.orders_walk()
        latest = SupervisionOrder.objects.filter(project=transport).order_by("-seq").first()
        assert latest is not None
        levels.append(latest.level)
        when = latest.due_at
    assert levels == ["yellow", "red", "interview", "public_naming"]
    assert SupervisionOrder.objects.filter(state=OrderState.ESCALATED).count() == 4
    transport.refresh_from_db()
    assert transport.publicly_named
    # Nothing above public naming: the last step waits for the project to be closed.
    with clock.travel_to(when + dt.timedelta(days=5)):
        assert rounds.orders_walk().issued == []
    assert not verify_ledger().breaks


def test_progress_resolves_an_order(
    three: list[Project], transport_handler: User, inspector: User
) -> None:
    transport = three[1]
    with clock.travel_to(at(2026, 6, 1)):
        rnd = rounds.round_open(month=dt.date(2026, 6, 1))
        order = rounds.order_issue(actor=inspector, project=transport, level=OrderLevel.BLUE)
        rounds.order_respond(actor=transport_handler, order=order, response="已增派施工队")
        report(transport_handler, transport, rnd, [100, 100, 30])
    with clock.travel_to(order.due_at + dt.timedelta(hours=1)):
        result = rounds.orders_walk()
    assert result.resolved == [order.number] and result.issued == []
    order.refresh_from_db()
    assert order.state == OrderState.RESOLVED and order.response == "已增派施工队"


def test_two_missing_reports_in_a_row_are_red(three: list[Project]) -> None:
    for month in (5, 6):
        with clock.travel_to(at(2026, month, 1)):
            rounds.tick()
        with clock.travel_to(at(2026, month, 27)):
            rounds.tick()
    market = Project.objects.get(title="城关镇农贸市场")
    assert (market.light, market.light_reason) == ("red", "连续2个月未报送进度")
    # The meeting page lists it among the changes since May (yellow → red), worst first.
    page = selectors.meeting_page(ProgressRound.objects.get(month=dt.date(2026, 6, 1)))
    assert page.changes_total == 1
    assert [(c.title, c.before, c.after) for c in page.changes] == [
        ("城关镇农贸市场", "yellow", "red")
    ]
    assert page.totals.red == 3


def test_report_rules(
    three: list[Project],
    dept_handler: User,
    transport_handler: User,
    county_lead: User,
    unit_lead: User,
) -> None:
    housing = three[0]
    with clock.travel_to(at(2026, 6, 1)):
        rnd = rounds.round_open(month=dt.date(2026, 6, 1))
    ms = list(housing.milestones.all())
    with pytest.raises(PermissionDenied):
        report(transport_handler, housing, rnd, [1, 1, 1])
    with pytest.raises(InvalidInput) as caught:
        services.report_submit(
            actor=dept_handler,
            project=housing,
            round=rnd,
            milestones={ms[0].pk: "120", ms[1].pk: "abc", 999999: "5"},
            work_done="",
            funds_paid="-1",
        )
    assert {
        "work_done",
        "funds_paid",
        f"milestone_{ms[0].pk}",
        f"milestone_{ms[1].pk}",
        "milestones",
    } <= set(caught.value.errors)
    with clock.travel_to(at(2026, 6, 27)):
        report(dept_handler, housing, rnd, [100, 50, 0])
    saved = housing.reports.get()
    assert saved.late and saved.progress == Decimal("35.0")
    with pytest.raises(PermissionDenied):
        services.report_sign_off(actor=unit_lead, report=saved)
    services.report_sign_off(actor=county_lead, report=saved)
    saved.refresh_from_db()
    assert saved.signed_off_by == county_lead
    assert selectors.round_status(rnd).late == [saved]


def test_orders_are_for_the_supervision_office(
    three: list[Project], dept_handler: User, transport_handler: User
) -> None:
    with pytest.raises(PermissionDenied):
        rounds.order_issue(actor=dept_handler, project=three[0], level=OrderLevel.BLUE)
    office = make_person("office2", three[0].lead_unit, Role.INSPECTOR)
    order = rounds.order_issue(actor=office, project=three[0], level=OrderLevel.BLUE)
    with pytest.raises(PermissionDenied):
        rounds.order_respond(actor=transport_handler, order=order, response="x")
    with pytest.raises(InvalidInput):
        rounds.order_respond(actor=dept_handler, order=order, response="  ")
    with pytest.raises(InvalidInput):
        rounds.order_issue(actor=office, project=three[0], level="purple")


def test_the_tick_command(three: list[Project], capsys: pytest.CaptureFixture[str]) -> None:
    with clock.travel_to(at(2026, 6, 1)):
        call_command("projects_tick")
    assert "已开启 2026年06月 调度" in capsys.readouterr().out
    with clock.travel_to(at(2026, 6, 2)):
        call_command("projects_tick", "--date", "2026-06-30")
    out = capsys.readouterr().out
    assert "已评灯" in out


def test_an_order_prints_as_a_pdf(three: list[Project], inspector: User) -> None:
    order = rounds.order_issue(actor=inspector, project=three[1], level=OrderLevel.RED)
    pdf = order_pdf(order)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        return
    text = subprocess.run(
        [pdftotext, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "红色督办单" in text and "督办〔2026〕1号" in text and "农村公路提升" in text


def test_a_bulk_assessment_keeps_every_chain_verifiable(
    county: County,
    inspector: User,
    county_lead: User,
    dept_handler: User,
    livelihood_list: ProjectList,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twelve projects of mixed shapes (flat plans shared by several, a milestone tree, a
    plan entered by hand, a late start), lit in chunks of five: each light is what the
    arithmetic gives project by project, each change one event on the right head, unchanged
    lights no event, and ``verify_ledger`` holds after each round and breaks on tampering."""
    monkeypatch.setattr(rounds, "CHUNK", 5)
    projects = []
    with clock.travel_to(at(2026, 1, 5)):
        for i in range(12):
            tree = i == 3
            plan = milestones()
            if tree:
                plan = [*plan, services.MilestoneInput("主体", dt.date(2026, 5, 31), 2, parent=1)]
            project = services.project_create(
                actor=inspector,
                project_list=livelihood_list,
                title=f"民生项目{i}",
                lead_unit=county.housing,
                lead_cadre=county_lead,
                start_date=dt.date(2026, 4 if i == 5 else 1, 1),
                end_date=dt.date(2026, 12, 31),
                milestones=plan,
            )
            if i == 4:
                services.planned_enter(actor=inspector, project=project, values={"2026-06": "80"})
            projects.append(project)
    with clock.travel_to(at(2026, 6, 1)):
        rnd = rounds.round_open(month=dt.date(2026, 6, 1))
    with clock.travel_to(at(2026, 6, 10)):
        for i, project in enumerate(projects[:9]):
            done = [100, 20 * (i % 5), 0] + ([50] if i == 3 else [])
            ms = [m for m in project.milestones.all() if not m.children.exists()]
            services.report_submit(
                actor=dept_handler,
                project=project,
                round=rnd,
                milestones={m.pk: v for m, v in zip(ms, done, strict=False)},
                work_done="按计划推进",
            )
    heads_before = {p.pk: p.version for p in Project.objects.all()}
    with clock.travel_to(at(2026, 6, 26)):
        result = rounds.round_assess(rnd, on=dt.date(2026, 6, 26))
    assert result.changed == 12 and result.missing == 3
    assert sum(result.lights.values()) == 12
    assert not verify_ledger().breaks
    th = selectors.thresholds()
    for project in Project.objects.all():
        planned = selectors.planned_progress(project, rnd.due_on)
        missing = not project.reports.filter(round=rnd).exists()
        expected = progress.assess(
            planned=planned,
            reported=project.progress,
            missing_in_a_row=int(missing),
            start=project.start_date,
            on=dt.date(2026, 6, 26),
            thresholds=th,
        )
        assert (project.light, project.light_reason) == expected
        lit = RoundLight.objects.get(round=rnd, project=project)
        assert (lit.light, lit.reason, lit.planned, lit.missing) == (*expected, planned, missing)
        event = project.events.get(seq=project.version)
        assert project.version == heads_before[project.pk] + 1
        assert event.kind == "light_changed" and event.payload["light"] == ["", project.light]
        assert event.prev_hash == project.events.get(seq=project.version - 1).hash
    assert Project.objects.get(title="民生项目4").light_reason.startswith("落后序时进度")
    # July: nobody reports. Only the lights that change get an event.
    with clock.travel_to(at(2026, 7, 1)):
        july = rounds.round_open(month=dt.date(2026, 7, 1))
    before = {p.pk: (p.version, p.light, p.light_reason) for p in Project.objects.all()}
    with clock.travel_to(at(2026, 7, 26)):
        result = rounds.round_assess(july, on=dt.date(2026, 7, 26))
    moved = [p for p in Project.objects.all() if p.version != before[p.pk][0]]
    assert result.changed == len(moved) > 0
    assert all((p.light, p.light_reason) != before[p.pk][1:] for p in moved)
    assert ProjectEvent.objects.filter(kind="light_changed").count() == 12 + len(moved)
    assert not verify_ledger().breaks
    with pytest.raises(InvalidTransition):
        rounds.round_assess(july, on=dt.date(2026, 7, 27))
    # The chain is real: a head that does not match its last event is found.
    Project.objects.filter(pk=moved[0].pk).update(last_hash="0" * 64)
    assert verify_ledger().breaks
