"""The staff card of a case: what staff see of it (light, place, contact, unit, deadline) and one button per action they may take now."""

from __future__ import annotations

from handlers.buttons import (
    PublishOp,
    StaffCard,
    StaffOp,
    StaffTarget,
    button,
)
from handlers.casework import unit_name
from handlers.core import Context, Step
from handlers.menu import main_menu
from handlers.messages import Button, Outbound
from handlers.staff.access import actor_for, case_for_staff
from handlers.staff.ban import ban_buttons
from handlers.staff.operations import OP_OF_ACTION
from nlp import Candidate
from storage.cases.lifecycle import (
    Action,
    Actor,
    Role,
)
from storage.cases.publication import publication_of, publishable
from storage.cases.routing import COMMAND_CENTER, COMMUNITY_MATTERS, destination_for
from storage.cases.supervision import Colour, LightState, clock_facts, light_at
from storage.cases.transitions import allowed_actions
from storage.cases.use_cases import facts_of
from storage.models.cases import Case
from storage.models.people import Unit

TOP_DEPARTMENTS = 3


def light_of(ctx: Context, case: Case) -> LightState:
    """Return a case's light now."""
    facts = clock_facts(case)
    supervision = ctx.services.supervision
    return light_at(facts, ctx.now, supervision.hours(facts), supervision.clock)


async def show_card(ctx: Context, data: StaffCard) -> Step:
    """Show a case's staff card with the actions the sender may take now."""
    case, actor = await case_for_staff(ctx, data.case_id)
    return ctx.step(await card(ctx, case, actor), *await ban_buttons(ctx, case))


async def card(ctx: Context, case: Case, actor: Actor) -> Outbound:
    """Render the staff card of a case for an actor."""
    light = light_of(ctx, case)
    lines = [
        ctx.t(
            "staff.card.head",
            number=case.number,
            type=ctx.t(f"types.{case.request_type}"),
            status=ctx.t(f"status.{case.status}"),
            light=ctx.t(f"staff.light.{light.colour.value}"),
        ),
        ctx.t("staff.card.text", text=case.text),
    ]
    if case.photos:
        lines.append(ctx.t("staff.card.photos", count=len(case.photos)))
    lines.append(ctx.t("staff.card.place", place=await _place(ctx, case)))
    lines.append(ctx.t("staff.card.contact", contact=await _contact(ctx, case)))
    lines.append(ctx.t("staff.card.unit", unit=await unit_name(ctx, case.current_unit_id)))
    if case.handle_deadline is not None:
        lines.append(ctx.t("staff.card.deadline", deadline=ctx.local(case.handle_deadline)))
    if light.sign_overdue:
        lines.append(ctx.t("staff.card.sign_overdue"))
    if case.extension_requested_until is not None:
        lines.append(ctx.t("staff.card.extension", until=ctx.local(case.extension_requested_until)))
    followers = await ctx.uow.events.actors_of(case.id, Action.FOLLOW.value)
    if followers:
        lines.append(ctx.t("staff.card.followers", count=len(followers)))
    if Action.DISPATCH in allowed_actions(facts_of(case), actor):
        lines.append(_suggestions(ctx, case))
    buttons = await _card_buttons(ctx, case, actor, light)
    if actor.role is Role.COMMAND_CENTER:
        line, extra = await _publication(ctx, case)
        lines += line
        buttons += extra
    image = case.photos[0] if case.photos else None
    gallery = tuple(case.photos[1:])
    return Outbound(text="\n".join(lines), buttons=buttons, image=image, gallery=gallery)


async def _publication(ctx: Context, case: Case) -> tuple[list[str], tuple[Button, ...]]:
    """Return, for the command center, whether the resident consented to publishing and the button to (un)publish."""
    publication = await publication_of(ctx.uow.session, case.id)
    if publication is None or publication.consent is None:
        return [], ()
    if publication.published_at is not None:
        return [ctx.t("publication.card_published")], (button(ctx.t("publication.button_unpublish"), PublishOp("unpublish", case.id)),)
    if publishable(case, publication):
        return [ctx.t("publication.card_consented")], (button(ctx.t("publication.button_publish"), PublishOp("propose", case.id)),)
    return [ctx.t("publication.card_consented" if publication.consent else "publication.card_declined")], ()


def top_departments(ctx: Context, case: Case) -> list[Candidate]:
    """Return the classifier's three most likely departments for a case (the command center left out), with probabilities."""
    result = ctx.services.classifier.classify(case.text)
    ranked = result.ranked or result.alternatives
    return [c for c in ranked if c.code != COMMAND_CENTER][:TOP_DEPARTMENTS]


def _suggestions(ctx: Context, case: Case) -> str:
    """Return the triage line: the three most likely departments and how likely each is."""
    items = [ctx.t("routing.item", name=c.name_zh, share=f"{c.score:.0%}") for c in top_departments(ctx, case)]
    return ctx.t("routing.suggestions", items=ctx.t("routing.separator").join(items))


async def _place(ctx: Context, case: Case) -> str:
    """Describe where a case is."""
    names = [await unit_name(ctx, unit_id) for unit_id in (case.street_id, case.community_id, case.grid_id) if unit_id]
    where = " · ".join(names)
    if case.address and case.address not in where:
        where = ctx.t("places.with_unit", place=case.address, unit=where) if where else case.address
    return where or ctx.t("report.place_unknown")


async def _contact(ctx: Context, case: Case) -> str:
    """Describe the resident as staff may see them: nothing of an anonymous one."""
    if case.anonymous:
        return ctx.t("report.contact_anonymous")
    resident = await ctx.uow.people.get(case.resident_person_id)
    name = resident.name if resident else "—"
    return f"{name} {case.contact_phone}" if case.contact_phone else ctx.t("staff.card.no_phone", name=name)


async def _card_buttons(ctx: Context, case: Case, actor: Actor, light: LightState) -> tuple[Button, ...]:
    """Return one button per action the actor may take now (triage: the classifier's picks first; 督办 on red lights)."""
    allowed = set(allowed_actions(facts_of(case), actor))
    if light.colour is not Colour.RED:
        allowed.discard(Action.SUPERVISE)
    if case.extension_requested_until is None:
        allowed -= {Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION}
    else:
        allowed.discard(Action.REQUEST_EXTENSION)
    buttons: list[Button] = []
    if Action.DISPATCH in allowed:
        for unit in await _suggested_units(ctx, case):
            buttons.append(button(ctx.t("staff.dispatch_to", unit=unit.name), StaffTarget("dispatch", case.id, unit.id)))
    for action, name in OP_OF_ACTION.items():
        if action in allowed:
            buttons.append(button(ctx.t(f"staff.op.{name}"), StaffOp(name, case.id)))
    return tuple(buttons)


async def _unit_for_department(ctx: Context, code: str, case: Case) -> Unit | None:
    """Return the unit that would receive a case for a department code."""
    if code == COMMUNITY_MATTERS:
        destination = await destination_for(ctx.uow, code, case.grid_id, case.community_id)
        return None if destination.triage else destination.unit
    unit = await ctx.uow.units.by_code(code)
    return unit if unit is not None and unit.kind == "department" else None


async def _suggested_units(ctx: Context, case: Case) -> list[Unit]:
    """Return the units of the classifier's top three departments for a case."""
    codes = [c.code for c in top_departments(ctx, case)]
    units: list[Unit] = []
    for code in dict.fromkeys(codes):
        unit = await _unit_for_department(ctx, code, case)
        if unit is not None and unit not in units:
            units.append(unit)
    return units[:3]


async def target_units(ctx: Context, case: Case) -> list[Unit]:
    """Return the units a case may be sent to: its place's units and every department."""
    units = [u for u in [await ctx.uow.units.get(i) for i in (case.grid_id, case.community_id, case.street_id) if i] if u]
    units += list(await ctx.uow.units.of_kind("department"))
    return [u for u in units if u.id != case.current_unit_id]


async def show_done(ctx: Context, case: Case, text: str) -> Step:
    """Say what was done and show the case's card as the sender now sees it."""
    done = Outbound(text=text)
    after = await actor_for(ctx, case)
    if after.role is Role.RESIDENT:
        return ctx.step(done, main_menu(ctx))
    return ctx.step(done, await card(ctx, case, after))
