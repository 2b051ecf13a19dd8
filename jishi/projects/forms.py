"""Forms of the project pages: they parse and show errors (in Chinese); the services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from jishi.cases.models import Case
from jishi.common import clock
from jishi.common.text import fold
from jishi.orgs.forms import PeopleField, UnitField
from jishi.orgs.models import Post, Unit, UnitKind, User
from jishi.orgs.selectors import area_of, people_in
from jishi.projects import imports
from jishi.projects.models import (
    Finding,
    ListKind,
    ListLevel,
    Measure,
    Milestone,
    OrderLevel,
    Project,
    Severity,
    Source,
    VisitMode,
)
from jishi.projects.selectors import lead_cadres

TEXT = {"max_length": _("最多 %(limit_value)d 字，现有 %(show_value)d 字")}
REQUIRED = {"required": _("请填写此项")}


def _units() -> Any:
    return Unit.objects.filter(active=True).order_by("path")


CODE_SPLIT = re.compile(r"[\s,，、;；]+")
CODES_MAX = 50


def _codes(text: str) -> list[str]:
    """Codes typed one after another (spaces, commas or 、 between), folded and upper-cased
    (a code typed in full-width or lower case is still found), each once."""
    return list(dict.fromkeys(fold(c).upper() for c in CODE_SPLIT.split(text or "") if c))


class ProjectCodesField(forms.CharField):
    """Projects named by their numbers (编号, e.g. XM2026-0001): a province has 60,000
    projects, too many for a select. Every number must name a project; the ones that do
    not are listed. Cleans to a list of projects, or with ``single`` to one (or None)."""

    def __init__(self, *, single: bool = False, **kwargs: Any) -> None:
        self.single = single
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 64 if single else 2000)
        kwargs.setdefault("error_messages", TEXT)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        codes = _codes(super().clean(value))
        if self.single and len(codes) > 1:
            raise forms.ValidationError(_("只能填写一个项目编号"), code="many")
        if len(codes) > CODES_MAX:
            raise forms.ValidationError(
                _("一次最多填写 %(n)d 个项目编号") % {"n": CODES_MAX}, code="many"
            )
        found = {p.code.upper(): p for p in Project.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(
                _("找不到项目编号：%(codes)s") % {"codes": "、".join(missing)}, code="missing"
            )
        projects = [found[c] for c in codes]
        if self.single:
            return projects[0] if projects else None
        return projects


class CaseCodeField(forms.CharField):
    """A case named by its tracking code (受理编号); cleans to the case or None."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("error_messages", TEXT)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Case | None:
        codes = _codes(super().clean(value))
        if not codes:
            return None
        if len(codes) > 1:
            raise forms.ValidationError(_("只能填写一个受理编号"), code="many")
        case = Case.objects.filter(code=codes[0]).first()
        if case is None:
            raise forms.ValidationError(
                _("找不到受理编号：%(code)s") % {"code": codes[0]}, code="missing"
            )
        return case


class FindingCodeField(CaseCodeField):
    """A finding named by the tracking code of the case it became (a finding has no number
    of its own; its case's is on the visit page); cleans to the finding or None."""

    def clean(self, value: Any) -> Finding | None:  # type: ignore[override]
        case = super().clean(value)
        if case is None:
            return None
        finding = Finding.objects.filter(case=case).first()
        if finding is None:
            raise forms.ValidationError(
                _("受理编号 %(code)s 不是督查发现的问题") % {"code": case.code}, code="not_finding"
            )
        return finding


class ListForm(forms.Form):
    year = forms.IntegerField(
        label=_("年度"),
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": _("请填写年度"),
            "invalid": _("年度应为四位数字"),
            "min_value": _("年度应在 2000 到 2100 之间"),
            "max_value": _("年度应在 2000 到 2100 之间"),
        },
    )
    kind = forms.ChoiceField(
        label=_("类别"),
        choices=ListKind.choices,
        error_messages={"invalid_choice": _("请选择类别")},
    )
    level = forms.ChoiceField(
        label=_("层级"),
        choices=ListLevel.choices,
        error_messages={"invalid_choice": _("请选择层级")},
    )
    title = forms.CharField(
        label=_("清单名称"), max_length=100, error_messages={**TEXT, **REQUIRED}
    )
    township = forms.ModelChoiceField(
        label=_("乡镇（乡镇级清单）"),
        queryset=Unit.objects.filter(active=True, kind=UnitKind.TOWNSHIP),
        required=False,
        error_messages={"invalid_choice": _("请选择乡镇")},
    )
    budget_required = forms.BooleanField(label=_("项目须填预算"), required=False)
    public = forms.BooleanField(
        label=_("在门户网站公开"),
        required=False,
        initial=True,
        help_text=_("不勾选则清单只在后台可见"),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("项目清单（.xlsx 或 .csv）"),
        error_messages={"required": _("请选择文件"), "empty": _("文件是空的")},
    )


class ProjectForm(forms.Form):
    title = forms.CharField(
        label=_("项目名称"), max_length=200, error_messages={**TEXT, **REQUIRED}
    )
    goal = forms.CharField(
        label=_("建设内容及目标"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=TEXT,
    )
    lead_cadre = forms.ModelChoiceField(
        label=_("领衔领导"),
        queryset=User.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("请选择县级领导或乡镇主要负责人")},
    )
    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位"),
        queryset=Unit.objects.none(),
        error_messages={"required": _("请选择牵头单位"), "invalid_choice": _("请选择牵头单位")},
    )
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("配合单位"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _("请选择配合单位"),
            "invalid_pk_value": _("请选择配合单位"),
        },
    )
    person_responsible = forms.CharField(
        label=_("责任人"), required=False, max_length=64, error_messages=TEXT
    )
    contact = forms.CharField(
        label=_("联系电话"),
        required=False,
        max_length=32,
        help_text=_("手机号 11 位，或带区号的固定电话"),
        error_messages=TEXT,
    )
    budget = forms.CharField(
        label=_("预算（万元）"), required=False, max_length=20, error_messages=TEXT
    )
    funds_paid = forms.CharField(
        label=_("已拨付（万元）"), required=False, max_length=20, error_messages=TEXT
    )
    start_date = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("日期格式应为 2026-03-31")},
    )
    end_date = forms.DateField(
        label=_("完成时限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("日期格式应为 2026-12-31")},
    )
    township = forms.ModelChoiceField(
        label=_("所在乡镇"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("请选择乡镇")},
    )
    # Every village validates here; whether it lies in the chosen township is the service's
    # call (``services._clean_details``), with its own message.
    village = UnitField(
        label=_("所在村(社区)"),
        kinds=[UnitKind.VILLAGE],
        required=False,
        error_messages={"invalid_choice": _("请选择村(社区)")},
    )
    source = forms.ChoiceField(
        label=_("来源"),
        choices=[("", "—"), *Source.choices],
        required=False,
        error_messages={"invalid_choice": _("请选择来源")},
    )
    remarks = forms.CharField(label=_("备注"), required=False, max_length=200, error_messages=TEXT)
    milestones = forms.CharField(
        label=_("节点"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "每行一个：名称:计划日期:权重，例如 开工:2026-06-30:30；"
            "下级节点写成 上级>名称:日期:权重，例如 开工>桩基:2026-05-31:10"
        ),
        error_messages=TEXT,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_cadre"].queryset = lead_cadres()  # type: ignore[attr-defined]
        self.fields["lead_unit"].queryset = _units()  # type: ignore[attr-defined]
        self.fields["cooperating_units"].queryset = _units()  # type: ignore[attr-defined]
        self.fields["township"].queryset = _units().filter(kind=UnitKind.TOWNSHIP)  # type: ignore[attr-defined]


class ProjectEditForm(ProjectForm):
    """A project's details, corrected or updated (its leaders and milestones have their own
    forms on the project page)."""

    number = forms.CharField(label=_("序号"), required=False, max_length=16, error_messages=TEXT)
    reason = forms.CharField(
        label=_("修改原因"), required=False, max_length=200, error_messages=TEXT
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lead_cadre", "lead_unit", "milestones"):
            del self.fields[name]
        self.order_fields(["number", "title"])

    @classmethod
    def initial_of(cls, project: Project) -> dict[str, Any]:
        return {
            "number": project.number,
            "title": project.title,
            "goal": project.goal,
            "cooperating_units": list(project.cooperating_units.all()),
            "person_responsible": project.person_responsible,
            "contact": project.contact,
            "budget": project.budget if project.budget is not None else "",
            "funds_paid": project.funds_paid,
            "start_date": project.start_date,
            "end_date": project.end_date,
            "township": project.township_id,
            "village": project.village_id,
            "source": project.source,
            "remarks": project.remarks,
        }


class ReportForm(forms.Form):
    """Progress per leaf milestone (one field each, added for the project), and the words."""

    work_done = forms.CharField(
        label=_("本月完成工作"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={**TEXT, "required": _("请填写本月完成工作")},
    )
    problems = forms.CharField(
        label=_("存在问题"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=TEXT,
    )
    help_needed = forms.CharField(
        label=_("需协调事项"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=TEXT,
    )
    next_plan = forms.CharField(
        label=_("下月计划"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=TEXT,
    )
    funds_paid = forms.DecimalField(
        label=_("累计拨付（万元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        error_messages={
            "invalid": _("请填写金额（万元）"),
            "min_value": _("金额不能为负"),
            "max_digits": _("金额过大"),
            "max_decimal_places": _("最多两位小数"),
            "max_whole_digits": _("金额过大"),
        },
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ms = list(project.milestones.all())
        parents = {m.parent_id for m in ms if m.parent_id}
        self.milestone_fields = []
        for m in ms:
            if m.pk in parents:
                continue
            name = f"milestone_{m.pk}"
            self.fields[name] = forms.DecimalField(
                label=f"{m.title}（{m.planned_date:%Y-%m-%d}，权重 {m.weight}）",
                min_value=0,
                max_value=100,
                decimal_places=1,
                initial=m.progress,
                error_messages={
                    "required": _("请填写进度"),
                    "invalid": _("进度应为 0 到 100 之间的数"),
                    "min_value": _("进度应为 0 到 100 之间的数"),
                    "max_value": _("进度应为 0 到 100 之间的数"),
                    "max_decimal_places": _("最多一位小数"),
                },
            )
            self.milestone_fields.append(name)
        if not ms:
            # No milestones to roll up: the unit gives the overall figure itself, so a
            # project listed without milestones still reports real progress.
            self.fields["overall"] = forms.DecimalField(
                label=_("总体进度（%）"),
                min_value=0,
                max_value=100,
                decimal_places=1,
                initial=project.progress,
                help_text=_("本项目未设置节点，请直接填写总体完成进度（0–100）。"),
                error_messages={
                    "required": _("请填写总体进度"),
                    "invalid": _("进度应为 0 到 100 之间的数"),
                    "min_value": _("进度应为 0 到 100 之间的数"),
                    "max_value": _("进度应为 0 到 100 之间的数"),
                    "max_decimal_places": _("最多一位小数"),
                },
            )
            self.order_fields(["overall"])

    def overall_value(self) -> object:
        """The overall progress typed where the project has no milestones (else None)."""
        return self.cleaned_data.get("overall")

    def milestone_values(self) -> dict[int, object]:
        return {
            int(n.removeprefix("milestone_")): self.cleaned_data[n] for n in self.milestone_fields
        }


class CompleteForm(forms.Form):
    evidence = forms.CharField(
        label=_("完成佐证"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={**TEXT, "required": _("请填写完成佐证")},
    )


class OrderForm(forms.Form):
    level = forms.ChoiceField(
        label=_("级别"),
        choices=OrderLevel.choices,
        error_messages={"invalid_choice": _("请选择级别")},
    )
    text = forms.CharField(
        label=_("督办内容（不填则按级别生成）"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=TEXT,
    )


class ResponseForm(forms.Form):
    response = forms.CharField(
        label=_("反馈"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={**TEXT, "required": _("请填写反馈")},
    )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("议定事项"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={**TEXT, "required": _("请填写议定事项")},
    )
    owner_unit = forms.ModelChoiceField(
        label=_("责任单位"),
        queryset=Unit.objects.none(),
        error_messages={"required": _("请选择责任单位"), "invalid_choice": _("请选择责任单位")},
    )
    due_on = forms.DateField(
        label=_("完成时限"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请填写完成时限"), "invalid": _("日期格式应为 2026-06-30")},
    )
    project = ProjectCodesField(
        label=_("相关项目编号（可不填）"),
        single=True,
        help_text=_("如 XM2026-0001；填写后议定事项记入该项目的记录"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = _units()  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    """销号 by the supervision office, with an optional note."""

    note = forms.CharField(
        label=_("说明（选填）"), required=False, max_length=200, error_messages=TEXT
    )


class PlannedForm(forms.Form):
    """序时进度 entered by month, one "2026-05:40" a line (the service checks each line)."""

    planned = forms.CharField(
        label=_("每行一个月：2026-05:40（不填数字则恢复按节点推算）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=TEXT,
    )

    def values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for line in str(self.cleaned_data["planned"]).splitlines():
            if line.strip():
                month, _sep, value = line.replace("：", ":").partition(":")
                values[month.strip()] = value.strip()
        return values


class MeetingForm(forms.Form):
    """The dispatch meeting's held date and notes (会议纪要)."""

    held_on = forms.DateField(
        label=_("会议日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写会议日期"), "invalid": _("日期格式应为 2026-06-30")},
    )
    notes = forms.CharField(
        label=_("会议纪要"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=TEXT,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "meeting")
        super().__init__(*args, **kwargs)


def _lazy_str(make: Any) -> Any:
    return lazy(make, str)()


def _setting(label: Any, low: int, high: int, help_text: Any = "") -> forms.IntegerField:
    # Formatted when shown, in the reader's language (not once, at import).
    message = _lazy_str(
        lambda: _("请填写 %(low)d 到 %(high)d 之间的整数") % {"low": low, "high": high}
    )
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


class PolicyForm(forms.Form):
    """调度设置: the round's due day and reminder, the lights' thresholds, the order deadline
    (``policy.check_policy`` decides what fits together)."""

    due_day = _setting(_("每月报送截止日"), 1, 28, _("1 到 28 日，每个月都有"))
    remind_days_before = _setting(_("提前几天提醒"), 0, 27)
    yellow_behind = _setting(_("落后多少个百分点亮黄灯"), 1, 100)
    red_behind = _setting(_("落后超过多少个百分点亮红灯"), 1, 100, _("须大于亮黄灯的百分点"))
    not_started_months = _setting(_("开始后几个月未动工亮红灯"), 1, 24)
    order_workdays = _setting(_("督办单办理时限（工作日）"), 1, 60)


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请填写日期"), "invalid": _("日期格式应为 2026-06-30")},
    )
    mode = forms.ChoiceField(
        label=_("方式"),
        choices=VisitMode.choices,
        error_messages={"invalid_choice": _("请选择方式")},
    )
    units = forms.ModelMultipleChoiceField(
        label=_("检查单位"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("请选择单位"), "invalid_pk_value": _("请选择单位")},
    )
    projects = ProjectCodesField(
        label=_("检查项目（项目编号）"),
        help_text=_("可填多个，用空格、逗号或顿号分开，如 XM2026-0001、XM2026-0002"),
    )
    notes = forms.CharField(
        label=_("情况"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=TEXT,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = _units()  # type: ignore[attr-defined]
        self.fields["units"].widget.attrs["size"] = 8


class FindingForm(forms.Form):
    text = forms.CharField(
        label=_("发现问题"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={**TEXT, "required": _("请填写发现的问题")},
    )
    severity = forms.ChoiceField(
        label=_("严重程度"),
        choices=Severity.choices,
        error_messages={"invalid_choice": _("请选择严重程度")},
    )
    unit = forms.ModelChoiceField(
        label=_("责任单位"),
        queryset=Unit.objects.none(),
        error_messages={"required": _("请选择责任单位"), "invalid_choice": _("请选择责任单位")},
    )
    project = ProjectCodesField(
        label=_("相关项目编号（可不填）"),
        single=True,
        help_text=_("如 XM2026-0001；填写后问题记入该项目的记录"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()  # type: ignore[attr-defined]


class AccountabilityForm(forms.Form):
    """追责问责: against a unit, a person in it (a system user, or a name typed when the
    person is not one), stemming from a case, a finding or a project, each named by its
    number (never a select of every case or project)."""

    unit = forms.ModelChoiceField(
        label=_("问责单位"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("请选择单位")},
    )
    person = PeopleField(
        label=_("问责对象（系统内人员）"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("列出所选问责单位所在乡镇或部门的在岗人员；须在所选单位有岗位"),
        error_messages={"invalid_choice": _("请选择在岗人员")},
    )
    person_name = forms.CharField(
        label=_("问责对象姓名（不是系统用户时填写）"),
        required=False,
        max_length=64,
        error_messages=TEXT,
    )
    measure = forms.ChoiceField(
        label=_("问责方式"),
        choices=Measure.choices,
        error_messages={"invalid_choice": _("请选择问责方式")},
    )
    decided_on = forms.DateField(
        label=_("决定日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请填写决定日期"), "invalid": _("日期格式应为 2026-06-30")},
    )
    deciding_body = forms.CharField(
        label=_("决定机关"),
        max_length=100,
        error_messages={**TEXT, "required": _("请填写决定机关")},
    )
    reason = forms.CharField(
        label=_("事由"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={**TEXT, "required": _("请填写事由")},
    )
    case = CaseCodeField(label=_("来源事项（受理编号）"))
    finding = FindingCodeField(
        label=_("来源督查问题（其交办事项的受理编号）"),
        help_text=_("走访页面上每个问题后的受理编号"),
    )
    project = ProjectCodesField(label=_("来源项目（项目编号）"), single=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = _units()
        # Choosing the unit fetches this page's person field again with that unit's people.
        unit_field.widget.attrs.update(
            {
                "hx-get": reverse("projects:accountability"),
                "hx-trigger": "change",
                "hx-include": "this",
                "hx-select": "#id_person",
                "hx-target": "#id_person",
                "hx-swap": "outerHTML",
            }
        )
        person = self.fields["person"]
        assert isinstance(person, PeopleField)
        # Any active person is accepted (the service names the one whose post is not in the
        # unit), but only the people of the chosen unit's township or department are
        # offered: never a select of everyone in the county, and none before a unit is
        # chosen.
        person.queryset = User.objects.filter(
            is_active=True, pk__in=Post.objects.filter(active=True).values("user_id")
        )
        unit = self._chosen_unit()
        person.offer(people_in([area_of(unit)]) if unit is not None else User.objects.none())

    def _chosen_unit(self) -> Unit | None:
        raw = self.data.get(self.add_prefix("unit")) if self.is_bound else self.initial.get("unit")
        try:
            pk = int(str(raw or ""))
        except ValueError:
            return None
        return Unit.objects.filter(pk=pk, active=True).first()


DATE_INVALID = {"invalid": _("日期格式应为 2026-06-30")}


class AdoptForm(forms.Form):
    """采纳为办实事项目: the project a suggestion becomes (the list is the year's 办实事 list)."""

    title = forms.CharField(
        label=_("项目名称"), max_length=200, error_messages={**TEXT, **REQUIRED}
    )
    goal = forms.CharField(
        label=_("建设内容及目标"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=TEXT,
    )
    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位"),
        queryset=Unit.objects.none(),
        error_messages={"required": _("请选择牵头单位"), "invalid_choice": _("请选择牵头单位")},
    )
    lead_cadre = forms.ModelChoiceField(
        label=_("领衔领导"),
        queryset=User.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("请选择县级领导或乡镇主要负责人")},
    )
    start_date = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=DATE_INVALID,
    )
    end_date = forms.DateField(
        label=_("完成时限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=DATE_INVALID,
    )

    milestones = forms.CharField(
        label=_("节点"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "每行一个：名称:计划日期:权重，例如 开工:2026-06-30:30；"
            "下级节点写成 上级>名称:日期:权重。"
            "可暂不填写，之后由督查室在项目页面增加；未设置节点时，牵头单位按总体进度报送。"
        ),
        error_messages=TEXT,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_cadre"].queryset = lead_cadres()  # type: ignore[attr-defined]
        self.fields["lead_unit"].queryset = _units()  # type: ignore[attr-defined]

    def clean_milestones(self) -> list[Any]:
        """The typed lines as milestones (the same format as the project form and the sheet)."""
        errors: list[imports.RowError] = []
        parsed = imports.parse_milestones(
            self.cleaned_data.get("milestones", ""),
            year=clock.today().year,
            number=0,
            errors=errors,
        )
        if errors:
            raise forms.ValidationError([e.message for e in errors])
        return parsed


class LeadForm(forms.Form):
    """Change who leads a project (领衔领导、牵头单位)."""

    lead_cadre = forms.ModelChoiceField(
        label=_("领衔领导"),
        queryset=User.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("请选择县级领导或乡镇主要负责人")},
    )
    lead_unit = forms.ModelChoiceField(
        label=_("牵头单位"),
        queryset=Unit.objects.none(),
        error_messages={"required": _("请选择牵头单位"), "invalid_choice": _("请选择牵头单位")},
    )
    reason = forms.CharField(
        label=_("调整原因"), required=False, max_length=200, error_messages=TEXT
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "lead")
        super().__init__(*args, **kwargs)
        self.fields["lead_cadre"].queryset = lead_cadres()  # type: ignore[attr-defined]
        self.fields["lead_unit"].queryset = _units()  # type: ignore[attr-defined]


WEIGHT_ERRORS = {
    "required": _("请填写权重"),
    "invalid": _("权重应为 1 到 1000 的整数"),
    "min_value": _("权重应为 1 到 1000 的整数"),
    "max_value": _("权重应为 1 到 1000 的整数"),
}


def _milestone_label(m: Milestone) -> str:
    return f"{m.title}（{m.planned_date:%Y-%m-%d}）"


def _milestone_choice(**kwargs: Any) -> forms.ModelChoiceField[Milestone]:
    """A choice among one project's milestones; the form's ``__init__`` gives the project."""
    return forms.ModelChoiceField(
        queryset=Milestone.objects.none(),
        error_messages={"required": _("请选择节点"), "invalid_choice": _("请选择本项目的节点")},
        **kwargs,
    )


class _ProjectMilestonesForm(forms.Form):
    """A project-page form choosing among the project's milestones (in ``milestone_fields``),
    under its own ``prefix`` so the page's several milestone forms do not share field names."""

    prefix_name = ""
    milestone_fields: tuple[str, ...] = ("milestone",)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)
        for name in self.milestone_fields:
            field = self.fields[name]
            field.queryset = project.milestones.all()  # type: ignore[attr-defined]
            field.label_from_instance = _milestone_label  # type: ignore[attr-defined]


class MilestoneMoveForm(_ProjectMilestonesForm):
    """Move one of the project's milestones (计划完成日期, and its weight if given)."""

    prefix_name = "move"
    milestone = _milestone_choice(label=_("节点"))
    planned_date = forms.DateField(
        label=_("新的计划完成日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写计划完成日期"), **DATE_INVALID},
    )
    weight = forms.IntegerField(
        label=_("权重（不填则不变）"),
        required=False,
        min_value=1,
        max_value=1000,
        error_messages=WEIGHT_ERRORS,
    )
    reason = forms.CharField(
        label=_("调整原因"), required=False, max_length=200, error_messages=TEXT
    )


class MilestoneAddForm(_ProjectMilestonesForm):
    """A milestone added on the project page (名称、计划完成日期、权重, under a parent if any)."""

    prefix_name = "addm"
    milestone_fields = ("parent",)
    title = forms.CharField(
        label=_("节点名称"), max_length=100, error_messages={**TEXT, **REQUIRED}
    )
    planned_date = forms.DateField(
        label=_("计划完成日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写计划完成日期"), **DATE_INVALID},
    )
    weight = forms.IntegerField(
        label=_("权重"), initial=1, min_value=1, max_value=1000, error_messages=WEIGHT_ERRORS
    )
    parent = _milestone_choice(label=_("上级节点（不选则为一级节点）"), required=False)


class MilestoneRenameForm(_ProjectMilestonesForm):
    """Rename a milestone nothing has been reported on yet."""

    prefix_name = "renm"
    milestone = _milestone_choice(label=_("节点"))
    title = forms.CharField(label=_("新名称"), max_length=100, error_messages={**TEXT, **REQUIRED})


class MilestoneRemoveForm(_ProjectMilestonesForm):
    """Remove a milestone nothing has been reported on yet (set up by mistake)."""

    prefix_name = "delm"
    milestone = _milestone_choice(label=_("节点"))
    reason = forms.CharField(
        label=_("删除原因"), required=False, max_length=200, error_messages=TEXT
    )


class GroupForm(forms.Form):
    """An inspection group: name, members, period, area (巡回指导组)."""

    name = forms.CharField(label=_("名称"), max_length=100, error_messages={**TEXT, **REQUIRED})
    members = forms.ModelMultipleChoiceField(
        label=_("成员"),
        queryset=User.objects.none(),
        error_messages={
            "required": _("请选择成员"),
            "invalid_choice": _("请选择成员"),
            "invalid_pk_value": _("请选择成员"),
        },
    )
    starts_on = forms.DateField(
        label=_("开始日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写开始日期"), **DATE_INVALID},
    )
    ends_on = forms.DateField(
        label=_("结束日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写结束日期"), **DATE_INVALID},
    )
    area = forms.ModelMultipleChoiceField(
        label=_("负责区域"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("请选择区域"), "invalid_pk_value": _("请选择区域")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(is_active=True, posts__active=True).distinct()
        self.fields["members"].queryset = staff.order_by("full_name", "username")  # type: ignore[attr-defined]
        areas = _units().filter(kind__in=[UnitKind.TOWNSHIP, UnitKind.DEPARTMENT])
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
