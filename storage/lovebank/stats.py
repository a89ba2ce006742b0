"""The love bank's figures over a period, for the leaders' reports: points earned and redeemed, volunteer
hours, the most active volunteers of each community (only those who agreed to be named), and the
rewards not collected.

Earned points and hours count when they were credited or confirmed; redemptions follow those made
in the period as they stand now (collected, still waiting, or expired with the points returned).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.lovebank.activities import CONFIRMED
from storage.lovebank.ledger import EARNING_REASONS
from storage.lovebank.redemptions import EXPIRED, HANDED, ISSUED
from storage.models.lovebank import (
    Activity,
    ActivitySignup,
    LedgerEntry,
    LovebankAccount,
    Redemption,
)
from storage.models.people import Person


@dataclass(frozen=True)
class Volunteer:
    """A volunteer's period in one community: points earned and minutes served."""

    person_id: int
    name: str
    points: int
    minutes: int


@dataclass
class CommunityVolunteers:
    """A community's active volunteers: how many, and the most active of those who agreed to be named."""

    active: int = 0
    named: list[Volunteer] = field(default_factory=list)


@dataclass
class LovebankCounts:
    """The love bank over a period [start, end) for some communities (or all)."""

    earned: int = 0
    earners: int = 0
    minutes: int = 0
    redemptions: int = 0
    redeemed: int = 0  # points of the period's redemptions that were not returned
    collected: int = 0
    waiting: int = 0
    expired: int = 0
    communities: dict[int, CommunityVolunteers] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Tell whether nothing happened in the love bank."""
        return not (self.earned or self.minutes or self.redemptions)


def _within(column: Any, community_ids: Sequence[int] | None) -> ColumnElement[bool]:
    """Return the condition keeping some communities (None: every one)."""
    return true() if community_ids is None else column.in_(list(community_ids))


async def lovebank_counts(
    session: AsyncSession, start: datetime, end: datetime, community_ids: Sequence[int] | None = None, *, top: int = 3
) -> LovebankCounts:
    """Count the period's love bank figures, with up to TOP named volunteers per community."""
    counts = LovebankCounts()
    earned = (
        select(LedgerEntry.person_id, LedgerEntry.community_id, LedgerEntry.amount)
        .where(LedgerEntry.created_at >= start, LedgerEntry.created_at < end, LedgerEntry.reason.in_(EARNING_REASONS))
        .where(_within(LedgerEntry.community_id, community_ids))
    )
    points: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for person_id, community_id, amount in (await session.execute(earned)).all():
        counts.earned += int(amount)
        points[community_id][int(person_id)] += int(amount)
    counts.earners = len({p for people in points.values() for p in people})
    served = (
        select(ActivitySignup.person_id, Activity.community_id, ActivitySignup.minutes)
        .join(Activity, Activity.id == ActivitySignup.activity_id)
        .where(ActivitySignup.status == CONFIRMED, ActivitySignup.confirmed_at >= start, ActivitySignup.confirmed_at < end)
        .where(_within(Activity.community_id, community_ids))
    )
    minutes: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for person_id, community_id, served_minutes in (await session.execute(served)).all():
        counts.minutes += int(served_minutes or 0)
        minutes[community_id][int(person_id)] += int(served_minutes or 0)
    redeemed = (
        select(Redemption.status, Redemption.points)
        .where(Redemption.created_at >= start, Redemption.created_at < end)
        .where(_within(Redemption.community_id, community_ids))
    )
    for status, cost in (await session.execute(redeemed)).all():
        counts.redemptions += 1
        counts.redeemed += 0 if status == EXPIRED else int(cost)
        counts.collected += status == HANDED
        counts.waiting += status == ISSUED
        counts.expired += status == EXPIRED
    counts.communities = await _most_active(session, points, minutes, top)
    return counts


async def _most_active(
    session: AsyncSession, points: dict[int | None, dict[int, int]], minutes: dict[int | None, dict[int, int]], top: int
) -> dict[int, CommunityVolunteers]:
    """Rank each community's volunteers by points, then minutes, and name the first TOP who agreed to it."""
    people = {p for table in (points, minutes) for by_person in table.values() for p in by_person}
    if not people:
        return {}
    query = (
        select(Person.id, Person.name, LovebankAccount.show_name)
        .join(LovebankAccount, LovebankAccount.person_id == Person.id, isouter=True)
        .where(Person.id.in_(people))
    )
    known = {int(pid): (name, bool(show)) for pid, name, show in (await session.execute(query)).all()}
    found: dict[int, CommunityVolunteers] = {}
    for community_id in sorted({c for c in (*points, *minutes) if c is not None}):
        earned, served = points.get(community_id, {}), minutes.get(community_id, {})
        active = sorted(set(earned) | set(served), key=lambda p: (-earned.get(p, 0), -served.get(p, 0), p))
        named = [
            Volunteer(p, known[p][0], earned.get(p, 0), served.get(p, 0)) for p in active if p in known and known[p][1]
        ][:top]
        found[community_id] = CommunityVolunteers(active=len(active), named=named)
    return found
