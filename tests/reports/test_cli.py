"""`qungong report`: text with Chinese rate names, CSV, the XLSX evaluation and a PNG chart, and clear errors."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from pathlib import Path

import pytest

from bot.app import build_app
from bot.cli.main import main
from tests.databases import sqlite_url
from tests.reports.fixture_data import load_fixture
from tests.settings import config_for

WEEK = "2026-11-16..2026-11-23"


async def _load(url: str) -> None:
    app = build_app(config_for(url))
    try:
        async with app.uow() as uow:
            await load_fixture(uow)
            await uow.commit()
    finally:
        await app.close()


@pytest.fixture
def fixture_db(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite database with the fixture dataset, configured through the environment."""
    path = tmp_path / "r.db"
    shutil.copyfile(sqlite_template, path)
    asyncio.run(_load(sqlite_url(path)))
    monkeypatch.setenv("QUNGONG_STORAGE__URL", sqlite_url(path))
    monkeypatch.setenv("QUNGONG_APP__DEMO", "false")
    monkeypatch.setenv("QUNGONG_REPORTS__FOLDER", str(tmp_path / "reports"))
    monkeypatch.setenv("QUNGONG_REPORTS__MIN_VOLUME", "1")
    return tmp_path


def test_text_report(fixture_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--period", WEEK]) == 0
    out = capsys.readouterr().out
    for word in ("受理 5 件", "办结率 75.0%", "按时办结率 66.7%", "解决率 66.7%", "满意率 66.7%", "— 按社区 —", "甲社区"):
        assert word in out


def test_csv_and_unit(fixture_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--period", WEEK, "--unit", "c1", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:4] == ["类型", "代码", "名称", "受理"] and "办结率" in rows[0]
    assert rows[1][:4] == ["社区", "c1", "甲社区", "3"]


def test_xlsx_evaluation_lists_every_unit(fixture_db: Path) -> None:
    from openpyxl import load_workbook

    out = fixture_db / "eval.xlsx"
    assert main(["report", "--period", "2026-01-01..2027-01-01", "--evaluation", "--format", "xlsx", "--out", str(out)]) == 0
    book = load_workbook(out)
    assert book.sheetnames == ["街道", "社区", "网格", "部门"]
    communities = [[c.value for c in row] for row in book["社区"].iter_rows()]
    header = communities[0]
    assert header[-1] == "办结率排名"
    by_code = {row[1]: dict(zip(header, row, strict=True)) for row in communities[1:]}
    assert set(by_code) == {"c1", "c2"}
    assert by_code["c1"]["受理"] == 5 and by_code["c1"]["办结率排名"] == 1


def test_png_chart(fixture_db: Path) -> None:
    assert main(["report", "--period", WEEK, "--format", "png"]) == 0
    charts = list((fixture_db / "reports").glob("*.png"))
    assert len(charts) == 1 and charts[0].read_bytes()[:4] == b"\x89PNG"


def test_bad_period_and_unit(fixture_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--period", "fortnight"]) == 2
    assert main(["report", "--period", WEEK, "--unit", "nowhere", "--format", "csv"]) == 2
    out = capsys.readouterr().out
    assert "--period" in out and "unknown unit 'nowhere'" in out
