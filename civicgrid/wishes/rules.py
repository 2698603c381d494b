"""Who may do what with wishes and hard problems: pure reads shared by the services (which
enforce them), the selectors and the pages (which offer exactly the allowed moves)."""

from __future__ import annotations

from django.conf import settings

from civicgrid.geo.models import PATH_SEPARATOR
from civicgrid.people.jurisdiction import jurisdiction_for
from civicgrid.people.models import Membership, PartyBranch, Role

from .models import HardProblem, VolunteerTeam, Wish
from .transitions import CLAIMER_ROLES, GRID_ROLES, PROBLEM_MOVES, STAFF_ROLES, WISH_MOVES, Move, Scope

# The household care tags that let a grid worker post a wish for the household.
DEFAULT_ON_BEHALF_TAGS = ("elderly_alone", "disabled", "low_income")


def on_behalf_tags() -> tuple[str, ...]:
    return tuple(getattr(settings, "WISHES_ON_BEHALF_TAGS", DEFAULT_ON_BEHALF_TAGS))


def max_open_claims() -> int:
    """K: how many wishes one claimer may hold in the state ``claimed`` at once."""
    return int(getattr(settings, "WISHES_MAX_OPEN_CLAIMS", 3))


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_staff_for(user, area_path: str) -> bool:
    return _authenticated(user) and jurisdiction_for(user).covers_with_role(area_path, STAFF_ROLES)


def is_grid_worker_for(user, area_path: str) -> bool:
    return _authenticated(user) and jurisdiction_for(user).covers_with_role(area_path, GRID_ROLES)


def may_claim_wishes(user) -> bool:
    """A party member (``User.is_party_member``) or a volunteer/party_member membership."""
    if not _authenticated(user):
        return False
    if user.is_party_member:
        return True
    return Membership.objects.filter(user=user, is_active=True, role__in=list(CLAIMER_ROLES)).exists()


def claim_teams(user) -> list[VolunteerTeam]:
    """The volunteer teams a claim of this user may be credited to: the active teams they belong to."""
    if not _authenticated(user):
        return []
    return list(VolunteerTeam.objects.filter(members=user, is_active=True).order_by("pk"))


def default_claim_team(teams: list[VolunteerTeam], wish: Wish) -> VolunteerTeam | None:
    """The team credited when the claimer names none (ADR 014): their team whose area covers the
    wish, else their first team."""
    near = [t for t in teams if wish.area_path.startswith(t.area_path)]
    return (near or teams or [None])[0]


def belongs_to_household(user, wish: Wish) -> bool:
    return _authenticated(user) and (
        wish.posted_by_id == user.pk or wish.household.residents.filter(pk=user.pk).exists())


def is_owner(user, wish: Wish) -> bool:
    """The household's side: its poster, a resident account of it, or (for a wish posted on
    behalf) a grid worker of its grid."""
    if not _authenticated(user):
        return False
    if belongs_to_household(user, wish):
        return True
    return wish.on_behalf and is_grid_worker_for(user, wish.area_path)


def street_prefix(path: str) -> str:
    """The street's path of any path at street level or below ('' above it)."""
    parts = [p for p in path.split(PATH_SEPARATOR) if p]
    return PATH_SEPARATOR.join(parts[:2]) + PATH_SEPARATOR if len(parts) >= 2 else ""


def secretary_paths(user) -> list[str]:
    """The areas a party secretary answers for: the community of each community_secretary role and
    the grid of each branch they lead."""
    if not _authenticated(user):
        return []
    paths = set(Membership.objects.filter(user=user, is_active=True, role=Role.COMMUNITY_SECRETARY,
                                          area__isnull=False).values_list("area__path", flat=True))
    paths |= set(PartyBranch.objects.filter(secretary=user).values_list("grid__path", flat=True))
    return sorted(paths)


def is_secretary(user) -> bool:
    return bool(secretary_paths(user))


def is_secretary_for(user, area_path: str) -> bool:
    """A secretary takes hard problems of their own street (村(社区)呼镇(街道)应: the street is the
    level that answers what a community cannot settle alone)."""
    street = street_prefix(area_path)
    return bool(street) and any(street_prefix(p) == street for p in secretary_paths(user))


def can_make_wish_move(user, wish: Wish, move: Move) -> bool:
    if move.scope == Scope.STAFF:
        return is_staff_for(user, wish.area_path)
    if move.scope == Scope.OWNER:
        return is_owner(user, wish)
    if move.scope == Scope.CLAIMER:
        return _authenticated(user) and wish.claimer_id == user.pk
    if move.scope == Scope.VOLUNTEER:
        return may_claim_wishes(user) and not belongs_to_household(user, wish)
    return False


def allowed_wish_moves(user, wish: Wish) -> list[Move]:
    return [m for m in WISH_MOVES.values() if wish.state in m.sources and can_make_wish_move(user, wish, m)]


def can_make_problem_move(user, problem: HardProblem, move: Move) -> bool:
    if move.scope == Scope.STAFF:
        # No one confirms their own solution: a community secretary holding the problem is staff too.
        return is_staff_for(user, problem.area_path) and problem.secretary_id != getattr(user, "pk", None)
    if move.scope == Scope.SECRETARY:
        return is_secretary_for(user, problem.area_path)
    if move.scope == Scope.HOLDER:
        return _authenticated(user) and problem.secretary_id == user.pk
    return False


def allowed_problem_moves(user, problem: HardProblem) -> list[Move]:
    return [m for m in PROBLEM_MOVES.values()
            if problem.state in m.sources and can_make_problem_move(user, problem, m)]
