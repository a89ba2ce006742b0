"""The demo history: every case state, consistent events, lights and ratings, and the same data every time."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.app import build_app
from storage.cases.lifecycle import Status
from storage.demo.history import load_demo_history
from storage.models.cases import Case, CaseEvent, CaseRating, Light
from tests.databases import sqlite_url
from tests.settings import config_for

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


async def _generate(url: str, days: int) -> list[tuple[str, str, str, datetime]]:
    app = build_app(config_for(url))
    try:
        async with app.uow() as uow:
            summary = await load_demo_history(uow.session, NOW, TZ, days=days)
            again = await load_demo_history(uow.session, NOW, TZ, days=days)
            await uow.commit()
        assert summary.cases > 0 and again.cases == 0  # only into a district without cases
        async with app.session_factory() as session:
            rows = (await session.execute(select(Case.number, Case.status, Case.text, Case.created_at).order_by(Case.number))).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        await app.close()


async def test_history_has_every_state_and_consistent_records(district_db: str) -> None:
    cases = await _generate(district_db, days=30)
    statuses = Counter(status for _, status, _, _ in cases)
    assert set(statuses) == {s.value for s in Status}, statuses
    assert all(created < NOW for _, _, _, created in cases)
    app = build_app(config_for(district_db))
    try:
        async with app.session_factory() as session:
            registers = await session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "register"))
            ratings = await session.scalar(select(func.count()).select_from(CaseRating))
            lights = dict((await session.execute(select(Light.kind, func.count()).group_by(Light.kind))).all())
            closed = (await session.execute(select(Case.closed_at, Case.resolution).where(Case.status == "closed"))).all()
        assert registers == len(cases) and ratings and set(lights) == {"yellow", "red", "sign_overdue"}
        assert all(closed_at is not None and resolution for closed_at, resolution in closed)
    finally:
        await app.close()


async def test_history_is_deterministic(demo_template: Path, tmp_path: Path) -> None:
    urls = []
    for name in ("a.db", "b.db"):
        shutil.copyfile(demo_template, tmp_path / name)
        urls.append(sqlite_url(tmp_path / name))
    first, second = await _generate(urls[0], days=20), await _generate(urls[1], days=20)
    assert first == second and len(first) > 300
