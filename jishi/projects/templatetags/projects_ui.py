"""How a project looks wherever it is read: its light and its progress bar."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from jishi.projects.models import Light

register = template.Library()

EVENT_LABELS = {
    "created": _("列入清单"),
    "lead_changed": _("调整领衔领导或牵头单位"),
    "milestone_moved": _("调整节点"),
    "milestone_added": _("增加节点"),
    "milestone_renamed": _("节点改名"),
    "milestone_removed": _("删除节点"),
    "details_changed": _("修改项目信息"),
    "progress_reported": _("报送进度"),
    "report_signed_off": _("领导审签"),
    "light_changed": _("亮灯"),
    "order_issued": _("签发督办单"),
    "order_responded": _("反馈督办单"),
    "order_resolved": _("督办见效"),
    "order_escalated": _("督办升级"),
    "meeting_decision": _("调度会议定事项"),
    "inspection_finding": _("督查发现问题"),
    "completed": _("确认完成"),
    "closed": _("销号"),
    "planned_entered": _("录入序时进度"),
}


@register.filter
def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


@register.filter
def light_badge(light: str) -> SafeString:
    label = Light(light).label if light in Light.values else Light.NONE.label
    return format_html(
        '<span class="light light-{}"><span class="light-dot" aria-hidden="true"></span>{}</span>',
        light or "none",
        label,
    )


@register.simple_tag
def progress_bar(
    done: Decimal | float | int, planned: Decimal | float | int | None = None, light: str = ""
) -> SafeString:
    """A bar of the reported progress with, when given, a mark at the planned progress."""
    done_pct = max(0.0, min(100.0, float(done or 0)))
    mark = ""
    if planned is not None:
        planned_pct = max(0.0, min(100.0, float(planned)))
        mark = format_html(
            '<span class="pbar-plan" style="left: {}%" title="序时 {}%"></span>',
            f"{planned_pct:.1f}",
            f"{planned_pct:.1f}",
        )
    return format_html(
        '<span class="pbar pbar-{}" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        'aria-valuenow="{}"><span class="pbar-done" style="width: {}%"></span>{}</span>'
        '<span class="pbar-text">{}%</span>',
        light if light in ("green", "yellow", "red") else "none",
        f"{done_pct:.1f}",
        f"{done_pct:.1f}",
        mark,
        f"{done_pct:.1f}",
    )
