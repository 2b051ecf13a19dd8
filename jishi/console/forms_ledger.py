"""The ledger's filters: parsing the query string and turning it into one queryset.

``ledger_cases`` is the only way the ledger page, its count and its exports get their rows,
so the three can never disagree; it always starts from ``cases_visible_to``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.cases.fields import CategoryField
from jishi.cases.models import (
    Case,
    CaseClock,
    CaseKind,
    Category,
    Channel,
    ClockKind,
    State,
)
from jishi.cases.selectors import cases_matching, cases_visible_to
from jishi.common import clock
from jishi.common.text import fold
from jishi.common.widgets import ListSelect
from jishi.orgs.forms import UnitField
from jishi.orgs.models import UnitKind, User
from jishi.reports import metrics
from jishi.reports.selectors import DateRange, figure_cases

SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "-accepted": ("-accepted_at", "-id"),
    "accepted": ("accepted_at", "id"),
    "due": (F("handling_due").asc(nulls_last=True), "-id"),
    "-due": (F("handling_due").desc(nulls_last=True), "-id"),
    "state": ("state", "-accepted_at", "-id"),
    "code": ("code",),
}
SORT_CHOICES = [
    ("-accepted", _("受理时间（新→旧）")),
    ("accepted", _("受理时间（旧→新）")),
    ("due", _("期限（近→远）")),
    ("-due", _("期限（远→近）")),
    ("state", _("状态")),
    ("code", _("受理编号")),
]
PER_PAGE_CHOICES = [("50", "50"), ("100", "100")]
DEFAULT_SORT = "-accepted"
DEFAULT_PER_PAGE = 50
# Query parameters that shape the page but not the row set (an export ignores them).
VIEW_PARAMS = frozenset({"sort", "per_page", "page"})
INVALID_CHOICE = _("所选项无效，已忽略此条件。")
INVALID_DATE = _("日期格式应为 年-月-日（如 2026-11-02），已忽略此条件。")
# The dates a filter may name: year 1 or 9999 cannot be turned into a local midnight.
EARLIEST_DATE, LATEST_DATE = date(1990, 1, 1), date(2099, 12, 31)
DATE_OUT_OF_RANGE = _("日期应在 1990-01-01 至 2099-12-31 之间，已忽略此条件。")


class LedgerFilterForm(forms.Form):
    """Every field is optional; an invalid one gets a message and is left out of the filter."""

    q = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=100,
        error_messages={"max_length": _("关键词最多 100 个字，已忽略此条件。")},
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("标题、内容或受理编号"),
                "autocomplete": "off",
            }
        ),
    )
    state = forms.MultipleChoiceField(
        label=_("状态"),
        required=False,
        choices=State.choices,
        error_messages={"invalid_choice": INVALID_CHOICE, "invalid_list": INVALID_CHOICE},
        widget=forms.CheckboxSelectMultiple,
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        required=False,
        choices=[("", _("全部类型")), *CaseKind.choices],
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    channel = forms.ChoiceField(
        label=_("渠道"),
        required=False,
        choices=[("", _("全部渠道")), *Channel.choices],
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    category = CategoryField(
        label=_("分类"),
        required=False,
        active_only=False,
        empty_label=_("全部分类"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    # Former units stay in the pickers: the ledger reaches back years.
    unit = UnitField(
        label=_("承办单位"),
        required=False,
        kinds=[UnitKind.COUNTY, UnitKind.DEPARTMENT, UnitKind.TOWNSHIP, UnitKind.VILLAGE],
        active_only=False,
        widget=ListSelect,
        empty_label=_("全部单位"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    township = UnitField(
        label=_("乡镇"),
        required=False,
        kinds=[UnitKind.TOWNSHIP],
        active_only=False,
        widget=ListSelect,
        empty_label=_("全部乡镇"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    village = UnitField(
        label=_("村(社区)"),
        required=False,
        kinds=[UnitKind.VILLAGE],
        active_only=False,
        widget=ListSelect,
        empty_label=_("全部村(社区)"),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    date_from = forms.DateField(
        label=_("受理日期自"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": INVALID_DATE},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("至"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": INVALID_DATE},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    overdue = forms.BooleanField(label=_("超期"), required=False)
    # Markers of a case (it was reopened, it is supervised), not the actions of those names.
    reopened = forms.BooleanField(label=pgettext_lazy("marker", "重办"), required=False)
    supervised = forms.BooleanField(label=pgettext_lazy("marker", "督办"), required=False)
    # A figure of the reports: the ledger lists exactly the cases it counts (its link carries
    # the figure, its period and its group). Not shown as inputs: reached from a figure.
    figure = forms.ChoiceField(
        label=_("统计口径"),
        required=False,
        choices=[
            ("", ""),
            *((k, m.name) for k, m in metrics.METRICS.items()),
            *list(metrics.SNAPSHOTS.items()),
        ],
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    figure_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    figure_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    figure_unit = forms.CharField(required=False, max_length=20)
    figure_township = forms.CharField(required=False, max_length=20)
    figure_category = forms.CharField(required=False, max_length=20)
    figure_channel = forms.CharField(required=False, max_length=20)
    figure_kind = forms.CharField(required=False, max_length=20)
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=SORT_CHOICES,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    per_page = forms.TypedChoiceField(
        label=_("每页"),
        required=False,
        choices=PER_PAGE_CHOICES,
        coerce=int,
        empty_value=DEFAULT_PER_PAGE,  # type: ignore[arg-type]
        error_messages={"invalid_choice": INVALID_CHOICE},
    )

    # ``from`` is a Python keyword, so the fields have other names; the URL keeps the short
    # names the issue and people's bookmarks use.
    FIELD_FOR_PARAM: Mapping[str, str] = {"from": "date_from", "to": "date_to"}

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        if data is not None:
            data = data.copy()
            # Full-width digits (２０２６-１１-０２) typed on a phone are still a date.
            for param in self.FIELD_FOR_PARAM:
                if param in data:
                    data[param] = fold(str(data[param])).strip()
        super().__init__(data, **kwargs)

    def add_prefix(self, field_name: str) -> str:
        # The HTML inputs are named like the URL (``from``/``to``).
        for param, name in self.FIELD_FOR_PARAM.items():
            if field_name == name:
                return param
        return super().add_prefix(field_name)

    def _date_in_range(self, name: str) -> date | None:
        day: date | None = self.cleaned_data.get(name)
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise forms.ValidationError(DATE_OUT_OF_RANGE, code="out_of_range")
        return day

    def clean_date_from(self) -> date | None:
        return self._date_in_range("date_from")

    def clean_date_to(self) -> date | None:
        return self._date_in_range("date_to")

    def _figure_id(self, name: str) -> int | str | None:
        value = (self.cleaned_data.get(name) or "").strip()
        if value == "none":
            return None
        if not value.isdigit():
            raise forms.ValidationError(INVALID_CHOICE, code="invalid")
        return int(value)

    def clean_figure_unit(self) -> Any:
        return self._figure_id("figure_unit") if self.cleaned_data.get("figure_unit") else ""

    def clean_figure_township(self) -> Any:
        return (
            self._figure_id("figure_township") if self.cleaned_data.get("figure_township") else ""
        )

    def clean_figure_category(self) -> Any:
        return (
            self._figure_id("figure_category") if self.cleaned_data.get("figure_category") else ""
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("结束日期不能早于开始日期，已忽略此条件。"))
        return data

    @property
    def filters(self) -> dict[str, Any]:
        """The valid filters (invalid ones are dropped, so the page still shows rows)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return dict(self.cleaned_data or {})

    @property
    def sort_key(self) -> str:
        return self.filters.get("sort") or DEFAULT_SORT

    @property
    def page_size(self) -> int:
        return int(self.filters.get("per_page") or DEFAULT_PER_PAGE)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _category_and_children(category: Category) -> list[int]:
    """The category and everything below it (the tree is small: one query for all of it)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [], [category.pk]
    while todo:
        pk = todo.pop()
        found.append(pk)
        todo.extend(children.get(pk, []))
    return found


def overdue_condition(now: datetime | None = None) -> Exists:
    """A response or handling clock still running past its due time, or one stopped late."""
    now = now or clock.now()
    late = CaseClock.objects.filter(
        case_id=OuterRef("pk"), kind__in=[ClockKind.RESPONSE, ClockKind.HANDLING]
    ).filter(Q(stopped_at__isnull=True, due_at__lt=now) | Q(outcome="late"))
    return Exists(late)


def answered_late_condition() -> Exists:
    """A response or handling clock that was stopped after its due time."""
    late = CaseClock.objects.filter(
        case_id=OuterRef("pk"),
        kind__in=[ClockKind.RESPONSE, ClockKind.HANDLING],
        outcome="late",
    )
    return Exists(late)


def filter_cases(queryset: QuerySet[Case], filters: Mapping[str, Any]) -> QuerySet[Case]:
    """Apply cleaned filter values (as from ``LedgerFilterForm.filters``) to ``queryset``."""
    qs = queryset
    if query := (filters.get("q") or "").strip():
        # Full-width digits and letters in a tracking code (ＪＡ２６…) are the same code.
        qs = cases_matching(qs, fold(query))
    if states := filters.get("state"):
        qs = qs.filter(state__in=states)
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    if channel := filters.get("channel"):
        qs = qs.filter(channel=channel)
    if category := filters.get("category"):
        qs = qs.filter(category_id__in=_category_and_children(category))
    if unit := filters.get("unit"):
        assisting = Case.assisting_units.through.objects.filter(
            case_id=OuterRef("pk"), unit_id=unit.pk
        )
        qs = qs.filter(Q(lead_unit_id=unit.pk) | Exists(assisting))
    if township := filters.get("township"):
        qs = qs.filter(township_id=township.pk)
    if village := filters.get("village"):
        qs = qs.filter(village_id=village.pk)
    if start := filters.get("date_from"):
        qs = qs.filter(accepted_at__gte=_local_midnight(start))
    if end := filters.get("date_to"):
        qs = qs.filter(accepted_at__lt=_local_midnight(end + timedelta(days=1)))
    if filters.get("overdue"):
        qs = qs.filter(overdue_condition())
    if filters.get("reopened"):
        qs = qs.filter(reopen_count__gt=0)
    if filters.get("supervised"):
        qs = qs.filter(supervised=True)
    if figure := filters.get("figure"):
        qs = _figure_filter(qs, figure, filters)
    return qs


def _figure_filter(qs: QuerySet[Case], figure: str, filters: Mapping[str, Any]) -> QuerySet[Case]:
    """The cases behind a report figure, by the figure's own definition (``reports.metrics``)."""
    first, last = filters.get("figure_from"), filters.get("figure_to")
    dates = DateRange(first, last) if first and last and first <= last else None
    groups: dict[str, Any] = {}
    for dimension in metrics.DIMENSIONS:
        value = filters.get(f"figure_{dimension}")
        if value is None or value != "":
            if value == "none":
                value = None
            groups[dimension] = value
    return figure_cases(qs, figure, dates, groups)


def ledger_cases(user: User, form: LedgerFilterForm) -> QuerySet[Case]:
    """The user's ledger rows for these filters, sorted: for the page, the count and exports."""
    qs = filter_cases(cases_visible_to(user), form.filters)
    return qs.select_related("category", "township", "village", "lead_unit").order_by(
        *SORTS[form.sort_key]
    )


def form_from_params(params: Mapping[str, list[str]]) -> LedgerFilterForm:
    """Rebuild the filter form from stored query parameters (an export's ``filters``)."""
    data = QueryDict(mutable=True)
    for key, values in params.items():
        data.setlist(key, list(values))
    return LedgerFilterForm(data)
