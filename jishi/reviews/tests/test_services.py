"""The services of 好差评: what a rating may do, and every refusal (nothing stored)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Model

from jishi.cases import services as case_services
from jishi.cases.models import Case, CaseClock, Channel, ClockKind, State
from jishi.cases.selectors import can_see, cases_visible_to
from jishi.common import clock, ratelimit
from jishi.common.errors import InvalidInput, NotFound, PermissionDenied
from jishi.orgs.models import Role, User
from jishi.reviews import selectors, services, tokens
from jishi.reviews.models import (
    AppealState,
    ImmutableEventError,
    KioskDevice,
    MisconductReport,
    Rating,
    RatingChannel,
    RectificationLimit,
    ReviewEvent,
    ReviewPolicy,
    ServicePoint,
    WindowFlag,
)
from jishi.reviews.tests.conftest import bad
from jishi.testing.fixtures import County, make_person
from jishi.workdays.selectors import get_calendar

pytestmark = pytest.mark.django_db


def raw(model: type[Model], pk: int, column: str) -> str:
    """A column as stored, past the field's decryption."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_good_rating_opens_nothing(point: ServicePoint, device: str) -> None:
    rating = services.rating_submit(point=point, level=5, device_key=device)
    assert rating.rectification is None and rating.reasons == []
    assert rating.unit_id == point.owner_id
    assert Case.objects.count() == 0
    # The rating row is the record of a good rating: no event beside it.
    assert not ReviewEvent.objects.filter(rating=rating).exists()


def test_bad_rating_opens_a_rectification_case_for_the_window(
    county: County, point: ServicePoint, device: str, window_clerk: User
) -> None:
    services.shift_start(actor=window_clerk, point=point)
    rating = bad(point, device)
    assert isinstance(rating, Rating)
    case = rating.rectification
    assert case is not None
    assert (case.channel, case.kind, case.state) == (
        Channel.WINDOW_QR,
        "complaint",
        State.DISPATCHED,
    )
    assert case.lead_unit_id == county.window.pk
    assert list(case.assisting_units.all()) == [county.hall]
    assert case.external_ref == f"rating:{rating.pk}"
    assert rating.staff == window_clerk
    # The phone is the case's contact: encrypted at rest, masked on screen.
    assert "13812345678" not in raw(Case, case.pk, "citizen_phone")
    assert case.phone_masked == "138****5678"
    # The rater left a phone: the case may not close without calling back.
    assert case.callback_required is True
    # Its own deadline: five working days from the rating.
    handling = CaseClock.objects.get(case=case, kind=ClockKind.HANDLING)
    expected = get_calendar().add_workdays(handling.started_at, 5).due
    assert handling.due_at == expected and "差评整改" in handling.rule
    assert case in cases_visible_to(window_clerk)


def test_rectification_limit_per_unit_and_reason(
    county: County, point: ServicePoint, device: str
) -> None:
    RectificationLimit.objects.create(unit=None, reason="fees", days=2)
    RectificationLimit.objects.create(unit=county.hall, reason="", days=8)
    rating = bad(point, device, reasons=["attitude"])
    assert isinstance(rating, Rating) and rating.rectification is not None
    clock_row = CaseClock.objects.get(case=rating.rectification, kind=ClockKind.HANDLING)
    assert clock_row.limit_amount == 8 and county.hall.name in clock_row.rule
    other = bad(point, tokens.device_key(tokens.new_device_id()), reasons=["fees", "slow"])
    assert isinstance(other, Rating)
    clock_row = CaseClock.objects.get(case=other.rectification, kind=ClockKind.HANDLING)
    assert clock_row.limit_amount == 8  # the unit's rule is nearer than the reason's
    RectificationLimit.objects.create(unit=county.hall, reason="fees", days=3)
    third = bad(point, tokens.device_key(tokens.new_device_id()), reasons=["fees"])
    assert isinstance(third, Rating)
    assert CaseClock.objects.get(case=third.rectification, kind="handling").limit_amount == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"level": 7}, "level"),
        ({"level": None}, "level"),
        ({"reasons": []}, "reasons"),
        ({"reasons": ["rude-ish"]}, "reasons"),
        ({"comment": "   "}, "comment"),
        ({"comment": "慢" * 501}, "comment"),
        ({"phone": "2026-11-02"}, "phone"),
        ({"phone": "1381234"}, "phone"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    point: ServicePoint, device: str, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        bad(point, device, **kwargs)
    assert field in exc.value.errors
    assert Rating.objects.count() == 0 and Case.objects.count() == 0


def test_item_must_be_the_windows(county: County, point: ServicePoint, device: str) -> None:
    from jishi.reviews.models import ServiceItem

    other = ServiceItem.objects.create(code="JT-1", name="道路运输证", owning_unit=county.transport)
    with pytest.raises(InvalidInput) as exc:
        services.rating_submit(point=point, level=5, device_key=device, item=other)
    assert "item" in exc.value.errors


def test_one_rating_per_device_per_window_per_occasion(point: ServicePoint, device: str) -> None:
    start = clock.now()
    with clock.travel_to(start):
        services.rating_submit(point=point, level=5, device_key=device)
    with clock.travel_to(start + dt.timedelta(minutes=10)), pytest.raises(InvalidInput) as exc:
        services.rating_submit(point=point, level=4, device_key=device)
    assert "30 分钟" in exc.value.message
    # Another phone, or the same one after the occasion's window, may rate.
    with clock.travel_to(start + dt.timedelta(minutes=10)):
        services.rating_submit(point=point, level=4, device_key="another-device")
    with clock.travel_to(start + dt.timedelta(minutes=31)):
        services.rating_submit(point=point, level=3, device_key=device)
    assert Rating.objects.count() == 3


def test_no_device_no_rating(point: ServicePoint) -> None:
    with pytest.raises(InvalidInput):
        services.rating_submit(point=point, level=5, device_key="")
    assert not Rating.objects.exists()


def test_staff_of_the_window_cannot_rate_it(
    point: ServicePoint, device: str, window_clerk: User, hall_lead: User, dept_handler: User
) -> None:
    for person in (window_clerk, hall_lead):
        with pytest.raises(InvalidInput) as exc:
            services.rating_submit(point=point, level=5, device_key=device, rater=person)
        assert "工作人员" in exc.value.message
    # Staff of another unit are citizens at this window.
    services.rating_submit(point=point, level=5, device_key=device, rater=dept_handler)
    assert Rating.objects.count() == 1


def test_rate_limit_per_address(point: ServicePoint, review_policy: ReviewPolicy) -> None:
    review_policy.ratings_per_address_hour = 2
    review_policy.save()
    for i in range(2):
        services.rating_submit(point=point, level=5, device_key=f"d{i}", address="10.0.0.9")
    with pytest.raises(InvalidInput) as exc:
        services.rating_submit(point=point, level=5, device_key="d9", address="10.0.0.9")
    assert "频繁" in exc.value.message
    services.rating_submit(point=point, level=5, device_key="d9", address="10.0.0.10")
    assert Rating.objects.count() == 3
    ratelimit.purge()


def test_a_resent_form_is_answered_with_the_first_rating(point: ServicePoint, device: str) -> None:
    first = bad(point, device, submission_key="form-1")
    with pytest.raises(services.AlreadyRated) as exc:
        bad(point, device, submission_key="form-1")
    assert exc.value.rating == first
    assert Rating.objects.count() == 1 and Case.objects.count() == 1


def _fix(case: Case, clerk: User, when: dt.datetime | None = None) -> None:
    case_services.case_acknowledge(actor=clerk, case=case.pk)
    case_services.case_reply(
        actor=clerk, case=case.pk, text="已对窗口人员批评教育，并增设叫号提醒。"
    )


def test_follow_up_after_the_reply_is_the_callback(
    point: ServicePoint, device: str, window_clerk: User
) -> None:
    rating = bad(point, device)
    assert isinstance(rating, Rating) and rating.rectification is not None
    with pytest.raises(InvalidInput) as exc:
        services.follow_up_submit(rating=rating, level=5)
    assert "尚未答复" in exc.value.message
    _fix(rating.rectification, window_clerk)
    follow_up = services.follow_up_submit(rating=rating, level=4, comment="态度好多了")
    assert follow_up.follows == rating
    case = Case.objects.get(pk=rating.rectification.pk)
    assert case.state == State.CLOSED and case.resolved is True and case.satisfaction == 4
    with pytest.raises(InvalidInput):
        services.follow_up_submit(rating=rating, level=5)
    with pytest.raises(InvalidInput):  # a follow-up is not followed up, a good rating neither
        services.follow_up_submit(rating=follow_up, level=5)
    [total] = selectors.figures(Rating.objects.all())
    assert (total.total, total.bad, total.rectified, total.rectified_on_time) == (1, 1, 1, 1)
    assert (total.answered, total.satisfied) == (1, 1)


def test_unsatisfied_follow_up_sends_it_back(
    point: ServicePoint, device: str, window_clerk: User
) -> None:
    rating = bad(point, device)
    assert isinstance(rating, Rating) and rating.rectification is not None
    _fix(rating.rectification, window_clerk)
    services.follow_up_submit(rating=rating, level=2, comment="还是一样")
    case = Case.objects.get(pk=rating.rectification.pk)
    assert case.state == State.IN_PROGRESS and case.reopen_count == 1
    [total] = selectors.figures(Rating.objects.all())
    assert (total.rectified, total.answered, total.satisfied) == (0, 1, 0)


def test_late_rectification_is_not_on_time(
    point: ServicePoint, device: str, window_clerk: User, dispatcher: User
) -> None:
    rating = bad(point, device)
    assert isinstance(rating, Rating) and rating.rectification is not None
    with clock.travel_to(clock.now() + dt.timedelta(days=20)):
        _fix(rating.rectification, window_clerk)
        case_services.case_callback(
            actor=dispatcher, case=rating.rectification.pk, resolved=True, satisfaction=5
        )
    [total] = selectors.figures(Rating.objects.all())
    assert (total.rectified, total.rectified_on_time) == (1, 0)


def test_appeal_paths(
    county: County,
    point: ServicePoint,
    device: str,
    window_clerk: User,
    dept_handler: User,
    supervisor: User,
    dispatcher: User,
) -> None:
    good = services.rating_submit(point=point, level=5, device_key="other")
    rating = bad(point, device)
    assert isinstance(rating, Rating)
    with pytest.raises(PermissionDenied):
        services.appeal_request(actor=dept_handler, rating=rating, reason="恶意差评")
    with pytest.raises(InvalidInput):
        services.appeal_request(actor=window_clerk, rating=good, reason="不适用")
    with pytest.raises(InvalidInput) as exc:
        services.appeal_request(actor=window_clerk, rating=rating, reason=" ")
    assert "reason" in exc.value.errors
    appeal = services.appeal_request(
        actor=window_clerk,
        rating=rating,
        reason="监控显示当时窗口无人办理该业务",
        evidence="监控截图",
    )
    rating.refresh_from_db()
    assert rating.appeal_state == AppealState.PENDING
    with pytest.raises(InvalidInput):
        services.appeal_request(actor=window_clerk, rating=rating, reason="再申诉一次")
    # Only the supervision office decides (a dispatcher is county-wide but not it).
    for outsider in (window_clerk, dispatcher):
        with pytest.raises(PermissionDenied):
            services.appeal_decide(actor=outsider, appeal=appeal, uphold=True, reason="成立")
    with pytest.raises(InvalidInput):
        services.appeal_decide(actor=supervisor, appeal=appeal, uphold=True, reason="")
    services.appeal_decide(actor=supervisor, appeal=appeal, uphold=True, reason="核实为误评")
    with pytest.raises(InvalidInput):
        services.appeal_decide(actor=supervisor, appeal=appeal, uphold=False, reason="改判")
    rating.refresh_from_db()
    assert rating.appeal_state == AppealState.UPHELD
    # Out of the figures, never out of the record.
    [total] = selectors.figures(Rating.objects.all())
    assert (total.total, total.bad, total.excluded) == (1, 0, 1)
    assert Rating.objects.filter(pk=rating.pk).exists()
    kinds = list(ReviewEvent.objects.filter(rating=rating).values_list("kind", flat=True))
    assert kinds == ["rated", "appeal_requested", "appeal_decided"]
    decided = ReviewEvent.objects.get(kind="appeal_decided")
    assert decided.payload == {"upheld": True, "reason": "核实为误评"}
    assert rating.rectification is not None
    notes = rating.rectification.events.filter(kind="note").values_list("payload", flat=True)
    assert next(n["text"] for n in notes).startswith("申诉复核：")


def test_events_cannot_be_changed(point: ServicePoint, device: str) -> None:
    bad(point, device)
    event = ReviewEvent.objects.get()
    event.kind = "other"
    with pytest.raises(ImmutableEventError):
        event.save()
    with pytest.raises(ImmutableEventError):
        event.delete()
    with pytest.raises(ImmutableEventError):
        ReviewEvent.objects.all().update(kind="x")
    with pytest.raises(ImmutableEventError):
        ReviewEvent.objects.all().delete()


def test_window_is_flagged_once_at_the_threshold(
    point: ServicePoint, review_policy: ReviewPolicy
) -> None:
    review_policy.flag_threshold = 2
    review_policy.save()
    bad(point, "d1")
    assert not WindowFlag.objects.exists()
    bad(point, "d2")
    bad(point, "d3")
    flag = WindowFlag.objects.get()
    assert flag.bad_count == 2 and flag.point == point


# --- misconduct reports ----------------------------------------------------------------------


def test_misconduct_report_is_confidential(
    county: County, point: ServicePoint, device: str, window_clerk: User, supervisor: User
) -> None:
    report = services.misconduct_report(
        point=point,
        text="窗口人员暗示要给好处费才能加快办理",
        reporter_name="李女士",
        reporter_phone="13900001111",
        device_key=device,
    )
    case = report.case
    assert case.channel == Channel.MISCONDUCT and case.lead_unit_id == county.supervision.pk
    assert case.township_id is None and case.village_id is None
    assert case.citizen_phone == "" and case.citizen_name == "" and "李女士" not in case.text
    # Every post of the reported unit, and of the units above it, is blind to it.
    reported_posts = [
        make_person(f"{unit.code}-{role}", unit, role)
        for unit in (county.window, county.hall)
        for role in (Role.HANDLER, Role.UNIT_LEAD)
    ]
    for person in [*reported_posts, window_clerk]:
        assert case not in cases_visible_to(person), person
        assert not can_see(person, case)
        assert not selectors.reports_visible_to(person).exists()
        with pytest.raises(NotFound):
            case_services.case_add_note(actor=person, case=case.pk, text="看看")
        with pytest.raises(NotFound):
            services.reporter_reveal(actor=person, report=report)
    assert case in cases_visible_to(supervisor)
    assert list(selectors.reports_visible_to(supervisor)) == [report]
    name, phone = services.reporter_reveal(actor=supervisor, report=report)
    assert (name, phone) == ("李女士", "13900001111")
    assert ReviewEvent.objects.filter(kind="reporter_revealed", actor=supervisor).count() == 1
    assert "13900001111" not in raw(MisconductReport, report.pk, "reporter_phone")
    assert "李女士" not in raw(MisconductReport, report.pk, "reporter_name")


def test_misconduct_report_bad_input(point: ServicePoint) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.misconduct_report(point=point, text=" ", reporter_phone="12")
    assert set(exc.value.errors) == {"text", "reporter_phone"}
    assert not Case.objects.exists() and not MisconductReport.objects.exists()


def test_misconduct_photos_are_checked(point: ServicePoint) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.misconduct_report(
            point=point,
            text="索要好处",
            photos=[case_services.Upload("a.jpg", b"not an image")],
        )
    assert "photos" in exc.value.errors
    assert not Case.objects.exists()


# --- codes and kiosks ------------------------------------------------------------------------


def test_qr_code_is_signed_and_revocable(
    point: ServicePoint, hall_lead: User, stranger: User
) -> None:
    token = tokens.qr_token(point.pk, point.qr_key)
    assert services.point_for_token(token) == point
    with pytest.raises(tokens.BadCode) as exc:
        services.point_for_token(token[:-2] + "xx")
    assert not exc.value.revoked
    with pytest.raises(PermissionDenied):
        services.point_reissue_code(actor=stranger, point=point)
    fresh = services.point_reissue_code(actor=hall_lead, point=point)
    with pytest.raises(tokens.BadCode) as exc:
        services.point_for_token(token)
    assert exc.value.revoked
    assert services.point_for_token(tokens.qr_token(fresh.pk, fresh.qr_key)) == point


def test_kiosk_rating_is_tied_to_one_occasion(
    point: ServicePoint, hall_lead: User, window_clerk: User
) -> None:
    device, token = services.kiosk_register(actor=hall_lead, point=point, name="1号窗口评价器")
    assert services.kiosk_for_token(token) == device
    assert device.token_hash != token
    services.shift_start(actor=window_clerk, point=point)
    assert services.pending_occasion(device) is None
    occasion = services.occasion_record(point=point, actor=window_clerk)
    assert services.pending_occasion(device) == occasion
    rating = services.rating_submit(
        point=point, level=5, channel=RatingChannel.KIOSK, occasion=occasion
    )
    assert rating.staff == window_clerk and rating.occasion == occasion
    assert services.pending_occasion(device) is None
    with pytest.raises(InvalidInput):
        services.rating_submit(point=point, level=4, channel=RatingChannel.KIOSK, occasion=occasion)
    with pytest.raises(InvalidInput):
        services.rating_submit(point=point, level=4, channel=RatingChannel.KIOSK, occasion=None)
    [total] = selectors.figures(Rating.objects.all())
    assert (total.services, total.services_rated, total.active_rate) == (1, 1, 1.0)
    services.kiosk_revoke(actor=hall_lead, device=device)
    with pytest.raises(NotFound):
        services.kiosk_for_token(token)
    assert not KioskDevice.objects.get().active


def test_shift_follows_the_person(
    county: County, point: ServicePoint, window_clerk: User, stranger: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.shift_start(actor=stranger, point=point)
    services.shift_start(actor=window_clerk, point=point)
    assert services.on_duty(point) is not None
    services.shift_end(actor=window_clerk)
    assert services.on_duty(point) is None


def test_supervision_office_defaults_to_the_inspectors_unit(
    county: County, review_policy: ReviewPolicy, inspector: User, supervisor: User
) -> None:
    from jishi.reviews import policy

    review_policy.delete()
    assert policy.supervision_unit() == county.supervision
    assert policy.is_supervision_office(supervisor) and policy.is_supervision_office(inspector)


def test_demo_reviews(db: None) -> None:
    from jishi.demo.orgdata import build_demo_org
    from jishi.demo.reviews import seed_reviews

    build_demo_org(seed=1)
    made = seed_reviews(per_window=3)
    assert made == 3 * ServicePoint.objects.count() > 0
    assert MisconductReport.objects.count() == 1
    assert seed_reviews() == 0


def test_rectification_without_a_phone_may_close_without_callback(
    point: ServicePoint, device: str
) -> None:
    rating = bad(point, device, phone="")
    assert isinstance(rating, Rating) and rating.rectification is not None
    assert rating.rectification.callback_required is False
