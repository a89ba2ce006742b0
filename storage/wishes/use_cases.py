"""Micro-wish use cases on the database: post, review, claim, release, fulfil, confirm (crediting the love
bank in the same transaction); and the counts.

Every transition is one conditional UPDATE (`... WHERE id = :id AND status = :from`) whose row
count says whether this transaction won, plus an append-only event in `wish_events`. Two
concurrent claims cannot both succeed: on PostgreSQL the second UPDATE waits for the first's row
lock and then finds the status changed; SQLite runs one writer at a time.

    pending ─▶ published ─▶ claimed ─▶ done ─▶ fulfilled
       └▶ rejected  ▲           │
                    └─ release ─┘
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.lovebank.ledger import Recorder
from storage.lovebank.wish_credit import credit_fulfilled_wish
from storage.models.wishes import Wish, WishEvent

PENDING, REJECTED, PUBLISHED, CLAIMED, DONE, FULFILLED = "pending", "rejected", "published", "claimed", "done", "fulfilled"
STATUSES = (PENDING, REJECTED, PUBLISHED, CLAIMED, DONE, FULFILLED)
CATEGORIES = ("elderly", "disabled", "low_income", "left_behind_child", "other")
OPEN_CLAIM_STATUSES = (CLAIMED,)


@dataclass(frozen=True)
class NewWish:
    """What a poster gives: for whom, what, by when, how to reach them, and where."""

    category: str
    text: str
    wished_by: date
    contact: str
    community_id: int
    poster_person_id: int
    poster_role: str
    beneficiary_person_id: int | None = None
    photos: tuple[str, ...] = ()


@dataclass(frozen=True)
class Actor:
    """Who acts on a wish, in which role."""

    person_id: int | None
    role: str


@dataclass(frozen=True)
class Move:
    """A transition: its action's name, and the status it leaves and enters."""

    action: str
    before: str | None
    after: str


POST = Move("post", None, PENDING)
APPROVE = Move("approve", PENDING, PUBLISHED)
REJECT = Move("reject", PENDING, REJECTED)
CLAIM = Move("claim", PUBLISHED, CLAIMED)
RELEASE = Move("release", CLAIMED, PUBLISHED)
FULFIL = Move("fulfil", CLAIMED, DONE)
CONFIRM = Move("confirm", DONE, FULFILLED)


def _event(session: AsyncSession, wish_id: int, move: Move, actor: Actor, now: datetime, *, note: str | None = None, attachments: Sequence[str] = ()) -> WishEvent:
    """Stage one history event."""
    event = WishEvent(
        wish_id=wish_id,
        action=move.action,
        actor_person_id=actor.person_id,
        actor_role=actor.role,
        from_status=move.before,
        to_status=move.after,
        note=note,
        attachments=list(attachments),
        created_at=now,
    )
    session.add(event)
    return event


async def post_wish(session: AsyncSession, new: NewWish, now: datetime) -> tuple[Wish, WishEvent]:
    """Record a new wish, waiting for its community's review."""
    wish = Wish(
        category=new.category,
        text=new.text,
        photos=list(new.photos),
        wished_by=new.wished_by,
        contact=new.contact,
        poster_person_id=new.poster_person_id,
        poster_role=new.poster_role,
        beneficiary_person_id=new.beneficiary_person_id,
        community_id=new.community_id,
        status=PENDING,
        fulfil_photos=[],
        created_at=now,
        updated_at=now,
    )
    session.add(wish)
    await session.flush()
    event = _event(session, wish.id, POST, Actor(new.poster_person_id, new.poster_role), now)
    await session.flush()
    return wish, event


async def _move(session: AsyncSession, wish_id: int, move: Move, now: datetime, *conditions: Any, **values: Any) -> bool:
    """Move a wish from one status to another if it is still there; True when this call won."""
    stmt = (
        update(Wish)
        .where(Wish.id == wish_id, Wish.status == move.before, *conditions)
        .values(status=move.after, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0) == 1)


async def _transition(
    session: AsyncSession, wish_id: int, move: Move, actor: Actor, now: datetime,
    *conditions: Any, note: str | None = None, attachments: Sequence[str] = (), **values: Any,
) -> WishEvent | None:
    """Apply a guarded transition and record its event; None when the wish was not where `move` leaves from."""
    if not await _move(session, wish_id, move, now, *conditions, **values):
        return None
    event = _event(session, wish_id, move, actor, now, note=note, attachments=attachments)
    await session.flush()
    return event


async def approve(session: AsyncSession, wish_id: int, public_text: str, actor: Actor, now: datetime) -> WishEvent | None:
    """Publish a pending wish with its reviewed public text."""
    return await _transition(
        session, wish_id, APPROVE, actor, now, note=public_text,
        public_text=public_text, approved_at=now, listed_at=now,
    )


async def reject(session: AsyncSession, wish_id: int, reason: str, actor: Actor, now: datetime) -> WishEvent | None:
    """Turn down a pending wish with a reason the poster sees."""
    return await _transition(session, wish_id, REJECT, actor, now, note=reason, reject_reason=reason)


async def claim(session: AsyncSession, wish_id: int, actor: Actor, group: str | None, now: datetime) -> WishEvent | None:
    """Claim a published wish for one party member (or their group); None when someone else was first."""
    return await _transition(
        session, wish_id, CLAIM, actor, now, note=group,
        claimant_person_id=actor.person_id, claim_group=group, claimed_at=now,
    )


async def release(session: AsyncSession, wish_id: int, actor: Actor, now: datetime) -> WishEvent | None:
    """Give a claimed wish back to the published list (only its claimant can)."""
    return await _transition(
        session, wish_id, RELEASE, actor, now, Wish.claimant_person_id == actor.person_id,
        claimant_person_id=None, claim_group=None, claimed_at=None, listed_at=now,
    )


async def report_done(session: AsyncSession, wish_id: int, actor: Actor, now: datetime, *, photos: Sequence[str], note: str | None) -> WishEvent | None:
    """Record the claimant's report that the wish came true, with photos."""
    return await _transition(
        session, wish_id, FULFIL, actor, now, Wish.claimant_person_id == actor.person_id,
        note=note, attachments=photos, fulfil_photos=list(photos), fulfil_note=note, fulfilled_at=now,
    )


async def confirm(
    session: AsyncSession, wish_id: int, actor: Actor, story: str, now: datetime, *, points: Mapping[str, int] | None = None
) -> WishEvent | None:
    """Confirm a reported fulfilment (beneficiary or community) and keep its public story.

    With POINTS (per category, the [lovebank] wish_points), the claimant (or their team) is credited
    in this same transaction: only the call that wins the transition credits, so a confirmation
    pressed twice, or on two workers at once, credits once.
    """
    event = await _transition(session, wish_id, CONFIRM, actor, now, note=story, story=story, confirmed_at=now)
    if event is not None and points:
        wish = await get_wish(session, wish_id)
        assert wish is not None
        await credit_fulfilled_wish(session, wish, points.get(wish.category, 0), Recorder(actor.person_id, actor.role), now)
    return event


async def get_wish(session: AsyncSession, wish_id: int) -> Wish | None:
    """Return a wish as stored now (not a stale copy from earlier in the transaction)."""
    return (await session.scalars(select(Wish).where(Wish.id == wish_id).execution_options(populate_existing=True))).first()


async def events_of(session: AsyncSession, wish_id: int) -> Sequence[WishEvent]:
    """Return a wish's history in order."""
    return (await session.scalars(select(WishEvent).where(WishEvent.wish_id == wish_id).order_by(WishEvent.id))).all()


async def in_states(
    session: AsyncSession, statuses: Sequence[str], *, community_ids: Sequence[int] | None = None, limit: int = 200
) -> Sequence[Wish]:
    """Return wishes in some states (optionally of some communities), oldest first."""
    query = select(Wish).where(Wish.status.in_(list(statuses)))
    if community_ids is not None:
        query = query.where(Wish.community_id.in_(list(community_ids)))
    return (await session.scalars(query.order_by(Wish.listed_at.asc().nulls_first(), Wish.id).limit(limit))).all()


async def of_person(session: AsyncSession, person_id: int, limit: int = 50) -> Sequence[Wish]:
    """Return the wishes a person posted or is the beneficiary of, newest first."""
    query = select(Wish).where((Wish.poster_person_id == person_id) | (Wish.beneficiary_person_id == person_id))
    return (await session.scalars(query.order_by(Wish.id.desc()).limit(limit))).all()


async def claims_of(session: AsyncSession, person_id: int, limit: int = 50) -> Sequence[Wish]:
    """Return the wishes a party member holds or fulfilled, open ones first."""
    query = select(Wish).where(Wish.claimant_person_id == person_id, Wish.status.in_([CLAIMED, DONE, FULFILLED]))
    return (await session.scalars(query.order_by((Wish.status == CLAIMED).desc(), Wish.id.desc()).limit(limit))).all()


async def open_claims(session: AsyncSession, person_id: int) -> int:
    """Return how many wishes a party member has claimed and not yet reported done."""
    query = select(func.count(Wish.id)).where(Wish.claimant_person_id == person_id, Wish.status.in_(OPEN_CLAIM_STATUSES))
    return int(await session.scalar(query) or 0)


# ---- counts for the reports ----------------------------------------------------------------


@dataclass(frozen=True)
class WishCounts:
    """Wish figures over a period [start, end); medians in hours, None when nothing to measure."""

    posted: int = 0
    approved: int = 0
    rejected: int = 0
    claimed: int = 0
    fulfilled: int = 0
    median_hours_to_claim: float | None = None
    median_hours_to_fulfil: float | None = None
    by_category: dict[str, int] = field(default_factory=dict)


def _hours(later: datetime, earlier: datetime | None) -> float | None:
    """Return the hours between two times, or None when the earlier one is unknown."""
    return None if earlier is None else (later - earlier).total_seconds() / 3600


def _median(values: Sequence[float | None]) -> float | None:
    """Return the median of the known values, rounded to 0.1 h."""
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 1) if known else None


async def wish_counts(session: AsyncSession, start: datetime, end: datetime, community_ids: Sequence[int] | None = None) -> WishCounts:
    """Count wishes posted, approved, rejected, claimed and fulfilled in [start, end), with median times."""
    query = (
        select(WishEvent.action, WishEvent.wish_id, WishEvent.created_at, Wish.category, Wish.approved_at, Wish.claimed_at)
        .join(Wish, Wish.id == WishEvent.wish_id)
        .where(WishEvent.created_at >= start, WishEvent.created_at < end)
        .where(WishEvent.action.in_(["post", "approve", "reject", "claim", "confirm"]))
    )
    if community_ids is not None:
        query = query.where(Wish.community_id.in_(list(community_ids)))
    rows = (await session.execute(query.order_by(WishEvent.id))).all()
    seen: dict[str, set[int]] = {}
    by_category: dict[str, int] = {}
    claim_hours: list[float | None] = []
    fulfil_hours: list[float | None] = []
    first_claims = await _first_claims(session, {r.wish_id for r in rows if r.action == "claim"})
    for row in rows:
        ids = seen.setdefault(row.action, set())
        if row.wish_id in ids:
            continue
        ids.add(row.wish_id)
        if row.action == "post":
            by_category[row.category] = by_category.get(row.category, 0) + 1
        elif row.action == "claim" and first_claims.get(row.wish_id) == row.created_at:
            claim_hours.append(_hours(row.created_at, row.approved_at))
        elif row.action == "confirm":
            fulfil_hours.append(_hours(row.created_at, row.claimed_at))
    return WishCounts(
        posted=len(seen.get("post", ())),
        approved=len(seen.get("approve", ())),
        rejected=len(seen.get("reject", ())),
        claimed=len(seen.get("claim", ())),
        fulfilled=len(seen.get("confirm", ())),
        median_hours_to_claim=_median(claim_hours),
        median_hours_to_fulfil=_median(fulfil_hours),
        by_category=by_category,
    )


async def _first_claims(session: AsyncSession, wish_ids: set[int]) -> dict[int, datetime]:
    """Return when each wish was first claimed."""
    if not wish_ids:
        return {}
    query = (
        select(WishEvent.wish_id, func.min(WishEvent.created_at))
        .where(WishEvent.action == "claim", WishEvent.wish_id.in_(wish_ids))
        .group_by(WishEvent.wish_id)
    )
    return {int(wish_id): first for wish_id, first in (await session.execute(query)).all()}
