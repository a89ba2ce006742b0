"""An operator files a case for a caller (代为登记): the caller's name and phone first (both required), then the
resident's own report flow (type, text, place, routing, summary) without its contact question.

The case's reporter is the caller: the person of that phone who has a chat (so notices and the revisit reach
them there), else a new person with the name and phone (the revisit becomes a phone-revisit task for the
command center). The case's source is `operator:<the operator's person id>`; its first event names the operator.
"""

from __future__ import annotations

from handlers.callers import CALLER, operator_actor
from handlers.contact import PHONE
from handlers.core import Context, Step
from handlers.flow import State
from handlers.messages import Outbound
from handlers.resident.report import start_for_caller

NAME, PHONE_STATE = "on_behalf.name", "on_behalf.phone"
MAX_NAME = 32


async def start(ctx: Context) -> Step:
    """Begin filing for a caller: ask their name."""
    await operator_actor(ctx)
    return ctx.step(Outbound(text=ctx.t("on_behalf.ask_name")), state=NAME)


async def _name(ctx: Context) -> Step:
    """Take the caller's name and ask their phone."""
    name = " ".join(ctx.inbound.payload.split())[:MAX_NAME]
    if not name:
        return ctx.step(Outbound(text=ctx.t("on_behalf.ask_name")), state=NAME)
    return ctx.step(Outbound(text=ctx.t("on_behalf.ask_phone", name=name)), state=PHONE_STATE, data={"caller_name": name})


async def _phone(ctx: Context) -> Step:
    """Take the caller's phone and go on with the report flow (its contact question is answered)."""
    match = PHONE.search(ctx.inbound.payload.replace(" ", ""))
    if match is None:
        return ctx.step(Outbound(text=ctx.t("on_behalf.bad_phone")), state=PHONE_STATE, data=ctx.data)
    caller = {"name": str(ctx.data["caller_name"]), "phone": match.group(1)}
    return start_for_caller(ctx, {CALLER: caller, "phone": caller["phone"], "anonymous": False})


STATES: dict[str, State] = {
    NAME: State(NAME, on_text=_name, hint_key="on_behalf.ask_name"),
    PHONE_STATE: State(PHONE_STATE, on_text=_phone, hint_key="on_behalf.bad_phone"),
}
