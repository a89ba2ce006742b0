"""Months of invented micro-wishes (微心愿) for the demo district, with the events storage.wishes writes.

Wishes come in about once a day over the history period, posted by residents for themselves or by
grid members and community workers on someone's behalf, in every demo community. The community
reviews them (publishing its own public text or the redaction storage.wishes_redact proposes, or
turning them down with a reason), the demo party members claim them (sometimes as a 帮帮团, within
the cap on open claims, now and then giving one back), report them done with photos, and the
beneficiary or the community confirms. A wish whose next step would fall after `now` stays where
it is. The last ten days are a fixed showcase, so every state is on show whatever `now` is: wishes
waiting for review, published, claimed (one by a group), reported done (one waiting for demo
resident 张三 to confirm), fulfilled and rejected, while each party member can still claim more.

Every row and event is what storage.wishes would have written for the same transitions (the same
actions, statuses, notes and fields); everything is drawn from a generator seeded apart from the
cases', and inserted in bulk. Left-behind children (留守儿童) are left out while the category column
is too short for their code (see `storable`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from typing import cast as as_type
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import Role
from storage.demo.wish_texts import (
    CATEGORY_LABELS,
    CHILD,
    CHILDREN,
    FEMALE,
    GROUP,
    GUARDIANS,
    MALE,
    OLD,
    REJECTIONS,
    RELATIONS,
    STORY,
    TEMPLATES,
    VERIFIED,
    RejectedTemplate,
    WishTemplate,
)
from storage.models.people import Person, RoleBinding, Unit
from storage.models.wishes import Wish, WishEvent
from storage.wishes.redact import leaks, names_in_contact, redact
from storage.wishes.settings import WishesSection
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
PER_DAY = 0.9
SHOWCASE_DAYS = 10.0
CAP = WishesSection().max_open_claims
OPEN_AT_NOW = 1  # open claims the ordinary history leaves each party member at `now` (the showcase adds one)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏"
WEIGHTS = {"elderly": 35, "low_income": 20, CHILD: 18, "disabled": 12, "other": 15}
REJECT_SHARE = 0.08
RELEASE_SHARE = 0.05
SELF_SHARE = 0.4
PROPOSAL_SHARE = 0.45  # reviewers who publish the proposed redaction rather than typing their own text

Template = WishTemplate | RejectedTemplate


def storable(category: str) -> bool:
    """Tell whether wishes.category can hold a category code.

    Migration 0005 made the column VARCHAR(16) while "left_behind_child" has 17 characters:
    PostgreSQL refuses it (SQLite does not check). The demo leaves such categories out until the
    column is widened, so it loads on every backend, and takes them up again by itself afterwards.
    """
    length = getattr(as_type(Table, Wish.__table__).c.category.type, "length", None)
    return length is None or len(category) <= length


CATEGORY_WEIGHTS = {category: weight for category, weight in WEIGHTS.items() if storable(category)}


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


@dataclass(frozen=True)
class Resident:
    """A resident who may post a wish for themself."""

    id: int
    name: str
    phone: str
    community: int


@dataclass(frozen=True)
class Member:
    """A party member who claims wishes, with the groups (帮帮团) they claim for."""

    id: int
    key: str | None
    community: int
    groups: tuple[str, str]


@dataclass
class District:
    """The demo district as the wishes need it: communities, who posts, reviews, claims."""

    names: dict[int, str] = field(default_factory=dict)  # people's names by id
    units: dict[int, str] = field(default_factory=dict)  # communities' names by id
    communities: list[int] = field(default_factory=list)
    villages: set[int] = field(default_factory=set)
    compounds: dict[int, list[str]] = field(default_factory=dict)
    places: list[str] = field(default_factory=list)
    reviewer: dict[int, int] = field(default_factory=dict)
    posters: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    residents: dict[int, list[Resident]] = field(default_factory=dict)
    demo_residents: dict[str, Resident] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)


async def load_district(session: AsyncSession) -> District:
    """Load the communities, their compounds, reviewers and posters, the residents and the party members."""
    district = District()
    units = {u.id: u for u in (await session.scalars(select(Unit).order_by(Unit.id))).all()}
    for unit in units.values():
        if unit.kind == "community":
            district.units[unit.id] = unit.name
            district.communities.append(unit.id)
            if unit.name.endswith("村"):
                district.villages.add(unit.id)
        elif unit.kind == "grid" and unit.parent_id is not None:
            gazetteer = unit.gazetteer or {}
            district.compounds.setdefault(unit.parent_id, []).extend(gazetteer.get("compounds", []))
            district.places += [str(p) for key in ("compounds", "roads") for p in gazetteer.get(key, [])]
    people = (await session.execute(select(Person.id, Person.name, Person.phone, Person.registered_unit_id, Person.demo_key).order_by(Person.id))).all()
    keys = {int(p.id): p.demo_key for p in people}
    for person in people:
        district.names[int(person.id)] = person.name
        if person.registered_unit_id in district.communities and person.phone:
            resident = Resident(int(person.id), person.name, person.phone, int(person.registered_unit_id))
            if person.demo_key:
                district.demo_residents[person.demo_key] = resident
            else:
                district.residents.setdefault(resident.community, []).append(resident)
    bindings = (await session.execute(select(RoleBinding.person_id, RoleBinding.role, RoleBinding.unit_id).order_by(RoleBinding.id))).all()
    for person_id, role, unit_id in bindings:
        bound = units.get(unit_id)
        if bound is not None:
            _bind(district, person_id, role, bound, units, key=keys.get(person_id))
    district.communities = [c for c in district.communities if c in district.reviewer and district.posters.get(c)]
    return district


def _bind(district: District, person_id: int, role: str, unit: Unit, units: dict[int, Unit], *, key: str | None) -> None:
    """Record who reviews and posts for a community, and who claims."""
    if role == Role.COMMUNITY.value and unit.kind == "community":
        district.reviewer.setdefault(unit.id, person_id)
        district.posters.setdefault(unit.id, []).append((person_id, role))
    elif role == Role.GRID_MEMBER.value and unit.kind == "grid" and unit.parent_id is not None:
        district.posters.setdefault(unit.parent_id, []).append((person_id, role))
    elif role == Role.PARTY_MEMBER.value:
        district.members.append(Member(person_id, key, unit.id, _groups(unit, units)))


def _groups(unit: Unit, units: dict[int, Unit]) -> tuple[str, str]:
    """Return the 帮帮团 a party member of UNIT claims for: their community's, or their street's."""
    short = unit.name.removesuffix("社区")
    parent = units.get(unit.parent_id) if unit.parent_id is not None else None
    wider = parent.name if parent is not None and parent.kind == "street" else short
    return f"{short}党员帮帮团", f"{wider}青年党员帮帮团"


@dataclass
class Sim:
    """What every step of the generator needs: the random generator, the district, the claims, the clock."""

    rng: random.Random
    district: District
    ledger: Ledger
    now: datetime
    tz: ZoneInfo


# ---- drafting a wish as it was posted -------------------------------------------------------


@dataclass
class Draft:
    """A wish as posted, and the private details its public text must leave out."""

    template: Template
    community: int
    posted: datetime
    poster: tuple[int, str]
    beneficiary: int | None
    text: str
    contact: str
    wished_by: date
    photos: list[str]
    secrets: tuple[str, ...]


def _phone(rng: random.Random) -> str:
    """Return an invented mobile number."""
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _name(rng: random.Random, given: Sequence[str]) -> str:
    """Return an invented name."""
    return rng.choice(SURNAMES) + rng.choice(given)


def _photo(at: datetime, index: int = 0) -> str:
    """Return a photo reference as the simulator sends one."""
    return f"sim-photo-{int(at.timestamp() * 1000) + index}.jpg"


def _address(rng: random.Random, compounds: list[str]) -> str:
    """Return an invented home address in one of a community's compounds."""
    compound = rng.choice(compounds)
    if compound.endswith("组"):
        return f"{compound}{rng.randint(1, 60)}号"
    return f"{compound}{rng.randint(1, 28)}栋{rng.randint(1, 4)}单元{rng.randint(1, 7)}0{rng.randint(1, 4)}室"


def _who(template: Template) -> tuple[str, ...]:
    """Return how a grid member introduces the beneficiary of a template."""
    if isinstance(template, WishTemplate):
        return template.who
    return OLD if template.category == "elderly" else ("低保户",) if template.category == "low_income" else ("居民",)


def _wished_by(rng: random.Random, posted: date) -> date:
    """Return the wished-by date a poster picks: in a week, a month, three months, or a typed date."""
    roll = rng.random()
    days = 7 if roll < 0.3 else 30 if roll < 0.8 else 90 if roll < 0.9 else rng.randint(10, 45)
    return posted + timedelta(days=days)


def _draft(sim: Sim, template: Template, community: int, posted: datetime, resident: Resident | None) -> Draft:
    """Write a wish as its poster would: a resident for themself, or staff on someone's behalf."""
    rng, district = sim.rng, sim.district
    secrets: tuple[str, ...]
    age = rng.randint(*template.ages)
    address = _address(rng, district.compounds[community]) if district.compounds.get(community) and rng.random() < 0.75 else None
    phone = resident.phone if resident else _phone(rng)
    if resident is not None:
        name = resident.name
        where = f"，住在{address}" if address else ""
        text = f"我叫{name}，今年{age}岁{where}。{template.situation}，{template.need}。"
        text += f"电话{phone}。" if rng.random() < 0.35 else ""
        contact, secrets = f"{name} {phone}", (name, phone)
        poster: tuple[int, str] = (resident.id, Role.RESIDENT.value)
    else:
        who = rng.choice(_who(template))
        name = _name(rng, CHILDREN if template.category == CHILD else FEMALE if "妈妈" in who or rng.random() < 0.5 else MALE)
        place = f"{address}的" if address else district.units[community]
        text = f"{place}{who}{name}，今年{age}岁，{template.situation}，{template.need}。{rng.choice(VERIFIED)}"
        text += f"联系电话{phone}。" if rng.random() < 0.3 else ""
        contact, secrets = _contact(rng, template, name, phone)
        poster = rng.choice(district.posters[community])
    local = posted.astimezone(sim.tz).date()
    return Draft(
        template=template, community=community, posted=posted, poster=poster,
        beneficiary=resident.id if resident else None, text=text, contact=contact,
        wished_by=_wished_by(rng, local), photos=[_photo(posted)] if rng.random() < 0.25 else [],
        secrets=(*secrets, *((address,) if address else ())),
    )


def _contact(rng: random.Random, template: Template, name: str, phone: str) -> tuple[str, tuple[str, ...]]:
    """Return the contact a grid member types (the beneficiary, a relative or a guardian) and its private words."""
    if template.category == CHILD:
        guardian = next((g for g in GUARDIANS if g in template.situation), rng.choice(GUARDIANS))
        adult = _name(rng, FEMALE if guardian in ("奶奶", "外婆") else MALE)
        return f"{adult}（{guardian}） {phone}", (name, adult, phone)
    if rng.random() < 0.55:
        return f"{name} {phone}", (name, phone)
    relative = _name(rng, FEMALE + MALE)
    return f"{relative}（{rng.choice(RELATIONS)}） {phone}", (name, relative, phone)


def _template(rng: random.Random, posted: datetime, tz: ZoneInfo, *, rejected: bool, self_post: bool | None = None) -> Template:
    """Pick what is wished for: by category weight, in season, postable by a resident when SELF_POST."""
    if rejected:
        return rng.choice([t for t in REJECTIONS if storable(t.category)])
    category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    if self_post and category == CHILD:
        category = "elderly"
    month = posted.astimezone(tz).month
    pool = [t for t in TEMPLATES if t.category == category and (not t.months or month in t.months)]
    return rng.choice(pool or [t for t in TEMPLATES if t.category == category])


def _community(rng: random.Random, district: District, category: str) -> int:
    """Pick the community a wish comes from (left-behind children mostly in the villages)."""
    weights = [4 if category == CHILD and c in district.villages else 1 for c in district.communities]
    return rng.choices(district.communities, weights=weights)[0]


def _arrivals(rng: random.Random, now: datetime, tz: ZoneInfo, days: int) -> list[datetime]:
    """Return when the ordinary wishes were posted: about PER_DAY a day up to the showcase, fewer at weekends."""
    first = (now.astimezone(tz) - timedelta(days=days)).date()
    last = now - timedelta(days=SHOWCASE_DAYS)
    moments = []
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        base = PER_DAY * (0.6 if day.weekday() >= 5 else 1.0)
        for _ in range(max(0, round(rng.gauss(base, base**0.5)))):
            minute = int(rng.triangular(8 * 60, 21 * 60, 10 * 60))
            moment = datetime.combine(day, time(minute // 60, minute % 60, rng.randrange(60)), tz).astimezone(now.tzinfo)
            if moment < last:
                moments.append(moment)
    return sorted(moments)


# ---- living a wish up to now ----------------------------------------------------------------


@dataclass
class Life:
    """A wish's row as it ends up, and the events its transitions wrote."""

    row: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)

    def move(self, move: Move, at: datetime, actor: tuple[int | None, str], *, note: str | None = None, attachments: Sequence[str] = (), **values: Any) -> None:
        """Apply a transition as storage.wishes does: the new status and fields, and one event."""
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


class Ledger:
    """Who holds which claims when: nobody above the cap, and few open claims left at `now`."""

    def __init__(self, members: list[Member]) -> None:
        self.spans: dict[int, list[tuple[datetime, datetime | None]]] = {m.id: [] for m in members}

    def free(self, member: int, start: datetime, end: datetime | None, open_limit: int) -> bool:
        """Tell whether a member could hold a claim from START to END (None: still open at now)."""
        spans = self.spans[member]
        overlapping = sum(1 for s, e in spans if (end is None or s < end) and (e is None or start < e))
        still_open = sum(1 for _, e in spans if e is None)
        return overlapping < CAP and (end is not None or still_open < open_limit)

    def hold(self, member: int, start: datetime, end: datetime | None) -> None:
        """Record a claim."""
        self.spans[member].append((start, end))


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
    """Apply the transitions that happened before now, as storage.wishes would have."""
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
    """Return a wish's row as posted (storage.wishes.post_wish)."""
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
