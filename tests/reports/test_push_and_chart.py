"""The chart is a PNG drawn in the shipped CJK font; the weekly job queues one report per leader, once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from bot.app import App, build_app
from handlers.reports.build import build_report
from handlers.reports.chart import FONT_PATH, drawable, register_font, render_chart
from handlers.reports.settings import ReportsSection
from scheduler.jobs import JOBS
from scheduler.wiring import JobDeps
from storage.media.store import CHART, get_media, media_hash
from storage.models.chat import OutboxMessage
from storage.models.people import Person
from storage.stats.period import week_of
from tests.reports.fixture_data import NOW, TZ, load_fixture
from tests.settings import config_for

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def test_chart_is_a_png_in_the_cjk_font(app: App, tmp_path: Path) -> None:
    from matplotlib import font_manager

    async with app.uow() as uow:
        await load_fixture(uow)
        await uow.commit()
    async with app.session_factory() as session:
        report = await build_report(
            session, week_of(date(2026, 11, 18), TZ), unit_code=None, tz=TZ, now=NOW, settings=ReportsSection(), keywords=None
        )
    path = render_chart(report, tmp_path / "week.png")
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 20_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1000, 800)
    family = register_font()
    found = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert Path(found) == FONT_PATH
    assert drawable("桂香苑𠀀") == "桂香苑□"  # a character outside the subset never reaches matplotlib


async def test_weekly_job_queues_one_report_per_leader_once(district_db: str, tmp_path: Path) -> None:
    app = build_app(config_for(district_db, QUNGONG_REPORTS__FOLDER=str(tmp_path)))
    try:
        monday = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
        deps = JobDeps(session_factory=app.session_factory, settings=app.config)
        first = await JOBS["weekly_report"].func(deps, monday)
        second = await JOBS["weekly_report"].func(deps, monday)
        assert "4 reports queued" in first and "nothing to send" in second
        async with app.session_factory() as session:
            rows = (await session.execute(select(OutboxMessage, Person.demo_key).join(Person, Person.id == OutboxMessage.person_id).where(OutboxMessage.kind == "report"))).all()
        by_leader = {key: row for row, key in rows}
        assert sorted(by_leader) == ["leader-dh", "leader-district", "leader-nq", "leader-xs"]
        district, street = by_leader["leader-district"], by_leader["leader-dh"]
        assert district.dedupe_key == f"report:week:2026-W47:p{district.person_id}"
        assert district.payload["text"].startswith("【青禾区周报】2026年第47周")
        assert street.payload["text"].startswith("【东湖街道周报】")
        sha = media_hash(street.payload["image"])
        assert sha is not None and media_hash(district.payload["image"]) not in (None, sha)
        async with app.session_factory() as session:
            stored = await get_media(session, sha)
        assert stored is not None and stored.kind == CHART and stored.mime == "image/png" and stored.data[:8] == PNG_MAGIC
        assert not list(tmp_path.glob("*.png"))  # nothing written to the folder
    finally:
        await app.close()


async def test_reports_can_be_turned_off(district_db: str, tmp_path: Path) -> None:
    app = build_app(config_for(district_db, QUNGONG_REPORTS__MONTHLY="false", QUNGONG_REPORTS__FOLDER=str(tmp_path)))
    try:
        deps = JobDeps(session_factory=app.session_factory, settings=app.config)
        assert "off" in await JOBS["monthly_report"].func(deps, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    finally:
        await app.close()
