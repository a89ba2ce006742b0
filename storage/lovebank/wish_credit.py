"""Fulfilled wishes earn points: the claimant's, or shared by the claimant's team (帮帮团).

A group claim gets a team with a join code; members who send the code join it while the wish is
claimed. When the wish is confirmed, `credit_fulfilled_wish` runs in the transaction that moved
it to fulfilled (storage.wishes.use_cases.confirm), so the credit and the confirmation commit
together, or not at all. Each member's entry is keyed wish:ID:pPERSON, a second line of defence
behind the confirmation's own guarded transition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.lovebank.codes import normalise, unique_code
from storage.lovebank.ledger import WISH, NewEntry, Recorder, post
from storage.models.lovebank import LedgerEntry, WishTeam, WishTeamMember
from storage.models.wishes import Wish, WishEvent

CLAIMED = "claimed"  # storage.wishes.use_cases.CLAIMED (that module calls this one)
MAX_TEAM = 30


def shares(points: int, people: int) -> list[int]:
    """Split POINTS among PEOPLE as evenly as whole points allow, the remainder to the first ones (the claimant first)."""
    if people <= 0:
        return []
    base, extra = divmod(points, people)
    return [base + (1 if index < extra else 0) for index in range(people)]


async def _claim_event_id(session: AsyncSession, wish_id: int) -> int | None:
    """Return the id of the wish's latest claim event (the claim now in force)."""
    found = await session.scalar(select(func.max(WishEvent.id)).where(WishEvent.wish_id == wish_id, WishEvent.action == "claim"))
    return int(found) if found is not None else None


async def team_of(session: AsyncSession, wish: Wish) -> WishTeam | None:
    """Return the team of the wish's current claim, if it was a group claim."""
    event_id = await _claim_event_id(session, wish.id)
    if event_id is None:
        return None
    return (await session.scalars(select(WishTeam).where(WishTeam.claim_event_id == event_id))).first()


async def members_of(session: AsyncSession, team: WishTeam) -> list[int]:
    """Return a team's people: the claimant first, then the members in the order they joined."""
    query = select(WishTeamMember.person_id).where(WishTeamMember.team_id == team.id).order_by(WishTeamMember.id)
    return [team.claimant_person_id, *(await session.scalars(query)).all()]


async def open_team(session: AsyncSession, wish: Wish, claim_event_id: int, now: datetime) -> WishTeam:
    """Open the team of a group claim, with its join code."""
    assert wish.claimant_person_id is not None
    team = WishTeam(
        wish_id=wish.id,
        claim_event_id=claim_event_id,
        claimant_person_id=wish.claimant_person_id,
        code=await unique_code(session, WishTeam.code),
        created_at=now,
    )
    session.add(team)
    await session.flush()
    return team


@dataclass(frozen=True)
class Joined:
    """How joining went: joined, already, full, unknown (no such code), claimant, closed (the claim is over)."""

    outcome: str
    team: WishTeam | None = None
    wish: Wish | None = None


async def join_team(session: AsyncSession, typed: str, person_id: int, now: datetime) -> Joined:
    """Join the team a code names, while its claim is still open."""
    team = (await session.scalars(select(WishTeam).where(WishTeam.code == normalise(typed)))).first()
    if team is None:
        return Joined("unknown")
    wish = await session.get(Wish, team.wish_id, populate_existing=True)
    if wish is None or wish.status != CLAIMED or await _claim_event_id(session, wish.id) != team.claim_event_id:
        return Joined("closed", team, wish)
    if person_id == team.claimant_person_id:
        return Joined("claimant", team, wish)
    members = await members_of(session, team)
    if person_id in members:
        return Joined("already", team, wish)
    if len(members) >= MAX_TEAM:
        return Joined("full", team, wish)
    session.add(WishTeamMember(team_id=team.id, person_id=person_id, joined_at=now))
    await session.flush()
    return Joined("joined", team, wish)


async def credit_fulfilled_wish(session: AsyncSession, wish: Wish, points: int, recorder: Recorder, now: datetime) -> Sequence[LedgerEntry]:
    """Credit a fulfilled wish's points to its claimant, or share them among the claimant's team."""
    if points <= 0 or wish.claimant_person_id is None:
        return []
    team = await team_of(session, wish)
    people = await members_of(session, team) if team is not None else [wish.claimant_person_id]
    entries = []
    for person_id, share in zip(people, shares(points, len(people)), strict=True):
        if share <= 0:
            continue
        note = f"{share}/{points}" if len(people) > 1 else None
        entry = await post(session, NewEntry(person_id, share, WISH, wish.id, note, wish.community_id, f"wish:{wish.id}:p{person_id}"), recorder, now)
        if entry is not None:
            entries.append(entry)
    return entries
