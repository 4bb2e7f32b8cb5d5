"""Operator views of the installation (Django admin): browse accounts and identities.

Changes to tenants go through the console and the services, so the admin is read-only here; the
one operator action, resetting sandboxes, calls the sandbox service.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import sandbox
from accounts.models import Account, Principal, Sandbox, TrainingClass
from reports import class_views, classes
from security import policy
from security.errors import RamError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["account_id", "alias", "created_at", "clock_offset"]
    search_fields = ["account_id", "alias"]


@admin.register(Principal)
class PrincipalAdmin(ReadOnlyAdmin):
    list_display = ["username", "kind", "account", "name", "email", "created_at", "last_login"]
    list_filter = ["kind"]
    search_fields = ["username", "name", "email", "account__account_id"]
    exclude = ["password"]


@admin.register(Sandbox)
class SandboxAdmin(ReadOnlyAdmin):
    """The operator's list of training sandboxes (create them with `manage.py create_sandboxes` or a class)."""

    list_display = [
        "name",
        "training_class",
        "account_id",
        "alias",
        "root_email",
        "clock_offset",
        "created_at",
        "reset_at",
    ]
    list_filter = ["training_class"]
    search_fields = ["name", "account_id", "alias", "root_email"]
    exclude = ["seed_encrypted"]
    actions = ["reset_to_seed"]

    @admin.display(description="Sandbox clock offset")
    def clock_offset(self, sandbox: Sandbox) -> object:
        return sandbox.clock_offset

    def get_queryset(self, request: HttpRequest) -> QuerySet[Sandbox]:
        # The rows name their account by its ID (a reset rebuilds the account under it).
        offset = Account.objects.filter(account_id=OuterRef("account_id")).values("clock_offset")[:1]
        return super().get_queryset(request).annotate(clock_offset=Subquery(offset))

    @admin.action(description="Reset the selected sandboxes to their seed state")
    def reset_to_seed(self, request: HttpRequest, queryset: QuerySet[Sandbox]) -> None:
        for found in queryset:
            sandbox.sandbox_reset(sandbox=found, operator=request.user.username)
        self.message_user(request, f"{queryset.count()} sandbox(es) reset to their seed state.")


class TrainingClassCreateForm(forms.ModelForm):
    """A new class: its name (its sandboxes are <name>-01, <name>-02, …), how many and who teaches it."""

    count = forms.IntegerField(
        label=_("Number of sandboxes"), min_value=policy.CLASS_MIN_SANDBOXES, max_value=policy.CLASS_MAX_SANDBOXES
    )

    class Meta:
        model = TrainingClass
        fields = ["name", "instructors"]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        name, count = cleaned.get("name"), cleaned.get("count")
        if name and count:
            try:
                policy.check_training_class(name=name, count=count, name_taken=False)  # uniqueness: the model's
            except RamError as error:
                raise ValidationError(error.console_message) from error
        return cleaned


@admin.register(TrainingClass)
class TrainingClassAdmin(admin.ModelAdmin):
    """Classes of trainee sandboxes: a superuser creates one (its sandboxes with it) and names its
    instructors; each instructor sees and runs only his classes, on the Class page."""

    list_display = ["name", "sandbox_count", "created_at", "class_page_link"]
    search_fields = ["name"]
    filter_horizontal = ["instructors"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrainingClass]:
        return classes.classes_for(request.user)

    def get_form(
        self, request: HttpRequest, obj: TrainingClass | None = None, **kwargs: object
    ) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = TrainingClassCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: TrainingClass | None = None) -> list[str]:
        return ["name"] if obj is not None else []  # its sandboxes are named after it

    def save_model(self, request: HttpRequest, obj: TrainingClass, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = sandbox.training_class_create(
            name=obj.name, count=form.cleaned_data["count"], instructors=form.cleaned_data["instructors"]
        )
        obj.pk, obj.created_at = created.pk, created.created_at

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        if change:  # a new class got its instructors with its sandboxes, in one transaction
            super().save_related(request, form, formsets, change)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.may_teach(request.user)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return policy.may_teach(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return policy.teaches_every_class(request.user)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return policy.teaches_every_class(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return policy.teaches_every_class(request.user)  # its sandboxes stay, in no class

    @admin.display(description=_("Sandboxes"))
    def sandbox_count(self, training_class: TrainingClass) -> int:
        return training_class.sandboxes.count()

    @admin.display(description=_("Class page"))
    def class_page_link(self, training_class: TrainingClass) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse(class_views.CLASS_URL_NAME, args=[training_class.pk]), _("Open")
        )

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        prefix = "accounts_trainingclass_class"
        return [
            path("<int:class_id>/class/", wrap(class_views.class_page), name=prefix),
            path("<int:class_id>/class/progress/", wrap(class_views.class_progress), name=f"{prefix}_progress"),
            path("<int:class_id>/class/csv/", wrap(class_views.class_csv), name=f"{prefix}_csv"),
            path("<int:class_id>/class/logins/", wrap(class_views.class_logins_csv), name=f"{prefix}_logins"),
            path("<int:class_id>/class/action/", wrap(class_views.class_action), name=f"{prefix}_action"),
            *super().get_urls(),
        ]
