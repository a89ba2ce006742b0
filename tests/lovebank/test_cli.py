"""`qungong lovebank`: a correction is a new entry with its reason (never an overdraw), the check, and the
audit export as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot.cli.main import main
from nlp import Classifier
from storage.lovebank.redemptions import Redeemer, redeem
from tests.districts import start_district
from tests.lovebank.helpers import give, person_id, reward

RANGE = ["--from", "2026-01-01", "--to", "2031-01-01"]


@pytest.fixture
def configured(sqlite_district_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo district's database, configured for the command line through the environment."""
    monkeypatch.setenv("QUNGONG_STORAGE__URL", sqlite_district_db)
    monkeypatch.setenv("QUNGONG_APP__DEMO", "false")
    monkeypatch.setenv("QUNGONG_REPORTS__FOLDER", str(tmp_path / "reports"))
    return sqlite_district_db


async def _some_points(url: str, classifier: Classifier) -> None:
    """Credit party-1 and let them redeem one reward."""
    district = await start_district(url, classifier)
    try:
        party = await person_id(district, "party-1")
        await give(district, party, 40, "十月补录")
        rice = await reward(district, points=30, stock=3)
        async with district.app.uow() as uow:
            unit = await uow.units.by_code("guixiang")
            assert unit is not None
            await redeem(uow.session, rice, Redeemer(party, unit.id), district.clock(), days=14, today=district.clock().date())
            await uow.commit()
    finally:
        await district.app.close()


async def test_corrections_the_check_and_the_export(configured: str, classifier: Classifier, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await _some_points(configured, classifier)
    assert await _run(["lovebank", "correct", "--person", "party-1", "--points", "25", "--reason", "活动补录  两小时"]) == 0
    assert "马甲 +25 (活动补录 两小时); balance 35" in capsys.readouterr().out
    assert await _run(["lovebank", "correct", "--person", "party-1", "--points", "-36", "--reason", "多记"]) == 1
    assert "has 35 points; a correction of -36 would overdraw" in capsys.readouterr().out
    assert await _run(["lovebank", "correct", "--person", "party-1", "--points", "0", "--reason", "x"]) == 2
    assert await _run(["lovebank", "check"]) == 0
    assert "every balance is the sum of its ledger entries" in capsys.readouterr().out

    assert await _run(["lovebank", "export", *RANGE]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:6] == ["编号", "时间", "人员编号", "姓名", "积分", "原因"]
    assert [(r[3], r[4], r[5]) for r in rows[1:]] == [("马甲", "40", "调整"), ("马甲", "-30", "兑换"), ("马甲", "25", "调整")]
    assert rows[2][8] == "大米5斤" and rows[2][9] == "桂香苑社区"

    out = tmp_path / "audit.xlsx"
    assert await _run(["lovebank", "export", *RANGE, "--format", "xlsx", "--out", str(out)]) == 0
    assert "3 entries (correction +65, redeem -30), 1 people, 1 redemptions" in capsys.readouterr().out
    from openpyxl import load_workbook

    book = load_workbook(out)
    assert book.sheetnames == ["积分流水", "余额", "兑换"]
    balances = [[c.value for c in row] for row in book["余额"].iter_rows()]
    assert balances[1][1:] == ["马甲", 0, 65, 30, 35]
    redemption = [c.value for c in next(book["兑换"].iter_rows(min_row=2))]
    assert redemption[2:5] == ["马甲", "大米5斤", 30] and redemption[6] == "待领取"
    assert await _run(["lovebank", "export", "--from", "2026-12-01", "--to", "2026-11-01"]) == 2


async def _run(argv: list[str]) -> int:
    """Run the command line off the test's event loop (it starts its own)."""
    import asyncio

    return await asyncio.to_thread(main, argv)
