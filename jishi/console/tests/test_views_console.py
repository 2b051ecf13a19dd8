"""The staff console's core pages through Django's test client: my work, the dispatcher's
queue and the case page with its actions, errors, conflicts and query counts."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from jishi.cases import services
from jishi.cases.models import Case, CaseEvent, Category, State
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.orgs.models import User
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def detail(case: Case) -> str:
    return reverse("console:detail", args=[case.code])


def act(case: Case, name: str) -> str:
    return reverse("console:act", args=[case.code, name])


def png(color: str = "red", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


# --- my work --------------------------------------------------------------------------------


def test_my_work_needs_sign_in(client: Client) -> None:
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/console/"


def test_handler_sees_cases_to_acknowledge_and_to_handle(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    waiting = builders.dispatched(county, dispatcher, title="东街路灯不亮")
    working = builders.in_progress(county, dispatcher, township_handler, title="西街下水道堵塞")
    builders.accepted(county, title="尚未派单的事项")
    html = signed_in(client, township_handler).get("/console/").content.decode()
    assert "待签收" in html and "待办理答复" in html
    assert waiting.code in html and working.code in html
    assert "尚未派单的事项" not in html  # not dispatched to the unit yet
    assert "light-green" in html and "剩余" in html and "个工作日" in html
    # Links to the case page.
    assert detail(waiting) in html


def test_other_township_sees_nothing_of_ours(
    client: Client, county: County, dispatcher: User, other_township_handler: User
) -> None:
    case = builders.dispatched(county, dispatcher)
    html = signed_in(client, other_township_handler).get("/console/").content.decode()
    assert case.code not in html
    assert "待签收" in html  # the group is there, empty


def test_dispatcher_groups(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    new = builders.accepted(county, title="新受理的事项")
    back = builders.returned(county, dispatcher, township_handler)
    answered = builders.replied(county, dispatcher, township_handler)
    html = signed_in(client, dispatcher).get("/console/").content.decode()
    for title in ("待派单", "被退回", "待回访", "延期申请待审批"):
        assert title in html
    for case in (new, back, answered):
        assert case.code in html
    assert "待签收" not in html


def test_overdue_first_with_red_light_for_the_inspector(
    client: Client, county: County, dispatcher: User, township_handler: User, inspector: User
) -> None:
    with clock.travel_to(datetime.fromisoformat("2026-03-02T09:00:00+08:00")):
        late = builders.in_progress(county, dispatcher, township_handler, title="很久以前的事项")
    recent = builders.in_progress(county, dispatcher, township_handler, title="刚派的事项")
    services.case_supervise(actor=inspector, case=recent, days=3, note="请加快办理")
    html = signed_in(client, inspector).get("/console/").content.decode()
    assert "已超期" in html and "督办中" in html
    assert "light-red" in html
    overdue_section = html.split('id="group-overdue"')[1].split("</section>")[0]
    assert late.code in overdue_section and recent.code not in overdue_section
    assert "已超期" in overdue_section and "个工作日" in overdue_section
    supervised = html.split('id="group-supervised"')[1].split("</section>")[0]
    assert recent.code in supervised


def test_handler_list_is_ordered_overdue_first(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    recent = builders.in_progress(county, dispatcher, township_handler, title="最近的事项")
    with clock.travel_to(datetime.fromisoformat("2026-03-02T09:00:00+08:00")):
        old = builders.in_progress(county, dispatcher, township_handler, title="很久以前的事项")
    html = signed_in(client, township_handler).get("/console/").content.decode()
    assert html.index(old.code) < html.index(recent.code)


def test_group_is_capped_with_a_count(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    from jishi.console import selectors as selectors_console

    for _ in range(selectors_console.GROUP_LIMIT + 2):
        builders.dispatched(county, dispatcher)
    groups = selectors_console.my_work(township_handler)
    acknowledge = next(g for g in groups if g.key == "acknowledge")
    assert acknowledge.count == selectors_console.GROUP_LIMIT + 2
    assert len(acknowledge.rows) == selectors_console.GROUP_LIMIT
    assert acknowledge.more == 2


def test_stranger_is_told_to_get_a_post(client: Client, stranger: User) -> None:
    html = signed_in(client, stranger).get("/console/").content.decode()
    assert "您还没有任何岗位" in html


def test_remaining_time_words() -> None:
    from jishi.console.selectors import deadline_view
    from jishi.workdays.selectors import get_calendar

    calendar = get_calendar()
    per_day = calendar.hours.seconds_per_day
    now = datetime.fromisoformat("2026-03-02T09:00:00+08:00")  # a Monday morning
    due = calendar.add_workdays(now, 2).due
    view = deadline_view(due, now=now, calendar=calendar)
    assert view is not None and view.light == "green"
    assert view.text.startswith("剩余 2 个工作日")
    soon = deadline_view(now + timedelta(hours=2), now=now, calendar=calendar)
    assert soon is not None and soon.light == "yellow" and soon.text == "剩余 2 小时"
    late = deadline_view(now - timedelta(days=3), now=now, calendar=calendar)
    assert late is not None and late.light == "red" and late.text.startswith("已超期 ")
    assert per_day > 3600


# --- case page ------------------------------------------------------------------------------


def test_case_page_for_the_handler(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.dispatched(county, dispatcher)
    response = signed_in(client, township_handler).get(detail(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.title in html and case.text in html
    assert "待签收" in html and "诉求" in html and "群众门户" in html
    assert "城关镇 · 东街社区" in html
    assert "138****5678" in html and "13812345678" not in html
    # Timeline in words, with who did it.
    assert "受理" in html and "派单" in html and "主办单位" in html and "派单员" in html
    assert "签收期限" in html and "办理期限" in html
    # Only what the handler may do now.
    assert 'data-action="acknowledge"' in html and 'data-action="return"' in html
    assert 'data-action="reply"' not in html  # not acknowledged yet
    assert 'data-action="callback"' not in html and 'data-action="dispatch"' not in html


def test_case_page_for_the_dispatcher(client: Client, county: County, dispatcher: User) -> None:
    case = builders.accepted(county)
    html = signed_in(client, dispatcher).get(detail(case)).content.decode()
    for name in ("dispatch", "merge", "reject", "note"):
        assert f'data-action="{name}"' in html
    assert 'data-action="acknowledge"' not in html


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("township_handler", True),
        ("unit_lead", True),
        ("village_handler", True),
        ("dispatcher", True),
        ("inspector", True),
        ("county_lead", True),
        ("other_township_handler", False),
        ("dept_handler", False),
        ("stranger", False),
    ],
)
def test_case_page_scope(
    client: Client,
    county: County,
    dispatcher: User,
    request: pytest.FixtureRequest,
    persona: str,
    visible: bool,
) -> None:
    case = builders.dispatched(county, dispatcher)
    user = request.getfixturevalue(persona)
    response = signed_in(client, user).get(detail(case))
    assert response.status_code == (200 if visible else 404)
    missing = client.get(reverse("console:detail", args=["JA0000-ZZZZ"]))
    assert missing.status_code == 404


def test_out_of_scope_action_is_404_and_changes_nothing(
    client: Client, county: County, dispatcher: User, other_township_handler: User
) -> None:
    case = builders.dispatched(county, dispatcher)
    response = signed_in(client, other_township_handler).post(
        act(case, "acknowledge"), {"acknowledge-expected_version": case.version}
    )
    assert response.status_code == 404
    assert fresh(case).state == State.DISPATCHED


def test_acknowledge_then_reply_with_htmx(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.dispatched(county, dispatcher)
    signed_in(client, township_handler)
    response = client.post(
        act(case, "acknowledge"), {"acknowledge-expected_version": case.version}, headers=HTMX
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"jishi:toast": "已签收"}
    html = response.content.decode()
    assert 'id="case-body"' in html and "<html" not in html
    assert 'data-action="reply"' in html
    case = fresh(case)
    assert case.state == State.IN_PROGRESS

    response = client.post(
        act(case, "reply"),
        {"reply-expected_version": case.version, "reply-text": "已修复路灯，恢复照明。"},
        headers=HTMX,
    )
    assert response.status_code == 200
    case = fresh(case)
    assert case.state == State.REPLIED
    assert "已修复路灯" in response.content.decode()  # now in the timeline


def test_action_without_htmx_redirects(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.dispatched(county, dispatcher)
    response = signed_in(client, township_handler).post(
        act(case, "acknowledge"), {"acknowledge-expected_version": case.version}
    )
    assert response.status_code == 302
    assert response["Location"] == detail(case)


def test_stale_page_is_a_conflict(
    client: Client, county: County, dispatcher: User, township_handler: User, unit_lead: User
) -> None:
    case = builders.dispatched(county, dispatcher)
    shown = case.version
    services.case_acknowledge(actor=unit_lead, case=case)  # someone else acts first
    response = signed_in(client, township_handler).post(
        act(case, "return"),
        {"return-expected_version": shown, "return-reason": "不属于本镇"},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert "该事项已被他人处理，页面已刷新" in response.content.decode()
    assert fresh(case).state == State.IN_PROGRESS


def test_forbidden_action_is_403(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.replied(county, dispatcher, township_handler)
    response = signed_in(client, township_handler).post(
        act(case, "callback"),
        {
            "callback-expected_version": case.version,
            "callback-resolved": "1",
            "callback-satisfaction": "5",
        },
    )
    assert response.status_code == 403
    assert fresh(case).state == State.REPLIED


def test_wrong_state_is_a_message_on_the_form(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.dispatched(county, dispatcher)
    response = signed_in(client, township_handler).post(
        act(case, "reply"),
        {"reply-expected_version": case.version, "reply-text": "答复"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "不能答复" in response.content.decode()
    assert fresh(case).state == State.DISPATCHED


def test_unknown_action_is_404(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.dispatched(county, dispatcher)
    response = signed_in(client, township_handler).post(act(case, "explode"), {})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写答复内容"),
        ("   ", "请填写答复内容"),
        ("长" * (services.TEXT_MAX + 1), f"最多 {services.TEXT_MAX} 字"),
    ],
)
def test_reply_field_errors(
    client: Client,
    county: County,
    dispatcher: User,
    township_handler: User,
    text: str,
    message: str,
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    response = signed_in(client, township_handler).post(
        act(case, "reply"),
        {"reply-expected_version": case.version, "reply-text": text},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "errorlist" in html
    assert "<details" in html and 'data-action="reply"' in html
    assert fresh(case).state == State.IN_PROGRESS
    # Without htmx: the whole page, marked as a bad request.
    plain = client.post(
        act(case, "reply"), {"reply-expected_version": case.version, "reply-text": text}
    )
    assert plain.status_code == 400 and message in plain.content.decode()


def test_traditional_text_is_kept_as_written(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    signed_in(client, township_handler).post(
        act(case, "reply"),
        {"reply-expected_version": case.version, "reply-text": "已聯繫電力公司修復路燈。"},
        headers=HTMX,
    )
    case = fresh(case)
    assert case.state == State.REPLIED
    assert case.events.get(kind="reply").payload["text"] == "已聯繫電力公司修復路燈。"


def test_extension_with_full_width_days(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    signed_in(client, township_handler)
    bad = client.post(
        act(case, "request_extension"),
        {
            "request_extension-expected_version": case.version,
            "request_extension-days": "九十",
            "request_extension-reason": "需要协调",
        },
        headers=HTMX,
    )
    assert "请填写 1–60 之间的整数" in bad.content.decode()
    too_many = client.post(
        act(case, "request_extension"),
        {
            "request_extension-expected_version": case.version,
            "request_extension-days": "９０",
            "request_extension-reason": "需要协调",
        },
        headers=HTMX,
    )
    assert "请填写 1–60 之间的整数" in too_many.content.decode()
    assert not fresh(case).extension_pending
    ok = client.post(
        act(case, "request_extension"),
        {
            "request_extension-expected_version": case.version,
            "request_extension-days": "５",
            "request_extension-reason": "需要协调供电公司",
        },
        headers=HTMX,
    )
    assert ok.status_code == 200
    case = fresh(case)
    assert case.extension_pending
    assert case.events.get(kind="request_extension").payload["days"] == 5
    assert "延期待审批" in ok.content.decode()
    assert 'data-action="request_extension"' not in ok.content.decode()


def test_dispatcher_decides_an_extension(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    services.case_request_extension(actor=township_handler, case=case, days=3, reason="协调")
    case = fresh(case)
    before = case.handling_due
    signed_in(client, dispatcher)
    html = client.get(detail(case)).content.decode()
    assert 'data-action="decide_extension"' in html
    client.post(
        act(case, "decide_extension"),
        {"decide_extension-expected_version": case.version, "decide_extension-approve": "1"},
        headers=HTMX,
    )
    case = fresh(case)
    assert case.handling_due is not None and before is not None
    assert not case.extension_pending and case.handling_due > before


def test_callback_closes_when_satisfied(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.replied(county, dispatcher, township_handler)
    signed_in(client, dispatcher)
    missing = client.post(
        act(case, "callback"), {"callback-expected_version": case.version}, headers=HTMX
    )
    html = missing.content.decode()
    assert "请选择是否解决" in html and "请选择满意度" in html
    response = client.post(
        act(case, "callback"),
        {
            "callback-expected_version": case.version,
            "callback-resolved": "1",
            "callback-satisfaction": "4",
            "callback-comment": "很及时",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    case = fresh(case)
    assert case.state == State.CLOSED and case.satisfaction == 4
    html = response.content.decode()
    assert "回访" in html and "满意" in html and "很及时" in html


def test_callback_unsatisfied_reopens(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.replied(county, dispatcher, township_handler)
    signed_in(client, dispatcher).post(
        act(case, "callback"),
        {
            "callback-expected_version": case.version,
            "callback-resolved": "0",
            "callback-satisfaction": "2",
            "callback-comment": "路灯还是不亮",
        },
        headers=HTMX,
    )
    case = fresh(case)
    assert case.state == State.IN_PROGRESS and case.reopen_count == 1
    html = signed_in(client, township_handler).get("/console/").content.decode()
    assert "退回重办" in html and case.code in html.split('id="group-redo"')[1]


@pytest.mark.parametrize(
    ("name", "state", "data", "expected"),
    [
        ("return", State.DISPATCHED, {"reason": "不属于本镇职责"}, State.RETURNED),
        ("interim_reply", State.IN_PROGRESS, {"text": "正在协调"}, State.IN_PROGRESS),
        ("note", State.IN_PROGRESS, {"text": "已电话联系群众"}, State.IN_PROGRESS),
    ],
)
def test_unit_actions(
    client: Client,
    county: County,
    dispatcher: User,
    township_handler: User,
    name: str,
    state: str,
    data: dict[str, str],
    expected: str,
) -> None:
    case = builders.in_state(state, county, dispatcher, township_handler)
    posted = {f"{name}-{k}": v for k, v in data.items()}
    posted[f"{name}-expected_version"] = str(case.version)
    response = signed_in(client, township_handler).post(act(case, name), posted, headers=HTMX)
    assert response.status_code == 200, response.content.decode()[:500]
    case = fresh(case)
    assert case.state == expected
    assert case.events.order_by("-seq").first().kind == name  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "state", "data", "expected"),
    [
        ("close", State.REPLIED, {"reason": "多次联系不上群众"}, State.CLOSED),
        ("reopen", State.CLOSED, {"reason": "群众再次反映"}, State.IN_PROGRESS),
        ("remind", State.IN_PROGRESS, {"note": "请尽快"}, State.IN_PROGRESS),
        ("reject", State.ACCEPTED, {"reason": "属于诉讼程序"}, State.REJECTED),
    ],
)
def test_county_actions(
    client: Client,
    county: County,
    dispatcher: User,
    township_handler: User,
    name: str,
    state: str,
    data: dict[str, str],
    expected: str,
) -> None:
    case = builders.in_state(state, county, dispatcher, township_handler)
    posted = {f"{name}-{k}": v for k, v in data.items()}
    posted[f"{name}-expected_version"] = str(case.version)
    response = signed_in(client, dispatcher).post(act(case, name), posted, headers=HTMX)
    assert response.status_code == 200, response.content.decode()[:500]
    assert fresh(case).state == expected


def test_inspector_supervises(
    client: Client, county: County, dispatcher: User, township_handler: User, inspector: User
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    signed_in(client, inspector)
    html = client.get(detail(case)).content.decode()
    assert 'data-action="supervise"' in html and 'data-action="reply"' not in html
    client.post(
        act(case, "supervise"),
        {
            "supervise-expected_version": case.version,
            "supervise-days": "3",
            "supervise-note": "限期办结",
        },
        headers=HTMX,
    )
    case = fresh(case)
    assert case.supervised
    assert "督办期限" in client.get(detail(case)).content.decode()


def test_dispatch_from_the_case_page_defaults_to_the_owning_unit(
    client: Client, county: County, dispatcher: User
) -> None:
    roads = Category.objects.create(code="roads", name="道路维修", owning_unit=county.transport)
    case = builders.accepted(county)
    response = signed_in(client, dispatcher).post(
        act(case, "dispatch"),
        {"dispatch-expected_version": case.version, "dispatch-category": roads.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    case = fresh(case)
    assert case.state == State.DISPATCHED and case.lead_unit == county.transport
    assert case.category == roads


def test_dispatch_needs_a_unit_when_the_category_has_none(
    client: Client, county: County, dispatcher: User
) -> None:
    case = builders.accepted(county)
    html = (
        signed_in(client, dispatcher)
        .post(act(case, "dispatch"), {"dispatch-expected_version": case.version}, headers=HTMX)
        .content.decode()
    )
    assert "请选择主办单位" in html
    assert fresh(case).state == State.ACCEPTED


def test_merge_by_tracking_code(client: Client, county: County, dispatcher: User) -> None:
    target = builders.accepted(county)
    duplicate = builders.accepted(county)
    signed_in(client, dispatcher)
    unknown = client.post(
        act(duplicate, "merge"),
        {"merge-expected_version": duplicate.version, "merge-into": "JA0000-ZZZZ"},
        headers=HTMX,
    )
    assert "没有找到受理编号为 JA0000-ZZZZ 的事项" in unknown.content.decode()
    full_width = target.code.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    client.post(
        act(duplicate, "merge"),
        {"merge-expected_version": duplicate.version, "merge-into": full_width},
        headers=HTMX,
    )
    duplicate = fresh(duplicate)
    assert duplicate.state == State.MERGED and duplicate.merged_into == target


def test_reveal_contact_logs_an_event(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.dispatched(county, dispatcher)
    signed_in(client, township_handler)
    html = client.get(detail(case)).content.decode()
    assert reverse("console:reveal", args=[case.code]) in html
    response = client.post(reverse("console:reveal", args=[case.code]), headers=HTMX)
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert event is not None and event.kind == "reveal_contact" and event.actor == township_handler
    assert "查看联系方式" in client.get(detail(case)).content.decode()


def test_reveal_is_refused_outside_scope(
    client: Client,
    county: County,
    dispatcher: User,
    other_township_handler: User,
    county_lead: User,
) -> None:
    case = builders.dispatched(county, dispatcher)
    response = signed_in(client, other_township_handler).post(
        reverse("console:reveal", args=[case.code])
    )
    assert response.status_code == 404
    # A county lead sees the case but may not reveal the number: no button, 403 on POST.
    signed_in(client, county_lead)
    assert (
        reverse("console:reveal", args=[case.code]) not in client.get(detail(case)).content.decode()
    )
    assert client.post(reverse("console:reveal", args=[case.code])).status_code == 403
    assert not CaseEvent.objects.filter(case=case, kind="reveal_contact").exists()


# --- attachments ----------------------------------------------------------------------------


def _attach(client: Client, case: Case, name: str, content: bytes, ctype: str) -> Any:
    return client.post(
        act(case, "attach"),
        {
            "attach-expected_version": str(case.version),
            "attach-attachments": SimpleUploadedFile(name, content, content_type=ctype),
        },
        headers=HTMX,
    )


def test_photo_upload_and_protected_file(
    client: Client,
    county: County,
    dispatcher: User,
    township_handler: User,
    other_township_handler: User,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    case = builders.in_progress(county, dispatcher, township_handler)
    signed_in(client, township_handler)
    response = _attach(client, case, "现场.png", png(), "image/png")
    assert response.status_code == 200
    attachment = fresh(case).attachments.get()
    url = reverse("console:attachment", args=[case.code, attachment.pk])
    assert url in response.content.decode()
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    signed_in(client, other_township_handler)
    assert client.get(url).status_code == 404


def test_big_photo_and_non_image_are_refused(
    client: Client,
    county: County,
    dispatcher: User,
    township_handler: User,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    case = builders.in_progress(county, dispatcher, township_handler)
    signed_in(client, township_handler)
    big = png() + b"\0" * (12 * 1024 * 1024)
    html = _attach(client, case, "大图.png", big, "image/png").content.decode()
    assert "超过 10 MB 的上限" in html and "errorlist" in html
    html = _attach(client, case, "说明.pdf", b"%PDF-1.4 not an image", "image/png").content.decode()
    assert "不是可识别的图片文件" in html
    empty = client.post(
        act(case, "attach"), {"attach-expected_version": str(case.version)}, headers=HTMX
    ).content.decode()
    assert "请选择要上传的图片" in empty
    assert not fresh(case).attachments.exists()
    assert fresh(case).version == case.version


# --- dispatcher queue -----------------------------------------------------------------------


def test_queue_lists_new_and_returned_oldest_first(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    with clock.travel_to(datetime.fromisoformat("2026-03-02T09:00:00+08:00")):
        old = builders.accepted(county, title="最早的事项")
    back = builders.returned(county, dispatcher, township_handler)
    new = builders.accepted(county, title="刚受理的事项")
    builders.dispatched(county, dispatcher, title="已派出的事项")
    response = signed_in(client, dispatcher).get(reverse("console:dispatch"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(old.code) < html.index(back.code) < html.index(new.code)
    assert "已派出的事项" not in html
    # Arbitration is offered on the returned one (its form loads when the section opens).
    assert html.split(f'id="queue-{back.code}"')[1].split("</summary>")[0].endswith("、裁定")


def test_queue_is_for_dispatchers_only(client: Client, township_handler: User) -> None:
    response = signed_in(client, township_handler).get(reverse("console:dispatch"))
    assert response.status_code == 403


def test_queue_routes_one_row_with_htmx(client: Client, county: County, dispatcher: User) -> None:
    roads = Category.objects.create(code="roads", name="道路维修", owning_unit=county.transport)
    case = builders.accepted(county)
    response = signed_in(client, dispatcher).post(
        reverse("console:dispatch_row", args=[case.code]),
        {
            "op": "dispatch",
            "dispatch-expected_version": case.version,
            "dispatch-category": roads.pk,
            "dispatch-lead_unit": "",
            "dispatch-assisting_units": [county.chengguan.pk],
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "已派单 → 县交通运输局" in html and "<html" not in html
    case = fresh(case)
    assert case.lead_unit == county.transport
    assert list(case.assisting_units.all()) == [county.chengguan]


def test_queue_row_errors_stay_in_the_row(client: Client, county: County, dispatcher: User) -> None:
    case = builders.accepted(county)
    signed_in(client, dispatcher)
    html = client.post(
        reverse("console:dispatch_row", args=[case.code]),
        {"op": "reject", "reject-expected_version": case.version, "reject-reason": ""},
        headers=HTMX,
    ).content.decode()
    assert "请填写不予受理理由" in html and f'id="queue-{case.code}"' in html
    ok = client.post(
        reverse("console:dispatch_row", args=[case.code]),
        {"op": "reject", "reject-expected_version": case.version, "reject-reason": "涉诉事项"},
        headers=HTMX,
    ).content.decode()
    assert "已不予受理" in ok
    assert fresh(case).state == State.REJECTED


def test_queue_conflict(client: Client, county: County, dispatcher: User) -> None:
    case = builders.accepted(county)
    services.case_dispatch(actor=dispatcher, case=case, lead_unit=county.chengguan)
    response = signed_in(client, dispatcher).post(
        reverse("console:dispatch_row", args=[case.code]),
        {
            "op": "dispatch",
            "dispatch-expected_version": case.version,
            "dispatch-lead_unit": county.housing.pk,
        },
        headers=HTMX,
    )
    assert response.status_code == 409


def test_queue_shows_router_suggestions(client: Client, county: County, dispatcher: User) -> None:
    from jishi.routing.models import KeywordRule, RouterModel, RouterTarget

    Category.objects.create(code="roads", name="道路维修", owning_unit=county.transport)
    Category.objects.create(code="lights", name="路灯照明", owning_unit=county.chengguan)
    KeywordRule.objects.create(target=RouterTarget.CATEGORY, keywords="路灯 不亮", label="lights")
    KeywordRule.objects.create(target=RouterTarget.CATEGORY, keywords="道路 坑洼", label="roads")
    builders.accepted(county, title="路灯不亮", text="小区门口的路灯不亮了，旁边道路也不好走")
    builders.accepted(county, title="咨询", text="想问问办事时间")
    html = signed_in(client, dispatcher).get(reverse("console:dispatch")).content.decode()
    # Two keywords of "lights" matched and one of "roads": shares 2/3 and 1/3.
    assert "路灯照明 67%" in html and "道路维修 33%" in html
    # The top suggestion is filled in, as the category list names it.
    assert 'name="dispatch-category" list="pick-categories" value="路灯照明（城关镇）"' in html
    assert (
        'value="道路维修（县交通运输局）"'
        not in html.split('id="pick-categories"')[1].split("</datalist>")[1]
    )
    # The second case matches no rule: it gets no suggestions, only the picker.
    assert html.count('aria-label="分类建议"') == 1

    # An active model whose file has gone missing: the queue still works, without hints.
    RouterModel.objects.create(
        version="gone",
        target=RouterTarget.CATEGORY,
        n_documents=1,
        artifact="router/gone.npz",
        sha256="0" * 64,
        is_active=True,
    )
    response = client.get(reverse("console:dispatch"))
    assert response.status_code == 200 and "建议分类" not in response.content.decode()


# --- query counts ---------------------------------------------------------------------------


def test_my_work_query_count_is_bounded(
    client: Client,
    county: County,
    dispatcher: User,
    township_handler: User,
    django_assert_max_num_queries: Any,
) -> None:
    with services.batch():
        for i in range(50):
            case = builders.dispatched(county, dispatcher)
            if i % 2:
                services.case_acknowledge(actor=township_handler, case=case)
    for user in (township_handler, dispatcher):
        signed_in(client, user)
        client.get("/console/")  # warm per-process caches (calendar)
        with django_assert_max_num_queries(20):
            response = client.get("/console/")
        assert response.status_code == 200


def test_a_huge_backlog_is_counted_only_up_to_the_cap(
    client: Client,
    county: County,
    dispatcher: User,
    township_handler: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jishi.console import selectors as selectors_console

    with services.batch():
        for _ in range(24):
            builders.dispatched(county, dispatcher)
    monkeypatch.setattr(selectors_console, "WORK_COUNT_CAP", 22)
    html = signed_in(client, township_handler).get("/console/").content.decode()
    assert '<span class="count" aria-label="22+ 件">22+</span>' in html
    assert "共 22+ 件事项等您处理" in html and "还有很多，在台账中查看全部" in html
    monkeypatch.setattr(selectors_console, "WORK_COUNT_CAP", 999)
    html = client.get("/console/").content.decode()
    assert '<span class="count" aria-label="24 件">24</span>' in html
    assert "还有 4 件，在台账中查看全部" in html


def test_case_page_query_count_is_bounded(
    client: Client,
    county: County,
    dispatcher: User,
    township_handler: User,
    django_assert_max_num_queries: Any,
) -> None:
    cases = [builders.in_progress(county, dispatcher, township_handler) for _ in range(50)]
    case = cases[0]
    for i in range(20):
        services.case_add_note(actor=township_handler, case=case, text=f"备注 {i}")
    for user in (township_handler, dispatcher):
        signed_in(client, user)
        client.get(detail(case))
        with django_assert_max_num_queries(20):
            response = client.get(detail(case))
        assert response.status_code == 200


def test_pages_in_traditional_and_english(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.dispatched(county, dispatcher)
    signed_in(client, township_handler)
    client.post(reverse("set_language"), {"language": "zh-hant", "next": "/console/"})
    html = client.get("/console/").content.decode()
    assert "待簽收" in html and "剩餘" in html
    assert "簽收" in client.get(detail(case)).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/console/"})
    html = client.get("/console/").content.decode()
    assert "To acknowledge" in html and "left" in html
    assert "Acknowledge" in client.get(detail(case)).content.decode()


def test_queue_arbitrates_a_returned_case(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.returned(county, dispatcher, township_handler)
    signed_in(client, dispatcher)
    back = client.post(
        reverse("console:dispatch_row", args=[case.code]),
        {
            "op": "dispatch",
            "dispatch-expected_version": case.version,
            "dispatch-lead_unit": county.chengguan.pk,
        },
        headers=HTMX,
    ).content.decode()
    assert "请使用「裁定」" in back  # dispatching back to the unit that returned it
    done = client.post(
        reverse("console:dispatch_row", args=[case.code]),
        {
            "op": "arbitrate",
            "arbitrate-expected_version": case.version,
            "arbitrate-lead_unit": county.chengguan.pk,
            "arbitrate-reason": "路灯维护属于城关镇职责",
        },
        headers=HTMX,
    ).content.decode()
    assert "已裁定 → 城关镇" in done
    case = fresh(case)
    assert case.state == State.DISPATCHED and case.arbitrated


def test_queue_rows_refuse_unit_posts(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.returned(county, dispatcher, township_handler)
    response = signed_in(client, township_handler).post(
        reverse("console:dispatch_row", args=[case.code]),
        {"op": "reject", "reject-expected_version": case.version, "reject-reason": "不管"},
    )
    assert response.status_code == 403
    assert fresh(case).state == State.RETURNED


def test_pages_answer_head_requests(client: Client, county: County, dispatcher: User) -> None:
    case = builders.accepted(county)
    signed_in(client, dispatcher)
    for url in ("/console/", reverse("console:dispatch"), detail(case)):
        assert client.head(url).status_code == 200


def test_queue_keeps_what_was_typed_after_an_error(
    client: Client, county: County, dispatcher: User
) -> None:
    case = builders.accepted(county)
    html = (
        signed_in(client, dispatcher)
        .post(
            reverse("console:dispatch_row", args=[case.code]),
            {"op": "merge", "merge-expected_version": case.version, "merge-into": "ja0000-zzzz"},
            headers=HTMX,
        )
        .content.decode()
    )
    assert "没有找到受理编号为 JA0000-ZZZZ 的事项" in html
    assert 'value="ja0000-zzzz"' in html
    assert fresh(case).state == State.ACCEPTED
