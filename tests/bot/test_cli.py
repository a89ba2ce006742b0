"""The qungong command line: help, schema, demo data, config errors, and `run` serving."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli.main import main
from storage.db import create_engine, create_session_factory
from storage.demo.history import RESIDENTS as HISTORY_RESIDENTS
from storage.migrate import head_revision
from storage.models.people import ChannelAccount, Person, RoleBinding, Unit
from tests.databases import sqlite_url

QUNGONG = str(Path(sys.executable).with_name("qungong"))


def _count(url: str, model: type) -> int:
    """Count a table's rows."""

    async def count() -> int:
        engine = create_engine(url)
        try:
            async with create_session_factory(engine)() as session:
                return int(await session.scalar(select(func.count()).select_from(model)) or 0)
        finally:
            await engine.dispose()

    return asyncio.run(count())


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run in a temporary folder with no QUNGONG_* variables from outside."""
    for name in list(os.environ):
        if name.startswith("QUNGONG_") and not name.startswith("QUNGONG_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "db", "demo-data", "check-config", "nlp"):
        assert f"    {command}" in out


def test_upgrade_then_demo_data_on_a_new_sqlite_file(env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_url(env / "fresh.db")
    monkeypatch.setenv("QUNGONG_STORAGE__URL", url)
    assert main(["demo-data"]) == 1
    assert "run `qungong db upgrade` first" in capsys.readouterr().err
    assert main(["db", "upgrade"]) == 0
    assert f"schema revision {head_revision()}" in capsys.readouterr().out
    assert main(["demo-data"]) == 0
    assert "demo district loaded" in capsys.readouterr().out
    assert main(["demo-data"]) == 0
    assert "not loaded again" in capsys.readouterr().out
    assert main(["db", "current"]) == 0


def test_demo_data_fills_each_backend(db_url: str, env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUNGONG_STORAGE__URL", db_url)
    assert main(["demo-data"]) == 0
    assert _count(db_url, Unit) == 44  # district, 3 streets, 8 communities, 16 grids, 15 departments, command center
    assert _count(db_url, Person) == 59 + HISTORY_RESIDENTS  # the demo people, and the residents of the demo history
    assert _count(db_url, RoleBinding) == 53  # everyone but the six residents
    assert _count(db_url, ChannelAccount) == 59


def test_config_errors_exit_2_with_every_problem(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "bad.toml").write_text('[web]\nport = "x"\n[app]\nlanguage = "fr"\n', encoding="utf-8")
    assert main(["--config", "bad.toml", "check-config"]) == 2
    err = capsys.readouterr().err
    assert "web.port" in err and "app.language" in err and "Traceback" not in err


def test_unreachable_database_is_one_clear_line(env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("QUNGONG_STORAGE__URL", "postgresql+asyncpg://qg:secret@127.0.0.1:1/none")
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("qungong: cannot use the database at postgresql+asyncpg://qg:***@127.0.0.1:1/none")
    assert "secret" not in err and len(err.splitlines()) == 1


def test_run_refuses_an_unmigrated_database_outside_demo_mode(env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("QUNGONG_STORAGE__URL", sqlite_url(env / "empty.db"))
    monkeypatch.setenv("QUNGONG_APP__DEMO", "false")
    assert main(["run"]) == 1
    assert "run `qungong db upgrade` first" in capsys.readouterr().err


def _free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_in_demo_mode_migrates_loads_and_serves(env: Path) -> None:
    port = _free_port()
    process_env = {k: v for k, v in os.environ.items() if not k.startswith("QUNGONG_")}
    process_env["QUNGONG_WEB__PORT"] = str(port)
    process = subprocess.Popen([QUNGONG, "run"], cwd=env, env=process_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        status = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    status = response.status
                    break
            except OSError:
                time.sleep(0.2)
        assert status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert _count(sqlite_url(env / "qungong.db"), Person) == 59 + HISTORY_RESIDENTS
