"""My cases (我的诉求): a paged list, a case's detail and timeline, add details or reply, withdraw, rate.

A resident's free text outside a flow, within REPLY_WINDOW of a staff reply to one of their open
cases, is first asked about: is it an answer to that case (it then lands on the case's timeline and
in the handler's inbox) or a new problem (a report starts with it)?
"""

from __future__ import annotations

from datetime import timedelta

from handlers.buttons import CaseOp, CasePage, CaseView, MenuItem, button, choice
from handlers.casework import is_open, perform, revisit_question, summary
from handlers.core import Context, Step, UserError
from handlers.flow import State
from handlers.menu import main_menu
from handlers.messages import Button, Outbound
from handlers.resident import report
from storage.cases.lifecycle import RATING_STATES, Action, Request, Status
from storage.models.cases import Case

PAGE_SIZE = 5
# What a resident sees of their case's history, and whether the note is shown; internal steps
# (staff notes, returns, extension requests, lights, explanations) stay with the staff.
RESIDENT_TIMELINE: dict[str, bool] = {
    "register": False,
    "dispatch": False,
    "sign": False,
    "transfer": False,
    "escalate": False,
    "uphold_return": False,
    "reply": True,
    "add_details": True,
    "complete": True,
    "approve_extension": False,
    "redo": True,
    "confirm_solved": False,
    "close_unrated": False,
    "withdraw": False,
    "close_duplicate": True,
    "close_not_responsible": True,
}
ADD = "cases.add"
WHICH = "cases.which"  # free text after a staff reply: an answer to the case, or a new problem?
TIMELINE_LIMIT = 12
REPLY_WINDOW = timedelta(hours=48)
# Words a resident may type to rate a case instead of pressing the revisit buttons.
RATING_WORDS = frozenset({"评价", "满意", "不满意", "基本满意", "已解决", "未解决", "没解决", "部分解决"})


async def start(ctx: Context) -> Step:
    """Show the first page of the resident's cases."""
    return await show_page(ctx, CasePage(0))


async def show_page(ctx: Context, data: CasePage) -> Step:
    """Show one page of the resident's cases, newest first."""
    cases = await ctx.uow.cases.for_resident(ctx.person.id, limit=PAGE_SIZE + 1, offset=data.page * PAGE_SIZE)
    if not cases and data.page == 0:
        return ctx.step(main_menu(ctx, "cases.none"))
    shown = cases[:PAGE_SIZE]
    lines = [ctx.t("cases.list_title", page=data.page + 1)]
    lines += [ctx.t("cases.list_line", number=c.number, status=ctx.t(f"status.{c.status}"), summary=summary(c.text)) for c in shown]
    buttons = [button(ctx.t("cases.view", number=c.number), CaseView(c.id)) for c in shown]
    if data.page > 0:
        buttons.append(button(ctx.t("cases.previous"), CasePage(data.page - 1)))
    if len(cases) > PAGE_SIZE:
        buttons.append(button(ctx.t("cases.next"), CasePage(data.page + 1)))
    buttons.append(button(ctx.t("menu.back"), MenuItem("menu")))
    return ctx.step(Outbound(text="\n".join(lines), buttons=tuple(buttons)))


async def own_case(ctx: Context, case_id: int) -> Case:
    """Return the resident's own case, or refuse without saying whether the id exists."""
    case = await ctx.uow.cases.get(case_id)
    if case is None or case.resident_person_id != ctx.person.id:
        raise UserError(ctx.t("cases.not_found"))
    return case


async def show_case(ctx: Context, data: CaseView) -> Step:
    """Show a case's state and timeline, with what the resident may do."""
    case = await own_case(ctx, data.case_id)
    events = await ctx.uow.events.for_case(case.id)
    lines = [
        ctx.t(
            "cases.detail",
            number=case.number,
            status=ctx.t(f"status.{case.status}"),
            type=ctx.t(f"types.{case.request_type}"),
            text=case.text,
            deadline=ctx.local(case.handle_deadline),
        )
    ]
    visible = [e for e in events if e.action in RESIDENT_TIMELINE]
    for event in visible[-TIMELINE_LIMIT:]:
        line = ctx.t("cases.timeline_line", time=ctx.local(event.created_at), action=ctx.t(f"events.{event.action}"))
        if event.note and RESIDENT_TIMELINE[event.action]:
            line += ctx.t("cases.timeline_note", note=event.note)
        lines.append(line)
    buttons: list[Button] = []
    if Status(case.status) in RATING_STATES:
        buttons += revisit_question(ctx.texts, case).buttons
    if is_open(case):
        buttons += [
            button(ctx.t("cases.add_details"), CaseOp("add", case.id)),
            button(ctx.t("cases.withdraw"), CaseOp("withdraw", case.id)),
        ]
    buttons.append(button(ctx.t("cases.back_to_list"), CasePage(0)))
    if Status(case.status) in RATING_STATES:
        lines.append(ctx.t("cases.rate_now"))
    return ctx.step(Outbound(text="\n".join(lines), buttons=tuple(buttons)))


async def case_operation(ctx: Context, data: CaseOp) -> Step:
    """Start adding details, or ask to confirm / carry out a withdrawal."""
    case = await own_case(ctx, data.case_id)
    if not is_open(case):
        raise UserError(ctx.t("cases.not_open", number=case.number))
    if data.op in ("add", "reply"):
        return ctx.step(Outbound(text=ctx.t(f"cases.ask_{data.op}", number=case.number)), state=ADD, data={"case_id": case.id})
    if data.op == "withdraw":
        buttons = (
            button(ctx.t("cases.withdraw_yes"), CaseOp("withdraw_yes", case.id)),
            button(ctx.t("cases.withdraw_no"), CaseView(case.id)),
        )
        return ctx.step(Outbound(text=ctx.t("cases.withdraw_confirm", number=case.number), buttons=buttons))
    if data.op == "withdraw_yes":
        await perform(ctx, case.id, Request(Action.WITHDRAW, ctx.as_resident(), ctx.now))
        return ctx.step(Outbound(text=ctx.t("cases.withdrawn", number=case.number)), main_menu(ctx))
    raise UserError(ctx.t("errors.unknown_button"))


async def _add_text(ctx: Context) -> Step:
    """Add a text to the case being supplemented."""
    case = await own_case(ctx, int(ctx.data["case_id"]))
    note = ctx.inbound.payload.strip()[:1000]
    if not note:
        raise UserError(ctx.t("report.empty_text"))
    await perform(ctx, case.id, Request(Action.ADD_DETAILS, ctx.as_resident(), ctx.now, note=note))
    return ctx.step(Outbound(text=ctx.t("cases.details_added", number=case.number)), main_menu(ctx))


async def _add_photo(ctx: Context) -> Step:
    """Add a photo to the case being supplemented."""
    case = await own_case(ctx, int(ctx.data["case_id"]))
    photo = ctx.inbound.photo or ctx.inbound.payload
    await perform(ctx, case.id, Request(Action.ADD_DETAILS, ctx.as_resident(), ctx.now, attachments=(photo,)))
    return ctx.step(Outbound(text=ctx.t("cases.details_added", number=case.number)), main_menu(ctx))


async def reply_or_report(ctx: Context) -> Step:
    """Take free text outside a flow: an answer to a recent staff reply (if they say so), or a new report."""
    text = ctx.inbound.payload.strip()
    case = await ctx.uow.cases.recently_replied(ctx.person.id, ctx.now - REPLY_WINDOW)
    if case is None:
        return await report.start_with_text(ctx)
    buttons = (
        choice(ctx.t("cases.which_reply", number=case.number), WHICH, "reply"),
        choice(ctx.t("cases.which_new"), WHICH, "new"),
    )
    prompt = ctx.t("cases.which", number=case.number, summary=summary(case.text))
    return ctx.step(Outbound(text=prompt, buttons=buttons), state=WHICH, data={"case_id": case.id, "text": text[:1000]})


async def rate_latest(ctx: Context) -> Step:
    """Show the revisit question of the resident's newest case that awaits a rating."""
    cases = await ctx.uow.cases.for_resident(ctx.person.id, limit=20)
    waiting = next((c for c in cases if Status(c.status) in RATING_STATES), None)
    if waiting is None:
        return ctx.step(main_menu(ctx, "cases.none_to_rate"))
    return ctx.step(revisit_question(ctx.texts, waiting))


async def _which_choice(ctx: Context, value: str) -> Step:
    """Add the held text to the case as a reply, or start a new report with it."""
    if value == "new":
        return await report.start_with_text(ctx, str(ctx.data["text"]))
    if value != "reply":
        raise UserError(ctx.t("errors.expired_button"))
    case = await own_case(ctx, int(ctx.data["case_id"]))
    if not is_open(case):
        raise UserError(ctx.t("cases.not_open", number=case.number))
    await perform(ctx, case.id, Request(Action.ADD_DETAILS, ctx.as_resident(), ctx.now, note=str(ctx.data["text"])))
    return ctx.step(Outbound(text=ctx.t("cases.details_added", number=case.number)), main_menu(ctx))


STATES: dict[str, State] = {
    ADD: State(ADD, on_text=_add_text, on_photo=_add_photo),
    WHICH: State(WHICH, on_choice=_which_choice, hint_key="errors.use_buttons"),
}
