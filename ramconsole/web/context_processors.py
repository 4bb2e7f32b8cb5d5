"""What the console shell needs on every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from security import policy


def console(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    context: dict[str, Any] = {"demo_mode": settings.RAMCONSOLE_DEMO_MODE}
    if user is not None and user.is_authenticated:
        context["capabilities"] = policy.console_capabilities(user)
    return context
