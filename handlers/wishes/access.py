"""Who may do what with a wish: checked against the sender's bound roles and units, never their words."""

from __future__ import annotations

from enum import StrEnum

from handlers.core import Context, UserError
from storage.cases.lifecycle import Role
from storage.models.wishes import Wish
from storage.wishes.use_cases import get_wish

POSTING_ROLES = (Role.GRID_MEMBER, Role.COMMUNITY)


class View(StrEnum):
    """How a viewer sees a wish: the community (everything), the owner, the claimant, a party member."""

    COMMUNITY = "community"
    OWNER = "owner"
    CLAIMANT = "claimant"
    PARTY = "party"


async def community_units(ctx: Context) -> list[int]:
    """Return the community units the sender works for (role community)."""
    return [b.unit_id for b in await ctx.bindings() if b.role == Role.COMMUNITY]


async def is_party_member(ctx: Context) -> bool:
    """Tell whether the sender is bound as a party member."""
    return any(b.role == Role.PARTY_MEMBER for b in await ctx.bindings())


async def posting_community(ctx: Context) -> int | None:
    """Return the community a grid member or community worker posts for (a grid's parent community)."""
    for binding in await ctx.bindings():
        if binding.role not in POSTING_ROLES:
            continue
        unit = await ctx.uow.units.get(binding.unit_id)
        if unit is None:
            continue
        if unit.kind == "community":
            return unit.id
        if unit.kind == "grid" and unit.parent_id is not None:
            return unit.parent_id
    return None


async def view_of(ctx: Context, wish: Wish) -> View | None:
    """Return how the sender may see a wish, or None when they may not see it at all."""
    if wish.community_id in await community_units(ctx):
        return View.COMMUNITY
    if ctx.person.id in (wish.poster_person_id, wish.beneficiary_person_id):
        return View.OWNER
    if wish.claimant_person_id == ctx.person.id:
        return View.CLAIMANT
    if wish.status == "published" and await is_party_member(ctx):
        return View.PARTY
    return None


async def wish_for(ctx: Context, wish_id: int) -> tuple[Wish, View]:
    """Return a wish and how the sender sees it; refuse anyone who may not see it."""
    wish = await get_wish(ctx.uow.session, wish_id)
    view = await view_of(ctx, wish) if wish is not None else None
    if wish is None or view is None:
        raise UserError(ctx.t("wish.no_access"))
    return wish, view


async def require_reviewer(ctx: Context, wish: Wish) -> None:
    """Refuse anyone but the community of the wish's place."""
    if wish.community_id not in await community_units(ctx):
        raise UserError(ctx.t("wish.only_community"))


async def require_party_member(ctx: Context) -> None:
    """Refuse anyone who is not a bound party member."""
    if not await is_party_member(ctx):
        raise UserError(ctx.t("wish.only_party"))


def require_claimant(ctx: Context, wish: Wish) -> None:
    """Refuse anyone but the wish's claimant."""
    if wish.claimant_person_id != ctx.person.id:
        raise UserError(ctx.t("wish.only_claimant"))


async def require_confirmer(ctx: Context, wish: Wish) -> str:
    """Refuse anyone but the beneficiary or the wish's community; return the role they confirm in."""
    if wish.beneficiary_person_id is not None and wish.beneficiary_person_id == ctx.person.id:
        return Role.RESIDENT.value
    if wish.community_id in await community_units(ctx):
        return Role.COMMUNITY.value
    raise UserError(ctx.t("wish.only_confirmer"))
