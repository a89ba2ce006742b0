"""The love bank's button payloads (prefixes starting with "l"), packed by handlers.codec."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.codec import ButtonData


@dataclass(frozen=True)
class LoveMenu(ButtonData):
    """A love bank menu entry: points, rewards, vouchers, activities, mine, checkin, org, org_post, org_list,
    reward_add, rewards_kept, verify."""

    prefix = "lm"
    item: str


@dataclass(frozen=True)
class LovePage(ButtonData):
    """A page of a love bank list: history, rewards, vouchers, activities, mine, org_list, rewards_kept."""

    prefix = "lp"
    list: str
    page: int


@dataclass(frozen=True)
class LoveConsent(ButtonData):
    """The answer to whether reports may name the volunteer (1 yes, 0 no)."""

    prefix = "lc"
    show: int


@dataclass(frozen=True)
class LoveReward(ButtonData):
    """An action on a reward: view, redeem (for a volunteer); manage, restock, withdraw (for its keeper)."""

    prefix = "lr"
    op: str
    reward_id: int


@dataclass(frozen=True)
class LoveActivity(ButtonData):
    """An action on an activity: view, signup, withdraw, checkin (volunteer); org, hours, confirm_all, cancel,
    cancel_yes (organiser)."""

    prefix = "la"
    op: str
    activity_id: int


@dataclass(frozen=True)
class LoveSignup(ButtonData):
    """An organiser's action on one sign-up: hours (confirm another number of hours)."""

    prefix = "ls"
    op: str
    signup_id: int


@dataclass(frozen=True)
class LoveVoucher(ButtonData):
    """The provider's action on a redemption: hand (the reward was handed over)."""

    prefix = "lv"
    op: str
    redemption_id: int
