"""The ugly-input corpus against every outreach form in the console: never a 500, an error
stores nothing, what is stored is free of invisible characters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jishi.cases.models import Case
from jishi.common import clock
from jishi.common.text import strip_invisible
from jishi.orgs.models import User
from jishi.outreach.models import Branch, BranchMember, Series, Site, Talk
from jishi.outreach.tests.conftest import at
from jishi.testing.fixtures import County
from jishi.testing.ugly_inputs import PHONES, TEXTS, Ugly

pytestmark = pytest.mark.django_db


def _stored() -> tuple[int, ...]:
    return (
        Site.objects.count(),
        Series.objects.count(),
        Branch.objects.count(),
        BranchMember.objects.count(),
        Case.objects.count(),
    )


def forms(
    client: Client, county: County, talk: Talk, branch: Branch
) -> dict[str, Callable[[str], Any]]:
    site = {"kind": "heritage", "township": str(county.chengguan.pk), "active": "on"}
    return {
        "site.name": lambda v: client.post(reverse("outreach:site_new"), {**site, "name": v}),
        "site.address": lambda v: client.post(
            reverse("outreach:site_new"), {**site, "name": "纪念馆", "address": v}
        ),
        "site.capacity": lambda v: client.post(
            reverse("outreach:site_new"), {**site, "name": "纪念馆", "capacity": v}
        ),
        "series.name": lambda v: client.post(reverse("outreach:series_new"), {"name": v}),
        "series.themes": lambda v: client.post(
            reverse("outreach:series_new"), {"name": "六讲", "themes": v}
        ),
        "branch.name": lambda v: client.post(
            reverse("outreach:branches"), {"name": v, "unit": str(county.dongjie.pk)}
        ),
        "member.name": lambda v: client.post(
            reverse("outreach:branch", args=[branch.pk]), {"name": v}
        ),
        "member.note": lambda v: client.post(
            reverse("outreach:branch", args=[branch.pk]), {"name": "新党员", "note": v}
        ),
        "head_count": lambda v: client.post(
            reverse("outreach:head_count", args=[talk.pk]), {"count": v}
        ),
        "question.text": lambda v: client.post(
            reverse("outreach:question_add", args=[talk.pk]), {"kind": "request", "text": v}
        ),
        "question.name": lambda v: client.post(
            reverse("outreach:question_add", args=[talk.pk]),
            {"kind": "request", "text": "路灯坏了", "citizen_name": v},
        ),
        "filters": lambda v: client.get(
            reverse("outreach:index"),
            {"series": v, "setting": v, "township": v, "month": v, "page": v},
        ),
        "calendar": lambda v: client.get(reverse("outreach:calendar"), {"month": v}),
        "public.talks": lambda v: client.get(reverse("outreach_public:talks"), {"page": v}),
        "public.sites": lambda v: client.get(reverse("outreach_public:sites"), {"page": v}),
    }


@pytest.mark.parametrize("ugly", TEXTS, ids=[u.name for u in TEXTS])
def test_ugly_text_in_every_form(
    client: Client, dispatcher: User, county: County, talk: Talk, branch: Branch, ugly: Ugly
) -> None:
    client.force_login(dispatcher)
    with clock.travel_to(at(15)):
        for name, send in forms(client, county, talk, branch).items():
            before = _stored()
            response = send(ugly.value)
            assert response.status_code in (200, 302, 422), (name, response.status_code)
            if response.status_code == 422:
                assert _stored() == before, name
    for site in Site.objects.all():
        assert strip_invisible(site.name) == site.name and "\x00" not in site.address
    for member in BranchMember.objects.all():
        assert strip_invisible(member.name) == member.name
    for series in Series.objects.all():
        assert all(strip_invisible(t) == t for t in series.themes)


@pytest.mark.parametrize("ugly", PHONES, ids=[u.name for u in PHONES])
def test_things_that_are_not_phone_numbers_are_refused(
    client: Client, organiser: User, talk: Talk, ugly: Ugly
) -> None:
    client.force_login(organiser)
    response = client.post(
        reverse("outreach:question_add", args=[talk.pk]),
        {"kind": "request", "text": "路灯坏了", "citizen_phone": ugly.value},
    )
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_site_photos(client: Client, dispatcher: User, county: County) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jishi.testing.ugly_inputs import png_declaring

    client.force_login(dispatcher)
    data = {"name": "纪念馆", "kind": "heritage", "township": str(county.chengguan.pk)}
    for name, content in [
        ("bomb.png", png_declaring(100_000, 100_000)),
        ("fake.jpg", b"not a picture at all"),
        ("page.html", b"<html></html>"),
    ]:
        response = client.post(
            reverse("outreach:site_new"), {**data, "photo": SimpleUploadedFile(name, content)}
        )
        assert response.status_code == 422, name
    assert not Site.objects.exists()
    ok = client.post(
        reverse("outreach:site_new"),
        {**data, "photo": SimpleUploadedFile("李四的手机 hall.jpg", _jpeg_with_gps())},
    )
    assert ok.status_code == 302
    kept = Site.objects.get().photos.get()
    # Published as re-encoded: no EXIF (the phone's position and make), a generated name.
    assert kept.image.name.endswith(".jpg") and "李四" not in kept.image.name
    with kept.image.open("rb") as stored:
        data_kept = stored.read()
    assert b"Exif" not in data_kept


def _jpeg_with_gps() -> bytes:
    from io import BytesIO

    from PIL import Image

    photo = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "相机厂商"
    exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 15.0, 0.0)})
    out = BytesIO()
    photo.save(out, format="JPEG", exif=exif)
    assert b"Exif" in out.getvalue()  # the test's own premise
    return out.getvalue()
