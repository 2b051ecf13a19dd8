"""The A5 poster that hangs at a window: its name, the QR code of its rating page, and how
ratings and misconduct reports are handled. WeasyPrint with Debian's Noto CJK fonts (found
through fontconfig, never fetched); one page per window, so a hall prints in one file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import segno
from django.template.loader import render_to_string

from jishi.reviews import policy
from jishi.reviews.models import ServicePoint


@dataclass(frozen=True)
class PosterPage:
    hall: str
    window: str
    url: str
    qr_svg: str


def qr_data_uri(url: str, scale: int = 10) -> str:
    # Error correction M survives a scuffed or partly covered print; a quiet zone of 4.
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=scale, border=4)


def poster_pdf(points: Sequence[ServicePoint], url_for: Callable[[ServicePoint], str]) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 (loaded on first use: WeasyPrint loads fonts)

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
    html = render_to_string("reviews/poster.html", {"pages": pages, "days": days})
    return bytes(HTML(string=html).write_pdf())
