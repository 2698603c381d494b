"""The two state machines of this app as tables (ADR 004's pattern, ADR 014).

Each row: the move's name, the states it may start from, the state it leads to, who may make it
(``scope``) and what it needs. ``services.move_wish`` / ``services.move_problem`` are the only code
that changes a state; they refuse any (state, move) pair not in these tables, under a row lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from civicgrid.people.models import Role

from .models import ProblemState as P
from .models import WishState as W

# Community staff and above review wishes, cancel them, create and confirm hard problems.
STAFF_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.STREET_DISPATCHER,
                         Role.DISTRICT_COMMANDER})
# Who may claim a wish besides a user flagged as a party member.
CLAIMER_ROLES = frozenset({Role.VOLUNTEER, Role.PARTY_MEMBER})
# Grid roles that post on behalf of a household and confirm for it.
GRID_ROLES = frozenset({Role.GRID_WORKER, Role.GRID_LEADER})


class Scope:
    STAFF = "staff"          # staff role over the wish's (problem's) area
    OWNER = "owner"          # the household: its poster, a resident account of it, its grid worker if on behalf
    VOLUNTEER = "volunteer"  # any party member or volunteer (not of the household)
    CLAIMER = "claimer"      # the current claimer of the wish
    SECRETARY = "secretary"  # a party secretary of the problem's street
    HOLDER = "holder"        # the secretary who holds the problem


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    scope: str
    needs_reason: bool = False
    needs_note: bool = False
    needs_photo: bool = False
    needs_progress: bool = False
    tone: str = ""
    done: str = ""  # what the page says once the move is made


WISH_MOVES: dict[str, Move] = {m.name: m for m in [
    Move("approve", _("Approve"), (W.PENDING,), W.OPEN, Scope.STAFF, tone="primary",
         done=_("Approved: the wish is on the wish wall for volunteers to claim.")),
    Move("reject", _("Reject"), (W.PENDING,), W.REJECTED, Scope.STAFF, needs_reason=True, tone="danger",
         done=_("The wish was not approved; the household sees your reason.")),
    Move("claim", _("Claim (认领)"), (W.OPEN,), W.CLAIMED, Scope.VOLUNTEER, tone="primary",
         done=_("You claimed this wish. Contact the household, fulfil it, then mark it as fulfilled with a photo.")),
    Move("release", _("Release the claim"), (W.CLAIMED,), W.OPEN, Scope.CLAIMER, needs_reason=True,
         tone="secondary", done=_("You released the claim; the wish is back on the wish wall.")),
    Move("fulfil", _("Mark as fulfilled"), (W.CLAIMED,), W.FULFILLED, Scope.CLAIMER, needs_note=True,
         needs_photo=True, tone="primary",
         done=_("Marked as fulfilled; the household is asked to confirm.")),
    Move("confirm", _("Confirm it was fulfilled"), (W.FULFILLED,), W.CONFIRMED, Scope.OWNER, tone="primary",
         done=_("Thank you for confirming: the wish came true.")),
    Move("dispute", _("Not fulfilled yet"), (W.FULFILLED,), W.CLAIMED, Scope.OWNER, needs_reason=True,
         tone="secondary", done=_("The claimer is told the wish is not fulfilled yet, with your reason.")),
    Move("cancel", _("Cancel"), (W.PENDING, W.OPEN, W.CLAIMED), W.CANCELLED, Scope.STAFF, needs_reason=True,
         tone="danger", done=_("The wish was cancelled.")),
]}

PROBLEM_MOVES: dict[str, Move] = {m.name: m for m in [
    Move("claim", _("Claim (认领)"), (P.OPEN,), P.CLAIMED, Scope.SECRETARY, tone="primary",
         done=_("You claimed this hard problem; report its progress here.")),
    Move("release", _("Release"), (P.CLAIMED, P.IN_PROGRESS), P.OPEN, Scope.HOLDER, needs_reason=True,
         tone="secondary", done=_("You released the hard problem; another secretary may claim it.")),
    Move("progress", _("Report progress"), (P.CLAIMED, P.IN_PROGRESS), P.IN_PROGRESS, Scope.HOLDER,
         needs_note=True, needs_progress=True, tone="primary", done=_("Progress recorded.")),
    Move("solve", _("Report solved"), (P.IN_PROGRESS,), P.SOLVED, Scope.HOLDER, needs_note=True, tone="primary",
         done=_("Reported solved; the community or street confirms it.")),
    Move("confirm", _("Confirm the solution"), (P.SOLVED,), P.CONFIRMED, Scope.STAFF, tone="primary",
         done=_("The solution is confirmed.")),
    Move("reopen", _("Not solved: back to work"), (P.SOLVED,), P.IN_PROGRESS, Scope.STAFF, needs_reason=True,
         tone="danger", done=_("The hard problem is back with its secretary, with your reason.")),
]}
