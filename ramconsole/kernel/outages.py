"""Which database errors mean "the database cannot serve now" rather than a bug: the server is down,
restarting or refusing connections, or a connection was lost mid-request. The console answers them
with its 503 page (ramconsole.web.middleware.DatabaseUnavailableMiddleware), the API with
`ServiceUnavailable` (ramconsole.gateway.dispatcher); every other error stays a 500."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
