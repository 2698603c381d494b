"""When a key-group household (关爱对象) must next be visited: pure functions, no queries.

A ``CarePolicy`` gives each care tag an interval under an area. For a household, each of its tags
takes the most specific active policy of an area holding it (a community's own rule beats its
district's); the household's next visit is due at the earliest date those policies give:

    due = local date of the last household visit + interval
        = the policy's ``starts_on`` + interval, when the household was never visited.

A household is overdue on the days after its due date (due today is not overdue yet); the overdue
spell is named by the due date it missed, which only a new visit moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from .models import CarePeriod, CarePolicy
from .periods import add_days, add_months


def add_interval(day: date, policy: CarePolicy) -> date:
    if policy.period == CarePeriod.WEEKLY:
        return add_days(day, 7)
    if policy.period == CarePeriod.MONTHLY:
        return add_months(day, 1)
    return add_days(day, int(policy.days or 0))


class PolicyBook:
    """The active policies, answering "which policy applies to tag T at path P" (most specific)."""

    def __init__(self, policies: Iterable[CarePolicy]):
        self.by_tag: dict[str, list[CarePolicy]] = {}
        for p in policies:
            if p.is_active:
                self.by_tag.setdefault(p.tag, []).append(p)
        for rows in self.by_tag.values():
            rows.sort(key=lambda p: len(p.area_path), reverse=True)

    @property
    def tags(self) -> set[str]:
        return set(self.by_tag)

    def for_tag(self, tag: str, path: str) -> CarePolicy | None:
        return next((p for p in self.by_tag.get(tag, ()) if path.startswith(p.area_path)), None)


@dataclass(frozen=True)
class CareDue:
    household_id: int
    area_path: str
    tags: tuple[str, ...]          # the household's tags that have a policy here
    last_visit: datetime | None
    due_on: date
    policy: CarePolicy             # the one giving the earliest date

    def days_overdue(self, today: date) -> int:
        return max((today - self.due_on).days, 0)

    def is_overdue(self, today: date) -> bool:
        return today > self.due_on


def due_of(*, household_id: int, area_path: str, tags: Iterable[str], last_visit: datetime | None,
           book: PolicyBook) -> CareDue | None:
    """The household's next due date, or None when none of its tags has a policy here."""
    best: tuple[date, CarePolicy] | None = None
    covered = []
    last_day = timezone.localdate(last_visit) if last_visit is not None else None
    for tag in tags:
        policy = book.for_tag(tag, area_path)
        if policy is None:
            continue
        covered.append(tag)
        due = add_interval(last_day if last_day is not None else policy.starts_on, policy)
        if best is None or due < best[0]:
            best = (due, policy)
    if best is None:
        return None
    return CareDue(household_id=household_id, area_path=area_path, tags=tuple(covered), last_visit=last_visit,
                   due_on=best[0], policy=best[1])
