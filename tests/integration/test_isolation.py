"""Tenant isolation and role enforcement on EVERY URL of the project (PRODUCT.md §1).

The URL list is not written by hand: it is walked out of `get_resolver()`, so a new page is attacked
the moment it is routed. Each URL is either

- PUBLIC (works without logon; checked only for not leaking the victim's data),
- ALLOW-LISTED with a written reason (Django admin, Django's language switch), or
- PROTECTED: requested with GET and POST by every attacker persona below.

URL parameters are filled BY NAME from the victim account A (`PARAMETER_FILLERS`). A URL with a
parameter the walker does not know fails the suite until the walker is taught that parameter, so
no page can escape these checks.

Attacker personas:

- `other_root`, `other_admin`: root / AliyunRAMFullAccess RAM user of ANOTHER account B. On a URL
  that names an object of A (any URL with parameters) they get 403/404/405. On an account-level URL
  (no parameters: the account comes from the session) they legitimately work in their own account B,
  so any non-error status is fine there; in both cases no identifier of A may appear in the response,
  and nothing outside account B may change.
- `readonly`: AliyunRAMReadOnlyAccess RAM user of A: may view, but every POST gets 403 or 405.
- `self_service`: RAM user of A without a system policy: only its own Security page; elsewhere
  403/404/405 (or the console's redirect to that Security page) and no trace of the other users.
- `anonymous`: every GET (and POST) is sent to the logon page.

After each persona's requests, a fingerprint of the whole database (every model except sessions
and the event trail, where failed attempts are rightly recorded) must be unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.db import models
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from accesskeys import services as access_key_services
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, Principal, SystemPolicy
from reports import drills
from security import services as security_services
from security.models import Event
from security.policy import drills as drill_policy

# --- The walker ----------------------------------------------------------------------------------

# Console URLs that work without logon. They are still requested by the cross-tenant personas to
# check that they reveal nothing of account A.
PUBLIC = frozenset(
    {
        "accounts:home",
        "accounts:logon",
        "accounts:logon-mfa",
        "accounts:logon-mfa-enrol",
        "accounts:logon-password",
        "accounts:logout",
        # User SSO's ACS and SP-initiated start work before logon by nature (the Response's signature
        # authenticates); tests/integration/test_saml_logon.py tests each refusal.
        "accounts:saml-acs",
        "accounts:saml-login",
        "health",  # the load balancers' probe: database and cache reachable, nothing of any account
    }
)

# URLs that are deliberately NOT attacked here, each with its reason. Entries are namespaces
# (ending in ":") or URL names.
ALLOW_LIST = {
    # Django admin: every admin view is wrapped in `admin_site.admin_view`, which only lets in
    # operators with is_staff (they belong to no account). Tenants' roots and RAM users are never
    # staff; `test_console_identities_are_sent_to_the_admin_logon` checks that they are refused.
    "admin:": "operators only (is_staff); console identities are redirected to the admin logon",
    # Django's i18n view: it stores the chosen language in the session/cookie and redirects to a
    # same-host `next`. It reads no tenant data and must work before logon (language switch on the
    # logon page).
    "set_language": "language switch: no tenant data, must work before logon",
    # Public in demo mode only (404 otherwise): the published demo sandbox's MFA user's live code,
    # as the logon page's demo panel shows it; tests/integration/test_demo_panel.py checks both modes.
    "accounts:demo-mfa-codes": "demo mode's published demo MFA code; no other account's data",
    # The sandbox identity provider (demo mode): an IdP's pages answer without a console logon by
    # nature. Each is reached only through its account's unguessable token, which only that account's
    # Sandbox page shows; tests/integration/test_sandbox_idp.py checks a wrong token is 404 and no page
    # answers outside demo mode, and tests/browser/test_sso_journeys.py runs axe on them.
    "accounts:sandbox-idp": "sandbox IdP sign-in page, reached through its account's secret token",
    "accounts:sandbox-idp-metadata": "sandbox IdP metadata, reached through its account's secret token",
    "accounts:sandbox-idp-sso": "sandbox IdP SingleSignOnService, reached through its account's secret token",
}

# The self-service page: the one protected page a RAM user without a system policy may open.
SELF_SERVICE = "security:self-service"
# Pages where any RAM user acts only on itself (its own password, keys, MFA): open to the
# read-only and self-service personas of A, who must still see nothing of anyone else.
OWN_ONLY = frozenset(
    {SELF_SERVICE, "security:self-password", "mfa:own-enable", "mfa:own-disable", "accesskeys:own-create"}
)

THIS_FILE = "tests/integration/test_isolation.py"

# A POST body that would succeed on every form of the console if the guard let it through.
POST_PAYLOAD = {
    "name": "x",
    "display_name": "x",
    "policy_name": SystemPolicy.FULL_ACCESS.value,
    "confirm": "on",
    "email": "x@example.com",
    "comments": "x",
}

DENIED = frozenset({403, 404, 405})


@dataclass(frozen=True)
class Route:
    """One URL pattern of the project, with its prefixes resolved."""

    route: str  # the full route, e.g. "users/<str:user_id>/"
    name: str | None  # the namespaced name, e.g. "accounts:user-detail"
    params: tuple[str, ...]  # named parameters, from every level of includes
    positional: bool  # has unnamed regex groups (cannot be filled by name)

    @property
    def label(self) -> str:
        return f"{self.name or '<unnamed>'} ({self.route})"


def _walk(
    patterns: list[URLPattern | URLResolver],
    prefix: str,
    namespace: str,
    params: tuple[str, ...],
    positional: bool,
) -> Iterator[Route]:
    for pattern in patterns:
        regex = pattern.pattern.regex
        level_params = params + tuple(regex.groupindex)
        level_positional = positional or regex.groups > len(regex.groupindex)
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern.url_patterns, route, inner, level_params, level_positional)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield Route(route, name, level_params, level_positional)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", "", (), False))


def allow_list_reason(route: Route) -> str | None:
    for entry, reason in ALLOW_LIST.items():
        if entry.endswith(":") and (route.name or "").startswith(entry):
            return reason
        if route.name == entry:
            return reason
    # An unnamed pattern inside the admin namespace cannot carry a name: match it by its route.
    if route.name is None and route.route.startswith("admin/") and "admin:" in ALLOW_LIST:
        return ALLOW_LIST["admin:"]
    return None


ROUTES = all_routes()
PROTECTED = [r for r in ROUTES if allow_list_reason(r) is None and r.name not in PUBLIC]


# --- The victim, the attackers and the parameter fillers ----------------------------------------


@dataclass
class World:
    account_a: Account
    account_b: Account
    victim: Principal  # a RAM user of A with AliyunRAMReadOnlyAccess and a logon profile
    clients: dict[str, Client]
    principals: dict[str, Principal] = field(default_factory=dict)

    def a_markers(self) -> list[str]:
        """Strings that identify account A or any of its identities."""
        markers = [self.account_a.account_id, self.account_a.default_domain]
        for principal in Principal.objects.filter(account=self.account_a):
            markers += [principal.email, principal.username]
            if principal.is_ram_user:
                markers += [principal.user_id, principal.name, principal.upn, principal.display_name]
            markers += [key.access_key_id for key in principal.access_keys.all()]
        return sorted({m for m in markers if m})

    def other_users_markers(self, me: Principal) -> list[str]:
        """Strings that identify the RAM users of A other than `me` (for the self-service persona)."""
        markers: list[str] = []
        for principal in Principal.objects.filter(account=self.account_a, kind=Principal.Kind.RAM_USER):
            if principal.pk != me.pk:
                markers += [principal.user_id, principal.name, principal.upn, principal.display_name]
                markers += [key.access_key_id for key in principal.access_keys.all()]
        return sorted({m for m in markers if m})


# Teach the walker a new URL parameter here: return an object of the victim account A (never one
# of account B), so that cross-tenant access to it is attacked.
PARAMETER_FILLERS: dict[str, Callable[[World], str]] = {
    "user_id": lambda world: world.victim.user_id,
    "policy_name": lambda world: SystemPolicy.READ_ONLY.value,  # attached to the victim
    "access_key_id": lambda world: world.victim.access_keys.get().access_key_id,
    "record_id": lambda world: str(world.account_a.sandbox_dns_records.get().pk),
    "drill": lambda world: drill_policy.STALE_ADMINISTRATOR,  # not running in A, so a start would change A
    "run_id": lambda world: str(world.account_a.drill_runs.get().pk),
}


def unknown_params(route: Route) -> list[str]:
    return [p for p in route.params if p not in PARAMETER_FILLERS]


def coverage_problem(route: Route) -> str | None:
    """Why the walker cannot request `route`, or None."""
    if route.name is None:
        return (
            f"URL {route.label} has no name. Give it a name=... so the isolation walker can reverse "
            f"and attack it (or add it to PUBLIC / ALLOW_LIST in {THIS_FILE} with a reason)."
        )
    if route.positional:
        return (
            f"URL {route.label} has unnamed regex groups. Use named parameters so the isolation "
            f"walker can fill them from the victim account."
        )
    missing = unknown_params(route)
    if missing:
        return (
            f"URL {route.label} has parameter(s) {missing} that the isolation walker does not know. "
            f"Teach it: add {missing} to PARAMETER_FILLERS in {THIS_FILE}, "
            f"returning an object of the victim account A, so this URL's tenant isolation is tested."
        )
    return None


def url_of(route: Route, world: World) -> str:
    problem = coverage_problem(route)
    if problem:
        pytest.fail(problem)
    kwargs = {p: PARAMETER_FILLERS[p](world) for p in route.params}
    url = reverse(route.name, kwargs=kwargs)
    resolved = resolve(url.split("?")[0]).route
    assert resolved == route.route, (
        f"reverse({route.name!r}) gave {url}, which resolves to {resolved!r}, not {route.route!r}: "
        f"two URL patterns share a name, so the walker cannot request this one"
    )
    return url


@pytest.fixture
def world(
    account: Account,
    account_factory: Callable[..., Account],
    ram_user_factory: Callable[..., Principal],
    readonly_user: Principal,
    plain_user: Principal,
    admin_user: Principal,
    client_for: Callable[[Principal], Client],
    settings: Any,
) -> World:
    settings.RAMCONSOLE_DEMO_MODE = True  # the sandbox pages (clock, outbox, training, reset) are walked too
    victim = ram_user_factory(account, "vera.victim", policy=SystemPolicy.READ_ONLY.value, display_name="Vera Victim")
    access_key_services.access_key_create(actor=Actor(selectors.root_of(account)), user=victim)
    security_services.sandbox_dns_record_create(
        actor=Actor(selectors.root_of(account)), name="victim.example", value="aliyun-site-verification=x"
    )
    drills.drill_start(account, drill_policy.LEAKED_ACCESS_KEY, operator="instructor-1")
    account_b = account_factory(email="mallory-root@bravo.example", alias="bravo")
    other_root = selectors.root_of(account_b)
    other_admin = ram_user_factory(
        account_b, "mallory", policy=SystemPolicy.FULL_ACCESS.value, display_name="Mallory Admin"
    )
    principals = {
        "other_root": other_root,
        "other_admin": other_admin,
        "readonly": readonly_user,
        "self_service": plain_user,
    }
    # Logging in writes last_login: do it before any fingerprint is taken.
    clients = {persona: client_for(principal) for persona, principal in principals.items()}
    clients["anonymous"] = Client()
    return World(account, account_b, victim, clients, principals)


# --- The database fingerprint --------------------------------------------------------------------

FINGERPRINT_EXCLUDED = (Session, Event)


def _account_path(model: type[models.Model], depth: int = 3) -> str | None:
    """The lookup from `model` to the Account its rows belong to, if there is one."""
    if model is Account:
        return "pk"
    if depth == 0:
        return None
    for f in model._meta.get_fields():
        if not (f.concrete and (f.many_to_one or f.one_to_one) and f.related_model):
            continue
        if f.related_model is Account:
            return f.name
        inner = _account_path(f.related_model, depth - 1)
        if inner and inner != "pk":
            return f"{f.name}__{inner}"
    return None


def fingerprint(*, except_account: Account | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every model (sessions and the event trail aside), in a stable order.

    With `except_account`, the rows that belong to that account are left out: an attacker may
    change its own tenant, nothing else.
    """
    result = {}
    for model in apps.get_models(include_auto_created=True):
        if issubclass(model, FINGERPRINT_EXCLUDED):
            continue
        rows = model._base_manager.all()
        if except_account is not None:
            path = _account_path(model)
            if path:
                rows = rows.exclude(**{path: except_account.pk})
        values = [tuple(sorted(row.items())) for row in rows.values()]
        result[model._meta.label] = sorted(values, key=repr)
    return result


# --- Response helpers ----------------------------------------------------------------------------


RANDOM_CONTENT = re.compile(
    r'data:[^"\'\s)]+|name="csrfmiddlewaretoken" value="[^"]*"'
    r'|<code id="accesskey-secret">[^<]*</code>\s*<button[^>]*data-copy="[^"]*"'  # a new AccessKey secret
)


def body_of(response: HttpResponse, requested: str) -> str:
    """The body and redirect target, minus echoes of the requested URL (the attacker typed those)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8", errors="replace") + "\n" + response.get("Location", "")
    for echo in (requested, quote(requested, safe=""), quote(requested)):
        text = text.replace(echo, "")
    # Random bytes can spell a user name ("bob" in a QR code's base64, a CSRF token, a new
    # AccessKey secret): drop them.
    return RANDOM_CONTENT.sub("", text)


def leaks(response: HttpResponse, requested: str, markers: list[str]) -> list[str]:
    text = body_of(response, requested)
    return [m for m in markers if m in text]


def location(response: HttpResponse) -> str:
    return response.get("Location", "")


# --- The walker's own promises -------------------------------------------------------------------


def test_every_url_is_public_allow_listed_or_attacked() -> None:
    problems = [coverage_problem(r) for r in PROTECTED]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)
    names = {r.name for r in ROUTES}
    stale = sorted((PUBLIC - names) | {e for e in ALLOW_LIST if not e.endswith(":") and e not in names})
    stale += [e for e in ALLOW_LIST if e.endswith(":") and not any((n or "").startswith(e) for n in names)]
    assert not stale, f"PUBLIC / ALLOW_LIST name URLs that no longer exist: {stale}"
    # The walker really descends into includes: the parameterised Users pages are found.
    protected = {r.name for r in PROTECTED}
    assert {"accounts:user-detail", "accounts:user-policy-detach", "security:event-export"} <= protected
    assert any(r.name == "admin:index" for r in ROUTES)


def test_fingerprint_sees_every_tenant_model(world: World) -> None:
    before = fingerprint()
    assert before["accounts.Principal"] and before["accounts.PolicyAttachment"]
    assert before["accounts.LoginProfile"]
    assert "sessions.Session" not in before and "security.Event" not in before


# --- The attack ----------------------------------------------------------------------------------

PERSONAS = ["other_root", "other_admin", "readonly", "self_service", "anonymous"]
CROSS_TENANT = ("other_root", "other_admin")


def problems_of(route: Route, persona: str, method: str, url: str, response: HttpResponse, world: World) -> list[str]:
    """What is wrong with `response`, as sentences naming the URL and the persona."""
    who = f"{method} {url} [{route.name}] as {persona}"
    status, to = response.status_code, location(response)
    problems = []
    markers: list[str] = []
    if persona == "anonymous":
        markers = world.a_markers()
        to_logon = status == 302 and "/login/" in to
        if method == "GET" and not to_logon:
            problems.append(f"{who}: expected a redirect to the logon page, got {status} {to!r}")
        if method == "POST" and not (to_logon or status in DENIED):
            problems.append(f"{who}: expected a redirect to the logon page or a refusal, got {status} {to!r}")
    elif persona in CROSS_TENANT:
        markers = world.a_markers()
        if route.params and status not in DENIED:  # the URL names an object of account A
            problems.append(f"{who}: another account's object answered {status} {to!r}, expected 403/404/405")
        if not route.params and status not in DENIED | {200, 302}:  # its own account's page
            problems.append(f"{who}: unexpected status {status}")
    elif persona == "readonly":
        markers = world.other_users_markers(world.principals["readonly"]) if route.name in OWN_ONLY else []
        if method == "POST" and route.name not in OWN_ONLY and status not in {403, 405}:
            problems.append(f"{who}: a read-only user's POST answered {status} {to!r}, expected 403 or 405")
        if method == "GET" and status not in DENIED | {200, 302}:
            problems.append(f"{who}: unexpected status {status}")
    elif persona == "self_service":
        markers = world.other_users_markers(world.principals["self_service"])
        # The console sends a user without a system policy from Overview to its own Security page.
        to_own_page = status == 302 and to == reverse(SELF_SERVICE)
        if route.name not in OWN_ONLY and not (status in DENIED or to_own_page):
            problems.append(f"{who}: a self-service user got {status} {to!r}, expected 403/404/405")
    else:  # a persona added to PERSONAS without rules
        problems.append(f"no rules for persona {persona}")
    leaked = leaks(response, url, markers)
    if leaked:
        problems.append(f"{who}: the {status} response shows data of account A: {leaked}")
    return problems


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: r.name or r.route)
def test_protected_url_refuses_attackers(route: Route, persona: str, world: World) -> None:
    url = url_of(route, world)
    client = world.clients[persona]
    own_account = world.account_b if persona in CROSS_TENANT else None
    before = fingerprint(except_account=own_account)
    problems = []
    for method in ("GET", "POST"):
        response = client.get(url) if method == "GET" else client.post(url, POST_PAYLOAD)
        problems += problems_of(route, persona, method, url, response, world)
    after = fingerprint(except_account=own_account)
    changed = sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))
    if changed:
        problems.append(f"GET+POST {url} [{route.name}] as {persona} changed the database: {changed}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("persona", ["other_root", "other_admin", "anonymous"])
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_url_reveals_nothing_of_another_account(name: str, persona: str, world: World, settings: Any) -> None:
    # Demo mode publishes the demo account's logins (alice, bob…) on the logon page, which would
    # read as account A's users of the same names.
    settings.RAMCONSOLE_DEMO_MODE = False
    url = reverse(name)
    before = fingerprint()
    response = world.clients[persona].get(url)
    assert response.status_code in {200, 302, 405}, f"GET {url} as {persona}: {response.status_code}"
    leaked = leaks(response, url, world.a_markers())
    assert not leaked, f"GET {url} [{name}] as {persona}: the response shows data of account A: {leaked}"
    assert fingerprint() == before, f"GET {url} [{name}] as {persona} changed the database"


def test_console_identities_are_sent_to_the_admin_logon(
    world: World, root: Principal, admin_user: Principal, client_for: Callable[[Principal], Client]
) -> None:
    admin_login = reverse("admin:login")
    pages = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]
    identities = {
        "root of A": root,
        "RAM admin of A": admin_user,
        "root of B": world.principals["other_root"],
    }
    for who, principal in identities.items():
        assert not principal.is_staff
        client = client_for(principal)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 302, f"GET {page} as {who}: {response.status_code}"
            assert response["Location"].startswith(f"{admin_login}?next="), (
                f"GET {page} as {who}: redirected to {response['Location']!r}, not the admin logon"
            )
