"""The work-order state machine as one table (django-oscar style).

Each row names a move, the statuses it may start from, the status it leads to, who may make it
and what it needs. ``services.transition`` is the only code that changes an order's status; it
refuses any move not in this table. To change the process, change the table (and its tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from civicgrid.people.models import Role

from .models import Status

S = Status

# Who takes and routes orders at each level (指挥分中心, 社区, 区指挥中心).
DISPATCHERS = frozenset({Role.STREET_DISPATCHER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY,
                         Role.DISTRICT_COMMANDER, Role.GRID_LEADER})
# Who checks the work on the ground (核查).
VERIFIERS = frozenset({Role.GRID_WORKER, Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY,
                       Role.STREET_DISPATCHER, Role.DISTRICT_COMMANDER})
# Who can be the handling party of a unit or an office.
HANDLERS = frozenset({Role.DEPARTMENT_HANDLER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY,
                      Role.STREET_DISPATCHER, Role.GRID_WORKER, Role.GRID_LEADER})
SUPERVISORS = frozenset({Role.STREET_DISPATCHER, Role.DISTRICT_COMMANDER})
FIELD = frozenset({Role.GRID_WORKER, Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY})


class Scope:
    """Where the actor must stand relative to the order."""

    AREA = "area"          # the order's area lies in the actor's jurisdiction
    UNIT = "unit"          # the actor acts for the unit the order is dispatched to
    REPORTER = "reporter"  # the actor reported one of the order's appeals
    SYSTEM = "system"      # only the platform itself (the sweep, a callback)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: the status does not change (extension requests)
    roles: frozenset = field(default_factory=frozenset)
    scope: str = Scope.AREA
    needs_reason: bool = False
    needs_unit: bool = False
    needs_answer: bool = False
    needs_target_order: bool = False
    needs_days: bool = False
    needs_evidence: bool = False
    system_allowed: bool = False
    # Shown on the resident's timeline. Internal moves (who passed the order to whom, extension
    # requests, verification) are for staff: their reasons are working notes, not answers.
    public: bool = True


TRANSITIONS: dict[str, Transition] = {t.name: t for t in [
    Transition("dispatch", _("Dispatch (派遣)"), (S.NEW, S.RETURNED), S.DISPATCHED,
               DISPATCHERS | {Role.HOTLINE_OPERATOR}, Scope.AREA, needs_unit=True),
    Transition("redispatch", _("Redispatch (改派)"), (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS), S.DISPATCHED,
               DISPATCHERS, Scope.AREA, needs_unit=True, needs_reason=True, public=False),
    Transition("accept", _("Accept (签收)"), (S.DISPATCHED,), S.ACCEPTED, HANDLERS, Scope.UNIT),
    Transition("return", _("Return (退单)"), (S.DISPATCHED, S.ACCEPTED), S.RETURNED,
               HANDLERS, Scope.UNIT, needs_reason=True, public=False),
    Transition("start", _("Start handling"), (S.ACCEPTED,), S.IN_PROGRESS, HANDLERS, Scope.UNIT, public=False),
    Transition("resolve", _("Resolve and answer (办结反馈)"), (S.ACCEPTED, S.IN_PROGRESS), S.RESOLVED,
               HANDLERS, Scope.UNIT, needs_answer=True, public=False),
    Transition("verify", _("Verify (核查通过)"), (S.RESOLVED,), S.VERIFIED, VERIFIERS, Scope.AREA, public=False),
    Transition("reject_resolution", _("Send back after verification (核查不通过)"), (S.RESOLVED,), S.IN_PROGRESS,
               VERIFIERS, Scope.AREA, needs_reason=True, public=False),
    Transition("close", _("Close (结案)"), (S.VERIFIED,), S.CLOSED, DISPATCHERS, Scope.AREA),
    Transition("close_on_spot", _("Handle on the spot (能办即办)"), (S.NEW,), S.CLOSED,
               frozenset({Role.GRID_WORKER, Role.GRID_LEADER}), Scope.AREA, needs_answer=True, needs_evidence=True),
    Transition("report_up", _("Report up (上报)"), (S.NEW, S.RETURNED, S.ACCEPTED, S.IN_PROGRESS), S.NEW,
               FIELD | {Role.STREET_DISPATCHER}, Scope.AREA, needs_reason=True, public=False),
    Transition("request_extension", _("Ask for an extension (延期申请)"), (S.ACCEPTED, S.IN_PROGRESS), None,
               HANDLERS, Scope.UNIT, needs_reason=True, needs_days=True, public=False),
    Transition("approve_extension", _("Approve the extension"), (S.ACCEPTED, S.IN_PROGRESS), None,
               DISPATCHERS, Scope.AREA),
    Transition("deny_extension", _("Deny the extension"), (S.ACCEPTED, S.IN_PROGRESS), None,
               DISPATCHERS, Scope.AREA, needs_reason=True, public=False),
    Transition("suspend", _("Suspend as long-term (挂账)"), (S.ACCEPTED, S.IN_PROGRESS), S.SUSPENDED,
               SUPERVISORS, Scope.AREA, needs_reason=True),
    Transition("resume", _("Resume"), (S.SUSPENDED,), S.IN_PROGRESS, SUPERVISORS, Scope.AREA),
    Transition("reopen", _("Reopen (重办)"), (S.CLOSED,), S.DISPATCHED,
               DISPATCHERS | {Role.HOTLINE_OPERATOR}, Scope.AREA, needs_reason=True, system_allowed=True),
    Transition("merge", _("Merge into another order"), (S.NEW, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED),
               S.MERGED, DISPATCHERS | {Role.HOTLINE_OPERATOR}, Scope.AREA, needs_target_order=True),
    Transition("reject", _("Do not accept (不予受理)"), (S.NEW, S.RETURNED), S.REJECTED,
               DISPATCHERS | {Role.HOTLINE_OPERATOR}, Scope.AREA, needs_reason=True),
    Transition("withdraw", _("Withdraw (撤回)"),
               (S.NEW, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED, S.SUSPENDED), S.WITHDRAWN,
               frozenset({Role.RESIDENT}), Scope.REPORTER),
]}


def moves_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources]
