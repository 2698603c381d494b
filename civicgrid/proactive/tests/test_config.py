"""Detector parameters come from settings, with per-area overrides (the deepest area wins)."""

from __future__ import annotations

import pytest

from civicgrid.proactive.config import config_for


def test_defaults():
    cfg = config_for()
    assert (cfg.spikes.window_days, cfg.spikes.fdr, cfg.clusters.eps_m, cfg.recurring.min_count) == (7, 0.05, 50.0, 3)
    assert cfg.topics.half_life_days == 14.0 and cfg.auto_create is False


def test_settings_and_area_overrides(settings):
    settings.PROACTIVE = {"spikes": {"min_count": 8}, "areas": {
        "370203000000": {"clusters": {"eps_m": 80}, "spikes": {"fdr": 0.1}},
        "370203020000": {"clusters": {"eps_m": 30}}}}
    assert config_for().spikes.min_count == 8 and config_for().clusters.eps_m == 50.0
    district = config_for("370203000000/")
    assert (district.spikes.min_count, district.spikes.fdr, district.clusters.eps_m) == (8, 0.1, 80)
    street = config_for("370203000000/370203020000/370203020009/")
    assert (street.spikes.fdr, street.clusters.eps_m) == (0.1, 30)


def test_unknown_keys_are_refused(settings):
    settings.PROACTIVE = {"spikes": {"min_cuont": 8}}
    with pytest.raises(ValueError, match="min_cuont"):
        config_for()
