"""The button payloads the flows use (packed by handlers.codec, at most 64 bytes each)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.codec import ButtonData
from handlers.messages import Button


@dataclass(frozen=True)
class MenuItem(ButtonData):
    """A start-menu entry (report, my cases, help)."""

    prefix = "m"
    item: str


@dataclass(frozen=True)
class Choice(ButtonData):
    """A choice that is only valid in the conversation state that offered it."""

    prefix = "c"
    state: str
    value: str


@dataclass(frozen=True)
class CasePage(ButtonData):
    """A page of the resident's case list."""

    prefix = "cp"
    page: int


@dataclass(frozen=True)
class CaseView(ButtonData):
    """The detail of one of the resident's cases."""

    prefix = "cv"
    case_id: int


@dataclass(frozen=True)
class CaseOp(ButtonData):
    """A resident's operation on their case: add details, withdraw, confirm the withdrawal."""

    prefix = "co"
    op: str
    case_id: int


@dataclass(frozen=True)
class RevisitAnswer(ButtonData):
    """A revisit answer: solved (1 yes, 2 partly, 3 no) and satisfied (0 not yet asked, 1-3)."""

    prefix = "rv"
    case_id: int
    cycle: int
    solved: int
    satisfied: int


def button(label: str, data: ButtonData) -> Button:
    """Return a button carrying a packed payload."""
    return Button(label=label, payload=data.pack())


def choice(label: str, state: str, value: str) -> Button:
    """Return a button for a choice offered in a state."""
    return button(label, Choice(state=state, value=value))


@dataclass(frozen=True)
class StaffMenu(ButtonData):
    """A staff menu entry: tasks, triage, returns, extensions, red lights, who am I."""

    prefix = "sm"
    item: str


@dataclass(frozen=True)
class StaffPage(ButtonData):
    """A page of a staff list."""

    prefix = "sp"
    list: str
    page: int


@dataclass(frozen=True)
class StaffCard(ButtonData):
    """The staff card of a case."""

    prefix = "sc"
    case_id: int


@dataclass(frozen=True)
class StaffOp(ButtonData):
    """A staff action on a case (some then ask for a unit, a date or a reason)."""

    prefix = "so"
    op: str
    case_id: int


@dataclass(frozen=True)
class StaffTarget(ButtonData):
    """The unit chosen for a dispatch, transfer or upheld return."""

    prefix = "st"
    op: str
    case_id: int
    unit_id: int


@dataclass(frozen=True)
class StaffExtend(ButtonData):
    """The number of days asked for in an extension request."""

    prefix = "se"
    case_id: int
    days: int


@dataclass(frozen=True)
class ExplainTask(ButtonData):
    """Start writing the explanation (情况说明) a red light asked a unit for."""

    prefix = "ex"
    task_id: int


LANGUAGE_MENU = "ask"


@dataclass(frozen=True)
class LanguagePick(ButtonData):
    """The language menu (LANGUAGE_MENU) or a language chosen from it (zh, en)."""

    prefix = "yl"
    language: str


@dataclass(frozen=True)
class WishMenu(ButtonData):
    """A micro-wish menu entry: post, post_for, mine, browse, filter, claims, review, confirm."""

    prefix = "wm"
    item: str


@dataclass(frozen=True)
class WishPage(ButtonData):
    """A page of a wish list; `community` filters the browse list (0: every community)."""

    prefix = "wp"
    list: str
    page: int
    community: int


@dataclass(frozen=True)
class WishCard(ButtonData):
    """The card of one wish, as the viewer may see it."""

    prefix = "wc"
    wish_id: int


@dataclass(frozen=True)
class WishOp(ButtonData):
    """An action on a wish: approve, own, reject, claim, group, release, done, confirm."""

    prefix = "wo"
    op: str
    wish_id: int


@dataclass(frozen=True)
class BanUser(ButtonData):
    """An administrator's 屏蔽此用户 on a case card: ban the case's resident (asks for how long)."""

    prefix = "bn"
    case_id: int


@dataclass(frozen=True)
class BanDays(ButtonData):
    """How long the ban asked for by BanUser lasts."""

    prefix = "bd"
    case_id: int
    days: int


# ---- typical cases (典型案例): the resident's consent, the command center's publishing (prefixes k*) ----


@dataclass(frozen=True)
class ConsentAnswer(ButtonData):
    """The resident's answer in the revisit: may the outcome be published anonymously (1 yes, 0 no)."""

    prefix = "kc"
    case_id: int
    consent: int


@dataclass(frozen=True)
class PublishOp(ButtonData):
    """The command center's step in publishing a case: propose, confirm, own (type the text), unpublish."""

    prefix = "kp"
    op: str
    case_id: int
