"""Start-up check: weights naming no rate, or weighing nothing, must stop the deploy, not
rank every unit as unrankable in the next bulletin."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from jishi.reports import metrics


@register()
def check_report_weights(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    weighting = metrics.weights()
    unknown = sorted(set(weighting) - set(metrics.RATES))
    if unknown:
        return [
            Error(
                f"JISHI_REPORT_WEIGHTS 含未定义的比率：{'、'.join(unknown)}",
                hint=f"可用：{', '.join(metrics.RATES)}",
                id="reports.E001",
            )
        ]
    if any(w < 0 for w in weighting.values()) or not sum(weighting.values()):
        return [
            Error(
                "JISHI_REPORT_WEIGHTS 的权重须为非负数且合计大于零",
                hint="如 response_rate:30,solved_rate:35,satisfied_rate:35",
                id="reports.E002",
            )
        ]
    return []
