"""Writes of the oversight around projects: the dispatch meeting's decisions (调度会, reviewed
first at the next meeting: 回头看), inspection groups, their visits and findings (each a case
in the ``inspection`` channel for the responsible unit, through ``case_accept``), the return
visit's check, and accountability records (追责问责)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from jishi.cases import services as case_services
from jishi.cases.models import Case, CaseKind, Category, Channel
from jishi.cases.selectors import category_by_code
from jishi.common import clock
from jishi.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from jishi.orgs.models import Unit, User
from jishi.projects import selectors, services
from jishi.projects.models import (
    AccountabilityRecord,
    DecisionState,
    Finding,
    InspectionGroup,
    InspectionVisit,
    Measure,
    MeetingDecision,
    Photo,
    ProgressMeeting,
    ProgressRound,
    Project,
    RecheckResult,
    Severity,
    VisitMode,
)

INSPECTION_CATEGORY = ("inspection_rectification", "督查整改")


def _supervisor(actor: User) -> None:
    if not selectors.may_supervise(actor):
        raise PermissionDenied("只有督查室可以进行此操作")


def _errors_or_raise(errors: dict[str, list[str]], message: str) -> None:
    if errors:
        raise InvalidInput(message, errors=errors)


# --- the dispatch meeting ------------------------------------------------------------------------


def meeting_record(
    *, actor: User, round: ProgressRound, held_on: dt.date, notes: str = ""
) -> ProgressMeeting:
    """The meeting's held date and its notes (会议纪要) as the office enters them: creates the
    month's meeting (also when its first decision comes before its date) or corrects it; the
    one way a meeting is written. The date may not fall before the round's month, nor after
    a deadline already set at the meeting (a decision is never due before it was taken)."""
    _supervisor(actor)
    errors: dict[str, list[str]] = {}
    notes = services.clean_text(notes, field="notes", label="会议纪要", errors=errors)
    if not isinstance(held_on, dt.date):
        errors["held_on"] = ["请填写会议日期"]
    elif held_on < round.month:
        errors["held_on"] = [f"会议日期不能早于{round.month:%Y-%m}月度调度的月份"]
    elif held_on > clock.today():
        errors["held_on"] = ["会议日期不能晚于今天"]
    _errors_or_raise(errors, "会议信息有误")
    with transaction.atomic():
        meeting = ProgressMeeting.objects.select_for_update().filter(round=round).first()
        if meeting is None:
            return ProgressMeeting.objects.create(round=round, held_on=held_on, notes=notes)
        first_due = meeting.decisions.order_by("due_on").values_list("due_on", flat=True).first()
        if first_due is not None and first_due < held_on:
            raise InvalidInput(
                "会议信息有误",
                errors={
                    "held_on": [
                        f"本次会议已有议定事项时限为 {first_due:%Y-%m-%d}，会议日期不能晚于它"
                    ]
                },
            )
        if (meeting.held_on, meeting.notes) == (held_on, notes):
            return meeting
        meeting.held_on, meeting.notes = held_on, notes
        meeting.save(update_fields=["held_on", "notes"])
    return meeting


def decision_add(
    *,
    actor: User,
    meeting: ProgressMeeting,
    text: str,
    owner_unit: Unit,
    due_on: dt.date,
    project: Project | None = None,
) -> MeetingDecision:
    """A decision as a task with an owner and a deadline; on a project it is also an event."""
    _supervisor(actor)
    errors: dict[str, list[str]] = {}
    text = services.clean_text(
        text, field="text", label="议定事项", errors=errors, required=True, limit=2000
    )
    if owner_unit is None or not owner_unit.active:
        errors["owner_unit"] = ["请选择责任单位"]
    if not isinstance(due_on, dt.date):
        errors["due_on"] = ["请填写完成时限"]
    elif due_on < meeting.held_on:
        errors["due_on"] = ["完成时限不能早于会议日期"]
    _errors_or_raise(errors, "议定事项有误")
    with transaction.atomic():
        decision = MeetingDecision.objects.create(
            meeting=meeting, project=project, text=text, owner_unit=owner_unit, due_on=due_on
        )
        if project is not None:
            locked = Project.objects.select_for_update().get(pk=project.pk)
            services.record(
                locked,
                "meeting_decision",
                actor,
                {
                    "decision": decision.pk,
                    "text": text,
                    "owner": owner_unit.pk,
                    "due": due_on.isoformat(),
                },
            )
            locked.save(update_fields=["version", "last_hash", "status"])
    return decision


def decision_review(
    *, actor: User, decision: MeetingDecision, done: bool, note: str = ""
) -> MeetingDecision:
    """回头看: the next meeting records whether a decision was carried out."""
    _supervisor(actor)
    errors: dict[str, list[str]] = {}
    note = services.clean_text(note, field="note", label="回头看情况", errors=errors, limit=200)
    if not done and not note:
        errors["note"] = ["未落实的须说明原因"]
    _errors_or_raise(errors, "回头看信息有误")
    decision.state = DecisionState.DONE if done else DecisionState.NOT_DONE
    decision.review_note, decision.reviewed_at = note, clock.now()
    decision.save(update_fields=["state", "review_note", "reviewed_at"])
    return decision


# --- inspections ---------------------------------------------------------------------------------


def group_create(
    *,
    actor: User,
    name: str,
    members: Sequence[User],
    starts_on: dt.date,
    ends_on: dt.date,
    area: Sequence[Unit] = (),
) -> InspectionGroup:
    _supervisor(actor)
    name = _check_group(name, members, starts_on, ends_on)
    with transaction.atomic():
        group = InspectionGroup.objects.create(name=name, starts_on=starts_on, ends_on=ends_on)
        group.members.set(members)
        group.area.set(area)
    return group


def _check_group(name: str, members: Sequence[User], starts_on: dt.date, ends_on: dt.date) -> str:
    errors: dict[str, list[str]] = {}
    name = services.clean_text(
        name, field="name", label="名称", errors=errors, required=True, limit=100
    )
    if not members:
        errors["members"] = ["请选择成员"]
    elif any(not m.is_active for m in members):
        errors["members"] = ["成员须为在职人员"]
    if not isinstance(starts_on, dt.date):
        errors["starts_on"] = ["请填写开始日期"]
    if not isinstance(ends_on, dt.date):
        errors["ends_on"] = ["请填写结束日期"]
    elif isinstance(starts_on, dt.date) and ends_on < starts_on:
        errors["ends_on"] = ["结束日期不能早于开始日期"]
    _errors_or_raise(errors, "巡回指导组信息有误")
    return name


def group_update(
    *,
    actor: User,
    group: InspectionGroup,
    name: str,
    members: Sequence[User],
    starts_on: dt.date,
    ends_on: dt.date,
    area: Sequence[Unit] = (),
) -> InspectionGroup:
    """Change a group's name, members, period or area. Its visits stay as recorded: a
    member who leaves keeps the visits they recorded."""
    _supervisor(actor)
    name = _check_group(name, members, starts_on, ends_on)
    with transaction.atomic():
        group = InspectionGroup.objects.select_for_update().get(pk=group.pk)
        group.name, group.starts_on, group.ends_on = name, starts_on, ends_on
        group.save(update_fields=["name", "starts_on", "ends_on"])
        group.members.set(members)
        group.area.set(area)
    return group


def _may_inspect(actor: User, group: InspectionGroup) -> bool:
    return selectors.may_supervise(actor) or group.members.filter(pk=actor.pk).exists()


def visit_record(
    *,
    actor: User,
    group: InspectionGroup,
    visited_on: dt.date,
    mode: str,
    units: Sequence[Unit] = (),
    projects: Sequence[Project] = (),
    notes: str = "",
) -> InspectionVisit:
    """A visit (明察 or 暗访) by a member of the group or the supervision office."""
    if not _may_inspect(actor, group):
        raise PermissionDenied("只有本组成员或督查室可以记录走访")
    errors: dict[str, list[str]] = {}
    if mode not in VisitMode.values:
        errors["mode"] = ["请选择方式"]
    if not isinstance(visited_on, dt.date):
        errors["visited_on"] = ["请填写日期"]
    notes = services.clean_text(notes, field="notes", label="情况", errors=errors)
    _errors_or_raise(errors, "走访信息有误")
    visit = InspectionVisit.objects.create(
        group=group, visited_on=visited_on, mode=mode, notes=notes, recorded_by=actor
    )
    visit.units.set(units)
    visit.projects.set(projects)
    return visit


def _category() -> Category:
    code, name = INSPECTION_CATEGORY
    found = category_by_code(code)
    if found is not None:
        return found
    category, _ = Category.objects.get_or_create(
        code=code, defaults={"name": name, "sort_order": 910}
    )
    return category


def finding_record(
    *,
    actor: User,
    visit: InspectionVisit,
    text: str,
    severity: str,
    unit: Unit,
    project: Project | None = None,
    photos: Sequence[UploadedFile] = (),
) -> Finding:
    """A finding becomes a case (channel ``inspection``) dispatched to the responsible unit,
    tracked to closure like any other case."""
    if not _may_inspect(actor, visit.group):
        raise PermissionDenied("只有本组成员或督查室可以记录发现的问题")
    errors: dict[str, list[str]] = {}
    text = services.clean_text(
        text, field="text", label="发现问题", errors=errors, required=True, limit=2000
    )
    if severity not in Severity.values:
        errors["severity"] = ["请选择严重程度"]
    if unit is None or not unit.active:
        errors["unit"] = ["请选择责任单位"]
    services.check_photos(photos, errors)
    _errors_or_raise(errors, "发现问题信息有误")
    with transaction.atomic():
        township = unit.township()
        case = _finding_case(
            actor=actor,
            kind=CaseKind.COMPLAINT,
            channel=Channel.INSPECTION,
            title=f"督查发现：{text}"[:120],
            text=f"{text}\n（{visit.group.name} {visit.visited_on:%Y-%m-%d} "
            f"{VisitMode(visit.mode).label}，严重程度：{Severity(severity).label}）",
            township=township,
            anonymous=True,
            external_ref=f"finding:{visit.pk}",
            route=case_services.Route(
                actor=case_services.System(), category=_category(), lead_unit=unit
            ),
            attachments=[case_services.Upload.of(p) for p in photos],
        )
        finding = Finding.objects.create(
            visit=visit,
            text=text,
            severity=severity,
            unit=unit,
            project=project,
            case=case,
            created_at=clock.now(),
        )
        _keep_photos(case, finding)
        if project is not None:
            locked = Project.objects.select_for_update().get(pk=project.pk)
            services.record(
                locked,
                "inspection_finding",
                actor,
                {"finding": finding.pk, "case": case.code, "severity": severity},
            )
            locked.save(update_fields=["version", "last_hash", "status"])
    return finding


def _keep_photos(case: Case, finding: Finding) -> None:
    """The finding's photos as the visit page shows them (``views.finding_photo``): the bytes
    its case kept (``case_services.check_image``: bounded and re-encoded without metadata
    such as the GPS position), never the upload. The unit under inspection sees these, so an
    unannounced visit's photo must not say where, when or on whose phone it was taken."""
    for attachment in case.attachments.order_by("pk"):
        row = Photo(finding=finding, project=finding.project, created_at=clock.now())
        with attachment.file.open("rb") as stored:
            row.image.save(attachment.file.name, File(stored), save=True)


def _finding_case(**kwargs: Any) -> Case:
    """The finding's case, carrying its photos as the case's own attachments (checked,
    re-encoded without their metadata, shown to whoever may see the case); a photo the case
    refuses is named on the finding form's photo field."""
    try:
        return case_services.case_accept(**kwargs)
    except InvalidInput as exc:
        if "attachments" not in exc.errors:
            raise
        errors = {("photos" if k == "attachments" else k): v for k, v in exc.errors.items()}
        raise InvalidInput("发现问题信息有误", errors=errors) from None


def finding_recheck(*, actor: User, finding: Finding, rectified: bool, note: str = "") -> Finding:
    """The return visit (回头看): was the finding's rectification done?"""
    if not _may_inspect(actor, finding.visit.group):
        raise PermissionDenied("只有本组成员或督查室可以回头看")
    errors: dict[str, list[str]] = {}
    note = services.clean_text(note, field="note", label="回头看情况", errors=errors, limit=200)
    if not rectified and not note:
        errors["note"] = ["未整改到位的须说明情况"]
    _errors_or_raise(errors, "回头看信息有误")
    if finding.recheck:
        raise InvalidTransition("已回头看过")
    finding.recheck = RecheckResult.RECTIFIED if rectified else RecheckResult.NOT_RECTIFIED
    finding.recheck_note, finding.rechecked_at = note, clock.now()
    finding.save(update_fields=["recheck", "recheck_note", "rechecked_at"])
    return finding


# --- accountability --------------------------------------------------------------------------


def accountability_record(
    *,
    actor: User,
    measure: str,
    decided_on: dt.date,
    deciding_body: str,
    reason: str,
    unit: Unit | None = None,
    person: User | None = None,
    person_name: str = "",
    case: Case | None = None,
    finding: Finding | None = None,
    project: Project | None = None,
) -> AccountabilityRecord:
    """Record an accountability decision: the supervision office only."""
    if not selectors.may_see_accountability(actor) or not selectors.may_supervise(actor):
        raise PermissionDenied("只有督查室可以登记追责问责")
    errors: dict[str, list[str]] = {}
    if measure not in Measure.values:
        errors["measure"] = ["请选择问责方式"]
    deciding_body = services.clean_text(
        deciding_body,
        field="deciding_body",
        label="决定机关",
        errors=errors,
        required=True,
        limit=100,
    )
    reason = services.clean_text(reason, field="reason", label="事由", errors=errors, required=True)
    person_name = services.clean_text(
        person_name, field="person_name", label="问责对象姓名", errors=errors, limit=64
    )
    if unit is None and person is None and not person_name:
        errors["unit"] = ["请填写问责单位或问责对象"]
    errors.update(_accountability_links(unit, person, person_name, case, finding))
    if not isinstance(decided_on, dt.date):
        errors["decided_on"] = ["请填写决定日期"]
    _errors_or_raise(errors, "追责问责信息有误")
    return AccountabilityRecord.objects.create(
        unit=unit,
        person=person,
        person_name=person_name or (str(person) if person else ""),
        case=case,
        finding=finding,
        project=project,
        measure=measure,
        decided_on=decided_on,
        deciding_body=deciding_body,
        reason=reason,
        recorded_by=actor,
        created_at=clock.now(),
    )


def _accountability_links(
    unit: Unit | None,
    person: User | None,
    person_name: str,
    case: Case | None,
    finding: Finding | None,
) -> dict[str, list[str]]:
    """The record's target and sources must agree: a person picked from the system holds a
    post in the unit held to account (else the record would blame the wrong unit), a typed
    name is only for someone who is not a system user, and a case given with a finding is
    the case that finding became."""
    errors: dict[str, list[str]] = {}
    if person is not None:
        if person_name:
            errors["person_name"] = ["已选择系统内人员，不必再填写姓名"]
        if unit is not None and not person.posts.filter(unit=unit, active=True).exists():
            errors["person"] = [f"{person} 在{unit.name}没有在岗岗位"]
        elif unit is None and not person.posts.filter(active=True).exists():
            errors["person"] = [f"{person} 没有在岗岗位"]
    if finding is not None and case is not None and finding.case_id != case.pk:
        errors["case"] = [f"事项 {case.code} 不是所填督查问题转成的事项"]
    return errors
