"""The [outbox] section: how the sender drains the outbox, retries, and paces each channel ([outbox.rate.*])."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimit:
    """How fast one channel may send: messages per second for the whole bot and for one chat.

    A burst lets that many messages go at once as long as the rate holds over the burst's window
    (WeChat Work: 30 a minute per member is per_chat_per_second = 0.5 with per_chat_burst = 30);
    0 keeps the window at one second's worth.
    """

    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    burst: int = 0
    per_chat_burst: int = 0


def _default_rates() -> dict[str, RateLimit]:
    """Return the built-in per-channel limits (Telegram's Bot API limits; WeChat Work's 30 a minute per member)."""
    return {
        "telegram": RateLimit(per_second=30.0, per_chat_per_second=1.0),
        "wecom": RateLimit(per_second=50.0, per_chat_per_second=0.5, per_chat_burst=30),
    }


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
        if limit.burst < 0 or limit.per_chat_burst < 0:
            problems.append(f"outbox.rate.{name}: expected burst and per_chat_burst of 0 or more")
    return problems


@dataclass(frozen=True)
class LimitsSection:
    """[limits]: where send limits are shared between processes (Redis URL; empty: the database on PostgreSQL;
    "local": each process keeps its own, right only when one process sends)."""

    url: str = ""


LOCAL = "local"


def limits_problems(section: LimitsSection) -> list[str]:
    """Check the [limits] section."""
    if section.url and section.url != LOCAL and not section.url.startswith(("redis://", "rediss://", "unix://")):
        return [f"limits.url: expected redis://HOST:PORT/DB (or rediss://, unix://), \"local\", or empty, got {section.url!r}"]
    return []
