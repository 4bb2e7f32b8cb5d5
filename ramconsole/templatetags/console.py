"""Template filters of the console shell, available in every template (settings: TEMPLATES builtins)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def utc_time(value: datetime | None) -> SafeString | str:
    """A time as the console shows it: `2026-11-28 01:04:24 UTC` in a machine-readable <time>,
    or `-` when there is none. A filter rather than an included template: lists show it on
    every row, and an include costs a template render each time."""
    if not value:
        return "-"
    value = timezone.localtime(value)  # as the `date` filter shows it
    text = f"{value:%Y-%m-%d %H:%M:%S} UTC"
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), text, text)
