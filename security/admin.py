from __future__ import annotations

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from security.models import Event


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "account", "actor_name", "source_ip", "action", "target", "result"]
    list_filter = ["action", "result"]
    search_fields = ["actor_name", "target", "account__account_id"]
