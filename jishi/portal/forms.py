"""The citizen portal's forms. They check shape (present, not too long, a known choice); the
services judge everything else (photos, whether a village lies in the township, the phone
number) and their messages are put back on the fields by the views."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from jishi.cases.models import CaseKind, Satisfaction
from jishi.cases.services import TEXT_MAX, TITLE_MAX
from jishi.common.text import strip_invisible
from jishi.orgs.forms import UnitField
from jishi.orgs.models import Unit, UnitKind
from jishi.portal import selectors

TITLE_DERIVED_MAX = 30
PHOTOS_MAX = 9
SUBMISSION_KEY_RE = r"^[A-Za-z0-9_-]{16,64}$"
# The kinds a citizen picks from; praise is welcome too.
PORTAL_KINDS = [(k.value, k.label) for k in CaseKind]


def derive_title(text: str) -> str:
    """A title from the text's first sentence, at most 30 characters."""
    first = re.split(r"[。！？!?；;\n]", strip_invisible(text or "").strip(), maxsplit=1)[0].strip()
    first = re.sub(r"\s+", " ", first).rstrip("，,、：: ")
    if len(first) > TITLE_DERIVED_MAX:
        first = first[: TITLE_DERIVED_MAX - 1] + "…"
    return first


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos; their size and type are checked by the intake service."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > PHOTOS_MAX:
            raise forms.ValidationError(
                _("最多上传 %(max)d 张照片，您选择了 %(count)d 张"),
                params={"max": PHOTOS_MAX, "count": len(files)},
            )
        return files


class SubmitForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("反映类型"),
        choices=PORTAL_KINDS,
        initial=CaseKind.REQUEST,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择反映类型"), "invalid_choice": _("请选择反映类型")},
    )
    text = forms.CharField(
        label=_("反映内容"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                "placeholder": _("请写明什么事、在哪里、从什么时候开始、希望怎样解决"),
            }
        ),
        error_messages={
            "required": _("请填写反映内容"),
            "max_length": _("反映内容最多 %(limit_value)d 字，现有 %(show_value)d 字"),
        },
    )
    title = forms.CharField(
        label=_("标题"),
        required=False,
        max_length=TITLE_MAX,
        help_text=_("选填；不填则取内容的第一句"),
        error_messages={"max_length": _("标题最多 %(limit_value)d 字，现有 %(show_value)d 字")},
    )
    township = UnitField(
        label=_("所在乡镇"),
        kinds=[UnitKind.TOWNSHIP],
        empty_label=_("请选择乡镇"),
        error_messages={"required": _("请选择乡镇"), "invalid_choice": _("请选择乡镇")},
    )
    # Every village validates here; whether it lies in the chosen township is the service's
    # call, so the citizen gets its message rather than a bare "invalid choice".
    village = UnitField(
        label=_("村(社区)"),
        kinds=[UnitKind.VILLAGE],
        required=False,
        empty_label=_("请选择村(社区)（选填）"),
        error_messages={"invalid_choice": _("请选择村(社区)")},
    )
    address = forms.CharField(
        label=_("详细地址"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：东街文化广场北侧路口")}),
        error_messages={"max_length": _("地址最多 %(limit_value)d 字，现有 %(show_value)d 字")},
    )
    photos = PhotosField(
        label=_("照片"),
        required=False,
        help_text=_("选填，最多 9 张，每张不超过 10 MB（JPEG、PNG、WEBP、GIF）"),
        widget=MultipleFileInput(attrs={"accept": "image/*", "data-names": "photo-names"}),
    )
    citizen_name = forms.CharField(
        label=_("姓名"),
        required=False,
        max_length=64,
        error_messages={"max_length": _("姓名最多 %(limit_value)d 字")},
    )
    citizen_phone = forms.CharField(
        label=_("手机号"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"max_length": _("电话号码应为 7–12 位数字（手机号 11 位）")},
    )
    consent = forms.BooleanField(
        label=_("我已阅读并同意上述个人信息使用说明"),
        error_messages={"required": _("请阅读并勾选同意个人信息使用说明")},
    )
    # One-time token written into the page when the form is shown (see the submit view).
    submission_key = forms.RegexField(
        regex=SUBMISSION_KEY_RE,
        required=False,
        max_length=64,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("页面已失效，请刷新页面后重新提交"),
            "max_length": _("页面已失效，请刷新页面后重新提交"),
        },
    )

    def __init__(self, *args: Any, window: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window = window
        if window is not None:
            # A window poster's case is about the hall; where in the county is optional.
            township = self.fields["township"]
            assert isinstance(township, forms.ModelChoiceField)
            township.required = False
            township.empty_label = _("请选择乡镇（选填）")

    @cached_property
    def village_options(self) -> list[Unit]:
        """The village picker lists the chosen township's villages only (htmx refills it
        when the township changes); validation still sees them all. Read only when the form
        is shown again, never on a successful submission."""
        township_id = self["township"].value()
        return selectors.villages_of(township_id) if township_id else []

    def clean_text(self) -> str:
        return str(self.cleaned_data["text"]).strip()

    def case_fields(self) -> dict[str, Any]:
        """The arguments for ``case_accept`` (without actor, channel and files)."""
        data = self.cleaned_data
        name, phone = data["citizen_name"].strip(), data["citizen_phone"].strip()
        return {
            "kind": data["kind"],
            "title": strip_invisible(data["title"]).strip() or derive_title(data["text"]),
            "text": data["text"],
            "township": data["township"],
            "village": data["village"],
            "address": data["address"].strip(),
            "citizen_name": name,
            "citizen_phone": phone,
            "anonymous": not name and not phone,
        }


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("受理编号"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "characters",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": _("如 JA2611-7Q4K"),
            }
        ),
        error_messages={"required": _("请填写受理编号")},
    )
    # Four digits are read as the phone's last four, six as the receipt's PIN.
    last4 = forms.CharField(
        label=_("手机号后四位或查询密码"),
        max_length=12,
        help_text=_("查询密码是提交成功页面上的 6 位数字；留了手机号的也可填手机号后四位"),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "12"}
        ),
        error_messages={"required": _("请填写手机号后四位或查询密码")},
    )


class CallbackForm(forms.Form):
    resolved = forms.TypedChoiceField(
        label=_("您反映的问题解决了吗？"),
        choices=[("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择问题是否已解决")},
    )
    satisfaction = forms.TypedChoiceField(
        label=_("您对办理结果满意吗？"),
        choices=[(str(v), label) for v, label in Satisfaction.choices],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意程度"), "invalid_choice": _("请选择满意程度")},
    )
    comment = forms.CharField(
        label=_("意见或建议"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("意见最多 %(limit_value)d 字，现有 %(show_value)d 字")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
