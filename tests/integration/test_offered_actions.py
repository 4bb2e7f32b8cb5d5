"""No page offers an action that its viewer will be refused (issue 17).

Every page of the project (the URL walk of test_isolation.py, so a new page is covered the moment it
is routed) is opened as the root, an administrator, a read-only user and a self-service user. Every
link, and every form's target, that the page offers is then tried as that same viewer: a link or GET
form must not answer 403 or 405, and a POST form must not answer 403 (it is sent with the values the
page filled in, inside a transaction rolled back afterwards, so one check never changes the next).
What a role may do is decided by the policy layer; this test only sees what the pages offer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Principal
from tests.integration.test_isolation import PROTECTED, World, url_of, world  # noqa: F401  (world: a fixture)

# Targets that are not the viewer's actions on the account: leaving, and the language switch.
NOT_ACTIONS = frozenset({reverse("accounts:logout"), reverse("set_language")})
LINK_REFUSALS = frozenset({403, 405})


@dataclass
class OfferedForm:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)


class OfferedActions(HTMLParser):
    """The links and forms of one page, with the values a browser would send for each form."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.links: list[str] = []
        self.forms: list[OfferedForm] = []
        self._form: OfferedForm | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "a" and "href" in a:
            self.links.append(urljoin(self.page_url, a["href"]))
        elif tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self._form = OfferedForm(a.get("method", "get").lower(), action)
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "reset"):
                self._form.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form.fields.append((a["name"], ""))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select, self._select_value = a["name"], None
        elif self._select is not None and tag == "option":
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            name, value = self._form.fields[-1]
            self._form.fields[-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            if self._select_value is not None:
                self._form.fields.append((self._select, self._select_value))
            self._select = None
        elif tag == "form":
            self._form = None


def own_path(target: str) -> str | None:
    """The path (and query) of a console URL, or None for anything that is not one."""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "") or parts.netloc not in ("testserver", ""):
        return None
    if parts.path.startswith(("/static/", "/admin/")) or parts.path in NOT_ACTIONS:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def viewers(world: World, root: Principal, admin_user: Principal, settings: Any) -> dict[str, Principal]:  # noqa: F811
    settings.RAMCONSOLE_SANDBOX_DNS = True  # the DNS records pages are walked too
    return {
        "root": root,
        "admin": admin_user,
        "readonly": world.principals["readonly"],
        "self_service": world.principals["self_service"],
    }


class _Rollback(Exception):
    pass


def post_refused(client_for: Callable[[Principal], Client], viewer: Principal, form: OfferedForm) -> int:
    """The status of sending `form` as `viewer`, with everything it wrote undone."""
    status = 0
    try:
        with transaction.atomic():
            status = client_for(viewer).post(own_path(form.action), dict(_single(form.fields))).status_code
            raise _Rollback
    except _Rollback:
        pass
    return status


def _single(fields: list[tuple[str, str]]) -> Iterator[tuple[str, str | list[str]]]:
    values: dict[str, list[str]] = {}
    for name, value in fields:
        values.setdefault(name, []).append(value)
    for name, many in values.items():
        yield name, many if len(many) > 1 else many[0]


@pytest.mark.parametrize("role", ["root", "admin", "readonly", "self_service"])
def test_no_page_offers_an_action_its_viewer_is_refused(
    role: str,
    world: World,  # noqa: F811
    viewers: dict[str, Principal],
    client_for: Callable[[Principal], Client],
) -> None:
    viewer = viewers[role]
    client = client_for(viewer)
    pages_seen = 0
    links: dict[str, str] = {}  # target -> the first page offering it
    forms: dict[tuple[str, str], tuple[OfferedForm, str]] = {}
    for route in PROTECTED:
        page = url_of(route, world)
        response = client.get(page)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages_seen += 1
        found = OfferedActions(f"http://testserver{page}")
        found.feed(response.content.decode())
        for link in found.links:
            if (target := own_path(link)) is not None:
                links.setdefault(target, page)
        for form in found.forms:
            if own_path(form.action) is not None:
                forms.setdefault((form.method, own_path(form.action)), (form, page))
    assert pages_seen >= 3, f"{role} could open only {pages_seen} pages: the walk found nothing to check"

    problems = []
    for target, page in sorted(links.items()):
        status = client.get(target).status_code
        if status in LINK_REFUSALS:
            problems.append(f"{page} offers {role} the link {target}, which answers {status}")
    for (method, target), (form, page) in sorted(forms.items()):
        if method == "get":
            status = client.get(f"{target.split('?')[0]}?{urlencode(list(form.fields))}").status_code
            refused = status in LINK_REFUSALS
        else:
            status = post_refused(client_for, viewer, form)
            refused = status == 403
        if refused:
            problems.append(f"{page} offers {role} a {method.upper()} form to {target}, which answers {status}")
    assert not problems, "\n".join(problems)
