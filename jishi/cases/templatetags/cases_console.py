"""Template helpers of the console's case pages: labels in the reader's language and the
badge colour of each state.

Load with ``{% load cases_console %}``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.cases.models import CaseKind, Channel, State

register = template.Library()

# The model's labels are fixed Chinese; these go through translation with the UI.
STATE_LABELS = {
    State.ACCEPTED: _("待派单"),
    State.DISPATCHED: _("待签收"),
    State.RETURNED: _("已退单"),
    State.IN_PROGRESS: _("办理中"),
    State.REPLIED: _("待回访"),
    State.CLOSED: _("已办结"),
    State.REJECTED: _("不予受理"),
    State.MERGED: _("已合并"),
}
STATE_BADGES: dict[str, str] = {
    State.ACCEPTED: "badge-warning",
    State.DISPATCHED: "badge-warning",
    State.RETURNED: "badge-danger",
    State.IN_PROGRESS: "badge-info",
    State.REPLIED: "badge-info",
    State.CLOSED: "badge-success",
    State.REJECTED: "badge-muted",
    State.MERGED: "badge-muted",
}
KIND_LABELS = {
    CaseKind.REQUEST: _("诉求"),
    CaseKind.COMPLAINT: _("投诉"),
    CaseKind.SUGGESTION: _("意见建议"),
    CaseKind.INQUIRY: _("咨询"),
    CaseKind.PRAISE: _("表扬"),
}
CHANNEL_LABELS = {
    Channel.PORTAL: _("群众门户"),
    Channel.WINDOW_QR: _("码上监督"),
    Channel.FIELD_VISIT: _("百名书记访万家"),
    Channel.HALL_DESK: _("局长进政务大厅"),
    Channel.HOTLINE: _("热线"),
    Channel.SURVEY: _("大调研"),
    Channel.INSPECTION: _("督查"),
    Channel.IMPORT: _("导入"),
    Channel.API: _("接口"),
}


@register.filter
def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))  # type: ignore[call-overload]


@register.filter
def state_badge(state: str) -> str:
    return STATE_BADGES.get(state, "badge-muted")


@register.filter
def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))  # type: ignore[call-overload]


@register.filter
def channel_label(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel, channel))  # type: ignore[call-overload]


@register.filter
def when(value: Any) -> str:
    """A local date and time, to the minute."""
    if not value:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@register.filter
def percent(value: float) -> str:
    return f"{value:.0%}"
