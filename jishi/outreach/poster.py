"""The A4 poster of a talk: its title, time and place, and the QR code of its check-in page.
The QR code and the PDF come from ``common/documents.py``."""

from __future__ import annotations

from jishi.common.documents import pdf_from_template, qr_data_uri
from jishi.outreach.models import Talk


def poster_pdf(talk: Talk, url: str) -> bytes:
    return pdf_from_template(
        "outreach/poster.html", {"talk": talk, "url": url, "qr_svg": qr_data_uri(url)}
    )
