"""Projects, milestones, completion and closing, each rule's allowed and forbidden path; the
hash chain, its guards, verify_ledger and the checkpoint."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from jishi.cases.checkpoints import check_checkpoint, take_checkpoint
from jishi.cases.tests.test_services import image_bytes
from jishi.cases.verify import verify_ledger
from jishi.common import clock
from jishi.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from jishi.orgs.models import User
from jishi.projects import rounds, services
from jishi.projects.models import (
    ImmutableProjectEventError,
    ListKind,
    ListLevel,
    Milestone,
    Project,
    ProjectEvent,
    ProjectList,
    Status,
)
from jishi.projects.selectors import planned_progress, projects_visible_to, rule_checks
from jishi.testing.fixtures import County

PNG = image_bytes("PNG")


def photo(name: str = "done.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def test_a_project_is_created_with_its_milestones_and_first_event(project: Project) -> None:
    assert project.code == "XM2026-0001"
    assert project.status == Status.ACTIVE
    assert [m.weight for m in project.milestones.all()] == [20, 30, 50]
    event = ProjectEvent.objects.get(project=project)
    assert (event.seq, event.kind, event.to_state) == (1, "created", "active")
    assert event.payload["lead_unit"] == project.lead_unit_id
    assert project.version == 1 and project.last_hash == event.hash


def test_only_the_supervision_office_creates_projects(
    county: County, township_handler: User, livelihood_list: ProjectList
) -> None:
    with pytest.raises(PermissionDenied):
        services.project_create(
            actor=township_handler,
            project_list=livelihood_list,
            title="x",
            lead_unit=county.housing,
        )


def test_bad_input_is_named_field_by_field(
    county: County, inspector: User, township_handler: User, livelihood_list: ProjectList
) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.project_create(
            actor=inspector,
            project_list=livelihood_list,
            title="  ",
            lead_unit=county.housing,
            lead_cadre=township_handler,  # a handler is no leading cadre
            budget="一千万",
            start_date=dt.date(2026, 5, 1),
            end_date=dt.date(2026, 1, 1),
            township=county.housing,
            milestones=[services.MilestoneInput("", dt.date(2026, 3, 1), 0)],
        )
    errors = caught.value.errors
    assert set(errors) >= {"title", "lead_cadre", "budget", "end_date", "township", "milestones"}
    assert not Project.objects.exists()


def test_a_township_lead_is_a_leading_cadre(
    county: County, inspector: User, unit_lead: User, livelihood_list: ProjectList
) -> None:
    p = services.project_create(
        actor=inspector,
        project_list=livelihood_list,
        title="城关镇农贸市场",
        lead_unit=county.chengguan,
        lead_cadre=unit_lead,
    )
    assert p.lead_cadre == unit_lead


def test_lists_check_their_input(county: County, inspector: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.list_create(
            actor=inspector, year=1999, kind="x", level=ListLevel.TOWNSHIP, title=""
        )
    assert set(caught.value.errors) == {"year", "kind", "title", "township"}


def test_budget_required_by_the_list(county: County, inspector: User) -> None:
    lst = services.list_create(
        actor=inspector,
        year=2026,
        kind=ListKind.REFORM,
        level=ListLevel.COUNTY,
        title="改革",
        budget_required=True,
    )
    with pytest.raises(InvalidInput) as caught:
        services.project_create(
            actor=inspector, project_list=lst, title="x", lead_unit=county.housing
        )
    assert "budget" in caught.value.errors


def test_lead_change_and_milestone_move_are_events(
    project: Project, inspector: User, unit_lead: User, county: County
) -> None:
    services.project_lead_change(
        actor=inspector,
        project=project,
        lead_cadre=unit_lead,
        lead_unit=county.chengguan,
        reason="调整分工",
    )
    m = project.milestones.get(title="开工")
    services.milestone_move(
        actor=inspector, milestone=m, planned_date=dt.date(2026, 7, 31), reason="雨季"
    )
    # Nothing changes: no event.
    services.milestone_move(actor=inspector, milestone=m, planned_date=dt.date(2026, 7, 31))
    kinds = list(ProjectEvent.objects.filter(project=project).values_list("kind", flat=True))
    assert kinds == ["created", "lead_changed", "milestone_moved"]
    moved = ProjectEvent.objects.get(project=project, kind="milestone_moved")
    assert moved.payload["date"] == ["2026-06-30", "2026-07-31"]


def test_lead_change_forbidden_to_a_unit(project: Project, dept_handler: User) -> None:
    with pytest.raises(PermissionDenied):
        services.project_lead_change(
            actor=dept_handler, project=project, lead_cadre=None, lead_unit=project.lead_unit
        )


def test_completion_needs_evidence_and_the_lead_units_head(
    project: Project, housing_lead: User, dept_handler: User, inspector: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.project_complete(
            actor=dept_handler, project=project, evidence="已完成", photos=[photo()]
        )
    with pytest.raises(InvalidInput) as caught:
        services.project_complete(actor=housing_lead, project=project, evidence="", photos=[])
    assert set(caught.value.errors) == {"evidence", "photos"}
    with pytest.raises(InvalidTransition):
        services.project_close(actor=inspector, project=project)
    # Not while a milestone is unfinished: the error names it.
    steps = list(project.milestones.all())
    rnd = rounds.round_open(month=dt.date(2026, 6, 1))
    services.report_submit(
        actor=dept_handler,
        project=project,
        round=rnd,
        milestones={m.pk: 100 for m in steps[:-1]} | {steps[-1].pk: 80},
        work_done="主体完工",
    )
    with pytest.raises(InvalidTransition) as refused:
        services.project_complete(
            actor=housing_lead, project=project, evidence="竣工验收合格", photos=[photo()]
        )
    assert f"{steps[-1].title}（80%）" in str(refused.value)
    project.refresh_from_db()
    assert project.status == Status.ACTIVE and not project.photos.exists()
    services.report_submit(
        actor=dept_handler,
        project=project,
        round=rounds.round_open(month=dt.date(2026, 7, 1)),
        milestones={steps[-1].pk: 100},
        work_done="竣工验收",
    )
    services.project_complete(
        actor=housing_lead, project=project, evidence="竣工验收合格", photos=[photo()]
    )
    project.refresh_from_db()
    assert project.status == Status.COMPLETED and project.progress == 100
    with pytest.raises(PermissionDenied):
        services.project_close(actor=housing_lead, project=project)
    services.project_close(actor=inspector, project=project, note="验收销号")
    project.refresh_from_db()
    assert project.status == Status.CLOSED
    assert project.photos.count() == 1


def test_photos_must_be_images(project: Project, housing_lead: User) -> None:
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(InvalidInput) as caught:
        services.project_complete(actor=housing_lead, project=project, evidence="e", photos=[bad])
    assert "photos" in caught.value.errors


def _tamper(sql: str, params: list[str | int]) -> None:
    """What someone with the database password does: switch the trigger off, edit."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER projectevent_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_verify_ledger_walks_project_chains_and_names_a_break(project: Project) -> None:
    result = verify_ledger()
    assert not result.breaks
    assert result.others == [("重点项目", 1, 1)]
    event = ProjectEvent.objects.get(project=project)
    _tamper(
        "UPDATE projects_projectevent SET payload = %s WHERE id = %s",
        ['{"title": "forged"}', event.pk],
    )
    result = verify_ledger()
    assert result.breaks and "项目 XM2026-0001" in str(result.breaks[0])
    assert "内容被改动" in str(result.breaks[0])
    with pytest.raises(CommandError, match="台账校验失败"):
        call_command("verify_ledger")


def test_events_are_append_only(project: Project) -> None:
    event = ProjectEvent.objects.get(project=project)
    with pytest.raises(ImmutableProjectEventError):
        event.save()
    with pytest.raises(ImmutableProjectEventError):
        event.delete()
    with pytest.raises(ImmutableProjectEventError):
        ProjectEvent.objects.filter(pk=event.pk).update(kind="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE projects_projectevent SET kind = 'x' WHERE id = %s", [event.pk])


def test_the_checkpoint_covers_projects(project: Project) -> None:
    with clock.travel_to(clock.now() + dt.timedelta(minutes=10)):
        checkpoint = take_checkpoint()
    assert checkpoint.cases == 1 and checkpoint.events == 1  # the project's chain
    assert check_checkpoint(checkpoint) is None


def test_projects_are_scoped(
    project: Project,
    dept_handler: User,
    transport_handler: User,
    township_handler: User,
    other_township_handler: User,
    county_lead: User,
    stranger: User,
) -> None:
    # The lead unit, a cooperating unit, its township and its lead cadre see it.
    for user in (dept_handler, transport_handler, township_handler, county_lead):
        assert projects_visible_to(user).filter(pk=project.pk).exists(), user
    for user in (other_township_handler, stranger):
        assert not projects_visible_to(user).exists(), user


def test_rule_checks(
    county: County, inspector: User, county_lead: User, unit_lead: User, project: Project
) -> None:
    # Adding a milestone after the end date is refused; one listed that way (a sheet
    # imported with it) is what the rule check names.
    with pytest.raises(InvalidInput, match="节点信息有误"):
        services.milestone_add(
            actor=inspector, project=project, title="审计", planned_date=dt.date(2027, 2, 1)
        )
    Milestone.objects.create(project=project, title="审计", planned_date=dt.date(2027, 2, 1))
    bare = services.project_create(
        actor=inspector,
        project_list=project.project_list,
        title="无节点项目",
        lead_unit=county.transport,
    )
    problems = rule_checks(year=2026)
    found = {(p.rule, p.project_id) for p in problems}
    assert ("milestone_after_end", project.pk) in found
    assert {("milestones", bare.pk), ("dates", bare.pk), ("lead_cadre", bare.pk)} <= found
    # The county lead leads a livelihood project; the township lead leads none.
    cadres = {p.subject for p in problems if p.rule == "cadre_livelihood"}
    assert cadres == {str(unit_lead)}
    assert Decimal(project.progress) == 0


def test_planned_progress_entered_by_month(
    project: Project, inspector: User, dept_handler: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.planned_enter(actor=dept_handler, project=project, values={"2026-05": "40"})
    with pytest.raises(InvalidInput) as caught:
        services.planned_enter(
            actor=inspector, project=project, values={"2026-13": "4", "五月": "4", "2026-06": "140"}
        )
    assert len(caught.value.errors["planned"]) == 3
    services.planned_enter(actor=inspector, project=project, values={"2026-05": "40"})
    project.refresh_from_db()
    assert planned_progress(project, dt.date(2026, 5, 25)) == Decimal("40.0")
    services.planned_enter(actor=inspector, project=project, values={"2026-05": ""})
    project.refresh_from_db()
    assert project.planned_by_month == {}
    assert project.events.filter(kind="planned_entered").count() == 2
