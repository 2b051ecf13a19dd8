from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from jishi.common.errors import JishiError
from jishi.routing import services
from jishi.routing.models import KeywordRule, RouterModel


@admin.register(RouterModel)
class RouterModelAdmin(admin.ModelAdmin[RouterModel]):
    list_display = [
        "version",
        "target",
        "is_active",
        "n_documents",
        "span_from",
        "span_to",
        "created_at",
        "created_by",
    ]
    list_filter = ["target", "is_active"]
    search_fields = ["version"]
    actions = ["activate", "deactivate"]
    # Trained rows are a record of what was trained; only the services change them.
    readonly_fields = [
        "version",
        "target",
        "created_at",
        "created_by",
        "span_from",
        "span_to",
        "n_documents",
        "labels",
        "metrics",
        "artifact",
        "sha256",
        "is_active",
        "activated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="启用所选模型（每个预测目标仅一个）")
    def activate(self, request: HttpRequest, queryset: QuerySet[RouterModel]) -> None:
        chosen: dict[str, RouterModel] = {}
        for model in queryset.order_by("-created_at", "-id"):
            chosen.setdefault(model.target, model)
        for model in chosen.values():
            try:
                services.router_activate(actor=request.user, model=model)  # type: ignore[arg-type]
            except JishiError as error:
                self.message_user(request, error.message, level=messages.ERROR)
                return
        self.message_user(request, "已启用：" + "、".join(m.version for m in chosen.values()))

    @admin.action(description="停用所选模型（改用关键词规则）")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[RouterModel]) -> None:
        for model in queryset:
            services.router_deactivate(actor=request.user, model=model)  # type: ignore[arg-type]
        self.message_user(request, "已停用所选模型")


@admin.register(KeywordRule)
class KeywordRuleAdmin(admin.ModelAdmin[KeywordRule]):
    list_display = ["keywords", "target", "label", "priority", "active"]
    list_filter = ["target", "active"]
    list_editable = ["priority", "active"]
    search_fields = ["keywords", "label"]
