"""Who may do what in the love bank, from the sender's bound roles and units (never their words).

Volunteers are everyone; a volunteer's community is the one they are bound to (party members, staff)
or registered in. Community workers organise their community's activities and keep its
rewards; the command center keeps the district's. A redemption code is confirmed by the community
workers of a community the reward is offered in, or by the command center for a district reward.
"""

from __future__ import annotations

import logging

from handlers.core import Context, UserError
from storage.cases.lifecycle import Role
from storage.models.lovebank import Activity, Reward
from storage.models.people import Unit

HOME_ROLES = (Role.PARTY_MEMBER, Role.COMMUNITY, Role.GRID_MEMBER)
log = logging.getLogger(__name__)


def refuse(ctx: Context, key: str, what: str, **params: object) -> UserError:
    """Return the polite refusal of something the sender may not do (or a forged button), logging a warning."""
    log.warning("love bank: refused %s to person %s (%s)", what, ctx.person.id, ctx.inbound.kind.value)
    return UserError(ctx.t(key, **params))


async def community_of_unit(ctx: Context, unit_id: int | None) -> int | None:
    """Return the community a unit is (a community) or lies in (a grid)."""
    unit = await ctx.uow.units.get(unit_id) if unit_id is not None else None
    if unit is None:
        return None
    if unit.kind == "community":
        return unit.id
    if unit.kind == "grid" and unit.parent_id is not None:
        return unit.parent_id
    return None


async def home_community(ctx: Context) -> int | None:
    """Return the sender's community: the one they are bound to, else the one they registered in."""
    for binding in await ctx.bindings():
        if binding.role in HOME_ROLES:
            found = await community_of_unit(ctx, binding.unit_id)
            if found is not None:
                return found
    return await community_of_unit(ctx, ctx.person.registered_unit_id)


async def organiser_communities(ctx: Context) -> list[int]:
    """Return the communities the sender works for (role community)."""
    return [b.unit_id for b in await ctx.bindings() if b.role == Role.COMMUNITY]


async def is_command_center(ctx: Context) -> bool:
    """Tell whether the sender works in the command center."""
    return any(b.role == Role.COMMAND_CENTER for b in await ctx.bindings())


async def district(ctx: Context) -> Unit | None:
    """Return the district unit."""
    found = await ctx.uow.units.of_kind("district")
    return found[0] if found else None


async def keeper_units(ctx: Context) -> list[int]:
    """Return the units whose catalogue the sender keeps: their communities, and the district for the command center."""
    units = await organiser_communities(ctx)
    if await is_command_center(ctx):
        whole = await district(ctx)
        if whole is not None:
            units.append(whole.id)
    return units


async def require_keeper(ctx: Context) -> list[int]:
    """Refuse anyone who keeps no catalogue; return the units they keep."""
    units = await keeper_units(ctx)
    if not units:
        raise refuse(ctx, "lovebank.only_keeper", "catalogue work")
    return units


async def require_organiser(ctx: Context, activity: Activity | None = None) -> list[int]:
    """Refuse anyone but a community worker (of the activity's community, when one is given)."""
    communities = await organiser_communities(ctx)
    if activity is None and not communities:
        raise refuse(ctx, "lovebank.only_community", "posting an activity")
    if activity is not None and activity.community_id not in communities:
        raise refuse(ctx, "lovebank.only_organiser", f"organising activity {activity.id}")
    return communities


async def may_hand_over(ctx: Context, reward: Reward) -> bool:
    """Tell whether the sender may confirm that a reward was handed over."""
    communities = await organiser_communities(ctx)
    if reward.unit_id in communities:
        return True
    owner = await ctx.uow.units.get(reward.unit_id)
    if owner is None or owner.kind != "district":
        return False
    if await is_command_center(ctx):
        return True
    return any(not reward.community_ids or c in reward.community_ids for c in communities)


def masked(name: str) -> str:
    """Mask a name for someone who needs only to recognise the person: 张三 → 张*."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else "—"
