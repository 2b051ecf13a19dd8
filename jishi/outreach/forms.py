"""Forms of the outreach pages: they parse and show errors; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jishi.cases.models import CaseKind
from jishi.common.fields import LocalDateField
from jishi.common.text import fold, search_key
from jishi.orgs.access import UNIT_ROLES
from jishi.orgs.forms import PeopleField, UnitField
from jishi.orgs.models import Unit, UnitKind, User
from jishi.orgs.selectors import county_root, scope_of
from jishi.outreach import services
from jishi.outreach.models import Series, Setting, Site, SiteKind, Talk

LENGTH_MESSAGE = _("最多 %(limit_value)d 字，现有 %(show_value)d 字")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
ORGANISER_KINDS = (UnitKind.COUNTY, UnitKind.DEPARTMENT, UnitKind.TOWNSHIP, UnitKind.VILLAGE)


class TextField(forms.CharField):
    """Text kept as written (invisible and control characters dropped), with length errors in
    the county's words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        if self.label:
            self.error_messages["required"] = format_lazy(_("请填写{label}"), label=self.label)
        self.error_messages["max_length"] = LENGTH_MESSAGE
        for validator in self.validators:
            if getattr(validator, "code", "") == "max_length":
                validator.message = LENGTH_MESSAGE  # type: ignore[attr-defined]

    def to_python(self, value: Any) -> str:
        return services.clean(super().to_python(value) or "")


class LocalDateTimeField(forms.DateTimeField):
    """A date and time as a phone's picker or a person types it (full-width digits too)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        kwargs.setdefault("error_messages", {"invalid": _("时间格式应为 2026-11-28 14:30")})
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        if isinstance(value, str):
            value = search_key(value).strip().replace("/", "-")
        try:
            result: dt.datetime | None = super().to_python(value)
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if result is not None and not 2000 <= result.year <= 2100:
            raise forms.ValidationError(_("年份应在 2000 到 2100 之间"), code="invalid")
        return result


ORGANISER_REFUSED = _("只能选择您所在的单位（或下级单位）作为主办单位")


class OrganiserField(UnitField):
    """主办单位: only the units the user may act for (``organiser_ids``); ``None`` is every unit
    of the organiser kinds, for county-wide posts. A posted unit outside the set is refused
    like a unit that does not exist, with its own message."""

    def __init__(self, **kwargs: Any) -> None:
        self.allowed: frozenset[int] | None = None
        super().__init__(kinds=ORGANISER_KINDS, **kwargs)

    def restrict(self, allowed: frozenset[int] | None) -> None:
        self.allowed = allowed
        if allowed is not None and self.queryset is not None:
            self.queryset = self.queryset.filter(pk__in=allowed)  # the database fallback too

    def _allowed(self, unit: Unit) -> bool:
        return super()._allowed(unit) and (self.allowed is None or unit.pk in self.allowed)

    def to_python(self, value: Any) -> Unit | None:
        try:
            return super().to_python(value)
        except forms.ValidationError:
            if self.allowed is not None and self._names_a_unit(value):
                raise forms.ValidationError(ORGANISER_REFUSED, code="not_yours") from None
            raise

    def _names_a_unit(self, value: Any) -> bool:
        """Whether ``value`` names a real unit of the organiser kinds (that is not the user's),
        so the error can say why rather than that no such unit exists."""
        everyone = UnitField(kinds=ORGANISER_KINDS)
        try:
            return everyone.to_python(value) is not None
        except forms.ValidationError:
            return False


def organiser_ids(user: Any) -> frozenset[int] | None:
    """The units a user may organise talks for: every unit at or below their handler and lead
    posts; ``None`` (all) for county-wide posts. The service's rule (``may_manage``) as a set."""
    scope = scope_of(user)
    return None if scope.county_wide else scope.unit_ids


class TalkForm(forms.Form):
    title = TextField(label=_("题目"), max_length=services.TITLE_MAX, required=True)
    series = forms.ModelChoiceField(
        label=_("系列"),
        queryset=Series.objects.filter(active=True),
        required=False,
        empty_label=_("不属于系列"),
        error_messages={"invalid_choice": _("请选择列出的系列")},
    )
    theme = TextField(label=_("主题"), max_length=services.THEME_MAX)
    speaker = TextField(label=_("宣讲人"), max_length=services.SPEAKER_MAX, required=True)
    setting = forms.ChoiceField(
        label=_("六进场景"),
        choices=Setting.choices,
        error_messages={"invalid_choice": _("请选择六进场景"), "required": _("请选择六进场景")},
    )
    organiser = OrganiserField(
        label=_("主办单位"),
        error_messages={"required": _("请选择主办单位"), "invalid_choice": _("请选择主办单位")},
    )
    site = forms.ModelChoiceField(
        label=_("宣讲阵地"),
        queryset=Site.objects.filter(active=True),
        required=False,
        empty_label=_("不在阵地（填写地点）"),
        error_messages={"invalid_choice": _("请选择列出的阵地")},
    )
    place = TextField(label=_("地点"), max_length=services.PLACE_MAX)
    township = UnitField(
        label=_("乡镇"),
        kinds=[UnitKind.TOWNSHIP],
        required=False,
        help_text=_("在阵地举办时可不填，取阵地所在乡镇"),
        error_messages={"invalid_choice": _("请选择乡镇")},
    )
    starts_at = LocalDateTimeField(label=_("开始时间"))
    ends_at = LocalDateTimeField(label=_("结束时间"))
    audience = TextField(label=_("对象"), max_length=services.AUDIENCE_MAX)
    expected_size = forms.IntegerField(
        label=_("预计人数"),
        required=False,
        min_value=1,
        max_value=services.HEAD_COUNT_MAX,
        error_messages={
            "invalid": _("请填写整数"),
            "min_value": _("预计人数至少为 1"),
            "max_value": _("预计人数过大"),
        },
    )
    materials = TextField(
        label=_("宣讲材料"),
        max_length=services.MATERIALS_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    recording_url = TextField(label=_("录像链接"), max_length=500)
    remote = forms.BooleanField(label=_("开通流动党员远程签到"), required=False)
    remote_closes_at = LocalDateTimeField(
        label=_("远程签到截止"), required=False, help_text=_("不填则为宣讲结束后 7 天")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organiser = self.fields["organiser"]
        assert isinstance(organiser, OrganiserField)
        organiser.restrict(organiser_ids(user))

    def to_input(self) -> services.TalkInput:
        d = self.cleaned_data
        return services.TalkInput(
            title=d["title"],
            speaker=d["speaker"],
            setting=d["setting"],
            organiser=d["organiser"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            series=d.get("series"),
            theme=d.get("theme") or "",
            site=d.get("site"),
            place=d.get("place") or "",
            township=d.get("township"),
            audience=d.get("audience") or "",
            expected_size=d.get("expected_size"),
            materials=d.get("materials") or "",
            recording_url=d.get("recording_url") or "",
            remote=bool(d.get("remote")),
            remote_closes_at=d.get("remote_closes_at"),
        )


class SiteForm(forms.Form):
    name = TextField(label=_("名称"), max_length=100, required=True)
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=SiteKind.choices,
        error_messages={"invalid_choice": _("请选择类型")},
    )
    township = UnitField(
        label=_("乡镇"),
        kinds=[UnitKind.TOWNSHIP],
        required=False,
        error_messages={"invalid_choice": _("请选择乡镇")},
    )
    village = UnitField(
        label=_("村(社区)"),
        kinds=[UnitKind.VILLAGE],
        required=False,
        error_messages={"invalid_choice": _("请选择村(社区)")},
    )
    address = TextField(label=_("地址"), max_length=200)
    capacity = forms.IntegerField(
        label=_("可容纳人数"),
        required=False,
        min_value=1,
        max_value=100_000,
        error_messages={"invalid": _("请填写整数")},
    )
    opening_hours = TextField(label=_("开放时间"), max_length=100)
    description = TextField(
        label=_("简介"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    active = forms.BooleanField(label=_("开放"), required=False, initial=True)
    photo = forms.FileField(label=_("添加照片"), required=False)

    def clean_photo(self) -> Any:
        photo = self.cleaned_data.get("photo")
        if photo is not None:
            name = (photo.name or "").lower()
            if not name.endswith((".jpg", ".jpeg", ".png", ".webp")):
                raise forms.ValidationError(_("照片应为 JPG、PNG 或 WebP 格式"))
            if photo.size > 5 * 1024 * 1024:
                raise forms.ValidationError(_("照片不超过 5 MB"))
        return photo


class SeriesForm(forms.Form):
    name = TextField(label=_("名称"), max_length=100, required=True)
    description = TextField(
        label=_("说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    themes = TextField(
        label=_("主题（每行一个）"), max_length=6000, widget=forms.Textarea(attrs={"rows": 6})
    )
    active = forms.BooleanField(label=_("进行中"), required=False, initial=True)


class FoldedIntegerField(forms.IntegerField):
    """An integer as a Chinese input method types it: full-width digits and minus sign too."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = fold(value)
        return super().to_python(value)


class HeadCountForm(forms.Form):
    """One more 现场补录 entry: added to the ones before; a negative count corrects."""

    count = FoldedIntegerField(
        label=_("再补录的人数"),
        min_value=-services.HEAD_COUNT_MAX,
        max_value=services.HEAD_COUNT_MAX,
        help_text=_("与之前的补录相加；多报了请填负数（如 -3）并写明原因"),
        error_messages={
            "invalid": _("请填写整数"),
            "required": _("请填写人数"),
            "min_value": _("人数过大"),
            "max_value": _("人数过大"),
        },
    )
    note = TextField(
        label=_("说明"),
        max_length=services.HEAD_NOTE_MAX,
        help_text=_("如：后排未扫码的老党员；更正时写明原因"),
    )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=CaseKind.choices)
    text = TextField(
        label=_("群众提出的问题"),
        max_length=services.QUESTION_MAX,
        required=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    citizen_name = TextField(label=_("联系人"), max_length=32, help_text=_("选填：回访时找谁"))
    citizen_phone = TextField(
        label=_("联系电话"),
        max_length=20,
        help_text=_("选填：用于回访，加密保存"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    village = UnitField(
        label=_("村(社区)"),
        kinds=[UnitKind.VILLAGE],
        required=False,
        help_text=_("选填：问题所在的村(社区)，派单和统计按此落到村"),
        error_messages={"invalid_choice": _("请选择村(社区)")},
    )

    def __init__(self, *args: Any, talk: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # At a site with a village the case takes the site's village; asking again would
        # only let the two disagree.
        if talk is not None and talk.site_id and talk.site is not None and talk.site.village_id:
            del self.fields["village"]


def add_service_errors(form: forms.Form, errors: dict[str, list[str]], message: str) -> None:
    for key, texts in (errors or {}).items():
        for text in texts:
            form.add_error(key if key in form.fields else None, text)
    if not errors:
        form.add_error(None, message)


def _secretary_field() -> PeopleField:
    return PeopleField(
        label=_("支部书记"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("暂不指定"),
        help_text=_("所在单位（或下级单位）在岗的人员"),
        error_messages={"invalid_choice": _("请选择列出的人员")},
    )


class BranchForm(forms.Form):
    name = TextField(label=_("支部名称"), max_length=100, required=True)
    unit = UnitField(
        label=_("所在单位"),
        kinds=ORGANISER_KINDS,
        error_messages={"required": _("请选择所在单位"), "invalid_choice": _("请选择所在单位")},
    )
    secretary = _secretary_field()

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Before a unit is chosen: the candidates of the units the user keeps (the county's
        # for county-wide posts); the service then asks that the secretary is a candidate of
        # the branch's own unit, by the same definition.
        scope = scope_of(user)
        root = county_root()
        if scope.county_wide:
            units = [root] if root is not None else []
        else:
            units = [p.unit for p in scope.posts if p.role in UNIT_ROLES]
        field = self.fields["secretary"]
        assert isinstance(field, PeopleField)
        field.queryset = services.secretary_candidates(units)


class BranchEditForm(forms.Form):
    name = TextField(label=_("支部名称"), max_length=100, required=True)
    secretary = _secretary_field()
    active = forms.BooleanField(
        label=_("启用"), required=False, help_text=_("停用的支部不再列出，党员和记录保留")
    )

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The candidates of the branch's unit, and the secretary in place.
        people = User.objects.filter(
            Q(pk__in=services.secretary_candidates([branch.unit]).values("pk"))
            | Q(pk=branch.secretary_id or 0)
        )
        field = self.fields["secretary"]
        assert isinstance(field, PeopleField)
        field.queryset = people.order_by("full_name", "username")


class MemberForm(forms.Form):
    name = TextField(label=_("姓名"), max_length=services.NAME_MAX, required=True)
    hardship = forms.BooleanField(label=_("困难党员"), required=False)
    remote = forms.BooleanField(label=_("流动党员"), required=False)
    note = TextField(label=_("备注"), max_length=100)


class MemberEditForm(MemberForm):
    active = forms.BooleanField(
        label=_("在册"),
        required=False,
        help_text=_("迁出、去世等不再在册的党员取消勾选：不再列入未参学名单，学习记录保留"),
    )


class TalkChoiceField(forms.ModelChoiceField[Talk]):
    def label_from_instance(self, obj: Any) -> str:
        return f"{timezone.localtime(obj.starts_at):%Y-%m-%d} {obj.title}"


class MarkAttendedForm(forms.Form):
    """补记参学: the talk the member attended without a check-in that names them, and why."""

    talk = TalkChoiceField(
        label=_("宣讲"),
        queryset=Talk.objects.none(),
        error_messages={"required": _("请选择宣讲"), "invalid_choice": _("请选择列出的宣讲")},
    )
    note = TextField(
        label=_("说明"),
        max_length=services.MARK_NOTE_MAX,
        required=True,
        help_text=_("如：送学上门；签到时姓名写错"),
    )

    def __init__(self, *args: Any, talks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["talk"]
        assert isinstance(field, TalkChoiceField)
        field.queryset = talks


class SiteVisitForm(forms.Form):
    """One more entry of a site's visitors outside talks."""

    visited_on = LocalDateField(label=_("日期"))
    count = FoldedIntegerField(
        label=_("人数"),
        min_value=-services.VISIT_MAX,
        max_value=services.VISIT_MAX,
        help_text=_("与之前的登记相加；多报了请填负数（如 -3）并写明原因"),
        error_messages={
            "invalid": _("请填写整数"),
            "required": _("请填写人数"),
            "min_value": _("人数过大"),
            "max_value": _("人数过大"),
        },
    )
    group = TextField(
        label=_("团体或说明"),
        max_length=services.VISIT_NOTE_MAX,
        help_text=_("如：县一中高一(3)班；当天散客"),
    )
