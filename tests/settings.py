"""Test configuration: a Config pointing at a test database, never in demo mode."""

from __future__ import annotations

from bot.config.loader import load_config
from bot.config.schema import Config


def config_for(url: str, **env: str) -> Config:
    """Return a config for a test database (not demo mode) with extra QUNGONG_* overrides."""
    return load_config(None, environ={"QUNGONG_STORAGE__URL": url, "QUNGONG_APP__DEMO": "false", **env})
