"""The daily micro-wish reminders: unclaimed wishes to their community, overdue claims to the claimant, then the community.

Each reminder is an outbox row whose dedupe key names the wish, the listing or claim it is about,
and the person, so running the job twice (or in two processes) queues each reminder once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from handlers.buttons import WishCard, WishOp, button
from handlers.messages import Outbound
from handlers.pushes import Render, push_to_person
from handlers.texts import Texts, load_texts
from scheduler.settings import SettingsLike
from scheduler.wiring import JobDeps
from storage.cases.lifecycle import Role
from storage.clock import parse_clock_time
from storage.models.people import Person
from storage.models.wishes import Wish
from storage.uow import UnitOfWork
from storage.wishes.settings import WishesSection
from storage.wishes.use_cases import CLAIMED, PUBLISHED

BATCH = 1000


def wish_settings(settings: SettingsLike) -> WishesSection:
    """Return the [wishes] section (a settings object without one gets the defaults)."""
    section: Any = getattr(settings, "wishes", None)
    return section if isinstance(section, WishesSection) else WishesSection()


def wish_trigger(settings: SettingsLike) -> BaseTrigger:
    """Return the daily trigger of the wish reminders (local time)."""
    at = parse_clock_time(wish_settings(settings).remind_at)
    hour, minute = (at.hour, at.minute) if at else (0, 0)
    return CronTrigger(hour=hour, minute=minute, timezone=settings.tz)


def wish_schedule(settings: SettingsLike) -> str:
    """Describe when the wish reminders run."""
    return f"daily at {wish_settings(settings).remind_at} ({settings.tz.key})"


def _stamp(moment: datetime | None) -> int:
    """Return a moment as whole seconds, for dedupe keys."""
    return int(moment.timestamp()) if moment is not None else 0


async def _community(uow: UnitOfWork, wish: Wish) -> list[int]:
    """Return the community workers of a wish's community."""
    return [p.id for p in await uow.people.holders(Role.COMMUNITY.value, wish.community_id)]


async def _push(uow: UnitOfWork, people: list[int], message: Render, key: str, now: datetime, *, texts: Texts) -> int:
    """Queue a reminder for each person once, in their language (TEXTS: the district's); return how many were new."""
    queued = 0
    for person_id in people:
        queued += await push_to_person(uow, person_id, message, f"{key}:p{person_id}", now, kind="wish_reminder", texts=texts)
    return queued


def _to_community(wish: Wish, key: str, **params: object) -> Render:
    """Return the reminder to a wish's community: the text under KEY and a button that opens the wish."""

    def render(texts: Texts) -> Outbound:
        text = texts.t(key, id=wish.id, category=texts.t(f"wish.category.{wish.category}"), **params)
        return Outbound(text=text, buttons=(button(texts.t("wish.open", id=wish.id), WishCard(wish.id)),))

    return render


def _to_claimant(wish: Wish) -> Render:
    """Return the reminder to the claimant of a wish past its date, with done and release buttons."""
    by = wish.wished_by.isoformat()

    def render(texts: Texts) -> Outbound:
        ops = tuple(button(texts.t(f"wish.op.{op}"), WishOp(op, wish.id)) for op in ("done", "release"))
        return Outbound(text=texts.t("wish.remind.overdue_claimant", id=wish.id, by=by), buttons=ops)

    return render


async def _unclaimed(uow: UnitOfWork, texts: Texts, section: WishesSection, now: datetime) -> int:
    """Remind communities of wishes published for more than `unclaimed_days` without a claim."""
    cutoff = now - timedelta(days=section.unclaimed_days)
    query = select(Wish).where(Wish.status == PUBLISHED, Wish.listed_at <= cutoff).order_by(Wish.id).limit(BATCH)
    queued = 0
    for wish in (await uow.session.scalars(query)).all():
        message = _to_community(wish, "wish.remind.unclaimed", days=section.unclaimed_days)
        queued += await _push(uow, await _community(uow, wish), message, f"wish:{wish.id}:unclaimed:{_stamp(wish.listed_at)}", now, texts=texts)
    return queued


async def _overdue(uow: UnitOfWork, texts: Texts, section: WishesSection, now: datetime, today: date) -> int:
    """Remind claimants of claims past the wished-by date, and communities `overdue_community_days` later."""
    query = select(Wish).where(Wish.status == CLAIMED, Wish.wished_by < today).order_by(Wish.id).limit(BATCH)
    queued = 0
    for wish in (await uow.session.scalars(query)).all():
        key = f"wish:{wish.id}:overdue:{_stamp(wish.claimed_at)}"
        if wish.claimant_person_id is not None:
            queued += await _push(uow, [wish.claimant_person_id], _to_claimant(wish), f"{key}:claimant", now, texts=texts)
        late = (today - wish.wished_by).days
        if late > section.overdue_community_days:
            name = (await uow.session.get(Person, wish.claimant_person_id)) if wish.claimant_person_id else None
            by = wish.wished_by.isoformat()
            message = _to_community(wish, "wish.remind.overdue_community", name=name.name if name else "—", by=by, days=late)
            queued += await _push(uow, await _community(uow, wish), message, f"{key}:community", now, texts=texts)
    return queued


async def wish_reminders(deps: JobDeps, now: datetime) -> str:
    """Queue every wish reminder due at NOW that was not queued before."""
    settings = deps.settings
    section = wish_settings(settings)
    texts = load_texts(settings.app.language)
    today = now.astimezone(settings.tz).date()
    async with UnitOfWork(deps.session_factory) as uow:
        unclaimed = await _unclaimed(uow, texts, section, now)
        overdue = await _overdue(uow, texts, section, now, today)
        await uow.commit()
    return f"wish reminders queued: {unclaimed} unclaimed, {overdue} overdue"
