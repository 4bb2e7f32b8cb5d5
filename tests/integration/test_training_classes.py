"""Classes (issue 23): a class of N sandboxes, its Class page for its instructors only, the CSV, and
the instructor's actions (reset one, reset all, move every clock)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accesskeys import services as access_key_services
from accounts import sandbox, selectors
from accounts.actors import Actor
from accounts.models import Account, Principal, Sandbox, TrainingClass
from reports.models import DrillRun
from security import policy
from security.errors import EntityAlreadyExists, InvalidParameter
from security.models import Event

pytestmark = pytest.mark.django_db


def _operator(username: str, *, superuser: bool) -> Client:
    if superuser:
        operator = Principal.objects.create_superuser(username, "Operator-pass-2026")
    else:
        operator = Principal.objects.create(username=username, kind=Principal.Kind.OPERATOR, is_staff=True)
    client = Client()
    client.force_login(operator, backend="accounts.backends.LogonNameBackend")
    return client


@pytest.fixture
def superuser() -> Client:
    return _operator("head", superuser=True)


@pytest.fixture
def blue() -> TrainingClass:
    return sandbox.training_class_create(name="blue", count=2)


def _url(name: str, training_class: TrainingClass) -> str:
    return reverse(f"admin:accounts_trainingclass_class{name}", args=[training_class.pk])


def _account(found: Sandbox) -> Account:
    return Account.objects.get(account_id=found.account_id)


def test_a_class_is_created_with_its_sandboxes_at_the_range_edges() -> None:
    one = sandbox.training_class_create(name="solo", count=policy.CLASS_MIN_SANDBOXES)
    assert list(one.sandboxes.values_list("name", flat=True)) == ["solo-01"]
    assert Account.objects.filter(alias="solo-01").exists()
    policy.check_training_class(name="big", count=policy.CLASS_MAX_SANDBOXES, name_taken=False)  # 50 is allowed

    for refused in (policy.CLASS_MIN_SANDBOXES - 1, policy.CLASS_MAX_SANDBOXES + 1):
        with pytest.raises(InvalidParameter):
            sandbox.training_class_create(name="edge", count=refused)
    with pytest.raises(EntityAlreadyExists):
        sandbox.training_class_create(name="solo", count=1)
    with pytest.raises(InvalidParameter):  # its sandboxes' aliases would be 33 characters
        sandbox.training_class_create(name="a" * 30, count=1)
    assert list(TrainingClass.objects.values_list("name", flat=True)) == ["solo"]
    assert Sandbox.objects.count() == 1


def test_the_admin_creates_a_class_of_n_sandboxes(superuser: Client) -> None:
    add = reverse("admin:accounts_trainingclass_add")
    refused = superuser.post(add, {"name": "red", "count": policy.CLASS_MAX_SANDBOXES + 1})
    assert refused.status_code == 200 and not TrainingClass.objects.exists()

    instructor = Principal.objects.create(username="teacher", kind=Principal.Kind.OPERATOR, is_staff=True)
    response = superuser.post(add, {"name": "red", "count": 2, "instructors": [instructor.pk]})

    assert response.status_code == 302
    red = TrainingClass.objects.get(name="red")
    assert sorted(red.sandboxes.values_list("name", flat=True)) == ["red-01", "red-02"]
    assert list(red.instructors.all()) == [instructor]
    listing = superuser.get(reverse("admin:accounts_trainingclass_changelist")).content.decode()
    assert _url("", red) in listing
    sandboxes = superuser.get(reverse("admin:accounts_sandbox_changelist"), {"training_class__id__exact": red.pk})
    assert "red-02" in sandboxes.content.decode()


def test_an_instructor_sees_only_his_classes(blue: TrainingClass) -> None:
    green = sandbox.training_class_create(name="green", count=1)
    teacher = _operator("teacher", superuser=False)
    green.instructors.add(Principal.objects.get(username="teacher"))
    other = blue.sandboxes.first()

    assert teacher.get(_url("", green)).status_code == 200
    for name in ("", "_progress", "_csv", "_logins"):
        assert teacher.get(_url(name, blue)).status_code == 404
    assert teacher.post(_url("_action", blue), {"action": "reset_all"}).status_code == 404
    # A sandbox of another class, named through his own class: not found, not reset.
    assert teacher.post(_url("_action", green), {"action": "reset", "sandbox": other.pk}).status_code == 404
    assert not Event.objects.filter(action="ResetSandbox").exists()
    listing = teacher.get(reverse("admin:accounts_trainingclass_changelist")).content.decode()
    assert "green" in listing and "blue" not in listing
    assert teacher.get(reverse("admin:accounts_trainingclass_add")).status_code == 403


def test_the_admin_sign_in_page_still_opens(blue: TrainingClass) -> None:
    assert Client().get(reverse("admin:login")).status_code == 200
    assert Client().get(_url("", blue)).status_code == 302


def test_a_trainee_is_not_an_instructor(blue: TrainingClass, superuser: Client) -> None:
    root = Principal.objects.get(account=_account(blue.sandboxes.first()), kind=Principal.Kind.ROOT)
    trainee = Client()
    trainee.force_login(root, backend="accounts.backends.LogonNameBackend")
    assert trainee.get(_url("_progress", blue)).status_code == 302  # to the admin's sign-in


def test_the_class_page_lists_every_sandbox_and_its_progress(blue: TrainingClass, superuser: Client) -> None:
    first, second = blue.sandboxes.order_by("name")
    for found in (first, second):
        superuser.post(_url("_action", blue), {"action": "drill", "sandbox": found.pk, "drill": "leaked_access_key"})
    runs = {run.account.account_id: run for run in DrillRun.objects.select_related("account")}
    assert Event.objects.filter(action="StartDrill", actor_name="head").count() == 2
    leaked = runs[second.account_id]
    root = selectors.root_of(_account(second))
    access_key_services.access_key_update_status(
        actor=Actor(root),
        user=Principal.objects.get(user_id=leaked.detail["user_id"]),
        access_key_id=leaked.detail["key_id"],
        status="Inactive",
    )

    page = superuser.get(_url("", blue)).content.decode()
    rows = superuser.get(_url("_progress", blue)).json()["rows"]

    assert "blue-01" in page and "blue-02" in page and first.account_id in page
    assert "js/training-class" in page
    assert [row["name"] for row in rows] == ["blue-01", "blue-02"]
    assert all(row["total"] > 0 for row in rows)
    assert all(0 <= row["done"] <= row["total"] and 0 <= row["score"] <= 100 for row in rows)
    assert all(row["last_activity"] for row in rows)  # the seed's own events
    assert [row["drills"] for row in rows] == [[], ["leaked_access_key"]]


def test_the_csv_has_a_safe_row_per_trainee(blue: TrainingClass, superuser: Client) -> None:
    response = superuser.get(_url("_csv", blue))
    text = b"".join(response.streaming_content).decode("utf-8")

    assert response["Content-Type"].startswith("text/csv") and text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["sandbox", "account_id", "root_logon_name"] and rows[0][-1] == "drills_passed"
    assert [row[0] for row in rows[1:]] == ["blue-01", "blue-02"]
    expected = superuser.get(_url("_progress", blue)).json()["rows"]
    assert [(int(row[3]), int(row[4]), int(row[5])) for row in rows[1:]] == [
        (row["done"], row["total"], row["score"]) for row in expected
    ]


def test_the_logins_csv_signs_in_to_each_sandbox(blue: TrainingClass, superuser: Client) -> None:
    text = b"".join(superuser.get(_url("_logins", blue)).streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    first = blue.sandboxes.order_by("name").first()
    root = next(row for row in rows if row["sandbox"] == "blue-01" and row["role"].startswith("Alibaba Cloud"))
    assert root["password"] == sandbox.logins_of(first)[0].password
    assert {row["sandbox"] for row in rows} == {"blue-01", "blue-02"}


def test_sorting_by_each_column(blue: TrainingClass, superuser: Client) -> None:
    second = blue.sandboxes.get(name="blue-02")
    Event.objects.filter(account=_account(second)).update(occurred_at=_account(second).created_at + timedelta(days=9))
    for key in ("name", "account_id", "done", "score", "last_activity", "drills"):
        assert superuser.get(_url("_progress", blue), {"sort": key}).status_code == 200
        assert superuser.get(_url("", blue), {"sort": f"-{key}"}).status_code == 200
    by_name = superuser.get(_url("_progress", blue), {"sort": "-name"}).json()["rows"]
    by_activity = superuser.get(_url("_progress", blue), {"sort": "-last_activity"}).json()["rows"]
    assert [row["name"] for row in by_name] == ["blue-02", "blue-01"]
    assert [row["name"] for row in by_activity] == ["blue-02", "blue-01"]
    assert superuser.get(_url("_progress", blue), {"sort": "nonsense'"}).status_code == 200
    page = superuser.get(_url("", blue), {"sort": "-name"}).content.decode()
    assert page.index("blue-02") < page.index("blue-01")


def test_reset_one_sandbox(blue: TrainingClass, superuser: Client) -> None:
    first, second = blue.sandboxes.order_by("name")
    superuser.post(_url("_action", blue), {"action": "clock", "step": "30d"})

    response = superuser.post(_url("_action", blue), {"action": "reset", "sandbox": first.pk})

    assert response.status_code == 302 and response["Location"] == _url("", blue)
    assert _account(first).clock_offset == timedelta(0)
    assert _account(second).clock_offset == timedelta(days=30)
    assert Event.objects.get(action="ResetSandbox").actor_name == "head"
    assert superuser.post(_url("_action", blue), {"action": "reset", "sandbox": "x"}).status_code == 404


def test_reset_the_whole_class(blue: TrainingClass, superuser: Client) -> None:
    superuser.post(_url("_action", blue), {"action": "clock", "step": "1d"})
    superuser.post(_url("_action", blue), {"action": "reset_all"})
    assert [_account(found).clock_offset for found in blue.sandboxes.all()] == [timedelta(0)] * 2
    assert Event.objects.filter(action="ResetSandbox", actor_name="head").count() == 2


def test_move_the_clock_of_every_sandbox(blue: TrainingClass, superuser: Client) -> None:
    outsider = sandbox.training_class_create(name="other", count=1).sandboxes.get()

    superuser.post(_url("_action", blue), {"action": "clock", "step": "90d"})
    refused = superuser.post(_url("_action", blue), {"action": "clock", "step": "1y"}, follow=True)

    assert [_account(found).clock_offset for found in blue.sandboxes.all()] == [timedelta(days=90)] * 2
    assert _account(outsider).clock_offset == timedelta(0)
    moves = Event.objects.filter(action="SetSandboxClock")
    assert sorted(moves.values_list("actor_name", "detail__step")) == [("head", "90d")] * 2
    assert "Unknown clock step." in refused.content.decode()


def test_every_form_needs_the_csrf_token(blue: TrainingClass) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(Principal.objects.create_superuser("strict", "Operator-pass-2026"))
    page = client.get(_url("", blue)).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') == page.count("<form") - page.count('method="get"')
    assert client.post(_url("_action", blue), {"action": "reset_all"}).status_code == 403


def test_the_class_page_runs_a_constant_number_of_queries(superuser: Client) -> None:
    small = sandbox.training_class_create(name="small", count=3)
    large = sandbox.training_class_create(name="large", count=10)
    superuser.get(_url("", small))  # the session and the admin's caches, once

    counts = []
    for training_class in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert superuser.get(_url("", training_class)).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_create_sandboxes_makes_a_class() -> None:
    out = io.StringIO()
    call_command("create_sandboxes", "--count", "2", "--class", "cmd", stdout=out)

    made = TrainingClass.objects.get(name="cmd").sandboxes.values_list("name", flat=True)
    assert sorted(made) == ["cmd-01", "cmd-02"]
    assert {row["sandbox"] for row in csv.DictReader(io.StringIO(out.getvalue()))} == {"cmd-01", "cmd-02"}
    with pytest.raises(CommandError, match="1 to 50"):
        call_command("create_sandboxes", "--count", "51", "--class", "big", stdout=io.StringIO())


def test_a_drill_refused_is_said_on_the_class_page(blue: TrainingClass, superuser: Client) -> None:
    first = blue.sandboxes.order_by("name").first()
    action = _url("_action", blue)

    unknown = superuser.post(action, {"action": "drill", "sandbox": first.pk, "drill": "nonsense"}, follow=True)
    superuser.post(action, {"action": "drill", "sandbox": first.pk, "drill": "leaked_access_key"})
    again = superuser.post(action, {"action": "drill", "sandbox": first.pk, "drill": "leaked_access_key"}, follow=True)

    assert "Unknown drill." in unknown.content.decode()
    assert "already running" in again.content.decode()
    assert DrillRun.objects.filter(account=_account(first)).count() == 1
