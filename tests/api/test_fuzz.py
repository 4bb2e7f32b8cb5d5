"""Fuzzing every API action (issue 19 item 6): validly signed v1 calls whose parameters are random
and edge values (NUL, control characters, lone surrogates, undecodable bytes, 100 KB strings,
negative and huge numbers). No answer may be a 5xx, and a refused call must leave the account's
rows exactly as they were, with exactly one new event (the refusal's).

Calls go through Django's test client in this process, so a 100 KB query string reaches the
gateway (a real server's request line stops at a few KB) and every example can be rolled back:
each starts from the same seeded account, so the valid values below keep reaching deep into the
handlers. Examples per test: RAMCONSOLE_FUZZ_EXAMPLES (6 by default, for CI; benchmarks/fuzz_api.py
runs many more).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.actors import Actor
from accounts.models import Account, Principal
from mfa import services as mfa_services
from reports import services as report_services
from security.models import Event
from tests.api.actions import ACTION_PARAMS, GATEWAY_PARAMS, params_of, registered_actions
from tests.api.conftest import IMS_VERSION, RAM_VERSION, Key
from tests.api.wire import decoded, v1_call
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD
from tests.sso_metadata import idp_metadata_b64

EXAMPLES = int(os.environ.get("RAMCONSOLE_FUZZ_EXAMPLES", "6"))
# Every outcome of every fuzzed call: benchmarks/fuzz_api.py prints them.
OUTCOMES: list[tuple[str, str, int, str]] = []

# Values that pass each field's own rule reach deeper into the handlers: per parameter, with the
# seeded account's names and IDs filled in by `world`.
BOOLEAN = ["true", "false", "True"]
VALID: dict[str, list[str]] = {
    "DisplayName": ["Fuzz User", "F"],
    "Email": ["fuzz@example.com"],
    "MobilePhone": ["86-18600008888"],
    "Comments": ["a note", "line one\nline two\twith a tab"],
    "Password": ["Fuzz-pass-2026", "short"],
    "PasswordResetRequired": BOOLEAN,
    "MFABindRequired": BOOLEAN,
    "Status": ["Active", "Inactive", "active", "active,freeze"],  # a logon profile's; ListUsers' (IMS)
    "ResourceType": ["user"],
    "Tag.1.Key": ["team"],
    "Tag.1.Value": ["ops", ""],
    "Tag.2.Key": ["env"],
    "TagKey.1": ["team"],
    "PolicyType": ["System", "Custom"],
    "PolicyName": ["AliyunRAMReadOnlyAccess", "AliyunRAMFullAccess"],
    "MinimumPasswordLength": ["8", "32"],
    "MaxPasswordAge": ["0", "90", "1095"],
    "PasswordReusePrevention": ["0", "24"],
    "MaxLoginAttemps": ["0", "5", "32"],
    "MinimumPasswordDifferentCharacter": ["0", "8"],
    "InitialPasswordAge": ["0"],
    "LoginSessionDuration": ["1", "6", "24"],
    "LoginNetworkMasks": ["", "10.0.0.0/8;192.168.0.0/16", "127.0.0.1/32"],
    "AccountAlias": ["fuzzalias"],
    "VirtualMFADeviceName": ["fuzzdevice"],
    "AuthenticationCode1": ["123456"],
    "AuthenticationCode2": ["654321"],
    "MaxItems": ["1", "100", "1000"],
    "Marker": [""],
    "NextToken": ["0", "1"],
    "MFAOperationForLogin": ["independent"],
    "OperationForRiskLogin": ["autonomous"],
    "MaxIdleDaysForAccessKeys": ["730"],
    "MaxIdleDaysForUsers": ["730"],
    "VerificationTypes": ["[]"],
    "MetadataDocument": [idp_metadata_b64(), ""],
    "AuxiliaryDomain": ["example.com", ""],
    "AuthnSignAlgo": ["rsa-sha1", "rsa-sha256"],
}
EDGES = [
    "",
    " ",
    "\x00",
    "c\x00",
    "\x00" * 64,
    "\x01",
    "a\x1fb",
    "\x7f",
    "\x85",
    "\x9f",
    "\r\n",
    "\ufffd",
    "\ud800",
    "a\udfffb",
    "\udc80" * 3,
    "x" * 100_000,
    "\x00" + "x" * 100_000,
    "x" * 8193,
    "x" * 8192,
    "a" * 65,
    "a" * 129,
    "-1",
    "-0",
    "0" * 50,
    str(-(2**63) - 1),
    str(2**63),
    str(2**64),
    "9" * 400,
    "9" * 5000,
    "-" + "9" * 30,
    "1e309",
    "NaN",
    "inf",
    "1.5",
    "\u0663",  # ARABIC-INDIC DIGIT THREE: str.isdigit() and int() accept it
    "\u00b2",  # SUPERSCRIPT TWO: str.isdigit() accepts it, int() does not
    "1_000",
    " 7 ",
    "+5",
    "TRUE ",
    "null",
    "{}",
    "%00",
    "'; DROP TABLE accounts_principal; --",
    "<script>alert(1)</script>",
    "\U0001f600" * 10,
    "\u202eevil",
    "acs:ram::0:mfa/x",
    "x@y@z",
    base64.urlsafe_b64encode(b"9" * 30).decode(),
    base64.urlsafe_b64encode(b"-1").decode(),
    "LTAI" + "0" * 20,
]
GATEWAY_VALID = {
    "Version": [RAM_VERSION, IMS_VERSION],
    "Format": ["JSON", "json", "XML"],
    "SignatureMethod": ["HMAC-SHA1", "HMAC-SHA256"],
    "SignatureVersion": ["1.0"],
    "SignatureNonce": ["n" * 128, "n" * 129],
    "Timestamp": ["2020-01-01T00:00:00Z", "2020-01-01 00:00:00"],  # the current one is the default
}
ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates too


def values(valid: list[str]) -> st.SearchStrategy[str]:
    """A value the field accepts, an edge, random text or a number (the first two twice as often)."""
    valid_value, edge = st.sampled_from(valid), st.sampled_from(EDGES)
    return st.one_of(valid_value, valid_value, edge, edge, st.text(ANY_CHARACTER, max_size=40), st.integers().map(str))


@pytest.fixture(scope="session", autouse=True)
def _close_kept_alive_connections() -> None:
    """Replaces tests/api/conftest.py's: no SDK and no live server here, so each test runs in a
    transaction that is rolled back instead of a database flushed after it (seconds on PostgreSQL)."""


@dataclass
class World:
    """The seeded account every example starts from."""

    account: Account
    key: Key
    valid: dict[str, list[str]]
    signing_key_id: str

    def values_of(self, name: str) -> st.SearchStrategy[str]:
        if name.startswith(("Require", "Allow", "Enable", "Hard", "PasswordNot", "Intercept")):
            return values(BOOLEAN)
        return values(self.valid.get(name.removeprefix("New"), BOOLEAN))


@pytest.fixture
def world(
    account: Account, root: Principal, ram_user_factory: Any, make_key: Any, django_capture_on_commit_callbacks: Any
) -> World:
    alice = ram_user_factory(account, "alice")
    alice_key = make_key(alice)
    root_key = make_key(root)
    actor = Actor(principal=root)
    device = mfa_services.mfa_device_create(actor=actor, name="fuzz-device").device
    with django_capture_on_commit_callbacks(execute=True):  # the report is built in the background
        report_services.credential_report_generate(actor=actor)
    domain = account.default_domain
    valid = {
        **VALID,
        "UserName": ["alice", "fuzz-user"],
        "UserPrincipalName": [f"alice@{domain}", f"fuzz-user@{domain}"],
        "UserId": [alice.user_id],
        "ResourceId.1": [alice.user_id],
        "ResourcePrincipalName.1": [f"alice@{domain}", "alice"],
        "UserAccessKeyId": [alice_key.access_key_id, root_key.access_key_id],
        "OldPassword": [ROOT_PASSWORD, USER_PASSWORD],
        "SerialNumber": [device.serial_number],
        "DefaultDomainName": ["fuzzalias.onaliyun.com", domain],
    }
    return World(account=account, key=root_key, valid=valid, signing_key_id=root_key.access_key_id)


def _account_scope(model: type[Model], account: Account) -> Q | None:
    """The rows of `model` that belong to `account`; None for a model that holds none."""
    if model is Account:
        return Q(pk=account.pk)
    if model._meta.label == "accounts.Sandbox":  # keyed by the account's ID, not a foreign key
        return Q(account_id=account.account_id)
    if model._meta.label == "reports.CredentialReportChunk":  # rows of a report, which is the account's
        return Q(report__account=account)
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is Account:
            return Q(**{field.name: account})
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is Principal:
            return Q(**{f"{field.name}__account": account})
    return None


# Not hashed: events grow by one per call (counted instead), and a nonce is remembered for every
# validly signed call, refused or not. Neither is scoped by a foreign key.
UNHASHED = {"security.Event", "security.ApiNonce"}
# Installation-wide rows that belong to no account (operators' classes); no API action reaches them.
NO_ACCOUNT = {"accounts.TrainingClass"}
PROJECT_APPS = ("accounts", "security", "accesskeys", "mfa", "reports")


def account_rows_digest(world: World) -> str:
    """A hash of every row of every project table that belongs to the account (events excepted).
    The signing key's last-use time is left out: the gateway marks the key used on every
    authenticated call, refused or not, as RAM's LastUsedDate does."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if model._meta.app_label not in PROJECT_APPS or model._meta.label in UNHASHED | NO_ACCOUNT:
            continue
        scope = _account_scope(model, world.account)
        assert scope is not None, f"{model._meta.label}: say how its rows belong to an account, or why they do not"
        for row in model.objects.filter(scope).order_by("pk").values():
            if model._meta.label == "accesskeys.AccessKey" and row["access_key_id"] == world.signing_key_id:
                row.pop("last_used_at")
            digest.update(repr(sorted(row.items())).encode())
    return digest.hexdigest()


@contextmanager
def rolled_back() -> Iterator[None]:
    """Every example starts from the seeded account: its writes are undone (and the cache, keyed by
    row IDs, emptied)."""
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        cache.clear()


def fuzz_call(
    world: World,
    version: str,
    action: str,
    params: dict[str, str],
    *,
    in_body: bool = False,
    gateway: dict[str, str] | None = None,
    events_per_refusal: tuple[int, ...] = (1,),
) -> None:
    """One validly signed call, rolled back; a 5xx, or a refusal that wrote, fails the test."""
    with rolled_back():
        before = account_rows_digest(world)
        events_before = Event.objects.filter(account=world.account).count()
        response = v1_call(world.key, action, params, version=version, in_body=in_body, gateway=gateway)
        answer = response.json()
        code = answer.get("Code", "Success")
        OUTCOMES.append((version, action, response.status_code, code))
        assert response.status_code < 500, (response.status_code, answer, params)
        if response.status_code >= 400:
            assert account_rows_digest(world) == before, f"refused with {code} but wrote: {params!r:.500}"
            added = Event.objects.filter(account=world.account).count() - events_before
            assert added in events_per_refusal, f"refused with {code}: {added} events"


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # `world` is rolled back after every example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


@pytest.mark.parametrize(("version", "action"), registered_actions())
@FUZZ_SETTINGS
@given(data=st.data())
def test_no_action_fails_or_half_writes(world: World, version: str, action: str, data: st.DataObject) -> None:
    names = params_of(version, action)
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True) if names else st.just([]), label="params")
    params = {name: data.draw(world.values_of(name), label=name) for name in chosen}
    name = st.one_of(st.sampled_from(["RegionId", "Extra", "Tag.1.Key"]), st.text(ANY_CHARACTER, max_size=12))
    unknown_names = st.lists(name, min_size=1, max_size=2)
    extra = data.draw(st.one_of(st.just([]), st.just([]), st.just([]), unknown_names), label="unknown names")
    params.update({name: "x" for name in extra if decoded(name) not in GATEWAY_PARAMS and name not in names})
    fuzz_call(world, version, action, params, in_body=data.draw(st.booleans(), label="in body"))


@pytest.mark.parametrize("version", [RAM_VERSION, IMS_VERSION])
@FUZZ_SETTINGS
@given(data=st.data())
def test_gateway_parameters_never_fail(world: World, version: str, data: st.DataObject) -> None:
    """The signature's own parameters, fuzzed (still validly signed). AccessKeyId stays the key's; a
    call refused before the key is looked up (routing, a missing parameter) has no account to be
    recorded in, so its event is not the account's."""
    action = data.draw(st.sampled_from(["GetPasswordPolicy", "CreateUser", "NoSuchAction", "\x00", "x" * 9000]))
    fuzzed = data.draw(
        st.lists(st.sampled_from([p for p in GATEWAY_PARAMS if p not in ("AccessKeyId", "Signature")]), unique=True)
    )
    gateway = {name: data.draw(values(GATEWAY_VALID.get(name, BOOLEAN)), label=name) for name in fuzzed}
    params = {"UserName": "fuzz-gw", "UserPrincipalName": f"fuzz-gw@{world.account.default_domain}"}
    params["DisplayName"] = "Fuzz"
    action = gateway.pop("Action", action)
    fuzz_call(world, version, action, params, gateway=gateway, events_per_refusal=(0, 1))


def test_every_action_is_fuzzed() -> None:
    """Every registered action has its parameter list, so an action added later is fuzzed too (its
    declared parameters are in the list: tests/api/test_sdk_parameters.py)."""
    registered = registered_actions()
    assert {action for _version, action in registered} == set(ACTION_PARAMS)
