"""The console's outreach pages, as the organiser, a stranger and the dispatch centre use them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from jishi.cases import services as cases
from jishi.cases.models import Case, Channel
from jishi.common import clock
from jishi.orgs.models import Role, User
from jishi.outreach import services
from jishi.outreach.models import Branch, CheckIn, Series, Site, Talk
from jishi.outreach.tests.conftest import at
from jishi.testing.fixtures import County, make_person
from jishi.testing.ugly_inputs import TEXTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser_client(client: Client, organiser: User) -> Client:
    client.force_login(organiser)
    return client


def talk_post(county: County, **overrides: str) -> dict[str, str]:
    data = {
        "title": "讲惠民政策",
        "speaker": "张三",
        "setting": "village",
        "organiser": str(county.chengguan.pk),
        "place": "东街文化广场",
        "starts_at": "2026-11-10T14:00",
        "ends_at": "2026-11-10T16:00",
        "expected_size": "50",
    }
    data.update(overrides)
    return data


def test_pages_render(organiser_client: Client, talk: Talk, branch: Branch, site: Site) -> None:
    with clock.travel_to(at(15)):
        services.checkin_record(talk=talk, name="王芳", unit_text="东街社区党支部", device_key="d")
        pages: list[tuple[str, list[int]]] = [
            ("index", []),
            ("calendar", []),
            ("talk_new", []),
            ("talk", [talk.pk]),
            ("talk_edit", [talk.pk]),
            ("sites", []),
            ("site_new", []),
            ("site_edit", [site.pk]),
            ("series", []),
            ("import", []),
            ("branches", []),
            ("branch", [branch.pk]),
            ("member", [branch.members.get(name="王芳").pk]),
            ("figures", []),
        ]
        for name, args in pages:
            response = organiser_client.get(reverse(f"outreach:{name}", args=args))
            assert response.status_code == 200, name
    page = organiser_client.get(reverse("outreach:calendar") + "?month=2026-11").content.decode()
    assert "党的创新理论进社区" in page
    assert "宣讲" in organiser_client.get(reverse("console:home")).content.decode()


def test_a_stranger_sees_nothing(
    client: Client, talk: Talk, stranger: User, county: County
) -> None:
    client.force_login(stranger)
    assert client.get(reverse("outreach:talk", args=[talk.pk])).status_code == 404
    assert client.get(reverse("outreach:poster", args=[talk.pk])).status_code == 404
    assert "党的创新理论" not in client.get(reverse("outreach:index")).content.decode()
    response = client.post(reverse("outreach:talk_new"), talk_post(county))
    assert response.status_code == 422
    assert not Talk.objects.exclude(pk=talk.pk).exists()


def _organiser_options(html: str) -> set[str]:
    select = re.search(r'<select name="organiser"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return set(re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select.group(1)))


def test_the_organiser_is_one_of_the_users_own_units(
    organiser_client: Client, county: County, client: Client, dispatcher: User
) -> None:
    """A township's handler organises for the township and its villages only; a county-wide
    post for any unit. A posted unit outside the list is refused and nothing is saved."""
    own = _organiser_options(organiser_client.get(reverse("outreach:talk_new")).content.decode())
    assert own == {"城关镇", "东街社区", "西街社区"}
    refused = organiser_client.post(
        reverse("outreach:talk_new"), talk_post(county, organiser=str(county.shiqiao.pk))
    )
    assert refused.status_code == 422
    assert "只能选择您所在的单位（或下级单位）作为主办单位" in refused.content.decode()
    for other in (county.housing, county.county, county.shiqiao_village):
        response = organiser_client.post(
            reverse("outreach:talk_new"), talk_post(county, organiser=str(other.pk))
        )
        assert response.status_code == 422, other.name
    assert not Talk.objects.exists()
    village = organiser_client.post(
        reverse("outreach:talk_new"),
        talk_post(county, organiser=str(county.dongjie.pk), title="东街的宣讲"),
    )
    assert village.status_code == 302
    assert Talk.objects.get().organiser == county.dongjie

    client.force_login(dispatcher)
    every = _organiser_options(client.get(reverse("outreach:talk_new")).content.decode())
    assert {"测试县", "城关镇", "石桥镇", "县住建局", "东街社区", "石桥村"} <= every
    elsewhere = client.post(
        reverse("outreach:talk_new"),
        talk_post(county, organiser=str(county.shiqiao.pk), title="石桥的宣讲"),
    )
    assert elsewhere.status_code == 302
    assert Talk.objects.get(title="石桥的宣讲").organiser == county.shiqiao


def test_editing_keeps_the_organiser_within_the_users_units(
    organiser_client: Client, county: County, talk: Talk
) -> None:
    response = organiser_client.post(
        reverse("outreach:talk_edit", args=[talk.pk]),
        talk_post(county, organiser=str(county.housing.pk), title="改了题目"),
    )
    assert response.status_code == 422
    assert "只能选择您所在的单位（或下级单位）作为主办单位" in response.content.decode()
    talk.refresh_from_db()
    assert talk.organiser == county.chengguan and talk.title == "党的创新理论进社区"


def test_create_a_talk_and_print_its_poster(
    organiser_client: Client, county: County, tmp_path: Path
) -> None:
    import zxingcpp

    response = organiser_client.post(reverse("outreach:talk_new"), talk_post(county))
    assert response.status_code == 302
    talk = Talk.objects.get(title="讲惠民政策")
    pdf = organiser_client.get(reverse("outreach:poster", args=[talk.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    source = tmp_path / "poster.pdf"
    source.write_bytes(pdf.content)
    assert shutil.which("pdftoppm")
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(source), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p*.png"))
    assert len(pages) == 1
    found = zxingcpp.read_barcodes(Image.open(pages[0]))
    assert len(found) == 1
    url = found[0].text
    assert url.startswith("http://testserver/o/c/")
    token = url.rsplit("/", 2)[-2]
    assert services.talk_for_code(token) == talk


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "请填写题目"),
        ("title", "题" * 121, "最多 120 字"),
        ("speaker", "\u200b", "请填写宣讲人"),
        ("setting", "moon", "请选择六进场景"),
        ("organiser", "999999", "请选择主办单位"),
        ("starts_at", "昨天", "时间格式应为"),
        ("starts_at", "0001-01-01T00:00", "年份应在"),
        ("ends_at", "2026-11-10T13:00", "结束时间应晚于开始时间"),
        ("ends_at", "2026-11-12T13:00", "不超过 24 小时"),
        ("place", "", "请选择宣讲阵地，或填写地点"),
        ("expected_size", "-3", "预计人数至少为 1"),
        ("expected_size", "很多", "请填写整数"),
        ("recording_url", "javascript:alert(1)", "录像链接应为"),
        ("series", "999", "请选择列出的系列"),
        ("site", "abc", "请选择列出的阵地"),
        ("township", "999999", "请选择乡镇"),
    ],
)
def test_bad_input_on_every_talk_field(
    organiser_client: Client, county: County, field: str, value: str, message: str
) -> None:
    response = organiser_client.post(
        reverse("outreach:talk_new"), talk_post(county, **{field: value})
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Talk.objects.exists()


@pytest.mark.parametrize("ugly", TEXTS, ids=[u.name for u in TEXTS])
def test_ugly_text_in_talk_fields(organiser_client: Client, county: County, ugly: object) -> None:
    value = ugly.value  # type: ignore[attr-defined]
    for field in ("title", "speaker", "theme", "place", "audience", "materials"):
        response = organiser_client.post(
            reverse("outreach:talk_new"), talk_post(county, **{field: value})
        )
        assert response.status_code in (302, 422), field
    for talk in Talk.objects.all():
        for text in (talk.title, talk.speaker, talk.theme, talk.place, talk.audience):
            assert "\x00" not in text and "\u202e" not in text


def test_head_count_and_reissue(organiser_client: Client, talk: Talk) -> None:
    old_key = talk.checkin_key
    with clock.travel_to(at(15)):
        bad = organiser_client.post(reverse("outreach:head_count", args=[talk.pk]), {"count": "x"})
        assert bad.status_code == 422
        ok = organiser_client.post(reverse("outreach:head_count", args=[talk.pk]), {"count": "7"})
        assert ok.status_code == 302
        organiser_client.post(reverse("outreach:talk_reissue", args=[talk.pk]), {"confirm": "1"})
    talk.refresh_from_db()
    assert services.head_total(talk) == 7 and talk.checkin_key != old_key


def test_head_counts_are_listed_and_a_bad_correction_changes_nothing(
    organiser_client: Client, talk: Talk
) -> None:
    head = reverse("outreach:head_count", args=[talk.pk])
    with clock.travel_to(at(15)):
        organiser_client.post(head, {"count": "7", "note": "前排老人"})
        organiser_client.post(head, {"count": "4", "note": "晚到的学生"})
        refused = organiser_client.post(head, {"count": "-2", "note": ""})
        too_many = organiser_client.post(head, {"count": "-12", "note": "重复"})
        # As a Chinese input method types it: the full-width minus sign and digit.
        fixed = organiser_client.post(head, {"count": "\uff0d\uff12", "note": "两人后来扫码签到了"})
        page = organiser_client.get(reverse("outreach:talk", args=[talk.pk])).content.decode()
    assert refused.status_code == 422 and "减少人数是更正，请写明原因" in refused.content.decode()
    assert too_many.status_code == 422 and "更正后人数不能少于 0" in too_many.content.decode()
    assert fixed.status_code == 302
    assert services.head_total(talk) == 9
    for text in ("+7", "前排老人", "+4", "晚到的学生", "-2", "两人后来扫码签到了", "cg_organiser"):
        assert text in page, text


def test_question_becomes_a_case_in_the_right_units_work(
    organiser_client: Client, talk: Talk, county: County, dispatcher: User, client: Client
) -> None:
    response = organiser_client.post(
        reverse("outreach:question_add", args=[talk.pk]),
        {
            "kind": "request",
            "text": "小区电梯坏了两个月没人修",
            "citizen_name": "",
            "citizen_phone": "",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == Channel.OUTREACH and case.township == county.chengguan
    assert case.talk_question.talk == talk
    # Routed like any case: the dispatch centre sends it to the housing bureau …
    cases.case_dispatch(actor=dispatcher, case=case, lead_unit=county.housing)
    housing = make_person("zj_worker", county.housing, Role.HANDLER)
    other = Client()
    other.force_login(housing)
    assert case.code in other.get(reverse("console:home")).content.decode()
    # … and it shows on the talk's page.
    assert (
        case.code in organiser_client.get(reverse("outreach:talk", args=[talk.pk])).content.decode()
    )
    bad = organiser_client.post(
        reverse("outreach:question_add", args=[talk.pk]), {"kind": "x", "text": "\x00"}
    )
    assert bad.status_code == 422 and Case.objects.count() == 1


def test_sites_and_series(
    organiser_client: Client, county: County, client: Client, dispatcher: User
) -> None:
    response = organiser_client.post(
        reverse("outreach:site_new"),
        {
            "name": "东街党群服务中心",
            "kind": "village_hall",
            "township": str(county.chengguan.pk),
            "village": str(county.dongjie.pk),
            "capacity": "60",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert Site.objects.get().village == county.dongjie
    bad = organiser_client.post(
        reverse("outreach:site_new"),
        {
            "name": "",
            "kind": "castle",
            "township": str(county.chengguan.pk),
            "village": str(county.shiqiao_village.pk),
            "capacity": "0",
        },
    )
    assert bad.status_code == 422 and Site.objects.count() == 1
    # Series are the county's: a township handler may not add one.
    denied = organiser_client.post(reverse("outreach:series_new"), {"name": "六讲六进"})
    assert denied.status_code == 403
    client.force_login(dispatcher)
    ok = client.post(
        reverse("outreach:series_new"),
        {"name": "六讲六进", "themes": "讲理论\n讲政策\n讲理论", "active": "on"},
    )
    assert ok.status_code == 302
    assert Series.objects.get().themes == ["讲理论", "讲政策"]


def test_branch_lists_absentees(organiser_client: Client, talk: Talk, branch: Branch) -> None:
    with clock.travel_to(at(15)):
        services.checkin_record(talk=talk, name="王芳", unit_text="东街社区党支部", device_key="d")
        page = organiser_client.get(reverse("outreach:branch", args=[branch.pk])).content.decode()
    absent = page.split("本季度未参加学习的党员")[1].split("</section>")[0]
    assert "赵强" in absent and "钱敏" in absent and "王芳" not in absent
    assert absent.index("赵强") < absent.index("钱敏")  # 困难党员 first
    assert CheckIn.objects.get().member is not None


def test_a_persons_learning_record(
    organiser_client: Client, talk: Talk, other_township_handler: User, client: Client
) -> None:
    with clock.travel_to(at(15)):
        services.checkin_record(talk=talk, name="路人甲", device_key="d1")
    page = organiser_client.get(reverse("outreach:branches"), {"name": " 路人甲 "})
    assert "党的创新理论进社区" in page.content.decode()
    # Looked up as identity compares names: however the name is typed.
    for typed in ("路人\u3000甲", "路人\u200b甲", " 路 人 甲"):
        found = organiser_client.get(reverse("outreach:branches"), {"name": typed})
        assert "党的创新理论进社区" in found.content.decode(), typed
    client.force_login(other_township_handler)
    other = client.get(reverse("outreach:branches"), {"name": "路人甲"}).content.decode()
    assert "党的创新理论进社区" not in other and "没有找到" in other


def test_admin_lists_are_read_only(client: Client, talk: Talk, branch: Branch) -> None:
    admin_user = User.objects.create_superuser("root", password="pw-root-123")
    client.force_login(admin_user)
    for model in ("site", "series", "talk", "checkin", "branch", "branchmember", "talkquestion"):
        assert client.get(f"/admin/outreach/{model}/").status_code == 200, model
    assert client.get("/admin/outreach/talk/add/").status_code == 403
