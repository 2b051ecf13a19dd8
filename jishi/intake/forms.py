"""Forms of the intake tools: they parse and show errors; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jishi.cases.models import CaseKind
from jishi.common.fields import LocalDateField
from jishi.intake import services
from jishi.intake.models import Period
from jishi.orgs.models import Role, Unit, UnitKind, User

# The model's labels are translatable: one set of words for a kind everywhere.
KIND_CHOICES = CaseKind.choices


class NormalizedCharField(forms.CharField):
    """Text kept as written (only NULs and surrounding blanks dropped), with length errors
    in the county's words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages["max_length"] = _("最多 %(limit_value)d 字，现有 %(show_value)d 字")
        for validator in self.validators:
            if getattr(validator, "code", "") == "max_length":
                validator.message = self.error_messages["max_length"]  # type: ignore[attr-defined]

    def to_python(self, value: Any) -> str:
        return services.clean_text(super().to_python(value) or "")


class VisitForm(forms.Form):
    household = NormalizedCharField(
        label=_("走访户"),
        max_length=services.HOUSEHOLD_MAX,
        help_text=_("住址或户主姓名，如：东街 12 号 王大爷"),
        error_messages={"required": _("请填写走访户（住址或户主姓名）")},
    )
    visited_on = LocalDateField(
        label=_("走访日期"), error_messages={"required": _("请填写走访日期")}
    )

    def clean_visited_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["visited_on"]
        if value > services.today():
            raise forms.ValidationError(_("走访日期不能晚于今天"))
        return value


class VisitItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=KIND_CHOICES)
    text = NormalizedCharField(
        label=_("群众反映的问题"),
        max_length=services.ITEM_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写群众反映的内容")},
    )
    resolved = forms.BooleanField(label=_("当场解决"), required=False)
    resolution = NormalizedCharField(
        label=_("解决情况"),
        required=False,
        max_length=services.RESOLUTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    contact_name = NormalizedCharField(
        label=_("联系人"),
        required=False,
        max_length=services.CONTACT_NAME_MAX,
        help_text=_("选填：回访时找谁"),
    )
    contact_phone = NormalizedCharField(
        label=_("联系电话"),
        required=False,
        max_length=20,
        help_text=_("选填：用于回访，加密保存，页面上只显示部分号码"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("resolved") and not data.get("resolution"):
            self.add_error("resolution", _("已勾选当场解决，请填写解决情况"))
        return data

    def to_input(self) -> services.ItemInput:
        d = self.cleaned_data
        return services.ItemInput(
            kind=d["kind"],
            text=d["text"],
            resolved=bool(d.get("resolved")),
            resolution=d.get("resolution") or "",
            contact_name=d.get("contact_name") or "",
            contact_phone=d.get("contact_phone") or "",
        )


VisitItemFormSet = forms.formset_factory(
    VisitItemForm,
    extra=0,
    min_num=1,
    max_num=services.ITEMS_MAX,
    validate_min=True,
    validate_max=True,
)


def visit_item_formset(data: Any = None) -> Any:
    formset = VisitItemFormSet(data, prefix="items")
    formset.error_messages = {  # type: ignore[attr-defined]
        **formset.error_messages,  # type: ignore[attr-defined]
        "too_few_forms": _("请至少登记一项群众反映的问题"),
        "too_many_forms": _("一次走访最多登记 %(num)d 项"),
    }
    return formset


class PlaceFilterForm(forms.Form):
    place = forms.ModelChoiceField(
        label=_("村(社区)/乡镇"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args: Any, places: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["place"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = places if places is not None else Unit.objects.none()
        field.empty_label = str(_("全部"))


class HallRecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=KIND_CHOICES)
    text = NormalizedCharField(
        label=_("群众反映的问题"),
        max_length=services.ITEM_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写群众反映的问题")},
    )
    citizen_name = NormalizedCharField(label=_("群众姓名"), required=False, max_length=64)
    citizen_phone = NormalizedCharField(
        label=_("联系电话"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    resolution = NormalizedCharField(
        label=_("当场解决情况"),
        required=False,
        max_length=services.RESOLUTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("当场解决的，填写解决情况；不能当场解决的，留空并选择承办单位。"),
    )
    lead_unit = forms.ModelChoiceField(
        label=_("承办单位"),
        required=False,
        queryset=Unit.objects.filter(
            active=True, kind__in=[UnitKind.DEPARTMENT, UnitKind.TOWNSHIP]
        ).order_by("kind", "path"),
        help_text=_("没有派单员岗位的值班局长提交后，事项进入派单中心，由派单员派往该单位。"),
        empty_label=_("请选择承办单位"),
    )


class DutyShiftForm(forms.Form):
    """One half-day on the hall's roster: who sits at the director's desk, and when."""

    director = forms.ModelChoiceField(
        label=_("值班局长"),
        queryset=User.objects.none(),
        empty_label=_("请选择值班人"),
        error_messages={"required": _("请选择值班人")},
    )
    date = LocalDateField(label=_("日期"))
    period = forms.ChoiceField(label=_("时段"), choices=Period.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["director"]
        assert isinstance(field, forms.ModelChoiceField)
        # Department heads and county leads, the people the county puts at the desk.
        field.queryset = (
            User.objects.filter(is_active=True)
            .filter(
                Q(posts__role=Role.UNIT_LEAD, posts__unit__kind=UnitKind.DEPARTMENT)
                | Q(posts__role=Role.COUNTY_LEAD),
                posts__active=True,
            )
            .distinct()
            .order_by("full_name", "username")
        )


class CampaignSuggestionForm(forms.Form):
    text = NormalizedCharField(
        label=_("建议内容"),
        max_length=services.ITEM_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写建议内容")},
    )
    citizen_name = NormalizedCharField(label=_("提出人"), required=False, max_length=64)
    township = forms.ModelChoiceField(
        label=_("所在乡镇"),
        required=False,
        queryset=Unit.objects.filter(active=True, kind=UnitKind.TOWNSHIP).order_by("path"),
        empty_label=_("不限（全县）"),
    )


def apply_service_errors(errors: dict[str, list[str]], forms_by_prefix: dict[str, Any]) -> None:
    """Put a service's field errors on the matching form (``items-1-text`` → item form 1)."""
    main = forms_by_prefix[""]
    for key, messages in errors.items():
        target, field = main, key
        for prefix, form in forms_by_prefix.items():
            if prefix and key.startswith(prefix):
                target, field = form, key[len(prefix) :]
                break
        for message in messages:
            if field in target.fields:
                target.add_error(field, message)
            else:
                target.add_error(None, message)
