"""The caller of a case an operator files on their behalf (代为登记): who may file, and who the caller is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.contact import mask_phone
from handlers.core import Context, UserError
from storage.cases.lifecycle import Actor, Role
from storage.models.people import ChannelAccount, Person

CALLER = "caller"  # the report flow's data key: {"name": …, "phone": …} when an operator files for a caller


async def operator_actor(ctx: Context) -> Actor:
    """Return the sender as an operator in their unit; refuse anyone without the role."""
    for binding in await ctx.bindings():
        if binding.role == Role.OPERATOR:
            return Actor(Role.OPERATOR, ctx.person.id, binding.unit_id)
    raise UserError(ctx.t("on_behalf.not_operator"))


def contact_line(ctx: Context, data: dict[str, Any]) -> str | None:
    """Return the summary's contact line for a case filed for a caller (None for a resident's own report)."""
    caller = data.get(CALLER)
    if not caller:
        return None
    return ctx.t("on_behalf.contact", name=caller["name"], phone=mask_phone(caller["phone"]))


async def caller_person(ctx: Context, name: str, phone: str) -> Person:
    """Return the caller: the person with this phone who has a chat account, else a new person."""
    query = (
        select(Person)
        .join(ChannelAccount, ChannelAccount.person_id == Person.id)
        .where(Person.phone == phone, Person.retired_at.is_(None))
        .order_by(ChannelAccount.last_seen_at.desc().nulls_last(), Person.id)
        .limit(1)
    )
    found = await ctx.uow.session.scalar(query)
    if found is not None:
        return found
    person = ctx.uow.people.add(Person(name=name, phone=phone, created_at=ctx.now))
    await ctx.uow.flush()
    return person


