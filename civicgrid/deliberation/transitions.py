"""The stages of a topic as one table: (stage, action) -> next stage, who may make the move and
what must hold first. ``services.move_topic`` is the only code that changes ``Topic.stage``; it
refuses any move not in this table (ADR 013, like the work orders' ADR 004)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from civicgrid.people.models import Role

from .models import Stage

# Staff of the area who manage topics: community staff and secretary, the street, the district.
MANAGERS = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.STREET_DISPATCHER,
                      Role.DISTRICT_COMMANDER})


@dataclass(frozen=True)
class Move:
    action: str
    label: str
    source: str
    target: str
    roles: frozenset = MANAGERS
    # The name of a check in services._GUARDS that must pass before the move (None: none).
    guard: str | None = None
    needs_reason: bool = False


TRANSITIONS: dict[tuple[str, str], Move] = {(m.source, m.action): m for m in [
    Move("gather", _("Gather the parties (聚)"), Stage.SAY, Stage.GATHER),
    Move("deliberate", _("Start deliberating (议)"), Stage.GATHER, Stage.DELIBERATE, guard="has_participants"),
    Move("act", _("Adopt the resolution and act (办)"), Stage.DELIBERATE, Stage.ACT, guard="has_passed_poll"),
    Move("evaluate", _("Invite ratings (评)"), Stage.ACT, Stage.EVALUATE, guard="tasks_done"),
    Move("close", _("Close the topic"), Stage.EVALUATE, Stage.CLOSED, guard="has_ratings"),
    Move("dismiss", _("Dismiss the topic (不予立项)"), Stage.SAY, Stage.CLOSED, needs_reason=True),
]}

ACTIONS = sorted({m.action for m in TRANSITIONS.values()})


def moves_from(stage: str) -> list[Move]:
    return [m for (source, _action), m in TRANSITIONS.items() if source == stage]
