"""The review pages through the test client: the phone page's weight and errors, the
revoked code, the follow-up link, the misconduct form, the kiosk, the console pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from jishi.cases import services as case_services
from jishi.cases.models import Case, State
from jishi.orgs.models import User
from jishi.reviews import services, tokens
from jishi.reviews.models import MisconductReport, Rating, ReviewPolicy, ServicePoint
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


def rate_url(point: ServicePoint) -> str:
    return reverse("rate:rate", args=[tokens.qr_token(point.pk, point.qr_key)])


def _form(client: Client, url: str) -> dict[str, str]:
    page = client.get(url).content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    return fields


def test_rating_page_is_light_and_needs_no_script(client: Client, point: ServicePoint) -> None:
    response = client.get(rate_url(point))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script" not in page
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    weight = len(response.content) + sum(
        Path(str(finders.find(a.removeprefix("/static/")))).stat().st_size for a in assets
    )
    assert weight < 50 * 1024, weight
    assert "非常不满意" in page and "1号窗口" in page and "商品房预售许可" in page
    assert "jishi_rater" in response.cookies


def test_bad_rating_through_the_page(client: Client, point: ServicePoint) -> None:
    url = rate_url(point)
    data = _form(client, url)
    response = client.post(url, {**data, "level": "1"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "请选择至少一个不满意的原因" in page and "请简要写下遇到的问题" in page
    assert not Rating.objects.exists()
    response = client.post(
        url,
        {
            **data,
            "level": "1",
            "reasons": ["attitude", "slow"],
            "comment": "态度冷淡",
            "phone": "13812345678",
        },
    )
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert rating.rectification is not None and rating.device_key
    # Sent again (a lost answer): the same rating's page, nothing doubled.
    again = client.post(url, {**data, "level": "1", "reasons": ["attitude"], "comment": "x"})
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert Rating.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert rating.rectification.code in page and "追评" in page


def test_same_phone_again_is_told_politely(client: Client, point: ServicePoint) -> None:
    url = rate_url(point)
    client.post(url, {**_form(client, url), "level": "5"})
    response = client.post(url, {**_form(client, url), "level": "4"})
    assert response.status_code == 422
    assert "已经评价过本窗口" in response.content.decode()
    assert Rating.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"level": "9"}, "请选择评价等级"),
        ({}, "请选择评价等级"),
        ({"level": "2", "reasons": ["nope"], "comment": "x"}, "请从列出的原因中选择"),
        ({"level": "2", "reasons": ["slow"], "comment": "慢" * 501}, "最多 500 字"),
        ({"level": "2", "reasons": ["slow"], "comment": "慢", "phone": "12345"}, "电话号码"),
        ({"level": "5", "item": "999999"}, "请选择本窗口的服务事项"),
    ],
)
def test_bad_input_on_every_field(
    client: Client, point: ServicePoint, data: dict[str, object], message: str
) -> None:
    url = rate_url(point)
    response = client.post(url, {**_form(client, url), **data})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Rating.objects.exists()


def test_revoked_and_forged_codes(client: Client, point: ServicePoint, hall_lead: User) -> None:
    old = rate_url(point)
    services.point_reissue_code(actor=hall_lead, point=point)
    response = client.get(old)
    assert response.status_code == 410
    assert "此二维码已失效" in response.content.decode()
    assert client.post(old, {"level": "5"}).status_code == 410
    assert client.get("/r/123.abc:forged/").status_code == 404
    assert not Rating.objects.exists()


def test_follow_up_link(client: Client, point: ServicePoint, window_clerk: User) -> None:
    url = rate_url(point)
    done = client.post(
        url, {**_form(client, url), "level": "2", "reasons": ["slow"], "comment": "排队两小时"}
    )
    rating = Rating.objects.get()
    assert rating.rectification is not None
    page = client.get(done["Location"]).content.decode()
    assert "提交追评" not in page  # not before the unit answers
    case_services.case_acknowledge(actor=window_clerk, case=rating.rectification.pk)
    case_services.case_reply(actor=window_clerk, case=rating.rectification.pk, text="已增开窗口")
    page = client.get(done["Location"]).content.decode()
    assert "已增开窗口" in page and "提交追评" in page
    bad = client.post(done["Location"], {"level": "0"})
    assert bad.status_code == 422 and "请选择评价等级" in bad.content.decode()
    assert client.post(done["Location"], {"level": "5"}).status_code == 302
    assert Case.objects.get().state == State.CLOSED
    assert client.get("/r/f/1:forged/").status_code == 404


def test_misconduct_report_page(client: Client, point: ServicePoint) -> None:
    url = reverse("rate:report", args=[tokens.qr_token(point.pk, point.qr_key)])
    response = client.post(url, {**_form(client, url), "text": ""})
    assert response.status_code == 422 and "请写明要反映的问题" in response.content.decode()
    response = client.post(
        url, {**_form(client, url), "text": "要求给红包", "reporter_phone": "13900001111"}
    )
    assert response.status_code == 200 and "举报已提交" in response.content.decode()
    assert MisconductReport.objects.get().reporter_phone == "13900001111"


def test_kiosk_flow(client: Client, point: ServicePoint, hall_lead: User) -> None:
    _device, token = services.kiosk_register(actor=hall_lead, point=point, name="平板")
    url = reverse("rate:kiosk", args=[token])
    waiting = client.get(url).content.decode()
    assert 'http-equiv="refresh"' in waiting and "办理完成，请评价" in waiting
    client.post(url, {"action": "done"})
    faces = client.get(url).content.decode()
    occasion = re.search(r'name="occasion" value="(\d+)"', faces)
    assert occasion is not None and "非常满意" in faces
    asks = client.post(url, {"action": "rate", "occasion": occasion[1], "level": "1"})
    assert "哪里做得不好" in asks.content.decode() and not Rating.objects.exists()
    refused = client.post(
        url, {"action": "rate", "occasion": occasion[1], "level": "1", "detail": "1"}
    )
    assert refused.status_code == 422 and not Rating.objects.exists()
    thanks = client.post(
        url,
        {
            "action": "rate",
            "occasion": occasion[1],
            "level": "1",
            "detail": "1",
            "reasons": ["attitude"],
            "comment": "不耐烦",
        },
    )
    assert "感谢您的评价" in thanks.content.decode()
    rating = Rating.objects.get()
    assert rating.channel == "kiosk" and rating.occasion_id == int(occasion[1])
    again = client.post(url, {"action": "rate", "occasion": occasion[1], "level": "5"})
    assert "已经评价过" in again.content.decode() and Rating.objects.count() == 1
    assert client.get(reverse("rate:kiosk", args=["wrong"])).status_code == 410


def test_console_pages(
    client: Client, county: County, point: ServicePoint, hall_lead: User, supervisor: User
) -> None:
    services.rating_submit(point=point, level=5, device_key="a")
    rating = services.rating_submit(
        point=point, level=1, reasons=["slow"], comment="排队太久", device_key="b"
    )
    services.misconduct_report(point=point, text="索要好处", reporter_name="王")
    client.force_login(hall_lead)
    for name, args in [
        ("reviews:index", []),
        ("reviews:point", [point.pk]),
        ("reviews:figures", []),
        ("reviews:ratings", []),
        ("reviews:rating", [rating.pk]),
        ("reviews:themes", []),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
    assert "1号窗口" in client.get(reverse("reviews:index")).content.decode()
    export = client.get(reverse("reviews:figures") + "?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    pdf = client.get(reverse("reviews:poster", args=[point.pk]))
    assert pdf.content.startswith(b"%PDF")
    assert client.get(reverse("reviews:hall_posters", args=[county.hall.pk])).status_code == 200
    # The reported unit's lead: no reports page, nothing to reveal.
    assert client.get(reverse("reviews:reports")).status_code == 404
    client.force_login(supervisor)
    page = client.get(reverse("reviews:reports")).content.decode()
    assert "索要好处" in page and "王" not in page.split("索要好处")[1][:200]
    report = MisconductReport.objects.get()
    revealed = client.post(reverse("reviews:report_reveal", args=[report.pk]))
    assert "王" in revealed.content.decode()


def test_appeal_through_the_console(
    client: Client, point: ServicePoint, window_clerk: User, supervisor: User
) -> None:
    rating = services.rating_submit(
        point=point, level=1, reasons=["attitude"], comment="凶", device_key="b"
    )
    client.force_login(window_clerk)
    url = reverse("reviews:rating", args=[rating.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 422 and "请写明申诉理由" in refused.content.decode()
    assert client.post(url, {"reason": "恶意评价", "evidence": "监控"}).status_code == 302
    client.force_login(supervisor)
    appeal = rating.appeal if hasattr(rating, "appeal") else None
    from jishi.reviews.models import Appeal

    appeal = Appeal.objects.get()
    client.post(
        reverse("reviews:appeal_decide", args=[appeal.pk]), {"decision": "uphold", "reason": "属实"}
    )
    rating.refresh_from_db()
    assert rating.appeal_state == "upheld"


def test_disclosure_page(client: Client, point: ServicePoint) -> None:
    services.rating_submit(point=point, level=5, device_key="a")
    response = client.get(reverse("rate:disclosure"))
    page = response.content.decode()
    assert response.status_code == 200 and "县政务服务中心" in page and "不排名" in page
    export = client.get(reverse("rate:disclosure") + "?format=xlsx")
    assert export.content[:2] == b"PK"


def test_a_window_without_ratings_this_month_shows_a_dash(
    client: Client, point: ServicePoint, hall_lead: User
) -> None:
    client.force_login(hall_lead)
    response = client.get(reverse("reviews:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1号窗口" in html and "—" in html


def test_disclosure_is_recounted_when_stale(client: Client, point: ServicePoint) -> None:
    from datetime import timedelta

    from jishi.common import clock

    services.rating_submit(point=point, level=5, device_key="a")
    assert "共收到评价 1 条" in client.get(reverse("rate:disclosure")).content.decode()
    services.rating_submit(point=point, level=4, device_key="b")
    # Fresh figures are served as stored...
    assert "共收到评价 1 条" in client.get(reverse("rate:disclosure")).content.decode()
    # ...stale ones ask for a recount (done at once by the tests' task backend).
    with clock.travel_to(clock.now() + timedelta(minutes=6)):
        client.get(reverse("rate:disclosure"))
    assert "共收到评价 2 条" in client.get(reverse("rate:disclosure")).content.decode()


def test_an_address_over_its_hourly_limit_gets_429_and_nothing_is_stored(
    client: Client, point: ServicePoint, review_policy: object
) -> None:
    ReviewPolicy.objects.update(ratings_per_address_hour=1)
    url = rate_url(point)
    first = client.post(url, {**_form(client, url), "level": "5"})
    assert first.status_code == 302
    # Another phone behind the same address, within the hour.
    other = Client()
    refused = other.post(url, {**_form(other, url), "level": "5"})
    assert refused.status_code == 429
    assert "评价过于频繁" in refused.content.decode()
    assert Rating.objects.count() == 1


def test_portal_leads_to_every_open_window_and_rates_as_portal(
    client: Client, county: County, point: ServicePoint
) -> None:
    home = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("rate:windows")}"' in home
    page = client.get(reverse("rate:windows")).content.decode()
    assert "县政务服务中心" in page and "1号窗口" in page
    link = re.search(r'href="([^"]+\?via=portal)"', page)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    response = client.post(url, {**_form(client, url), "level": "5"})
    assert response.status_code == 302
    assert Rating.objects.get().channel == "portal"
    # A window taken out of service is not offered.
    point.active = False
    point.save(update_fields=["active"])
    assert "1号窗口" not in client.get(reverse("rate:windows")).content.decode()


def test_scanned_code_rates_as_qr(client: Client, point: ServicePoint) -> None:
    url = rate_url(point)
    client.post(url, {**_form(client, url), "level": "4"})
    assert Rating.objects.get().channel == "qr"


@pytest.mark.parametrize(
    ("posted", "lands"),
    [
        ("/console/reviews/", "/console/reviews/"),
        ("https://evil.example/phish", "/console/reviews/"),
        ("//evil.example/phish", "/console/reviews/"),
        ("", "/console/reviews/"),
    ],
)
def test_done_returns_to_a_page_of_this_site_only(
    client: Client, point: ServicePoint, window_clerk: User, posted: str, lands: str
) -> None:
    """The clerk's 办结一次服务 goes back to the page it came from, never to another site."""
    here = reverse("reviews:point", args=[point.pk])
    client.force_login(window_clerk)
    url = reverse("reviews:occasion_done", args=[point.pk])
    back = client.post(url, {"next": here})
    assert back.status_code == 302 and back["Location"] == here
    response = client.post(url, {"next": posted})
    assert response.status_code == 302
    assert response["Location"] == lands
    assert "evil" not in response["Location"]
