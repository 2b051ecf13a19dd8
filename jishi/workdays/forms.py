"""The console's calendar form: a year and the notice's text, checked by the service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ScheduleForm(forms.Form):
    year = forms.IntegerField(
        label=_("年份"),
        min_value=1900,
        max_value=2200,
        error_messages={
            "required": _("请填写年份"),
            "invalid": _("年份应为数字，如 2027"),
            "min_value": _("年份应在 1900–2200 之间"),
            "max_value": _("年份应在 1900–2200 之间"),
        },
    )
    table = forms.CharField(
        label=_("放假安排"),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        max_length=20_000,
        help_text=_(
            "粘贴国务院办公厅放假通知中的各项安排，每项一行，如"
            "“春节：2月5日（周五）至11日（周四）放假调休，共7天。2月20日（周六）上班。”；"
            "也可以每行填一个日期：“2027-02-05,放假,春节”或“2027-02-20,上班”。"
            "提交后该年的节假日调整表即为所填内容，该年标记为已完整录入，"
            "涉及的未办结事项期限将重新计算。"
        ),
        error_messages={
            "required": _("请粘贴放假安排"),
            "max_length": _("内容过长（不超过 %(limit_value)d 个字）"),
        },
    )
    note = forms.CharField(
        label=_("备注"),
        required=False,
        max_length=200,
        help_text=_("如通知的文号。"),
        error_messages={"max_length": _("备注不能超过 %(limit_value)d 个字")},
    )
