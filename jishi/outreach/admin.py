"""Admin: sites, series and branches are kept in the console (through the services) and may be
looked at here; talks and check-ins are read-only records, written by the services, so a
count of attendance cannot be typed in."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jishi.outreach.models import (
    Branch,
    BranchMember,
    CheckIn,
    HeadCount,
    Series,
    Site,
    Talk,
    TalkQuestion,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Site)
class SiteAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "township", "village", "capacity", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "address")


@admin.register(Series)
class SeriesAdmin(ReadOnlyAdmin):
    list_display = ("name", "active")


@admin.register(Talk)
class TalkAdmin(ReadOnlyAdmin):
    list_display = ("title", "starts_at", "setting", "organiser", "cancelled")
    list_filter = ("setting", "series", "cancelled")
    search_fields = ("title", "speaker")
    exclude = ("checkin_key", "remote_key")


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ("talk", "name", "unit_text", "channel", "created_at")
    list_filter = ("channel",)
    exclude = ("person_key", "device_key")


@admin.register(HeadCount)
class HeadCountAdmin(ReadOnlyAdmin):
    list_display = ("talk", "count", "note", "recorded_by", "created_at")


@admin.register(Branch)
class BranchAdmin(ReadOnlyAdmin):
    list_display = ("name", "unit", "secretary", "active")


@admin.register(BranchMember)
class BranchMemberAdmin(ReadOnlyAdmin):
    list_display = ("name", "branch", "hardship", "remote", "active")
    list_filter = ("hardship", "remote")


@admin.register(TalkQuestion)
class TalkQuestionAdmin(ReadOnlyAdmin):
    list_display = ("case", "talk", "created_at")
