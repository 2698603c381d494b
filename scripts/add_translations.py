"""Add zh-hans translations to the catalogue and recompile it.

    .venv/bin/python scripts/add_translations.py FILE.json [FILE.json ...]

Each FILE maps English msgids to their Chinese text ({"Workbench": "工作台"}). The script
refreshes the catalogue from the source (makemessages), fills every empty or fuzzy entry it has a
translation for (existing translations are kept unless the file says otherwise with a leading
"!" on the msgid), compiles the .mo and prints what is still untranslated. A lock file lets
several people run it at once on one checkout.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "civicgrid/locale/zh_Hans/LC_MESSAGES/django.po"
ADMIN = str(ROOT / ".venv/bin/django-admin")
ARGS = ["--settings=civicgrid.test_settings", f"--pythonpath={ROOT}"]


def main(paths: list[str]) -> int:
    wanted: dict[str, str] = {}
    for p in paths:
        wanted.update(json.loads(Path(p).read_text(encoding="utf-8")))
    with open("/tmp/civicgrid-translations.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run([ADMIN, "makemessages", "-l", "zh_Hans", "--no-obsolete", *ARGS],
                       cwd=ROOT / "civicgrid", check=True, stdout=subprocess.DEVNULL)
        po = polib.pofile(str(PO))
        for entry in po:
            # Leftover "#| msgid_plural" hints from fuzzy matching are not valid on their own.
            entry.previous_msgid_plural = None if not entry.previous_msgid else entry.previous_msgid_plural
        filled = 0
        for entry in po:
            forced = wanted.get("!" + entry.msgid)
            text = forced or wanted.get(entry.msgid)
            empty = not (entry.msgstr_plural.get(0) if entry.msgid_plural else entry.msgstr)
            if text and (forced or empty or "fuzzy" in entry.flags):
                if entry.msgid_plural:
                    # zh-hans has one plural form (nplurals=1).
                    entry.msgstr_plural = {0: text}
                else:
                    entry.msgstr = text
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
                filled += 1
        po.save(str(PO))
        subprocess.run([ADMIN, "compilemessages", *ARGS], cwd=ROOT / "civicgrid", check=True, stdout=subprocess.DEVNULL)
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    print(f"filled {filled}; {len(missing)} untranslated")
    for msgid in missing:
        print(f"  untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
