"""Admin for units, people and posts, with an "导入" page on each list.

The import page uploads an .xlsx/.csv file and shows the per-row report; nothing is written
unless the file is clean (or the admin ticks "只导入正确的行").
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from jishi.orgs.imports import MAX_ROWS, ImportKind, ImportReport, import_file, template_bytes
from jishi.orgs.models import Post, Unit, UnitChange, User

# Ten megabytes is several times a 50,000-row sheet; a bigger upload is a mistake.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
IMPORT_LIST = "admin/orgs/import_change_list.html"


class ImportForm(forms.Form):
    file = forms.FileField(label="文件", help_text="Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）")
    dry_run = forms.BooleanField(label="只检查，不导入", required=False)
    good_rows_only = forms.BooleanField(
        label="只导入正确的行",
        required=False,
        help_text="默认文件有任何错误就不导入；勾选后跳过错误的行，导入其余行。",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件过大（超过 10MB），请拆分后导入")
        if not upload.name.lower().endswith((".xlsx", ".xlsm", ".csv", ".txt")):
            raise forms.ValidationError("只支持 .xlsx 和 .csv 文件")
        return upload


class StaffImportForm(ImportForm):
    issue_passwords = forms.BooleanField(
        label="为新用户生成一次性密码",
        required=False,
        help_text="密码只在本页显示一次；不勾选时新用户没有密码，需由管理员重置。",
    )


class ImportAdminMixin:
    """Adds ``<model>/import/`` and ``<model>/import/template/`` to a ModelAdmin; the list
    page links to it when the admin also sets ``change_list_template = IMPORT_LIST``."""

    import_kind: ImportKind = "units"

    admin_site: admin.AdminSite
    model: type[Any]

    def get_urls(self) -> list[URLPattern]:
        info = (self.model._meta.app_label, self.model._meta.model_name)
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="{}_{}_import".format(*info)),
            path(
                "import/template/",
                wrap(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if self.import_kind == "units":
            return user.has_perms(["orgs.add_unit", "orgs.change_unit"])
        return user.has_perms(["orgs.add_user", "orgs.change_user", "orgs.add_post"])

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def import_template_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        response = HttpResponse(
            template_bytes(self.import_kind, fmt="xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = "units-template.xlsx" if self.import_kind == "units" else "staff-template.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        form_class = StaffImportForm if self.import_kind == "staff" else ImportForm
        report: ImportReport | None = None
        if request.method == "POST":
            form = form_class(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                extra = (
                    {"issue_passwords": form.cleaned_data["issue_passwords"]}
                    if self.import_kind == "staff"
                    else {}
                )
                user = request.user
                report = import_file(
                    actor=user if isinstance(user, User) else None,
                    kind=self.import_kind,
                    data=upload.read(),
                    filename=upload.name,
                    good_rows_only=form.cleaned_data["good_rows_only"],
                    dry_run=form.cleaned_data["dry_run"],
                    **extra,
                )
        else:
            form = form_class()
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": f"导入{opts.verbose_name}"
            if self.import_kind == "units"
            else "导入人员和岗位",
            "form": form,
            "report": report,
            "max_rows": MAX_ROWS,
            "import_kind": self.import_kind,
            "template_url": f"admin:{opts.app_label}_{opts.model_name}_import_template",
        }
        # A report with one-time passwords must not be cached anywhere on the way back.
        response = TemplateResponse(request, "admin/orgs/import.html", context)
        response["Cache-Control"] = "no-store"
        return response


class PostInline(admin.TabularInline[Post, Any]):
    model = Post
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(ImportAdminMixin, BaseUserAdmin[User]):
    import_kind = "staff"
    change_list_template = IMPORT_LIST
    list_display = ["username", "full_name", "is_active", "is_staff"]
    search_fields = ["username", "full_name"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("jishi", {"fields": ("full_name", "phone")}))  # type: ignore[misc]
    inlines = [PostInline]


@admin.register(Unit)
class UnitAdmin(ImportAdminMixin, admin.ModelAdmin[Unit]):
    import_kind = "units"
    change_list_template = IMPORT_LIST
    list_display = ["code", "name", "kind", "parent", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "name_traditional"]
    autocomplete_fields = ["parent"]


@admin.register(Post)
class PostAdmin(ImportAdminMixin, admin.ModelAdmin[Post]):
    import_kind = "staff"
    change_list_template = IMPORT_LIST
    list_display = ["user", "unit", "role", "active"]
    list_filter = ["role", "active"]
    search_fields = ["user__username", "user__full_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(UnitChange)
class UnitChangeAdmin(admin.ModelAdmin[UnitChange]):
    list_display = ["unit", "action", "actor", "created_at"]
    readonly_fields = ["unit", "actor", "action", "before", "after", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
