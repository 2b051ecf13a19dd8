"""A supervision order printed in the usual format (督办单): the county's header, the
order's colour and number, the project, what is required, the deadline in working days and
the lead unit's response, as an A4 PDF (``common/documents.py``)."""

from __future__ import annotations

from jishi.common.documents import pdf_from_template
from jishi.orgs.selectors import county_root
from jishi.projects.models import OrderLevel, SupervisionOrder

COLOURS = {
    OrderLevel.BLUE: "#1f5fbf",
    OrderLevel.YELLOW: "#c99a06",
    OrderLevel.RED: "#c62f2f",
    OrderLevel.INTERVIEW: "#7a1f1f",
    OrderLevel.PUBLIC_NAMING: "#5a0f0f",
}


def order_pdf(order: SupervisionOrder) -> bytes:
    county = county_root()
    project = order.project
    return pdf_from_template(
        "projects/order_pdf.html",
        {
            "order": order,
            "project": project,
            "county": county.name if county else "",
            "colour": COLOURS.get(OrderLevel(order.level), "#1d2633"),
            "level": OrderLevel(order.level).label,
        },
    )
