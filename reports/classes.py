"""Classes (issue 23): what the Class page shows of each trainee's sandbox, and the instructor's
actions on them. Every query is scoped to one class, itself scoped to the classes the operator teaches.

The page's own rows (sandbox, logins, last activity) take a constant number of queries whatever the
class size; each trainee's progress (exercises, score, drills passed by reports.drills) is judged
from the account's real state, a few queries per sandbox, so it comes with the live poll and the
CSV (`class_progress`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from accounts import sandbox as sandbox_services
from accounts.models import Account, Principal, Sandbox, TrainingClass
from accounts.services import accounts as account_services
from ramconsole.kernel import clock
from reports import checks, drills
from reports.models import DrillRun
from security import policy
from security.policy import drills as drill_policy

SORT_KEYS = ("name", "account_id", "done", "score", "last_activity", "drills")


@dataclass(frozen=True)
class TraineeRow:
    sandbox_id: int
    name: str
    account_id: str
    root_email: str
    last_activity: (
        datetime | None
    )  # when the newest event happened (real time: the instructor's, not the sandbox clock)
    done: int | None = None  # exercises done of `total` (None: not judged, on the page before the poll)
    total: int | None = None
    score: int | None = None
    drills: tuple[str, ...] = ()  # keys of the drills passed (policy.drills.DRILLS)

    @property
    def drill_titles(self) -> list[str]:
        return [str(drill_policy.DRILLS[key].title) for key in self.drills if key in drill_policy.DRILLS]


def classes_for(principal: Principal) -> QuerySet[TrainingClass]:
    """The classes this operator may open: all for a superuser, else those he is an instructor of."""
    if not policy.may_teach(principal):
        return TrainingClass.objects.none()
    if policy.teaches_every_class(principal):
        return TrainingClass.objects.all()
    return TrainingClass.objects.filter(instructors=principal)


def _sandboxes(training_class: TrainingClass) -> list[Sandbox]:
    return list(Sandbox.objects.filter(training_class=training_class).order_by("name"))


def _accounts_by_id(sandboxes: list[Sandbox]) -> dict[str, Account]:
    accounts = Account.objects.filter(account_id__in=[found.account_id for found in sandboxes]).annotate(
        last_activity=Max("events__occurred_at")
    )
    return {account.account_id: account for account in accounts}


def class_rows(training_class: TrainingClass) -> list[TraineeRow]:
    """The class table without the judged columns: two queries, whatever the class size."""
    sandboxes = _sandboxes(training_class)
    accounts = _accounts_by_id(sandboxes)
    return [
        TraineeRow(
            sandbox_id=found.pk,
            name=found.name,
            account_id=found.account_id,
            root_email=found.root_email,
            last_activity=getattr(accounts.get(found.account_id), "last_activity", None),
        )
        for found in sandboxes
    ]


def class_progress(training_class: TrainingClass, *, sort: str = "name") -> list[TraineeRow]:
    """Every trainee's row with the judged columns, sorted by `sort` (a SORT_KEYS name, `-` for descending)."""
    sandboxes = _sandboxes(training_class)
    accounts = _accounts_by_id(sandboxes)
    rows = []
    for found in sandboxes:
        account = accounts.get(found.account_id)
        if account is None:  # a reset in progress elsewhere: the row shows, unjudged
            rows.append(TraineeRow(found.pk, found.name, found.account_id, found.root_email, None))
            continue
        facts = checks.training_facts(account, now=clock.now(account))
        scenarios = policy.training_scenarios(facts)
        rows.append(
            TraineeRow(
                sandbox_id=found.pk,
                name=found.name,
                account_id=found.account_id,
                root_email=found.root_email,
                last_activity=account.last_activity,
                done=sum(scenario.done for scenario in scenarios),
                total=len(scenarios),
                score=policy.score(policy.security_check(facts.check)),
                drills=tuple(drills.passed_drills(account)),
            )
        )
    return sorted_rows(rows, sort)


def sorted_rows(rows: list[TraineeRow], sort: str) -> list[TraineeRow]:
    key = sort.removeprefix("-")
    if key not in SORT_KEYS:
        key = "name"

    def value(row: TraineeRow) -> tuple[bool, object]:
        cell = len(row.drills) if key == "drills" else getattr(row, key)
        return (cell is None, cell if cell is not None else 0)

    return sorted(rows, key=value, reverse=sort.startswith("-"))


def class_sandbox(training_class: TrainingClass, sandbox_id: object) -> Sandbox | None:
    """One sandbox of this class (None for an id of another class or none)."""
    try:
        return Sandbox.objects.filter(training_class=training_class, pk=int(str(sandbox_id))).first()
    except ValueError:
        return None


def class_sandbox_reset(sandbox: Sandbox, *, operator: str) -> None:
    sandbox_services.sandbox_reset(sandbox=sandbox, operator=operator)


def class_reset(training_class: TrainingClass, *, operator: str) -> int:
    """Reset every sandbox of the class to its seed (a ResetSandbox event in each)."""
    sandboxes = _sandboxes(training_class)
    for found in sandboxes:
        sandbox_services.sandbox_reset(sandbox=found, operator=operator)
    return len(sandboxes)


def class_drill_start(sandbox: Sandbox, drill: str, *, operator: str) -> DrillRun:
    """Start `drill` in one sandbox of the class (T2's drills: warm up and detonate, a StartDrill event)."""
    account = Account.objects.filter(account_id=sandbox.account_id).first()
    if account is None:
        raise drills.DrillRefused(_("The sandbox is being reset."), code="Drill.NoAccount")
    return drills.drill_start(account, drill, operator=operator)


def class_clock_move(training_class: TrainingClass, *, step: str, operator: str) -> int:
    """Move the clock of every sandbox of the class by `step` (a SetSandboxClock event in each)."""
    policy.clock_offset_after(timedelta(), step)  # refuse an unknown step before moving any
    accounts = Account.objects.filter(
        account_id__in=Sandbox.objects.filter(training_class=training_class).values("account_id")
    )
    moved = 0
    for account in accounts:
        account_services.account_clock_move_by_operator(account=account, step=step, operator=operator)
        moved += 1
    return moved
