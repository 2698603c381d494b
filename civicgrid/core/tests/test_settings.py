"""Settings come from the environment; production refuses to start without its secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, django
from django.conf import settings
from django.db import connection
django.setup()
with connection.cursor() as c:
    mode = None
    if connection.vendor == "sqlite":
        c.execute("PRAGMA journal_mode"); mode = c.fetchone()[0]
print(json.dumps({"debug": settings.DEBUG, "mode": settings.MODE, "vendor": connection.vendor,
  "journal": mode, "lang": settings.LANGUAGE_CODE, "tz": settings.TIME_ZONE, "use_tz": settings.USE_TZ,
  "hosts": settings.ALLOWED_HOSTS}))
"""


def run_probe(tmp_path, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("CIVICGRID_MODE", "DATABASE_URL", "SECRET_KEY", "DJANGO_DEBUG")}
    full_env.update({"DJANGO_SETTINGS_MODULE": "civicgrid.settings", "CIVICGRID_DATA_DIR": str(tmp_path)})
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    )


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = run_probe(tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_with_secret_key_has_debug_off(tmp_path):
    result = run_probe(tmp_path, SECRET_KEY="x" * 50, ALLOWED_HOSTS="gov.example.cn")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["debug"] is False
    assert out["mode"] == "production"
    assert out["hosts"] == ["gov.example.cn"]


def test_demo_mode_defaults_to_sqlite_in_wal_mode_with_chinese_and_shanghai_time(tmp_path):
    result = run_probe(tmp_path, CIVICGRID_MODE="demo")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out == {
        "debug": True, "mode": "demo", "vendor": "sqlite", "journal": "wal", "lang": "zh-hans",
        "tz": "Asia/Shanghai", "use_tz": True, "hosts": ["127.0.0.1", "localhost", "[::1]", "testserver"],
    }
    assert (tmp_path / "civicgrid.sqlite3").exists()


def test_unknown_mode_is_refused_with_a_clear_message(tmp_path):
    result = run_probe(tmp_path, CIVICGRID_MODE="staging")
    assert result.returncode != 0
    assert "CIVICGRID_MODE='staging' is not one of dev, demo, test, production" in result.stderr


def test_database_url_selects_postgresql(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; django.setup(); "
         "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'])"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "civicgrid.settings", "CIVICGRID_MODE": "dev",
             "DATABASE_URL": "postgres://civic@db.example:5432/civicgrid", "CIVICGRID_DATA_DIR": str(tmp_path)},
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "civicgrid"]
