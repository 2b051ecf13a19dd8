"""Admin: the hall's duty roster and survey campaigns are kept here; visits, hall problems
and suggestions are read-only records (they are written with their cases, by the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jishi.intake.models import (
    Campaign,
    CampaignSuggestion,
    DutyShift,
    HallProblem,
    Visit,
    VisitItem,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VisitItemInline(admin.TabularInline[VisitItem, Any]):
    model = VisitItem
    fields = ("position", "case", "resolved_on_the_spot")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("visited_on", "household", "unit", "secretary", "created_at")
    list_filter = ("visited_on",)
    search_fields = ("household", "secretary__full_name", "unit__name")
    list_select_related = ("unit", "secretary")
    inlines = [VisitItemInline]


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin[DutyShift]):
    list_display = ("date", "period", "hall", "director")
    list_filter = ("hall", "period")
    date_hierarchy = "date"
    list_select_related = ("hall", "director")
    autocomplete_fields = ("director",)


@admin.register(HallProblem)
class HallProblemAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "hall", "case", "outcome", "recorded_by", "suggested_unit")
    list_filter = ("outcome", "hall")
    list_select_related = ("hall", "case", "recorded_by", "suggested_unit")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Campaign]):
    list_display = ("name", "unit", "starts_on", "ends_on")
    search_fields = ("name",)
    list_select_related = ("unit",)


@admin.register(CampaignSuggestion)
class CampaignSuggestionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "campaign", "case", "adopted", "adopted_by")
    list_filter = ("adopted", "campaign")
    list_select_related = ("campaign", "case", "adopted_by")
