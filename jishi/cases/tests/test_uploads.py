"""Photos: a decompression bomb or an oversized image is refused with a clear message; what
is accepted is stored as a bounded copy without metadata; a request over the cap is a 413."""

from __future__ import annotations

import random
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from jishi.cases.models import Attachment, Case, CaseEvent
from jishi.cases.services import Upload
from jishi.cases.services.attachments import check_image
from jishi.cases.tests import builders
from jishi.common.errors import InvalidInput
from jishi.portal.tests.test_views import SUBMIT, form_data
from jishi.testing.fixtures import County
from jishi.testing.ugly_inputs import image, png_declaring

pytestmark = pytest.mark.django_db


def _refused(upload: Upload) -> str:
    with pytest.raises(InvalidInput) as exc:
        check_image(upload)
    return exc.value.errors["attachments"][0]


def test_a_png_declaring_billions_of_pixels_is_refused_with_a_message() -> None:
    bomb = png_declaring(100_000, 100_000)
    assert len(bomb) < 1000
    assert "像素过多" in _refused(Upload("bomb.png", bomb))


def test_an_image_over_the_pixel_cap_is_refused(settings: Any) -> None:
    # 12,000 × 12,000 = 144 megapixels: under Pillow's own bomb limit (it only warns), over ours.
    with pytest.warns(Image.DecompressionBombWarning):
        refused = _refused(Upload("big.png", png_declaring(12_000, 12_000)))
    assert "上限 40 百万像素" in refused
    settings.JISHI_ATTACHMENT_MAX_PIXELS = 100 * 100
    assert "像素过多" in _refused(Upload("a.jpg", image("JPEG", (101, 100))))
    assert check_image(Upload("a.jpg", image("JPEG", (100, 100)))).width == 100


def test_accepted_photo_is_stored_as_a_bounded_copy_without_metadata(
    county: County, settings: Any
) -> None:
    settings.JISHI_ATTACHMENT_MAX_SIDE = 64
    photo = Image.new("RGB", (400, 200), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned; the picture is 200 wide, 400 high
    exif[0x010F] = "相机厂商"
    out = BytesIO()
    photo.save(out, format="JPEG", exif=exif)
    case = builders.accepted(county, attachments=[Upload("现场.jpg", out.getvalue())])
    attachment = Attachment.objects.get(case=case)
    assert (attachment.width, attachment.height) == (32, 64)
    assert attachment.content_type == "image/jpeg"
    with attachment.file.open("rb") as stored, Image.open(stored) as kept:
        assert kept.size == (32, 64)
        assert not kept.getexif()
    assert attachment.size == attachment.file.size
    event = CaseEvent.objects.get(case=case, kind="attach")
    assert event.payload["files"][0]["sha256"] == attachment.sha256


def test_transparent_png_stays_a_png(county: County) -> None:
    case = builders.accepted(
        county, attachments=[Upload("图.png", image("PNG", (40, 30), mode="RGBA"))]
    )
    assert Attachment.objects.get(case=case).content_type == "image/png"


def test_portal_bomb_is_a_message_not_a_500(client: Client, county: County) -> None:
    bomb = SimpleUploadedFile("bomb.png", png_declaring(100_000, 100_000), "image/png")
    response = client.post(SUBMIT, form_data(county, photos=[bomb]))
    assert response.status_code == 422
    assert "像素过多" in response.content.decode()
    assert not Case.objects.exists()


def test_portal_photo_streamed_to_disk_is_accepted(
    client: Client, county: County, settings: Any
) -> None:
    # Noise does not compress: the file is as large as its pixels.
    noise = Image.frombytes("RGB", (700, 700), random.Random(7).randbytes(700 * 700 * 3))
    out = BytesIO()
    noise.save(out, format="PNG")
    big = out.getvalue()
    assert len(big) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE  # Django writes it to a temp file
    photo = SimpleUploadedFile("大图.png", big, "image/png")
    response = client.post(SUBMIT, form_data(county, photos=[photo]))
    assert response.status_code == 302
    assert Attachment.objects.get().width == 700


def test_request_over_the_cap_is_a_413_page(client: Client, county: County, settings: Any) -> None:
    settings.JISHI_REQUEST_MAX_BYTES = 64 * 1024
    photo = SimpleUploadedFile("a.png", b"0" * (80 * 1024), "image/png")
    response = client.post(SUBMIT, form_data(county, photos=[photo]))
    assert response.status_code == 413
    body = response.content.decode()
    assert "上传的内容过大" in body and "请减少照片数量或压缩后重新提交" in body
    assert not Case.objects.exists()
    # Under the cap the same form goes through.
    assert client.post(SUBMIT, form_data(county)).status_code == 302
