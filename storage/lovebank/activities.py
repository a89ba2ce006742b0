"""Volunteer activities: posting, signing up (one place each, a waiting list when full), withdrawing (the
first on the waiting list moves up), checking in with the organiser's code, and confirming hours.

Sign-up stays open until the planned end (a volunteer may join one under way and check in on the
spot); withdrawing only until the start. Every change to an activity's places begins by locking its row (SELECT … FOR UPDATE on PostgreSQL;
SQLite runs one writer at a time), so eight people signing up for five places at once get five
places and a waiting list of three, in the order they were served. Confirmed hours credit the
ledger once per sign-up (key activity:signup:ID).

    sign up ─▶ taken ─▶ checked_in ─▶ confirmed (points)
        └──▶ waiting ─┘ (moves up when a place frees)
    taken / waiting ─▶ withdrawn
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.lovebank.codes import unique_code
from storage.lovebank.ledger import ACTIVITY, NewEntry, Recorder, post
from storage.models.lovebank import Activity, ActivitySignup

OPEN, CANCELLED = "open", "cancelled"
TAKEN, WAITING, WITHDRAWN, CHECKED_IN, CONFIRMED = "taken", "waiting", "withdrawn", "checked_in", "confirmed"
HOLDING = (TAKEN, CHECKED_IN, CONFIRMED)  # sign-ups that hold one of the places
LONGEST_HOURS = 24  # no activity lasts longer ([lovebank] max_activity_hours is at most 24)


@dataclass(frozen=True)
class NewActivity:
    """What an organiser posts."""

    community_id: int
    organiser_person_id: int
    title: str
    place: str
    starts_at: datetime
    minutes: int
    places: int
    points_per_hour: int


def ends_at(activity: Activity) -> datetime:
    """Return when an activity is planned to end."""
    return activity.starts_at + timedelta(minutes=activity.minutes)


def points_for(points_per_hour: int, minutes: int) -> int:
    """Return the points for MINUTES of service, rounded to the nearest point (halves up)."""
    return (points_per_hour * minutes + 30) // 60


async def create_activity(session: AsyncSession, new: NewActivity, now: datetime) -> Activity:
    """Record a new activity with its check-in code."""
    activity = Activity(
        community_id=new.community_id,
        organiser_person_id=new.organiser_person_id,
        title=new.title,
        place=new.place,
        starts_at=new.starts_at,
        minutes=new.minutes,
        places=new.places,
        taken=0,
        points_per_hour=new.points_per_hour,
        checkin_code=await unique_code(session, Activity.checkin_code),
        status=OPEN,
        created_at=now,
        updated_at=now,
    )
    session.add(activity)
    await session.flush()
    return activity


async def get_activity(session: AsyncSession, activity_id: int, *, lock: bool = False) -> Activity | None:
    """Return an activity as stored now, locking its row when asked (a no-op on SQLite)."""
    query = select(Activity).where(Activity.id == activity_id).execution_options(populate_existing=True)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def signup_of(session: AsyncSession, activity_id: int, person_id: int) -> ActivitySignup | None:
    """Return a person's sign-up for an activity, as stored now."""
    query = (
        select(ActivitySignup)
        .where(ActivitySignup.activity_id == activity_id, ActivitySignup.person_id == person_id)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).first()


async def get_signup(session: AsyncSession, signup_id: int) -> ActivitySignup | None:
    """Return a sign-up by id, as stored now."""
    query = select(ActivitySignup).where(ActivitySignup.id == signup_id).execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def waiting_position(session: AsyncSession, signup: ActivitySignup) -> int:
    """Return a waiting sign-up's place in the queue (1: next to move up)."""
    ahead = select(func.count(ActivitySignup.id)).where(
        ActivitySignup.activity_id == signup.activity_id,
        ActivitySignup.status == WAITING,
        (ActivitySignup.queued_at < signup.queued_at)
        | ((ActivitySignup.queued_at == signup.queued_at) & (ActivitySignup.id < signup.id)),
    )
    return int(await session.scalar(ahead) or 0) + 1


@dataclass(frozen=True)
class SignupResult:
    """How a sign-up went: taken, waiting (with the position), already (signed up before), or closed."""

    outcome: str
    signup: ActivitySignup | None = None
    position: int = 0


async def sign_up(session: AsyncSession, activity_id: int, person_id: int, now: datetime) -> SignupResult:
    """Give a person a place, or a place on the waiting list when the activity is full."""
    activity = await get_activity(session, activity_id, lock=True)
    if activity is None or activity.status != OPEN or ends_at(activity) <= now:
        return SignupResult("closed")
    signup = await signup_of(session, activity_id, person_id)
    if signup is not None and signup.status != WITHDRAWN:
        position = await waiting_position(session, signup) if signup.status == WAITING else 0
        return SignupResult("already", signup, position)
    status = TAKEN if activity.taken < activity.places else WAITING
    if status == TAKEN:
        activity.taken += 1
        activity.updated_at = now
    if signup is None:
        signup = ActivitySignup(activity_id=activity_id, person_id=person_id, created_at=now)
        session.add(signup)
    signup.status, signup.queued_at, signup.updated_at = status, now, now
    await session.flush()
    return SignupResult(status, signup, await waiting_position(session, signup) if status == WAITING else 0)


@dataclass(frozen=True)
class Withdrawal:
    """A withdrawn sign-up, and the sign-up that moved up from the waiting list into the freed place."""

    signup: ActivitySignup
    promoted: ActivitySignup | None


async def withdraw(session: AsyncSession, activity_id: int, person_id: int, now: datetime) -> Withdrawal | None:
    """Give up a place (or a place in the queue) before the start; the first in the queue moves up. None: nothing to give up."""
    activity = await get_activity(session, activity_id, lock=True)
    signup = await signup_of(session, activity_id, person_id)
    if activity is None or signup is None or signup.status not in (TAKEN, WAITING) or activity.starts_at <= now:
        return None
    held = signup.status == TAKEN
    signup.status, signup.updated_at = WITHDRAWN, now
    promoted = None
    if held:
        first = (
            select(ActivitySignup)
            .where(ActivitySignup.activity_id == activity_id, ActivitySignup.status == WAITING)
            .order_by(ActivitySignup.queued_at, ActivitySignup.id)
            .limit(1)
            .execution_options(populate_existing=True)
        )
        promoted = (await session.scalars(first)).first()
        if promoted is not None and activity.status == OPEN:
            promoted.status, promoted.updated_at = TAKEN, now
        else:
            promoted = None
            activity.taken -= 1
        activity.updated_at = now
    await session.flush()
    return Withdrawal(signup, promoted)


async def cancel(session: AsyncSession, activity_id: int, now: datetime) -> list[ActivitySignup]:
    """Cancel an open activity before it starts; return the sign-ups to tell (holding or waiting)."""
    activity = await get_activity(session, activity_id, lock=True)
    if activity is None or activity.status != OPEN or activity.starts_at <= now:
        return []
    activity.status, activity.updated_at = CANCELLED, now
    query = select(ActivitySignup).where(ActivitySignup.activity_id == activity_id, ActivitySignup.status.in_([TAKEN, WAITING]))
    told = list((await session.scalars(query)).all())
    await session.flush()
    return told


@dataclass(frozen=True)
class CheckIn:
    """How a check-in went: done, already, unknown (no such code), not_signed_up, waiting, too_early, too_late."""

    outcome: str
    activity: Activity | None = None


def _cannot_check_in(activity: Activity, signup: ActivitySignup | None, now: datetime, early: timedelta, late: timedelta) -> str | None:
    """Return why a sign-up cannot be checked in now (None: it can)."""
    if signup is None or signup.status == WITHDRAWN:
        return "not_signed_up"
    if signup.status != TAKEN:
        return "waiting" if signup.status == WAITING else "already"
    if now < activity.starts_at - early:
        return "too_early"
    if now > ends_at(activity) + late:
        return "too_late"
    return None


async def check_in(session: AsyncSession, code: str, person_id: int, now: datetime, *, early: timedelta, late: timedelta) -> CheckIn:
    """Check a person in with the code the organiser shows, within the activity's check-in window."""
    activity = (await session.scalars(select(Activity).where(Activity.checkin_code == code, Activity.status == OPEN))).first()
    if activity is None:
        return CheckIn("unknown")
    signup = await signup_of(session, activity.id, person_id)
    refused = _cannot_check_in(activity, signup, now, early, late)
    if refused is not None or signup is None:
        return CheckIn(refused or "not_signed_up", activity)
    moved = await session.execute(
        update(ActivitySignup)
        .where(ActivitySignup.id == signup.id, ActivitySignup.status == TAKEN)
        .values(status=CHECKED_IN, checked_in_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return CheckIn("done" if getattr(moved, "rowcount", 0) == 1 else "already", activity)


async def confirm_hours(
    session: AsyncSession, signup_id: int, minutes: int, recorder: Recorder, now: datetime
) -> tuple[ActivitySignup, int] | None:
    """Confirm a checked-in volunteer's hours and credit their points, once; None when it was confirmed already."""
    signup = await get_signup(session, signup_id)
    activity = await get_activity(session, signup.activity_id) if signup is not None else None
    if signup is None or activity is None:
        return None
    points = points_for(activity.points_per_hour, minutes)
    moved = await session.execute(
        update(ActivitySignup)
        .where(ActivitySignup.id == signup_id, ActivitySignup.status == CHECKED_IN)
        .values(status=CONFIRMED, minutes=minutes, points=points, confirmed_at=now, confirmed_by_person_id=recorder.person_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(moved, "rowcount", 0) != 1:
        return None
    if points > 0:
        note = f"{minutes}min"
        entry = NewEntry(signup.person_id, points, ACTIVITY, activity.id, note, activity.community_id, f"activity:signup:{signup.id}")
        await post(session, entry, recorder, now)
    fresh = await get_signup(session, signup_id)
    assert fresh is not None
    return fresh, points


async def signups_of(session: AsyncSession, activity_id: int, statuses: Sequence[str] | None = None) -> Sequence[ActivitySignup]:
    """Return an activity's sign-ups (optionally in some states), in queue order."""
    query = select(ActivitySignup).where(ActivitySignup.activity_id == activity_id)
    if statuses is not None:
        query = query.where(ActivitySignup.status.in_(list(statuses)))
    return (await session.scalars(query.order_by(ActivitySignup.queued_at, ActivitySignup.id))).all()


async def upcoming(session: AsyncSession, now: datetime, *, community_ids: Sequence[int] | None = None, limit: int = 100) -> list[Activity]:
    """Return open activities still open for sign-up (not ended yet), soonest first."""
    query = select(Activity).where(Activity.status == OPEN, Activity.starts_at > now - timedelta(hours=LONGEST_HOURS))
    if community_ids is not None:
        query = query.where(Activity.community_id.in_(list(community_ids)))
    found = (await session.scalars(query.order_by(Activity.starts_at, Activity.id).limit(limit))).all()
    return [a for a in found if ends_at(a) > now]


async def of_community(session: AsyncSession, community_ids: Sequence[int], limit: int = 50) -> Sequence[Activity]:
    """Return a community's activities, newest start first."""
    query = select(Activity).where(Activity.community_id.in_(list(community_ids)))
    return (await session.scalars(query.order_by(Activity.starts_at.desc(), Activity.id.desc()).limit(limit))).all()


async def signups_of_person(session: AsyncSession, person_id: int, limit: int = 50) -> Sequence[tuple[ActivitySignup, Activity]]:
    """Return a person's sign-ups with their activities, the latest activity first."""
    query = (
        select(ActivitySignup, Activity)
        .join(Activity, Activity.id == ActivitySignup.activity_id)
        .where(ActivitySignup.person_id == person_id, ActivitySignup.status != WITHDRAWN)
        .order_by(Activity.starts_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    return [(s, a) for s, a in (await session.execute(query)).all()]
