"""Admin: the settings, deadlines, windows and the catalogue are kept here; ratings, appeals,
reports and events are read-only records (written by the services). A misconduct report's
reporter is not shown here: only the supervision office's console page reveals it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jishi.reviews import tokens
from jishi.reviews.models import (
    Appeal,
    KioskDevice,
    MisconductReport,
    Rating,
    RectificationLimit,
    ReviewEvent,
    ReviewPolicy,
    ServiceItem,
    ServicePoint,
    Shift,
    WindowFlag,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReviewPolicy)
class ReviewPolicyAdmin(admin.ModelAdmin[ReviewPolicy]):
    list_display = ("__str__", "supervision_unit", "good_includes_basic", "rectification_days")


@admin.register(RectificationLimit)
class RectificationLimitAdmin(admin.ModelAdmin[RectificationLimit]):
    list_display = ("unit", "reason", "days")


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin[ServiceItem]):
    list_display = ("code", "name", "owning_unit", "active")
    search_fields = ("code", "name")
    list_select_related = ("owning_unit",)


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin[ServicePoint]):
    list_display = ("unit", "owner", "active", "qr_issued_at")
    list_select_related = ("unit", "owner")
    filter_horizontal = ("items",)
    readonly_fields = ("qr_issued_at",)

    def save_model(self, request: HttpRequest, obj: ServicePoint, form: Any, change: bool) -> None:
        if not obj.qr_key:
            obj.qr_key = tokens.new_key()
        super().save_model(request, obj, form, change)


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin[Shift]):
    list_display = ("point", "user", "started_at", "ended_at")
    list_select_related = ("point__unit", "user")


@admin.register(KioskDevice)
class KioskDeviceAdmin(ReadOnlyAdmin):
    list_display = ("point", "name", "active", "created_at")


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "point", "level", "channel", "staff", "appeal_state")
    list_filter = ("level", "channel", "appeal_state")
    list_select_related = ("point__unit", "staff")
    exclude = ("device_key", "submission_key")


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "rating", "state", "requested_by", "decided_by")


@admin.register(MisconductReport)
class MisconductReportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "point", "case")
    exclude = ("reporter_name", "reporter_phone", "device_key")


@admin.register(WindowFlag)
class WindowFlagAdmin(ReadOnlyAdmin):
    list_display = ("month", "point", "bad_count")


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "point", "actor_name")
    list_filter = ("kind",)
