"""Periods are local, half-open and know the period before them; hotspots rank rises above a minimum volume."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nlp.hotspots import Hot, keyword_hotspots, rising, top
from storage.stats.figures import percentile
from storage.stats.period import PeriodError, last_complete, month_of, parse_period, week_of

TZ = ZoneInfo("Asia/Shanghai")


def test_week_and_month_bounds_are_local_midnights() -> None:
    week = week_of(date(2026, 11, 22), TZ)  # a Sunday
    assert week.key == "2026-W47"
    assert week.start == datetime(2026, 11, 15, 16, 0, tzinfo=UTC)  # Monday 00:00 in Shanghai
    assert week.end - week.start == timedelta(days=7)
    january = month_of(date(2027, 1, 31), TZ)
    assert (january.key, january.end.astimezone(TZ).date()) == ("2027-01", date(2027, 2, 1))
    assert january.previous(TZ).key == "2026-12"
    assert week.previous(TZ).key == "2026-W46"


def test_last_complete_period_is_taken_in_local_time() -> None:
    # 2026-11-30 16:30 UTC is already 1 December 00:30 in Shanghai: last month is November.
    assert last_complete("month", datetime(2026, 11, 30, 16, 30, tzinfo=UTC), TZ).key == "2026-11"
    assert last_complete("month", datetime(2026, 11, 30, 15, 30, tzinfo=UTC), TZ).key == "2026-10"
    # Monday 08:00 local → the week that ended last night.
    assert last_complete("week", datetime(2026, 11, 23, 0, 0, tzinfo=UTC), TZ).key == "2026-W47"
    assert last_complete("year", datetime(2026, 12, 31, 16, 0, tzinfo=UTC), TZ).key == "2026"


def test_parse_period_forms() -> None:
    now = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    month = parse_period("month", now, TZ)
    assert month.partial and month.end == now and month.start == datetime(2026, 11, 1, tzinfo=TZ)
    assert month.previous(TZ).end == month.start and month.previous(TZ).length == month.length
    assert parse_period("last-week", now, TZ).key == "2026-W46"
    custom = parse_period("2026-11-01..2026-11-08", now, TZ)
    assert custom.previous(TZ).key == "2026-10-25..2026-11-01"
    for bad in ("fortnight", "2026-11-08..2026-11-01", "2026-13-01..2026-12-01"):
        with pytest.raises(PeriodError):
            parse_period(bad, now, TZ)


def test_rise_needs_the_minimum_volume_and_ranks_by_increase() -> None:
    now = {"停水": 12, "噪音": 9, "漏水": 4, "占道": 20}
    before = {"停水": 3, "噪音": 1, "漏水": 0, "占道": 22}
    found = rising(now, before, min_volume=5)
    assert [(h.name, h.previous, h.current, h.change) for h in found] == [("停水", 3, 12, 9), ("噪音", 1, 9, 8)]
    assert [h.name for h in top(now, before, limit=2)] == ["占道", "停水"]
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 90) == 5.0 and percentile([], 90) is None


class SpaceTokenizer:
    """Cut on spaces (a stand-in for jieba)."""

    def cut(self, text: str) -> list[str]:
        return text.split()


def test_keywords_by_tfidf_and_their_rise() -> None:
    current = ["小区 停水 三天", "停水 没有 通知", "停水 水压", "噪音 扰民", "小区 噪音"]
    previous = ["小区 噪音", "小区 噪音 施工", "小区 停车"]
    best, rose = keyword_hotspots(current, previous, SpaceTokenizer(), frozenset({"没有"}), limit=3, min_volume=2)
    assert best[0] == Hot("停水", 3, 0, best[0].score)
    assert "没有" not in [h.name for h in best]
    assert [(h.name, h.previous, h.current) for h in rose] == [("停水", 0, 3)]
