"""The weekly text's rate is computed from the counts it shows; hot categories are problem categories; stop words stay out."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from bot.app import App
from handlers.reports.build import build_report
from handlers.reports.settings import ReportsSection
from handlers.reports.text import push_text
from nlp.categories import packaged_categories
from nlp.hotspots import keyword_hotspots, load_keyword_tokenizer
from nlp.settings import NlpSettings
from storage.cases.categories import fill_categories
from storage.stats.period import week_of
from tests.reports.fixture_data import NOW, TZ, load_fixture

SUMMARY = re.compile(r"受理 (\d+) 件.*撤回 (\d+) 件，应办结 (\d+) 件，已办结 (\d+) 件，办结率 ([\d.]+)%")


async def _week_report(app: App) -> str:
    async with app.uow() as uow:
        await load_fixture(uow)
        await fill_categories(uow.session, packaged_categories().categorise)
        await uow.commit()
    async with app.session_factory() as session:
        report = await build_report(
            session, week_of(date(2026, 11, 18), TZ), unit_code=None, tz=TZ, now=NOW, settings=ReportsSection(min_volume=1), keywords=None
        )
    return push_text(report, TZ, 1)


async def test_the_completion_rate_is_the_completed_over_the_due_it_shows(app: App) -> None:
    text = await _week_report(app)
    found = SUMMARY.search(text)
    assert found is not None, text
    received, withdrawn, due, completed, rate = (float(g) for g in found.groups())
    assert due == received - withdrawn
    assert rate == round(completed / due * 100, 1)
    assert (received, withdrawn, due, completed, rate) == (5, 1, 4, 3, 75.0)


async def test_hot_categories_are_problem_categories_not_departments(app: App) -> None:
    text = await _week_report(app)
    line = next(line for line in text.splitlines() if line.startswith("热点类别"))
    names = set(packaged_categories().names("zh").values())
    listed = {item.split(" ")[0] for item in line.removeprefix("热点类别：").split("、")}
    assert listed and listed <= names, line
    assert "区城市管理局" not in line and "占道经营" in line and "路灯照明" in line


def test_categories_cross_departments_and_fall_back_to_the_department() -> None:
    categories = packaged_categories()
    assert categories.categorise("楼下广场舞音响太吵，晚上睡不着", "gongan") == "noise"
    assert categories.categorise("工地夜间施工噪音很大", "zhujian") == "noise"
    assert categories.categorise("井盖松动了，很危险", "shizheng") == "manhole"
    assert categories.categorise("请尽快处理一下", "gongshui") == "water_supply"  # no term: the department's default
    assert categories.categorise("你们这个平台能查进度吗", None) == "other"
    assert len(set(categories.codes)) == len(categories.codes) and all(len(c) <= 32 for c in categories.codes)


def test_stop_words_are_not_hot_words(tmp_path: Path) -> None:
    tokenizer, stopwords = load_keyword_tokenizer(NlpSettings(cache_dir=tmp_path))
    texts = [
        "楼下直接把垃圾倒在路边，什么时候来清运",
        "一股臭味，垃圾直接堆在门口，什么时候能处理",
        "垃圾站一股味道，三点还有人倒垃圾",
    ]
    best, _ = keyword_hotspots(texts, [], tokenizer, stopwords, limit=20, min_volume=1)
    words = {h.name for h in best}
    assert "垃圾" in words
    assert not words & {"直接", "什么时候", "一股", "三点"}
