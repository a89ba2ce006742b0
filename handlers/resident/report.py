"""The report flow (我要反映): type → describe → where → routing → contact → confirm → case.

    type ─▶ describe ─▶ where ─▶ route ─┬▶ contact ─┬▶ confirm ─▶ case opened
                  (pick) ─┘            └▶ dept ──┘   └▶ similar ─▶ follow (附议) or confirm

From the summary (confirm) the resident may change the type, the text or the place (a new text
or place is routed again; the contact answer is kept), or drop the report after confirming it.

The place step (where, pick) is handlers/resident/report_place.py. The same flow as a Mermaid diagram
is in handlers/resident/report.md.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from handlers.buttons import choice
from handlers.callers import CALLER, contact_line
from handlers.casework import follow, summary
from handlers.contact import PHONE, mask_phone
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.menu import main_menu
from handlers.messages import Button, Outbound
from handlers.places import Place
from handlers.resident import report_place as where
from handlers.resident.report_place import PICK, WHERE
from handlers.resident.report_submit import description, submit
from handlers.resident.similar import similar_open_case

TYPES = ("help", "complaint", "suggestion", "consultation")
MAX_DESCRIPTION = 2000
MAX_PHOTOS = 9
COMMAND_CENTER = "dispatch"

TYPE, DESCRIBE, ROUTE, DEPT, CONTACT, CONFIRM, RETYPE, SIMILAR, RETEXT, DROP = (
    "report.type",
    "report.describe",
    "report.route",
    "report.dept",
    "report.contact",
    "report.confirm",
    "report.retype",
    "report.similar",
    "report.retext",
    "report.drop",
)


async def start(ctx: Context) -> Step:
    """Begin a report by asking for its type."""
    return _ask_type(ctx, {})


def start_for_caller(ctx: Context, carried: dict[str, Any]) -> Step:
    """Begin a report an operator files for a caller: CARRIED holds the caller and answers the contact question."""
    return _ask_type(ctx, carried)


def _carried(data: dict[str, Any]) -> dict[str, Any]:
    """Return what a report filed for a caller carries from step to step: the caller and their phone."""
    return {k: data[k] for k in (CALLER, "phone", "anonymous") if k in data} if data.get(CALLER) else {}


async def start_with_text(ctx: Context, text: str | None = None) -> Step:
    """Begin a report from a message written straight away (or TEXT held earlier), as its first description part."""
    data: dict[str, Any] = {"type": "auto", "parts": [], "photos": []}
    return _add_text(ctx, data, ctx.inbound.payload if text is None else text)


async def start_with_photo(ctx: Context) -> Step:
    """Begin a report from a photo sent straight away, asking for the words to go with it."""
    data: dict[str, Any] = {"type": "auto", "parts": [], "photos": [ctx.inbound.photo or ctx.inbound.payload]}
    return ctx.step(Outbound(text=ctx.t("report.photo_first"), buttons=_done_button(ctx)), state=DESCRIBE, data=data)


def _ask_type(ctx: Context, data: dict[str, Any], state: str = TYPE) -> Step:
    """Offer the four request types and 'let the system decide'."""
    buttons = [choice(ctx.t(f"types.{code}"), state, code) for code in TYPES]
    if state == TYPE:
        buttons.append(choice(ctx.t("report.type_auto"), state, "auto"))
    return ctx.step(Outbound(text=ctx.t("report.ask_type"), buttons=tuple(buttons)), state=state, data=data)


async def _on_type(ctx: Context, value: str) -> Step:
    """Record the chosen type and ask for the description."""
    if value not in (*TYPES, "auto"):
        raise UserError(ctx.t("errors.expired_button"))
    data = {"type": value, "parts": [], "photos": [], **_carried(ctx.data)}
    return ctx.step(Outbound(text=ctx.t("report.ask_describe")), state=DESCRIBE, data=data)


async def _type_as_text(ctx: Context) -> Step:
    """Treat text typed at the type question as the description."""
    return _add_text(ctx, {"type": "auto", "parts": [], "photos": [], **_carried(ctx.data)}, ctx.inbound.payload)


def _done_button(ctx: Context) -> tuple[Button, ...]:
    """Return the 'that's all' button of the describe step."""
    return (choice(ctx.t("report.done"), DESCRIBE, "done"),)


def _add_text(ctx: Context, data: dict[str, Any], text: str) -> Step:
    """Add a message to the description, keeping the whole within MAX_DESCRIPTION characters."""
    text = text.strip()
    if not text:
        return ctx.step(Outbound(text=ctx.t("report.empty_text")), state=DESCRIBE, data=data)
    used = sum(len(p) for p in data["parts"])
    room = MAX_DESCRIPTION - used
    if room <= 0:
        return ctx.step(Outbound(text=ctx.t("report.too_long", limit=MAX_DESCRIPTION), buttons=_done_button(ctx)), state=DESCRIBE, data=data)
    data["parts"].append(text[:room])
    key = "report.noted_truncated" if len(text) > room else "report.noted"
    total = used + min(len(text), room)
    return ctx.step(Outbound(text=ctx.t(key, count=total, limit=MAX_DESCRIPTION), buttons=_done_button(ctx)), state=DESCRIBE, data=data)


async def _describe_text(ctx: Context) -> Step:
    """Collect one more message of the description."""
    return _add_text(ctx, dict(ctx.data), ctx.inbound.payload)


async def _describe_photo(ctx: Context) -> Step:
    """Collect a photo of the problem."""
    data = dict(ctx.data)
    if len(data["photos"]) >= MAX_PHOTOS:
        return ctx.step(Outbound(text=ctx.t("report.too_many_photos", limit=MAX_PHOTOS), buttons=_done_button(ctx)), state=DESCRIBE, data=data)
    data["photos"] = [*data["photos"], ctx.inbound.photo or ctx.inbound.payload]
    return ctx.step(Outbound(text=ctx.t("report.photo_noted", count=len(data["photos"])), buttons=_done_button(ctx)), state=DESCRIBE, data=data)


async def _describe_location(ctx: Context) -> Step:
    """Take a location shared while describing as the answer to 'where'."""
    data = dict(ctx.data)
    if not data["parts"]:
        return ctx.step(Outbound(text=ctx.t("report.empty_text")), state=DESCRIBE, data=data)
    return await where.resolved(ctx, data, where.place_of_location(ctx), _ask_route)


async def _describe_done(ctx: Context, value: str) -> Step:
    """Finish the description and ask where."""
    data = dict(ctx.data)
    if not data["parts"]:
        return ctx.step(Outbound(text=ctx.t("report.empty_text")), state=DESCRIBE, data=data)
    return await where.ask_where(ctx, data)


def _ask_route(ctx: Context, data: dict[str, Any]) -> Step:
    """Classify the description and show where it would go, and why."""
    result = ctx.services.classifier.classify(description(data))
    data = data | {
        "department": result.department,
        "confidence": round(result.confidence, 3),
        "reason": result.reason_zh,
        "alternatives": [c.code for c in result.alternatives if c.code != COMMAND_CENTER],
    }
    buttons: tuple[Button, ...]
    if result.department == COMMAND_CENTER:
        text = ctx.t("report.route_unsure")
        buttons = (choice(ctx.t("report.route_ok"), ROUTE, "ok"), choice(ctx.t("report.route_change"), ROUTE, "change"))
    else:
        text = ctx.t("report.route", department=result.department_zh, reason=result.reason_zh)
        buttons = (
            choice(ctx.t("report.route_ok"), ROUTE, "ok"),
            choice(ctx.t("report.route_change"), ROUTE, "change"),
            choice(ctx.t("report.route_staff"), ROUTE, "staff"),
        )
    return ctx.step(Outbound(text=text, buttons=buttons), state=ROUTE, data=data)


async def _route_choice(ctx: Context, value: str) -> Step:
    """Accept the routing, pick another department, or leave it to the command center."""
    data = dict(ctx.data)
    if value == "ok":
        return await _ask_contact(ctx, data)
    if value == "staff":
        return await _ask_contact(ctx, data | {"department": COMMAND_CENTER, "reason": ctx.t("report.reason_staff")})
    if value == "change":
        return _ask_department(ctx, data)
    raise UserError(ctx.t("errors.expired_button"))


def _ask_department(ctx: Context, data: dict[str, Any]) -> Step:
    """List the departments, the classifier's alternatives first."""
    names = ctx.department_names
    order = [c for c in data.get("alternatives", []) if c in names]
    order += [c for c in names if c not in order and c != COMMAND_CENTER]
    buttons = tuple(choice(names[code], DEPT, code) for code in order)
    return ctx.step(Outbound(text=ctx.t("report.ask_department"), buttons=buttons), state=DEPT, data=data)


async def _department_choice(ctx: Context, value: str) -> Step:
    """Take the department the resident picked."""
    if value not in ctx.department_names:
        raise UserError(ctx.t("errors.expired_button"))
    data = dict(ctx.data) | {"department": value, "confidence": 1.0, "reason": ctx.t("report.reason_resident")}
    return await _ask_contact(ctx, data)


async def _ask_contact(ctx: Context, data: dict[str, Any]) -> Step:
    """Ask for a phone number (optional), or offer to report anonymously; skipped once answered."""
    if "phone" in data:  # answered before the resident went back to change the text or the place
        return await _before_confirm(ctx, data)
    buttons = []
    if ctx.person.phone:
        buttons.append(choice(ctx.t("report.use_phone", phone=mask_phone(ctx.person.phone)), CONTACT, "registered"))
    buttons += [choice(ctx.t("report.no_phone"), CONTACT, "none"), choice(ctx.t("report.anonymous"), CONTACT, "anonymous")]
    return ctx.step(Outbound(text=ctx.t("report.ask_contact"), buttons=tuple(buttons)), state=CONTACT, data=data)


async def _contact_text(ctx: Context) -> Step:
    """Take a typed phone number."""
    match = PHONE.search(ctx.inbound.payload.replace(" ", ""))
    if match is None:
        raise UserError(ctx.t("report.bad_phone"))
    return await _before_confirm(ctx, dict(ctx.data) | {"phone": match.group(1), "anonymous": False})


async def _contact_choice(ctx: Context, value: str) -> Step:
    """Use the registered phone, no phone, or report anonymously."""
    data = dict(ctx.data)
    if value == "registered" and ctx.person.phone:
        return await _before_confirm(ctx, data | {"phone": ctx.person.phone, "anonymous": False})
    if value in ("none", "anonymous"):
        return await _before_confirm(ctx, data | {"phone": None, "anonymous": value == "anonymous"})
    raise UserError(ctx.t("errors.expired_button"))


def _request_type(ctx: Context, data: dict[str, Any]) -> str:
    """Return the chosen request type, or the classifier's guess."""
    chosen = str(data.get("type", "auto"))
    return chosen if chosen in TYPES else ctx.services.classifier.guess_request_type(description(data))


async def _before_confirm(ctx: Context, data: dict[str, Any]) -> Step:
    """Offer to follow a similar open case nearby (附议) before the summary, once per report."""
    place = Place.from_data(data["place"])
    if data["department"] != COMMAND_CENTER and not data.get("similar_checked") and not data.get(CALLER):  # an operator does not follow (附议)
        similar = await similar_open_case(ctx, description(data), data["department"], place.community_id, place.grid_id)
        if similar is not None:
            text = ctx.t("report.similar", number=similar.number, status=ctx.t(f"status.{similar.status}"), summary=summary(similar.text))
            buttons = (choice(ctx.t("report.follow"), SIMILAR, "follow"), choice(ctx.t("report.new_anyway"), SIMILAR, "new"))
            state = data | {"similar_checked": True, "similar_case_id": similar.id}
            return ctx.step(Outbound(text=text, buttons=buttons), state=SIMILAR, data=state)
    return _ask_confirm(ctx, data)


async def _similar_choice(ctx: Context, value: str) -> Step:
    """Follow the similar case instead of opening a new one, or go on to the summary."""
    data = dict(ctx.data)
    if value == "new":
        return _ask_confirm(ctx, data)
    if value != "follow":
        raise UserError(ctx.t("errors.expired_button"))
    case = await follow(ctx, int(data["similar_case_id"]))
    return ctx.step(Outbound(text=ctx.t("report.followed", number=case.number)), main_menu(ctx))


def _ask_confirm(ctx: Context, data: dict[str, Any]) -> Step:
    """Show the summary and ask to submit."""
    data = data | {"type": _request_type(ctx, data)}
    place = Place.from_data(data["place"])
    department = ctx.department_names.get(data["department"], data["department"])
    contact = contact_line(ctx, data) or (
        ctx.t("report.contact_anonymous") if data.get("anonymous") else mask_phone(data["phone"]) if data.get("phone") else ctx.t("report.contact_none")
    )
    text = ctx.t(
        "report.summary",
        type=ctx.t(f"types.{data['type']}"),
        text=summary(description(data)),
        photos=len(data["photos"]),
        place=place.label,
        department=department,
        contact=contact,
    )
    buttons = (
        choice(ctx.t("report.submit"), CONFIRM, "submit"),
        choice(ctx.t("report.change_text"), CONFIRM, "retext"),
        choice(ctx.t("report.change_place"), CONFIRM, "replace"),
        choice(ctx.t("report.change_type"), CONFIRM, "retype"),
        choice(ctx.t("report.cancel"), CONFIRM, "cancel"),
    )
    return ctx.step(Outbound(text=text, buttons=buttons), state=CONFIRM, data=data)


async def _confirm_choice(ctx: Context, value: str) -> Step:
    """Submit the case, change its type, text or place, or (after asking) drop it."""
    data = dict(ctx.data)
    if value == "retype":
        return _ask_type(ctx, data, RETYPE)
    if value == "retext":
        return ctx.step(Outbound(text=ctx.t("report.ask_new_text")), state=RETEXT, data=data)
    if value == "replace":
        return await where.ask_where(ctx, where.fresh(data))
    if value == "cancel":
        buttons = (choice(ctx.t("report.drop_yes"), DROP, "yes"), choice(ctx.t("report.drop_no"), DROP, "no"))
        return ctx.step(Outbound(text=ctx.t("report.drop_confirm"), buttons=buttons), state=DROP, data=data)
    if value != "submit":
        raise UserError(ctx.t("errors.expired_button"))
    return await submit(ctx, data)


async def _new_text(ctx: Context) -> Step:
    """Replace the description with the text just sent, and route it again."""
    text = ctx.inbound.payload.strip()
    if not text:
        return ctx.step(Outbound(text=ctx.t("report.empty_text")), state=RETEXT, data=ctx.data)
    return _ask_route(ctx, dict(ctx.data) | {"parts": [text[:MAX_DESCRIPTION]]})


async def _drop_choice(ctx: Context, value: str) -> Step:
    """Drop the report for good, or go back to its summary."""
    if value == "yes":
        return ctx.step(main_menu(ctx, "report.dropped"))
    if value != "no":
        raise UserError(ctx.t("errors.expired_button"))
    return _ask_confirm(ctx, dict(ctx.data))


async def _retype_choice(ctx: Context, value: str) -> Step:
    """Take the corrected type and show the summary again."""
    if value not in TYPES:
        raise UserError(ctx.t("errors.expired_button"))
    return _ask_confirm(ctx, dict(ctx.data) | {"type": value})


STATES: dict[str, State] = {
    state.name: state
    for state in (
        State(TYPE, on_text=_type_as_text, on_choice=_on_type),
        State(DESCRIBE, on_text=_describe_text, on_photo=_describe_photo, on_location=_describe_location, on_choice=_describe_done),
        State(WHERE, on_text=partial(where.where_text, then=_ask_route), on_location=partial(where.where_location, then=_ask_route), on_choice=partial(where.where_choice, then=_ask_route)),
        State(PICK, on_text=partial(where.where_text, then=_ask_route), on_location=partial(where.where_location, then=_ask_route), on_choice=partial(where.pick_choice, then=_ask_route)),
        State(ROUTE, on_choice=_route_choice, hint_key="errors.use_buttons"),
        State(DEPT, on_choice=_department_choice, hint_key="errors.use_buttons"),
        State(CONTACT, on_text=_contact_text, on_choice=_contact_choice),
        State(CONFIRM, on_choice=_confirm_choice, hint_key="errors.use_buttons"),
        State(RETYPE, on_choice=_retype_choice, hint_key="errors.use_buttons"),
        State(SIMILAR, on_choice=_similar_choice, hint_key="errors.use_buttons"),
        State(RETEXT, on_text=_new_text),
        State(DROP, on_choice=_drop_choice, hint_key="errors.use_buttons"),
    )
}
