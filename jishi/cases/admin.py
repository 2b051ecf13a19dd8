"""Admin: categories (with owning units) and time limits are edited here; cases and their
events are shown read-only — the ledger changes only through the workflow's services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jishi.cases.models import Case, CaseClock, CaseEvent, Category, TimeLimit
from jishi.cases.models_checkpoint import LedgerCheckpoint
from jishi.common.masking import mask_personal_numbers


class TimeLimitInline(admin.TabularInline[TimeLimit, Any]):
    model = TimeLimit
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["code", "name", "parent", "owning_unit", "active", "sort_order"]
    list_filter = ["active", "parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "owning_unit"]
    inlines = [TimeLimitInline]


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin[TimeLimit]):
    list_display = ["__str__", "response_amount", "response_unit", "handling_days"]
    list_filter = ["kind", "response_unit"]
    autocomplete_fields = ["category"]


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


EVENT_FIELDS = (
    "seq",
    "kind",
    "actor_name",
    "actor_role",
    "actor_unit_name",
    "to_state",
    "created_at",
    "hash",
)


class CaseEventInline(admin.TabularInline[CaseEvent, Any]):
    model = CaseEvent
    extra = 0
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS
    can_delete = False
    ordering = ["seq"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["code", "masked_title", "kind", "channel", "state", "lead_unit", "accepted_at"]
    list_filter = ["state", "kind", "channel"]
    search_fields = ["code", "title"]
    list_select_related = ["lead_unit"]
    # Reveals happen on the case page, logged: here the contact is left out and the numbers
    # a citizen typed into the title and text are masked.
    exclude = ["citizen_phone", "citizen_id_number", "tracking_pin", "title", "text", "address"]
    readonly_fields = ["masked_title", "masked_text", "masked_address"]
    inlines = [CaseEventInline]

    @admin.display(description="标题")
    def masked_title(self, obj: Case) -> str:
        return mask_personal_numbers(obj.title)

    @admin.display(description="内容")
    def masked_text(self, obj: Case) -> str:
        return mask_personal_numbers(obj.text)

    @admin.display(description="地址")
    def masked_address(self, obj: Case) -> str:
        return mask_personal_numbers(obj.address)


@admin.register(CaseClock)
class CaseClockAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "started_at", "due_at", "estimated", "stopped_at", "outcome"]
    list_filter = ["kind", "outcome", "estimated"]
    list_select_related = ["case"]


@admin.register(LedgerCheckpoint)
class LedgerCheckpointAdmin(ReadOnlyAdmin):
    """Checkpoints are written by ``manage.py ledger_checkpoint`` only."""

    list_display = ("seq", "covers_until", "cases", "events", "chain", "created_at")
