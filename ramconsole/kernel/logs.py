"""Structured logs: one line per request, and a request id on every record logged while it runs.

The request line carries the method, the path WITHOUT its query string (API calls carry their
AccessKeyId and Signature there), the status, the duration, the worker pid and the account ID of
a signed-in principal. Bodies, cookies and headers are never logged.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pythonjsonlogger.json
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy or load balancer may send: a uuid, with room for a prefix. Anything else is replaced,
# so a client cannot write arbitrary text into the logs.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")
MAX_LOGGED_PATH = 512
QUERY_STRING = re.compile(r"\?\S*")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
request_logger = logging.getLogger("ramconsole.request")

# What a JSON line holds, in this order (the request line's extras only on it; exc_info only with an
# exception). No other extra reaches a line: Django's `request`, say, whose repr has the query string.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "account_id")
LINE_FIELDS = ("time", "level", "logger", "message", "request_id", "pid", *REQUEST_FIELDS, "exc_info")


def request_id_from(header: str | None) -> str:
    """The incoming request id when it is well-formed, else a new one (uuid4 hex)."""
    if header and VALID_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record; attach it to handlers, so records that
    propagate from other loggers get it too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class QueryStringFilter(logging.Filter):
    """Drops the query string from runserver's request lines (`make run`): API calls carry their
    AccessKeyId and Signature there. gunicorn's access log is off for the same reason."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (QUERY_STRING.sub("", record.args[0], count=1), *record.args[1:])
        return True


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """One JSON object per line (python-json-logger), with exactly LINE_FIELDS."""

    def __init__(self) -> None:
        super().__init__(
            ["asctime", "levelname", "name", "message", "request_id", "process"],
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
            # An extra of the same name as a renamed field would overwrite it.
            reserved_attrs=[*RESERVED_ATTRS, "time", "level", "logger", "pid"],
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """`time`: ISO 8601 in UTC, to the millisecond."""
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        if log_data["request_id"] is None:  # a record no RequestIdFilter saw (gunicorn's own lines)
            log_data["request_id"] = request_id_var.get()
        return {name: log_data[name] for name in LINE_FIELDS if name in log_data}


def _account_id(request: HttpRequest) -> str | None:
    """The signed-in principal's account ID, without loading a user nobody asked for."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is None:
        return None
    if not user.is_authenticated or not getattr(user, "account_id", None):
        return None
    account_field = type(user)._meta.get_field("account")
    return account_field.get_cached_value(user).account_id if account_field.is_cached(user) else None


class RequestLogMiddleware:
    """Outermost middleware: sets the request id, echoes it, and logs the request line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        # Not reset on the way out: Django logs 4xx/5xx answers ("Not Found: /") after the middleware
        # chain. The id is cleared when the response is closed (request_finished, below).
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        path = request.path[:MAX_LOGGED_PATH]
        request_logger.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "account_id": _account_id(request),
            },
        )
        return response


@receiver(request_finished, dispatch_uid="ramconsole.kernel.logs.clear_request_id")
def clear_request_id(**_kwargs: object) -> None:
    request_id_var.set("-")
