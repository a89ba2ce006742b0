"""The example district imported into a fresh database of each backend, and a started app on it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nlp import Classifier
from tests.databases import POSTGRES_ENV, PostgresRun, sqlite_url
from tests.district.example import import_example, read_codes
from tests.districts import District, start_district

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def yunxi_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the imported example district (its invite codes beside it)."""
    folder = tmp_path_factory.mktemp("yunxi-template")
    path = folder / "yunxi.db"
    shutil.copyfile(sqlite_template, path)
    asyncio.run(import_example(sqlite_url(path), folder / "codes.json"))
    return path


@dataclass
class Yunxi:
    """A started app on the imported example district and the roster's invite codes by (role, unit)."""

    district: District
    codes: dict[tuple[str, str], str]


@pytest.fixture(params=BACKENDS)
def yunxi_db(request: pytest.FixtureRequest, yunxi_template: Path, tmp_path: Path) -> tuple[str, Path]:
    """The imported example district on each backend: its URL and its codes file."""
    if request.param == "sqlite":
        target = tmp_path / "yunxi.db"
        shutil.copyfile(yunxi_template, target)
        return sqlite_url(target), yunxi_template.parent / "codes.json"
    run: PostgresRun | None = request.getfixturevalue("postgres")
    if run is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    asyncio.run(run.empty())
    asyncio.run(import_example(run.url, tmp_path / "codes.json"))
    return run.url, tmp_path / "codes.json"


@pytest.fixture
async def yunxi(yunxi_db: tuple[str, Path], classifier: Classifier) -> AsyncIterator[Yunxi]:
    """A started app on the imported example district."""
    url, codes = yunxi_db
    started = await start_district(url, classifier)
    yield Yunxi(started, read_codes(codes))
    await started.app.close()
