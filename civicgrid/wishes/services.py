"""Writes of micro-wishes and hard problems. ``move_wish`` and ``move_problem`` are the only code
that changes a state.

Every write: validate, one transaction, lock the row (``select_for_update``) where a state
changes, refuse any move not in the transitions table or not allowed to the actor, save only the
changed columns, append an audit row (``record_event``), and notify after commit. A refusal
writes nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import ratelimit
from civicgrid.core.language import platform_language
from civicgrid.core.services import record_event
from civicgrid.geo.models import Household, HouseholdTag
from civicgrid.notifications.services import notify_users
from civicgrid.people.models import Membership, PartyBranch, User
from civicgrid.workorders.attachments import prepare_photos

from . import rules
from .models import HardProblem, ProblemNote, ProblemSource, VolunteerTeam, Wish, WishPhoto, WishState
from .transitions import CLAIMER_ROLES, PROBLEM_MOVES, WISH_MOVES, Move

MAX_TITLE = 60
MAX_TEXT = 1000
MAX_REASON = 500
# Three wishes per household per thirty days unless CIVICGRID_RATE_LIMITS says otherwise.
POST_ACTION = "wishes.post"
POST_LIMIT = (3, 30 * 24 * 3600)
# A grid worker posting for the households of their grid: a flood guard, not a quota.
BEHALF_ACTION = "wishes.post_on_behalf"
BEHALF_LIMIT = (30, 24 * 3600)


class WishError(ValidationError):
    http_status = 400


class IllegalMove(WishError):
    http_status = 409

    def __init__(self, message):
        super().__init__(message, code="illegal_transition")


class MoveForbidden(WishError):
    http_status = 403

    def __init__(self, message):
        super().__init__(message, code="forbidden")


class VersionConflict(WishError):
    http_status = 409

    def __init__(self, message):
        super().__init__(message, code="conflict")


# --- posting --------------------------------------------------------------------------------------
def _clean_wish_fields(title: str, description: str, deadline, now: datetime) -> tuple[str, str, date | None]:
    errors: dict[str, list[ValidationError]] = {}
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        errors["title"] = [ValidationError(_("Say in a few words what you wish for."), code="required")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [ValidationError(_("At most %(max)d characters.") % {"max": MAX_TITLE}, code="max_length")]
    if len(description) > MAX_TEXT:
        errors["description"] = [ValidationError(_("At most %(max)d characters.") % {"max": MAX_TEXT},
                                                 code="max_length")]
    if deadline is not None:
        if isinstance(deadline, datetime):
            deadline = timezone.localtime(deadline).date()
        if deadline < timezone.localtime(now).date():
            errors["deadline"] = [_("The date lies in the past.")]
    if errors:
        raise WishError(errors)
    return title, description, deadline


def _enforce_household_limit(household: Household, now: datetime) -> None:
    """At most N wishes per household in the window (the same configuration key as the actor's
    limit, ``wishes.post``), whoever posts them."""
    count, seconds = ratelimit.limit_for(POST_ACTION, POST_LIMIT)
    if count <= 0 or seconds <= 0:
        return
    used = Wish.objects.filter(household=household, created_at__gte=now - timedelta(seconds=seconds)).count()
    if used >= count:
        raise ratelimit.RateLimited(
            _("This household has posted %(count)d wishes in the last %(days)d days; please wait before posting "
              "another.") % {"count": used, "days": max(1, seconds // 86400)}, code="rate_limited")


def _create_wish(*, actor, household: Household, title, description, deadline, on_behalf: bool, action: str,
                 now: datetime) -> Wish:
    wish = Wish.objects.create(
        household=household, grid=household.building.grid, area_path=household.area_path, title=title,
        description=description, deadline=deadline, posted_by=actor, on_behalf=on_behalf,
        care_tags=sorted(set(household.tags or []) & set(rules.on_behalf_tags())) if on_behalf else [],
    )
    record_event(actor=actor, action=action, obj=wish, changes={
        "household": household.pk, "grid": household.building.grid.code, "on_behalf": on_behalf,
        "state": wish.state, "deadline": deadline.isoformat() if deadline else None})
    return wish


def household_of(user) -> Household | None:
    """A resident account's household (one household per account)."""
    return Household.objects.select_related("building__grid").filter(residents=user).order_by("pk").first()


def post_wish(*, actor, title: str, description: str = "", deadline=None, now: datetime | None = None) -> Wish:
    """A resident posts a wish for their own household; it waits for the community's review."""
    now = now or timezone.now()
    title, description, deadline = _clean_wish_fields(title, description, deadline, now)
    household = household_of(actor) if getattr(actor, "is_authenticated", False) else None
    if household is None:
        raise MoveForbidden(_("Your account is not linked to a household; ask your grid worker to link it or to "
                              "post the wish for you."))
    ratelimit.enforce(actor, POST_ACTION, default=POST_LIMIT, now=now)
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()  # one post per household at a time
        _enforce_household_limit(household, now)
        return _create_wish(actor=actor, household=household, title=title, description=description,
                            deadline=deadline, on_behalf=False, action=POST_ACTION, now=now)


def post_wish_on_behalf(*, actor, household: Household | int, title: str, description: str = "", deadline=None,
                        now: datetime | None = None) -> Wish:
    """A grid worker posts for an elderly, disabled or low-income household of their grid; the
    household must carry a matching care tag. The wish records who posted it for whom."""
    now = now or timezone.now()
    title, description, deadline = _clean_wish_fields(title, description, deadline, now)
    pk = household.pk if isinstance(household, Household) else household
    household = Household.objects.select_related("building__grid").filter(pk=pk).first()
    if household is None or not rules.is_grid_worker_for(actor, household.area_path):
        raise MoveForbidden(_("You are not a grid worker of this household's grid."))
    tags = set(household.tags or []) & set(rules.on_behalf_tags())
    if not tags:
        labels = "、".join(str(HouseholdTag(t).label) for t in rules.on_behalf_tags() if t in HouseholdTag.values)
        raise WishError({"household": [ValidationError(
            _("A grid worker may post only for a household with one of these care tags: %(tags)s.")
            % {"tags": labels}, code="no_care_tag")]})
    ratelimit.enforce(actor, BEHALF_ACTION, default=BEHALF_LIMIT, now=now)
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        _enforce_household_limit(household, now)
        return _create_wish(actor=actor, household=household, title=title, description=description,
                            deadline=deadline, on_behalf=True, action=BEHALF_ACTION, now=now)


# --- moves of a wish ------------------------------------------------------------------------------
def _reason(move: Move, reason: str) -> str:
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise WishError({"reason": [_("Give a reason.")]}, code="required")
    if len(reason) > MAX_REASON:
        raise WishError({"reason": [_("At most %(max)d characters.") % {"max": MAX_REASON}]})
    return reason


def _team_for(actor, wish: Wish, team) -> VolunteerTeam | None:
    teams = rules.claim_teams(actor)
    if team is not None:
        pk = team.pk if isinstance(team, VolunteerTeam) else team
        chosen = next((t for t in teams if t.pk == pk), None)
        if chosen is None:
            raise WishError({"team": [_("You are not a member of this volunteer team.")]})
        return chosen
    return rules.default_claim_team(teams, wish)


def branch_of_claimer(actor) -> PartyBranch | None:
    """The party organisation credited with a claim (ADR 014): the branch of the grid where the
    claimer is registered as party member or volunteer, else the branch of their household's grid."""
    grid_ids = list(Membership.objects.filter(user=actor, is_active=True, role__in=list(CLAIMER_ROLES),
                                              area__kind="grid")
                    .order_by("area__path").values_list("area_id", flat=True))
    home = household_of(actor)
    if home is not None:
        grid_ids.append(home.building.grid_id)
    branches = {b.grid_id: b for b in PartyBranch.objects.filter(grid_id__in=grid_ids)}
    return next((branches[g] for g in grid_ids if g in branches), None)


def _owners(wish: Wish) -> list[User]:
    return [wish.posted_by, *wish.household.residents.filter(is_active=True).order_by("pk")]


def _link(wish: Wish) -> str:
    return f"/wishes/{wish.pk}/"


def move_wish(wish: Wish | int, action: str, actor, *, reason: str = "", note: str = "", photos=(), team=None,
              expected_version: int | None = None, now: datetime | None = None) -> Wish:
    """Apply one move of the wish transitions table, under a row lock, audited."""
    move = WISH_MOVES.get(action)
    if move is None:
        raise IllegalMove(_("Unknown move %(action)r.") % {"action": action})
    now = now or timezone.now()
    reason = _reason(move, reason)
    note = (note or "").strip()
    prepared = []
    if move.needs_note:
        if not note:
            raise WishError({"note": [_("Write what was done.")]}, code="required")
        if len(note) > MAX_TEXT:
            raise WishError({"note": [_("At most %(max)d characters.") % {"max": MAX_TEXT}]})
    if move.needs_photo:
        if not photos:
            raise WishError({"photos": [_("Add at least one photo of the result.")]}, code="required")
        prepared = prepare_photos(photos)
    pk = wish.pk if isinstance(wish, Wish) else wish
    notify: list[tuple[list, dict]] = []
    with transaction.atomic():
        locked = Wish.objects.select_for_update().select_related("household__building", "grid").filter(pk=pk).first()
        if locked is None:
            raise WishError(_("No such wish."), code="not_found")
        if expected_version is not None and locked.version != expected_version:
            raise VersionConflict(_("The wish was changed by someone else meanwhile; reload it."))
        if locked.state not in move.sources:
            raise IllegalMove(_("“%(move)s” is not possible while the wish is “%(state)s”.")
                              % {"move": move.label, "state": locked.get_state_display()})
        if not rules.can_make_wish_move(actor, locked, move):
            raise MoveForbidden(_("You may not “%(move)s” this wish.") % {"move": move.label})
        before = locked.state
        changed = ["state", "version", "updated_at"]
        details: dict = {}
        if action in ("approve", "reject"):
            locked.reviewed_by, locked.reviewed_at = actor, now
            changed += ["reviewed_by", "reviewed_at"]
            with platform_language():
                notify.append(([locked.posted_by], {"event": f"wish.{action}", "title": (
                    _("Your wish “%(title)s” is on the wish wall.") if action == "approve"
                    else _("Your wish “%(title)s” was not approved.")) % {"title": locked.title}, "body": reason}))
        elif action == "claim":
            User.objects.select_for_update().filter(pk=actor.pk).first()  # serialise one claimer's claims
            held = Wish.objects.filter(claimer=actor, state=WishState.CLAIMED).count()
            if held >= rules.max_open_claims():
                raise WishError(_("You already hold %(n)d claimed wishes, the most at a time; fulfil or release "
                                  "one first.") % {"n": held}, code="too_many_claims")
            locked.claimer, locked.claimed_at = actor, now
            locked.claimer_team = _team_for(actor, locked, team)
            locked.claimer_branch = branch_of_claimer(actor)
            changed += ["claimer", "claimed_at", "claimer_team", "claimer_branch"]
            details = {"claimer": actor.pk, "team": locked.claimer_team_id, "branch": locked.claimer_branch_id}
            with platform_language():
                notify.append((_owners(locked), {"event": "wish.claimed", "title": _(
                    "Your wish “%(title)s” was claimed.") % {"title": locked.title}}))
        elif action in ("release", "cancel"):
            details = {"claimer": locked.claimer_id}
            if action == "cancel" and locked.claimer_id:
                with platform_language():
                    notify.append(([locked.claimer], {"event": "wish.cancelled", "title": _(
                        "The wish “%(title)s” you claimed was cancelled.") % {"title": locked.title}, "body": reason}))
            locked.claimer = locked.claimer_team = locked.claimer_branch = locked.claimed_at = None
            changed += ["claimer", "claimer_team", "claimer_branch", "claimed_at"]
        elif action == "fulfil":
            locked.proof_note, locked.fulfilled_at = note, now
            changed += ["proof_note", "fulfilled_at"]
            stored = _store_photos(locked, prepared, actor)
            details = {"photos": [p.pk for p in stored]}
            with platform_language():
                notify.append((_owners(locked), {"event": "wish.fulfilled", "title": _(
                    "Your wish “%(title)s” was fulfilled: please confirm.") % {"title": locked.title}, "body": note}))
        elif action == "confirm":
            locked.confirmed_at = now
            changed += ["confirmed_at"]
            with platform_language():
                notify.append(([locked.claimer], {"event": "wish.confirmed", "title": _(
                    "The household confirmed the wish “%(title)s”. Thank you!") % {"title": locked.title}}))
        elif action == "dispute":
            locked.fulfilled_at = None
            changed += ["fulfilled_at"]
            with platform_language():
                notify.append(([locked.claimer], {"event": "wish.disputed", "title": _(
                    "The household says the wish “%(title)s” is not fulfilled yet.") % {"title": locked.title},
                    "body": reason}))
        if reason:
            locked.last_reason = reason
            changed.append("last_reason")
        locked.state = move.target
        locked.version += 1
        locked.save(update_fields=changed)
        record_event(actor=actor, action=f"wishes.{action}", obj=locked, reason=reason,
                     changes={"state": [before, locked.state], **details})
        link = _link(locked)
        for users, message in notify:
            transaction.on_commit(lambda users=users, message=message: notify_users(users, link=link, **message))
    return locked


def _store_photos(wish: Wish, prepared, actor) -> list[WishPhoto]:
    stored = []
    for photo in prepared:
        row = WishPhoto(wish=wish, content_type=photo.content_type, size=photo.size, uploaded_by=actor)
        row.file.save(f"{uuid.uuid4().hex}.{photo.extension}", ContentFile(photo.content), save=False)
        row.save()
        stored.append(row)
    return stored


# --- hard problems --------------------------------------------------------------------------------
def is_candidate_order(order) -> bool:
    """A work order belongs on the problem list when it stalls (overdue, suspended), was escalated
    (督办) or was reopened, and is still open."""
    from civicgrid.workorders.models import OPEN_STATUSES, Status

    return order.status in OPEN_STATUSES and (
        order.is_overdue or bool(order.supervision_level) or order.reopen_count > 0
        or order.status == Status.SUSPENDED)


def candidate_orders_q() -> Q:
    from civicgrid.workorders.models import OPEN_STATUSES, Status

    return Q(status__in=OPEN_STATUSES) & (Q(is_overdue=True) | ~Q(supervision_level="") | Q(reopen_count__gt=0)
                                          | Q(status=Status.SUSPENDED))


def create_hard_problem(*, actor, order=None, task=None, title: str = "", description: str = "",
                        now: datetime | None = None) -> HardProblem:
    """Staff put a problem from the problem list on the board for secretaries: from a stalled,
    escalated or reopened work order, or from a proactive task. One hard problem per source."""
    if (order is None) == (task is None):
        raise WishError(_("Choose one source: a work order or a proactive task."), code="invalid")
    if task is not None:
        source, area, path = ProblemSource.PROACTIVE, task.area, task.area_path
        default_title, default_text = task.title, task.order.description
    else:
        source, area, path = ProblemSource.ORDER, order.area, order.area_path
        default_title, default_text = order.title, order.description
        if not is_candidate_order(order):
            raise WishError({"order": [_("Order %(number)s is not stalled, escalated or reopened.")
                                       % {"number": order.number}]}, code="not_a_candidate")
    if not rules.is_staff_for(actor, path):
        raise MoveForbidden(_("The source lies outside your jurisdiction."))
    title = (title or "").strip() or default_title
    description = (description or "").strip() or default_text
    errors = {}
    if len(title) > 200:
        errors["title"] = [_("At most %(max)d characters.") % {"max": 200}]
    if len(description) > 4000:
        errors["description"] = [_("At most %(max)d characters.") % {"max": 4000}]
    if errors:
        raise WishError(errors)
    try:
        with transaction.atomic():
            problem = HardProblem.objects.create(
                title=title, description=description, area=area, area_path=path, source=source,
                source_order=order, source_task=task, created_by=actor)
            record_event(actor=actor, action="wishes.problem.create", obj=problem, changes={
                "source": source, "order": order.number if order else None, "task": task.pk if task else None})
    except IntegrityError:
        raise WishError(_("This source is already on the hard-problem list."), code="duplicate") from None
    return problem


def _branch_of_secretary(actor, problem: HardProblem) -> PartyBranch | None:
    led = list(PartyBranch.objects.filter(secretary=actor).select_related("grid").order_by("grid__path"))
    near = [b for b in led if problem.area_path.startswith(b.grid.path)]
    return (near or led or [None])[0]


def move_problem(problem: HardProblem | int, action: str, actor, *, reason: str = "", note: str = "",
                 progress=None, expected_version: int | None = None, now: datetime | None = None) -> HardProblem:
    """Apply one move of the hard-problem transitions table, under a row lock, audited."""
    move = PROBLEM_MOVES.get(action)
    if move is None:
        raise IllegalMove(_("Unknown move %(action)r.") % {"action": action})
    now = now or timezone.now()
    reason = _reason(move, reason)
    note = (note or "").strip()
    if move.needs_note and not note:
        raise WishError({"note": [_("Write a note.")]}, code="required")
    if len(note) > MAX_TEXT * 4:
        raise WishError({"note": [_("At most %(max)d characters.") % {"max": MAX_TEXT * 4}]})
    if move.needs_progress:
        try:
            progress = int(progress)
        except (TypeError, ValueError):
            raise WishError({"progress": [_("Give the progress as a whole number from 0 to 100.")]}) from None
        if not 0 <= progress <= 100:
            raise WishError({"progress": [_("Give the progress as a whole number from 0 to 100.")]})
    pk = problem.pk if isinstance(problem, HardProblem) else problem
    with transaction.atomic():
        locked = HardProblem.objects.select_for_update().filter(pk=pk).first()
        if locked is None:
            raise WishError(_("No such hard problem."), code="not_found")
        if expected_version is not None and locked.version != expected_version:
            raise VersionConflict(_("The problem was changed by someone else meanwhile; reload it."))
        if locked.state not in move.sources:
            raise IllegalMove(_("“%(move)s” is not possible while the problem is “%(state)s”.")
                              % {"move": move.label, "state": locked.get_state_display()})
        if not rules.can_make_problem_move(actor, locked, move):
            raise MoveForbidden(_("You may not “%(move)s” this problem.") % {"move": move.label})
        before = locked.state
        changed = ["state", "version", "updated_at"]
        notify = None
        if action == "claim":
            locked.secretary, locked.claimed_at = actor, now
            locked.branch = _branch_of_secretary(actor, locked)
            changed += ["secretary", "claimed_at", "branch"]
            with platform_language():
                notify = ([locked.created_by], _("Secretary %(name)s took on the hard problem “%(title)s”.")
                          % {"name": actor.display_name, "title": locked.title})
        elif action == "release":
            locked.secretary = locked.branch = locked.claimed_at = None
            locked.progress = 0
            changed += ["secretary", "branch", "claimed_at", "progress"]
        elif action == "progress":
            locked.progress = progress
            changed.append("progress")
        elif action == "solve":
            locked.solution, locked.solved_at, locked.progress = note, now, 100
            changed += ["solution", "solved_at", "progress"]
            with platform_language():
                notify = ([locked.created_by], _("The hard problem “%(title)s” is reported solved: please confirm.")
                          % {"title": locked.title})
        elif action == "confirm":
            locked.confirmed_by, locked.confirmed_at = actor, now
            changed += ["confirmed_by", "confirmed_at"]
            with platform_language():
                notify = ([locked.secretary], _("The solution of “%(title)s” was confirmed.") % {"title": locked.title})
        elif action == "reopen":
            locked.solved_at = None
            changed.append("solved_at")
            with platform_language():
                notify = ([locked.secretary], _("The solution of “%(title)s” was not accepted.") % {"title": locked.title})
        locked.state = move.target
        locked.version += 1
        locked.save(update_fields=changed)
        ProblemNote.objects.create(problem=locked, author=actor, action=action, text=note or reason,
                                   progress=progress if move.needs_progress else None)
        record_event(actor=actor, action=f"wishes.problem.{action}", obj=locked, reason=reason,
                     changes={"state": [before, locked.state],
                              **({"progress": progress} if move.needs_progress else {})})
        if notify:
            users, title = notify
            link = f"/wishes/problems/{locked.pk}/"
            transaction.on_commit(lambda: notify_users(users, event=f"hard_problem.{action}", title=title,
                                                       body=note or reason, link=link))
    return locked


# --- volunteer teams ------------------------------------------------------------------------------
def create_team(*, actor, name: str, area, members=()) -> VolunteerTeam:
    """Community staff register a volunteer team of their area."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise WishError({"name": [_("Give the team a name of at most 100 characters.")]})
    if not rules.is_staff_for(actor, area.path):
        raise MoveForbidden(_("The area lies outside your jurisdiction."))
    try:
        with transaction.atomic():
            team = VolunteerTeam.objects.create(name=name, area=area, area_path=area.path)
            team.members.set(list(members))
            record_event(actor=actor, action="wishes.team.create", obj=team,
                         changes={"area": area.code, "members": sorted(m.pk for m in members)})
    except IntegrityError:
        raise WishError({"name": [_("A team of that name already exists here.")]}, code="duplicate") from None
    return team
