"""The love bank's job: redemptions not collected in time expire, their points come back as a new ledger
entry and the item goes back to stock; the volunteer is told.

Each redemption expires in its own short transaction with a conditional UPDATE from `issued`, so
running the job twice, or in two processes, refunds each once; the notice is keyed in the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from handlers.lovebank.notify import push
from handlers.messages import Outbound
from handlers.texts import Texts, load_texts
from scheduler.settings import SettingsLike
from scheduler.wiring import JobDeps
from storage.lovebank.codes import format_voucher
from storage.lovebank.ledger import balance_of
from storage.lovebank.redemptions import due_to_expire, expire
from storage.lovebank.rewards import get_reward
from storage.lovebank.settings import LovebankSection
from storage.uow import UnitOfWork

ROUNDS = 50  # batches per run at most; the next run takes the rest


def lovebank_settings(settings: SettingsLike) -> LovebankSection:
    """Return the [lovebank] section (a settings object without one gets the defaults)."""
    section: Any = getattr(settings, "lovebank", None)
    return section if isinstance(section, LovebankSection) else LovebankSection()


def expiry_trigger(settings: SettingsLike) -> BaseTrigger:
    """Return the expiry job's interval trigger."""
    return IntervalTrigger(minutes=lovebank_settings(settings).expire_every_minutes, timezone=settings.tz)


def expiry_schedule(settings: SettingsLike) -> str:
    """Describe when the expiry job runs."""
    return f"every {lovebank_settings(settings).expire_every_minutes} min"


async def expire_redemptions(deps: JobDeps, now: datetime) -> str:
    """Expire every redemption past its time: points back as a new entry, the item back to stock, the volunteer told."""
    texts = load_texts(deps.settings.app.language)
    expired = 0
    for _ in range(ROUNDS):
        async with UnitOfWork(deps.session_factory) as uow:
            due = list(await due_to_expire(uow.session, now))
        if not due:
            break
        for redemption in due:
            async with UnitOfWork(deps.session_factory) as uow:
                if not await expire(uow.session, redemption, now):
                    continue  # another run got it first
                reward = await get_reward(uow.session, redemption.reward_id)
                params = {
                    "name": reward.name if reward else "—",
                    "code": format_voucher(redemption.code),
                    "points": redemption.points,
                    "balance": await balance_of(uow.session, redemption.person_id),
                }

                def render(copy: Texts, params: dict[str, object] = params) -> Outbound:
                    return Outbound(text=copy.t("lovebank.notice.expired", **params))

                await push(uow, redemption.person_id, render, f"lovebank:expired:{redemption.id}", now, texts=texts)
                await uow.commit()
                expired += 1
    return f"{expired} uncollected redemptions expired, points returned"
