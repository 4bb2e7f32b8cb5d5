"""README's "Where does it live" table names real code: every rule, service and view it names
exists, and every API action it names is registered. A rename that forgets the table fails here."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from ramconsole.gateway import actions, dispatcher

README = Path(__file__).resolve().parents[2] / "README.md"
NAME = re.compile(r"`([^`]+)`")


def _table_rows() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Where does it live", 1)[1].split("\n#", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row] for row in rows[1:]]  # the first row is the header


def _names(cell: str, *, package: str) -> list[tuple[str, str]]:
    """(module, attribute) for each name of a cell; a bare name belongs to the module named before it."""
    found, module = [], None
    for name in NAME.findall(cell):
        if name.startswith(("ramconsole/", "security/ranges")) or name.endswith(".py"):
            continue  # a file mentioned in passing, not a callable
        path, _, attribute = name.rpartition(".")
        if path:
            module = path.replace("/", ".") if "/" in path else f"{package}.{path}"
        assert module is not None, f"{name!r} has no module before it in {cell!r}"
        found.append((module, attribute))
    return found


ROWS = _table_rows()


def test_the_table_lists_the_procedures() -> None:
    assert len(ROWS) >= 20


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_every_name_in_the_row_exists(row: list[str]) -> None:
    _procedure, rules, services, views, api = row
    named = _names(rules, package="security.policy") + _names(services, package="") + _names(views, package="")
    assert named
    for module, attribute in named:
        assert callable(getattr(importlib.import_module(module), attribute, None)), f"{module}.{attribute}"
    dispatcher._load_handlers()
    registered = {action for _version, action in actions.ACTIONS}
    for action in NAME.findall(api):
        if not action.endswith(".py"):  # "every action (the dispatcher's file)"
            assert action in registered, action
