"""Who is told about each case action, and with which text (a table, read by casework.perform)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.cases.lifecycle import Action


class Audience(StrEnum):
    """Who receives a notice."""

    RESIDENT = "resident"  # the case's resident
    UNIT = "unit"  # the staff of the unit holding the case after the action
    CENTER = "center"  # the command center's dispatchers


@dataclass(frozen=True)
class Notice:
    """One notice an action sends: to whom, with which catalogue text."""

    audience: Audience
    key: str


_NEW_CASE = Notice(Audience.UNIT, "notices.staff.new_case")

NOTICES: dict[Action, tuple[Notice, ...]] = {
    Action.DISPATCH: (Notice(Audience.RESIDENT, "notices.dispatched"), _NEW_CASE),
    Action.SIGN: (Notice(Audience.RESIDENT, "notices.signed"),),
    Action.TRANSFER: (Notice(Audience.RESIDENT, "notices.moved"), _NEW_CASE),
    Action.ESCALATE: (Notice(Audience.RESIDENT, "notices.moved"), Notice(Audience.UNIT, "notices.staff.escalated")),
    Action.UPHOLD_RETURN: (Notice(Audience.RESIDENT, "notices.moved"), _NEW_CASE),
    Action.OVERRULE_RETURN: (Notice(Audience.UNIT, "notices.staff.return_overruled"),),
    Action.RETURN: (Notice(Audience.CENTER, "notices.staff.returned"),),
    Action.REQUEST_EXTENSION: (Notice(Audience.CENTER, "notices.staff.extension_requested"),),
    Action.APPROVE_EXTENSION: (Notice(Audience.RESIDENT, "notices.extended"), Notice(Audience.UNIT, "notices.staff.extension_approved")),
    Action.REFUSE_EXTENSION: (Notice(Audience.UNIT, "notices.staff.extension_refused"),),
    Action.REPLY: (Notice(Audience.RESIDENT, "notices.reply"),),
    Action.COMPLETE: (Notice(Audience.RESIDENT, "notices.completed"),),
    Action.CLOSE_DUPLICATE: (Notice(Audience.RESIDENT, "notices.closed"),),
    Action.CLOSE_NOT_RESPONSIBLE: (Notice(Audience.RESIDENT, "notices.closed"),),
    Action.CLOSE_UNRATED: (Notice(Audience.RESIDENT, "notices.closed_unrated"),),
    Action.ADD_DETAILS: (Notice(Audience.UNIT, "notices.staff.details_added"),),
    Action.FOLLOW: (Notice(Audience.UNIT, "notices.staff.followed"),),
    Action.WITHDRAW: (Notice(Audience.UNIT, "notices.staff.withdrawn"),),
    Action.REDO: (Notice(Audience.UNIT, "notices.staff.redo"),),
    Action.CONFIRM_SOLVED: (Notice(Audience.UNIT, "notices.staff.confirmed"),),
    Action.SUPERVISE: (Notice(Audience.UNIT, "notices.staff.supervised"),),
}
