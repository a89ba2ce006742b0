"""The sections that configure bot/ itself: [app], [web], [outbox] (with per-channel rates), [logging]."""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("zh", "en")
SIMULATOR_SETTINGS = ("auto", "on", "off")
LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


@dataclass(frozen=True)
class AppSection:
    """[app]: time zone, language, demo mode."""

    timezone: str = "Asia/Shanghai"
    language: str = "zh"
    demo: bool = False


@dataclass(frozen=True)
class WebSection:
    """[web]: the HTTP server for the simulator and webhooks; whether the simulator is served."""

    host: str = "127.0.0.1"
    port: int = 8080
    simulator: str = "auto"  # auto: in demo mode only; on: also outside it, for trainers with a link; off: never
    simulator_session_hours: float = 12.0


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


def app_problems(app: AppSection, logging: LoggingSection) -> list[str]:
    """Check the [app] and [logging] sections (the time zone is checked where it is parsed)."""
    problems = []
    if app.language not in LANGUAGES:
        problems.append(f"app.language: expected one of {', '.join(LANGUAGES)}, got {app.language!r}")
    if logging.level.upper() not in LOG_LEVELS:
        problems.append(f"logging.level: expected DEBUG, INFO, WARNING or ERROR, got {logging.level!r}")
    return problems


def web_problems(web: WebSection) -> list[str]:
    """Check the [web] section."""
    problems = []
    if not 0 < web.port < 65536:
        problems.append(f"web.port: expected 1-65535, got {web.port}")
    if web.simulator not in SIMULATOR_SETTINGS:
        problems.append(f"web.simulator: expected one of {', '.join(SIMULATOR_SETTINGS)}, got {web.simulator!r}")
    if web.simulator_session_hours <= 0:
        problems.append("web.simulator_session_hours: expected more than 0")
    return problems


def outbox_problems(outbox: OutboxSection) -> list[str]:
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
    problems = [f"outbox.{name}: expected more than 0" for name, value in positive.items() if value <= 0]
    if outbox.send_timeout_seconds >= outbox.claim_seconds:
        problems.append("outbox: expected send_timeout_seconds below claim_seconds (a claim must outlive a send)")
    if outbox.window_margin_ms < 0:
        problems.append("outbox.window_margin_ms: expected 0 or more")
    for name, limit in outbox.rate.items():
        if limit.per_second <= 0 or limit.per_chat_per_second <= 0:
            problems.append(f"outbox.rate.{name}: expected per_second and per_chat_per_second above 0")
    return problems
