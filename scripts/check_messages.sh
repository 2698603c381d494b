#!/usr/bin/env bash
# Fails when the source has user-facing strings that the zh-hans catalogue does not translate yet.
# Runs makemessages on a copy of the package, so the working tree is never touched. Needs GNU gettext.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v xgettext >/dev/null; then
  echo "check_messages: GNU gettext (xgettext) is not installed; skipping the catalogue check"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r civicgrid "$tmp/civicgrid"
(cd "$tmp/civicgrid" && "$OLDPWD/.venv/bin/django-admin" makemessages -l zh_Hans --no-obsolete \
   --settings=civicgrid.test_settings --pythonpath="$tmp" >/dev/null)
.venv/bin/python - "$tmp/civicgrid/locale/zh_Hans/LC_MESSAGES/django.po" <<'PY'
import sys, polib
po = polib.pofile(sys.argv[1])
missing = [e for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
for e in missing:
    print(f"untranslated: {e.msgid!r} ({', '.join(f'{f}:{l}' for f, l in e.occurrences[:2])})")
print(f"check_messages: {len(po)} messages, {len(missing)} untranslated")
sys.exit(1 if missing else 0)
PY
