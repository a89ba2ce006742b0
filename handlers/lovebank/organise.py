"""发布志愿活动: a community worker posts an activity from the work menu — title → start time → hours →
place → places → points per hour → confirm. The community's party members are told."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from handlers.buttons import button, choice
from handlers.core import Context, Step, UserError, local_time
from handlers.flow import State
from handlers.lovebank.access import require_organiser
from handlers.lovebank.buttons import LoveActivity
from handlers.lovebank.notify import push
from handlers.lovebank.parse import fold, parse_hours, parse_local_time, parse_whole
from handlers.messages import Outbound
from handlers.texts import Texts
from storage.cases.lifecycle import Role
from storage.lovebank.activities import NewActivity, create_activity, get_activity

TITLE, TIME, HOURS, PLACE, PLACES, POINTS, CONFIRM = (
    "lb.act.title", "lb.act.time", "lb.act.hours", "lb.act.place", "lb.act.places", "lb.act.points", "lb.act.confirm",
)
MAX_TITLE, MAX_PLACE, MAX_PLACES = 60, 100, 500
PAST_DAYS, AHEAD_DAYS = 7, 366  # an activity may be recorded up to a week after it started
HOUR_CHOICES = ("1", "2", "3", "4")


async def start(ctx: Context) -> Step:
    """Begin posting an activity for the worker's community."""
    communities = await require_organiser(ctx)
    return ctx.step(Outbound(text=ctx.t("lovebank.post.ask_title", limit=MAX_TITLE)), state=TITLE, data={"community_id": communities[0]})


def _short(ctx: Context, limit: int) -> str:
    """Return the typed text on one line, refusing an empty or overlong one."""
    text = " ".join(ctx.inbound.payload.split())
    if not text or len(text) > limit:
        raise UserError(ctx.t("lovebank.post.too_long", limit=limit))
    return text


async def _title(ctx: Context) -> Step:
    """Take the title and ask when the activity starts."""
    data = ctx.data | {"title": _short(ctx, MAX_TITLE)}
    return ctx.step(Outbound(text=ctx.t("lovebank.post.ask_time")), state=TIME, data=data)


async def _time(ctx: Context) -> Step:
    """Take the start time (local) and ask how long it lasts."""
    starts = parse_local_time(ctx.inbound.payload, ctx.now, ctx.services.tz)
    if starts is None or not ctx.now - timedelta(days=PAST_DAYS) <= starts <= ctx.now + timedelta(days=AHEAD_DAYS):
        return ctx.step(Outbound(text=ctx.t("lovebank.post.bad_time")), state=TIME, data=ctx.data)
    buttons = tuple(choice(ctx.t("lovebank.post.hours_choice", hours=h), HOURS, h) for h in HOUR_CHOICES)
    return ctx.step(Outbound(text=ctx.t("lovebank.post.ask_hours"), buttons=buttons), state=HOURS, data=ctx.data | {"starts_at": starts.isoformat()})


async def _set_hours(ctx: Context, typed: str) -> Step:
    """Take the planned hours and ask where."""
    hours = parse_hours(typed)
    limit = ctx.services.lovebank.max_activity_hours
    if hours is None or not 0 < hours <= limit:
        return ctx.step(Outbound(text=ctx.t("lovebank.post.bad_hours", limit=f"{limit:g}")), state=HOURS, data=ctx.data)
    return ctx.step(Outbound(text=ctx.t("lovebank.post.ask_place")), state=PLACE, data=ctx.data | {"minutes": round(hours * 60)})


async def _hours_text(ctx: Context) -> Step:
    """Take typed hours."""
    return await _set_hours(ctx, ctx.inbound.payload)


async def _hours_choice(ctx: Context, value: str) -> Step:
    """Take hours picked from the buttons."""
    return await _set_hours(ctx, value)


async def _place(ctx: Context) -> Step:
    """Take the place and ask how many places there are."""
    data = ctx.data | {"place": _short(ctx, MAX_PLACE)}
    return ctx.step(Outbound(text=ctx.t("lovebank.post.ask_places", limit=MAX_PLACES)), state=PLACES, data=data)


async def _places(ctx: Context) -> Step:
    """Take the number of places and ask the points per hour."""
    places = parse_whole(ctx.inbound.payload)
    if places is None or not 1 <= places <= MAX_PLACES:
        return ctx.step(Outbound(text=ctx.t("lovebank.post.bad_places", limit=MAX_PLACES)), state=PLACES, data=ctx.data)
    default = ctx.services.lovebank.activity_points_per_hour
    buttons = (choice(ctx.t("lovebank.post.points_default", points=default), POINTS, str(default)),)
    text = ctx.t("lovebank.post.ask_points", limit=ctx.services.lovebank.max_points_per_hour)
    return ctx.step(Outbound(text=text, buttons=buttons), state=POINTS, data=ctx.data | {"places": places})


async def _set_points(ctx: Context, typed: str) -> Step:
    """Take the points per hour and show the summary to confirm."""
    points = parse_whole(typed)
    limit = ctx.services.lovebank.max_points_per_hour
    if points is None or not 1 <= points <= limit:
        return ctx.step(Outbound(text=ctx.t("lovebank.post.bad_points", limit=limit)), state=POINTS, data=ctx.data)
    data = ctx.data | {"per_hour": points}
    return ctx.step(_summary(ctx, data), state=CONFIRM, data=data)


async def _points_text(ctx: Context) -> Step:
    """Take typed points per hour."""
    return await _set_points(ctx, fold(ctx.inbound.payload))


async def _points_choice(ctx: Context, value: str) -> Step:
    """Take the default points per hour."""
    return await _set_points(ctx, value)


def _summary(ctx: Context, data: dict[str, Any]) -> Outbound:
    """Return the summary of the activity to post, with 发布."""
    starts = datetime.fromisoformat(data["starts_at"])
    text = ctx.t(
        "lovebank.post.summary",
        title=data["title"],
        start=ctx.local(starts),
        hours=f"{data['minutes'] / 60:g}",
        place=data["place"],
        places=data["places"],
        per_hour=data["per_hour"],
    )
    return Outbound(text=text, buttons=(choice(ctx.t("lovebank.post.publish"), CONFIRM, "post"),))


async def _confirm_text(ctx: Context) -> Step:
    """Remind the worker to press 发布 (or 取消)."""
    return ctx.step(_summary(ctx, ctx.data), state=CONFIRM, data=ctx.data)


async def _publish(ctx: Context, value: str) -> Step:
    """Post the activity, tell the community's party members, and show the organiser the check-in code."""
    if value != "post":
        raise UserError(ctx.t("errors.expired_button"))
    data = ctx.data
    if int(data["community_id"]) not in await require_organiser(ctx):
        raise UserError(ctx.t("lovebank.only_community"))
    new = NewActivity(
        community_id=int(data["community_id"]),
        organiser_person_id=ctx.person.id,
        title=str(data["title"]),
        place=str(data["place"]),
        starts_at=datetime.fromisoformat(data["starts_at"]),
        minutes=int(data["minutes"]),
        places=int(data["places"]),
        points_per_hour=int(data["per_hour"]),
    )
    activity = await create_activity(ctx.uow.session, new, ctx.now)
    unit = await ctx.uow.units.get(activity.community_id)

    def notice(copy: Texts) -> Outbound:
        start = local_time(copy, ctx.services.tz, activity.starts_at)
        return Outbound(
            text=copy.t("lovebank.notice.posted", id=activity.id, title=activity.title, community=unit.name if unit else "—", start=start, per_hour=activity.points_per_hour),
            buttons=(button(copy.t("lovebank.activity.open", id=activity.id), LoveActivity("view", activity.id)),),
        )

    for person in await ctx.uow.people.holders(Role.PARTY_MEMBER.value, activity.community_id):
        await push(ctx.uow, person.id, notice, f"lovebank:activity:{activity.id}:posted", ctx.now, texts=ctx.services.texts)
    fresh = await get_activity(ctx.uow.session, activity.id)
    assert fresh is not None
    text = ctx.t("lovebank.post.done", id=fresh.id, code=fresh.checkin_code)
    return ctx.step(Outbound(text=text, buttons=(button(ctx.t("lovebank.org.open", id=fresh.id), LoveActivity("org", fresh.id)),)))


STATES: dict[str, State] = {
    TITLE: State(TITLE, on_text=_title, hint_key="lovebank.post.hint"),
    TIME: State(TIME, on_text=_time, hint_key="lovebank.post.ask_time"),
    HOURS: State(HOURS, on_text=_hours_text, on_choice=_hours_choice, hint_key="lovebank.post.ask_hours"),
    PLACE: State(PLACE, on_text=_place, hint_key="lovebank.post.ask_place"),
    PLACES: State(PLACES, on_text=_places, hint_key="lovebank.post.hint"),
    POINTS: State(POINTS, on_text=_points_text, on_choice=_points_choice, hint_key="lovebank.post.hint"),
    CONFIRM: State(CONFIRM, on_text=_confirm_text, on_choice=_publish),
}
