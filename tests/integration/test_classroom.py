"""A classroom on `make run` (issue 19): a real `manage.py runserver` on a fresh SQLite file, set up
by the real commands, and 30 trainees at once. Each logs on, creates an AccessKey in the console,
writes through the API with it (the official SDK), changes its password and logs on with the new one.

Not one response may be a 500 (SQLite opened with deferred transactions and no busy timeout
answered "database is locked"), and the SQLite file must hold exactly what the responses said.
The server runs on its own file, not pytest's database: marker `sqlite`, never in the PostgreSQL pass.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from aliyunsdkcore.client import AcsClient

from tests.api.conftest import REGION, Api, ApiError, Key
from tests.conftest import free_port
from tests.report_worker import make_run_env

pytestmark = pytest.mark.sqlite

ROOT = Path(__file__).resolve().parents[2]
SANDBOXES = 15
# Two trainees per sandbox, so writes also meet inside one account: its root and its administrator.
ROOT_ROLE, ADMIN_ROLE = "root", "alice"
USERS_PER_TRAINEE = 3
READ_ONLY_POLICY = "AliyunRAMReadOnlyAccess"
# Longer than the busy timeout (20 s): a request that waits for the write lock is not cut short.
REQUEST_TIMEOUT = 60
BOOT_TIMEOUT = 60.0
# 15 resets at once queue for the machine's hash slots (a dozen hashes each; one slot on 2 cores):
# the last waits its turn for tens of seconds on a loaded machine, as a browser would.
RESET_TIMEOUT = 240
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_ID = re.compile(r'<code id="accesskey-id">([^<]+)</code>')
KEY_SECRET = re.compile(r'<code id="accesskey-secret">([^<]+)</code>')
# What a 500 was: the exception on Django's debug page (DEBUG is on, as under `make run`).
DEBUG_EXCEPTION = re.compile(r'<pre class="exception_value">(.*?)</pre>', re.S)


@dataclass
class Trainee:
    """One trainee's logins, and what the server acknowledged to it."""

    sandbox: str
    role: str
    logon_name: str
    password: str
    principal_id: int = 0
    console_key_id: str = ""
    created_users: list[str] = field(default_factory=list)
    keys_created_for: list[str] = field(default_factory=list)
    policies_attached_to: list[str] = field(default_factory=list)
    new_password: str = ""
    logged_on_with_new_password: bool = False

    @property
    def user_prefix(self) -> str:
        return f"{self.role}-made"


@dataclass
class Tally:
    """Every response the trainees got: (what, status); 0 when no response came at all."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    responses: list[tuple[str, int]] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def add(self, what: str, status: int, detail: str = "") -> None:
        with self.lock:
            self.responses.append((what, status))
            if status >= 500 or status == 0:
                self.server_errors.append(f"{status} {what}: {detail}"[:300])


@dataclass
class Classroom:
    url: str
    endpoint: str
    database: Path
    log_path: Path
    trainees: list[Trainee]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _make_run_env(database: Path) -> dict[str, str]:
    """`make run`'s environment: DEBUG on, demo mode, the default settings, no Redis, no proxy."""
    return make_run_env(database, RAMCONSOLE_DEMO_MODE="1")


def _manage(env: dict[str, str], *args: str) -> None:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, f"manage.py {' '.join(args)}:\n{completed.stderr[-4000:]}"


def _trainees_of(logins_csv: Path) -> list[Trainee]:
    trainees = []
    with logins_csv.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["role"] == "Alibaba Cloud account (root)":
                trainees.append(Trainee(row["sandbox"], ROOT_ROLE, row["logon_name"], row["password"]))
            elif row["logon_name"].startswith(f"{ADMIN_ROLE}@"):
                trainees.append(Trainee(row["sandbox"], ADMIN_ROLE, row["logon_name"], row["password"]))
    assert len(trainees) == 2 * SANDBOXES
    return trainees


def _serving(url: str) -> bool:
    with requests.Session() as session:
        session.trust_env = False  # no proxy: the server is on loopback
        try:
            return session.get(f"{url}/login/", timeout=2).status_code == 200
        except requests.RequestException:
            return False


@pytest.fixture
def classroom(tmp_path: Path) -> Iterator[Classroom]:
    """`make run` on a fresh SQLite file: migrated, the class's sandboxes, runserver (its seed_demo
    only adds the demo account, one more sandbox: left out, it costs seconds and changes nothing)."""
    database = tmp_path / "db.sqlite3"
    env = _make_run_env(database)
    started = time.monotonic()
    _manage(env, "migrate", "--noinput")
    logins_csv = tmp_path / "logins.csv"
    _manage(env, "create_sandboxes", "--count", str(SANDBOXES), "--prefix", "trainee", "--output", str(logins_csv))
    print(f"\nclassroom: set-up (migrate, {SANDBOXES} sandboxes) {time.monotonic() - started:.1f} s")

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "runserver.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not _serving(url):
            if process.poll() is not None:
                pytest.fail(f"runserver exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"runserver did not answer:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.2)
        yield Classroom(url, f"127.0.0.1:{port}", database, log_path, _trainees_of(logins_csv))
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _read(database: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return db.execute(sql, params).fetchall()


@dataclass(frozen=True)
class State:
    """What the SQLite file holds: the roots and RAM users (by sandbox, and name) with their ids, who
    has the read-only policy, how many AccessKeys each principal has, and every password hash."""

    roots: dict[str, int]
    users: dict[tuple[str, str], int]
    read_only: set[tuple[str, str]]
    keys: Counter[int]
    password_hashes: dict[int, str]

    @classmethod
    def of(cls, database: Path) -> State:
        principals = "accounts_principal p JOIN accounts_account a ON a.id = p.account_id"
        roots = _read(database, f"SELECT a.alias, p.id FROM {principals} WHERE p.kind = 'root'")  # noqa: S608 - constant
        users = _read(database, f"SELECT a.alias, p.name, p.id FROM {principals} WHERE p.kind = 'ram_user'")  # noqa: S608 - constant
        read_only = _read(
            database,
            f"SELECT a.alias, p.name FROM {principals} JOIN accounts_policyattachment pa ON pa.principal_id = p.id "  # noqa: S608 - constant
            "WHERE pa.policy_name = ?",
            READ_ONLY_POLICY,
        )
        return cls(
            roots=dict(roots),
            users={(alias, name): pk for alias, name, pk in users},
            read_only=set(read_only),
            keys=Counter(pk for (pk,) in _read(database, "SELECT principal_id FROM accesskeys_accesskey")),
            password_hashes=dict(_read(database, "SELECT id, password FROM accounts_principal")),
        )

    def principal_of(self, trainee: Trainee) -> int:
        if trainee.role == ROOT_ROLE:
            return self.roots[trainee.sandbox]
        return self.users[(trainee.sandbox, trainee.role)]


class Console:
    """One browser: its own cookie jar; every response goes into the tally."""

    def __init__(self, classroom: Classroom, tally: Tally) -> None:
        self.url = classroom.url
        self.tally = tally
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy: the server is on loopback

    def close(self) -> None:
        self.session.close()

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None, timeout: float = REQUEST_TIMEOUT
    ) -> requests.Response:
        try:
            response = self.session.request(
                method, f"{self.url}{path}", data=data, allow_redirects=False, timeout=timeout
            )
        except requests.RequestException as exc:
            self.tally.add(f"{method} {path}", 0, repr(exc))
            raise
        exception = DEBUG_EXCEPTION.search(response.text)
        self.tally.add(f"{method} {path}", response.status_code, exception.group(1) if exception else "")
        return response

    def token(self, path: str) -> str:
        response = self.request("GET", path)
        match = CSRF_TOKEN.search(response.text)
        assert response.status_code == 200 and match, f"GET {path}: {response.status_code}, no form"
        return match.group(1)

    def post_form(self, path: str, **fields: str) -> requests.Response:
        return self.request("POST", path, {"csrfmiddlewaretoken": self.token(path), **fields})

    def logon(self, logon_name: str, password: str) -> bool:
        response = self.post_form("/login/", logon_name=logon_name, password=password)
        return response.status_code == 302 and response.headers["Location"] == "/overview/"


def _change_password(console: Console, trainee: Trainee, new_password: str) -> bool:
    """Login Password > Change (the root: Verify Identity first), or a RAM user's Manage Passwords."""
    if trainee.role == ROOT_ROLE:
        verified = console.post_form(
            "/security-settings/password/verify/", method="password", password=trainee.password, verify="1"
        )
        if verified.status_code != 302:
            return False
        changed = console.post_form(
            "/security-settings/password/", new_password=new_password, confirm_password=new_password
        )
        return changed.status_code == 302
    changed = console.post_form(
        "/security/password/",
        old_password=trainee.password,
        new_password=new_password,
        confirm_password=new_password,
    )
    return changed.status_code == 302


def _api_write(api: Api, tally: Tally, action: str, **params: str) -> bool:
    try:
        api.call(action, **params)
    except ApiError as refusal:
        tally.add(f"API {action}", refusal.status or 0, f"{refusal.code}: {refusal.message}")
        return False
    tally.add(f"API {action}", 200)
    return True


def _attend(classroom: Classroom, trainee: Trainee, tally: Tally, start: threading.Barrier) -> None:
    """One trainee's lesson; stops at the first step the server did not acknowledge."""
    console = Console(classroom, tally)
    try:
        start.wait()
        if not console.logon(trainee.logon_name, trainee.password):
            return
        created = console.request("POST", "/accesskeys/new/", {"csrfmiddlewaretoken": console.token("/overview/")})
        key_id, secret = KEY_ID.search(created.text), KEY_SECRET.search(created.text)
        if created.status_code != 200 or not key_id or not secret:
            return
        trainee.console_key_id = key_id.group(1)

        sdk = AcsClient(key_id.group(1), secret.group(1), REGION, auto_retry=False, timeout=REQUEST_TIMEOUT)
        sdk.add_endpoint(REGION, "Ram", f"http://{classroom.endpoint}")
        api = Api("legacy", sdk, Key(key_id.group(1), secret.group(1)))
        for number in range(1, USERS_PER_TRAINEE + 1):
            name = f"{trainee.user_prefix}-{number}"
            if not _api_write(api, tally, "CreateUser", UserName=name, DisplayName=name):
                return
            trainee.created_users.append(name)
        first, second = trainee.created_users[:2]
        attached = _api_write(
            api, tally, "AttachPolicyToUser", PolicyType="System", PolicyName=READ_ONLY_POLICY, UserName=first
        )
        if attached:
            trainee.policies_attached_to.append(first)
        if _api_write(api, tally, "CreateAccessKey", UserName=second):
            trainee.keys_created_for.append(second)

        new_password = f"Changed-{trainee.role}-{trainee.sandbox}-26"
        if not _change_password(console, trainee, new_password):
            return
        trainee.new_password = new_password
    finally:
        console.close()
    again = Console(classroom, tally)
    try:
        trainee.logged_on_with_new_password = again.logon(trainee.logon_name, trainee.new_password)
    finally:
        again.close()


def test_a_class_of_thirty_on_make_run_gets_no_errors_and_loses_nothing(classroom: Classroom) -> None:
    database, trainees = classroom.database, classroom.trainees
    before = State.of(database)
    for trainee in trainees:
        trainee.principal_id = before.principal_of(trainee)
    tally = Tally()
    start = threading.Barrier(len(trainees), timeout=30)
    failures: list[str] = []

    def attend(trainee: Trainee) -> None:
        try:
            _attend(classroom, trainee, tally, start)
        except Exception as exc:  # a thread's traceback would be lost: keep it with the trainee it stopped
            failures.append(f"{trainee.logon_name}: {exc!r}")

    threads = [threading.Thread(target=attend, args=(trainee,)) for trainee in trainees]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    statuses = Counter(status for _what, status in tally.responses)
    print(
        f"classroom: {len(trainees)} trainees made {len(tally.responses)} requests in {elapsed:.1f} s; "
        f"statuses {dict(sorted(statuses.items()))}"
    )

    assert not tally.server_errors, (
        f"{len(tally.server_errors)} responses >= 500 or none "
        f"({classroom.log().count('database is locked')} 'database is locked' in the server's log): "
        f"{Counter(tally.server_errors).most_common(8)}"
    )
    assert not failures, failures
    # Every step of every lesson was acknowledged (none needed refusing)...
    unfinished = [
        t.logon_name
        for t in trainees
        if not (t.logged_on_with_new_password and t.policies_attached_to and t.keys_created_for)
    ]
    assert not unfinished
    # ...and the SQLite file holds exactly that: the users, policies, keys and passwords acknowledged.
    after = State.of(database)
    assert set(after.users) == set(before.users) | {(t.sandbox, name) for t in trainees for name in t.created_users}
    assert after.read_only == before.read_only | {
        (t.sandbox, name) for t in trainees for name in t.policies_attached_to
    }
    keys_made = Counter(t.principal_id for t in trainees if t.console_key_id)
    keys_made.update(after.users[(t.sandbox, name)] for t in trainees for name in t.keys_created_for)
    assert after.keys == before.keys + keys_made
    for trainee in trainees:
        assert _read(
            database, "SELECT principal_id FROM accesskeys_accesskey WHERE access_key_id = ?", trainee.console_key_id
        ) == [(trainee.principal_id,)]
        assert after.password_hashes[trainee.principal_id] != before.password_hashes[trainee.principal_id]


def test_every_root_resets_its_sandbox_at_once_while_the_class_works(classroom: Classroom) -> None:
    """15 roots press Reset together while their administrators log on and create AccessKeys. A
    reset rebuilds a whole account in one transaction; it hashes its passwords before it, so the
    write lock is held for writes only (hashing inside, 8 of 15 resets ran out the busy timeout)."""
    tally = Tally()
    start = threading.Barrier(len(classroom.trainees), timeout=30)
    done: list[str] = []

    def reset(trainee: Trainee) -> None:
        console = Console(classroom, tally)
        try:
            assert console.logon(trainee.logon_name, trainee.password)
            token = console.token("/sandbox/reset/")
            start.wait()
            response = console.request("POST", "/sandbox/reset/", {"csrfmiddlewaretoken": token}, RESET_TIMEOUT)
            if response.status_code == 302 and response.headers["Location"] == "/login/":
                done.append(trainee.sandbox)
        finally:
            console.close()

    def work(trainee: Trainee) -> None:
        console = Console(classroom, tally)
        try:
            start.wait()
            if console.logon(trainee.logon_name, trainee.password):
                console.request("POST", "/accesskeys/new/", {"csrfmiddlewaretoken": console.token("/overview/")})
        finally:
            console.close()

    threads = [
        threading.Thread(target=reset if trainee.role == ROOT_ROLE else work, args=(trainee,))
        for trainee in classroom.trainees
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not tally.server_errors, (
        f"{len(tally.server_errors)} responses >= 500 or none "
        f"({classroom.log().count('database is locked')} 'database is locked' in the server's log): "
        f"{Counter(tally.server_errors).most_common(8)}"
    )
    assert sorted(done) == sorted(t.sandbox for t in classroom.trainees if t.role == ROOT_ROLE)
    # Each sandbox is its seed again: the seed's one locked user is locked again, after the commit.
    for name in done:
        assert _read(
            classroom.database,
            "SELECT count(*) FROM accounts_loginprofile p JOIN accounts_principal u ON u.id = p.principal_id "
            "JOIN accounts_sandbox s ON s.account_id = (SELECT account_id FROM accounts_account a "
            "WHERE a.id = u.account_id) WHERE s.name = ? AND p.locked_until IS NOT NULL",
            name,
        ) == [(1,)]
