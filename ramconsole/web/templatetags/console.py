"""Template filters of the console shell, available in every template (settings: TEMPLATES builtins)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ramconsole.kernel import clock

register = template.Library()


@register.filter
def utc_time(value: datetime | None) -> SafeString | str:
    """Every time on a console page: `2026-11-28 01:04:24 UTC` in a <time> with its ISO 8601 UTC value,
    which static/js/times.js shows in the browser's time zone (UTC stays on hover), or `-` when
    there is none. A filter rather than an included template: lists show it on every row, and an
    include costs a template render each time."""
    if not value:
        return "-"
    value = value.astimezone(UTC)
    text = clock.display_text(value)
    return format_html('<time datetime="{}" title="{}">{}</time>', clock.utc_text(value), text, text)


@register.filter
def duration_text(value: timedelta) -> str:
    """`91 days 1 hour`, `0 minutes`: whole days, hours and minutes (a timedelta prints
    `91 days, 1:00:00`). The Sandbox clock moves by hours and days only."""
    minutes = int(value.total_seconds()) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        ngettext("%(n)d day", "%(n)d days", days) % {"n": days} if days else "",
        ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours} if hours else "",
        ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes} if minutes else "",
    ]
    return " ".join(part for part in parts if part) or _("0 minutes")
