"""The place step of the report flow: where is it? — typed, shared, picked among look-alikes, or not known.

    where ─┬▶ found (a location, a place the gazetteer knows, the registered community) ─▶ then
           ├▶ pick: two to five look-alikes, or one guess for a typo → a place / 都不是 / 说不清
           └▶ not found: asked once more; then (or at 说不清) the case goes on without a place, the
              resident's own words kept as its address for the command center — never a word typed
              only to get past the question (确认, 好的).

Each function ends by calling THEN with the conversation data holding the place: the report flow's
next step (routing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.buttons import choice
from handlers.codec import parse_id
from handlers.core import Context, Step, UserError
from handlers.messages import Outbound
from handlers.places import UNKNOWN, Place

WHERE, PICK = "report.where", "report.pick"
MAX_PLACE_ATTEMPTS = 2
MAX_ADDRESS = 200
SCRATCH = ("place_attempts", "place_texts", "place_options", "pick_round")

Then = Callable[[Context, dict[str, Any]], Step]


async def ask_where(ctx: Context, data: dict[str, Any], key: str = "report.ask_where") -> Step:
    """Ask where the problem is, offering the registered community when there is one."""
    buttons = []
    unit_id = ctx.person.registered_unit_id
    community = await ctx.uow.units.get(unit_id) if unit_id is not None else None
    if community is not None:
        buttons.append(choice(ctx.t("report.use_registered", community=community.name), WHERE, "registered"))
    buttons.append(choice(ctx.t("report.skip_place"), WHERE, "skip"))
    return ctx.step(Outbound(text=ctx.t(key), buttons=tuple(buttons)), state=WHERE, data=data)


def fresh(data: dict[str, Any]) -> dict[str, Any]:
    """Return the data without what an earlier place question left (for asking the place anew)."""
    return {k: v for k, v in data.items() if k not in SCRATCH}


def place_of_location(ctx: Context) -> Place:
    """Resolve the shared location of the inbound message."""
    assert ctx.inbound.location is not None
    lat, lon = ctx.inbound.location
    return ctx.services.places.by_coordinate(lat, lon)


async def resolved(ctx: Context, data: dict[str, Any], place: Place, then: Then) -> Step:
    """Go on with a known place; an unknown one counts as not found."""
    if not place.known:
        return await not_found(ctx, data, then)
    return then(ctx, fresh(data) | {"place": place.to_data()})


async def where_text(ctx: Context, then: Then) -> Step:
    """Resolve a typed place: found, a choice among look-alikes, or not found."""
    data = dict(ctx.data)
    text = " ".join(ctx.inbound.payload.split())[:MAX_ADDRESS]
    finder = ctx.services.places
    if finder.is_unsure(text):
        return unknown(ctx, data, then)
    if finder.is_filler(text):
        return await not_found(ctx, data, then)
    answer = finder.answer_text(text)
    if answer.outcome == "found":
        return then(ctx, fresh(data) | {"place": answer.places[0].to_data()})
    data["place_texts"] = [*data.get("place_texts", []), text]
    if answer.outcome == "ask":
        return _ask_pick(ctx, data, answer.places, text)
    return await not_found(ctx, data, then, "report.place.vague" if answer.outcome == "vague" else "report.place_not_found")


async def where_location(ctx: Context, then: Then) -> Step:
    """Resolve a shared location."""
    return await resolved(ctx, dict(ctx.data), place_of_location(ctx), then)


async def where_choice(ctx: Context, value: str, then: Then) -> Step:
    """Use the registered community, or go on without a place (说不清)."""
    data = dict(ctx.data)
    if value == "registered" and ctx.person.registered_unit_id is not None:
        return await resolved(ctx, data, ctx.services.places.by_community(ctx.person.registered_unit_id), then)
    if value == "skip":
        return unknown(ctx, data, then)
    raise UserError(ctx.t("errors.expired_button"))


def _ask_pick(ctx: Context, data: dict[str, Any], places: tuple[Place, ...], text: str) -> Step:
    """Offer the look-alike places (or the one guess) as buttons, with 都不是 and 说不清."""
    round_ = int(data.get("pick_round", 0)) + 1
    buttons = [choice(place.label, PICK, f"{round_}.{number}") for number, place in enumerate(places)]
    buttons += [choice(ctx.t("report.place.none_of_these"), PICK, f"{round_}.none"), choice(ctx.t("report.skip_place"), PICK, f"{round_}.skip")]
    key = "report.place.confirm_one" if len(places) == 1 else "report.place.pick"
    state = data | {"pick_round": round_, "place_options": [p.to_data() for p in places]}
    return ctx.step(Outbound(text=ctx.t(key, text=text, place=places[0].label), buttons=tuple(buttons)), state=PICK, data=state)


async def pick_choice(ctx: Context, value: str, then: Then) -> Step:
    """Take the place picked, or ask again (都不是), or go on without a place (说不清)."""
    data = dict(ctx.data)
    round_, _, what = value.partition(".")
    if round_ != str(data.get("pick_round")):
        raise UserError(ctx.t("errors.expired_button"))
    if what == "skip":
        return unknown(ctx, data, then)
    if what == "none":
        return await not_found(ctx, data, then)
    number = parse_id(what)
    options = data.get("place_options") or []
    if number is None or number >= len(options):
        raise UserError(ctx.t("errors.expired_button"))
    return then(ctx, fresh(data) | {"place": options[number]})


async def not_found(ctx: Context, data: dict[str, Any], then: Then, key: str = "report.place_not_found") -> Step:
    """Ask once more; after that go on without a place, keeping what the resident wrote."""
    attempts = int(data.get("place_attempts", 0)) + 1
    if attempts < MAX_PLACE_ATTEMPTS:
        return await ask_where(ctx, data | {"place_attempts": attempts}, key)
    return unknown(ctx, data, then)


def kept_address(data: dict[str, Any]) -> str | None:
    """Return what the resident wrote about the place (each different answer once), or None."""
    texts = list(dict.fromkeys(str(t) for t in data.get("place_texts", []) if str(t).strip()))
    return " / ".join(texts)[:MAX_ADDRESS] if texts else None


def unknown(ctx: Context, data: dict[str, Any], then: Then) -> Step:
    """Go on without a place; the resident's own words stay as the address, for staff to place."""
    address = kept_address(data)
    label = ctx.t("report.place.pending", address=address) if address else ctx.t("report.place_unknown")
    step = then(ctx, fresh(data) | {"place": Place(source=UNKNOWN, label=label, address=address).to_data()})
    if not address:
        return step
    note = Outbound(text=ctx.t("report.place.kept", address=address))
    return Step(replies=(note, *step.replies), state=step.state, data=step.data)
