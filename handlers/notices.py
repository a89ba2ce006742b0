"""Which notice each case action sends, to the resident and to the staff who hold the case."""

from __future__ import annotations

from storage.lifecycle import Action

# Actions taken by staff or the system that the resident is told about (catalogue keys).
RESIDENT_NOTICES: dict[Action, str] = {
    Action.DISPATCH: "notices.dispatched",
    Action.SIGN: "notices.signed",
    Action.TRANSFER: "notices.moved",
    Action.ESCALATE: "notices.moved",
    Action.UPHOLD_RETURN: "notices.moved",
    Action.REPLY: "notices.reply",
    Action.COMPLETE: "notices.completed",
    Action.APPROVE_EXTENSION: "notices.extended",
    Action.CLOSE_DUPLICATE: "notices.closed",
    Action.CLOSE_NOT_RESPONSIBLE: "notices.closed",
    Action.CLOSE_UNRATED: "notices.closed_unrated",
}

# Actions taken by the resident that the handling unit is told about.
STAFF_NOTICES: dict[Action, str] = {
    Action.ADD_DETAILS: "notices.staff.details_added",
    Action.WITHDRAW: "notices.staff.withdrawn",
    Action.REDO: "notices.staff.redo",
    Action.CONFIRM_SOLVED: "notices.staff.confirmed",
}
