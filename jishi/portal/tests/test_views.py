"""The citizen portal through Django's test client: submit, track, callback."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from jishi.cases import services
from jishi.cases.models import Attachment, Case, CaseEvent, Channel, State
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.portal import tokens
from jishi.portal.forms import derive_title
from jishi.portal.selectors import PUBLIC_EVENTS, normalize_code
from jishi.testing.fixtures import County

SUBMIT = "/portal/submit/"
TRACK = "/portal/track/"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def png(size: tuple[int, int] = (8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def form_data(county: County, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "request",
        "title": "",
        "text": "东街文化广场的路灯坏了三盏。晚上出行很不方便，请尽快修复。",
        "township": str(county.chengguan.pk),
        "village": str(county.dongjie.pk),
        "address": "文化广场北侧",
        "citizen_name": "李女士",
        "citizen_phone": "13912345678",
        "consent": "on",
    }
    data.update(overrides)
    return data


def post_submit(client: Client, data: dict[str, Any], url: str = SUBMIT) -> Any:
    return client.post(url, data)


# --- submit ---------------------------------------------------------------------------------


def test_home_links_to_submit_and_track(client: Client, county: County) -> None:
    html = client.get("/portal/").content.decode()
    assert f'href="{SUBMIT}"' in html
    assert f'href="{TRACK}"' in html


def test_submit_form_renders(client: Client, county: County) -> None:
    response = client.get(SUBMIT)
    html = response.content.decode()
    assert response.status_code == 200
    assert "匿名反映将无法接收回访和答复短信，只能凭受理编号和提交后显示的查询密码查询进度" in html
    assert "城关镇" in html and "石桥镇" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_submit_creates_a_portal_case_and_shows_code_and_qr(client: Client, county: County) -> None:
    photo = SimpleUploadedFile("lamp.png", png(), content_type="image/png")
    data = form_data(county, photos=[photo])
    response = client.post(SUBMIT, data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == Channel.PORTAL
    assert case.state == State.ACCEPTED
    assert case.title == "东街文化广场的路灯坏了三盏"
    assert case.village == county.dongjie
    assert case.citizen_phone == "13912345678"
    assert not case.anonymous
    assert Attachment.objects.filter(case=case).count() == 1
    assert response["Location"] == reverse("portal:submitted", args=[case.code])

    page = client.get(response["Location"])
    html = page.content.decode()
    assert case.code in html
    assert "<svg" in html and "<img" not in html  # inline SVG QR code
    assert "手机号后四位" in html
    # Every receipt carries the PIN that opens the case on any device.
    assert re.fullmatch(r"\d{6}", case.tracking_pin)
    assert f'value="{case.tracking_pin}"' in html


def test_submission_writes_no_session_and_remembers_the_code_in_a_signed_cookie(
    client: Client, county: County
) -> None:
    from django.contrib.sessions.models import Session

    response = client.post(SUBMIT, form_data(county))
    case = Case.objects.get()
    assert Session.objects.count() == 0
    cookie = response.cookies["jishi_portal"]
    assert cookie["httponly"] and case.code in cookie.value
    assert client.get(reverse("portal:track_detail", args=[case.code])).status_code == 200

    # A cookie edited by hand proves nothing: the tracking page asks for the phone again.
    stranger = Client()
    stranger.cookies["jishi_portal"] = cookie.value.replace(case.code[:2], "ZZ", 1)
    forged = stranger.get(reverse("portal:track_detail", args=[case.code]))
    assert forged.status_code == 302 and "/portal/track/" in forged["Location"]
    unsigned = Client()
    unsigned.cookies["jishi_portal"] = case.code
    assert unsigned.get(reverse("portal:track_detail", args=[case.code])).status_code == 302


def test_a_submission_reads_nothing_once_the_server_is_warm(client: Client, county: County) -> None:
    """Township and village are checked against the in-memory unit table: a submission
    only writes its case and its accept event."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.post(SUBMIT, form_data(county))
    data = form_data(county, text="西街路口的井盖丢了，请处理。", submission_key="k" * 32)
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(SUBMIT, data)
    assert response.status_code == 302
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert "SELECT" not in statements, statements
    assert statements.count("INSERT") == 2


def test_the_same_submission_sent_twice_makes_one_case(client: Client, county: County) -> None:
    first = client.post(SUBMIT, form_data(county))
    again = client.post(SUBMIT, form_data(county))
    assert Case.objects.count() == 1
    assert again.status_code == 302 and again["Location"] == first["Location"]
    # Another text from the same browser is another case; so is the same text from
    # someone else (two neighbours reporting one lamp: the duplicate finder's business).
    client.post(SUBMIT, form_data(county, text="西街路口的下水道井盖丢了，很危险，请尽快处理。"))
    Client().post(SUBMIT, form_data(county))
    assert Case.objects.count() == 3


def blank_form_key(client: Client) -> str:
    html = client.get(SUBMIT).content.decode()
    found = re.search(r'name="submission_key" value="([^"]+)"', html)
    assert found, "the form carries its one-time token"
    return found.group(1)


def test_a_retried_form_makes_one_case_and_answers_with_its_receipt(
    client: Client, county: County
) -> None:
    """The answer to the first sending was lost (a reset connection): the client sends the
    same form again, without the cookie the lost answer carried."""
    key = blank_form_key(client)
    first = client.post(SUBMIT, form_data(county, submission_key=key))
    case = Case.objects.get()
    retry = Client()
    again = retry.post(SUBMIT, form_data(county, submission_key=key))
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(case=case, kind="accept").count() == 1
    assert again.status_code == 302 and again["Location"] == first["Location"]
    receipt = retry.get(again["Location"])
    html = receipt.content.decode()
    assert receipt.status_code == 200
    assert f'value="{case.code}"' in html and f'value="{case.tracking_pin}"' in html


def test_every_blank_form_has_its_own_token(client: Client, county: County) -> None:
    first_key, second_key = blank_form_key(client), blank_form_key(client)
    assert first_key != second_key
    client.post(SUBMIT, form_data(county, submission_key=first_key))
    # The same words from a new form in another browser: a second report, a second case.
    Client().post(SUBMIT, form_data(county, submission_key=second_key))
    assert Case.objects.count() == 2


def test_a_form_shown_again_with_errors_keeps_its_token(client: Client, county: County) -> None:
    key = blank_form_key(client)
    response = client.post(SUBMIT, form_data(county, submission_key=key, consent=""))
    assert response.status_code == 422
    assert f'name="submission_key" value="{key}"' in response.content.decode()


@pytest.mark.parametrize(
    "key", ["short", "x" * 65, "has spaces in it, sixteen+", "<script>x</script>"]
)
def test_a_malformed_token_is_refused_and_changes_nothing(
    client: Client, county: County, key: str
) -> None:
    response = client.post(SUBMIT, form_data(county, submission_key=key))
    assert response.status_code == 422
    assert "页面已失效，请刷新页面后重新提交" in response.content.decode()
    assert not Case.objects.exists()


def test_the_same_text_after_the_window_is_a_new_case(client: Client, county: County) -> None:
    from datetime import timedelta

    client.post(SUBMIT, form_data(county))
    with clock.travel_to(clock.now() + timedelta(minutes=11)):
        client.post(SUBMIT, form_data(county))
    assert Case.objects.count() == 2


def test_submit_with_full_width_phone_and_traditional_text(client: Client, county: County) -> None:
    data = form_data(
        county, citizen_phone="１３９１２３４５６７８", text="東街路燈壞了，請儘快修復。"
    )
    assert client.post(SUBMIT, data).status_code == 302
    case = Case.objects.get()
    assert case.citizen_phone == "13912345678"
    assert case.text == "東街路燈壞了，請儘快修復。"  # kept as typed; search works on both forms
    assert "东街路灯" in case.search_text
    assert case.title == "東街路燈壞了，請儘快修復"


def test_submit_anonymous(client: Client, county: County) -> None:
    data = form_data(county, citizen_name="", citizen_phone="")
    response = client.post(SUBMIT, data)
    case = Case.objects.get()
    assert case.anonymous and not case.citizen_phone
    html = client.get(response["Location"]).content.decode()
    assert "请务必记下或截图保存编号和查询密码" in html
    assert case.tracking_pin in html


def test_derive_title() -> None:
    assert derive_title("路灯坏了。请修") == "路灯坏了"
    long = "这" * 50 + "。"
    assert len(derive_title(long)) == 30 and derive_title(long).endswith("…")
    assert derive_title("  第一行\n第二行") == "第一行"


def test_explicit_title_wins(client: Client, county: County) -> None:
    client.post(SUBMIT, form_data(county, title="路灯"))
    assert Case.objects.get().title == "路灯"


def test_window_qr_records_channel_and_window(client: Client, county: County) -> None:
    url = f"{SUBMIT}?channel=window_qr&window={county.window.code}"
    page = client.get(url).content.decode()
    assert "码上监督" in page and "1号窗口" in page
    data = form_data(county, township="", village="", address="县政务服务中心 1号窗口")
    response = client.post(url, data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == Channel.WINDOW_QR
    assert case.external_ref == f"window:{county.window.code}"
    assert case.address == "县政务服务中心 1号窗口"


def test_unknown_window_falls_back_to_portal(client: Client, county: County) -> None:
    url = f"{SUBMIT}?channel=window_qr&window=NOPE"
    client.post(url, form_data(county))
    assert Case.objects.get().channel == Channel.PORTAL


def test_villages_fragment(client: Client, county: County) -> None:
    html = client.get(
        reverse("portal:villages"), {"township": county.chengguan.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "东街社区" in html and "西街社区" in html and "石桥村" not in html
    assert (
        "请先选择乡镇" in client.get(reverse("portal:villages"), {"township": "x"}).content.decode()
    )


BAD_INPUTS = [
    ("empty text", {"text": ""}, "text", "请填写反映内容"),
    ("too long", {"text": "长" * 5001}, "text", "最多 5000 字，现有 5001 字"),
    ("title too long", {"title": "标" * 121}, "title", "标题最多 120 字"),
    ("bad kind", {"kind": "bribe"}, "kind", "请选择反映类型"),
    ("no township", {"township": "", "village": ""}, "township", "请选择乡镇"),
    ("township not a number", {"township": "abc"}, "township", "请选择乡镇"),
    ("phone letters", {"citizen_phone": "abcdefg"}, "citizen_phone", "电话号码应为 7–12 位数字"),
    ("phone too short", {"citizen_phone": "１２３"}, "citizen_phone", "电话号码应为 7–12 位数字"),
    ("no consent", {"consent": ""}, "consent", "请阅读并勾选同意个人信息使用说明"),
]


@pytest.mark.parametrize(("name", "overrides", "field", "message"), BAD_INPUTS)
def test_submit_bad_input(
    client: Client, county: County, name: str, overrides: dict[str, Any], field: str, message: str
) -> None:
    data = form_data(county, **overrides)
    response = client.post(SUBMIT, data)
    assert response.status_code == 422, name
    html = response.content.decode()
    assert message in html
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert not Case.objects.exists()
    # What the user typed is kept.
    if overrides.get("text", "x"):
        assert str(data["text"])[:20] in html
    assert "文化广场北侧" in html


def test_village_not_in_township(client: Client, county: County) -> None:
    data = form_data(county, township=str(county.shiqiao.pk), village=str(county.dongjie.pk))
    response = client.post(SUBMIT, data)
    assert response.status_code == 422
    assert "东街社区不属于石桥镇" in response.content.decode()
    assert not Case.objects.exists()
    # The picker shows the chosen township's villages.
    assert "石桥村" in response.content.decode()


def test_photo_too_large(client: Client, county: County, settings: Any) -> None:
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (12 * 1024 * 1024), "image/jpeg")
    response = client.post(SUBMIT, form_data(county, photos=[big]))
    assert response.status_code == 422
    html = response.content.decode()
    assert "超过 10 MB 的上限" in html
    assert "请重新选择照片" in html
    assert "东街文化广场的路灯坏了三盏" in html
    assert not Case.objects.exists()


def test_photo_not_an_image(client: Client, county: County) -> None:
    fake = SimpleUploadedFile("scan.jpg", b"%PDF-1.4 not an image", "image/jpeg")
    response = client.post(SUBMIT, form_data(county, photos=[fake]))
    assert response.status_code == 422
    html = response.content.decode()
    assert "「scan.jpg」不是可识别的图片文件" in html and "请重新选择照片" in html
    assert not Case.objects.exists()
    assert not Attachment.objects.exists()


def test_good_photo_with_other_error_asks_to_reselect(client: Client, county: County) -> None:
    photo = SimpleUploadedFile("lamp.png", png(), content_type="image/png")
    response = client.post(SUBMIT, form_data(county, photos=[photo], text=""))
    assert "请重新选择照片" in response.content.decode()
    assert not Case.objects.exists()


def test_submit_requires_csrf(county: County) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(SUBMIT, form_data(county)).status_code == 403
    assert not Case.objects.exists()


def test_done_page_needs_the_submitting_session(client: Client, county: County) -> None:
    case = builders.accepted(county)
    response = client.get(reverse("portal:submitted", args=[case.code]))
    assert response.status_code == 302 and response["Location"].startswith(TRACK)


# --- track ----------------------------------------------------------------------------------


def track(client: Client, code: str, last4: str = "", **extra: Any) -> Any:
    return client.post(TRACK, {"code": code, "last4": last4}, **extra)


def test_track_with_right_last_four(client: Client, county: County) -> None:
    case = builders.accepted(county)  # phone 13812345678
    response = track(client, case.code, "5678")
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert case.title in html and "已受理" in html


def test_track_accepts_lower_case_and_full_width(client: Client, county: County) -> None:
    case = builders.accepted(county)
    typed = case.code.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert track(client, typed, "５６７８").status_code == 302
    assert normalize_code(case.code.replace("-", " ").lower()) == case.code


WRONG = "受理编号、手机号后四位或查询密码不正确"


@pytest.mark.parametrize("last4", ["1234", "567", "abcd", "000000"])
def test_track_wrong_last_four_gives_one_generic_answer(
    client: Client, county: County, last4: str
) -> None:
    case = builders.accepted(county)
    response = track(client, case.code, last4)
    assert response.status_code == 422
    assert WRONG in response.content.decode()
    unknown = track(client, "JA0000-ZZZZ", "5678")
    assert WRONG in unknown.content.decode()


@pytest.mark.parametrize("phone", ["", "13812345678"])
def test_a_code_alone_opens_nothing(client: Client, county: County, phone: str) -> None:
    """Phone-less and anonymous cases too: a code is printed and read aloud, not a secret."""
    case = builders.accepted(
        county, citizen_name="", citizen_phone=phone, anonymous=not phone, tracking_pin="246810"
    )
    response = track(client, case.code)
    assert response.status_code == 422
    assert "请填写手机号后四位或查询密码" in response.content.decode()
    assert client.get(reverse("portal:track_detail", args=[case.code])).status_code == 302


def test_track_a_phoneless_case_with_its_receipt_pin(client: Client, county: County) -> None:
    case = builders.accepted(
        county, citizen_name="", citizen_phone="", anonymous=True, tracking_pin="246810"
    )
    assert track(Client(), case.code, "246811").status_code == 422
    assert track(Client(), case.code, "6810").status_code == 422  # no phone: no last four
    response = track(client, case.code, "２４６８１０")  # typed on a full-width keyboard
    assert response.status_code == 302
    assert case.text in client.get(response["Location"]).content.decode()


def test_a_case_with_a_phone_opens_with_its_pin_too(client: Client, county: County) -> None:
    case = builders.accepted(county, tracking_pin="135790")
    assert track(client, case.code, "135790").status_code == 302


def test_a_case_without_a_pin_is_not_opened_by_six_digits(client: Client, county: County) -> None:
    case = builders.accepted(county, citizen_name="", citizen_phone="", anonymous=True)
    assert case.tracking_pin == ""
    assert track(client, case.code, "000000").status_code == 422


def test_the_receipts_link_opens_the_case_on_another_device(client: Client, county: County) -> None:
    client.post(SUBMIT, form_data(county, citizen_name="", citizen_phone=""))
    case = Case.objects.get()
    receipt = client.get(reverse("portal:submitted", args=[case.code])).content.decode()
    link = tokens.track_link_path(case)
    assert link in receipt
    phone = Client()
    response = phone.get(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:track_detail", args=[case.code])
    assert phone.get(response["Location"]).status_code == 200
    # A tampered link proves nothing.
    tampered = link[:-4] + ("x" if link[-4] != "x" else "y") + link[-3:]
    stranger = Client()
    assert stranger.get(tampered).status_code == 400
    assert stranger.get(reverse("portal:track_detail", args=[case.code])).status_code == 302


def test_track_detail_needs_proof(client: Client, county: County) -> None:
    case = builders.accepted(county)
    response = client.get(reverse("portal:track_detail", args=[case.code]))
    assert response.status_code == 302 and case.code in response["Location"]


def test_track_rate_limited_per_ip(client: Client, county: County) -> None:
    case = builders.accepted(county)
    for i in range(10):
        assert track(client, f"JA0000-ZZ{i}A", "1111").status_code == 422
    response = track(client, case.code, "5678")  # right, but too many tries from this IP
    assert response.status_code == 429
    assert "尝试次数过多，请稍后再试" in response.content.decode()


def test_ten_wrong_guesses_do_not_lock_the_citizen_out(client: Client, county: County) -> None:
    case = builders.accepted(county)
    for i in range(10):
        assert track(client, case.code, f"{i:04d}", REMOTE_ADDR="10.0.0.1").status_code == 422
    assert track(client, case.code, "5678", REMOTE_ADDR="10.0.0.1").status_code == 429
    # The citizen, from their own phone, still gets in — and may mistype first.
    citizen = Client()
    assert track(citizen, case.code, "5687", REMOTE_ADDR="10.0.1.1").status_code == 422
    assert track(citizen, case.code, "5678", REMOTE_ADDR="10.0.1.1").status_code == 302


def test_a_code_guessed_at_from_many_addresses_gets_few_tries_from_each(
    client: Client, county: County
) -> None:
    case = builders.accepted(county)
    # Before anyone guesses at it, one address may mistype a few times and still get in.
    assert all(
        track(client, case.code, "0000", REMOTE_ADDR="10.0.9.9").status_code == 422
        for _ in range(4)
    )
    assert track(client, case.code, "5678", REMOTE_ADDR="10.0.9.9").status_code == 302
    # Many addresses guessing at one code: once it has had ten wrong tries, an address that
    # has failed on it three times waits; a fresh address still gets its tries.
    for i in range(4):
        for n in range(3):
            track(Client(), case.code, f"{i}{n}00", REMOTE_ADDR=f"10.0.0.{i}")
    assert track(Client(), case.code, "5678", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert track(Client(), case.code, "1111", REMOTE_ADDR="10.0.2.1").status_code == 422
    assert track(Client(), case.code, "5678", REMOTE_ADDR="10.0.2.2").status_code == 302


def test_a_code_guessed_at_all_day_then_opens_only_with_its_pin(
    client: Client, county: County
) -> None:
    case = builders.accepted(county, tracking_pin="975310")
    for i in range(100):
        track(Client(), case.code, f"{i:04d}", REMOTE_ADDR=f"10.1.{i // 3}.{i % 3}")
    citizen = Client()
    response = track(citizen, case.code, "5678", REMOTE_ADDR="10.2.0.1")
    assert response.status_code == 429
    assert "请填写回执上的查询密码" in response.content.decode()
    assert track(citizen, case.code, "975310", REMOTE_ADDR="10.2.0.1").status_code == 302
    # The next day the last four work again.
    with clock.travel_to(clock.now() + timedelta(days=1, minutes=1)):
        assert track(Client(), case.code, "5678", REMOTE_ADDR="10.2.0.2").status_code == 302


def test_track_shows_replies_but_nothing_internal(
    client: Client, county: County, dispatcher: Any, township_handler: Any
) -> None:
    township_handler.full_name = "张办事员"
    township_handler.save()
    dispatcher.full_name = "赵派单员"
    dispatcher.save()
    case = builders.dispatched(county, dispatcher)
    case = services.case_return(actor=township_handler, case=case, reason="退单理由：不归我们管")
    case = services.case_arbitrate(
        actor=dispatcher, case=case, lead_unit=county.chengguan, reason="裁定理由：属地管理"
    )
    services.case_add_note(actor=dispatcher, case=case, text="内部备注：此人多次来访")
    case = services.case_acknowledge(actor=township_handler, case=case)
    case = services.case_interim_reply(
        actor=township_handler, case=case, text="已联系电工，本周内到场。"
    )
    case = services.case_reply(actor=township_handler, case=case, text="路灯已全部修复。")
    assert track(client, case.code, "5678").status_code == 302
    html = client.get(reverse("portal:track_detail", args=[case.code])).content.decode()
    assert "路灯已全部修复。" in html
    assert "已联系电工，本周内到场。" in html
    for secret in (
        "张办事员",
        "赵派单员",
        "cg_handler",
        "dispatcher",
        "内部备注",
        "此人多次来访",
        "退单",
        "不归我们管",
        "裁定",
        "属地管理",
        "13812345678",
        "王先生",
    ):
        assert secret not in html, secret
    assert "去评价" in html
    assert reverse("portal:callback", args=["x"]).rsplit("x", 1)[0] in html


def test_public_events_allow_list_excludes_internal_kinds() -> None:
    for kind in ("note", "return", "remind", "supervise", "reveal_contact", "classify"):
        assert kind not in PUBLIC_EVENTS


def test_track_page_query_count(
    client: Client,
    county: County,
    dispatcher: Any,
    township_handler: Any,
    django_assert_max_num_queries: Any,
) -> None:
    case = builders.replied(county, dispatcher, township_handler)
    track(client, case.code, "5678")
    with django_assert_max_num_queries(6):
        client.get(reverse("portal:track_detail", args=[case.code]))


# --- callback -------------------------------------------------------------------------------


@pytest.fixture
def replied_case(county: County, dispatcher: Any, township_handler: Any) -> Case:
    return builders.replied(county, dispatcher, township_handler)


def callback_url(case: Case) -> str:
    return tokens.callback_path(case)


def test_callback_page_renders(client: Client, replied_case: Case) -> None:
    html = client.get(callback_url(replied_case)).content.decode()
    assert "非常满意" in html and "非常不满意" in html
    assert "已安排电工更换灯泡" in html


def test_callback_satisfied_closes(client: Client, replied_case: Case) -> None:
    url = callback_url(replied_case)
    data = {
        "resolved": "1",
        "satisfaction": "5",
        "comment": "谢谢",
        "version": replied_case.version,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    replied_case.refresh_from_db()
    assert replied_case.state == State.CLOSED and replied_case.satisfaction == 5
    assert "感谢您的评价" in response.content.decode()


def test_callback_unsatisfied_reopens(client: Client, replied_case: Case) -> None:
    url = callback_url(replied_case)
    data = {
        "resolved": "0",
        "satisfaction": "2",
        "comment": "灯还是不亮",
        "version": replied_case.version,
    }
    response = client.post(url, data)
    replied_case.refresh_from_db()
    assert replied_case.state == State.IN_PROGRESS and replied_case.reopen_count == 1
    html = response.content.decode()
    assert "事项将重新办理" in html


def test_callback_replay_refused(client: Client, replied_case: Case) -> None:
    url = callback_url(replied_case)
    data = {"resolved": "1", "satisfaction": "4", "version": replied_case.version}
    client.post(url, data)
    events = CaseEvent.objects.filter(case=replied_case).count()
    response = client.post(url, {"resolved": "0", "satisfaction": "1", "version": ""})
    assert "无需再次评价" in response.content.decode()
    assert CaseEvent.objects.filter(case=replied_case).count() == events
    replied_case.refresh_from_db()
    assert replied_case.satisfaction == 4


def test_callback_stale_page_refused(client: Client, replied_case: Case, dispatcher: Any) -> None:
    url = callback_url(replied_case)
    version = replied_case.version
    services.case_callback(actor=dispatcher, case=replied_case, resolved=True, satisfaction=5)
    response = client.post(url, {"resolved": "0", "satisfaction": "1", "version": version})
    assert "无需再次评价" in response.content.decode()
    replied_case.refresh_from_db()
    assert replied_case.state == State.CLOSED and replied_case.satisfaction == 5


def test_callback_tampered_token(client: Client, replied_case: Case) -> None:
    token = tokens.callback_token(replied_case)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(reverse("portal:callback", args=[forged]))
    assert response.status_code == 400
    assert "评价链接无效" in response.content.decode()


def test_callback_token_for_another_case_is_not_accepted(
    client: Client, county: County, replied_case: Case
) -> None:
    from django.core import signing

    other = builders.accepted(county)
    token = signing.dumps({"id": replied_case.pk, "code": other.code}, salt=tokens.SALT)
    assert client.get(reverse("portal:callback", args=[token])).status_code == 400
    unsalted = signing.dumps({"id": replied_case.pk, "code": replied_case.code})
    assert client.get(reverse("portal:callback", args=[unsalted])).status_code == 400


def test_callback_expired_token(client: Client, replied_case: Case, monkeypatch: Any) -> None:
    import time

    token = tokens.callback_token(replied_case)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + timedelta(days=31).total_seconds())
    response = client.get(reverse("portal:callback", args=[token]))
    assert response.status_code == 400
    assert "评价链接已过期" in response.content.decode()


def test_callback_missing_choice(client: Client, replied_case: Case) -> None:
    response = client.post(callback_url(replied_case), {"comment": "好"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "请选择问题是否已解决" in html and "请选择满意程度" in html
    replied_case.refresh_from_db()
    assert replied_case.state == State.REPLIED


def test_callback_not_yet_replied(client: Client, county: County) -> None:
    case = builders.accepted(county)
    response = client.get(callback_url(case))
    assert "现在无需评价" in response.content.decode()
