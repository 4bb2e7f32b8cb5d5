"""The official SDKs against a live server: the legacy AcsClient (signature v1), the Tea RAM client
(ACS3 by default, or v1 with `signature_algorithm='v2'`) and the Tea IMS client (RAM-API.md §6).

Every test here uses pytest-django's `live_server`, so its database access is transactional: the
server thread sees what the test wrote, and the test sees what the server wrote.

`Api` wraps one SDK client behind one call shape: `api.call("GetUser", UserName="bob")` returns the
response body as a dict with the wire names, and a refused call raises `ApiError` with the error code
and HTTP status the SDK reported. Parameters always go through the SDK's own request classes.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib import error as urlerror
from urllib import parse, request

import pytest
from alibabacloud_ims20190815 import models as ims_models
from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from aliyunsdkcore.acs_exception.exceptions import ServerException as LegacyServerException
from aliyunsdkcore.client import AcsClient
from darabonba.core import DaraCore

from accesskeys.services import access_key_create
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Principal
from ramconsole.gateway import signatures

RAM_VERSION = "2015-05-01"
IMS_VERSION = "2019-08-15"
REGION = "cn-hangzhou"
RAM_KINDS = ("legacy", "tea-acs3", "tea-v2")
REQUEST_ID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@dataclass(frozen=True)
class Key:
    access_key_id: str
    secret: str


class ApiError(Exception):
    """A refused call, as the SDK reported it."""

    def __init__(self, code: str, status: int | None, message: str, request_id: str | None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.status = status
        self.message = message
        self.request_id = request_id


def _tea_method(client: Any, action: str) -> Callable[..., Any]:
    """The Tea client's method for `action` (GetUserMFAInfo -> get_user_mfainfo)."""
    wanted = action.lower()
    for name in dir(client):
        if not name.startswith("_") and name.replace("_", "") == wanted:
            return getattr(client, name)
    raise AttributeError(f"{type(client).__name__} has no method for {action}")


class Api:
    """One SDK client of one kind ("legacy", "tea-acs3", "tea-v2" or "ims"), signed with one key."""

    def __init__(self, kind: str, sdk_client: Any, key: Key) -> None:
        self.kind = kind
        self.sdk = sdk_client
        self.key = key

    @property
    def is_ims(self) -> bool:
        return self.kind == "ims"

    def __repr__(self) -> str:
        return f"<Api {self.kind} {self.key.access_key_id}>"

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        if self.kind == "legacy":
            return self._legacy(action, params)
        return self._tea(action, params)

    def error(self, action: str, **params: Any) -> ApiError:
        """The ApiError a call that must fail raises."""
        with pytest.raises(ApiError) as caught:
            self.call(action, **params)
        return caught.value

    def _legacy(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        module = importlib.import_module(f"aliyunsdkram.request.v20150501.{action}Request")
        sdk_request = getattr(module, f"{action}Request")()
        for name, value in params.items():
            setter = getattr(sdk_request, f"set_{name}", None)
            if setter is not None:
                setter(value)
            else:
                sdk_request.add_query_param(name, value)
        try:
            body = self.sdk.do_action_with_exception(sdk_request)
        except LegacyServerException as exc:
            raise ApiError(
                exc.get_error_code(), exc.get_http_status(), exc.get_error_msg(), exc.get_request_id()
            ) from exc
        return json.loads(body)

    def _tea(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        method = _tea_method(self.sdk, action)
        models = ims_models if self.is_ims else ram_models
        args = []
        if inspect.signature(method).parameters:
            args.append(getattr(models, f"{action}Request")().from_map(params))
        elif params:
            raise TypeError(f"{action} takes no parameters in the Tea SDK")
        try:
            response = method(*args)
        except AlibabaCloudException as exc:
            error = ApiError(exc.code, exc.status_code, exc.message, exc.request_id)
        else:
            assert response.status_code == 200
            return response.body.to_map()
        # Raised outside the handler: the SDK's traceback (and the connection it holds) is not kept.
        raise error


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both SDKs honour proxy variables; the live server is on localhost."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def endpoint(live_server: Any, settings: Any) -> str:
    """`127.0.0.1:<port>` of the live server (the Tea SDK sends it verbatim as the Host header)."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    return f"127.0.0.1:{live_server.thread.port}"


@pytest.fixture
def make_key() -> Callable[[Principal], Key]:
    """A new AccessKey of `principal`, created by its account's root."""

    def make(principal: Principal) -> Key:
        root = selectors.root_of(principal.account)
        created = access_key_create(actor=Actor(principal=root), user=principal)
        return Key(created.access_key.access_key_id, created.secret)

    return make


@pytest.fixture
def root_key(root: Principal, make_key: Callable[[Principal], Key]) -> Key:
    return make_key(root)


@dataclass
class SdkFactory:
    """Configured SDK clients for the live server."""

    endpoint: str

    def legacy(self, key: Key) -> AcsClient:
        client = AcsClient(key.access_key_id, key.secret, REGION)
        client.add_endpoint(REGION, "Ram", f"http://{self.endpoint}")
        return client

    def _config(self, key: Key, signature_algorithm: str | None = None) -> open_api_models.Config:
        config = open_api_models.Config(
            access_key_id=key.access_key_id,
            access_key_secret=key.secret,
            endpoint=self.endpoint,
            protocol="http",
            region_id=REGION,
        )
        if signature_algorithm:
            config.signature_algorithm = signature_algorithm
        return config

    def tea_ram(self, key: Key, *, signature_algorithm: str | None = None) -> RamClient:
        return RamClient(self._config(key, signature_algorithm))

    def tea_ims(self, key: Key) -> ImsClient:
        return ImsClient(self._config(key))

    def api(self, kind: str, key: Key) -> Api:
        if kind == "legacy":
            return Api(kind, self.legacy(key), key)
        if kind == "tea-acs3":
            return Api(kind, self.tea_ram(key), key)
        if kind == "tea-v2":
            return Api(kind, self.tea_ram(key, signature_algorithm="v2"), key)
        if kind == "ims":
            return Api(kind, self.tea_ims(key), key)
        raise ValueError(kind)


@pytest.fixture
def sdk(endpoint: str) -> SdkFactory:
    return SdkFactory(endpoint)


@pytest.fixture(scope="session", autouse=True)
def _close_kept_alive_connections(live_server: Any) -> Iterator[None]:
    """Both SDKs keep connections alive, and the live server serves each in a thread blocked on
    its socket. Close them before the server stops: a thread still blocked at exit dies with a
    traceback. (Tea responses sit in reference cycles and hold their connection until collected.)"""
    yield
    gc.collect()  # also closes the sessions of the legacy clients (AcsClient.__del__)
    for session in DaraCore._sessions.values():  # the Tea SDK's process-wide pools
        session.close()
    DaraCore._sessions.clear()
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=2)


# The raw SDK clients, signed with the root's key.
@pytest.fixture
def legacy_client(sdk: SdkFactory, root_key: Key) -> AcsClient:
    return sdk.legacy(root_key)


@pytest.fixture
def tea_ram_client(sdk: SdkFactory, root_key: Key) -> RamClient:
    return sdk.tea_ram(root_key)


@pytest.fixture
def tea_ram_v2_client(sdk: SdkFactory, root_key: Key) -> RamClient:
    return sdk.tea_ram(root_key, signature_algorithm="v2")


@pytest.fixture
def tea_ims_client(sdk: SdkFactory, root_key: Key) -> ImsClient:
    return sdk.tea_ims(root_key)


@pytest.fixture(params=RAM_KINDS)
def ram_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def ram(sdk: SdkFactory, ram_kind: str, root_key: Key) -> Api:
    """The root's RAM client, once per RAM client kind."""
    return sdk.api(ram_kind, root_key)


@pytest.fixture
def ims(sdk: SdkFactory, root_key: Key) -> Api:
    """The root's Tea IMS client."""
    return sdk.api("ims", root_key)


# Hand-built signature v1 requests, for what no SDK will send (stale timestamps, replays).
def utc_timestamp(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_v1_params(
    key: Key,
    action: str,
    *,
    method: str = "POST",
    version: str = RAM_VERSION,
    timestamp: str | None = None,
    **params: str,
) -> dict[str, str]:
    """Every parameter of a call signed with signature v1 by ramconsole.gateway.signatures, Signature included."""
    signed = {
        "Action": action,
        "Version": version,
        "Format": "JSON",
        "AccessKeyId": key.access_key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": timestamp or utc_timestamp(),
        **params,
    }
    signed["Signature"] = signatures.rpc_signature(key.secret, signatures.rpc_string_to_sign(method, signed))
    return signed


def encode(params: dict[str, str]) -> str:
    return parse.urlencode(params, quote_via=parse.quote)


def signed_v1_query(key: Key, action: str, **kwargs: str) -> str:
    """The query string of a POST signed with signature v1."""
    return encode(signed_v1_params(key, action, **kwargs))


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: Any
    body: dict[str, Any]


def raw_call(
    endpoint: str, query: str, *, method: str = "POST", data: bytes = b"", headers: dict[str, str] | None = None
) -> RawResponse:
    """<method> http://<endpoint>/?<query> with urllib and no proxy; every answer must be JSON."""
    opener = request.build_opener(request.ProxyHandler({}))
    raw = request.Request(
        f"http://{endpoint}/?{query}", data=data if method == "POST" else None, method=method, headers=headers or {}
    )
    try:
        with opener.open(raw, timeout=10) as response:
            return RawResponse(response.status, response.headers, json.loads(response.read()))
    except urlerror.HTTPError as exc:
        with exc:
            return RawResponse(exc.code, exc.headers, json.loads(exc.read()))


def assert_request_id(body: dict[str, Any]) -> None:
    assert REQUEST_ID.fullmatch(body["RequestId"]), body


def assert_date(value: str) -> datetime:
    """A `YYYY-MM-DDThh:mm:ssZ` UTC date, parsed."""
    assert DATE.fullmatch(value), value
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
