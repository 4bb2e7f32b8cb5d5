"""The Users pages and the RAM user services behind them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accesskeys import services as access_key_services
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, PolicyAttachment, Principal
from accounts.services import login_profiles as login_profile_services
from accounts.services import users as user_services
from security.errors import DeleteConflict, NoPermission
from security.models import Event

CREATE = reverse("accounts:user-create")
LIST = reverse("accounts:user-list")


def _create(client: Client, **fields: str):
    return client.post(CREATE, {"display_name": "Someone", **fields})


def test_create_user_and_find_it(root_client: Client, account: Account) -> None:
    response = _create(root_client, name="dev.ops_1", display_name="DevOps", email="d@example.com")
    user = Principal.objects.get(account=account, name="dev.ops_1")
    assert response["Location"] == reverse("accounts:user-detail", args=[user.user_id])
    assert len(user.user_id) == 16 and user.user_id.isdigit()
    assert user.upn == "dev.ops_1@acme.onaliyun.com"
    assert not user.has_usable_password()
    detail = root_client.get(response["Location"]).content.decode()
    assert "dev.ops_1@acme.onaliyun.com" in detail
    listing = root_client.get(LIST, {"q": "ops"}).content.decode()
    assert "dev.ops_1@acme.onaliyun.com" in listing
    event = Event.objects.get(action="CreateUser")
    assert event.target == user.upn and event.actor_name == account.principals.get(kind="root").email


@pytest.mark.parametrize(
    ("name", "display_name", "field", "code"),
    [
        ("a" * 65, "x", "name", "InvalidParameter.UserName.Length"),
        ("bad name", "x", "name", "InvalidParameter.UserName.InvalidChars"),
        ("ok", "x" * 129, "display_name", "InvalidParameter.DisplayName.Length"),
    ],
)
def test_create_user_refusals_are_form_errors_and_write_nothing(
    root_client: Client, account: Account, name: str, display_name: str, field: str, code: str
) -> None:
    response = _create(root_client, name=name, display_name=display_name)
    assert response.status_code == 200
    assert response.context["form"].has_error(field, code=code)
    assert selectors.ram_user_count(account=account) == 0


def test_create_user_accepts_bounds(root_client: Client, account: Account) -> None:
    assert _create(root_client, name="a" * 64, display_name="x" * 128).status_code == 302
    assert _create(root_client, name="b", display_name="y").status_code == 302
    assert selectors.ram_user_count(account=account) == 2


def test_duplicate_name_is_refused_case_insensitively(root_client: Client, account: Account) -> None:
    _create(root_client, name="alice")
    response = _create(root_client, name="ALICE")
    assert response.context["form"].has_error("name", code="EntityAlreadyExists.User")
    assert selectors.ram_user_count(account=account) == 1
    refusal = Event.objects.filter(action="CreateUser").latest("id")
    assert refusal.result == "EntityAlreadyExists.User"


def test_same_name_in_two_accounts_is_fine(account_factory, ram_user_factory) -> None:
    first, second = account_factory(), account_factory()
    ram_user_factory(first, "alice")
    ram_user_factory(second, "alice")
    assert Principal.objects.filter(name="alice").count() == 2


def test_search_and_pagination(root_client: Client, account: Account, ram_user_factory) -> None:
    for i in range(25):
        ram_user_factory(account, f"user{i:02d}", password=None, display_name=f"Person {i}")
    first = root_client.get(LIST)
    assert len(first.context["page"].object_list) == 20
    second = root_client.get(LIST, {"page": 2})
    assert len(second.context["page"].object_list) == 5
    assert {u.name for u in root_client.get(LIST, {"q": "user1"}).context["page"]} == {f"user1{i}" for i in range(10)}
    assert [u.name for u in root_client.get(LIST, {"q": "user07@acme.onaliyun.com"}).context["page"]] == ["user07"]
    assert [u.name for u in root_client.get(LIST, {"q": "Person 24"}).context["page"]] == ["user24"]
    assert root_client.get(LIST, {"page": "999"}).status_code == 200  # out of range shows the last page


def test_users_page_runs_constant_queries(
    root_client: Client, account: Account, ram_user_factory, django_assert_num_queries
) -> None:
    for i in range(3):
        ram_user_factory(account, f"few{i}")
    with django_assert_num_queries(5):  # session, principal, password policy, count, page
        root_client.get(LIST)
    for i in range(40):
        ram_user_factory(account, f"many{i}", policy="AliyunRAMReadOnlyAccess" if i % 2 else None)
    with django_assert_num_queries(5):
        root_client.get(LIST)


def test_user_detail_runs_constant_queries(
    root_client: Client, account: Account, ram_user_factory, django_assert_num_queries
) -> None:
    user = ram_user_factory(account, "solo")
    url = reverse("accounts:user-detail", args=[user.user_id])
    with django_assert_num_queries(7):  # session, principal, user + profile, attachments, policy, mfa, keys
        root_client.get(url)
    for i in range(30):
        ram_user_factory(account, f"other{i}", policy="AliyunRAMFullAccess")
    user_services.policy_attach(
        actor=Actor(selectors.root_of(account)), user=user, policy_name="AliyunRAMReadOnlyAccess"
    )
    for _ in range(2):
        access_key_services.access_key_create(actor=Actor(selectors.root_of(account)), user=user)
    with django_assert_num_queries(7):
        root_client.get(url)


def test_update_user(root_client: Client, account: Account, ram_user_factory) -> None:
    user = ram_user_factory(account, "erin")
    url = reverse("accounts:user-update", args=[user.user_id])
    response = root_client.post(url, {"display_name": "Erin E.", "email": "bad", "mobile_phone": "", "comments": ""})
    assert response.context["form"].has_error("email", code="InvalidParameter.NewEmail.Format")
    response = root_client.post(
        url,
        {
            "display_name": "Erin E.",
            "email": "erin@example.com",
            "mobile_phone": "86-18600008888",
            "comments": "QA",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.mobile_phone, user.comments) == ("Erin E.", "86-18600008888", "QA")
    assert Event.objects.get(action="UpdateUser", result="Success").detail == {
        "changed": ["comments", "display_name", "email", "mobile_phone"]
    }


def test_delete_user_service_refuses_with_delete_conflict(account: Account, ram_user_factory) -> None:
    user = ram_user_factory(account, "frank", policy="AliyunRAMReadOnlyAccess")
    actor = Actor(selectors.root_of(account))
    with pytest.raises(DeleteConflict) as refused:
        user_services.ram_user_delete(actor=actor, user=user)
    assert refused.value.code == "DeleteConflict.User.LoginProfile"
    login_profile_services.login_profile_delete(actor=actor, user=user)
    with pytest.raises(DeleteConflict) as refused:
        user_services.ram_user_delete(actor=actor, user=selectors.ram_user_get(account=account, user_id=user.user_id))
    assert refused.value.code == "DeleteConflict.User.Policy"
    assert Principal.objects.filter(pk=user.pk).exists()


def test_console_delete_needs_confirmation_when_user_has_conflicts(
    root_client: Client, account: Account, ram_user_factory
) -> None:
    user = ram_user_factory(account, "gina", policy="AliyunRAMFullAccess")
    url = reverse("accounts:user-delete", args=[user.user_id])
    page = root_client.get(url).content.decode()
    assert "Console logon settings" in page and "Permissions (attached policies)" in page
    assert "CAN NOT" not in page  # RAM's API wording stays in the API
    response = root_client.post(url, {})
    assert response.context["form"].has_error("confirm", code="required")
    assert Principal.objects.filter(pk=user.pk).exists()
    response = root_client.post(url, {"confirm": "on"})
    assert response["Location"] == LIST
    assert not Principal.objects.filter(pk=user.pk).exists()
    assert not LoginProfile.objects.filter(principal_id=user.pk).exists()
    assert not PolicyAttachment.objects.filter(principal_id=user.pk).exists()
    actions = list(Event.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["DeleteLoginProfile", "DetachPolicyFromUser", "DeleteUser"]


def test_delete_user_without_conflicts(root_client: Client, account: Account, ram_user_factory) -> None:
    user = ram_user_factory(account, "henry", password=None)
    response = root_client.post(reverse("accounts:user-delete", args=[user.user_id]), {})
    assert response.status_code == 302
    assert not Principal.objects.filter(pk=user.pk).exists()


def test_attach_and_detach_policy(root_client: Client, account: Account, ram_user_factory) -> None:
    user = ram_user_factory(account, "ivy")
    attach = reverse("accounts:user-policy-attach", args=[user.user_id])
    root_client.post(attach, {"policy_name": "AliyunRAMFullAccess"})
    response = root_client.post(attach, {"policy_name": "AliyunRAMFullAccess"}, follow=True)
    assert "This policy is already attached to the user." in response.content.decode()
    assert list(PolicyAttachment.objects.filter(principal=user).values_list("policy_name", flat=True)) == [
        "AliyunRAMFullAccess"
    ]
    root_client.post(reverse("accounts:user-policy-detach", args=[user.user_id, "AliyunRAMFullAccess"]))
    assert not PolicyAttachment.objects.filter(principal=user).exists()
    response = root_client.post(
        reverse("accounts:user-policy-detach", args=[user.user_id, "AliyunRAMFullAccess"]), follow=True
    )
    assert "The indicate policy of the user does not exist." in response.content.decode()
    assert root_client.post(attach, {"policy_name": "AdministratorAccess"}).status_code == 302
    assert not PolicyAttachment.objects.filter(principal=user).exists()


def test_ram_admin_can_manage_users_and_read_only_cannot(
    account: Account, admin_user: Principal, readonly_user: Principal, client_for
) -> None:
    assert _create(client_for(admin_user), name="by-admin").status_code == 302
    reader = client_for(readonly_user)
    assert reader.get(LIST).status_code == 200
    assert "Create User" not in reader.get(LIST).content.decode()
    assert _create(reader, name="by-reader").status_code == 403
    assert not Principal.objects.filter(name="by-reader").exists()


def test_services_refuse_without_permission(account: Account, plain_user: Principal, readonly_user: Principal) -> None:
    for principal in (plain_user, readonly_user):
        with pytest.raises(NoPermission):
            user_services.ram_user_create(actor=Actor(principal), name="sneaky", display_name="x")
    assert not Principal.objects.filter(name="sneaky").exists()
    assert Event.objects.filter(action="CreateUser", result="NoPermission").count() == 2


def test_self_service_user_lands_on_security_page(plain_user: Principal, client_for) -> None:
    client = client_for(plain_user)
    assert client.get(reverse("accounts:overview"))["Location"] == reverse("security:self-service")
    page = client.get(reverse("security:self-service")).content.decode()
    assert "carol@acme.onaliyun.com" in page
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("security:root-security-settings")).status_code == 403
