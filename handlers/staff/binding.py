"""Binding a chat account to a staff role with a one-time code (/bind CODE), and /whoami."""

from __future__ import annotations

from handlers.core import Context, Step, UserError
from handlers.menu import main_menu
from handlers.messages import Outbound
from storage.invites import InviteError, redeem_invite

BIND_WORDS = ("/bind", "绑定")


def bind_code(text: str) -> str | None:
    """Return the code of a '/bind CODE' or '绑定 CODE' message, or None when it is not one."""
    stripped = text.strip()
    for word in BIND_WORDS:
        if stripped.lower().startswith(word):
            return stripped[len(word) :].strip(" ：:")
    return None


async def bind(ctx: Context) -> Step:
    """Redeem an invite code: the sender becomes the staff member it names."""
    code = bind_code(ctx.inbound.payload) or ""
    if not code:
        raise UserError(ctx.t("binding.usage"))
    try:
        binding = await redeem_invite(ctx.uow, code, ctx.person, ctx.now, account=(ctx.inbound.channel, ctx.inbound.user_id))
    except InviteError as exc:
        raise UserError(ctx.t(f"binding.error.{exc.code}")) from exc
    unit = await ctx.uow.units.get(binding.unit_id)
    text = ctx.t("binding.done", role=ctx.t(f"roles.{binding.role}"), unit=unit.name if unit else "—")
    return ctx.step(Outbound(text=text), main_menu(ctx))


async def whoami(ctx: Context) -> Step:
    """Show the sender's name, roles and units."""
    bindings = await ctx.bindings()
    if not bindings:
        return ctx.step(Outbound(text=ctx.t("binding.whoami_resident", name=ctx.person.name)))
    lines = [ctx.t("binding.whoami_title", name=ctx.person.name)]
    for binding in bindings:
        unit = await ctx.uow.units.get(binding.unit_id)
        lines.append(ctx.t("binding.whoami_line", role=ctx.t(f"roles.{binding.role}"), unit=unit.name if unit else "—"))
    return ctx.step(Outbound(text="\n".join(lines)))
