"""The cockpit shows the figures `qungong report` gives for the same period and unit: its headline, its
export (the evaluation table) and its live refresh, with the daily rollup made or not."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.cli.main import main
from nlp.categories import packaged_categories
from storage.cases.categories import fill_categories
from storage.demo.history import load_demo_history
from storage.stats.rollup import refresh_rollup
from tests.cockpit.conftest import cards, sign_in
from tests.districts import District
from tests.reports.fixture_data import TZ

HISTORY_NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
PAGE_QUERY = "period=custom&from=2026-10-15&to=2026-11-20"
CLI_PERIOD = "2026-10-15..2026-11-21"  # the same days: the command's end is exclusive


@pytest.fixture
async def history(district: District) -> District:
    """The demo district with 40 days of history, categorised."""
    async with district.app.uow() as uow:
        await load_demo_history(uow.session, HISTORY_NOW, TZ, days=40)
        await fill_categories(uow.session, packaged_categories().categorise)
        await uow.commit()
    return district


@pytest.fixture
def qungong(history: District, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Callable[..., str]:
    """Run a qungong command on the history's database (in a thread of its own) and return what it printed."""
    monkeypatch.setenv("QUNGONG_STORAGE__URL", history.app.config.storage.url)
    monkeypatch.setenv("QUNGONG_REPORTS__FOLDER", str(tmp_path))

    def run(*args: str) -> str:
        capsys.readouterr()
        assert main(list(args)) == 0
        return capsys.readouterr().out

    return run


def _pct(value: str) -> str:
    """Format a CSV rate (0.9934) as the page does (99.3%)."""
    return f"{float(value) * 100:.1f}%" if value else "—"


@pytest.mark.parametrize("unit", ["", "dh", "guixiang"])
async def test_the_page_shows_what_qungong_report_gives(history: District, web: TestClient, unit: str, qungong: Callable[..., str]) -> None:
    await sign_in(web, history.app, "leader-district")
    query = PAGE_QUERY + (f"&unit={unit}" if unit else "")
    shown = cards(await (await web.get(f"/cockpit/?{query}")).text())
    unit_args = ["--unit", unit] if unit else []
    printed = await asyncio.to_thread(qungong, "report", "--period", CLI_PERIOD, *unit_args, "--format", "csv")
    rows = list(csv.reader(io.StringIO(printed)))
    total = dict(zip(rows[0], rows[1], strict=True))
    due = int(total["受理"]) - int(total["撤单"])
    assert shown["received"] == total["受理"] and int(total["受理"]) > 100
    assert shown["completed"] == f"{total['办结']}/{due}"
    for key, label in (("completion_rate", "办结率"), ("on_time_rate", "按时办结率"), ("solution_rate", "解决率"), ("satisfaction_rate", "满意率")):
        assert shown[key] == _pct(total[label]), key
    assert shown["avg_hours"] == f"{float(total['平均办理时长(小时)']):.1f}小时"

    exported = (await (await web.get(f"/cockpit/export.csv?{query}")).read()).decode("utf-8-sig")
    evaluation = await asyncio.to_thread(qungong, "report", "--period", CLI_PERIOD, *unit_args, "--evaluation", "--format", "csv")
    assert exported == evaluation

    live = await (await web.get(f"/cockpit/api/live?{query}")).json()
    assert {k: v["value"] for k, v in live["cards"].items()} == shown
    async with history.app.uow() as uow:
        await refresh_rollup(uow.session, TZ, datetime.now(UTC))
        await uow.commit()
    rolled = await (await web.get(f"/cockpit/api/live?{query}")).json()
    assert {k: v["value"] for k, v in rolled["cards"].items()} == shown


async def test_the_xlsx_export_is_the_evaluation_workbook(history: District, web: TestClient) -> None:
    from openpyxl import load_workbook

    await sign_in(web, history.app, "leader-dh")
    response = await web.get(f"/cockpit/export.xlsx?{PAGE_QUERY}")
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await response.read()))
    assert book.sheetnames == ["街道", "社区", "网格", "部门"]
    communities = {row[1] for row in book["社区"].iter_rows(min_row=2, values_only=True)}
    assert communities == {"guixiang", "liuan", "dongjiao"}  # the street's own communities only
