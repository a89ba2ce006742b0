"""The outbox sender against failing fake channels: retries, 429, dead letters, templates, rate limits."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.channels.delivery import OutsideServiceWindow, PermanentFailure, TemporaryFailure
from bot.outbox.rate_limit import Limit, RateLimiter
from bot.outbox.sender import OutboxSender, backoff, limits_from
from bot.outbox.settings import OutboxSection, RateLimit
from handlers.messages import Outbound
from storage.models.chat import OutboxMessage
from storage.models.people import ChannelAccount, Person, RoleBinding, Unit

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
SETTINGS = OutboxSection(max_attempts=3, backoff_base_seconds=2, backoff_max_seconds=60, window_margin_ms=0)


class FakeClock:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


class FakeChannel:
    """A channel that fails as scripted, then accepts; it records what it delivered."""

    name = "sim"

    def __init__(self, *failures: Exception) -> None:
        self.failures = deque(failures)
        self.sent: list[tuple[str, str]] = []
        self.templates: list[tuple[str, Mapping[str, Any]]] = []

    async def send(self, chat_id: str, message: Outbound) -> None:
        if self.failures:
            raise self.failures.popleft()
        self.sent.append((chat_id, message.text))


class TemplateChannel(FakeChannel):
    """A channel that also sends templates (like WeChat outside its 48-hour window)."""

    async def send_template(self, chat_id: str, template: Mapping[str, Any]) -> None:
        self.templates.append((chat_id, template))


class Clock:
    """The sender's wall clock, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def _setup(app: App, payload: dict[str, Any] | None = None) -> int:
    """Create an admin and a staff member with a sim account, queue one message; return its id."""
    async with app.uow() as uow:
        unit = uow.units.add(Unit(code="u", name="单位", kind="community"))
        admin = uow.people.add(Person(name="管理员", created_at=NOW))
        staff = uow.people.add(Person(name="网格员", created_at=NOW))
        await uow.flush()
        uow.session.add(RoleBinding(person_id=admin.id, role="admin", unit_id=unit.id, created_at=NOW))
        uow.people.add_account(ChannelAccount(channel="sim", external_id="s", chat_id="chat-s", person_id=staff.id, created_at=NOW))
        await uow.outbox.enqueue("m1", "light_yellow", payload or {"text": "黄灯"}, NOW, person_id=staff.id)
        await uow.commit()
    async with app.uow() as uow:
        return int((await uow.session.scalars(select(OutboxMessage.id))).one())


def _sender(app: App, channel: FakeChannel, clock: Clock) -> OutboxSender:
    """Return a sender on fake time with no jitter."""
    fake = FakeClock()
    limiter = RateLimiter(limits_from(SETTINGS), fake, fake.sleep)
    return OutboxSender(app.session_factory, {"sim": channel}, SETTINGS, limiter=limiter, now=clock, rng=lambda: 1.0)


async def _row(app: App, row_id: int) -> OutboxMessage:
    async with app.uow() as uow:
        row = await uow.session.get(OutboxMessage, row_id)
        assert row is not None
        return row


async def test_temporary_failures_back_off_then_succeed(app: App) -> None:
    row_id = await _setup(app)
    channel, clock = FakeChannel(TemporaryFailure("timeout")), Clock()
    sender = _sender(app, channel, clock)
    assert await sender.drain_once() == 1
    row = await _row(app, row_id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, NOW + timedelta(seconds=2))
    clock.now += timedelta(seconds=1)
    assert await sender.drain_once() == 0  # not before its time
    clock.now += timedelta(seconds=1)
    assert await sender.drain_once() == 1
    row = await _row(app, row_id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert channel.sent == [("chat-s", "黄灯")]


async def test_429_retry_after_is_honoured(app: App) -> None:
    row_id = await _setup(app)
    channel, clock = FakeChannel(TemporaryFailure("Too Many Requests", retry_after=30)), Clock()
    sender = _sender(app, channel, clock)
    await sender.drain_once()
    row = await _row(app, row_id)
    assert row.next_attempt_at == NOW + timedelta(seconds=30)
    assert sender.limiter.try_acquire("sim", "other-chat") >= 29.9  # the whole channel pauses


async def test_dead_letter_after_max_attempts_alerts_admins_once(app: App) -> None:
    row_id = await _setup(app)
    channel, clock = FakeChannel(*(TemporaryFailure("502") for _ in range(10))), Clock()
    sender = _sender(app, channel, clock)
    for _ in range(5):
        await sender.drain_once()
        clock.now += timedelta(minutes=5)
    row = await _row(app, row_id)
    assert (row.status, row.attempts) == ("dead", 3)
    async with app.uow() as uow:
        alerts = (await uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "dead_letter"))).all()
    assert len(alerts) == 1 and str(row_id) in alerts[0].payload["text"]
    await sender.drain_once()  # the alert waits for an account of the admin (they have none): never dead, never again
    async with app.uow() as uow:
        assert len((await uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "dead_letter"))).all()) == 1


async def test_dead_letter_alerts_are_written_in_each_administrators_language(app: App) -> None:
    row_id = await _setup(app)
    async with app.uow() as uow:
        unit = (await uow.session.scalars(select(Unit))).one()
        english = uow.people.add(Person(name="Admin", language="en", created_at=NOW))
        await uow.flush()
        uow.session.add(RoleBinding(person_id=english.id, role="admin", unit_id=unit.id, created_at=NOW))
        await uow.commit()
    await _sender(app, FakeChannel(PermanentFailure("blocked by user")), Clock()).drain_once()
    async with app.uow() as uow:
        alerts = {row.person_id: row.payload for row in (await uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "dead_letter"))).all()}
    assert len(alerts) == 2
    assert alerts[english.id]["text"].startswith(f"[Delivery failed] Message #{row_id}") and alerts[english.id]["language"] == "en"
    chinese = next(payload for person, payload in alerts.items() if person != english.id)
    assert chinese["text"].startswith(f"【投递失败】消息 #{row_id}") and "language" not in chinese


async def test_permanent_failure_dies_at_once(app: App) -> None:
    row_id = await _setup(app)
    sender = _sender(app, FakeChannel(PermanentFailure("blocked by user")), Clock())
    await sender.drain_once()
    row = await _row(app, row_id)
    assert (row.status, row.attempts) == ("dead", 1) and "blocked" in (row.last_error or "")


async def test_outside_service_window_falls_back_to_the_template(app: App) -> None:
    row_id = await _setup(app, {"text": "红灯", "template": {"id": "case_light", "data": {"number": "QG-1"}}})
    channel = TemplateChannel(OutsideServiceWindow("45015"))
    await _sender(app, channel, Clock()).drain_once()
    assert (await _row(app, row_id)).status == "sent"
    assert channel.templates == [("chat-s", {"id": "case_light", "data": {"number": "QG-1"}})]
    other = await _setup_second(app)
    await _sender(app, FakeChannel(OutsideServiceWindow("45015")), Clock()).drain_once()
    assert (await _row(app, other)).status == "dead"  # no template: nothing to fall back to


async def _setup_second(app: App) -> int:
    """Queue a second message without a template to the same person."""
    async with app.uow() as uow:
        person = (await uow.session.scalars(select(ChannelAccount.person_id))).one()
        await uow.outbox.enqueue("m2", "light_yellow", {"text": "黄灯"}, NOW, person_id=person)
        await uow.commit()
        return int((await uow.session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == "m2"))).one())


def test_backoff_grows_with_jitter_and_respects_retry_after() -> None:
    assert [backoff(n, 2, 60, None, lambda: 1.0) for n in (1, 2, 3, 4, 10)] == [2, 4, 8, 16, 60]
    assert backoff(3, 2, 60, None, lambda: 0.0) == 4  # jitter halves at most
    assert backoff(1, 2, 60, 30, lambda: 1.0) == 30


async def test_rate_limiter_never_exceeds_its_limits() -> None:
    clock = FakeClock()
    settings = OutboxSection(window_margin_ms=0, rate={"telegram": RateLimit(30, 1)})
    limiter = RateLimiter(limits_from(settings), clock, clock.sleep)
    sends: list[tuple[float, str]] = []
    for i in range(600):
        chat = f"c{i % 7}" if i % 3 else "busy"
        await limiter.acquire("telegram:main", chat)
        sends.append((clock(), chat))
    times = [t for t, _ in sends]
    for i, start in enumerate(times):
        window = [t for t in times[i:] if t < start + 1.0]
        assert len(window) <= 30
    for chat in {c for _, c in sends}:
        chat_times = [t for t, c in sends if c == chat]
        assert all(b - a >= 1.0 for a, b in zip(chat_times, chat_times[1:], strict=False))
    assert Limit.per_second(0.5) == Limit(1, 2.0)
    assert limits_from(settings)("wechat")[0] == Limit(20, 1.0)  # the default for unknown channels
