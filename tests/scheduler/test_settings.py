"""The supervision and outbox sections: documented defaults, and every bad value reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.loader import ConfigError, load_config
from bot.config.schema import Config
from scheduler.wiring import build_supervision
from storage.cases.workclock import NaturalClock, WorkingClock

ROOT = Path(__file__).resolve().parents[2]


def test_example_documents_the_defaults() -> None:
    config = load_config(ROOT / "config.example.toml", environ={})
    for section in ("calendar", "supervision", "scheduler", "outbox"):
        assert getattr(config, section) == getattr(Config(), section), section
    assert config.outbox.limit_for("telegram:main").per_second == 30


def test_bad_values_are_reported_together() -> None:
    env = {
        "QUNGONG_CALENDAR__MODE": "lunar",
        "QUNGONG_SUPERVISION__QUIET_START": "25:00",
        "QUNGONG_OUTBOX__SEND_TIMEOUT_SECONDS": "90",
        "QUNGONG_OUTBOX__RATE__TELEGRAM__PER_SECOND": "0",
    }
    with pytest.raises(ConfigError) as info:
        load_config(None, environ=env)
    text = "\n".join(info.value.problems)
    for fragment in ("calendar.mode", "supervision.quiet_start", "send_timeout_seconds", "outbox.rate.telegram"):
        assert fragment in text


def test_clock_follows_the_calendar_mode() -> None:
    assert isinstance(build_supervision(Config()).clock, NaturalClock)
    working = load_config(None, environ={"QUNGONG_CALENDAR__MODE": "working", "QUNGONG_SLA__DEPARTMENT__ZHUJIAN__RED_HOURS": "96"})
    supervision = build_supervision(working)
    assert isinstance(supervision.clock, WorkingClock)
    assert supervision.hours_for("zhujian").red_hours == 96
