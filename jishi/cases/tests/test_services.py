"""The services' rules beyond the table: the lifecycle, callbacks, returns and arbitration,
extensions, merges, input validation, encryption, conflicts."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.db import connection
from PIL import Image

from jishi.cases import services
from jishi.cases.models import Case, CaseClock, CaseEvent, ClockKind, State
from jishi.cases.services import Citizen, Upload
from jishi.cases.tests import builders
from jishi.common.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (32, 24)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def kinds(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("kind", flat=True))


def test_full_lifecycle_with_reopen(county: County, dispatcher, township_handler) -> None:
    case = builders.accepted(county)
    assert re.fullmatch(r"JA\d{4}-[2-9A-HJKMNP-Z]{4}", case.code)
    case = services.case_dispatch(actor=dispatcher, case=case, lead_unit=county.chengguan)
    assert case.response_due is not None and case.handling_due is not None
    case = services.case_acknowledge(actor=township_handler, case=case)
    assert case.response_due is None
    case = services.case_reply(actor=township_handler, case=case, text="已修复")
    case = services.case_callback(
        actor=Citizen(), case=case, resolved=False, satisfaction=2, comment="还是不亮"
    )
    assert case.state == State.IN_PROGRESS and case.reopen_count == 1
    assert case.handling_due is not None
    case = services.case_reply(actor=township_handler, case=case, text="已更换线路")
    case = services.case_callback(actor=Citizen(), case=case, resolved=True, satisfaction=5)
    assert case.state == State.CLOSED and case.resolved is True and case.satisfaction == 5
    assert kinds(case) == [
        "accept",
        "dispatch",
        "acknowledge",
        "reply",
        "callback",
        "reopen",
        "reply",
        "callback",
        "close",
    ]
    outcomes = dict(CaseClock.objects.filter(case=case).values_list("kind", "outcome"))
    assert outcomes[ClockKind.RESPONSE] == "met"


def test_unsatisfied_after_max_reopens_closes_unresolved(
    county: County, dispatcher, township_handler, settings
) -> None:
    settings.JISHI_MAX_REOPENS = 1
    case = builders.replied(county, dispatcher, township_handler)
    case = services.case_callback(actor=dispatcher, case=case, resolved=False, satisfaction=1)
    assert case.state == State.IN_PROGRESS
    case = services.case_reply(actor=township_handler, case=case, text="无法再处理")
    case = services.case_callback(actor=dispatcher, case=case, resolved=False, satisfaction=1)
    assert case.state == State.CLOSED
    assert case.resolved is False  # closed, but it counts as unresolved
    close = CaseEvent.objects.get(case=case, kind="close")
    assert close.payload["resolved"] is False


def test_callback_satisfaction_must_be_five_levels(county: County, dispatcher, township_handler):
    case = builders.replied(county, dispatcher, township_handler)
    with pytest.raises(InvalidInput) as exc:
        services.case_callback(actor=dispatcher, case=case, resolved=True, satisfaction=6)
    assert "satisfaction" in exc.value.errors
    assert kinds(case)[-1] == "reply"


def test_redispatch_to_the_returning_unit_is_refused_but_arbitration_works(
    county: County, dispatcher, township_handler, inspector
) -> None:
    case = builders.returned(county, dispatcher, township_handler)
    with pytest.raises(InvalidInput):
        services.case_dispatch(actor=dispatcher, case=case, lead_unit=county.chengguan)
    case = services.case_dispatch(actor=dispatcher, case=case, lead_unit=county.housing)
    assert case.lead_unit == county.housing
    case = builders.returned(county, dispatcher, township_handler)
    case = services.case_arbitrate(
        actor=inspector, case=case, lead_unit=county.chengguan, reason="路灯维护属镇职责"
    )
    assert case.state == State.DISPATCHED and case.arbitrated
    with pytest.raises(InvalidTransition):
        services.case_return(actor=township_handler, case=case, reason="再退")
    assert case.return_count == 1


def test_return_requires_a_reason(county: County, dispatcher, township_handler) -> None:
    case = builders.dispatched(county, dispatcher)
    with pytest.raises(InvalidInput) as exc:
        services.case_return(actor=township_handler, case=case, reason="   ")
    assert exc.value.errors == {"reason": ["请填写退单理由"]}


def test_extension_moves_the_deadline(county: County, dispatcher, township_handler) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    before = case.handling_due
    services.case_request_extension(actor=township_handler, case=case, days=5, reason="采购")
    with pytest.raises(InvalidTransition):
        services.case_request_extension(actor=township_handler, case=case, days=3, reason="再申请")
    case = services.case_decide_extension(actor=dispatcher, case=case, approve=True)
    assert case.handling_due is not None and before is not None and case.handling_due > before
    running = CaseClock.objects.get(case=case, kind=ClockKind.HANDLING, stopped_at__isnull=True)
    assert running.extension_days == 5 and "延期 5 个工作日" in running.rule
    with pytest.raises(InvalidTransition):
        services.case_decide_extension(actor=dispatcher, case=case, approve=True)


def test_denied_extension_leaves_the_deadline(county: County, dispatcher, township_handler):
    case = builders.in_progress(county, dispatcher, township_handler)
    before = case.handling_due
    services.case_request_extension(actor=township_handler, case=case, days=5, reason="采购")
    with pytest.raises(InvalidInput):
        services.case_decide_extension(actor=dispatcher, case=case, approve=False)  # no note
    case = services.case_decide_extension(actor=dispatcher, case=case, approve=False, note="否")
    assert case.handling_due == before and not case.extension_pending


def test_supervision_starts_its_own_clock(
    county: County, dispatcher, township_handler, inspector
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    case = services.case_supervise(actor=inspector, case=case, days=3, note="三日内办结")
    assert case.supervised
    clock = CaseClock.objects.get(case=case, kind=ClockKind.SUPERVISION)
    assert clock.stopped_at is None and clock.rule == "督办：3个工作日"
    services.case_reply(actor=township_handler, case=case, text="已办")
    clock.refresh_from_db()
    assert clock.stopped_at is not None and clock.outcome == "met"


def test_merge_rules(county: County, dispatcher) -> None:
    target = builders.accepted(county)
    duplicate = builders.accepted(county)
    with pytest.raises(InvalidInput):
        services.case_merge(actor=dispatcher, case=duplicate, into=duplicate)
    closed = services.case_reject(actor=dispatcher, case=builders.accepted(county), reason="重复")
    with pytest.raises(InvalidInput):
        services.case_merge(actor=dispatcher, case=duplicate, into=closed)
    merged = services.case_merge(actor=dispatcher, case=duplicate, into=target)
    assert merged.state == State.MERGED and merged.merged_into == target


def test_resolve_on_the_spot_at_intake(county: County, village_handler) -> None:
    case = builders.accepted(
        county,
        intaker=village_handler,
        channel="field_visit",
        resolve_on_the_spot="当场联系电工修好",
    )
    assert case.state == State.CLOSED and case.lead_unit == county.dongjie
    assert kinds(case) == ["accept", "resolve_on_the_spot"]


# --- input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "请填写标题"),
        ("title", "长" * 121, "标题最多 120 字"),
        ("text", "   \n ", "请填写内容"),
        ("text", "字" * 5001, "内容最多 5000 字"),
        ("citizen_phone", "12345", "电话号码应为"),
        ("citizen_id_number", "110101199003077777", "身份证号码无效"),
        ("kind", "gossip", "请选择事项类型"),
    ],
)
def test_bad_input_is_refused_with_a_field_message(county: County, field, value, message):
    before = Case.objects.count()
    with pytest.raises(InvalidInput) as exc:
        builders.accepted(county, **{field: value})
    assert any(message in m for m in exc.value.errors[field])
    assert Case.objects.count() == before and CaseEvent.objects.count() == 0


def test_village_outside_township_is_refused(county: County) -> None:
    with pytest.raises(InvalidInput) as exc:
        builders.accepted(county, township=county.shiqiao, village=county.dongjie)
    assert "东街社区不属于石桥镇" in exc.value.errors["village"][0]


def test_full_width_phone_and_id_are_normalised(county: County, dispatcher) -> None:
    case = builders.accepted(
        county, citizen_phone="１３８-１２３４-５６７８", citizen_id_number="11010519491231002x"
    )
    case = Case.objects.get(pk=case.pk)
    assert case.citizen_phone == "13812345678"
    assert case.citizen_id_number == "11010519491231002X"
    assert case.phone_masked == "138****5678"


def test_traditional_text_is_kept_as_written(county: County) -> None:
    case = builders.accepted(county, title="東街路燈不亮", text="請儘快維修路燈。")
    assert Case.objects.get(pk=case.pk).title == "東街路燈不亮"


def test_anonymous_case_keeps_no_contact(county: County) -> None:
    case = builders.accepted(county, anonymous=True)
    case = Case.objects.get(pk=case.pk)
    assert case.citizen_phone == "" and case.citizen_name == ""


def test_phone_and_id_are_encrypted_at_rest(county: County) -> None:
    case = builders.accepted(county, citizen_id_number="11010519491231002X")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT citizen_phone, citizen_id_number FROM cases_case WHERE id = %s", [case.pk]
        )
        phone_raw, id_raw = cursor.fetchone()
    assert "13812345678" not in phone_raw and "5678" not in phone_raw
    assert "11010519491231002X" not in id_raw
    event = CaseEvent.objects.get(case=case, kind="accept")
    assert "13812345678" not in str(event.payload)


def test_reveal_is_recorded(county: County, dispatcher, county_lead) -> None:
    case = builders.accepted(county)
    assert (
        services.case_reveal_contact(actor=dispatcher, case=case, field="citizen_phone")
        == "13812345678"
    )
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert event is not None and event.kind == "reveal_contact" and event.actor == dispatcher
    with pytest.raises(PermissionDenied):
        services.case_reveal_contact(actor=county_lead, case=case, field="citizen_phone")


def test_attachments_are_checked(county: County, township_handler) -> None:
    case = builders.accepted(county, attachments=[Upload("现场.jpg", image_bytes())])
    assert case.attachments.count() == 1
    assert kinds(case) == ["accept", "attach"]
    too_big = b"\xff\xd8\xff" + b"0" * (12 * 1024 * 1024)
    for upload, message in [
        (Upload("big.jpg", too_big), "超过 10 MB"),
        (Upload("notes.jpg", "这不是图片".encode()), "不是可识别的图片"),
        (Upload("empty.png", b""), "空文件"),
        (Upload("scan.bmp", image_bytes("BMP")), "BMP 格式"),
    ]:
        before = case.version
        with pytest.raises(InvalidInput) as exc:
            services.case_attach(actor=township_handler, case=case, files=[upload])
        assert message in exc.value.errors["attachments"][0]
        case.refresh_from_db()
        assert case.version == before


def test_duplicate_attachment_is_refused(county: County, township_handler) -> None:
    photo = Upload("a.png", image_bytes("PNG"))
    case = builders.accepted(county, attachments=[photo])
    with pytest.raises(InvalidInput):
        services.case_attach(actor=township_handler, case=case, files=[photo])


def test_stale_version_is_a_conflict(county: County, dispatcher, township_handler) -> None:
    case = builders.dispatched(county, dispatcher)
    seen = case.version
    services.case_remind(actor=dispatcher, case=case, note="请尽快签收")
    with pytest.raises(Conflict):
        services.case_acknowledge(actor=township_handler, case=case, expected_version=seen)
    case.refresh_from_db()
    assert case.state == State.DISPATCHED
    services.case_acknowledge(actor=township_handler, case=case, expected_version=case.version)


def test_stranger_cannot_take_in_cases(county: County, stranger) -> None:
    with pytest.raises(PermissionDenied):
        builders.accepted(county, intaker=stranger)
    assert Case.objects.count() == 0


# --- routing at intake ----------------------------------------------------------------------


def test_intake_with_route_dispatches_in_one_go(county: County, dispatcher) -> None:
    from jishi.cases.models import Category
    from jishi.cases.services import Route, System
    from jishi.cases.verify import verify_ledger

    lighting = Category.objects.create(code="lighting", name="路灯", owning_unit=county.chengguan)
    case = builders.accepted(
        county,
        route=Route(
            actor=System(),
            category=lighting,
            lead_unit=county.chengguan,
            assisting_units=[county.housing],
            confidence=0.97,
            model_version="v3",
        ),
    )
    assert case.state == State.DISPATCHED and case.version == 3
    assert kinds(case) == ["accept", "classify", "dispatch"]
    assert set(case.assisting_units.all()) == {county.housing}
    assert CaseClock.objects.filter(case=case, stopped_at__isnull=True).count() == 2
    classify = CaseEvent.objects.get(case=case, kind="classify")
    assert classify.payload["confidence"] == "0.9700" and classify.actor_role == "system"
    assert verify_ledger().breaks == []
    by_hand = builders.accepted(
        county, route=Route(actor=dispatcher, category=lighting, lead_unit=county.chengguan)
    )
    assert CaseEvent.objects.get(case=by_hand, kind="dispatch").actor == dispatcher


def test_intake_route_needs_a_dispatching_post(county: County, township_handler) -> None:
    from jishi.cases.models import Category
    from jishi.cases.services import Route

    lighting = Category.objects.create(code="lighting", name="路灯", owning_unit=county.chengguan)
    with pytest.raises(PermissionDenied):
        builders.accepted(
            county,
            route=Route(actor=township_handler, category=lighting, lead_unit=county.chengguan),
        )
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_intake_with_a_used_submission_key_changes_nothing(county) -> None:
    first = builders.accepted(county, submission_key="s" * 20)
    with pytest.raises(services.AlreadySubmitted) as told:
        builders.accepted(county, submission_key="s" * 20, title="另一件事")
    assert told.value.case_code == first.code
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 1
    # Cases without a key (every channel but the portal) never collide.
    builders.accepted(county)
    builders.accepted(county)
    assert Case.objects.count() == 3
