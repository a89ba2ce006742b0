"""The demo history's micro-wishes: every state, events as storage.wishes.use_cases writes them, the same every time, usable in chat."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import build_app
from handlers.texts import load_texts
from nlp import Classifier
from storage.cases.lifecycle import Role
from storage.demo.history import load_demo_history
from storage.demo.wish_drafts import storable
from storage.models.people import Person, RoleBinding, Unit
from storage.models.wishes import Wish, WishEvent
from storage.wishes.redact import leaks, names_in_contact
from storage.wishes.settings import WishesSection
from storage.wishes.use_cases import (
    CATEGORIES,
    STATUSES,
    Actor,
    NewWish,
    approve,
    claim,
    confirm,
    events_of,
    get_wish,
    post_wish,
    reject,
    release,
    report_done,
    wish_counts,
)
from tests.databases import sqlite_url
from tests.districts import District, start_district
from tests.settings import config_for

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
DAYS = 30
EVENT_FIELDS = ("action", "actor_person_id", "actor_role", "from_status", "to_status", "note", "attachments", "created_at")
WISH_FIELDS = tuple(c.name for c in Wish.__table__.columns if c.name != "id")


async def _load(url: str, now: datetime = NOW, days: int = DAYS) -> None:
    app = build_app(config_for(url))
    try:
        async with app.uow() as uow:
            summary = await load_demo_history(uow.session, now, TZ, days=days)
            await uow.commit()
        assert summary.wishes > 0 and summary.wish_events > summary.wishes
    finally:
        await app.close()


async def _wishes(session: AsyncSession) -> list[tuple[Wish, list[WishEvent]]]:
    wishes = (await session.scalars(select(Wish).order_by(Wish.id))).all()
    events = (await session.scalars(select(WishEvent).order_by(WishEvent.id))).all()
    by_wish: dict[int, list[WishEvent]] = {}
    for event in events:
        by_wish.setdefault(event.wish_id, []).append(event)
    return [(wish, by_wish.get(wish.id, [])) for wish in wishes]


async def _role_holders(session: AsyncSession, role: str) -> dict[int, set[int]]:
    rows = (await session.execute(select(RoleBinding.person_id, RoleBinding.unit_id).where(RoleBinding.role == role))).all()
    holders: dict[int, set[int]] = {}
    for person_id, unit_id in rows:
        holders.setdefault(person_id, set()).add(unit_id)
    return holders


def _check_life(wish: Wish, events: Sequence[WishEvent], *, reviewers: dict[int, set[int]], party: set[int]) -> None:
    """Check one wish's events: a chain of legal transitions in time order whose fields the row reflects."""
    assert events and events[0].action == "post" and events[0].from_status is None and events[0].to_status == "pending"
    assert events[0].actor_person_id == wish.poster_person_id and events[0].actor_role == wish.poster_role
    assert events[0].created_at == wish.created_at and all(e.created_at < NOW for e in events)
    for before, after in zip(events, events[1:], strict=False):
        assert after.from_status == before.to_status, (wish.id, before.action, after.action)
        assert before.created_at < after.created_at < NOW
    assert events[-1].to_status == wish.status and events[-1].created_at == wish.updated_at
    _check_fields(wish, {e.action: e for e in events}, reviewers=reviewers)
    for event in events:
        if event.action in ("claim", "release", "fulfil"):
            assert event.actor_role == Role.PARTY_MEMBER.value and event.actor_person_id in party


def _check_fields(wish: Wish, last: dict[str, WishEvent], *, reviewers: dict[int, set[int]]) -> None:
    """Check that a wish's fields are those its last event of each action set."""
    if "approve" in last:
        assert wish.public_text == last["approve"].note and wish.approved_at == last["approve"].created_at
    if "reject" in last:
        assert wish.reject_reason == last["reject"].note and wish.public_text is None
    for review in (last.get("approve"), last.get("reject")):
        if review is not None:
            assert review.actor_role == Role.COMMUNITY.value and wish.community_id in reviewers[review.actor_person_id or 0]
    if wish.status in ("claimed", "done", "fulfilled"):
        claimed = last["claim"]
        assert (wish.claimant_person_id, wish.claim_group, wish.claimed_at) == (claimed.actor_person_id, claimed.note, claimed.created_at)
    else:
        assert wish.claimant_person_id is None and wish.claim_group is None and wish.claimed_at is None
    if wish.status in ("done", "fulfilled"):
        done = last["fulfil"]
        assert done.actor_person_id == wish.claimant_person_id and done.attachments == wish.fulfil_photos and wish.fulfil_photos
        assert (wish.fulfil_note, wish.fulfilled_at) == (done.note, done.created_at)
    if wish.status == "fulfilled":
        confirmed = last["confirm"]
        assert (wish.story, wish.confirmed_at) == (confirmed.note, confirmed.created_at)
        if confirmed.actor_role == Role.RESIDENT.value:
            assert confirmed.actor_person_id == wish.beneficiary_person_id is not None
        else:
            assert confirmed.actor_role == Role.COMMUNITY.value and wish.community_id in reviewers[confirmed.actor_person_id or 0]


async def test_wishes_in_every_state_with_consistent_events(district_db: str) -> None:
    await _load(district_db)
    app = build_app(config_for(district_db))
    try:
        async with app.session_factory() as session:
            lives = await _wishes(session)
            reviewers = await _role_holders(session, Role.COMMUNITY.value)
            party = set(await _role_holders(session, Role.PARTY_MEMBER.value))
            communities = set((await session.scalars(select(Unit.id).where(Unit.kind == "community"))).all())
            demo = dict((await session.execute(select(Person.demo_key, Person.id).where(Person.demo_key.is_not(None)))).all())
    finally:
        await app.close()
    wishes = [wish for wish, _ in lives]
    assert set(Counter(w.status for w in wishes)) == set(STATUSES)
    assert set(Counter(w.category for w in wishes)) == {c for c in CATEGORIES if storable(c)}
    assert {w.poster_role for w in wishes} == {"resident", "grid_member", "community"}
    assert any(w.status == "claimed" and w.claim_group and "帮帮团" in w.claim_group for w in wishes)
    assert {w.claimant_person_id for w in wishes if w.claimant_person_id} == party == {demo[f"party-{i}"] for i in (1, 2, 3)}
    assert {w.community_id for w in wishes} <= communities and len({w.community_id for w in wishes}) >= 6
    for wish, events in lives:
        _check_life(wish, events, reviewers=reviewers, party=party)
        if wish.public_text is not None:
            private = [wish.contact.split()[-1], *names_in_contact(wish.contact)]
            assert not leaks(wish.public_text) and not any(p in wish.public_text for p in private), wish.public_text
    open_claims = Counter(w.claimant_person_id for w in wishes if w.status == "claimed")
    assert max(open_claims.values()) < WishesSection().max_open_claims  # every demo party member can still claim
    mine = [w for w in wishes if w.beneficiary_person_id == demo["resident-1"]]
    assert [w.status for w in mine] == ["done"]  # 张三 has a wish waiting for them to confirm


async def test_demo_wishes_are_what_storage_wishes_writes(sqlite_district_db: str) -> None:
    """Replay every demo wish through the real use cases: the same rows and the same events come out."""
    await _load(sqlite_district_db)
    app = build_app(config_for(sqlite_district_db))
    try:
        async with app.session_factory() as session:
            lives = await _wishes(session)
            expected = [({f: getattr(w, f) for f in WISH_FIELDS}, [tuple(getattr(e, f) for f in EVENT_FIELDS) for e in events]) for w, events in lives]
            for (row, events), (_, stored) in zip(expected, lives, strict=True):
                copy_id = await _replay(session, row, stored)
                copy = await get_wish(session, copy_id)
                assert copy is not None
                assert {f: getattr(copy, f) for f in WISH_FIELDS} == row
                assert [tuple(getattr(e, f) for f in EVENT_FIELDS) for e in await events_of(session, copy_id)] == events
            await session.rollback()
    finally:
        await app.close()


def test_every_wish_category_fits_its_column() -> None:
    """Every category code fits wishes.category (PostgreSQL refuses longer values; migration 0007 widened it)."""
    assert all(storable(category) for category in CATEGORIES)


async def _replay(session: AsyncSession, row: dict[str, Any], events: Sequence[WishEvent]) -> int:
    new = NewWish(
        category=row["category"], text=row["text"], wished_by=row["wished_by"], contact=row["contact"],
        community_id=row["community_id"], poster_person_id=row["poster_person_id"], poster_role=row["poster_role"],
        beneficiary_person_id=row["beneficiary_person_id"], photos=tuple(row["photos"]),
    )
    wish, _ = await post_wish(session, new, events[0].created_at)
    for event in events[1:]:
        actor, at, note = Actor(event.actor_person_id, event.actor_role), event.created_at, event.note
        if event.action == "approve":
            done = await approve(session, wish.id, note or "", actor, at)
        elif event.action == "reject":
            done = await reject(session, wish.id, note or "", actor, at)
        elif event.action == "claim":
            done = await claim(session, wish.id, actor, note, at)
        elif event.action == "release":
            done = await release(session, wish.id, actor, at)
        elif event.action == "fulfil":
            done = await report_done(session, wish.id, actor, at, photos=event.attachments, note=note)
        else:
            assert event.action == "confirm"
            done = await confirm(session, wish.id, actor, note or "", at)
        assert done is not None, (wish.id, event.action)
    return wish.id


async def test_demo_stories_read_as_the_bot_writes_them(sqlite_district_db: str) -> None:
    await _load(sqlite_district_db)
    texts = load_texts("zh")
    app = build_app(config_for(sqlite_district_db))
    try:
        async with app.session_factory() as session:
            fulfilled = (await session.scalars(select(Wish).where(Wish.status == "fulfilled"))).all()
            units = dict((await session.execute(select(Unit.id, Unit.name))).all())
            names = dict((await session.execute(select(Person.id, Person.name))).all())
    finally:
        await app.close()
    assert fulfilled
    for wish in fulfilled:
        group = texts.t("wish.card.group", group=wish.claim_group) if wish.claim_group else ""
        story = texts.t(
            "wish.story", name=names[wish.claimant_person_id], group=group, community=units[wish.community_id],
            category=texts.t(f"wish.category.{wish.category}"), text=wish.public_text or "",
        )
        assert wish.story == story


async def _snapshot(url: str) -> list[tuple[Any, ...]]:
    app = build_app(config_for(url))
    try:
        async with app.session_factory() as session:
            lives = await _wishes(session)
    finally:
        await app.close()
    return [
        (*(getattr(w, f) for f in WISH_FIELDS), *(tuple(getattr(e, f) for f in EVENT_FIELDS) for e in events))
        for w, events in lives
    ]


async def test_wish_history_is_deterministic(demo_template: Path, tmp_path: Path) -> None:
    urls = []
    for name in ("a.db", "b.db"):
        shutil.copyfile(demo_template, tmp_path / name)
        urls.append(sqlite_url(tmp_path / name))
        await _load(urls[-1], days=20)
    first, second = await _snapshot(urls[0]), await _snapshot(urls[1])
    assert first == second and len(first) > 20


async def test_wish_counts_over_the_history_period(district_db: str) -> None:
    await _load(district_db)
    app = build_app(config_for(district_db))
    try:
        async with app.session_factory() as session:
            total = len((await session.scalars(select(Wish.id))).all())
            counts = await wish_counts(session, NOW - timedelta(days=DAYS + 1), NOW)
            last_week = await wish_counts(session, NOW - timedelta(days=7), NOW)
    finally:
        await app.close()
    assert counts.posted == total
    assert counts.approved > 0 and counts.rejected > 0 and counts.claimed > 0 and counts.fulfilled > 0
    assert counts.median_hours_to_claim is not None and counts.median_hours_to_claim > 0
    assert counts.median_hours_to_fulfil is not None and counts.median_hours_to_fulfil > 0
    assert set(counts.by_category) == {c for c in CATEGORIES if storable(c)}
    assert 0 < last_week.posted < counts.posted and last_week.claimed > 0


async def _district_with_history(url: str, classifier: Classifier) -> District:
    district = await start_district(url, classifier)
    await _load(url, now=district.clock() - timedelta(minutes=5))
    return district


async def test_the_wish_flows_work_on_the_demo_history(sqlite_district_db: str, classifier: Classifier) -> None:
    district = await _district_with_history(sqlite_district_db, classifier)
    try:
        async with district.app.uow() as uow:
            published = (await uow.session.scalars(select(Wish.id).where(Wish.status == "published").order_by(Wish.id))).all()
        party = district.chat("party-1")
        await party.say("菜单")
        await party.press("浏览微心愿")
        assert f"待认领的微心愿（共 {len(published)} 条" in party.text
        await party.press(f"心愿 #{published[0]}")
        await party.press("认领")
        assert f"认领成功！感谢您认领微心愿 #{published[0]}" in party.text
        await party.say("菜单")
        await party.press("我认领的心愿")
        assert "我认领的心愿（共" in party.text

        resident = district.chat("resident-1")
        await resident.say("微心愿")
        await resident.press("我的微心愿")
        assert "我的微心愿（共 1 条" in resident.text
        async with district.app.uow() as uow:
            person = await uow.people.by_demo_key("resident-1")
            assert person is not None
            waiting = (await uow.session.scalars(select(Wish).where(Wish.beneficiary_person_id == person.id))).one()
        await resident.press(f"心愿 #{waiting.id}")
        await resident.press("确认已实现")
        assert f"已确认微心愿 #{waiting.id} 实现" in resident.text and "党员马甲" in resident.text

        async with district.app.uow() as uow:
            unit = await uow.units.by_code("liuan")
            assert unit is not None
            pending = (await uow.session.scalars(select(Wish.id).where(Wish.status == "pending", Wish.community_id == unit.id))).all()
        community = district.chat("community-liuan")
        await community.say("菜单")
        await community.press("待审核心愿")
        assert (f"待审核的微心愿（共 {len(pending)} 条" if pending else "目前没有待审核的微心愿") in community.text
    finally:
        await district.app.close()
