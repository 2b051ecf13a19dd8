"""QR codes for printed posters: an SVG data URI that encodes the URL exactly (the poster
tests render whole PDFs and decode the code from the page)."""

from __future__ import annotations

import base64
import urllib.parse

from jishi.common.documents import qr_data_uri


def test_qr_is_an_svg_data_uri_of_the_url() -> None:
    uri = qr_data_uri("http://127.0.0.1:8000/r/1.abc:signature/")
    assert uri.startswith("data:image/svg+xml")
    payload = uri.split(",", 1)[1]
    svg = (
        base64.b64decode(payload).decode()
        if ";base64" in uri.split(",", 1)[0]
        else urllib.parse.unquote(payload)
    )
    assert "<svg" in svg and "</svg>" in svg


def test_a_longer_url_makes_a_larger_code() -> None:
    short = qr_data_uri("http://x/")
    long = qr_data_uri("http://127.0.0.1:8000/r/" + "a" * 200 + "/")
    assert len(long) > len(short)
