"""Tell volunteers what happened to their points, through the outbox (each notice keyed so it is sent once),
and ask, with the first points, whether reports may name them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from handlers.buttons import button
from handlers.lovebank.buttons import LoveConsent, LoveMenu
from handlers.messages import Button, Outbound
from handlers.pushes import Render, push_to_person
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


async def push(uow: UnitOfWork, person_id: int, message: Outbound | Render, key: str, now: datetime, *, texts: Texts | None = None) -> bool:
    """Queue a love bank notice for a person once per key (a Render: in their language)."""
    return await push_to_person(uow, person_id, message, f"{key}:p{person_id}", now, kind=KIND, texts=texts)


async def tell_credit(uow: UnitOfWork, texts: Texts, entry: LedgerEntry, what: Callable[[Texts], str] | None, now: datetime) -> None:
    """Tell a volunteer, in their language, about points credited, with their balance; ask for consent when they were never asked.

    WHAT says what the points were for (None: as the ledger's reason says it)."""
    balance = await balance_of(uow.session, entry.person_id)
    account = await account_of(uow.session, entry.person_id)
    ask = account is None or account.show_name is None

    def render(copy: Texts) -> Outbound:
        lines = [copy.t("lovebank.notice.credit", what=what(copy) if what else describe(copy, entry), points=entry.amount, balance=balance)]
        buttons: tuple[Button, ...] = (button(copy.t("lovebank.menu.points"), LoveMenu("points")),)
        if ask:
            lines.append(copy.t("lovebank.consent.question"))
            buttons = consent_buttons(copy) + buttons
        return Outbound(text="\n".join(lines), buttons=buttons)

    await push(uow, entry.person_id, render, f"lovebank:entry:{entry.id}", now, texts=texts)


async def tell_credits(uow: UnitOfWork, texts: Texts, entries: list[LedgerEntry], now: datetime) -> None:
    """Tell each volunteer about their entry (what it was for, as the ledger says)."""
    for entry in entries:
        await tell_credit(uow, texts, entry, None, now)
