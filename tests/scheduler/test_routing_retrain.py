"""The routing model learns from the district's decisions: a candidate is promoted only when it is better, and rolled back."""

from __future__ import annotations

import asyncio
import csv
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.cli.main import main
from bot.routing import refresh
from nlp import NlpSettings
from nlp.classifier import load_featurizer
from nlp.learn.fit import TrainOptions, train_model
from nlp.settings import PACKAGE_DATA
from nlp.training import LabelledRow, read_rows, save_model
from scheduler.retrain import routing_retrain
from scheduler.wiring import JobDeps
from storage.cases.history import decided_cases
from storage.models.cases import Case, CaseEvent
from storage.models.people import Person, Unit
from storage.routing_models import active_number, list_versions
from tests.districts import start_district
from tests.settings import config_for

NOW = datetime(2026, 12, 6, 19, 0, tzinfo=UTC)  # a Sunday, 03:00 in Asia/Shanghai


def _examples() -> list[LabelledRow]:
    """Return the written examples of the packaged taxonomy."""
    taxonomy = load_featurizer(NlpSettings())[0]
    return read_rows(PACKAGE_DATA / "train_written.csv", taxonomy)


def _write(path: Path, rows: Sequence[LabelledRow]) -> Path:
    """Write labelled rows as CSV."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["text", "department", "request_type"])
        writer.writerows((r.text, r.department, r.request_type or "") for r in rows)
    return path


async def _add_history(url: str, rows: Sequence[LabelledRow], start: datetime) -> None:
    """Insert closed cases the command center dispatched to each row's department, one an hour from start."""
    config = config_for(url)
    from storage.db import create_engine, create_session_factory

    engine = create_engine(config.storage.url)
    try:
        async with create_session_factory(engine)() as session:
            units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
            grid = next(u for u in units.values() if u.kind == "grid")
            resident = (await session.scalars(select(Person).order_by(Person.id))).first()
            assert resident is not None
            for i, row in enumerate(rows):
                at = start + timedelta(hours=i)
                unit = grid if row.department == "shequ" else units[row.department]
                number = f"QG-T-{start:%m%d}-{i:04d}"
                case_id = (await session.execute(insert(Case).values(
                    number=number, request_type=row.request_type or "complaint", text=row.text, photos=[], resident_person_id=resident.id,
                    status="closed", resolution="resolved", cycle=1, redo_count=0, created_at=at, updated_at=at, anonymous=False,
                    department_code=unit.code, current_unit_id=unit.id,
                ).returning(Case.id))).scalar_one()
                await session.execute(insert(CaseEvent).values(
                    case_id=case_id, action="dispatch", actor_role="command_center", to_status="dispatched", to_unit_id=unit.id,
                    attachments=[], created_at=at + timedelta(minutes=5),
                ))
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture
def setup(district_db: str, tmp_path: Path) -> dict[str, object]:
    """A district with 3 months of decided cases, a small seed set, and a weak model in use (the configured file)."""
    examples = _examples()
    seed, older, recent = examples[0::5], examples[1::9], examples[2::12]
    taxonomy, _lexicon, featurizer = load_featurizer(replace(NlpSettings(), cache_dir=tmp_path / "cache"))
    weak = train_model(examples[3::25], featurizer, taxonomy, TrainOptions(folds=2)).model
    save_model(weak, tmp_path / "weak.json")
    asyncio.run(_add_history(district_db, older, NOW - timedelta(days=90)))
    asyncio.run(_add_history(district_db, recent, NOW - timedelta(days=20)))
    env = {
        "QUNGONG_NLP__RETRAIN": "weekly",
        "QUNGONG_NLP__TRAINING_FILES": str(_write(tmp_path / "seed.csv", seed)),
        "QUNGONG_NLP__MODEL": str(tmp_path / "weak.json"),
        "QUNGONG_NLP__CACHE_DIR": str(tmp_path / "cache"),
    }
    decided = sum(1 for r in recent if r.department != "dispatch")  # sent to the command center: no department decided
    return {"url": district_db, "env": env, "recent": decided}


async def test_history_rows_come_from_decided_cases(setup: dict[str, object]) -> None:
    config = config_for(str(setup["url"]), **setup["env"])  # type: ignore[arg-type]
    from storage.db import create_engine, create_session_factory

    engine = create_engine(config.storage.url)
    try:
        async with create_session_factory(engine)() as session:
            cases = await decided_cases(session, since=NOW - timedelta(days=30))
    finally:
        await engine.dispose()
    assert len(cases) == setup["recent"]
    assert {c.how for c in cases} == {"decided"}


async def test_a_better_candidate_is_promoted_and_can_be_rolled_back(setup: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    env: dict[str, str] = setup["env"]  # type: ignore[assignment]
    config = config_for(str(setup["url"]), **env)
    district = await start_district(str(setup["url"]), load_classifier_for(config), **env)
    try:
        deps = JobDeps(district.app.session_factory, config)
        outcome = await routing_retrain(deps, NOW)
        assert "promoted" in outcome, outcome
        async with district.app.session_factory() as session:
            versions = await list_versions(session)
            assert [v.id for v in versions] == [1] and versions[0].active
            window = versions[0].figures["window"]
            assert window["candidate"]["n"] == setup["recent"]
            assert window["candidate"]["accuracy"] > window["current"]["accuracy"]
        live = district.app.running_routing()
        assert live.version is None
        assert await refresh(live, district.app.session_factory) and live.version == 1

        # A second run: the same recipe on the same data is not better than itself, so it is stored but not promoted.
        outcome = await routing_retrain(deps, NOW + timedelta(minutes=1))
        assert "kept version 1" in outcome, outcome
        async with district.app.session_factory() as session:
            assert await active_number(session) == 1
            assert [v.id for v in await list_versions(session)] == [2, 1]

        # Rollback through the command line: back to the configured file, then to version 2.
        for name, value in {"QUNGONG_STORAGE__URL": str(setup["url"]), "QUNGONG_APP__DEMO": "false", **env}.items():
            monkeypatch.setenv(name, value)
        assert await asyncio.to_thread(main, ["nlp", "use", "file"]) == 0
        assert await refresh(live, district.app.session_factory) and live.version is None
        assert await asyncio.to_thread(main, ["nlp", "use", "2"]) == 0
        assert await refresh(live, district.app.session_factory) and live.version == 2
        assert await asyncio.to_thread(main, ["nlp", "use", "9"]) == 1
        assert await asyncio.to_thread(main, ["nlp", "models"]) == 0
    finally:
        await district.app.close()


async def test_retraining_is_off_by_default(district_db: str) -> None:
    config = config_for(district_db)
    from storage.db import create_engine, create_session_factory

    engine = create_engine(config.storage.url)
    try:
        outcome = await routing_retrain(JobDeps(create_session_factory(engine), config), NOW)
    finally:
        await engine.dispose()
    assert "off" in outcome


def load_classifier_for(config: object) -> object:
    """Return the classifier the configuration names (the weak model file)."""
    from nlp import load_classifier

    return load_classifier(config.nlp_settings())  # type: ignore[attr-defined]


def test_train_from_the_demo_history_stores_a_candidate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`qungong nlp train --from-db` on the demo district's months of history: rows from decided cases, a stored version not yet in use."""
    import os

    from tests.databases import sqlite_url

    for name in list(os.environ):
        if name.startswith("QUNGONG_") and not name.startswith("QUNGONG_TEST_"):
            monkeypatch.delenv(name)
    seed = _write(tmp_path / "seed.csv", _examples()[0::6])
    for name, value in {
        "QUNGONG_STORAGE__URL": sqlite_url(tmp_path / "demo.db"),
        "QUNGONG_APP__DEMO": "false",
        "QUNGONG_NLP__TRAINING_FILES": str(seed),
        "QUNGONG_NLP__CACHE_DIR": str(tmp_path / "cache"),
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["db", "upgrade"]) == 0
    assert main(["demo-data"]) == 0
    capsys.readouterr()
    since = (datetime.now(UTC) - timedelta(days=60)).date().isoformat()
    assert main(["nlp", "train", "--from-db", "--since", since]) == 0
    out = capsys.readouterr().out
    found = re.search(r"trained on (\d+) example rows and (\d+) cases from the history \((\d+) decided by staff, (\d+) confirmed solved\)", out)
    assert found, out
    assert int(found.group(2)) > 100 and int(found.group(3)) > 0 and int(found.group(4)) > 0
    assert "stored as version 1 (not in use" in out
    assert main(["nlp", "models"]) == 0
    listing = capsys.readouterr().out
    assert " v1 " in listing and "(in use)" in listing  # the file is still the model in use
