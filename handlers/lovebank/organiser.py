"""The organiser's side of an activity: the community's activities, an activity's card with its check-in
code, sign-ups and waiting list, confirming the hours of those who checked in (points are credited
on confirmation, once per volunteer), and cancelling before the start."""

from __future__ import annotations

from handlers.buttons import button
from handlers.core import Context, Step, UserError, local_time
from handlers.flow import State
from handlers.lovebank.access import refuse, require_organiser
from handlers.lovebank.activities import community_name, when
from handlers.lovebank.buttons import LoveActivity, LoveSignup
from handlers.lovebank.notify import push, tell_credit
from handlers.lovebank.parse import parse_hours
from handlers.messages import Button, Outbound
from handlers.texts import Texts
from storage.lovebank.activities import (
    CHECKED_IN,
    CONFIRMED,
    OPEN,
    TAKEN,
    WAITING,
    cancel,
    confirm_hours,
    get_activity,
    get_signup,
    of_community,
    signups_of,
)
from storage.lovebank.ledger import ACTIVITY, Recorder, entries_for
from storage.models.lovebank import Activity, ActivitySignup

HOURS = "lb.hours"
LIST_LIMIT = 10


async def _names(ctx: Context, signups: list[ActivitySignup]) -> str:
    """Return the sign-ups' names, separated."""
    names = []
    for signup in signups:
        person = await ctx.uow.people.get(signup.person_id)
        names.append(person.name if person else "—")
    return ctx.t("wish.format.separator").join(names) or ctx.t("lovebank.org.nobody")


async def _organised(ctx: Context, activity_id: int) -> Activity:
    """Return an activity the sender organises (a worker of its community)."""
    activity = await get_activity(ctx.uow.session, activity_id)
    if activity is None:
        raise UserError(ctx.t("lovebank.activity.unknown"))
    await require_organiser(ctx, activity)
    return activity


async def show_community_activities(ctx: Context) -> Step:
    """List the worker's community's activities, the latest first."""
    communities = await require_organiser(ctx)
    found = list(await of_community(ctx.uow.session, communities, limit=LIST_LIMIT))
    if not found:
        return ctx.step(Outbound(text=ctx.t("lovebank.org.none")))
    lines = [ctx.t("lovebank.org.list_title", count=len(found))]
    lines += [ctx.t("lovebank.org.list_line", id=a.id, title=a.title, start=ctx.local(a.starts_at), taken=a.taken, places=a.places) for a in found]
    buttons = tuple(button(ctx.t("lovebank.org.open", id=a.id), LoveActivity("org", a.id)) for a in found)
    return ctx.step(Outbound(text="\n".join(lines), buttons=buttons))


async def organiser_card(ctx: Context, activity_id: int) -> Step:
    """Show the organiser an activity: the check-in code, who holds a place, who waits, who is confirmed."""
    activity = await _organised(ctx, activity_id)
    signups = list(await signups_of(ctx.uow.session, activity.id))
    by_status = {s: [x for x in signups if x.status == s] for s in (TAKEN, CHECKED_IN, CONFIRMED, WAITING)}
    lines = [
        ctx.t("lovebank.activity.head", id=activity.id, title=activity.title, community=await community_name(ctx, activity.community_id)),
        when(ctx, activity),
        ctx.t("lovebank.activity.place", place=activity.place),
        ctx.t("lovebank.activity.places", taken=activity.taken, places=activity.places, waiting=len(by_status[WAITING]), per_hour=activity.points_per_hour),
        ctx.t("lovebank.org.code", code=activity.checkin_code) if activity.status == OPEN else ctx.t("lovebank.activity.cancelled"),
        ctx.t("lovebank.org.taken", names=await _names(ctx, by_status[TAKEN])),
        ctx.t("lovebank.org.checked_in", names=await _names(ctx, by_status[CHECKED_IN])),
        ctx.t("lovebank.org.confirmed", names=await _names(ctx, by_status[CONFIRMED])),
        ctx.t("lovebank.org.waiting", names=await _names(ctx, by_status[WAITING])),
    ]
    buttons: list[Button] = []
    if by_status[CHECKED_IN] and ctx.now >= activity.starts_at:
        buttons.append(button(ctx.t("lovebank.org.hours"), LoveActivity("hours", activity.id)))
    if activity.status == OPEN and ctx.now < activity.starts_at:
        buttons.append(button(ctx.t("lovebank.org.cancel"), LoveActivity("cancel", activity.id)))
    return ctx.step(Outbound(text="\n".join(lines), buttons=tuple(buttons)))


async def ask_hours(ctx: Context, activity_id: int) -> Step:
    """Offer to confirm the planned hours for everyone checked in, or other hours for one of them."""
    activity = await _organised(ctx, activity_id)
    checked = list(await signups_of(ctx.uow.session, activity.id, [CHECKED_IN]))
    if not checked:
        raise UserError(ctx.t("lovebank.org.none_to_confirm"))
    if ctx.now < activity.starts_at:
        raise UserError(ctx.t("lovebank.org.not_started"))
    hours = f"{activity.minutes / 60:g}"
    text = ctx.t("lovebank.org.hours_ask", count=len(checked), names=await _names(ctx, checked), hours=hours)
    buttons = [button(ctx.t("lovebank.org.confirm_all", hours=hours), LoveActivity("confirm_all", activity.id))]
    for signup in checked[:20]:
        person = await ctx.uow.people.get(signup.person_id)
        buttons.append(button(ctx.t("lovebank.org.other_hours", name=person.name if person else "—"), LoveSignup("hours", signup.id)))
    return ctx.step(Outbound(text=text, buttons=tuple(buttons)))


async def _confirm(ctx: Context, activity: Activity, signup_id: int, minutes: int) -> int:
    """Confirm one volunteer's hours, credit and tell them; return the points (0 when confirmed before)."""
    done = await confirm_hours(ctx.uow.session, signup_id, minutes, Recorder(ctx.person.id, "community"), ctx.now)
    if done is None:
        return 0
    signup, points = done

    def what(copy: Texts) -> str:
        return copy.t("lovebank.what.activity", id=activity.id, title=activity.title, hours=f"{minutes / 60:g}")

    for entry in await entries_for(ctx.uow.session, ACTIVITY, activity.id):
        if entry.key == f"activity:signup:{signup.id}":
            await tell_credit(ctx.uow, ctx.services.texts, entry, what, ctx.now)
    return points


async def confirm_all(ctx: Context, activity_id: int) -> Step:
    """Confirm the planned hours for everyone checked in and not yet confirmed."""
    activity = await _organised(ctx, activity_id)
    if ctx.now < activity.starts_at:
        raise UserError(ctx.t("lovebank.org.not_started"))
    checked = list(await signups_of(ctx.uow.session, activity.id, [CHECKED_IN]))
    total = 0
    for signup in checked:
        total += await _confirm(ctx, activity, signup.id, activity.minutes)
    if not checked:
        raise UserError(ctx.t("lovebank.org.none_to_confirm"))
    return ctx.step(Outbound(text=ctx.t("lovebank.org.confirmed_all", count=len(checked), points=total, hours=f"{activity.minutes / 60:g}")))


async def ask_one(ctx: Context, data: LoveSignup) -> Step:
    """Ask for the hours of one checked-in volunteer."""
    signup = await get_signup(ctx.uow.session, data.signup_id) if data.op == "hours" else None
    if signup is None:
        raise refuse(ctx, "errors.unknown_button", f"sign-up op {data.op!r} on {data.signup_id}")
    activity = await _organised(ctx, signup.activity_id)
    if signup.status != CHECKED_IN:
        raise UserError(ctx.t("lovebank.org.none_to_confirm"))
    person = await ctx.uow.people.get(signup.person_id)
    text = ctx.t("lovebank.org.ask_one", name=person.name if person else "—", limit=f"{ctx.services.lovebank.max_activity_hours:g}")
    return ctx.step(Outbound(text=text), state=HOURS, data={"signup_id": signup.id, "activity_id": activity.id})


async def _one_hours(ctx: Context) -> Step:
    """Confirm the typed hours for one volunteer."""
    activity = await _organised(ctx, int(ctx.data["activity_id"]))
    hours = parse_hours(ctx.inbound.payload)
    limit = ctx.services.lovebank.max_activity_hours
    if hours is None or not 0 < hours <= limit:
        return ctx.step(Outbound(text=ctx.t("lovebank.post.bad_hours", limit=f"{limit:g}")), state=HOURS, data=ctx.data)
    minutes = round(hours * 60)
    points = await _confirm(ctx, activity, int(ctx.data["signup_id"]), minutes)
    if points == 0 and (signup := await get_signup(ctx.uow.session, int(ctx.data["signup_id"]))) is not None and signup.status != CONFIRMED:
        raise UserError(ctx.t("lovebank.org.none_to_confirm"))
    return ctx.step(Outbound(text=ctx.t("lovebank.org.confirmed_one", hours=f"{minutes / 60:g}", points=points)))


async def ask_cancel(ctx: Context, activity_id: int) -> Step:
    """Ask the organiser to confirm cancelling an activity."""
    activity = await _organised(ctx, activity_id)
    waiting = len(await signups_of(ctx.uow.session, activity.id, [TAKEN, WAITING]))
    yes = button(ctx.t("lovebank.org.cancel_yes"), LoveActivity("cancel_yes", activity.id))
    return ctx.step(Outbound(text=ctx.t("lovebank.org.cancel_ask", id=activity.id, count=waiting), buttons=(yes,)))


async def do_cancel(ctx: Context, activity_id: int) -> Step:
    """Cancel an activity before it starts and tell everyone signed up or waiting."""
    activity = await _organised(ctx, activity_id)
    told = await cancel(ctx.uow.session, activity.id, ctx.now)
    fresh = await get_activity(ctx.uow.session, activity.id)
    if fresh is None or fresh.status == OPEN:
        raise UserError(ctx.t("lovebank.org.cannot_cancel"))

    def notice(copy: Texts) -> Outbound:
        return Outbound(text=copy.t("lovebank.notice.cancelled", id=activity.id, title=activity.title, start=local_time(copy, ctx.services.tz, activity.starts_at)))

    for signup in told:
        await push(ctx.uow, signup.person_id, notice, f"lovebank:activity:{activity.id}:cancelled", ctx.now, texts=ctx.services.texts)
    return ctx.step(Outbound(text=ctx.t("lovebank.org.cancelled", id=activity.id, count=len(told))))


STATES: dict[str, State] = {HOURS: State(HOURS, on_text=_one_hours, hint_key="lovebank.org.hours_hint")}
