"""Tell volunteers what happened to their points, through the outbox (each notice keyed so it is sent once),
and ask, with the first points, whether reports may name them."""

from __future__ import annotations

from datetime import datetime

from handlers.buttons import button
from handlers.lovebank.buttons import LoveConsent, LoveMenu
from handlers.messages import Button, Outbound
from handlers.pushes import push_to_person
from handlers.texts import Texts
from storage.lovebank.ledger import account_of, balance_of
from storage.models.lovebank import LedgerEntry
from storage.uow import UnitOfWork

KIND = "lovebank"


def describe(texts: Texts, entry: LedgerEntry) -> str:
    """Say what an entry was for, e.g. 微心愿 #12 or 兑换 大米5斤."""
    return texts.t(f"lovebank.reason.{entry.reason}", id=entry.source_id or "", note=entry.note or "")


def consent_buttons(texts: Texts) -> tuple[Button, ...]:
    """Return the two answers to the consent question."""
    return (button(texts.t("lovebank.consent.yes"), LoveConsent(1)), button(texts.t("lovebank.consent.no"), LoveConsent(0)))


async def push(uow: UnitOfWork, person_id: int, message: Outbound, key: str, now: datetime) -> bool:
    """Queue a love bank notice for a person once per key."""
    return await push_to_person(uow, person_id, message, f"{key}:p{person_id}", now, kind=KIND)


async def tell_credit(uow: UnitOfWork, texts: Texts, entry: LedgerEntry, what: str, now: datetime) -> None:
    """Tell a volunteer about points credited, with their balance; ask for consent when they were never asked."""
    balance = await balance_of(uow.session, entry.person_id)
    lines = [texts.t("lovebank.notice.credit", what=what, points=entry.amount, balance=balance)]
    account = await account_of(uow.session, entry.person_id)
    buttons: tuple[Button, ...] = (button(texts.t("lovebank.menu.points"), LoveMenu("points")),)
    if account is None or account.show_name is None:
        lines.append(texts.t("lovebank.consent.question"))
        buttons = consent_buttons(texts) + buttons
    await push(uow, entry.person_id, Outbound(text="\n".join(lines), buttons=buttons), f"lovebank:entry:{entry.id}", now)


async def tell_credits(uow: UnitOfWork, texts: Texts, entries: list[LedgerEntry], now: datetime) -> None:
    """Tell each volunteer about their entry (what it was for, as the ledger says)."""
    for entry in entries:
        await tell_credit(uow, texts, entry, describe(texts, entry), now)
