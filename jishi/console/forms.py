"""Forms of the staff console's case actions.

Forms only parse: they turn posted text into the arguments a service takes (full-width
digits become digits, codes are upper-cased) and catch what can be caught early (empty,
too long, not a number). The service still validates everything and has the last word;
its ``InvalidInput.errors`` are put back on these fields by the view.

Traditional characters are accepted as typed: a reason or a reply is kept in the words the
person wrote (search reduces both scripts to one form).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jishi.cases.fields import CATEGORY_INVALID, CategoryField
from jishi.cases.models import Satisfaction
from jishi.cases.services import REASON_MAX, TEXT_MAX
from jishi.common.text import fold
from jishi.orgs.forms import PICK_INVALID, UnitField, UnitsField
from jishi.orgs.models import UnitKind


def _halfwidth(value: Any) -> Any:
    return fold(value).strip() if isinstance(value, str) else value


class HalfwidthIntegerField(forms.IntegerField):
    """An integer typed with full-width digits (５) on a Chinese keyboard is still a number."""

    def to_python(self, value: Any) -> int | None:
        return super().to_python(_halfwidth(value))


def text_field(label: Any, limit: int, *, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": format_lazy("{}{}", _("请填写"), label),
            "max_length": _("最多 %(limit_value)d 字，现有 %(show_value)d 字"),
        },
    )


class ActionForm(forms.Form):
    """Every action posts the version of the case the page showed (optimistic locking)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def arguments(self) -> dict[str, Any]:
        """The cleaned data as service keyword arguments."""
        return dict(self.cleaned_data)


class AcknowledgeForm(ActionForm):
    pass


class ReasonForm(ActionForm):
    reason = text_field(_("理由"), REASON_MAX)


class ReturnForm(ActionForm):
    reason = text_field(_("退单理由"), REASON_MAX)


class CloseForm(ActionForm):
    reason = text_field(_("办结说明"), REASON_MAX)


class ReopenForm(ActionForm):
    reason = text_field(_("重办理由"), REASON_MAX)


class RejectForm(ActionForm):
    reason = text_field(_("不予受理理由"), REASON_MAX)


class ReplyForm(ActionForm):
    text = text_field(_("答复内容"), TEXT_MAX, rows=5)
    # The case page's form asks for the reply check (a thin reply is held back with the
    # reasons until the replier confirms); the check is advice, so a post without it —
    # an older page, a script — simply sends.
    check = forms.BooleanField(required=False, initial=True, widget=forms.HiddenInput)
    confirm = forms.BooleanField(label=_("仍然发送"), required=False)


class InterimReplyForm(ActionForm):
    text = text_field(_("阶段性答复"), TEXT_MAX)


class NoteForm(ActionForm):
    text = text_field(_("备注"), REASON_MAX, rows=2)


class RemindForm(ActionForm):
    note = text_field(_("催办说明"), REASON_MAX, required=False, rows=2)


def _days_field(label: Any) -> HalfwidthIntegerField:
    return HalfwidthIntegerField(
        label=label,
        min_value=1,
        max_value=60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 60}),
        error_messages={
            "required": _("请填写天数"),
            "invalid": _("请填写 1–60 之间的整数"),
            "min_value": _("请填写 1–60 之间的整数"),
            "max_value": _("请填写 1–60 之间的整数"),
        },
    )


class ExtensionForm(ActionForm):
    days = _days_field(_("延期（工作日）"))
    reason = text_field(_("延期理由"), REASON_MAX)


class DecideExtensionForm(ActionForm):
    approve = forms.TypedChoiceField(
        label=_("审批"),
        choices=[("1", _("批准")), ("0", _("驳回"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择批准或驳回")},
    )
    note = text_field(_("审批意见"), REASON_MAX, required=False, rows=2)


class SuperviseForm(ActionForm):
    days = _days_field(_("督办时限（工作日）"))
    note = text_field(_("督办要求"), REASON_MAX)


class CallbackForm(ActionForm):
    resolved = forms.TypedChoiceField(
        label=_("问题是否解决"),
        choices=[("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择是否解决")},
    )
    satisfaction = forms.TypedChoiceField(
        label=_("满意度"),
        choices=[(str(v), label) for v, label in Satisfaction.choices],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意度"), "invalid_choice": _("请选择满意度")},
    )
    comment = text_field(_("群众意见"), REASON_MAX, required=False, rows=2)


class CallbackAttemptForm(ActionForm):
    note = text_field(_("说明（如：两次拨打无人接听）"), REASON_MAX, required=False, rows=2)


class MergeForm(ActionForm):
    into = forms.CharField(
        label=_("合并到（受理编号）"),
        max_length=20,
        error_messages={"required": _("请填写受理编号")},
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    note = text_field(_("合并说明"), REASON_MAX, required=False, rows=2)

    def clean_into(self) -> str:
        return _halfwidth(self.cleaned_data["into"]).upper().replace("—", "-")


class DispatchForm(ActionForm):
    """Route a case: category, lead unit (default: the category's owning unit), assists."""

    # The queue names these through searchable pickers (the text of a list entry), the case
    # page through <select>s (an id): the fields take either.
    category = CategoryField(
        label=_("分类"),
        required=False,
        empty_label=_("（保持原分类）"),
        error_messages={"invalid_choice": CATEGORY_INVALID},
    )
    lead_unit = UnitField(
        label=_("主办单位"),
        kinds=UnitKind.values,
        required=False,
        empty_label=_("按分类的归口单位"),
        error_messages={"invalid_choice": PICK_INVALID},
    )
    assisting_units = UnitsField(label=_("协办单位"), kinds=UnitKind.values)
    note = text_field(_("派单说明"), REASON_MAX, required=False, rows=2)
    # The router's top suggestion as shown on the page: kept in the event, so the share of
    # dispatches that agree with the router is a figure computed from events.
    suggested = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if data.get("lead_unit") is None:
            category = data.get("category") or getattr(self, "case_category", None)
            owner = category.owning_unit if category else None
            if owner is None:
                self.add_error("lead_unit", _("请选择主办单位（该分类没有归口单位）"))
            else:
                data["lead_unit"] = owner
        return data


class ArbitrateForm(ActionForm):
    lead_unit = UnitField(
        label=_("裁定主办单位"),
        kinds=UnitKind.values,
        error_messages={"required": _("请选择主办单位"), "invalid_choice": PICK_INVALID},
    )
    assisting_units = UnitsField(label=_("协办单位"), kinds=UnitKind.values)
    reason = text_field(_("裁定理由"), REASON_MAX)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one field; the service checks each is a real image within limits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class AttachForm(ActionForm):
    attachments = MultipleImageField(
        label=_("照片"),
        error_messages={"required": _("请选择要上传的图片"), "empty": _("文件是空的")},
    )
