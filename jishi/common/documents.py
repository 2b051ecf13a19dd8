"""Printed things: QR codes (segno) and PDFs (WeasyPrint, with Debian's Noto CJK fonts found
through fontconfig, never fetched). Posters of windows, talks and sites, and supervision
orders, are all built from these two."""

from __future__ import annotations

import segno
from django.template.loader import render_to_string


def qr_data_uri(url: str, scale: int = 10) -> str:
    """An SVG QR code as a ``data:`` URI, for an ``<img>`` on a page or in a PDF.

    Error correction M survives a scuffed or partly covered print; a quiet zone of 4."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=scale, border=4)


def pdf_from_template(template_name: str, context: dict[str, object]) -> bytes:
    """A template rendered to PDF."""
    # Loaded on first use: WeasyPrint loads its fonts, which web workers rarely need.
    from weasyprint import HTML  # noqa: PLC0415

    html = render_to_string(template_name, context)
    return bytes(HTML(string=html).write_pdf())
