"""The demo history's love bank: a catalogue, credits for fulfilled wishes and served hours, redemptions in
every state — every balance the sum of its ledger, never below zero at any moment, the same every time."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.app import build_app
from storage.demo.history import load_demo_history
from storage.lovebank.ledger import audit
from storage.models.lovebank import Activity, LedgerEntry, Redemption, Reward
from tests.databases import sqlite_url
from tests.settings import config_for

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


async def _history(url: str) -> list[tuple[int, int, str, datetime]]:
    """Load 60 days of demo history and return the ledger as (person, amount, reason, time)."""
    app = build_app(config_for(url))
    try:
        async with app.uow() as uow:
            await load_demo_history(uow.session, NOW, TZ, days=60)
            await uow.commit()
        async with app.uow() as uow:
            session = uow.session
            assert await audit(session) == []
            statuses = Counter((await session.scalars(select(Redemption.status))).all())
            assert set(statuses) == {"issued", "handed", "expired"}, statuses
            assert await session.scalar(select(func.count(Activity.id))) > 8
            assert await session.scalar(select(func.min(Reward.stock))) >= 0
            rows = (await session.execute(select(LedgerEntry.person_id, LedgerEntry.amount, LedgerEntry.reason, LedgerEntry.created_at).order_by(LedgerEntry.id))).all()
        return [(int(p), int(a), r, t) for p, a, r, t in rows]
    finally:
        await app.close()


async def test_the_demo_love_bank_is_consistent_and_deterministic(demo_template: Path, tmp_path: Path) -> None:
    ledgers = []
    for name in ("a.db", "b.db"):
        shutil.copyfile(demo_template, tmp_path / name)
        ledgers.append(await _history(sqlite_url(tmp_path / name)))
    first, second = ledgers
    assert first == second and {r for _, _, r, _ in first} == {"wish", "activity", "redeem", "refund"}
    running: dict[int, int] = defaultdict(int)
    for person, amount, _, at in sorted(first, key=lambda e: e[3]):
        running[person] += amount
        assert running[person] >= 0, (person, at)
    assert all(at < NOW for *_, at in first)
