"""The RAM/IMS-compatible OpenAPI endpoint at `/` (RAM-API.md): authenticate the signature, find the
handler for (Version, Action), run it, answer JSON. Handlers live in each app's rpc.py and hold
no rules: they read parameters and call the same services as the console."""

from __future__ import annotations

import importlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from accesskeys import selectors as key_selectors
from accesskeys import services as key_services
from accesskeys.models import AccessKey
from accounts import selectors as account_selectors
from accounts.actors import Actor
from accounts.models import Principal
from ramconsole import clock, crypto, rows, signatures
from ramconsole.net import client_ip
from ramconsole.outages import DATABASE_UNAVAILABLE
from security import events, policy
from security.errors import EntityNotExist, InvalidParameter, RamError
from security.models import ApiNonce, Event
from security.policy import GatewayError

logger = logging.getLogger(__name__)

RAM = "2015-05-01"
IMS = "2019-08-15"
HOSTS = {RAM: "ram.aliyuncs.com", IMS: "ims.aliyuncs.com"}
HANDLER_MODULES = ("accounts.rpc", "security.rpc", "accesskeys.rpc", "mfa.rpc", "reports.rpc")
ACS3_REQUIRED_HEADERS = {
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
}
_TRUE = {"true"}
_FALSE = {"false"}


def format_date(value: datetime | None) -> str:
    return clock.utc_text(value) or ""


@dataclass
class ApiCall:
    """One authenticated call: who, which version, and its (decoded, string) parameters."""

    version: str
    action: str
    params: dict[str, str]
    actor: Actor

    @property
    def is_ims(self) -> bool:
        return self.version == IMS

    @property
    def account(self) -> Any:
        return self.actor.account

    def text(self, name: str, *, required: bool = False, default: str = "") -> str:
        value = self.params.get(name)
        if value is None or (required and value == ""):
            if required:
                raise InvalidParameter(
                    _('The input parameter "%(p)s" that is mandatory for processing this request is not supplied.')
                    % {"p": name},
                    code="MissingParameter",
                )
            return default
        return value

    def has(self, name: str) -> bool:
        return name in self.params

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        """Booleans arrive as True/true/False/false (Python SDKs send str(bool))."""
        if name not in self.params:
            return default
        value = self.params[name].strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise InvalidParameter(
            _('The parameter - "%(p)s" is not a boolean.') % {"p": name}, code=f"InvalidParameter.{name}.Format"
        )

    def integer(self, name: str, default: int | None = None) -> int | None:
        if name not in self.params or self.params[name] == "":
            return default
        try:
            return int(self.params[name])
        except ValueError:
            raise InvalidParameter(
                _('The parameter - "%(p)s" is not an integer.') % {"p": name}, code=f"InvalidParameter.{name}.Format"
            ) from None

    def max_items(self, *, default: int, maximum: int) -> int:
        """The MaxItems of a paged List/Get action, 1 to `maximum`."""
        value = self.integer("MaxItems", default=default)
        if not 1 <= value <= maximum:
            raise InvalidParameter(
                f'The parameter - "MaxItems" MUST be in the range of 1 and {maximum}.',
                code="InvalidParameter.MaxItems.Range",
            )
        return value

    def user(self, *, required: bool = True, by_access_key: bool = False) -> Principal:
        """The RAM user a call names: UserName (RAM), UserPrincipalName or UserId (IMS).
        Not named and not required: the caller itself (CreateAccessKey, ListAccessKeys, …)."""
        account = self.account
        if self.is_ims:
            upn, user_id = self.params.get("UserPrincipalName", ""), self.params.get("UserId", "")
            key_id = self.params.get("UserAccessKeyId", "") if by_access_key else ""
            if key_id:  # IMS GetUser may name the user by one of its AccessKeys
                key = key_selectors.access_key_by_id(key_id)
                if key is None or key.principal.account_id != account.pk or not key.principal.is_ram_user:
                    raise EntityNotExist("The user does not exist.", code="EntityNotExist.User")
                return account_selectors.ram_user_get(account=account, user_id=key.principal.user_id)
            if user_id:
                return account_selectors.ram_user_get(account=account, user_id=user_id)
            if upn:
                principal = account_selectors.principal_for_logon_name(upn)
                if principal is None or principal.account_id != account.pk or not principal.is_ram_user:
                    raise EntityNotExist("The user does not exist.", code="EntityNotExist.User")
                return principal
            name_param = "UserPrincipalName"
        else:
            name = self.params.get("UserName", "")
            if name:
                return account_selectors.ram_user_get_by_name(account=account, name=name)
            name_param = "UserName"
        if required:
            self.text(name_param, required=True)
        return self.actor.principal


Handler = Callable[[ApiCall], dict[str, Any]]
HANDLERS: dict[tuple[str, str], Handler] = {}


def register(action: str, *, versions: tuple[str, ...] = (RAM, IMS)) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        for version in versions:
            HANDLERS[(version, action)] = handler
        return handler

    return decorate


def _load_handlers() -> None:
    for module in HANDLER_MODULES:
        importlib.import_module(module)


# Set on every answer the endpoint builds, so the console's error pages never replace one.
API_ANSWER = "ram_api_answer"


def is_api_request(request: HttpRequest) -> bool:
    return "Action" in request.GET or "Action" in request.POST or "x-acs-action" in request.headers


def _params(request: HttpRequest) -> dict[str, str]:
    """Query and form-body parameters, decoded (blank values kept, `+` as space)."""
    merged = request.GET.dict()
    if request.content_type == "application/x-www-form-urlencoded":
        merged.update(request.POST.dict())
    return merged


def _authenticate(request: HttpRequest, params: dict[str, str], seen: dict[str, AccessKey]) -> AccessKey:
    """Verify the signature (ACS3 or v1) and return the key. A key that exists is put in `seen` at
    once, so a refused call is still recorded in the key owner's events."""
    now = clock.phone_now()
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith(signatures.ACS3):
        parts = signatures.parse_acs3_authorization(authorization)
        if parts is None:
            raise GatewayError(_("The Authorization header is malformed."), code="IncompleteSignature")
        key = _checked_key(parts["Credential"], params, seen)
        policy.check_api_parameter("SignatureNonce", request.headers.get("x-acs-signature-nonce", ""))
        signed = [name.strip().lower() for name in parts["SignedHeaders"].split(";") if name.strip()]
        if not set(signed) >= ACS3_REQUIRED_HEADERS:
            raise GatewayError(
                _("SignedHeaders must include %(h)s.") % {"h": ", ".join(sorted(ACS3_REQUIRED_HEADERS))},
                code="IncompleteSignature",
            )
        timestamp = request.headers.get("x-acs-date", "")
        policy.check_timestamp(timestamp, now=now)
        hashed_body = signatures.sha256_hex(request.body)
        if not signatures.matches(hashed_body, request.headers.get("x-acs-content-sha256", "")):
            raise GatewayError(_("The x-acs-content-sha256 header does not match the body."), code="InvalidBody")
        string_to_sign = signatures.acs3_string_to_sign(
            method=request.method,
            path=request.path,
            query=request.GET.dict(),
            headers={name: request.headers.get(name, "") for name in signed},
            signed_headers=sorted(signed),
            hashed_body=hashed_body,
        )
        expected = signatures.acs3_signature(crypto.decrypt(key.secret_encrypted), string_to_sign)
        given, nonce = parts["Signature"], request.headers.get("x-acs-signature-nonce", "")
    else:
        for name in ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp"):
            if not params.get(name):
                raise GatewayError(
                    _('The input parameter "%(p)s" that is mandatory for processing this request is not supplied.')
                    % {"p": name},
                    code="MissingParameter",
                )
        if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1":
            raise GatewayError(_("Specified signature method is not supported."), code="InvalidSignatureMethod")
        key = _checked_key(params["AccessKeyId"], params, seen)
        timestamp = params["Timestamp"]
        policy.check_timestamp(timestamp, now=now)
        string_to_sign = signatures.rpc_string_to_sign(request.method, params)
        expected = signatures.rpc_signature(crypto.decrypt(key.secret_encrypted), string_to_sign)
        given, nonce = params["Signature"], params["SignatureNonce"]
    if not signatures.matches(expected, given):
        # The SDKs split this message at its colon: the server's string to sign follows it.
        raise GatewayError(
            f"Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}",
            code="SignatureDoesNotMatch",
        )
    _remember_nonce(key.access_key_id, nonce, now)
    return key


def _checked_key(access_key_id: str, params: dict[str, str], seen: dict[str, AccessKey]) -> AccessKey:
    """The key a call names, once its id is fit to look up; then every parameter is checked (NUL,
    control characters, length: security/policy/inputs.py) before the signature or any action
    reads one. After the lookup, so that a refused call is recorded in the key owner's events."""
    policy.check_api_parameter("AccessKeyId", access_key_id)
    key = key_selectors.access_key_by_id(access_key_id)
    if key is not None:
        seen["key"] = key
    policy.check_key_usable(key)
    policy.check_api_parameters(params)
    return key


# Stale nonces are deleted at most once a minute per process, not on every call: a nonce is kept
# twice the timestamp window, and a call whose timestamp is outside the window is refused before
# its nonce is looked at, so a stale row lingering a minute longer changes no answer.
NONCE_CLEANUP_INTERVAL = 60.0
_next_nonce_cleanup = 0.0


def _remember_nonce(access_key_id: str, nonce: str, now: datetime) -> None:
    global _next_nonce_cleanup  # one timestamp per worker process
    if not nonce:
        raise GatewayError(_("The signature nonce is missing."), code="MissingParameter")
    if time.monotonic() >= _next_nonce_cleanup:
        _next_nonce_cleanup = time.monotonic() + NONCE_CLEANUP_INTERVAL
        ApiNonce.objects.filter(seen_at__lt=now - policy.TIMESTAMP_WINDOW * 2).delete()
    # One statement, no transaction of its own: the unique constraint decides between concurrent
    # replays (the second waits for the first to commit, then inserts nothing). The nonce is stored
    # whole: the gateway refused one longer than its column (policy.SIGNATURE_NONCE_MAX_LENGTH).
    with connection.cursor() as cursor:
        cursor.execute(_nonce_insert_sql(), [access_key_id, nonce, connection.ops.adapt_datetimefield_value(now)])
        if cursor.fetchone() is None:
            raise GatewayError(_("Specified signature nonce was used already."), code="SignatureNonceUsed")


@cache
def _nonce_insert_sql() -> str:
    return rows.insert_unless_present(ApiNonce, ("access_key_id", "nonce", "seen_at"), ("access_key_id", "nonce"))


def _error_response(error: RamError, *, request_id: str, version: str) -> JsonResponse:
    host = HOSTS.get(version, HOSTS[RAM])
    product = "Ims" if version == IMS else "Ram"
    body = {
        "RequestId": request_id,
        "HostId": host,
        "Code": error.code,
        "Message": error.message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product={product}&requestId={request_id}",
    }
    return JsonResponse(body, status=error.http_status, content_type="application/json;charset=utf-8")


@csrf_exempt
def endpoint(request: HttpRequest) -> JsonResponse:
    """POST (or GET) / with Action: one API call."""
    request_id = str(uuid.uuid4()).upper()
    params = _params(request)
    version = request.headers.get("x-acs-version") or params.get("Version", "")
    action = request.headers.get("x-acs-action") or params.get("Action", "")
    source_ip = client_ip(request)
    seen: dict[str, AccessKey] = {}
    actor: Actor | None = None
    with events.recorded_during() as recorded:
        try:
            if request.method not in ("GET", "POST"):
                raise GatewayError(_("Only GET and POST are supported."), code="UnsupportedHTTPMethod")
            if version not in HOSTS:
                raise GatewayError(_("Specified parameter Version is not valid."), code="InvalidVersion")
            _load_handlers()
            handler = HANDLERS.get((version, action))
            if handler is None:
                error = GatewayError(
                    _("Specified api is not found, please check your url and method."), code="InvalidAction.NotFound"
                )
                error.http_status = 404
                raise error
            key = _authenticate(request, params, seen)
            owner = key.principal
            actor = Actor(principal=owner, source_ip=source_ip, access_key_id=key.access_key_id)
            key_services.access_key_mark_used(access_key=key)
            result = handler(ApiCall(version=version, action=action, params=params, actor=actor))
            response = JsonResponse({"RequestId": request_id, **result}, content_type="application/json;charset=utf-8")
            outcome = "Success"
        except RamError as error:
            response = _error_response(error, request_id=request_id, version=version)
            outcome = error.code
        except DATABASE_UNAVAILABLE as error:
            logger.warning("API %s %s: database unavailable (request %s): %s", version, action, request_id, error)
            response = _error_response(
                RamError(
                    _("The request has failed due to a temporary failure of the server."), code="ServiceUnavailable"
                ),
                request_id=request_id,
                version=version,
            )
            response.status_code = 503  # temporary, unlike a 500: the same call may succeed later
            outcome = "ServiceUnavailable"
        except Exception:
            logger.exception("API %s %s failed (request %s)", version, action, request_id)
            response = _error_response(
                RamError(_("An internal error occurred."), code="InternalError"), request_id=request_id, version=version
            )
            response.status_code = 500
            outcome = "InternalError"
    try:
        _record_call(
            action=action, key=seen.get("key"), actor=actor, source_ip=source_ip, outcome=outcome, recorded=recorded
        )
    except DATABASE_UNAVAILABLE as error:
        # The answer stands (a write that committed is not refused after the fact); only its event is lost.
        logger.warning(
            "API %s %s: event not recorded, database unavailable (request %s): %s", version, action, request_id, error
        )
    setattr(response, API_ANSWER, True)
    return response


def _record_call(
    *,
    action: str,
    key: AccessKey | None,
    actor: Actor | None,
    source_ip: str | None,
    outcome: str,
    recorded: list[int],
) -> None:
    """Every call is an event; a service that already recorded this call's change is not repeated.

    `recorded`: the events this call's own code wrote (one a service wrote and then rolled back no
    longer exists, hence the check). Other calls' events, even of the same account at the same
    moment, do not count.
    """
    account = key.principal.account if key is not None else None
    if account is not None and recorded and Event.objects.filter(pk__in=recorded, account=account).exists():
        return
    events.record(
        # An action name that routed nowhere is the caller's text: kept only if fit to store.
        action=action[:64] if action and not policy.has_invalid_chars(action) else "UnknownAction",
        account=account,
        actor=actor.principal if actor else None,
        actor_name=actor.display_name if actor else (key.access_key_id if key else ""),
        source_ip=source_ip,
        result=outcome,
        account_time=clock.now(account),
        detail={"api": True},
    )
