"""Reports split by source: residents' own reports, patrol reports (and what grid members fixed themselves),
operators' cases for callers and each API client's; in the text, the exports and the cockpit's figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from handlers.intake.catalogue import service_codes
from handlers.intake.open311 import ApiRequest, file_request
from handlers.reports.sources import patrol_rows, source_lines, source_rows
from handlers.texts import texts_for
from storage.apikeys import create_key
from storage.stats.compute import Stats, compute_stats
from storage.stats.directory import load_directory, resolve_scope
from storage.stats.period import week_of
from storage.uow import UnitOfWork
from tests.districts import District
from tests.handlers.chat import report
from tests.handlers.test_on_behalf import OPERATOR, _file_for
from tests.handlers.test_patrol import GRID_MEMBER, _walk_to_summary

TZ = ZoneInfo("Asia/Shanghai")


async def _stats(district: District) -> Stats:
    async with district.app.session_factory() as session:
        return await compute_stats(session, week_of(date(2026, 11, 23), TZ), resolve_scope(await load_directory(session), None), TZ, district.clock())


def _received(stats: Stats) -> dict[str, int]:
    return {group: figures.received for group, figures in stats.sources.items()}


async def _file_through_the_api(district: District) -> None:
    async with district.app.uow() as uow:
        row, _ = await create_key(uow.session, "hotline-12345", "10/s", datetime.now(UTC))
        await uow.commit()
    dispatcher = district.app.running_dispatcher()
    request = ApiRequest("open311:hotline-12345", row.id, "东湖路上有个大坑，车开过去很危险", "shizheng", address="东湖路")
    codes = service_codes(district.app.running_routing().taxonomy)

    async def work(uow: UnitOfWork, now: datetime) -> object:
        return await file_request(uow, dispatcher.services, request, codes, now)

    await dispatcher.write(work)


async def test_each_source_counts_apart_and_grid_members_count_what_they_fixed(district: District) -> None:
    before = _received(await _stats(district))
    await report(district.chat("resident-1"), "东湖路上有个大坑，车开过去很危险")
    member = district.chat(GRID_MEMBER)
    await _walk_to_summary(member)
    await member.press("上报")
    await _walk_to_summary(member, "桂香苑7栋门口的垃圾堆了好几天")
    await member.press("已就地解决")
    await member.photo("fixed-1.jpg")
    await member.say("已清理干净")
    await _file_for(district.chat(OPERATOR), "李大爷", "13912345678")
    await _file_through_the_api(district)
    stats = await _stats(district)
    after = _received(stats)
    grown = {group: after[group] - before.get(group, 0) for group in after}
    assert grown == {"chat": 1, "patrol": 2, "operator": 1, "open311:hotline-12345": 1}, grown
    assert list(stats.sources)[:3] == ["chat", "patrol", "operator"]
    assert sum(after.values()) == stats.total.received
    [mine] = [p for p in stats.patrol if p.name == "郑甲"]
    assert (mine.grid, mine.reported, mine.self_handled) == ("桂香苑社区第2网格", 2, 1)
    assert stats.sources["patrol"].completed >= 1
    texts = texts_for("zh")
    lines = "\n".join(source_lines(stats, texts))
    assert "按来源：群众反映" in lines and "网格员上报 " in lines and "代为登记 1件" in lines and "接口：hotline-12345 1件" in lines
    assert "郑甲（桂香苑社区第2网格）发现/上报 2 件，自行处置 1 件" in lines
    rows = source_rows(stats, texts)
    assert rows[0][0] == "来源" and [r[0] for r in rows[1:]][:3] == ["群众反映", "网格员上报", "代为登记"]
    assert ["郑甲", "桂香苑社区第2网格", 2, 1] in patrol_rows(stats, texts)
    english = "\n".join(source_lines(stats, texts_for("en")))
    assert "patrol reports" in english and "API: hotline-12345" in english
