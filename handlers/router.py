"""The router: global commands and buttons first, then the current state's handler (a table, no if-chains)."""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from handlers import language
from handlers.buttons import (
    BanDays,
    BanUser,
    CaseOp,
    CasePage,
    CaseView,
    Choice,
    ConsentAnswer,
    ExplainTask,
    LanguagePick,
    MenuItem,
    PublishOp,
    RevisitAnswer,
    StaffCard,
    StaffExtend,
    StaffMenu,
    StaffOp,
    StaffPage,
    StaffTarget,
    WishCard,
    WishMenu,
    WishOp,
    WishPage,
)
from handlers.codec import ButtonData, CodecError, unpack
from handlers.core import IDLE, Context, Step, UserError
from handlers.flow import Handler, State
from handlers.lovebank import commands as lovebank
from handlers.lovebank.points import show_points
from handlers.menu import cancel, expired_button, main_menu
from handlers.messages import InboundKind, Outbound
from handlers.reports.leader import cockpit_link, request_report
from handlers.resident import consent, my_cases, report, revisit
from handlers.staff import actions, ban, card, explain, on_behalf, patrol, phone, publish
from handlers.staff import menu as staff_menu
from handlers.staff.binding import bind, bind_code, whoami
from handlers.start import show_help, show_menu, staff_free_text, staff_only, working_roles
from handlers.wishes import menu as wishes
from handlers.wishes import ops as wishes_ops
from handlers.wishes import post as wishes_post

SHORT_GREETING = 4

COMMANDS: dict[str, Handler] = {
    "/start": show_menu,
    "/menu": show_menu,
    "菜单": show_menu,
    "开始": show_menu,
    "你好": show_menu,
    "/help": show_help,
    "帮助": show_help,
    "/cancel": cancel,
    "取消": cancel,
    "/report": report.start,
    "我要反映": report.start,
    "/cases": my_cases.start,
    "我的诉求": my_cases.start,
    "/whoami": whoami,
    "我是谁": whoami,
    "/tasks": staff_menu.show_tasks,
    "我的任务": staff_menu.show_tasks,
    "/wishes": wishes.start,
    "微心愿": wishes.start,
    "本周报告": partial(request_report, kind="week"),
    "本月报告": partial(request_report, kind="month"),
    **lovebank.COMMANDS,
    "驾驶舱": cockpit_link,
    "网格员上报": patrol.start,
    "/patrol": patrol.start,
    "代为登记": on_behalf.start,
    "/onbehalf": on_behalf.start,
    "/cockpit": cockpit_link,
}

MENU: dict[str, Handler] = {
    "report": report.start,
    "cases": my_cases.start,
    "help": show_help,
    "menu": show_menu,
    "wishes": wishes.start,
    "lovebank": show_points,
}

STATES: dict[str, State] = {**report.STATES, **my_cases.STATES, **revisit.STATES, **actions.STATES, **phone.STATES, **ban.STATES, **explain.STATES, **on_behalf.STATES, **patrol.STATES, **publish.STATES, **wishes_post.STATES, **wishes_ops.STATES, **lovebank.STATES}


async def _menu_item(ctx: Context, data: MenuItem) -> Step:
    """Open a start-menu entry."""
    handler = MENU.get(data.item)
    if handler is None:
        raise UserError(ctx.t("errors.unknown_button"))
    return await handler(ctx)


async def _choice(ctx: Context, data: Choice) -> Step:
    """Pass a choice to the state that offered it; a choice from an earlier step has expired."""
    state = STATES.get(ctx.state)
    if data.state != ctx.state or state is None or state.on_choice is None:
        return await expired_button(ctx)
    return await state.on_choice(ctx, data.value)


BUTTONS: dict[type[ButtonData], Callable[[Context, Any], Awaitable[Step]]] = {
    MenuItem: _menu_item,
    Choice: _choice,
    CasePage: my_cases.show_page,
    CaseView: my_cases.show_case,
    CaseOp: my_cases.case_operation,
    RevisitAnswer: revisit.answer,
    StaffMenu: staff_menu.open_menu_item,
    StaffPage: staff_menu.show_list,
    StaffCard: card.show_card,
    StaffOp: actions.start_op,
    StaffTarget: actions.pick_target,
    StaffExtend: actions.pick_days,
    BanUser: ban.ask_days,
    BanDays: ban.ask_reason,
    ExplainTask: explain.start,
    WishMenu: wishes.open_menu_item,
    WishPage: wishes.show_list,
    WishCard: wishes.show_card,
    WishOp: wishes_ops.run_op,
    LanguagePick: language.pick,
    **lovebank.BUTTONS,
    ConsentAnswer: consent.answer_consent,
    PublishOp: publish.run_publish_op,
}


def normalise_command(text: str) -> str:
    """Fold a typed command: width, case, surrounding spaces and punctuation."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    return folded.strip("。.!！?？~～ ")


async def _button(ctx: Context) -> Step:
    """Unpack a button payload strictly and run its handler."""
    try:
        data = unpack(ctx.inbound.payload)
    except CodecError as exc:
        raise UserError(ctx.t("errors.unknown_button")) from exc
    return await BUTTONS[type(data)](ctx, data)


async def _idle(ctx: Context) -> Step:
    """Outside any flow: staff get their work menu; a rating word shows the revisit question; a resident's
    description starts a report (or answers a staff reply of the last days, if they say so); else the menu."""
    kind, text = ctx.inbound.kind, ctx.inbound.payload.strip()
    if kind is InboundKind.TEXT and await working_roles(ctx):
        return await staff_free_text(ctx)
    if kind is InboundKind.TEXT and text in my_cases.RATING_WORDS:
        return await my_cases.rate_latest(ctx)
    if kind is InboundKind.TEXT and len(text) >= SHORT_GREETING:
        return await my_cases.reply_or_report(ctx)
    if kind is InboundKind.PHOTO:
        return await report.start_with_photo(ctx)
    return await show_menu(ctx)


_KIND_HANDLER = {
    InboundKind.TEXT: "on_text",
    InboundKind.COMMAND: "on_text",
    InboundKind.PHOTO: "on_photo",
    InboundKind.LOCATION: "on_location",
}


async def _in_state(ctx: Context) -> Step:
    """Run the current state's handler for this kind of input, or explain what it expects."""
    state = STATES[ctx.state]
    handler: Handler | None = getattr(state, _KIND_HANDLER[ctx.inbound.kind])
    if handler is None:
        return ctx.step(Outbound(text=ctx.t(state.hint_key)), state=ctx.state, data=ctx.data)
    return await handler(ctx)


async def _may_use_staff_channel(ctx: Context) -> bool:
    """Tell whether the sender may use a staff-only channel: staff, or someone binding a staff code."""
    binding = ctx.inbound.kind in (InboundKind.TEXT, InboundKind.COMMAND) and bind_code(ctx.inbound.payload) is not None
    return binding or bool(await working_roles(ctx))


def typed_command(text: str) -> Handler | None:
    """Return the handler of a typed command: a bind code, a code word with its code (签到 …), or a command word."""
    if bind_code(text) is not None:
        return bind
    wanted = language.language_command(text)
    if wanted is not None:
        return partial(language.set_language, language=wanted)
    coded = lovebank.code_command(text)
    if coded is not None:
        return partial(lovebank.run_code_command, word=coded[0], code=coded[1])
    return COMMANDS.get(normalise_command(text))


async def route(ctx: Context) -> Step:
    """Handle one inbound message in its conversation and return the step (on a staff-only channel, staff only)."""
    if ctx.inbound.channel in ctx.services.staff_only_channels and not await _may_use_staff_channel(ctx):
        return await staff_only(ctx)
    return await _route(ctx)


async def _route(ctx: Context) -> Step:
    """Route a message: commands and buttons first, then the conversation's state."""
    if ctx.state != IDLE and ctx.state not in STATES:
        ctx.state, ctx.data = IDLE, {}
    kind = ctx.inbound.kind
    if kind in (InboundKind.TEXT, InboundKind.COMMAND):
        command = typed_command(ctx.inbound.payload)
        if command is not None:
            return await command(ctx)
        if kind is InboundKind.COMMAND and ctx.state == IDLE:
            return ctx.step(main_menu(ctx, "errors.unknown_command"))
    if kind is InboundKind.BUTTON:
        return await _button(ctx)
    if ctx.state == IDLE:
        return await _idle(ctx)
    return await _in_state(ctx)
