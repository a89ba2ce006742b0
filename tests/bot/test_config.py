"""Config: defaults, the example file, environment overrides, and every problem reported at once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.config.loader import ConfigError, load_config
from bot.config.schema import Config

ROOT = Path(__file__).resolve().parents[2]


def test_no_config_means_demo_mode_with_documented_defaults() -> None:
    config = load_config(None, environ={})
    assert config.app.demo is True
    assert config.storage.url == "sqlite:///./qungong.db"
    assert (config.web.host, config.web.port) == ("127.0.0.1", 8080)
    assert (config.app.timezone, config.app.language) == ("Asia/Shanghai", "zh")


def test_example_file_is_valid_and_matches_the_defaults() -> None:
    config = load_config(ROOT / "config.example.toml", environ={})
    assert config.app.demo is False
    defaults = Config()
    sections = [f.name for f in dataclasses.fields(Config) if f.name not in ("app", "source")]
    assert len(sections) >= 15
    for section in sections:
        assert getattr(config, section) == getattr(defaults, section), section
    assert config.app == defaults.app


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[web]\nport = 9001\n', encoding="utf-8")
    config = load_config(None, environ={"QUNGONG_CONFIG": str(path)})
    assert config.web.port == 9001 and config.source == str(path)


def test_environment_overrides_any_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[storage]\nurl = "sqlite+aiosqlite:///a.db"\n[web]\nport = 9001\n', encoding="utf-8")
    config = load_config(
        path,
        environ={
            "QUNGONG_STORAGE__URL": "postgresql+asyncpg://qg:secret@db/qg",
            "QUNGONG_WEB__PORT": "9100",
            "QUNGONG_APP__DEMO": "yes",
            "QUNGONG_NLP__THRESHOLD": "0.65",
            "QUNGONG_SLA__DEPARTMENT__ZHUJIAN__RED_HOURS": "96",
            "UNRELATED": "x",
        },
    )
    assert config.storage.url == "postgresql+asyncpg://qg:secret@db/qg"
    assert config.web.port == 9100
    assert config.app.demo is True
    assert config.nlp.threshold == 0.65
    assert config.sla.for_department("zhujian").red_hours == 96
    assert config.sla.for_department("gongan").red_hours == 48


def test_broken_file_lists_every_problem_at_once(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(
        """
[app]
timezone = "Mars/Olympus"
language = "fr"
colour = "red"

[web]
port = "eighty"

[storage]
url = "mysql://x"

[nlp]
threshold = 1.5

[sla]
yellow_hours = 50
red_hours = 48

[sla.department.zhujian]
red_hours = true

[bogus]
x = 1
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={"QUNGONG_LIFECYCLE__MAX_REDOS": "many"})
    problems = info.value.problems
    expected = [
        "app.timezone",
        "app.language",
        "app.colour: unknown key",
        "web.port: expected a whole number",
        "storage.url",
        "nlp.threshold",
        "sla: expected",
        "sla.department.zhujian.red_hours: expected a number",
        "[bogus]: unknown section",
        "lifecycle.max_redos: expected a whole number, got 'many' (from the environment)",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected), problems


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite+aiosqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"])
def test_an_in_memory_sqlite_database_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="storage.url: an in-memory SQLite database"):
        load_config(None, environ={"QUNGONG_STORAGE__URL": url})


def test_missing_and_unparsable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", environ={})
    bad = tmp_path / "bad.toml"
    bad.write_text("[app\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad, environ={})


def test_environment_booleans_are_strict() -> None:
    with pytest.raises(ConfigError, match="app.demo: expected true or false"):
        load_config(None, environ={"QUNGONG_APP__DEMO": "maybe"})
