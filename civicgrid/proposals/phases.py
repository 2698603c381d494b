"""The campaign's phases as one transitions table: (from_state, action) -> to_state.

Only one phase is open at a time because the campaign has a single ``state``; a phase may be
closed without opening the next (``close``), reopened while the next has not begun (``reopen``),
and the next phase may be opened straight from the current one, open or closed. Nothing goes
back past a phase once the next one was opened. ``services.change_phase`` is the only code that
changes the state and refuses anything not in this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from civicgrid.people.models import Role

from .models import PHASE_ORDER, CampaignState, Phase

# Who switches phases, screens and selects: the staff of the campaign's district or street.
CAMPAIGN_ROLES = frozenset({Role.DISTRICT_COMMANDER, Role.STREET_DISPATCHER})


@dataclass(frozen=True)
class Move:
    action: str
    source: str
    target: str
    label: str


def _phase_move(template, phase_label) -> str:
    return str(template) % phase_label


# The table is built at import; its labels are put together when shown, in the reader's language
# (``_("Open: %s") % label`` here would freeze them in the language active at import).
_move_label = lazy(_phase_move, str)


def _build() -> dict[tuple[str, str], Move]:
    table: dict[tuple[str, str], Move] = {}
    previous: list[str] = [CampaignState.DRAFT]
    for phase in PHASE_ORDER:
        closed = f"{phase}_closed"
        label = Phase(phase).label
        for source in previous:
            table[(source, f"open_{phase}")] = Move(f"open_{phase}", source, phase, _move_label(_("Open: %s"), label))
        table[(phase, "close")] = Move("close", phase, closed, _move_label(_("Close: %s"), label))
        table[(closed, "reopen")] = Move("reopen", closed, phase, _move_label(_("Reopen: %s"), label))
        previous = [phase, closed]
    return table


TRANSITIONS: dict[tuple[str, str], Move] = _build()


def moves_from(state: str) -> list[Move]:
    return [m for (source, _a), m in TRANSITIONS.items() if source == state]


def action_phase(action: str) -> str | None:
    """The phase an ``open_<phase>`` action opens."""
    return action[5:] if action.startswith("open_") else None
