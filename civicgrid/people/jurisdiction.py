"""Jurisdiction: what a user may see, computed once from their memberships.

Every selector that reads staff data filters through a :class:`Jurisdiction`; nothing else in the
code base decides visibility. Rules:

- administrators (superusers or the ``admin`` role) see everything;
- area roles (grid worker … district command center) see the subtree of each area they hold a
  role in;
- department handlers see what was sent to their unit (``unit_ids``), and no household data;
- hotline operators see the address book of their district but no household data;
- residents, party members and volunteers see only their own records and public data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q

from .models import AREA_ROLES, CITIZEN_ROLES, STAFF_ROLES, UNIT_ROLES, Membership, Role

# Area roles that may read household registers (personal data) in their subtree.
HOUSEHOLD_ROLES = {
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.COMMUNITY_STAFF,
    Role.COMMUNITY_SECRETARY,
    Role.STREET_DISPATCHER,
    Role.DISTRICT_COMMANDER,
}


@dataclass(frozen=True)
class Jurisdiction:
    user_id: int | None
    is_global: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    area_paths: tuple[str, ...] = ()
    household_paths: tuple[str, ...] = ()
    unit_ids: tuple[int, ...] = ()
    # (role, area path) for every area membership: some moves need a given role *at* the place.
    role_paths: tuple[tuple[str, str], ...] = ()

    @property
    def is_staff(self) -> bool:
        return self.is_global or bool(self.roles & {str(r) for r in STAFF_ROLES})

    @property
    def is_citizen_only(self) -> bool:
        return not self.is_staff

    def has_role(self, *roles: str) -> bool:
        return self.is_global or bool(self.roles & {str(r) for r in roles})

    # --- area subtree filters ------------------------------------------------------------------
    @staticmethod
    def _prefix_q(paths: tuple[str, ...], field_name: str) -> Q:
        if not paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{field_name}__startswith": p}) for p in paths))

    def area_q(self, field_name: str = "area_path") -> Q:
        """Rows whose ``field_name`` path lies inside the user's area subtrees."""
        return Q() if self.is_global else self._prefix_q(self.area_paths, field_name)

    def household_q(self, field_name: str = "area_path") -> Q:
        return Q() if self.is_global else self._prefix_q(self.household_paths, field_name)

    def covers_path(self, path: str) -> bool:
        return self.is_global or any(path.startswith(p) for p in self.area_paths)

    def covers_household_path(self, path: str) -> bool:
        return self.is_global or any(path.startswith(p) for p in self.household_paths)

    def covers_with_role(self, path: str, roles) -> bool:
        """True when the user holds one of ``roles`` on an area containing ``path``."""
        if self.is_global:
            return True
        wanted = {str(r) for r in roles}
        return any(role in wanted and path.startswith(p) for role, p in self.role_paths)

    def unit_q(self, field_name: str = "unit") -> Q:
        if self.is_global:
            return Q()
        if not self.unit_ids:
            return Q(pk__in=[])
        return Q(**{f"{field_name}__in": self.unit_ids})


ANONYMOUS = Jurisdiction(user_id=None)
_CACHE_ATTR = "_civicgrid_jurisdiction"


def _minimal_paths(paths: set[str]) -> tuple[str, ...]:
    """Drop paths that lie inside another one (a street dispatcher who is also a grid worker)."""
    ordered = sorted(paths, key=len)
    kept: list[str] = []
    for p in ordered:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return tuple(sorted(kept))


def jurisdiction_for(user) -> Jurisdiction:
    """The user's jurisdiction, computed once per request (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).select_related("area").only(
            "role", "unit_id", "area__path"
        )
    )
    roles = frozenset(m.role for m in memberships)
    is_global = bool(user.is_superuser or Role.ADMIN in roles)
    area_paths: set[str] = set()
    household_paths: set[str] = set()
    unit_ids: set[int] = set()
    role_paths: set[tuple[str, str]] = set()
    for m in memberships:
        if m.area is not None:
            role_paths.add((m.role, m.area.path))
        if m.role in AREA_ROLES and m.area is not None:
            area_paths.add(m.area.path)
            if m.role in HOUSEHOLD_ROLES:
                household_paths.add(m.area.path)
        if m.role in UNIT_ROLES and m.unit_id is not None:
            unit_ids.add(m.unit_id)
    jurisdiction = Jurisdiction(
        user_id=user.pk,
        is_global=is_global,
        roles=roles,
        area_paths=_minimal_paths(area_paths),
        household_paths=_minimal_paths(household_paths),
        unit_ids=tuple(sorted(unit_ids)),
        role_paths=tuple(sorted(role_paths)),
    )
    setattr(user, _CACHE_ATTR, jurisdiction)
    return jurisdiction


def forget_jurisdiction(user) -> None:
    """Call after a membership of ``user`` changed within the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


__all__ = ["Jurisdiction", "jurisdiction_for", "forget_jurisdiction", "HOUSEHOLD_ROLES", "CITIZEN_ROLES"]
