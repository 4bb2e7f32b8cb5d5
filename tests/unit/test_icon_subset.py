"""The bootstrap-icons subset (scripts/icon_subset.py) holds every icon the console's markup names."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("icon_subset", ROOT / "scripts" / "icon_subset.py")
assert SPEC is not None and SPEC.loader is not None
icon_subset = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(icon_subset)


def test_every_used_icon_is_in_the_subset() -> None:
    css = icon_subset.OUTPUT.read_text(encoding="utf-8")
    present = set(re.findall(r"^\.bi-([a-z0-9-]+) \{ --bi: url\(\"data:image/svg\+xml,", css, re.M))
    used = icon_subset.used_icons()
    assert {"shield-lock-fill", "list", "person-circle"} <= used  # the shell's own icons are found
    missing = sorted(used - present)
    assert not missing, f"icons used but not in icons.css (run scripts/vendor_assets.sh): {missing}"


def test_the_finder_sees_a_new_icon_in_a_template(tmp_path: Path) -> None:
    (tmp_path / "templates" / "x").mkdir(parents=True)
    (tmp_path / "templates" / "x" / "page.html").write_text('<i class="bi bi-alarm-fill"></i> bi-')
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "vendored.py").write_text('"bi-ignored"')
    assert icon_subset.used_icons(tmp_path) == {"alarm-fill"}
