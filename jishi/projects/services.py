"""Every write to supervised projects. Each service checks its input first (a clear error,
nothing changed), runs in one transaction with the project row locked, and appends the
project's hash-chained event (``chain.append``)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from jishi.cases import services as case_services
from jishi.cases.models import Case, CaseKind
from jishi.common import clock, crypto
from jishi.common.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from jishi.common.masking import mask_personal_numbers
from jishi.common.text import fold
from jishi.orgs import access
from jishi.orgs.models import Role, Unit, UnitKind, User
from jishi.projects import chain, progress, selectors
from jishi.projects.models import (
    ListChange,
    ListKind,
    ListLevel,
    Milestone,
    Photo,
    ProgressReport,
    ProgressRound,
    Project,
    ProjectList,
    Source,
    Status,
)

TITLE_MAX = 200
TEXT_MAX = 4000
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
MAX_PHOTOS = 9


def today() -> dt.date:
    return clock.today()


def _role_of(user: User | None) -> str:
    if user is None:
        return "system"
    roles = access.roles_of(user)
    for role in (Role.INSPECTOR, Role.COUNTY_LEAD, Role.UNIT_LEAD, Role.HANDLER, Role.ADMIN):
        if role in roles:
            return str(role)
    return "admin" if user.is_superuser else "staff"


def _unit_of(user: User | None) -> Unit | None:
    if user is None:
        return None
    posts = selectors.active_posts(user)
    return posts[0].unit if posts else None


def record(
    project: Project,
    kind: str,
    actor: User | None,
    payload: dict[str, Any] | None = None,
    *,
    to_state: str | None = None,
) -> None:
    """Append the project's next event (the caller holds the row and saves the head)."""
    chain.append(
        project,
        kind,
        actor=actor,
        role=_role_of(actor),
        unit=_unit_of(actor),
        payload=payload,
        to_state=to_state,
    )


def _require_supervisor(actor: User) -> None:
    if not selectors.may_supervise(actor):
        raise PermissionDenied("只有督查室可以进行此操作")


def clean_text(
    value: str,
    *,
    field: str,
    label: str,
    errors: dict[str, list[str]],
    required: bool = False,
    limit: int = TEXT_MAX,
) -> str:
    value = (value or "").replace("\x00", "").strip()
    if required and not value:
        errors.setdefault(field, []).append(f"请填写{label}")
    elif len(value) > limit:
        errors.setdefault(field, []).append(f"{label}最多 {limit} 字")
    return value


def _percent(value: object, *, field: str, label: str, errors: dict[str, list[str]]) -> Decimal:
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(f"{label}应为 0 到 100 之间的数")
        return Decimal(0)
    if not number.is_finite() or number < 0 or number > 100:
        errors.setdefault(field, []).append(f"{label}应为 0 到 100 之间的数")
        return Decimal(0)
    return number.quantize(progress.ONE_PLACE)


def _money(
    value: object, *, field: str, label: str, errors: dict[str, list[str]]
) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(f"{label}应为金额（万元）")
        return None
    if not number.is_finite() or number < 0 or number >= Decimal("1e12"):
        errors.setdefault(field, []).append(f"{label}应为不小于 0 的金额（万元）")
        return None
    return number.quantize(Decimal("0.01"))


def check_photos(
    photos: Sequence[UploadedFile], errors: dict[str, list[str]]
) -> list[case_services.StoredImage]:
    """The photos checked as a case's are (``check_image``: really a picture of a sane size)
    and the copies to keep: bounded, re-encoded without metadata. Progress and completion
    photos are published on the public list, so neither the phone's GPS position nor the
    uploader's file name may go with them, and a file that only claims to be a picture must
    not be served from this site."""
    if len(photos) > MAX_PHOTOS:
        errors.setdefault("photos", []).append(f"最多上传 {MAX_PHOTOS} 张照片")
        return []
    images = []
    for photo in photos:
        try:
            images.append(case_services.check_image(case_services.Upload.of(photo)))
        except InvalidInput as exc:
            errors.setdefault("photos", []).extend(exc.errors.get("attachments", [str(exc)]))
    return images


def save_photos(images: Sequence[case_services.StoredImage], **links: Any) -> list[int]:
    ids = []
    for image in images:
        row = Photo(created_at=clock.now(), **links)
        extension = "png" if image.format == "PNG" else "jpg"
        row.image.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(image.data), save=True)
        ids.append(row.pk)
    return ids


def _lock(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


# --- lists ---------------------------------------------------------------------------------------


LIST_FIELDS = ("year", "kind", "level", "title", "township", "budget_required", "public")


def _check_list(
    *, year: int, kind: str, level: str, title: str, township: Unit | None
) -> tuple[str, dict[str, list[str]]]:
    """A list's fields checked (creating or correcting one): the cleaned title and the
    errors, empty when it can be saved."""
    errors: dict[str, list[str]] = {}
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = ["年度应为 2000 到 2100 之间的年份"]
    if kind not in ListKind.values:
        errors["kind"] = ["请选择清单类别"]
    if level not in ListLevel.values:
        errors["level"] = ["请选择清单层级"]
    title = clean_text(
        title, field="title", label="清单名称", errors=errors, required=True, limit=100
    )
    if level == ListLevel.TOWNSHIP and (township is None or township.kind != UnitKind.TOWNSHIP):
        errors["township"] = ["乡镇级清单须选择乡镇"]
    return title, errors


def list_values(lst: ProjectList) -> dict[str, Any]:
    """A list's fields as a change row keeps them (the township as its id)."""
    return {
        "year": lst.year,
        "kind": lst.kind,
        "level": lst.level,
        "title": lst.title,
        "township": lst.township_id,
        "budget_required": lst.budget_required,
        "public": lst.public,
    }


def list_create(
    *,
    actor: User,
    year: int,
    kind: str,
    level: str,
    title: str,
    township: Unit | None = None,
    budget_required: bool = False,
    public: bool = True,
) -> ProjectList:
    """A year's list of one kind and level (清单)."""
    _require_supervisor(actor)
    title, errors = _check_list(year=year, kind=kind, level=level, title=title, township=township)
    if errors:
        raise InvalidInput("清单信息有误", errors=errors)
    return ProjectList.objects.create(
        year=year,
        kind=kind,
        level=level,
        title=title,
        township=township if level == ListLevel.TOWNSHIP else None,
        budget_required=budget_required,
        public=public,
        created_at=clock.now(),
    )


def list_update(
    *,
    actor: User,
    project_list: ProjectList,
    year: int,
    kind: str,
    level: str,
    title: str,
    township: Unit | None = None,
    budget_required: bool = False,
    public: bool = True,
) -> ProjectList:
    """Correct a list's title, year, kind, level, budget rule or whether it is public; the
    same checks as creating one, a ``ListChange`` row with before and after, nothing written
    when nothing changed. Its projects keep their codes."""
    _require_supervisor(actor)
    title, errors = _check_list(year=year, kind=kind, level=level, title=title, township=township)
    if errors:
        raise InvalidInput("清单信息有误", errors=errors)
    with transaction.atomic():
        lst = ProjectList.objects.select_for_update().get(pk=project_list.pk)
        before = list_values(lst)
        lst.year, lst.kind, lst.level, lst.title = year, kind, level, title
        lst.township = township if level == ListLevel.TOWNSHIP else None
        lst.budget_required, lst.public = budget_required, public
        after = list_values(lst)
        if after == before:
            return lst
        # Counted under the list's lock, which ``project_create`` takes too: a project
        # without a budget cannot slip in between the count and the save.
        if budget_required and not before["budget_required"]:
            missing = lst.projects.filter(budget__isnull=True).count()
            if missing:
                message = f"本清单有 {missing} 个项目未填预算，请先补齐预算再设为须填预算"
                raise InvalidInput("清单信息有误", errors={"budget_required": [message]})
        lst.save(update_fields=list(LIST_FIELDS))
        ListChange.objects.create(
            project_list=lst, actor=actor, before=before, after=after, created_at=clock.now()
        )
    return lst


# --- projects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneInput:
    """A milestone to create: ``parent`` is the index of an earlier milestone in the list."""

    title: str
    planned_date: dt.date
    weight: int = 1
    parent: int | None = None


def _next_code(project_list: ProjectList) -> str:
    prefix = f"XM{project_list.year}-"
    last = Project.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    n = int(last.removeprefix(prefix)) + 1 if last and last.removeprefix(prefix).isdigit() else 1
    return f"{prefix}{n:04d}"


def _check_cadre(user: User | None, errors: dict[str, list[str]]) -> None:
    if user is not None and not selectors.is_lead_cadre(user):
        errors.setdefault("lead_cadre", []).append("领衔领导须为县级领导或乡镇主要负责人")


def _check_milestones(
    milestones: Sequence[MilestoneInput],
    *,
    end: dt.date | None,
    errors: dict[str, list[str]],
) -> None:
    for i, m in enumerate(milestones):
        label = f"节点{i + 1}"
        if not (m.title or "").strip():
            errors.setdefault("milestones", []).append(f"{label}：请填写名称")
        elif len(m.title) > 100:
            errors.setdefault("milestones", []).append(f"{label}：名称最多 100 字")
        if not isinstance(m.planned_date, dt.date):
            errors.setdefault("milestones", []).append(f"{label}：请填写计划日期")
        if not isinstance(m.weight, int) or not 1 <= m.weight <= 1000:
            errors.setdefault("milestones", []).append(f"{label}：权重应为 1 到 1000 的整数")
        if m.parent is not None and not 0 <= m.parent < i:
            errors.setdefault("milestones", []).append(f"{label}：上级节点须在它之前")


def _check_contact(contact: str, errors: dict[str, list[str]]) -> str:
    """A contact phone as jishi checks every phone; full-width digits typed on a phone are
    kept as ASCII (the export and a dialler read them), the dashes as written."""
    if contact and (problem := crypto.phone_problem(contact)):
        errors.setdefault("contact", []).append(problem)
    return fold(contact)


def _clean_details(
    errors: dict[str, list[str]],
    *,
    title: str,
    goal: str,
    number: str | None,
    person_responsible: str,
    contact: str,
    budget: object,
    funds_paid: object,
    start_date: dt.date | None,
    end_date: dt.date | None,
    township: Unit | None,
    village: Unit | None,
    source: str,
    remarks: str,
) -> dict[str, Any]:
    """A project's own fields checked as creating and correcting one take them: the cleaned
    values by field name (amounts as ``Decimal`` or None; ``number`` None when not given),
    each problem added to ``errors``."""
    contact = clean_text(contact, field="contact", label="联系电话", errors=errors, limit=32)
    details: dict[str, Any] = {
        "title": clean_text(
            title, field="title", label="项目名称", errors=errors, required=True, limit=TITLE_MAX
        ),
        "goal": clean_text(goal, field="goal", label="建设内容", errors=errors),
        "number": None
        if number is None
        else clean_text(number, field="number", label="序号", errors=errors, limit=16),
        "person_responsible": clean_text(
            person_responsible, field="person_responsible", label="责任人", errors=errors, limit=64
        ),
        "contact": _check_contact(contact, errors),
        "remarks": clean_text(remarks, field="remarks", label="备注", errors=errors, limit=200),
        "budget": _money(budget, field="budget", label="预算", errors=errors),
        "funds_paid": _money(funds_paid, field="funds_paid", label="已拨付", errors=errors),
        "start_date": start_date,
        "end_date": end_date,
        "township": township,
        "village": village,
        "source": source,
    }
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = ["完成时限不能早于开始日期"]
    if source and source not in Source.values:
        errors["source"] = ["来源无效"]
    if township is not None and township.kind != UnitKind.TOWNSHIP:
        errors["township"] = ["请选择乡镇"]
    if village is not None and (township is None or village.parent_id != township.pk):
        errors["village"] = ["村(社区)须属于所选乡镇"]
    return details


def _check_budget(
    project_list: ProjectList, budget: Decimal | None, errors: dict[str, list[str]]
) -> None:
    if project_list.budget_required and budget is None:
        errors.setdefault("budget", []).append("本清单要求填写预算")


def _lock_list_budget(project_list: ProjectList, budget: Decimal | None) -> None:
    """The list's budget rule read again under the list's lock (``list_update`` changes it
    under the same lock): a project without a budget never lands on a list that just
    started to require one."""
    errors: dict[str, list[str]] = {}
    _check_budget(ProjectList.objects.select_for_update().get(pk=project_list.pk), budget, errors)
    if errors:
        raise InvalidInput("项目信息有误", errors=errors)


def project_create(
    *,
    actor: User | None,
    project_list: ProjectList,
    title: str,
    lead_unit: Unit,
    lead_cadre: User | None = None,
    goal: str = "",
    number: str = "",
    cooperating_units: Sequence[Unit] = (),
    person_responsible: str = "",
    contact: str = "",
    budget: object = None,
    funds_paid: object = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    township: Unit | None = None,
    village: Unit | None = None,
    source: str = "",
    remarks: str = "",
    milestones: Sequence[MilestoneInput] = (),
    progress_now: Decimal | None = None,
    via: str = "form",
    source_case: Case | None = None,
) -> Project:
    """Put a project on a list, with its milestones: the first event of its chain.
    ``actor`` None is the system (an import run by a command). The supervision office puts
    projects on lists; a county lead may too when adopting a citizen's suggestion (a
    ``source_case``), as the county's practice of 办实事 has it."""
    if actor is not None and not (
        selectors.may_supervise(actor)
        or (source_case is not None and selectors.may_adopt_suggestion(actor))
    ):
        raise PermissionDenied("只有督查室可以进行此操作")
    errors: dict[str, list[str]] = {}
    details = _clean_details(
        errors,
        title=title,
        goal=goal,
        number=number,
        person_responsible=person_responsible,
        contact=contact,
        budget=budget,
        funds_paid=funds_paid,
        start_date=start_date,
        end_date=end_date,
        township=township,
        village=village,
        source=source,
        remarks=remarks,
    )
    title = details["title"]
    budget_value, paid_value = details["budget"], details["funds_paid"]
    if lead_unit is None or not lead_unit.active:
        errors["lead_unit"] = ["请选择牵头单位"]
    _check_cadre(lead_cadre, errors)
    _check_milestones(milestones, end=end_date, errors=errors)
    _check_budget(project_list, budget_value, errors)
    if errors:
        raise InvalidInput("项目信息有误", errors=errors)
    now = clock.now()
    with transaction.atomic():
        _lock_list_budget(project_list, budget_value)
        project = Project(
            code=_next_code(project_list),
            project_list=project_list,
            lead_cadre=lead_cadre,
            lead_unit=lead_unit,
            source_case=source_case,
            created_at=now,
            **{**details, "funds_paid": paid_value or Decimal(0)},
        )
        project.save()
        if cooperating_units:
            project.cooperating_units.set([u for u in cooperating_units if u.pk != lead_unit.pk])
        created: list[Milestone] = []
        for i, m in enumerate(milestones):
            parent = created[m.parent] if m.parent is not None else None
            created.append(
                Milestone.objects.create(
                    project=project,
                    parent=parent,
                    title=m.title.strip(),
                    planned_date=m.planned_date,
                    weight=m.weight,
                    sort_order=i,
                    progress=progress_now or Decimal(0),
                )
            )
        if progress_now is not None:
            project.progress = progress_now
        record(
            project,
            "created",
            actor,
            {
                "list": project_list.pk,
                "title": title,
                "lead_unit": lead_unit.pk,
                "lead_cadre": lead_cadre.pk if lead_cadre else None,
                "cooperating": sorted(u.pk for u in cooperating_units if u.pk != lead_unit.pk),
                "budget": str(budget_value) if budget_value is not None else None,
                "start": start_date.isoformat() if start_date else None,
                "end": end_date.isoformat() if end_date else None,
                "milestones": [
                    {
                        "id": c.pk,
                        "title": c.title,
                        "date": c.planned_date.isoformat(),
                        "weight": c.weight,
                        "parent": c.parent_id,
                    }
                    for c in created
                ],
                "progress": str(project.progress),
                "via": via,
                **({"source": source, "case": source_case.code} if source_case else {}),
            },
            to_state=Status.ACTIVE,
        )
        project.save(update_fields=["progress", "version", "last_hash", "status"])
    return project


def project_from_suggestion(
    *,
    actor: User,
    case: Case,
    lead_unit: Unit,
    year: int | None = None,
    title: str = "",
    goal: str = "",
    lead_cadre: User | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    milestones: Sequence[MilestoneInput] = (),
) -> Project:
    """采纳为办实事项目: a citizen's suggestion (a case of kind suggestion, e.g. gathered in a
    survey campaign) becomes a project on the year's practical-matters list, its source
    群众建议 and the case linked; the project's first event names the case. Once only."""
    if not selectors.may_adopt_suggestion(actor):
        raise PermissionDenied("只有督查室或县领导可以把建议采纳为办实事项目")
    year = year or today().year
    if case.kind != CaseKind.SUGGESTION:
        raise InvalidInput(
            "只有群众建议可以采纳为办实事项目",
            errors={"__all__": ["只有群众建议可以采纳为办实事项目"]},
        )
    late = [m.title for m in milestones if end_date and m.planned_date > end_date]
    if late:
        message = f"节点“{'、'.join(late)}”的计划日期晚于完成时限"
        raise InvalidInput(message, errors={"milestones": [message]})
    project_list = selectors.practical_list_for(year, case.township)
    if project_list is None:
        message = f"{year}年还没有办实事项目清单，请督查室先建立清单，再采纳建议"
        raise InvalidInput(message, errors={"__all__": [message]})
    with transaction.atomic():
        # The case's row is the lock that makes "once only" hold under two clicks at once.
        Case.objects.select_for_update().filter(pk=case.pk).first()
        existing = selectors.project_of_case(case)
        if existing is not None:
            raise InvalidTransition(f"该建议已采纳为办实事项目（{existing.code}），不能重复采纳")
        return project_create(
            actor=actor,
            project_list=project_list,
            # A project's title is public (the list's page): never a citizen's phone or ID.
            title=mask_personal_numbers(title or case.title),
            goal=goal,
            lead_unit=lead_unit,
            lead_cadre=lead_cadre,
            start_date=start_date,
            end_date=end_date,
            township=case.township,
            source=Source.SUGGESTION,
            milestones=milestones,
            via="suggestion",
            source_case=case,
        )


def project_lead_change(
    *,
    actor: User,
    project: Project,
    lead_cadre: User | None,
    lead_unit: Unit,
    reason: str = "",
) -> Project:
    """Change who leads a project (cadre and/or unit)."""
    _require_supervisor(actor)
    errors: dict[str, list[str]] = {}
    _check_cadre(lead_cadre, errors)
    if lead_unit is None or not lead_unit.active:
        errors["lead_unit"] = ["请选择牵头单位"]
    reason = clean_text(reason, field="reason", label="原因", errors=errors, limit=200)
    if errors:
        raise InvalidInput("信息有误", errors=errors)
    with transaction.atomic():
        project = _lock(project)
        if project.status == Status.CLOSED:
            raise InvalidTransition("项目已销号，不能再修改")
        new_cadre = lead_cadre.pk if lead_cadre else None
        if (project.lead_cadre_id, project.lead_unit_id) == (new_cadre, lead_unit.pk):
            return project
        payload = {
            "lead_cadre": [project.lead_cadre_id, new_cadre],
            "lead_unit": [project.lead_unit_id, lead_unit.pk],
            "reason": reason,
        }
        project.lead_cadre, project.lead_unit = lead_cadre, lead_unit
        record(project, "lead_changed", actor, payload)
        project.save(update_fields=["lead_cadre", "lead_unit", "version", "last_hash", "status"])
    return project


# What a project's details are, in the order the event lists them, with their labels.
DETAIL_LABELS = {
    "title": "项目名称",
    "goal": "建设内容及目标",
    "number": "序号",
    "cooperating_units": "配合单位",
    "person_responsible": "责任人",
    "contact": "联系电话",
    "budget": "预算",
    "funds_paid": "已拨付",
    "start_date": "开始日期",
    "end_date": "完成时限",
    "township": "所在乡镇",
    "village": "所在村(社区)",
    "source": "来源",
    "remarks": "备注",
}


def _detail_value(value: object) -> object:
    """A detail as the event keeps it: text, a date or amount as text, a unit as its pk."""
    if value is None:
        return None
    if isinstance(value, Unit):
        return value.pk
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


def project_details_change(
    *,
    actor: User,
    project: Project,
    title: str,
    goal: str = "",
    number: str | None = None,
    cooperating_units: Sequence[Unit] = (),
    person_responsible: str = "",
    contact: str = "",
    budget: object = None,
    funds_paid: object = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    township: Unit | None = None,
    village: Unit | None = None,
    source: str = "",
    remarks: str = "",
    reason: str = "",
) -> Project:
    """Correct or update a project's details (title, goal, money, dates, place, people,
    source, remarks): one event naming every field changed, old and new. The lead cadre and
    lead unit change through ``project_lead_change``, milestones through theirs."""
    _require_supervisor(actor)
    errors: dict[str, list[str]] = {}
    details = _clean_details(
        errors,
        title=title,
        goal=goal,
        number=number,
        person_responsible=person_responsible,
        contact=contact,
        budget=budget,
        funds_paid=funds_paid,
        start_date=start_date,
        end_date=end_date,
        township=township,
        village=village,
        source=source,
        remarks=remarks,
    )
    reason = clean_text(reason, field="reason", label="修改原因", errors=errors, limit=200)
    _check_budget(project.project_list, details["budget"], errors)
    if errors:
        raise InvalidInput("项目信息有误", errors=errors)
    with transaction.atomic():
        project = _lock(project)
        if project.status == Status.CLOSED:
            raise InvalidTransition("项目已销号，不能再修改")
        # On the locked row: a milestone added meanwhile (``milestone_add`` checks the end
        # date under the same lock) is seen, so none ends up after the end date.
        late_errors: dict[str, list[str]] = {}
        if end_date is not None:
            late = project.milestones.filter(planned_date__gt=end_date).order_by("planned_date")
            for m in late[:3]:
                late_errors.setdefault("end_date", []).append(
                    f"完成时限不能早于节点“{m.title}”的计划日期 {m.planned_date.isoformat()}"
                )
        if late_errors:
            raise InvalidInput("项目信息有误", errors=late_errors)
        _lock_list_budget(project.project_list, details["budget"])
        paid_value = details["funds_paid"]
        after: dict[str, object] = {
            **details,
            "number": project.number if details["number"] is None else details["number"],
            "funds_paid": paid_value if paid_value is not None else Decimal("0.00"),
        }
        changes: dict[str, list[object]] = {}
        for name, new in after.items():
            old = _detail_value(getattr(project, name))
            if old != _detail_value(new):
                changes[name] = [old, _detail_value(new)]
        cooperating = sorted({u.pk for u in cooperating_units if u.pk != project.lead_unit_id})
        before_units = sorted(project.cooperating_units.values_list("pk", flat=True))
        if cooperating != before_units:
            changes["cooperating_units"] = [before_units, cooperating]
        if not changes:
            return project
        for name, new in after.items():
            if name in changes:
                setattr(project, name, new)
        if "cooperating_units" in changes:
            project.cooperating_units.set(cooperating)
        record(
            project,
            "details_changed",
            actor,
            {
                "changes": {k: changes[k] for k in DETAIL_LABELS if k in changes},
                "labels": [label for k, label in DETAIL_LABELS.items() if k in changes],
                "reason": reason,
            },
        )
        project.save(
            update_fields=[
                *(k for k in after if k in changes),
                "version",
                "last_hash",
                "status",
            ]
        )
    return project


def milestone_move(
    *,
    actor: User,
    milestone: Milestone,
    planned_date: dt.date,
    weight: int | None = None,
    reason: str = "",
) -> Milestone:
    """Move a milestone's planned date (and/or change its weight): an event with before/after."""
    _require_supervisor(actor)
    errors: dict[str, list[str]] = {}
    if not isinstance(planned_date, dt.date):
        errors["planned_date"] = ["请填写计划日期"]
    if weight is not None and (not isinstance(weight, int) or not 1 <= weight <= 1000):
        errors["weight"] = ["权重应为 1 到 1000 的整数"]
    reason = clean_text(reason, field="reason", label="原因", errors=errors, limit=200)
    if errors:
        raise InvalidInput("节点信息有误", errors=errors)
    with transaction.atomic():
        project = _lock(milestone.project)
        if project.status == Status.CLOSED:
            raise InvalidTransition("项目已销号，不能再修改")
        m = Milestone.objects.select_for_update().get(pk=milestone.pk)
        new_weight = weight if weight is not None else m.weight
        if (m.planned_date, m.weight) == (planned_date, new_weight):
            return m
        payload = {
            "milestone": m.pk,
            "title": m.title,
            "date": [m.planned_date.isoformat(), planned_date.isoformat()],
            "weight": [m.weight, new_weight],
            "reason": reason,
        }
        m.planned_date, m.weight = planned_date, new_weight
        m.save(update_fields=["planned_date", "weight"])
        record(project, "milestone_moved", actor, payload)
        project.save(update_fields=["version", "last_hash", "status"])
    return m


def milestone_add(
    *,
    actor: User,
    project: Project,
    title: str,
    planned_date: dt.date,
    weight: int = 1,
    parent: Milestone | None = None,
) -> Milestone:
    """A milestone added after the project was listed (a tree when ``parent`` is given)."""
    _require_supervisor(actor)
    errors: dict[str, list[str]] = {}
    _check_milestones(
        [MilestoneInput(title, planned_date, weight)], end=project.end_date, errors=errors
    )
    if parent is not None and parent.project_id != project.pk:
        errors["parent"] = ["上级节点不属于本项目"]
    if errors:
        raise InvalidInput("节点信息有误", errors=errors)
    with transaction.atomic():
        project = _lock(project)
        if project.status == Status.CLOSED:
            raise InvalidTransition("项目已销号，不能再修改")
        # The end date as it is under the lock (``project_details_change`` moves it under
        # the same lock), so a milestone never lands after a just-shortened end date.
        _check_after_end(planned_date, project.end_date, errors)
        if errors:
            raise InvalidInput("节点信息有误", errors=errors)
        if parent is not None and _reported(parent) and not parent.children.exists():
            # A reported step that gains sub-steps would take its progress from them (0):
            # the figure the unit reported would vanish from the roll-up.
            message = f"节点“{parent.title}”已报送过进度，不能再在其下增加下级节点"
            raise InvalidInput(message, errors={"parent": [message]})
        m = Milestone.objects.create(
            project=project,
            parent=parent,
            title=title.strip(),
            planned_date=planned_date,
            weight=weight,
            sort_order=project.milestones.count(),
        )
        record(
            project,
            "milestone_added",
            actor,
            {
                "milestone": m.pk,
                "title": m.title,
                "date": planned_date.isoformat(),
                "weight": weight,
                "parent": parent.pk if parent else None,
            },
        )
        project.save(update_fields=["version", "last_hash", "status"])
    return m


def _check_after_end(
    planned_date: object, end: dt.date | None, errors: dict[str, list[str]]
) -> None:
    """No milestone after the project's end date (the rule check ``milestone_after_end``)."""
    if end is not None and isinstance(planned_date, dt.date) and planned_date > end:
        errors.setdefault("planned_date", []).append(
            f"计划日期不能晚于项目完成时限 {end.isoformat()}"
        )


def _reported(milestone: Milestone) -> bool:
    """Whether any progress was reported on the milestone (its figure, or any report)."""
    return milestone.progress > 0 or (
        ProgressReport.objects.filter(
            project_id=milestone.project_id, milestones__has_key=str(milestone.pk)
        ).exists()
    )


def _unreported_milestone(project: Project, milestone: Milestone) -> Milestone:
    """The milestone, locked, if it is the project's and nothing was reported on it."""
    if milestone.project_id != project.pk:
        raise InvalidInput("节点不属于本项目", errors={"milestone": ["请选择本项目的节点"]})
    m = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if _reported(m):
        message = f"节点“{m.title}”已报送过进度，不能再改名或删除（可调整计划日期和权重）"
        raise InvalidInput(message, errors={"milestone": [message]})
    return m


def milestone_rename(
    *, actor: User, project: Project, milestone: Milestone, title: str
) -> Milestone:
    """Rename a milestone nothing was reported on: an event with the old and new name."""
    _require_supervisor(actor)
    errors: dict[str, list[str]] = {}
    title = clean_text(
        title, field="title", label="节点名称", errors=errors, required=True, limit=100
    )
    if errors:
        raise InvalidInput("节点信息有误", errors=errors)
    with transaction.atomic():
        project = _lock(project)
        if project.status == Status.CLOSED:
            raise InvalidTransition("项目已销号，不能再修改")
        m = _unreported_milestone(project, milestone)
        if m.title == title:
            return m
        payload = {"milestone": m.pk, "title": [m.title, title]}
        m.title = title
        m.save(update_fields=["title"])
        record(project, "milestone_renamed", actor, payload)
        project.save(update_fields=["version", "last_hash", "status"])
    return m


def milestone_remove(
    *, actor: User, project: Project, milestone: Milestone, reason: str = ""
) -> None:
    """Remove a milestone nothing was reported on (a step set up by mistake): an event that
    keeps what it was. One with sub-milestones goes only after them."""
    _require_supervisor(actor)
    errors: dict[str, list[str]] = {}
    reason = clean_text(reason, field="reason", label="原因", errors=errors, limit=200)
    if errors:
        raise InvalidInput("节点信息有误", errors=errors)
    with transaction.atomic():
        project = _lock(project)
        if project.status == Status.CLOSED:
            raise InvalidTransition("项目已销号，不能再修改")
        m = _unreported_milestone(project, milestone)
        if m.children.exists():
            message = f"节点“{m.title}”下还有下级节点，请先删除下级节点"
            raise InvalidInput(message, errors={"milestone": [message]})
        payload = {
            "milestone": m.pk,
            "title": m.title,
            "date": m.planned_date.isoformat(),
            "weight": m.weight,
            "parent": m.parent_id,
            "reason": reason,
        }
        m.delete()
        record(project, "milestone_removed", actor, payload)
        project.save(update_fields=["version", "last_hash", "status"])


# --- reporting -----------------------------------------------------------------------------------


def report_submit(
    *,
    actor: User,
    project: Project,
    round: ProgressRound,
    milestones: Mapping[int, object],
    work_done: str,
    problems: str = "",
    help_needed: str = "",
    next_plan: str = "",
    funds_paid: object = None,
    photos: Sequence[UploadedFile] = (),
    overall: object = None,
) -> ProgressReport:
    """The lead unit's monthly report: progress per milestone (leaf milestones; a parent's
    comes from its children), rolled up weighted into the project's progress. A project
    without milestones reports ``overall`` itself; left out, its progress stays as it was
    (never wiped to the empty roll-up's 0)."""
    if not selectors.may_report(actor, project):
        raise PermissionDenied("只有牵头单位可以报送本项目进度")
    errors: dict[str, list[str]] = {}
    work_done = clean_text(
        work_done, field="work_done", label="本月完成工作", errors=errors, required=True
    )
    problems = clean_text(problems, field="problems", label="存在问题", errors=errors)
    help_needed = clean_text(help_needed, field="help_needed", label="需协调事项", errors=errors)
    next_plan = clean_text(next_plan, field="next_plan", label="下月计划", errors=errors)
    paid = _money(funds_paid, field="funds_paid", label="累计拨付", errors=errors)
    images = check_photos(photos, errors)
    ms = list(project.milestones.all())
    by_id = {m.pk: m for m in ms}
    parents = {m.parent_id for m in ms if m.parent_id}
    values: dict[int, Decimal] = {}
    for key, raw in milestones.items():
        try:
            mid = int(key)
        except (TypeError, ValueError):
            errors.setdefault("milestones", []).append("节点无效")
            continue
        if mid not in by_id or mid in parents:
            errors.setdefault("milestones", []).append("节点无效")
            continue
        values[mid] = _percent(raw, field=f"milestone_{mid}", label=by_id[mid].title, errors=errors)
    given: Decimal | None = None
    if overall not in (None, ""):
        if ms:
            errors.setdefault("overall", []).append("本项目已设置节点，总体进度按节点自动汇总")
        else:
            given = _percent(overall, field="overall", label="总体进度", errors=errors)
    if errors:
        raise InvalidInput("报送内容有误", errors=errors)
    now = clock.now()
    with transaction.atomic():
        project = _lock(project)
        if project.status != Status.ACTIVE:
            raise InvalidTransition("项目已完成或销号，无需报送")
        if ProgressReport.objects.filter(round=round, project=project).exists():
            raise Conflict("本月已报送过本项目进度")
        for m in ms:
            if m.pk in values and values[m.pk] != m.progress:
                m.progress = values[m.pk]
                if m.progress >= 100 and m.done_on is None:
                    m.done_on = timezone.localdate(now)
                m.save(update_fields=["progress", "done_on"])
        if ms:
            figure = progress.rollup(selectors.nodes_of(ms))
        else:
            figure = given if given is not None else project.progress
        late = timezone.localdate(now) > round.due_on
        report = ProgressReport.objects.create(
            round=round,
            project=project,
            reporter=actor,
            milestones={str(k): str(v) for k, v in values.items()},
            progress=figure,
            work_done=work_done,
            problems=problems,
            help_needed=help_needed,
            next_plan=next_plan,
            funds_paid=paid,
            submitted_at=now,
            late=late,
        )
        photo_ids = save_photos(images, project=project, report=report)
        before = project.progress
        project.progress = figure
        project.last_report_on = timezone.localdate(now)
        if paid is not None:
            project.funds_paid = paid
        record(
            project,
            "progress_reported",
            actor,
            {
                "round": round.month.isoformat(),
                "report": report.pk,
                "milestones": report.milestones,
                "progress": [str(before), str(figure)],
                "funds_paid": str(paid) if paid is not None else None,
                "late": late,
                "photos": photo_ids,
            },
        )
        project.save(
            update_fields=[
                "progress",
                "last_report_on",
                "funds_paid",
                "version",
                "last_hash",
                "status",
            ]
        )
    return report


def report_sign_off(*, actor: User, report: ProgressReport) -> ProgressReport:
    """The project's lead cadre signs off its report (领导审签)."""
    project = report.project
    if project.lead_cadre_id != actor.pk:
        raise PermissionDenied("只有本项目的领衔领导可以审签")
    with transaction.atomic():
        project = _lock(project)
        report = ProgressReport.objects.select_for_update().get(pk=report.pk)
        if report.signed_off_at is not None:
            return report
        report.signed_off_by, report.signed_off_at = actor, clock.now()
        report.save(update_fields=["signed_off_by", "signed_off_at"])
        record(
            project,
            "report_signed_off",
            actor,
            {"report": report.pk, "round": report.round.month.isoformat()},
        )
        project.save(update_fields=["version", "last_hash", "status"])
    return report


# --- completion and closing ------------------------------------------------------------------


def project_complete(
    *, actor: User, project: Project, evidence: str, photos: Sequence[UploadedFile] = ()
) -> Project:
    """The lead unit's head confirms completion, with evidence (text and photos)."""
    if not selectors.may_confirm_completion(actor, project):
        raise PermissionDenied("只有牵头单位负责人可以确认完成")
    errors: dict[str, list[str]] = {}
    evidence = clean_text(
        evidence, field="evidence", label="完成佐证", errors=errors, required=True
    )
    images = check_photos(photos, errors)
    if not photos:
        errors.setdefault("photos", []).append("请上传至少一张完成照片")
    if errors:
        raise InvalidInput("完成佐证不全", errors=errors)
    with transaction.atomic():
        project = _lock(project)
        if project.status != Status.ACTIVE:
            raise InvalidTransition("只有推进中的项目可以确认完成")
        # Done means every step reported done: a project shown complete beside unfinished
        # milestones is the figure nobody can check.
        open_steps = selectors.open_milestones(list(project.milestones.all()))
        if open_steps:
            listed = "、".join(f"{m.title}（{m.progress.normalize():f}%）" for m in open_steps)
            raise InvalidTransition(f"尚有节点未完成：{listed}。请先在月度调度中报送完成进度")
        photo_ids = save_photos(images, project=project)
        project.completion_evidence = evidence
        project.completed_at = clock.now()
        project.progress = Decimal(100)
        record(
            project,
            "completed",
            actor,
            {"evidence": evidence, "photos": photo_ids},
            to_state=Status.COMPLETED,
        )
        project.save(
            update_fields=[
                "completion_evidence",
                "completed_at",
                "progress",
                "version",
                "last_hash",
                "status",
            ]
        )
    return project


def project_close(*, actor: User, project: Project, note: str = "") -> Project:
    """The supervision office strikes a completed project off the list (销号)."""
    _require_supervisor(actor)
    errors: dict[str, list[str]] = {}
    note = clean_text(note, field="note", label="说明", errors=errors, limit=200)
    if errors:
        raise InvalidInput("信息有误", errors=errors)
    with transaction.atomic():
        project = _lock(project)
        if project.status != Status.COMPLETED:
            raise InvalidTransition("项目须先由牵头单位确认完成，才能销号")
        project.closed_at = clock.now()
        record(project, "closed", actor, {"note": note}, to_state=Status.CLOSED)
        project.save(update_fields=["closed_at", "version", "last_hash", "status"])
    return project


def light_set(
    *,
    project: Project,
    light: str,
    reason: str,
    round: ProgressRound | None = None,
    actor: User | None = None,
) -> bool:
    """Record a project's light when it changes (an event with its reason). The caller
    holds the lock (a round's assessment) or this takes it. True when it changed."""
    with transaction.atomic():
        project = _lock(project)
        if project.light == light and project.light_reason == reason:
            return False
        payload = {
            "light": [project.light, light],
            "reason": reason,
            "round": round.month.isoformat() if round else None,
        }
        project.light, project.light_reason = light, reason[:200]
        record(project, "light_changed", actor, payload)
        project.save(update_fields=["light", "light_reason", "version", "last_hash", "status"])
    return True


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def planned_enter(*, actor: User, project: Project, values: Mapping[str, object]) -> Project:
    """Enter planned progress (序时进度) by month where the county fixes it by hand; a month
    given an empty value goes back to the figure derived from the milestones."""
    _require_supervisor(actor)
    errors: dict[str, list[str]] = {}
    entered: dict[str, str] = {}
    for key, raw in values.items():
        match = _MONTH.match(str(key).strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            errors.setdefault("planned", []).append(f"月份“{key}”应写成 2026-05")
            continue
        if raw in (None, ""):
            entered[match.group(0)] = ""
            continue
        entered[match.group(0)] = str(
            _percent(raw, field="planned", label=f"{key} 序时进度", errors=errors)
        )
    if errors:
        raise InvalidInput("序时进度有误", errors=errors)
    with transaction.atomic():
        project = _lock(project)
        before = dict(project.planned_by_month)
        after = {**before, **entered}
        after = {k: v for k, v in after.items() if v != ""}
        if after == before:
            return project
        project.planned_by_month = after
        record(project, "planned_entered", actor, {"before": before, "after": after})
        project.save(update_fields=["planned_by_month", "version", "last_hash", "status"])
    return project
