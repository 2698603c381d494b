"""The command center's participation panel (居民参与): figures that other apps own.

Deliberation, wishes, proposals and field work each keep their own figures in
``<app>.selectors.center_figures(jurisdiction, *, area=None, now=None)`` and their own partial
``<app>/_center_figures.html``; the dashboard only asks the installed ones, in this order, so an
app that is not installed simply has no block and the dashboard never imports their models.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps

PANEL_APPS = ("deliberation", "wishes", "proposals", "fieldwork")


def _figures_function(label: str):
    if not apps.is_installed(f"civicgrid.{label}"):
        return None
    try:
        module = import_module(f"civicgrid.{label}.selectors")
    except ImportError:
        return None
    return getattr(module, "center_figures", None)


def panels(jurisdiction, area, *, now=None) -> list[dict]:
    """[{"app", "template", "figures"}] for each installed app that has figures, scoped to ``area``
    inside the reader's jurisdiction."""
    found = []
    for label in PANEL_APPS:
        fn = _figures_function(label)
        if fn is None:
            continue
        found.append({"app": label, "template": f"{label}/_center_figures.html",
                      "figures": fn(jurisdiction, area=area, now=now)})
    return found
