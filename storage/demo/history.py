"""Months of invented, realistic history for the demo district: cases in every state, with their events.

Deterministic for a given `now` and seed: texts come from the routing training set
(nlp/data/train_extra.csv), so they read like real requests and classify; places, timings and
outcomes are drawn from a seeded random generator. Each case gets the events the lifecycle would
have written (register, dispatch, sign, complete, start_revisit, confirm_solved or redo, returns,
extensions, closes), its lights and written explanations, and its revisit ratings. The same period
gets micro-wishes in every state with their events (storage.demo.wishes) and the love bank's ledger,
activities and redemptions (storage.demo.lovebank). Everything is
inserted with bulk INSERTs in one transaction (a few thousand cases take seconds on SQLite).
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.demo.lovebank import load_demo_lovebank
from storage.demo.timeline import CaseDraft, Staff, Timeline, simulate
from storage.demo.wishes import load_demo_wishes
from storage.models.cases import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseRating,
    ExplanationTask,
    Light,
)
from storage.models.people import Person, RoleBinding, Unit

TRAIN_TEXTS = Path(__file__).resolve().parents[2] / "nlp" / "data" / "train_extra.csv"
SEED = 20261121
DAYS = 122
PER_DAY = 24
RESIDENTS = 400
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢"
GIVEN = "秀英桂兰玉梅建华国强志明丽娟海燕春梅红霞文静德明淑珍金凤永刚军伟晓东丽萍子涵浩然欣怡宇轩梓萱俊杰雨桐建军卫东淑英"


def _table(model: Any) -> Table:
    """Return a model's table, for Core bulk inserts (much faster than the ORM's for thousands of rows)."""
    return cast(Table, model.__table__)


@dataclass(frozen=True)
class HistorySummary:
    """What the history generator inserted."""

    residents: int
    cases: int
    events: int
    lights: int
    ratings: int
    wishes: int = 0
    wish_events: int = 0


@dataclass
class Places:
    """The demo district's grids with their community, street and compounds, and who works where."""

    grids: list[tuple[Unit, int, int]] = field(default_factory=list)
    compounds: dict[int, list[str]] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)
    command_center: int | None = None
    staff: dict[int, list[int]] = field(default_factory=dict)


def read_texts(path: Path = TRAIN_TEXTS) -> list[tuple[str, str, str]]:
    """Return (text, department, request type) rows of the training set, Chinese texts only."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(r["text"], r["department"], r["request_type"]) for r in csv.DictReader(handle)]
    return [r for r in rows if any("\u4e00" <= c <= "\u9fff" for c in r[0])]


async def load_places(session: AsyncSession) -> Places:
    """Load the grids, departments, command center and staff of the district."""
    units = {u.id: u for u in (await session.scalars(select(Unit).order_by(Unit.id))).all()}
    places = Places()
    for unit in units.values():
        if unit.kind == "grid" and unit.parent_id is not None:
            community = units[unit.parent_id]
            places.grids.append((unit, community.id, community.parent_id or community.id))
            places.compounds[unit.id] = list((unit.gazetteer or {}).get("compounds", []))
        elif unit.kind == "department":
            places.departments[unit.code] = unit.id
        elif unit.kind == "command_center":
            places.command_center = unit.id
    bindings = await session.execute(select(RoleBinding.unit_id, RoleBinding.person_id).order_by(RoleBinding.id))
    for unit_id, person_id in bindings.all():
        places.staff.setdefault(unit_id, []).append(person_id)
    return places


async def _insert_returning_ids(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in bulk and return their new ids in the same order."""
    if not rows:
        return []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(i) for i in (await session.scalars(stmt, rows)).all()]


DEMO_RESIDENT_SHARE = 0.012  # of ~2,700 cases: about five for each of the six demo residents


async def _share_with_demo_residents(session: AsyncSession, drafts: list[CaseDraft], seed: int) -> list[CaseDraft]:
    """Give the simulator's demo residents (张三 …) a few of the cases, so 我的诉求 shows history.

    A generator of its own keeps the rest of the history exactly as the main seed makes it.
    """
    query = select(Person.id).where(Person.demo_key.like("resident-%")).order_by(Person.id)
    demo = list((await session.scalars(query)).all())
    if not demo:
        return drafts
    rng = random.Random(seed + 1)
    return [replace(d, resident=rng.choice(demo)) if rng.random() < DEMO_RESIDENT_SHARE else d for d in drafts]


async def _add_residents(session: AsyncSession, rng: random.Random, places: Places, start: datetime) -> list[int]:
    """Create the residents who raised the historical cases."""
    communities = sorted({community for _, community, _ in places.grids})
    rows = [
        {
            "name": rng.choice(SURNAMES) + GIVEN[(i * 2) % len(GIVEN) : (i * 2) % len(GIVEN) + rng.choice((1, 2))],
            "phone": f"139{rng.randrange(10**8):08d}",
            "registered_unit_id": rng.choice(communities),
            "demo_key": None,
            "created_at": start,
        }
        for i in range(RESIDENTS)
    ]
    return await _insert_returning_ids(session, Person.__table__, rows)


def _arrivals(rng: random.Random, now: datetime, tz: ZoneInfo, days: int) -> list[datetime]:
    """Return when cases came in: about PER_DAY a day, fewer at weekends, busier in daytime."""
    moments = []
    first = (now.astimezone(tz) - timedelta(days=days)).date()
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        base = PER_DAY * (0.7 if day.weekday() >= 5 else 1.0) * (0.85 + 0.3 * offset / days)
        for _ in range(max(0, round(rng.gauss(base, base**0.5)))):
            minute = int(rng.triangular(7 * 60, 22 * 60, 10 * 60))
            moment = datetime.combine(day, time(minute // 60, minute % 60, rng.randrange(60)), tz).astimezone(now.tzinfo)
            if moment < now - timedelta(minutes=10):
                moments.append(moment)
    return sorted(moments)


def _pick_text(rng: random.Random, texts: list[tuple[str, str, str]], moment: datetime, now: datetime) -> tuple[str, str, str]:
    """Pick a request text; in the last three weeks water and noise complaints rise (a hotspot to find)."""
    if now - moment < timedelta(days=21) and rng.random() < 0.25:
        rising = [t for t in texts if t[1] in ("gongshui", "shengtai")]
        return rng.choice(rising)
    return rng.choice(texts)


def _draft(rng: random.Random, places: Places, texts: list[tuple[str, str, str]], moment: datetime, *, now: datetime, residents: list[int]) -> CaseDraft:
    """Return one case as it came in: text, place, department and the unit it goes to."""
    text, department, request_type = _pick_text(rng, texts, moment, now)
    weights = [3 if i % 3 == 0 else 1 + (i % 2) for i in range(len(places.grids))]
    grid, community, street = rng.choices(places.grids, weights=weights)[0]
    triage = department == "dispatch"
    if triage:
        department = rng.choice(sorted(places.departments))
    target = grid.id if department == "shequ" else places.departments.get(department, grid.id)
    compounds = places.compounds.get(grid.id) or [grid.name]
    address = f"{rng.choice(compounds)}{rng.randint(1, 30)}栋" if rng.random() < 0.7 else None
    return CaseDraft(
        text=text,
        request_type=request_type,
        department=department,
        grid_id=grid.id,
        community_id=community,
        street_id=street,
        address=address,
        target_unit=target,
        triage=triage,
        resident=rng.choice(residents),
        created_at=moment,
    )


async def _number_start(session: AsyncSession, days: list[str]) -> dict[str, int]:
    """Return the last case number already issued on each local day."""
    rows = await session.execute(select(CaseNumberCounter.day, CaseNumberCounter.last).where(CaseNumberCounter.day.in_(days)))
    return {day: int(last) for day, last in rows.all()}


async def _write_counters(session: AsyncSession, counters: dict[str, int], existing: dict[str, int]) -> None:
    """Store the last number of each day so live cases continue after the history."""
    new = [{"day": d, "last": n} for d, n in counters.items() if d not in existing]
    if new:
        await session.execute(insert(_table(CaseNumberCounter)), new)
    for day, last in counters.items():
        if day in existing:
            row = await session.get(CaseNumberCounter, day)
            if row is not None:
                row.last = last


async def load_demo_history(
    session: AsyncSession, now: datetime, tz: ZoneInfo, *, seed: int = SEED, days: int = DAYS
) -> HistorySummary:
    """Insert ~4 months of history (cases, then micro-wishes) before NOW into a demo district with no cases yet (the caller commits)."""
    if (await session.scalar(select(func.count()).select_from(Case))) or 0:
        return HistorySummary(0, 0, 0, 0, 0)
    rng = random.Random(seed)
    places = await load_places(session)
    texts = read_texts()
    start = now - timedelta(days=days + 1)
    residents = await _add_residents(session, rng, places, start)
    drafts = [_draft(rng, places, texts, moment, now=now, residents=residents) for moment in _arrivals(rng, now, tz, days)]
    drafts = await _share_with_demo_residents(session, drafts, seed)
    staff = Staff(places.staff, places.command_center)
    timelines = [simulate(rng, draft, now, staff) for draft in drafts]
    summary = await _insert(session, timelines, now, tz, residents)
    wishes = await load_demo_wishes(session, now, tz, seed=seed, days=days)
    await load_demo_lovebank(session, now, tz, seed=seed, days=days)
    return replace(summary, wishes=wishes.wishes, wish_events=wishes.events)


async def _insert(session: AsyncSession, timelines: list[Timeline], now: datetime, tz: ZoneInfo, residents: list[int]) -> HistorySummary:
    """Insert the cases, then their events, lights, explanations and ratings."""
    days = sorted({t.draft.created_at.astimezone(tz).strftime("%Y%m%d") for t in timelines})
    existing = await _number_start(session, days)
    counters: dict[str, int] = defaultdict(int, existing)
    rows = []
    for timeline in timelines:
        day = timeline.draft.created_at.astimezone(tz).strftime("%Y%m%d")
        counters[day] += 1
        rows.append(timeline.case_row(f"QG-{day}-{counters[day]:04d}"))
    ids = await _insert_returning_ids(session, Case.__table__, rows)
    await _write_counters(session, dict(counters), existing)
    events = [e | {"case_id": i} for i, t in zip(ids, timelines, strict=True) for e in t.sorted_events()]
    ratings = [r | {"case_id": i} for i, t in zip(ids, timelines, strict=True) for r in t.ratings]
    light_rows = [(i, light) for i, t in zip(ids, timelines, strict=True) for light in t.lights]
    await session.execute(insert(_table(CaseEvent)), events)
    if ratings:
        await session.execute(insert(_table(CaseRating)), ratings)
    light_ids = await _insert_returning_ids(
        session, Light.__table__, [{k: v for k, v in light.items() if k != "explanation"} | {"case_id": i} for i, light in light_rows]
    )
    tasks = [
        light["explanation"] | {"light_id": light_id, "case_id": case_id, "cycle": light["cycle"], "unit_id": light["unit_id"]}
        for light_id, (case_id, light) in zip(light_ids, light_rows, strict=True)
        if light.get("explanation") is not None
    ]
    if tasks:
        await session.execute(insert(_table(ExplanationTask)), tasks)
    return HistorySummary(len(residents), len(ids), len(events), len(light_ids), len(ratings))
