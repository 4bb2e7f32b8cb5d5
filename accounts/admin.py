"""Operator views of the installation (Django admin): browse accounts and identities.

Changes to tenants go through the console and the services, so the admin is read-only here; the
one operator action, resetting sandboxes, calls the sandbox service.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from accounts import sandbox
from accounts.models import Account, Principal, Sandbox


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
    """The operator's list of training sandboxes (create them with `manage.py create_sandboxes`)."""

    list_display = ["name", "account_id", "alias", "root_email", "clock_offset", "created_at", "reset_at"]
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
