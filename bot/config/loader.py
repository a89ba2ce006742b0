"""Read the configuration: a TOML file (or none: demo mode) with QUNGONG_* environment overrides, built into
a Config and checked whole — every problem is reported at once, with the key it concerns."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.channels.settings import CHANNEL_KINDS, ChannelSettings, env_name
from bot.config.convert import EnvValue, build_dataclass, describe
from bot.config.schema import Config, config_problems


class ConfigError(Exception):
    """Every problem found in a configuration, reported at once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))

    def __str__(self) -> str:
        return "invalid configuration:\n" + "\n".join(f"  - {p}" for p in self.problems)


ENV_PREFIX = "QUNGONG_"


CONFIG_ENV = "QUNGONG_CONFIG"


_SECTIONS: dict[str, type[Any]] = {
    name: hint for name, hint in typing.get_type_hints(Config).items() if name not in ("source", "channels")
}


CHANNELS_ENV = f"{ENV_PREFIX}CHANNELS__"


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Load the config from PATH (or $QUNGONG_CONFIG, or none: demo mode) plus environment overrides."""
    env = os.environ if environ is None else environ
    chosen = path or env.get(CONFIG_ENV) or None
    problems: list[str] = []
    raw = _read_toml(Path(chosen), problems) if chosen is not None else {"app": {"demo": True}}
    _apply_env_overrides(raw, env, problems)
    _apply_channel_env(raw, env, problems)
    config = _build(raw, problems)
    if problems:
        raise ConfigError(problems)
    return dataclasses.replace(config, source=str(chosen) if chosen else "demo defaults")


def _read_toml(path: Path, problems: list[str]) -> dict[str, Any]:
    """Parse the TOML file, recording why it could not be read."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        problems.append(f"config file {path} does not exist")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"config file {path} is not valid TOML: {exc}")
    except OSError as exc:
        problems.append(f"config file {path} cannot be read: {exc.strerror}")
    return {}


def _apply_env_overrides(raw: dict[str, Any], env: Mapping[str, str], problems: list[str]) -> None:
    """Overlay QUNGONG_<SECTION>__<KEY>[__<KEY>...] variables onto the raw tree."""
    for name, value in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV or "__" not in name or name.startswith(CHANNELS_ENV):
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__")]
        if any(not part for part in path):
            problems.append(f"environment variable {name}: empty section or key name")
            continue
        node = raw
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                problems.append(f"environment variable {name}: {part} is not a table")
                break
            node = child
        else:
            node[path[-1]] = EnvValue(value)


def _apply_channel_env(raw: dict[str, Any], env: Mapping[str, str], problems: list[str]) -> None:
    """Overlay QUNGONG_CHANNELS__<NAME>__<KEY> onto the [[channels]] entry whose name is NAME.

    NAME is the channel's name in upper case with every other character than letters and digits
    replaced by "_" ("telegram:main" → TELEGRAM_MAIN). Channels are declared in the file; the
    environment only sets their keys (typically the secrets).
    """
    channels = raw.get("channels", [])
    tables = [c for c in channels if isinstance(c, dict) and c.get("name")] if isinstance(channels, list) else []
    entries = {env_name(str(c["name"])): c for c in tables}
    for name, value in sorted(env.items()):
        if not name.startswith(CHANNELS_ENV):
            continue
        parts = name[len(CHANNELS_ENV) :].split("__")
        if len(parts) != 2 or not all(parts):
            problems.append(f"environment variable {name}: expected {CHANNELS_ENV}<NAME>__<KEY>")
        elif parts[0] not in entries:
            known = ", ".join(sorted(entries)) or "none declared"
            problems.append(f"environment variable {name}: no channel named {parts[0]} (known: {known})")
        else:
            entries[parts[0]][parts[1].lower()] = EnvValue(value)


def _build(raw: dict[str, Any], problems: list[str]) -> Config:
    """Turn the raw tree into a Config, recording every problem."""
    values: dict[str, Any] = {}
    for key in raw:
        if key not in _SECTIONS and key != "channels":
            problems.append(f"[{key}]: unknown section (known: {', '.join(_SECTIONS)}, channels)")
    for name, cls in _SECTIONS.items():
        section = raw.get(name, {})
        if not isinstance(section, dict):
            problems.append(f"[{name}]: expected a table")
            continue
        values[name] = build_dataclass(cls, section, name, problems)
    config = Config(**values, channels=_build_channels(raw.get("channels", []), problems))
    problems.extend(config_problems(config))
    return config


def _build_channels(value: Any, problems: list[str]) -> tuple[ChannelSettings, ...]:
    """Build the [[channels]] list: each table's `kind` picks its settings type."""
    if not isinstance(value, list):
        problems.append("channels: expected a list of [[channels]] tables")
        return ()
    channels: list[ChannelSettings] = []
    for index, table in enumerate(value):
        if not isinstance(table, dict):
            problems.append(f"channels[{index}]: expected a table, got {describe(table)}")
            continue
        where = f"channels.{table['name']}" if isinstance(table.get("name"), str) and table["name"] else f"channels[{index}]"
        cls = CHANNEL_KINDS.get(table.get("kind"))  # type: ignore[arg-type]
        if cls is None:
            problems.append(f"{where}.kind: expected one of {', '.join(CHANNEL_KINDS)}, got {describe(table.get('kind'))}")
            continue
        channels.append(build_dataclass(cls, table, where, problems))
    return tuple(channels)
