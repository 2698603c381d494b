"""The `civicgrid` console command is a thin wrapper over manage.py."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_cli(*args, tmp_path):
    env = {**os.environ, "CIVICGRID_MODE": "dev", "CIVICGRID_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "civicgrid.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_dashed_names_map_to_management_commands(tmp_path):
    result = run_cli("help", "serve", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Serve civicgrid over HTTP (waitress)" in result.stdout


def test_unknown_command_fails_with_djangos_message(tmp_path):
    result = run_cli("no-such-thing", tmp_path=tmp_path)
    assert result.returncode == 1
    assert "Unknown command: 'no_such_thing'" in result.stderr


def test_check_passes_for_the_project(tmp_path):
    result = run_cli("check", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
