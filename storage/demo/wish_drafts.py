"""Drafting invented wishes as they were posted: the generator's state (Sim, the claims Ledger), the arrival times, and each wish's text, contact, photos and the secrets its public text must leave out."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast as as_type
from zoneinfo import ZoneInfo

from sqlalchemy import Table

from storage.cases.lifecycle import Role
from storage.demo.wish_people import District, Member, Resident
from storage.demo.wish_texts import (
    CHILD,
    CHILDREN,
    FEMALE,
    GUARDIANS,
    MALE,
    OLD,
    REJECTIONS,
    RELATIONS,
    TEMPLATES,
    VERIFIED,
    RejectedTemplate,
    WishTemplate,
)
from storage.models.wishes import Wish
from storage.wishes.settings import WishesSection

PER_DAY = 0.9  # wishes posted a day, on average
SHOWCASE_DAYS = 10.0  # the last days, whose wishes have fixed outcomes (storage.demo.wishes.SHOWCASE)
CAP = WishesSection().max_open_claims
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏"


WEIGHTS = {"elderly": 35, "low_income": 20, CHILD: 18, "disabled": 12, "other": 15}


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


@dataclass
class Sim:
    """What every step of the generator needs: the random generator, the district, the claims, the clock."""

    rng: random.Random
    district: District
    ledger: Ledger
    now: datetime
    tz: ZoneInfo


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
