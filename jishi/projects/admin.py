"""The admin: the county's settings (调度设置, edited on the console's settings page), lists,
projects and their history are shown read-only, since every change to a project must go
through the services and leave its chained event."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jishi.projects.models import (
    AccountabilityRecord,
    Finding,
    InspectionGroup,
    Policy,
    PolicyChange,
    ProgressRound,
    Project,
    ProjectEvent,
    ProjectList,
    SupervisionOrder,
)
from jishi.projects.selectors import may_see_accountability


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    """Shown only: the settings are changed on the console's 调度设置 page, which checks them
    and keeps each change (``PolicyChange``)."""

    list_display = ["__str__", "due_day", "yellow_behind", "red_behind", "order_workdays"]


@admin.register(PolicyChange)
class PolicyChangeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "before", "after"]


@admin.register(ProjectList)
class ProjectListAdmin(ReadOnlyAdmin):
    list_display = ["title", "year", "kind", "level", "public"]
    list_filter = ["year", "kind", "level"]


class EventInline(admin.TabularInline[ProjectEvent, Project]):
    model = ProjectEvent
    fields = ["seq", "kind", "actor_name", "created_at", "payload", "hash"]
    readonly_fields = ["seq", "kind", "actor_name", "created_at", "payload", "hash"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "lead_unit", "lead_cadre", "status", "progress", "light"]
    list_filter = ["status", "light", "project_list"]
    search_fields = ["code", "title"]
    inlines = [EventInline]


@admin.register(ProgressRound)
class ProgressRoundAdmin(ReadOnlyAdmin):
    list_display = ["month", "due_on", "state", "assessed_at"]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "project", "level", "state", "issued_at", "due_at"]
    list_filter = ["level", "state"]


@admin.register(InspectionGroup)
class InspectionGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "starts_on", "ends_on"]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["pk", "unit", "severity", "case", "recheck"]


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(ReadOnlyAdmin):
    list_display = ["pk", "unit", "person_name", "measure", "decided_on"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only the supervision office and county leads, as on the console's page.
        return may_see_accountability(request.user)
