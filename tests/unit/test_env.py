"""Strict environment parsing: a value outside the accepted spellings stops start-up, naming the
variable, instead of quietly becoming False (a typo must never turn Secure cookies off)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ramconsole.kernel.env import env_bool, env_float, env_int

ROOT = Path(__file__).resolve().parents[2]
NAME = "RAMCONSOLE_TEST_SWITCH"


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "Yes", "on", " On ", "true\n"])
def test_true_spellings(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(NAME, value)
    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("value", ["0", "false", "False", "NO", "off", " off "])
def test_false_spellings(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(NAME, value)
    assert env_bool(NAME, True) is False


def test_unset_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    assert env_bool(NAME, True) is True
    assert env_bool(NAME, False) is False
    assert env_int(NAME, 7) == 7
    assert env_float(NAME, 0.5) == 0.5


@pytest.mark.parametrize("value", ["ture", "", " ", "2", "-1", "y", "n", "enabled", "0n", "yes please"])
def test_an_unknown_boolean_spelling_is_an_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ImproperlyConfigured) as refused:
        env_bool(NAME, True)
    message = str(refused.value)
    assert NAME in message and repr(value) in message
    for spelling in ("1/true/yes/on", "0/false/no/off", "any case"):
        assert spelling in message


@pytest.mark.parametrize(("value", "number"), [("0", 0), ("53", 53), (" 8 ", 8), ("-1", -1), ("+2", 2)])
def test_whole_numbers(monkeypatch: pytest.MonkeyPatch, value: str, number: int) -> None:
    monkeypatch.setenv(NAME, value)
    assert env_int(NAME, 1) == number


@pytest.mark.parametrize("value", ["", "two", "2.0", "0x10", "5353/udp", "1e3"])
def test_a_value_that_is_not_a_whole_number_is_an_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ImproperlyConfigured, match=f"^{NAME}={value!r} is not a whole number$"):
        env_int(NAME, 1)


def test_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "0.5")
    assert env_float(NAME, 3.0) == 0.5
    monkeypatch.setenv(NAME, "3")
    assert env_float(NAME, 1.0) == 3.0
    monkeypatch.setenv(NAME, "3s")
    with pytest.raises(ImproperlyConfigured, match=f"^{NAME}='3s' is not a number$"):
        env_float(NAME, 3.0)


def _start(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import `module` in a fresh interpreter with `env` on top of a clean environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "RAMCONSOLE_", "REDIS_URL"))}
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", f"import runpy; runpy.run_path({module!r})"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 60}


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("DJANGO_SECURE_COOKIES", "ture", "is not a boolean"),
        ("DJANGO_DEBUG", "flase", "is not a boolean"),
        ("RAMCONSOLE_CONCURRENT_HASHES", "three", "is not a whole number"),
        ("RAMCONSOLE_DNS_PORT", "53/udp", "is not a whole number"),
        ("RAMCONSOLE_DNS_TIMEOUT", "3s", "is not a number"),
    ],
)
def test_settings_refuse_to_start_on_a_typo(variable: str, value: str, complaint: str) -> None:
    started = _start("ramconsole/settings.py", {**PRODUCTION, variable: value})
    assert started.returncode != 0
    assert f"django.core.exceptions.ImproperlyConfigured: {variable}={value!r} {complaint}" in started.stderr


def test_settings_start_with_every_switch_spelled_right() -> None:
    switches = {"DJANGO_SECURE_COOKIES": "Off", "DJANGO_SECURE_SSL_REDIRECT": "no", "RAMCONSOLE_DEMO_MODE": "YES"}
    started = _start("ramconsole/settings.py", {**PRODUCTION, **switches, "RAMCONSOLE_DNS_PORT": "5353"})
    assert started.returncode == 0, started.stderr


def test_gunicorn_refuses_to_start_on_a_typo() -> None:
    started = _start("ramconsole/gunicorn.conf.py", {"WORKERS": "4x"})
    assert started.returncode != 0
    assert "ImproperlyConfigured: WORKERS='4x' is not a whole number" in started.stderr
    assert _start("ramconsole/gunicorn.conf.py", {"WORKERS": "4", "GUNICORN_THREADS": "1"}).returncode == 0
