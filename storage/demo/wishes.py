"""Months of invented micro-wishes (微心愿) for the demo district, with the events storage.wishes.use_cases writes.

Wishes come in about once a day over the history period, posted by residents for themselves or by
grid members and community workers on someone's behalf, in every demo community. The community
reviews them (publishing its own public text or the redaction storage.wishes.redact proposes, or
turning them down with a reason), the demo party members claim them (sometimes as a 帮帮团, within
the cap on open claims, now and then giving one back), report them done with photos, and the
beneficiary or the community confirms. A wish whose next step would fall after `now` stays where
it is. The last ten days are a fixed showcase, so every state is on show whatever `now` is: wishes
waiting for review, published, claimed (one by a group), reported done (one waiting for demo
resident 张三 to confirm), fulfilled and rejected, while each party member can still claim more.

Every row and event is what storage.wishes.use_cases would have written for the same transitions (the same
actions, statuses, notes and fields); everything is drawn from a generator seeded apart from the
cases', and inserted in bulk. Left-behind children (留守儿童) are left out while the category column
is too short for their code (see `storable`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from typing import cast as as_type
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import Role
from storage.demo.wish_drafts import (
    Draft,
    Ledger,
    Sim,
    _arrivals,
    _community,
    _draft,
    _photo,
    _template,
)
from storage.demo.wish_people import District, Member, load_district
from storage.demo.wish_texts import (
    CATEGORY_LABELS,
    CHILD,
    GROUP,
    STORY,
    RejectedTemplate,
    WishTemplate,
)
from storage.models.wishes import Wish, WishEvent
from storage.wishes.redact import leaks, names_in_contact, redact
from storage.wishes.use_cases import (
    APPROVE,
    CLAIM,
    CLAIMED,
    CONFIRM,
    DONE,
    FULFIL,
    FULFILLED,
    PENDING,
    POST,
    PUBLISHED,
    REJECT,
    RELEASE,
    Move,
)
from storage.wishes.use_cases import REJECTED as REJECTED_STATUS

SALT = 7919  # wishes draw from their own generator, so the case history is the same with or without them
OPEN_AT_NOW = 1  # open claims the ordinary history leaves each party member at `now` (the showcase adds one)
REJECT_SHARE = 0.08
RELEASE_SHARE = 0.05
SELF_SHARE = 0.4
PROPOSAL_SHARE = 0.45  # reviewers who publish the proposed redaction rather than typing their own text


@dataclass(frozen=True)
class Showcase:
    """A recent wish with a fixed outcome: its status at `now`, its age, and who posts and claims it."""

    status: str
    age_days: tuple[float, float]
    poster: str | None = None  # a demo resident posting for themself
    claimant: str | None = None
    group: bool = False


SHOWCASE: tuple[Showcase, ...] = (
    Showcase(FULFILLED, (8.0, 9.5), poster="resident-2", claimant="party-2"),
    Showcase(FULFILLED, (6.5, 8.0), claimant="party-3", group=True),
    Showcase(DONE, (5.0, 6.5), poster="resident-1", claimant="party-1"),
    Showcase(DONE, (4.0, 5.5), claimant="party-3"),
    Showcase(CLAIMED, (3.0, 4.5), claimant="party-1", group=True),
    Showcase(CLAIMED, (2.5, 4.0), claimant="party-2"),
    Showcase(CLAIMED, (2.0, 3.5), claimant="party-3"),
    Showcase(REJECTED_STATUS, (1.5, 3.0), poster="resident-4"),
    Showcase(PUBLISHED, (1.2, 2.5)),
    Showcase(PUBLISHED, (0.8, 2.0), poster="resident-3"),
    Showcase(PUBLISHED, (0.5, 1.5)),
    Showcase(PENDING, (0.2, 0.9), poster="resident-5"),
    Showcase(PENDING, (0.05, 0.4)),
)
STEPS_TO = {PENDING: 0, REJECTED_STATUS: 1, PUBLISHED: 1, CLAIMED: 2, DONE: 3, FULFILLED: 4}


@dataclass(frozen=True)
class WishSummary:
    """What the wish generator inserted."""

    wishes: int
    events: int


# ---- drafting a wish as it was posted -------------------------------------------------------


# ---- living a wish up to now ----------------------------------------------------------------


@dataclass
class Life:
    """A wish's row as it ends up, and the events its transitions wrote."""

    row: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)

    def move(self, move: Move, at: datetime, actor: tuple[int | None, str], *, note: str | None = None, attachments: Sequence[str] = (), **values: Any) -> None:
        """Apply a transition as storage.wishes.use_cases does: the new status and fields, and one event."""
        self.events.append(
            {"action": move.action, "actor_person_id": actor[0], "actor_role": actor[1], "from_status": move.before,
             "to_status": move.after, "note": note, "attachments": list(attachments), "created_at": at}
        )
        self.row.update(values, status=move.after, updated_at=at)


def _hours(rng: random.Random, median: float, spread: float) -> timedelta:
    """Return a log-normal duration around MEDIAN hours."""
    return timedelta(hours=rng.lognormvariate(0, spread) * median)


def _daytime(rng: random.Random, at: datetime, tz: ZoneInfo, window: tuple[int, int]) -> datetime:
    """Move a moment into the local WINDOW of hours (the next morning when it falls at night)."""
    local = at.astimezone(tz)
    if window[0] <= local.hour < window[1]:
        return at
    day = local.date() + timedelta(days=1 if local.hour >= window[1] else 0)
    start = datetime.combine(day, time(window[0]), tz) + timedelta(minutes=rng.randint(5, 150))
    return start.astimezone(at.tzinfo)


@dataclass(frozen=True)
class Step:
    """One step after posting: what, how long after the one before, in which local hours."""

    kind: str
    after: timedelta
    window: tuple[int, int]


def _steps(rng: random.Random, draft: Draft, tz: ZoneInfo, released: bool) -> list[Step]:
    """Return the steps a wish would go through, with natural durations."""
    if isinstance(draft.template, RejectedTemplate):
        return [Step("reject", _hours(rng, 14, 0.8), (8, 18))]
    steps = [Step("approve", _hours(rng, 14, 0.8), (8, 18)), Step("claim", _hours(rng, 28, 1.0), (7, 22))]
    if released:
        steps += [Step("release", _hours(rng, 30, 0.6), (8, 21)), Step("claim", _hours(rng, 20, 0.8), (7, 22))]
    work = _hours(rng, 70, 0.6)
    room = datetime.combine(draft.wished_by, time(18), tz) - draft.posted - sum((s.after for s in steps), timedelta())
    if rng.random() < 0.85 and work > room:  # most claimants keep to the wished-by date
        work = max(timedelta(hours=2), room * rng.uniform(0.4, 0.9))
    return [*steps, Step("fulfil", work, (9, 19)), Step("confirm", _hours(rng, 16, 0.9), (8, 21))]


def _times(rng: random.Random, start: datetime, steps: list[Step], tz: ZoneInfo, now: datetime) -> list[datetime]:
    """Return when the steps happened, up to (not including) the first that would fall after NOW."""
    times, at = [], start
    for step in steps:
        at = max(_daytime(rng, at + step.after, tz, step.window), at + timedelta(minutes=1))
        if at >= now:
            break
        times.append(at)
    return times


def _squeezed(rng: random.Random, start: datetime, steps: list[Step], tz: ZoneInfo, now: datetime) -> list[datetime]:
    """Return times for all STEPS before NOW: natural ones if they fit, else the durations scaled down."""
    times = _times(rng, start, steps, tz, now - timedelta(minutes=20))
    if len(times) == len(steps):
        return times
    total = sum((s.after for s in steps), timedelta())
    factor = (now - timedelta(minutes=20) - start) * rng.uniform(0.6, 0.9) / total if total else 0.0
    at, times = start, []
    for step in steps:
        at = at + max(step.after * factor, timedelta(minutes=5))
        times.append(at)
    return times


def _claimants(sim: Sim, draft: Draft, kinds: list[str], times: list[datetime]) -> list[Member] | None:
    """Pick a party member for each claim in the history (a different one after a release); None if nobody was free."""
    chosen: list[Member] = []
    for index, kind in enumerate(kinds[: len(times)]):
        if kind != "claim":
            continue
        end = times[index + 1] if index + 1 < len(times) else None
        free = [m for m in sim.district.members if m not in chosen and sim.ledger.free(m.id, times[index], end, OPEN_AT_NOW)]
        if not free:
            return None
        weights = [3 if m.community == draft.community else 1 for m in free]
        chosen.append(sim.rng.choices(free, weights=weights)[0])
    return chosen


def _public_text(rng: random.Random, district: District, draft: Draft) -> str:
    """Return the public text the reviewer publishes: the proposed redaction when it is clean, else their own."""
    template = draft.template
    assert isinstance(template, WishTemplate)
    names = [district.names[draft.poster[0]], *names_in_contact(draft.contact)]
    if draft.beneficiary is not None:
        names.append(district.names[draft.beneficiary])
    proposal = redact(draft.text, names, district.places).text
    clean = not leaks(proposal) and not any(secret in proposal for secret in draft.secrets)
    if clean and template.category != CHILD and rng.random() < PROPOSAL_SHARE:
        return proposal
    return template.public


def _live(sim: Sim, draft: Draft, steps: Sequence[tuple[str, datetime]], claimants: list[Member], showcase: Showcase | None) -> Life:
    """Apply the transitions that happened before now, as storage.wishes.use_cases would have."""
    rng, district = sim.rng, sim.district
    life = Life(_row(draft))
    life.move(POST, draft.posted, draft.poster)
    reviewer = (district.reviewer[draft.community], Role.COMMUNITY.value)
    template = draft.template
    queue = iter(claimants)
    for kind, at in steps:
        if kind == "reject":
            assert isinstance(template, RejectedTemplate)
            life.move(REJECT, at, reviewer, note=template.reason, reject_reason=template.reason)
        elif kind == "approve":
            public = _public_text(rng, district, draft)
            life.move(APPROVE, at, reviewer, note=public, public_text=public, approved_at=at, listed_at=at)
        elif kind == "claim":
            member = next(queue)
            wanted = showcase.group if showcase else rng.random() < (0.45 if getattr(template, "group", False) else 0.08)
            group = (member.groups[0] if rng.random() < 0.75 else member.groups[1]) if wanted else None
            life.move(CLAIM, at, (member.id, Role.PARTY_MEMBER.value), note=group, claimant_person_id=member.id, claim_group=group, claimed_at=at)
        elif kind == "release":
            life.move(RELEASE, at, (life.row["claimant_person_id"], Role.PARTY_MEMBER.value), claimant_person_id=None, claim_group=None, claimed_at=None, listed_at=at)
        elif kind == "fulfil":
            assert isinstance(template, WishTemplate)
            photos = [_photo(at, i) for i in range(rng.choice((1, 1, 2, 3)))]
            note = template.note if rng.random() < 0.85 else None
            life.move(FULFIL, at, (life.row["claimant_person_id"], Role.PARTY_MEMBER.value), note=note, attachments=photos,
                      fulfil_photos=photos, fulfil_note=note, fulfilled_at=at)
        elif kind == "confirm":
            by_beneficiary = draft.beneficiary is not None and (showcase is not None or rng.random() < 0.8)
            actor = (draft.beneficiary, Role.RESIDENT.value) if by_beneficiary else reviewer
            story = _story(district, life.row)
            life.move(CONFIRM, at, actor, note=story, story=story, confirmed_at=at)
    return life


def _story(district: District, row: dict[str, Any]) -> str:
    """Return the public story of a fulfilled wish, as the bot writes it on confirmation."""
    group = GROUP.format(group=row["claim_group"]) if row["claim_group"] else ""
    return STORY.format(
        name=district.names[row["claimant_person_id"]], group=group, community=district.units[row["community_id"]],
        category=CATEGORY_LABELS[row["category"]], text=row["public_text"] or "",
    )


def _row(draft: Draft) -> dict[str, Any]:
    """Return a wish's row as posted (storage.wishes.use_cases.post_wish)."""
    return {
        "category": draft.template.category, "text": draft.text, "public_text": None, "photos": list(draft.photos),
        "wished_by": draft.wished_by, "contact": draft.contact, "poster_person_id": draft.poster[0],
        "poster_role": draft.poster[1], "beneficiary_person_id": draft.beneficiary, "community_id": draft.community,
        "status": PENDING, "reject_reason": None, "claimant_person_id": None, "claim_group": None, "fulfil_photos": [],
        "fulfil_note": None, "story": None, "created_at": draft.posted, "approved_at": None, "listed_at": None,
        "claimed_at": None, "fulfilled_at": None, "confirmed_at": None, "updated_at": draft.posted,
    }


# ---- the ordinary history and the showcase ---------------------------------------------------


def _ordinary(sim: Sim, posted: datetime) -> Life:
    """Post one ordinary wish and live it up to now, claims delayed while every party member is busy."""
    rng, tz = sim.rng, sim.tz
    rejected = rng.random() < REJECT_SHARE
    wants_self = rng.random() < SELF_SHARE
    template = _template(rng, posted, tz, rejected=rejected, self_post=wants_self)
    community = _community(rng, sim.district, template.category)
    residents = sim.district.residents.get(community, [])
    can_self = wants_self and bool(residents) and getattr(template, "self_post", True)
    draft = _draft(sim, template, community, posted, rng.choice(residents) if can_self else None)
    steps = _steps(rng, draft, tz, released=rng.random() < RELEASE_SHARE)
    kinds = [s.kind for s in steps]
    for _ in range(6):
        times = _times(rng, posted, steps, tz, sim.now)
        claimants = _claimants(sim, draft, kinds, times)
        if claimants is not None:
            break
        steps[1] = Step("claim", steps[1].after + _hours(rng, 36, 0.5), (7, 22))  # nobody free yet: claimed later
    else:
        times, claimants = times[:1], []  # still waiting for a claim at now
    _hold(sim.ledger, claimants, kinds, times)
    return _live(sim, draft, list(zip(kinds, times, strict=False)), claimants, None)


def _hold(ledger: Ledger, claimants: list[Member], kinds: list[str], times: list[datetime]) -> None:
    """Record the claims of a wish in the ledger."""
    queue = iter(claimants)
    for index, kind in enumerate(kinds[: len(times)]):
        if kind == "claim":
            ledger.hold(next(queue).id, times[index], times[index + 1] if index + 1 < len(times) else None)


def _showcase(sim: Sim, plan: Showcase) -> Life | None:
    """Post one showcase wish and take it to its planned status before now."""
    rng, district, now, tz = sim.rng, sim.district, sim.now, sim.tz
    posted = _posted(rng, now - timedelta(days=rng.uniform(*plan.age_days)), now, tz)
    resident = district.demo_residents.get(plan.poster) if plan.poster else None
    template = _template(rng, posted, tz, rejected=plan.status == REJECTED_STATUS, self_post=resident is not None)
    community = resident.community if resident else _community(rng, district, template.category)
    if community not in district.communities:
        return None
    draft = _draft(sim, template, community, posted, resident)
    if plan.status in (PENDING, PUBLISHED, CLAIMED):
        today = now.astimezone(tz).date()
        draft.wished_by = max(draft.wished_by, today + timedelta(days=rng.randint(5, 25)))
    steps = _steps(rng, draft, tz, released=False)[: STEPS_TO[plan.status]]
    times = _squeezed(rng, posted, steps, tz, now)
    kinds = [s.kind for s in steps]
    member = next((m for m in district.members if m.key == plan.claimant), None)
    claimants = [member] if member is not None and "claim" in kinds else []
    if "claim" in kinds and not claimants:
        return None
    _hold(sim.ledger, claimants, kinds, times)
    return _live(sim, draft, list(zip(kinds, times, strict=True)), claimants, plan)


def _posted(rng: random.Random, at: datetime, now: datetime, tz: ZoneInfo) -> datetime:
    """Move a showcase posting into the day (8:00-21:00 local), still before now."""
    moved = _daytime(rng, at, tz, (8, 21))
    return moved if moved < now - timedelta(minutes=30) else at


async def load_demo_wishes(session: AsyncSession, now: datetime, tz: ZoneInfo, *, seed: int, days: int) -> WishSummary:
    """Insert the micro-wishes of the history period before NOW, unless the district has wishes already."""
    if (await session.scalar(select(func.count()).select_from(Wish))) or 0:
        return WishSummary(0, 0)
    district = await load_district(session)
    if not district.communities or not district.members:
        return WishSummary(0, 0)
    sim = Sim(random.Random(seed * SALT + days), district, Ledger(district.members), now, tz)
    lives = [_ordinary(sim, posted) for posted in _arrivals(sim.rng, now, tz, days)]
    lives += [life for plan in SHOWCASE if (life := _showcase(sim, plan)) is not None]
    return await _insert(session, sorted(lives, key=lambda life: life.row["created_at"]))


async def _insert(session: AsyncSession, lives: list[Life]) -> WishSummary:
    """Insert the wishes, then all their events in time order."""
    if not lives:
        return WishSummary(0, 0)
    wishes = as_type(Table, Wish.__table__)
    stmt = insert(wishes).returning(wishes.c.id, sort_by_parameter_order=True)
    ids = [int(i) for i in (await session.scalars(stmt, [life.row for life in lives])).all()]
    events = [e | {"wish_id": i} for i, life in zip(ids, lives, strict=True) for e in life.events]
    events.sort(key=lambda e: (e["created_at"], e["wish_id"]))
    await session.execute(insert(as_type(Table, WishEvent.__table__)), events)
    return WishSummary(len(ids), len(events))
