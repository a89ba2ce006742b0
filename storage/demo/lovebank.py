"""The love bank's invented history for the demo district: the catalogue (data/demo_district.toml), the points
the demo's fulfilled wishes earned their claimants, a volunteer activity in every community every few
weeks with hours confirmed, and redemptions — collected, still open, or expired with the points back.

Deterministic for a given `now` and seed. Every movement is a ledger entry in time order, so no
balance ever goes below zero, and each account's balance is the sum of its entries.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.demo.district import DEMO_DISTRICT, read_toml
from storage.lovebank.activities import CONFIRMED, OPEN, TAKEN, points_for
from storage.lovebank.codes import VOUCHER_ALPHABET
from storage.lovebank.redemptions import EXPIRED, HANDED, ISSUED
from storage.lovebank.settings import DEFAULT_WISH_POINTS
from storage.models.lovebank import (
    Activity,
    ActivitySignup,
    LedgerEntry,
    LovebankAccount,
    Redemption,
    Reward,
)
from storage.models.people import Person, RoleBinding, Unit
from storage.models.wishes import Wish

SALT = 23
EVERY_DAYS = (14, 21)  # between a community's activities
REDEMPTION_DAYS = 14  # the [lovebank] default
SHOW_NAME = (True, True, True, False, None)  # most volunteers agree to be named; some say no, some never answered


def _table(model: Any) -> Table:
    """Return a model's table, for Core bulk inserts."""
    return cast(Table, model.__table__)


@dataclass
class Books:
    """The ledger being written: entries in time order and the balance they leave per person."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    balance: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, person: int, amount: int, reason: str, at: datetime, **row: Any) -> None:
        """Record one movement (the caller never overdraws)."""
        self.balance[person] += amount
        source = {"wish": "wish", "activity": "activity", "redeem": "redemption", "refund": "redemption"}[reason]
        self.entries.append(
            {"person_id": person, "amount": amount, "reason": reason, "source_kind": source, "note": None, "community_id": None,
             "recorded_by_person_id": None, "recorded_by_role": "system", "key": None, "created_at": at} | row
        )


def _code(rng: random.Random, alphabet: str, length: int, used: set[str]) -> str:
    """Return a code from the seeded generator that no other demo row holds."""
    while True:
        code = "".join(rng.choice(alphabet) for _ in range(length))
        if code not in used:
            used.add(code)
            return code


async def _insert_ids(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in bulk and return their ids in order."""
    if not rows:
        return []
    stmt = insert(_table(model)).returning(_table(model).c.id, sort_by_parameter_order=True)
    return [int(i) for i in (await session.scalars(stmt, rows)).all()]


async def _catalogue(session: AsyncSession, rng: random.Random, now: datetime, units: dict[str, Unit]) -> list[dict[str, Any]]:
    """Insert the demo catalogue; return its rewards as rows with their ids."""
    district = next(u for u in units.values() if u.kind == "district")
    rows = []
    for item in read_toml(DEMO_DISTRICT).get("reward", []):
        owner = district if item["unit"] == "district" else units[item["unit"]]
        rows.append({
            "unit_id": owner.id, "name": item["name"], "provider": item.get("provider"), "points": int(item["points"]),
            "stock": int(item["stock"]), "valid_until": (now + timedelta(days=rng.choice((120, 180, 240)))).date(),
            "community_ids": [] if owner.kind == "district" else [owner.id], "active": True, "created_by_person_id": None,
            "created_at": now - timedelta(days=130), "updated_at": now,
        })
    ids = await _insert_ids(session, Reward, rows)
    return [row | {"id": i} for row, i in zip(rows, ids, strict=True)]


async def _wish_credits(session: AsyncSession, books: Books) -> int:
    """Credit each fulfilled demo wish's claimant by the default rule."""
    query = select(Wish.id, Wish.category, Wish.claimant_person_id, Wish.community_id, Wish.confirmed_at).where(
        Wish.status == "fulfilled", Wish.claimant_person_id.is_not(None), Wish.confirmed_at.is_not(None)
    )
    count = 0
    for wish_id, category, claimant, community, at in (await session.execute(query.order_by(Wish.confirmed_at))).all():
        points = DEFAULT_WISH_POINTS.get(category, 0)
        if points and claimant is not None and at is not None:
            books.add(int(claimant), points, "wish", at, source_id=wish_id, community_id=community, key=f"wish:{wish_id}:p{claimant}")
            count += 1
    return count


async def _activities(session: AsyncSession, rng: random.Random, books: Books, now: datetime, tz: ZoneInfo, *, days: int, used: set[str]) -> tuple[int, int]:
    """Run a volunteer activity in every community every few weeks, with its volunteers' hours confirmed."""
    units = (await session.execute(select(Unit.id, Unit.kind).where(Unit.kind == "community").order_by(Unit.id))).all()
    people = (await session.execute(select(Person.id, Person.registered_unit_id).where(Person.registered_unit_id.is_not(None)))).all()
    residents: dict[int, list[int]] = defaultdict(list)
    for person_id, unit_id in people:
        if unit_id is not None:
            residents[int(unit_id)].append(int(person_id))
    bound = (await session.execute(select(RoleBinding.person_id, RoleBinding.role, RoleBinding.unit_id))).all()
    organisers = {int(u): int(p) for p, role, u in bound if role == "community"}
    for p, role, u in bound:
        if role == "party_member":
            residents[int(u)].append(int(p))
    titles = read_toml(DEMO_DISTRICT).get("lovebank", {}).get("activities", [["环境清洁志愿服务", "小区中心广场"]])
    made, signups = 0, 0
    for community, _ in units:
        pool = residents.get(community, [])
        if community not in organisers or len(pool) < 4:
            continue
        day = (now - timedelta(days=days)).astimezone(tz).date() + timedelta(days=rng.randrange(14))
        while True:
            starts = datetime.combine(day, time(rng.choice((9, 14)), 0), tz).astimezone(now.tzinfo)
            if starts + timedelta(days=1) > now:
                break
            title, place = rng.choice(titles)
            minutes, places, per_hour = rng.choice((90, 120, 150, 180)), rng.randint(6, 12), 10
            volunteers = rng.sample(pool, min(len(pool), rng.randint(3, places)))
            row = {
                "community_id": community, "organiser_person_id": organisers[community], "title": title, "place": place,
                "starts_at": starts, "minutes": minutes, "places": places, "taken": len(volunteers), "points_per_hour": per_hour,
                "checkin_code": _code(rng, "0123456789", 6, used), "status": OPEN,
                "created_at": starts - timedelta(days=5), "updated_at": starts,
            }
            [activity_id] = await _insert_ids(session, Activity, [row])
            made += 1
            signups += await _sign_ups(session, rng, books, row | {"id": activity_id}, volunteers)
            day += timedelta(days=rng.choice(EVERY_DAYS))
    return made, signups


async def _sign_ups(session: AsyncSession, rng: random.Random, books: Books, activity: dict[str, Any], volunteers: list[int]) -> int:
    """Insert an activity's sign-ups: most came and had their hours confirmed, a few did not come."""
    starts, confirmed_at = activity["starts_at"], activity["starts_at"] + timedelta(minutes=activity["minutes"] + 60)
    rows = []
    for person in volunteers:
        came = rng.random() < 0.9
        minutes = activity["minutes"] - rng.choice((0, 0, 0, 30)) if came else None
        rows.append({
            "activity_id": activity["id"], "person_id": person, "status": CONFIRMED if came else TAKEN,
            "queued_at": starts - timedelta(days=rng.randint(1, 4)), "checked_in_at": starts if came else None,
            "minutes": minutes, "points": points_for(activity["points_per_hour"], minutes) if minutes else None,
            "confirmed_at": confirmed_at if came else None, "confirmed_by_person_id": activity["organiser_person_id"] if came else None,
            "created_at": starts - timedelta(days=4), "updated_at": confirmed_at,
        })
    ids = await _insert_ids(session, ActivitySignup, rows)
    for row, signup_id in zip(rows, ids, strict=True):
        if row["points"]:
            books.add(row["person_id"], row["points"], "activity", confirmed_at, source_id=activity["id"], note=f"{row['minutes']}min",
                      community_id=activity["community_id"], recorded_by_person_id=activity["organiser_person_id"],
                      recorded_by_role="community", key=f"activity:signup:{signup_id}")
    return len(rows)


async def _redemptions(session: AsyncSession, rng: random.Random, books: Books, rewards: list[dict[str, Any]], *, now: datetime, used: set[str]) -> int:
    """Let volunteers redeem as their points allow: most collect, a few let the code expire (points back), recent ones wait."""
    homes = {int(p): int(u) for p, u in (await session.execute(select(Person.id, Person.registered_unit_id).where(Person.registered_unit_id.is_not(None)))).all() if u is not None}
    credits = sorted((e for e in list(books.entries) if e["amount"] > 0), key=lambda e: e["created_at"])
    stock = {r["id"]: r["stock"] for r in rewards}
    running: dict[int, int] = defaultdict(int)  # credits so far less every debit decided: never above the true balance
    made = 0
    for credit in credits:
        person = credit["person_id"]
        running[person] += credit["amount"]
        at = credit["created_at"] + timedelta(hours=rng.randint(2, 72))
        offered = [r for r in rewards if (not r["community_ids"] or homes.get(person) in r["community_ids"]) and stock[r["id"]] > 0]
        affordable = [r for r in offered if r["points"] <= running[person]]
        if at >= now or not affordable or rng.random() < 0.5:
            continue
        reward = rng.choice(affordable)
        expires = at + timedelta(days=REDEMPTION_DAYS)
        status = ISSUED if expires > now else (EXPIRED if rng.random() < 0.12 else HANDED)
        handed = at + timedelta(days=rng.randint(0, 6)) if status == HANDED else None
        row = {
            "reward_id": reward["id"], "person_id": person, "community_id": homes.get(person), "points": reward["points"],
            "code": _code(rng, VOUCHER_ALPHABET, 8, used), "status": status, "created_at": at, "expires_at": expires, "handed_at": handed,
            "handed_by_person_id": None, "expired_at": expires if status == EXPIRED else None,
        }
        [redemption_id] = await _insert_ids(session, Redemption, [row])
        running[person] -= reward["points"]
        books.add(person, -reward["points"], "redeem", at, source_id=redemption_id, note=reward["name"], community_id=homes.get(person),
                  recorded_by_person_id=person, recorded_by_role="volunteer", key=f"redeem:{redemption_id}")
        if status == EXPIRED:
            books.add(person, reward["points"], "refund", expires, source_id=redemption_id, community_id=homes.get(person), key=f"refund:{redemption_id}")
        else:
            stock[reward["id"]] -= 1
        made += 1
    for reward in rewards:
        await session.execute(_table(Reward).update().where(_table(Reward).c.id == reward["id"]).values(stock=stock[reward["id"]]))
    return made


@dataclass(frozen=True)
class LovebankSummary:
    """What the love bank's demo history inserted."""

    entries: int
    activities: int
    redemptions: int


async def load_demo_lovebank(session: AsyncSession, now: datetime, tz: ZoneInfo, *, seed: int, days: int) -> LovebankSummary:
    """Insert the love bank's history before NOW, unless the district has a ledger already (the caller commits)."""
    if (await session.scalar(select(func.count()).select_from(LedgerEntry))) or (await session.scalar(select(func.count()).select_from(Reward))):
        return LovebankSummary(0, 0, 0)
    rng = random.Random(seed * SALT + days)
    units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    rewards = await _catalogue(session, rng, now, units)
    books = Books()
    await _wish_credits(session, books)
    used: set[str] = set()
    activities, _ = await _activities(session, rng, books, now, tz, days=days, used=used)
    books.entries.sort(key=lambda e: e["created_at"])
    redemptions = await _redemptions(session, rng, books, rewards, now=now, used=used)
    books.entries.sort(key=lambda e: (e["created_at"], e["reason"] != "refund"))
    if books.entries:
        await session.execute(insert(_table(LedgerEntry)), books.entries)
        accounts = [
            {"person_id": p, "balance": b, "show_name": rng.choice(SHOW_NAME), "consent_at": now, "updated_at": now}
            for p, b in sorted(books.balance.items())
        ]
        for account in accounts:
            account["consent_at"] = None if account["show_name"] is None else now
        await session.execute(insert(_table(LovebankAccount)), accounts)
    return LovebankSummary(len(books.entries), activities, redemptions)
