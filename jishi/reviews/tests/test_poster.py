"""The printed poster: an A5 page per window whose QR code decodes to the window's page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from jishi.reviews import services, tokens
from jishi.reviews.models import ServicePoint
from jishi.reviews.poster import poster_pdf
from jishi.testing.fixtures import County, make_unit

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "posters"


def _url(point: ServicePoint) -> str:
    return "http://jishi.example.gov.cn/r/" + tokens.qr_token(point.pk, point.qr_key) + "/"


def _pages(pdf: bytes, tmp_path: Path) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is needed to check the posters")
    source = tmp_path / "poster.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "110", "-png", str(source), str(tmp_path / "page")], check=True
    )
    return sorted(tmp_path.glob("page*.png"))


def test_poster_qr_decodes_to_the_windows_page(
    county: County, point: ServicePoint, tmp_path: Path
) -> None:
    import zxingcpp

    second = ServicePoint.objects.create(
        unit=make_unit("W02", "不动产登记窗口", "window", county.hall),
        owner=county.housing,
        qr_key="k2",
    )
    pdf = poster_pdf([point, second], _url)
    pages = _pages(pdf, tmp_path)
    assert len(pages) == 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for page, expected in zip(pages, [point, second], strict=True):
        image = Image.open(page)
        # A5 at 110 dpi: 148 × 210 mm.
        assert abs(image.width - 641) <= 2 and abs(image.height - 909) <= 2
        found = zxingcpp.read_barcodes(image)
        assert [f.text for f in found] == [_url(expected)]
        services.point_for_token(_url(expected).rsplit("/", 2)[-2])
        shutil.copy(page, ARTIFACTS / f"poster-{expected.unit.code}.png")
