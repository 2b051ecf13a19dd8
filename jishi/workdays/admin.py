"""Admin for the calendar tables. Every change goes through the services, so the admin
leaves the same audit trail, cache invalidation and ``calendar_changed`` as any other path."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from django.http import HttpRequest

from jishi.orgs.models import User
from jishi.workdays.calendar import chinese_calendar_covers
from jishi.workdays.models import CalendarChange, CalendarYear, HolidayOverride
from jishi.workdays.services import (
    calendar_year_mark_complete,
    override_remove,
    override_set,
    validate_override,
    validate_year_complete,
)

_WEEKDAYS = "一二三四五六日"


def _actor(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


class YearFilter(admin.SimpleListFilter):
    """Overrides by year: an admin enters and checks one year's schedule at a time."""

    title = "年份"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = (
            HolidayOverride.objects.annotate(y=ExtractYear("date"))
            .order_by("-y")
            .values_list("y", flat=True)
            .distinct()
        )
        return [(str(y), f"{y}年") for y in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


class HolidayOverrideForm(forms.ModelForm[HolidayOverride]):
    class Meta:
        model = HolidayOverride
        fields = ["date", "is_workday", "name", "note"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "date" in cleaned:
            errors = validate_override(
                date=cleaned["date"], name=cleaned.get("name") or "", note=cleaned.get("note") or ""
            )
            for field, messages in errors.items():
                for message in messages:
                    self.add_error(field, message)
        return cleaned


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin[HolidayOverride]):
    form = HolidayOverrideForm
    list_display = ["date", "weekday", "is_workday", "name", "note", "updated_by", "updated_at"]
    list_filter = [YearFilter, "is_workday"]
    search_fields = ["name", "note"]
    date_hierarchy = "date"
    readonly_fields = ["created_by", "created_at", "updated_by", "updated_at"]

    @admin.display(description="星期")
    def weekday(self, obj: HolidayOverride) -> str:
        return f"周{_WEEKDAYS[obj.date.weekday()]}"

    def save_model(
        self,
        request: HttpRequest,
        obj: HolidayOverride,
        form: forms.ModelForm[HolidayOverride],
        change: bool,
    ) -> None:
        actor = _actor(request)
        old_date = form.initial.get("date") if change else None
        if old_date is not None and old_date != obj.date:
            # Moving an entry to another date is removing one and setting the other; the
            # admin's own transaction keeps the two together.
            override_remove(actor=actor, date=old_date)
        row = override_set(
            actor=actor, date=obj.date, is_workday=obj.is_workday, name=obj.name, note=obj.note
        )
        obj.pk = row.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: HolidayOverride) -> None:
        override_remove(actor=_actor(request), date=obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[HolidayOverride]) -> None:
        actor = _actor(request)
        for day in queryset.values_list("date", flat=True):
            override_remove(actor=actor, date=day)


class CalendarYearForm(forms.ModelForm[CalendarYear]):
    class Meta:
        model = CalendarYear
        fields = ["year", "complete", "note"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year = cleaned.get("year") or (self.instance.year if self.instance.pk else None)
        if year is not None:
            errors = validate_year_complete(year=year, complete=bool(cleaned.get("complete")))
            for field, messages in errors.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    form = CalendarYearForm
    list_display = [
        "year",
        "complete",
        "covered_by_package",
        "days_off",
        "days_on",
        "note",
        "updated_by",
        "updated_at",
    ]
    list_filter = ["complete"]
    readonly_fields = ["updated_by", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A row is one year; entering another year is adding another row.
        base = list(super().get_readonly_fields(request, obj))
        return [*base, "year"] if obj is not None else base

    @admin.display(description="内置数据", boolean=True)
    def covered_by_package(self, obj: CalendarYear) -> bool:
        return chinese_calendar_covers(obj.year)

    @admin.display(description="放假条目")
    def days_off(self, obj: CalendarYear) -> int:
        return HolidayOverride.objects.filter(date__year=obj.year, is_workday=False).count()

    @admin.display(description="上班条目")
    def days_on(self, obj: CalendarYear) -> int:
        return HolidayOverride.objects.filter(date__year=obj.year, is_workday=True).count()

    def save_model(
        self,
        request: HttpRequest,
        obj: CalendarYear,
        form: forms.ModelForm[CalendarYear],
        change: bool,
    ) -> None:
        row = calendar_year_mark_complete(
            actor=_actor(request), year=obj.year, complete=obj.complete, note=obj.note
        )
        obj.pk = row.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Unticking "complete" is how a year stops being known; deleting would lose its note.
        return False


@admin.register(CalendarChange)
class CalendarChangeAdmin(admin.ModelAdmin[CalendarChange]):
    list_display = ["created_at", "action", "year", "date", "actor"]
    list_filter = ["action", "year"]
    readonly_fields = ["actor", "action", "year", "date", "before", "after", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
