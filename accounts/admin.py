"""Operator views of the installation (Django admin): browse accounts and identities.

Changes to tenants go through the console and the services, so the admin is read-only here.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from accounts.models import Account, Principal


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
