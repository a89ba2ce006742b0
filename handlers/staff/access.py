"""Who a staff member acts as on a case, and whether they may see it."""

from __future__ import annotations

from handlers.core import Context, UserError
from storage.cases.lifecycle import HANDLER_ROLES, Actor, Role
from storage.models.cases import Case
from storage.models.people import RoleBinding

READ_ONLY_ROLES = frozenset({Role.LEADER, Role.ADMIN})


async def staff_bindings(ctx: Context) -> list[RoleBinding]:
    """Return the sender's staff bindings, refusing residents politely."""
    bindings = await ctx.bindings()
    if not bindings:
        raise UserError(ctx.t("staff.not_staff"))
    return bindings


async def actor_for(ctx: Context, case: Case) -> Actor:
    """Return the role the sender acts in on this case: its unit's handler, else the command center.

    Anyone else (a resident replaying a staff button, staff of another unit) acts as a resident,
    which the lifecycle refuses for every staff action.
    """
    bindings = await ctx.bindings()
    for binding in bindings:
        if binding.unit_id == case.current_unit_id and Role(binding.role) in HANDLER_ROLES:
            return Actor(Role(binding.role), ctx.person.id, binding.unit_id)
    for binding in bindings:
        if binding.role == Role.COMMAND_CENTER:
            return Actor(Role.COMMAND_CENTER, ctx.person.id, binding.unit_id)
    return ctx.as_resident()


async def case_for_staff(ctx: Context, case_id: int) -> tuple[Case, Actor]:
    """Return a case the sender may see as staff, and the actor they are on it; refuse anyone else."""
    bindings = await staff_bindings(ctx)
    case = await ctx.uow.cases.get(case_id)
    if case is None:
        raise UserError(ctx.t("staff.no_access"))
    actor = await actor_for(ctx, case)
    read_only = any(Role(b.role) in READ_ONLY_ROLES for b in bindings)
    if actor.role is Role.RESIDENT and not read_only:
        raise UserError(ctx.t("staff.no_access"))
    return case, actor
