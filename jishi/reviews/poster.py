"""The A5 poster that hangs at a window: its name, the QR code of its rating page, and how
ratings and misconduct reports are handled; one page per window, so a hall prints in one
file. The QR code and the PDF come from ``common/documents.py``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jishi.common.documents import pdf_from_template, qr_data_uri
from jishi.reviews import policy
from jishi.reviews.models import ServicePoint


@dataclass(frozen=True)
class PosterPage:
    hall: str
    window: str
    url: str
    qr_svg: str


def poster_pdf(points: Sequence[ServicePoint], url_for: Callable[[ServicePoint], str]) -> bytes:
    pages = []
    for point in points:
        url = url_for(point)
        pages.append(
            PosterPage(
                hall=point.unit.parent.name if point.unit.parent else "",
                window=point.unit.name,
                url=url,
                qr_svg=qr_data_uri(url),
            )
        )
    days = policy.current().rectification_days
    return pdf_from_template("reviews/poster.html", {"pages": pages, "days": days})
