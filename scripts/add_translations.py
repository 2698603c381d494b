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
        filled = 0
        for entry in po:
            forced = wanted.get("!" + entry.msgid)
            text = forced or wanted.get(entry.msgid)
            if text and (forced or not entry.msgstr or "fuzzy" in entry.flags):
                entry.msgstr = text
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                entry.previous_msgid = None
                filled += 1
        po.save(str(PO))
        subprocess.run([ADMIN, "compilemessages", *ARGS], cwd=ROOT / "civicgrid", check=True, stdout=subprocess.DEVNULL)
    missing = [e.msgid for e in po if not e.translated() or "fuzzy" in e.flags]
    print(f"filled {filled}; {len(missing)} untranslated")
    for msgid in missing:
        print(f"  untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
