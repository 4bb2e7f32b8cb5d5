"""The user page shows the user's tags (set through IMS CreateUser / TagResources)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from accounts.actors import Actor
from accounts.models import Account, Principal
from accounts.services import users as user_services


def test_the_user_page_shows_its_tags(account: Account, root: Principal, root_client: Client) -> None:
    actor = Actor(principal=root)
    tagged = user_services.ram_user_create(
        actor=actor, name="ann", display_name="Ann", tags=[("team", "ops"), ("oncall", "")]
    )
    plain = user_services.ram_user_create(actor=actor, name="ben", display_name="Ben")

    page = root_client.get(reverse("accounts:user-detail", args=[tagged.user_id])).content.decode()
    section = page[page.index('id="user-tags"') :].split("</dd>", 1)[0]
    assert "oncall</span>" in section and "team: ops</span>" in section
    assert section.index("oncall") < section.index("team")  # by key

    page = root_client.get(reverse("accounts:user-detail", args=[plain.user_id])).content.decode()
    assert page[page.index('id="user-tags"') :].split("</dd>", 1)[0].endswith(">-")
