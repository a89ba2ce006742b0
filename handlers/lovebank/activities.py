"""志愿活动 for volunteers: the upcoming activities, an activity's card, signing up (a place, or the waiting
list when it is full), withdrawing (the first in the queue moves up and is told), my activities, and
checking in with the code the organiser shows (签到 CODE)."""

from __future__ import annotations

from datetime import timedelta

from handlers.buttons import button
from handlers.core import Context, Step, UserError, local_time
from handlers.flow import State
from handlers.lovebank.access import home_community
from handlers.lovebank.buttons import LoveActivity, LovePage
from handlers.lovebank.notify import push
from handlers.messages import Button, Outbound
from handlers.texts import Texts
from storage.lovebank.activities import (
    CONFIRMED,
    OPEN,
    TAKEN,
    WAITING,
    WITHDRAWN,
    check_in,
    ends_at,
    get_activity,
    sign_up,
    signup_of,
    signups_of,
    signups_of_person,
    upcoming,
    waiting_position,
    withdraw,
)
from storage.lovebank.codes import normalise
from storage.models.lovebank import Activity, ActivitySignup

CHECKIN = "lb.checkin"
PAGE = 5


async def community_name(ctx: Context, unit_id: int) -> str:
    """Return a community's name."""
    unit = await ctx.uow.units.get(unit_id)
    return unit.name if unit else "—"


def when(ctx: Context, activity: Activity, texts: Texts | None = None) -> str:
    """Say when an activity is: start, end and hours (in TEXTS' language, else the sender's)."""
    copy = texts or ctx.texts
    end = ends_at(activity).astimezone(ctx.services.tz).strftime("%H:%M")
    return copy.t("lovebank.activity.when", start=local_time(copy, ctx.services.tz, activity.starts_at), end=end, hours=f"{activity.minutes / 60:g}")


async def activity_line(ctx: Context, activity: Activity) -> str:
    """Return one line of an activity list."""
    return ctx.t(
        "lovebank.activity.line",
        id=activity.id,
        community=await community_name(ctx, activity.community_id),
        title=activity.title,
        when=when(ctx, activity),
        taken=activity.taken,
        places=activity.places,
        per_hour=activity.points_per_hour,
    )


async def show_upcoming(ctx: Context, page: int = 0) -> Step:
    """Show the activities open for sign-up, those of the volunteer's community first."""
    found = list(await upcoming(ctx.uow.session, ctx.now))
    home = await home_community(ctx)
    found.sort(key=lambda a: (a.community_id != home, a.starts_at, a.id))
    if not found:
        return ctx.step(Outbound(text=ctx.t("lovebank.activity.none")))
    shown = found[page * PAGE : (page + 1) * PAGE]
    lines = [ctx.t("lovebank.activity.title", count=len(found))] + [await activity_line(ctx, a) for a in shown]
    buttons: list[Button] = [button(ctx.t("lovebank.activity.open", id=a.id), LoveActivity("view", a.id)) for a in shown]
    if page > 0:
        buttons.append(button(ctx.t("cases.previous"), LovePage("activities", page - 1)))
    if len(found) > (page + 1) * PAGE:
        buttons.append(button(ctx.t("cases.next"), LovePage("activities", page + 1)))
    return ctx.step(Outbound(text="\n".join(lines), buttons=tuple(buttons)))


async def status_line(ctx: Context, signup: ActivitySignup | None) -> str:
    """Say where the volunteer stands in an activity."""
    if signup is None or signup.status == WITHDRAWN:
        return ctx.t("lovebank.activity.you.none")
    if signup.status == WAITING:
        return ctx.t("lovebank.activity.you.waiting", position=await waiting_position(ctx.uow.session, signup))
    if signup.status == CONFIRMED:
        return ctx.t("lovebank.activity.you.confirmed", hours=f"{(signup.minutes or 0) / 60:g}", points=signup.points or 0)
    return ctx.t(f"lovebank.activity.you.{signup.status}")


def in_window(ctx: Context, activity: Activity) -> bool:
    """Tell whether check-in is open now for an activity."""
    section = ctx.services.lovebank
    opens = activity.starts_at - timedelta(minutes=section.checkin_early_minutes)
    return opens <= ctx.now <= ends_at(activity) + timedelta(minutes=section.checkin_late_minutes)


async def activity_card(ctx: Context, activity: Activity) -> Outbound:
    """Render an activity for a volunteer, with what they can do about it now."""
    signup = await signup_of(ctx.uow.session, activity.id, ctx.person.id)
    waiting = len(await signups_of(ctx.uow.session, activity.id, [WAITING]))
    lines = [
        ctx.t("lovebank.activity.head", id=activity.id, title=activity.title, community=await community_name(ctx, activity.community_id)),
        when(ctx, activity),
        ctx.t("lovebank.activity.place", place=activity.place),
        ctx.t("lovebank.activity.places", taken=activity.taken, places=activity.places, waiting=waiting, per_hour=activity.points_per_hour),
    ]
    if activity.status != OPEN:
        lines.append(ctx.t("lovebank.activity.cancelled"))
    lines.append(await status_line(ctx, signup))
    buttons: list[Button] = []
    before = activity.status == OPEN and ctx.now < activity.starts_at
    if activity.status == OPEN and ctx.now < ends_at(activity) and (signup is None or signup.status == WITHDRAWN):
        key = "lovebank.activity.sign_up" if activity.taken < activity.places else "lovebank.activity.join_queue"
        buttons.append(button(ctx.t(key), LoveActivity("signup", activity.id)))
    if before and signup is not None and signup.status in (TAKEN, WAITING):
        buttons.append(button(ctx.t("lovebank.activity.withdraw"), LoveActivity("withdraw", activity.id)))
    if activity.status == OPEN and signup is not None and signup.status == TAKEN and in_window(ctx, activity):
        buttons.append(button(ctx.t("lovebank.activity.check_in"), LoveActivity("checkin", activity.id)))
    return Outbound(text="\n".join(lines), buttons=tuple(buttons))


async def _activity(ctx: Context, activity_id: int) -> Activity:
    """Return an activity, or refuse politely."""
    activity = await get_activity(ctx.uow.session, activity_id)
    if activity is None:
        raise UserError(ctx.t("lovebank.activity.unknown"))
    return activity


async def show_activity(ctx: Context, activity_id: int) -> Step:
    """Show an activity's card."""
    return ctx.step(await activity_card(ctx, await _activity(ctx, activity_id)))


async def do_sign_up(ctx: Context, activity_id: int) -> Step:
    """Sign up: a place while there is one, else the waiting list; a full activity says so."""
    activity = await _activity(ctx, activity_id)
    result = await sign_up(ctx.uow.session, activity.id, ctx.person.id, ctx.now)
    if result.outcome == "closed":
        raise UserError(ctx.t("lovebank.activity.closed"))
    fresh = await _activity(ctx, activity_id)
    params = {"id": fresh.id, "title": fresh.title, "places": fresh.places, "position": result.position}
    if result.outcome == "already":
        key = "lovebank.activity.already_waiting" if result.position else "lovebank.activity.already"
        return ctx.step(Outbound(text=ctx.t(key, **params)))
    key = "lovebank.activity.signed_up" if result.outcome == TAKEN else "lovebank.activity.full_waiting"
    return ctx.step(Outbound(text=ctx.t(key, **params, when=when(ctx, fresh), place=fresh.place)))


async def do_withdraw(ctx: Context, activity_id: int) -> Step:
    """Give up a place (or a place in the queue); the first in the queue moves up and is told."""
    activity = await _activity(ctx, activity_id)
    done = await withdraw(ctx.uow.session, activity.id, ctx.person.id, ctx.now)
    if done is None:
        raise UserError(ctx.t("lovebank.activity.cannot_withdraw"))
    if done.promoted is not None:

        def message(copy: Texts) -> Outbound:
            text = copy.t("lovebank.notice.promoted", id=activity.id, title=activity.title, when=when(ctx, activity, copy), place=activity.place)
            return Outbound(text=text, buttons=(button(copy.t("lovebank.activity.open", id=activity.id), LoveActivity("view", activity.id)),))

        await push(ctx.uow, done.promoted.person_id, message, f"lovebank:promoted:{done.promoted.id}:{int(ctx.now.timestamp())}", ctx.now, texts=ctx.services.texts)
    return ctx.step(Outbound(text=ctx.t("lovebank.activity.withdrawn", id=activity.id, title=activity.title)))


async def show_mine(ctx: Context) -> Step:
    """Show the activities the volunteer signed up for, and where they stand in each."""
    found = await signups_of_person(ctx.uow.session, ctx.person.id)
    if not found:
        return ctx.step(Outbound(text=ctx.t("lovebank.activity.mine_none")))
    lines = [ctx.t("lovebank.activity.mine_title", count=len(found))]
    for signup, activity in found[:10]:
        lines.append(ctx.t("lovebank.activity.mine_line", id=activity.id, title=activity.title, start=ctx.local(activity.starts_at), status=await status_line(ctx, signup)))
    buttons = tuple(button(ctx.t("lovebank.activity.open", id=a.id), LoveActivity("view", a.id)) for _, a in found[:10])
    return ctx.step(Outbound(text="\n".join(lines), buttons=buttons))


async def ask_checkin(ctx: Context) -> Step:
    """Ask for the check-in code the organiser shows."""
    return ctx.step(Outbound(text=ctx.t("lovebank.checkin.ask")), state=CHECKIN)


async def check_in_with(ctx: Context, typed: str) -> Step:
    """Check the volunteer in with a code, and say how it went."""
    code = normalise(typed)[:16]
    section = ctx.services.lovebank
    early, late = timedelta(minutes=section.checkin_early_minutes), timedelta(minutes=section.checkin_late_minutes)
    result = await check_in(ctx.uow.session, code, ctx.person.id, ctx.now, early=early, late=late) if code else None
    if result is None or result.activity is None:
        raise UserError(ctx.t("lovebank.checkin.unknown"))
    activity = result.activity
    params = {"id": activity.id, "title": activity.title, "early": section.checkin_early_minutes, "late": section.checkin_late_minutes}
    if result.outcome == "done":
        return ctx.step(Outbound(text=ctx.t("lovebank.checkin.done", **params)))
    if result.outcome == "already":
        return ctx.step(Outbound(text=ctx.t("lovebank.checkin.already", **params)))
    raise UserError(ctx.t(f"lovebank.checkin.{result.outcome}", **params))


async def _typed_code(ctx: Context) -> Step:
    """Check in with the code typed in answer to the question."""
    return await check_in_with(ctx, ctx.inbound.payload)


STATES: dict[str, State] = {CHECKIN: State(CHECKIN, on_text=_typed_code, hint_key="lovebank.checkin.ask")}
