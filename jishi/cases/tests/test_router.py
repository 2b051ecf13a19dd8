"""The dispatch policy: the threshold from a validation curve, auto-dispatch at intake only
when confident, and the monthly figures computed from events."""

from __future__ import annotations

import hashlib
import pickle
from datetime import timedelta

import pytest
from django.test import Client

from jishi.cases import router, services
from jishi.cases.models import Case, CaseEvent, Category, State
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.routing import policy, selectors, text
from jishi.routing.models import RouterModel
from jishi.routing.services import router_train
from jishi.testing.fixtures import County

LIGHTS = ["路灯不亮", "路灯坏了晚上很黑", "小区路灯一直闪", "路灯损坏请维修", "街边路灯不亮了"]
FEES = ["学校乱收费", "学校收取补课费", "幼儿园收费太高", "学校强制收资料费", "学校收费不合理"]


def test_threshold_is_the_lowest_confidence_within_the_error_budget() -> None:
    confidences = [0.99, 0.95, 0.9, 0.8, 0.7, 0.6]
    correct = [True, True, True, True, False, False]
    found = policy.choose_threshold(confidences, correct, max_error=0.0)
    assert (found.value, found.coverage, found.error) == (0.8, 4 / 6, 0.0)
    loose = policy.choose_threshold(confidences, correct, max_error=0.2)
    assert loose.value == 0.7 and loose.error == pytest.approx(0.2)


def test_no_threshold_when_even_the_most_confident_is_wrong() -> None:
    found = policy.choose_threshold([0.9, 0.8], [False, True], max_error=0.03)
    assert found.value > 1.0 and found.coverage == 0.0


def test_ties_are_dispatched_or_held_together() -> None:
    found = policy.choose_threshold([0.9, 0.9, 0.8], [True, False, True], max_error=0.0)
    assert found.value > 1.0


@pytest.fixture
def trained(county: County):
    lights = Category.objects.create(code="lights", name="路灯", owning_unit=county.chengguan)
    fees = Category.objects.create(code="fees", name="教育收费", owning_unit=county.housing)
    docs = [text.document_tokens(t, t + "，请处理") for t in LIGHTS * 4 + FEES * 4]
    labels = ["lights"] * 20 + ["fees"] * 20
    model = router_train(
        actor=None,
        documents=docs,
        labels=labels,
        target="category",
        metrics={"auto_threshold": 0.6},
        activate=True,
    )
    return {"lights": lights, "fees": fees, "model": model}


def test_confident_intake_is_dispatched_by_the_system(trained, county: County) -> None:
    route = router.route_for_intake(title="路灯不亮", text="东街路灯坏了，晚上很黑")
    assert route is not None and route.category == trained["lights"]
    assert route.lead_unit == county.chengguan and route.confidence is not None
    client = Client()
    response = client.post(
        "/portal/submit/",
        {
            "kind": "request",
            "text": "东街路灯坏了，晚上很黑，请维修路灯",
            "title": "路灯不亮",
            "township": county.chengguan.pk,
            "village": county.dongjie.pk,
            "consent": "on",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.state == State.DISPATCHED and case.lead_unit == county.chengguan
    dispatch = CaseEvent.objects.get(case=case, kind="dispatch")
    assert dispatch.actor_role == "system"
    assert CaseEvent.objects.get(case=case, kind="classify").payload["model_version"]


def test_unsure_or_disabled_router_leaves_it_to_the_dispatcher(trained, settings) -> None:
    settings.JISHI_AUTO_DISPATCH_THRESHOLD = "0.999"
    assert router.route_for_intake(title="路灯", text="路灯") is None
    settings.JISHI_AUTO_DISPATCH_THRESHOLD = "off"
    assert router.route_for_intake(title="路灯不亮", text="路灯坏了") is None


def test_a_model_that_cannot_be_read_leaves_intake_to_the_dispatcher(
    trained, county: County, caplog
) -> None:
    # A version an old release stored as a pickle: its bytes match their checksum, but only
    # the .npz format is read now.
    model = trained["model"]
    data = pickle.dumps({"format": 1, "classifier": None})
    with model.artifact.open("wb") as handle:
        handle.write(data)
    RouterModel.objects.filter(pk=model.pk).update(sha256=hashlib.sha256(data).hexdigest())
    selectors.clear_loaded_models()
    assert router.route_for_intake(title="路灯不亮", text="东街路灯坏了，晚上很黑") is None
    assert "router model could not be loaded" in caplog.text
    response = Client().post(
        "/portal/submit/",
        {
            "kind": "request",
            "text": "东街路灯坏了，晚上很黑，请维修路灯",
            "title": "路灯不亮",
            "township": county.chengguan.pk,
            "village": county.dongjie.pk,
            "consent": "on",
        },
    )
    assert response.status_code == 302
    assert Case.objects.get().state == State.ACCEPTED


def test_no_dispatch_to_a_retired_category_or_unit(trained, county: County) -> None:
    """The category is read from memory; retiring it or its unit is noticed at once."""
    lights = router.route_for_intake(title="路灯不亮", text="东街路灯坏了，晚上很黑")
    assert lights is not None and lights.category == trained["lights"]
    trained["lights"].active = False
    trained["lights"].save()
    assert router.route_for_intake(title="路灯不亮", text="东街路灯坏了，晚上很黑") is None
    trained["lights"].active = True
    trained["lights"].save()
    county.chengguan.active = False
    county.chengguan.save()
    assert router.route_for_intake(title="路灯不亮", text="东街路灯坏了，晚上很黑") is None


def test_a_category_added_elsewhere_is_found_in_the_database(trained, county: County) -> None:
    """A category another process created after this one read its snapshot."""
    from jishi.cases.selectors import category_by_code

    assert category_by_code("parks") is None
    Category.objects.bulk_create(
        [Category(code="parks", name="公园", owning_unit=county.chengguan)]
    )
    found = category_by_code("parks")
    assert found is not None and found.owning_unit == county.chengguan


def test_keyword_rules_never_dispatch(county: County, settings) -> None:
    settings.JISHI_AUTO_DISPATCH_THRESHOLD = "0.1"
    Category.objects.create(code="lights", name="路灯", owning_unit=county.chengguan)
    assert router.route_for_intake(title="路灯不亮", text="路灯坏了") is None


def test_month_stats_come_from_events(trained, county: County, dispatcher, township_handler):
    start = clock.now() - timedelta(days=1)
    auto = builders.accepted(
        county,
        route=services.Route(
            actor=services.System(),
            category=trained["lights"],
            lead_unit=county.chengguan,
            confidence=0.9,
            model_version="v1",
        ),
    )
    services.case_return(actor=township_handler, case=auto, reason="不是本镇的")
    by_hand = builders.accepted(county)
    services.case_classify(
        actor=dispatcher, case=by_hand, category=trained["lights"], suggested="lights"
    )
    services.case_dispatch(actor=dispatcher, case=by_hand, lead_unit=county.chengguan)
    other = builders.accepted(county)
    services.case_classify(
        actor=dispatcher, case=other, category=trained["fees"], suggested="lights"
    )
    stats = router.month_stats(start, clock.now() + timedelta(days=1))
    assert (stats.dispatched, stats.auto, stats.auto_returned) == (2, 1, 1)
    assert (stats.suggested, stats.agreed) == (2, 1)
    assert stats.auto_share == 0.5 and stats.auto_return_rate == 1.0 and stats.agreement == 0.5


def test_stats_page_for_county_wide_posts_only(
    trained, county: County, dispatcher, township_handler
) -> None:
    builders.accepted(
        county,
        route=services.Route(
            actor=services.System(),
            category=trained["lights"],
            lead_unit=county.chengguan,
            confidence=0.9,
            model_version="v1",
        ),
    )
    client = Client()
    client.login(username=township_handler.username, password="pw-" + township_handler.username)
    assert client.get("/console/routing/").status_code == 404
    client.login(username=dispatcher.username, password="pw-" + dispatcher.username)
    page = client.get("/console/routing/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "100.0%" in html and trained["model"].version in html


def test_dispatch_with_a_suggestion_counts_towards_agreement(
    trained, county: County, dispatcher
) -> None:
    start = clock.now() - timedelta(days=1)
    case = builders.accepted(county)
    services.case_dispatch(
        actor=dispatcher,
        case=case,
        lead_unit=county.chengguan,
        category=trained["lights"],
        suggested="lights",
    )
    stats = router.month_stats(start, clock.now() + timedelta(days=1))
    assert (stats.suggested, stats.agreed) == (1, 1)
