"""Forms of the review pages: they parse and show errors; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jishi.reviews import services
from jishi.reviews.models import BadReason, Level, ServiceItem, ServicePoint

# Best first, as the national 好差评 wording lists them.
LEVEL_CHOICES = [(value, label) for value, label in Level.choices]


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("您对这次服务的评价"),
        choices=LEVEL_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择评价等级"),
            "invalid_choice": _("请选择评价等级"),
        },
    )
    reasons = forms.MultipleChoiceField(
        label=_("不满意的原因（可多选）"),
        choices=BadReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("请从列出的原因中选择")},
    )
    comment = forms.CharField(
        label=_("遇到的问题"),
        required=False,
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("最多 %(limit_value)d 字，现有 %(show_value)d 字")},
    )
    phone = forms.CharField(
        label=_("手机号（选填）"),
        required=False,
        max_length=20,
        help_text=_("留下号码，整改后会回访您；加密保存，页面上只显示部分号码。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "type": "tel"}),
    )
    item = forms.ModelChoiceField(
        label=_("办理的事项（选填）"),
        queryset=ServiceItem.objects.none(),
        required=False,
        empty_label=_("不选择"),
        error_messages={"invalid_choice": _("请选择本窗口的服务事项")},
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    device = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    def __init__(self, *args: Any, point: ServicePoint, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = point.items.filter(active=True).order_by("code")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("level") in (1, 2):
            if not data.get("reasons") and "reasons" not in self.errors:
                self.add_error("reasons", _("请选择至少一个不满意的原因"))
            if not (data.get("comment") or "").strip() and "comment" not in self.errors:
                self.add_error("comment", _("请简要写下遇到的问题，便于整改"))
        return data


class FollowUpForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("整改后，您的评价"),
        choices=LEVEL_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择评价等级"), "invalid_choice": _("请选择评价等级")},
    )
    comment = forms.CharField(
        label=_("意见（选填）"),
        required=False,
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("最多 %(limit_value)d 字，现有 %(show_value)d 字")},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > 6:
            raise forms.ValidationError(_("最多上传 6 张照片"))
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("要反映的问题"),
        max_length=services.REPORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("如索要财物、吃拿卡要、推诿刁难等。请写明时间和经过。"),
        error_messages={
            "required": _("请写明要反映的问题"),
            "max_length": _("最多 %(limit_value)d 字，现有 %(show_value)d 字"),
        },
    )
    photos = MultipleImageField(label=_("照片（选填）"), required=False)
    reporter_name = forms.CharField(label=_("您的姓名（选填）"), required=False, max_length=64)
    reporter_phone = forms.CharField(
        label=_("联系电话（选填）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "type": "tel"}),
    )
    device = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)


def add_service_errors(form: forms.Form, errors: dict[str, list[str]], message: str) -> None:
    for key, messages in (errors or {}).items():
        for text in messages:
            form.add_error(key if key in form.fields else None, text)
    if not errors:
        form.add_error(None, message)


class RosterForm(forms.Form):
    file = forms.FileField(
        label=_("排班表（Excel 或 CSV）"),
        error_messages={"required": _("请选择要导入的文件"), "empty": _("文件是空的")},
    )
    good_rows_only = forms.BooleanField(label=_("只导入正确的行"), required=False)
