"""The CJK font lookup: setting, system paths, PyPI package, else a clear message."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from civicgrid.reports import fonts


def test_report_font_setting_wins_and_is_checked(settings, tmp_path):
    font = tmp_path / "my.ttf"
    font.write_bytes(b"\0")
    settings.REPORT_FONT = str(font)
    assert fonts.find_font() == fonts.FontChoice(str(font), 0, "setting")
    settings.REPORT_FONT = str(tmp_path / "missing.ttf")
    with pytest.raises(fonts.FontMissing, match="missing.ttf"):
        fonts.find_font()
    otf = tmp_path / "NotoSansCJK.otf"
    otf.write_bytes(b"\0")
    settings.REPORT_FONT = str(otf)
    with pytest.raises(fonts.FontMissing, match="TrueType"):
        fonts.find_font()


def test_system_font_then_pypi_package(settings, tmp_path, monkeypatch):
    settings.REPORT_FONT = ""
    monkeypatch.delenv("REPORT_FONT", raising=False)
    system = tmp_path / "wqy-microhei.ttc"
    system.write_bytes(b"\0")
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", [(str(tmp_path / "absent.ttc"), 0), (str(system), 0)])
    assert fonts.find_font() == fonts.FontChoice(str(system), 0, "system")
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", [])
    monkeypatch.setattr(fonts, "_pypi_font", lambda: str(system))
    assert fonts.find_font().source == "pypi"


@pytest.mark.django_db
def test_without_any_font_the_command_says_what_to_install(settings, monkeypatch, tmp_path):
    settings.REPORT_FONT = ""
    monkeypatch.delenv("REPORT_FONT", raising=False)
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", [])
    monkeypatch.setattr(fonts, "_pypi_font", lambda: None)
    with pytest.raises(CommandError, match="apt-get install fonts-wqy-microhei"):
        call_command("report", "font")
    with pytest.raises(CommandError, match="pip install paperang-p2-fonts-cjk"):
        call_command("report", "monthly", "--area", "370203000000", "--month", "2026-01", "--out", str(tmp_path))
    assert list(tmp_path.iterdir()) == []
