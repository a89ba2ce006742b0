"""Typed configuration: loaded once from TOML and QUNGONG_* environment overrides, validated whole."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.channels.settings import CHANNEL_KINDS, ChannelSettings, channel_problems, env_name
from handlers.reports.settings import ReportsSection, reports_problems
from nlp.settings import NlpSettings
from scheduler.settings import (
    CALENDAR_MODES,
    CalendarSection,
    SchedulerSection,
    SupervisionSection,
    clock_time_problems,
)
from storage.db import is_memory_url
from storage.wishes.settings import WishesSection, wishes_problems

ENV_PREFIX = "QUNGONG_"
CONFIG_ENV = "QUNGONG_CONFIG"
LANGUAGES = ("zh", "en")


class ConfigError(Exception):
    """Every problem found in a configuration, reported at once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))

    def __str__(self) -> str:
        return "invalid configuration:\n" + "\n".join(f"  - {p}" for p in self.problems)


@dataclass(frozen=True)
class AppSection:
    """[app]: time zone, language, demo mode."""

    timezone: str = "Asia/Shanghai"
    language: str = "zh"
    demo: bool = False


@dataclass(frozen=True)
class StorageSection:
    """[storage]: the database."""

    url: str = "sqlite:///./qungong.db"
    echo: bool = False


SIMULATOR_SETTINGS = ("auto", "on", "off")


@dataclass(frozen=True)
class WebSection:
    """[web]: the HTTP server for the simulator and webhooks; whether the simulator is served."""

    host: str = "127.0.0.1"
    port: int = 8080
    simulator: str = "auto"  # auto: in demo mode only; on: also outside it, for trainers with a link; off: never
    simulator_session_hours: float = 12.0


@dataclass(frozen=True)
class NlpSection:
    """[nlp]: taxonomy, lexicon and model files, threshold and jieba cache folder."""

    taxonomy: str = ""
    lexicon: str = ""
    model: str = ""
    threshold: float = NlpSettings.threshold
    cache_dir: str = str(NlpSettings.cache_dir)


@dataclass(frozen=True)
class SlaHours:
    """Time limits in hours, counted from dispatch (sign-for, yellow, red)."""

    sign_hours: float = 4.0
    yellow_hours: float = 24.0
    red_hours: float = 48.0


@dataclass(frozen=True)
class SlaSection(SlaHours):
    """[sla]: default time limits plus per-department overrides ([sla.department.CODE])."""

    department: dict[str, SlaHours] = field(default_factory=dict)

    def for_department(self, code: str | None) -> SlaHours:
        """Return the limits that apply to a department (its override or the defaults)."""
        if code and code in self.department:
            return self.department[code]
        return SlaHours(self.sign_hours, self.yellow_hours, self.red_hours)


@dataclass(frozen=True)
class LifecycleSection:
    """[lifecycle]: case rules that a district may tune."""

    max_redos: int = 2


@dataclass(frozen=True)
class RevisitSection:
    """[revisit]: what happens when a resident does not answer the revisit."""

    reminder_hours: float = 24.0
    phone_hours: float = 72.0


@dataclass(frozen=True)
class InvitesSection:
    """[invites]: one-time staff binding codes."""

    lifetime_hours: float = 72.0


@dataclass(frozen=True)
class ConversationSection:
    """[conversation]: chat flow behaviour."""

    timeout_minutes: int = 30


@dataclass(frozen=True)
class RateLimit:
    """How fast one channel may send: messages per second for the whole bot and for one chat."""

    per_second: float = 30.0
    per_chat_per_second: float = 1.0


def _default_rates() -> dict[str, RateLimit]:
    """Return the built-in per-channel limits (Telegram's Bot API limits)."""
    return {"telegram": RateLimit(per_second=30.0, per_chat_per_second=1.0)}


@dataclass(frozen=True)
class OutboxSection:
    """[outbox]: the sender that drains the outbox, its retries and its rate limits."""

    poll_seconds: float = 1.0
    batch: int = 100
    concurrency: int = 16
    claim_seconds: float = 60.0
    send_timeout_seconds: float = 20.0
    max_attempts: int = 8
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 3600.0
    window_margin_ms: float = 20.0
    default_per_second: float = 20.0
    default_per_chat_per_second: float = 1.0
    rate: dict[str, RateLimit] = field(default_factory=_default_rates)

    def limit_for(self, channel: str) -> RateLimit:
        """Return the limits of a channel instance: its own, its kind's (before ':'), or the default."""
        for key in (channel, channel.split(":", 1)[0]):
            if key in self.rate:
                return self.rate[key]
        return RateLimit(self.default_per_second, self.default_per_chat_per_second)


@dataclass(frozen=True)
class LoggingSection:
    """[logging]: log level."""

    level: str = "INFO"


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    app: AppSection = AppSection()
    storage: StorageSection = StorageSection()
    web: WebSection = WebSection()
    nlp: NlpSection = NlpSection()
    sla: SlaSection = SlaSection()
    lifecycle: LifecycleSection = LifecycleSection()
    invites: InvitesSection = InvitesSection()
    revisit: RevisitSection = RevisitSection()
    conversation: ConversationSection = ConversationSection()
    logging: LoggingSection = LoggingSection()
    calendar: CalendarSection = CalendarSection()
    supervision: SupervisionSection = SupervisionSection()
    scheduler: SchedulerSection = SchedulerSection()
    outbox: OutboxSection = OutboxSection()
    wishes: WishesSection = WishesSection()
    reports: ReportsSection = ReportsSection()
    channels: tuple[ChannelSettings, ...] = ()
    source: str = "defaults"

    @property
    def tz(self) -> ZoneInfo:
        """Return the configured time zone."""
        return ZoneInfo(self.app.timezone)

    def nlp_settings(self) -> NlpSettings:
        """Return the routing settings with configured paths or the packaged defaults."""
        defaults = NlpSettings()
        return NlpSettings(
            taxonomy_path=Path(self.nlp.taxonomy) if self.nlp.taxonomy else defaults.taxonomy_path,
            lexicon_path=Path(self.nlp.lexicon) if self.nlp.lexicon else defaults.lexicon_path,
            model_path=Path(self.nlp.model) if self.nlp.model else defaults.model_path,
            threshold=self.nlp.threshold,
            cache_dir=Path(self.nlp.cache_dir),
        )


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
            node[path[-1]] = _EnvValue(value)


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
            entries[parts[0]][parts[1].lower()] = _EnvValue(value)


class _EnvValue(str):
    """A string from the environment, converted to the key's type when validated."""


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
        values[name] = _build_dataclass(cls, section, name, problems)
    config = Config(**values, channels=_build_channels(raw.get("channels", []), problems))
    _check_semantics(config, problems)
    return config


def _build_channels(value: Any, problems: list[str]) -> tuple[ChannelSettings, ...]:
    """Build the [[channels]] list: each table's `kind` picks its settings type."""
    if not isinstance(value, list):
        problems.append("channels: expected a list of [[channels]] tables")
        return ()
    channels: list[ChannelSettings] = []
    for index, table in enumerate(value):
        if not isinstance(table, dict):
            problems.append(f"channels[{index}]: expected a table, got {_describe(table)}")
            continue
        where = f"channels.{table['name']}" if isinstance(table.get("name"), str) and table["name"] else f"channels[{index}]"
        cls = CHANNEL_KINDS.get(table.get("kind"))  # type: ignore[arg-type]
        if cls is None:
            problems.append(f"{where}.kind: expected one of {', '.join(CHANNEL_KINDS)}, got {_describe(table.get('kind'))}")
            continue
        channels.append(_build_dataclass(cls, table, where, problems))
    return tuple(channels)


def _build_dataclass(cls: type[Any], data: dict[str, Any], where: str, problems: list[str]) -> Any:
    """Build one section dataclass from a table, converting and checking each key."""
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            problems.append(f"{where}.{key}: unknown key (known: {', '.join(sorted(known))})")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _convert(data[f.name], hints[f.name], f"{where}.{f.name}", problems)
    try:
        return cls(**{k: v for k, v in kwargs.items() if v is not _INVALID})
    except TypeError as exc:  # pragma: no cover - guarded by the checks above
        problems.append(f"[{where}]: {exc}")
        return cls()


_INVALID = object()


def _convert(value: Any, hint: Any, where: str, problems: list[str]) -> Any:
    """Convert a raw value to the type the key expects, or record a problem."""
    origin = typing.get_origin(hint)
    if origin is dict:
        key_type, value_type = typing.get_args(hint)
        if not isinstance(value, dict):
            problems.append(f"{where}: expected a table, got {_describe(value)}")
            return _INVALID
        if value_type in _SCALARS:
            return {str(k): _convert_scalar(v, value_type, f"{where}.{k}", problems) for k, v in value.items()}
        return {
            str(k): _build_dataclass(value_type, v, f"{where}.{k}", problems)
            if isinstance(v, dict)
            else _bad(f"{where}.{k}: expected a table, got {_describe(v)}", problems)
            for k, v in value.items()
        }
    if origin in (typing.Union, types.UnionType):  # pragma: no cover - no optional keys yet
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    return _convert_scalar(value, hint, where, problems)


def _bad(message: str, problems: list[str]) -> Any:
    """Record a problem and return the invalid marker."""
    problems.append(message)
    return _INVALID


def _to_bool(value: Any, where: str, problems: list[str]) -> Any:
    """Accept a TOML boolean, or true/false/yes/no/on/off/1/0 from the environment."""
    if isinstance(value, bool):
        return value
    words = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
    if isinstance(value, _EnvValue) and value.strip().lower() in words:
        return words[value.strip().lower()]
    return _bad(f"{where}: expected true or false, got {_describe(value)}", problems)


def _to_number(kind: type[int] | type[float]) -> Callable[[Any, str, list[str]], Any]:
    """Return a converter to int or float that refuses booleans and (for int) fractions."""

    def convert(value: Any, where: str, problems: list[str]) -> Any:
        if isinstance(value, _EnvValue):
            try:
                return kind(value.strip())
            except ValueError:
                pass
        elif isinstance(value, int | float) and not isinstance(value, bool) and (kind is float or isinstance(value, int)):
            return kind(value)
        expected = "a whole number" if kind is int else "a number"
        return _bad(f"{where}: expected {expected}, got {_describe(value)}", problems)

    return convert


def _to_str(value: Any, where: str, problems: list[str]) -> Any:
    """Accept a string."""
    if isinstance(value, str):
        return str(value)
    return _bad(f"{where}: expected a string, got {_describe(value)}", problems)


_SCALARS: dict[Any, Callable[[Any, str, list[str]], Any]] = {
    bool: _to_bool,
    int: _to_number(int),
    float: _to_number(float),
    str: _to_str,
}


def _convert_scalar(value: Any, hint: type[Any], where: str, problems: list[str]) -> Any:
    """Convert a scalar (from TOML or the environment) to the key's type."""
    return _SCALARS[hint](value, where, problems)


def _describe(value: Any) -> str:
    """Describe a bad value briefly for an error message."""
    if isinstance(value, _EnvValue):
        return f"{str(value)!r} (from the environment)"
    return f"{type(value).__name__} {value!r}"


def _storage_problems(url: str) -> list[str]:
    """Check the database URL: a supported driver, and a file rather than memory for SQLite."""
    if not url.startswith(("sqlite://", "sqlite+aiosqlite://", "postgresql+asyncpg://")):
        return [f"storage.url: expected sqlite:///PATH, sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB, got {url!r}"]
    if is_memory_url(url):
        return [f"storage.url: an in-memory SQLite database would lose everything on restart; give a file path, got {url!r}"]
    return []


def _web_problems(web: WebSection) -> list[str]:
    """Check the [web] section."""
    problems = []
    if not 0 < web.port < 65536:
        problems.append(f"web.port: expected 1-65535, got {web.port}")
    if web.simulator not in SIMULATOR_SETTINGS:
        problems.append(f"web.simulator: expected one of {', '.join(SIMULATOR_SETTINGS)}, got {web.simulator!r}")
    if web.simulator_session_hours <= 0:
        problems.append("web.simulator_session_hours: expected more than 0")
    return problems


def _check_semantics(config: Config, problems: list[str]) -> None:
    """Check values whose type is right but whose meaning is not."""
    try:
        ZoneInfo(config.app.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"app.timezone: unknown time zone {config.app.timezone!r} (e.g. Asia/Shanghai)")
    if config.app.language not in LANGUAGES:
        problems.append(f"app.language: expected one of {', '.join(LANGUAGES)}, got {config.app.language!r}")
    problems.extend(_storage_problems(config.storage.url))
    problems.extend(_web_problems(config.web))
    if not 0.0 <= config.nlp.threshold <= 1.0:
        problems.append(f"nlp.threshold: expected a number from 0 to 1, got {config.nlp.threshold}")
    for name, hours in [("sla", config.sla), *((f"sla.department.{k}", v) for k, v in config.sla.department.items())]:
        if not (hours.sign_hours > 0 and 0 < hours.yellow_hours < hours.red_hours):
            problems.append(f"{name}: expected 0 < sign_hours and 0 < yellow_hours < red_hours")
    if config.lifecycle.max_redos < 0:
        problems.append(f"lifecycle.max_redos: expected 0 or more, got {config.lifecycle.max_redos}")
    if not 0 < config.revisit.reminder_hours < config.revisit.phone_hours:
        problems.append("revisit: expected 0 < reminder_hours < phone_hours")
    if config.invites.lifetime_hours <= 0:
        problems.append("invites.lifetime_hours: expected more than 0")
    if config.conversation.timeout_minutes <= 0:
        problems.append("conversation.timeout_minutes: expected more than 0")
    if config.logging.level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        problems.append(f"logging.level: expected DEBUG, INFO, WARNING or ERROR, got {config.logging.level!r}")
    _check_supervision(config, problems)
    _check_outbox(config.outbox, problems)
    problems.extend(wishes_problems(config.wishes))
    problems.extend(clock_time_problems("wishes.remind_at", config.wishes.remind_at))
    problems.extend(reports_problems(config.reports))
    problems.extend(clock_time_problems("reports.send_at", config.reports.send_at))
    problems.extend(channel_problems(config.channels))


def _check_supervision(config: Config, problems: list[str]) -> None:
    """Check the [calendar], [supervision] and [scheduler] sections."""
    calendar = config.calendar
    if calendar.mode not in CALENDAR_MODES:
        problems.append(f"calendar.mode: expected one of {', '.join(CALENDAR_MODES)}, got {calendar.mode!r}")
    problems.extend(clock_time_problems("calendar.work_start", calendar.work_start))
    problems.extend(clock_time_problems("calendar.work_end", calendar.work_end, allow_24=True))
    if calendar.work_start >= calendar.work_end:
        problems.append("calendar: expected work_start before work_end")
    if calendar.warn_days_ahead < 0:
        problems.append("calendar.warn_days_ahead: expected 0 or more")
    if config.supervision.explanation_hours <= 0:
        problems.append("supervision.explanation_hours: expected more than 0")
    problems.extend(clock_time_problems("supervision.quiet_start", config.supervision.quiet_start))
    problems.extend(clock_time_problems("supervision.quiet_end", config.supervision.quiet_end))
    if config.scheduler.sweep_seconds <= 0 or config.scheduler.sweep_batch <= 0:
        problems.append("scheduler: expected sweep_seconds and sweep_batch above 0")
    problems.extend(clock_time_problems("scheduler.calendar_check_at", config.scheduler.calendar_check_at))


def _check_outbox(outbox: OutboxSection, problems: list[str]) -> None:
    """Check the [outbox] section."""
    positive = {
        "poll_seconds": outbox.poll_seconds,
        "batch": outbox.batch,
        "concurrency": outbox.concurrency,
        "claim_seconds": outbox.claim_seconds,
        "send_timeout_seconds": outbox.send_timeout_seconds,
        "max_attempts": outbox.max_attempts,
        "backoff_base_seconds": outbox.backoff_base_seconds,
        "backoff_max_seconds": outbox.backoff_max_seconds,
        "default_per_second": outbox.default_per_second,
        "default_per_chat_per_second": outbox.default_per_chat_per_second,
    }
    problems.extend(f"outbox.{name}: expected more than 0" for name, value in positive.items() if value <= 0)
    if outbox.send_timeout_seconds >= outbox.claim_seconds:
        problems.append("outbox: expected send_timeout_seconds below claim_seconds (a claim must outlive a send)")
    if outbox.window_margin_ms < 0:
        problems.append("outbox.window_margin_ms: expected 0 or more")
    for name, limit in outbox.rate.items():
        if limit.per_second <= 0 or limit.per_chat_per_second <= 0:
            problems.append(f"outbox.rate.{name}: expected per_second and per_chat_per_second above 0")
