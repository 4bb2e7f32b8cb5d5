"""Compile the console's translation catalogues (.po -> .mo) in pure Python, with polib.

`make messages` runs it after makemessages. The .mo files are committed, so a machine with only
Python (no GNU gettext, no msgfmt) serves the translations; tests/integration/test_i18n.py fails
when a committed .mo no longer matches its .po.
"""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "ramconsole" / "locale"

for po_file in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
    catalogue = polib.pofile(str(po_file))
    catalogue.save_as_mofile(str(po_file.with_suffix(".mo")))
    print(f"{po_file.relative_to(LOCALE_DIR.parent.parent)}: {catalogue.percent_translated()}% translated")
