"""How the router reaches the love bank: the words it recognises (我的积分, 兑换, 志愿活动), the words that
carry a code (签到 CODE, 核销 CODE, 加入帮帮团 CODE), the buttons and the flows' states."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from handlers.codec import ButtonData
from handlers.core import Context, Step
from handlers.flow import Handler, State
from handlers.lovebank import (
    activities,
    organise,
    organiser,
    points,
    redeem,
    rewards,
    teams,
    verify,
)
from handlers.lovebank.access import refuse
from handlers.lovebank.buttons import (
    LoveActivity,
    LoveConsent,
    LoveMenu,
    LovePage,
    LoveReward,
    LoveSignup,
    LoveVoucher,
)
from handlers.lovebank.menu import open_item, open_page

COMMANDS: dict[str, Handler] = {
    "/points": points.show_points,
    "我的积分": points.show_points,
    "爱心银行": points.show_points,
    "兑换": redeem.show_catalogue,
    "志愿活动": activities.show_upcoming,
    "签到": activities.ask_checkin,
    "/checkin": activities.ask_checkin,
    "核销": verify.ask_code,
    "/verify": verify.ask_code,
}

# A word and a code in one message: 签到 402917, 核销 K7M2-P9QX, 加入帮帮团 531207.
CODE_WORDS: dict[str, Callable[[Context, str], Awaitable[Step]]] = {
    "签到": activities.check_in_with,
    "/checkin": activities.check_in_with,
    "核销": verify.look_up,
    "/verify": verify.look_up,
    "加入帮帮团": teams.join,
    "/join": teams.join,
}
SEPARATORS = " ：:"
MAX_CODE_MESSAGE = 60
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]{3,19}")


def code_command(text: str) -> tuple[str, str] | None:
    """Return (word, code) when a message is one of the code words followed by a code, else None."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    if len(stripped) > MAX_CODE_MESSAGE:
        return None
    for word in sorted(CODE_WORDS, key=len, reverse=True):
        rest = stripped[len(word) :]
        if not stripped.lower().startswith(word) or (word.startswith("/") and rest[:1] not in tuple(SEPARATORS)):
            continue
        code = rest.strip(SEPARATORS)
        return (word, code) if CODE.fullmatch(code) else None
    return None


async def run_code_command(ctx: Context, *, word: str, code: str) -> Step:
    """Run a code word with its code."""
    return await CODE_WORDS[word](ctx, code)


ACTIVITY_OPS: dict[str, Callable[[Context, int], Awaitable[Step]]] = {
    "view": activities.show_activity,
    "signup": activities.do_sign_up,
    "withdraw": activities.do_withdraw,
    "org": organiser.organiser_card,
    "hours": organiser.ask_hours,
    "confirm_all": organiser.confirm_all,
    "cancel": organiser.ask_cancel,
    "cancel_yes": organiser.do_cancel,
}
REWARD_OPS: dict[str, Callable[[Context, int], Awaitable[Step]]] = {
    "view": redeem.show_reward,
    "redeem": redeem.redeem_reward,
    "manage": rewards.manage,
    "restock": rewards.ask_restock,
    "withdraw": rewards.withdraw,
}


async def _activity(ctx: Context, data: LoveActivity) -> Step:
    """Run an action on an activity."""
    if data.op == "checkin":
        return await activities.ask_checkin(ctx)
    op = ACTIVITY_OPS.get(data.op)
    if op is None:
        raise refuse(ctx, "errors.unknown_button", f"activity op {data.op!r}")
    return await op(ctx, data.activity_id)


async def _reward(ctx: Context, data: LoveReward) -> Step:
    """Run an action on a reward."""
    op = REWARD_OPS.get(data.op)
    if op is None:
        raise refuse(ctx, "errors.unknown_button", f"reward op {data.op!r}")
    return await op(ctx, data.reward_id)


BUTTONS: dict[type[ButtonData], Callable[[Context, Any], Awaitable[Step]]] = {
    LoveMenu: open_item,
    LovePage: open_page,
    LoveConsent: points.answer_consent,
    LoveReward: _reward,
    LoveActivity: _activity,
    LoveSignup: organiser.ask_one,
    LoveVoucher: verify.hand,
}

STATES: dict[str, State] = {**organise.STATES, **organiser.STATES, **rewards.STATES, **activities.STATES, **verify.STATES}
