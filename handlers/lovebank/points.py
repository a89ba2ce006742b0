"""我的积分: the balance and the last entries, the way into rewards and activities, the volunteer's redemption
codes, and whether reports may name them (asked, and changeable here)."""

from __future__ import annotations

from handlers.buttons import button
from handlers.core import Context, Step
from handlers.lovebank.buttons import LoveConsent, LoveMenu, LovePage
from handlers.lovebank.notify import consent_buttons, describe
from handlers.messages import Button, Outbound
from storage.lovebank.codes import format_voucher
from storage.lovebank.ledger import account_of, entries_of, set_consent
from storage.lovebank.redemptions import EXPIRED, HANDED
from storage.lovebank.redemptions import of_person as redemptions_of
from storage.models.lovebank import LedgerEntry, Redemption, Reward

LAST = 5
HISTORY_PAGE = 10
VOLUNTEER_ITEMS = ("rewards", "activities", "mine", "vouchers", "checkin")


def entry_line(ctx: Context, entry: LedgerEntry) -> str:
    """Return one ledger line: when, how much, what for."""
    amount = f"+{entry.amount}" if entry.amount > 0 else str(entry.amount)
    return ctx.t("lovebank.points.line", at=ctx.local(entry.created_at), amount=amount, what=describe(ctx.services.texts, entry))


def volunteer_buttons(ctx: Context) -> list[Button]:
    """Return the volunteer's love bank entries: rewards, activities, my activities, my codes, check in."""
    return [button(ctx.t(f"lovebank.menu.{item}"), LoveMenu(item)) for item in VOLUNTEER_ITEMS]


async def show_points(ctx: Context) -> Step:
    """Show the balance, the last entries and the love bank menu (and the consent question, if never answered)."""
    account = await account_of(ctx.uow.session, ctx.person.id)
    entries = await entries_of(ctx.uow.session, ctx.person.id, limit=LAST + 1)
    lines = [ctx.t("lovebank.points.title", name=ctx.person.name, balance=account.balance if account else 0)]
    if entries:
        lines.append(ctx.t("lovebank.points.last"))
        lines += [entry_line(ctx, e) for e in entries[:LAST]]
    else:
        lines.append(ctx.t("lovebank.points.none"))
    buttons = volunteer_buttons(ctx)
    if len(entries) > LAST:
        buttons.append(button(ctx.t("lovebank.points.more"), LovePage("history", 0)))
    if account is None or account.show_name is None:
        lines.append(ctx.t("lovebank.consent.question"))
        buttons += consent_buttons(ctx.texts)
    else:
        lines.append(ctx.t("lovebank.consent.shown" if account.show_name else "lovebank.consent.hidden"))
        buttons.append(button(ctx.t("lovebank.consent.no" if account.show_name else "lovebank.consent.yes"), LoveConsent(0 if account.show_name else 1)))
    return ctx.step(Outbound(text="\n".join(lines), buttons=tuple(buttons)))


async def show_history(ctx: Context, page: int) -> Step:
    """Show a page of the volunteer's ledger, newest first."""
    entries = await entries_of(ctx.uow.session, ctx.person.id, limit=(page + 1) * HISTORY_PAGE + 1)
    shown = entries[page * HISTORY_PAGE : (page + 1) * HISTORY_PAGE]
    lines = [ctx.t("lovebank.points.history", page=page + 1)] + [entry_line(ctx, e) for e in shown]
    buttons = []
    if page > 0:
        buttons.append(button(ctx.t("cases.previous"), LovePage("history", page - 1)))
    if len(entries) > (page + 1) * HISTORY_PAGE:
        buttons.append(button(ctx.t("cases.next"), LovePage("history", page + 1)))
    return ctx.step(Outbound(text="\n".join(lines), buttons=tuple(buttons)))


async def answer_consent(ctx: Context, data: LoveConsent) -> Step:
    """Record whether reports may name the volunteer, and say what that means."""
    show = data.show == 1
    await set_consent(ctx.uow.session, ctx.person.id, show, ctx.now)
    return ctx.step(Outbound(text=ctx.t("lovebank.consent.saved_yes" if show else "lovebank.consent.saved_no")))


def voucher_line(ctx: Context, redemption: Redemption, reward: Reward) -> str:
    """Return one redemption line: the reward, its code and where it stands."""
    if redemption.status == HANDED:
        state = ctx.t("lovebank.voucher.handed", at=ctx.local(redemption.handed_at))
    elif redemption.status == EXPIRED:
        state = ctx.t("lovebank.voucher.expired", points=redemption.points)
    else:
        state = ctx.t("lovebank.voucher.issued", until=ctx.local(redemption.expires_at))
    return ctx.t("lovebank.voucher.line", name=reward.name, code=format_voucher(redemption.code), points=redemption.points, state=state)


async def show_vouchers(ctx: Context) -> Step:
    """Show the volunteer's redemptions and their codes, open ones first."""
    found = await redemptions_of(ctx.uow.session, ctx.person.id)
    if not found:
        return ctx.step(Outbound(text=ctx.t("lovebank.voucher.none"), buttons=(button(ctx.t("lovebank.menu.rewards"), LoveMenu("rewards")),)))
    lines = [ctx.t("lovebank.voucher.title", count=len(found))] + [voucher_line(ctx, r, w) for r, w in found]
    return ctx.step(Outbound(text="\n".join(lines)))
