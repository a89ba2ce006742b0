"""Revisits nobody answered: one reminder to the resident, then a phone-revisit task for the command center."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from handlers.buttons import StaffCard, button
from handlers.casework import revisit_question
from handlers.messages import Outbound
from handlers.pushes import push_to_person
from handlers.texts import Texts, load_texts
from scheduler.wiring import JobDeps
from storage.cases.lifecycle import Status
from storage.cases.routing import command_center, staff_of
from storage.models.cases import Case
from storage.uow import UnitOfWork

BATCH = 5000


@dataclass(frozen=True)
class RevisitFollowUp:
    """What one run queued."""

    reminders: int
    phone_tasks: int

    def describe(self) -> str:
        """Return a one-line summary for `qungong jobs run`."""
        return f"{self.reminders} revisit reminder(s), {self.phone_tasks} phone-revisit task(s) queued"


async def follow_up_revisits(deps: JobDeps, now: datetime) -> RevisitFollowUp:
    """Remind residents who have not answered, then ask the command center to revisit by phone (once each)."""
    section = deps.settings.revisit
    texts = load_texts(deps.settings.app.language)
    reminders = phone_tasks = 0
    async with UnitOfWork(deps.session_factory) as uow:
        centre = await command_center(uow)
        dispatchers = await staff_of(uow, centre.id)
        for case in await uow.cases.in_states([Status.REVISIT.value], limit=BATCH):
            waited = now - (case.completed_at or now)
            prefix = f"case:{case.id}:revisit:{case.cycle}"
            if waited >= timedelta(hours=section.reminder_hours):
                message = partial(revisit_question, case=case, key="revisit.reminder")
                reminders += await push_to_person(uow, case.resident_person_id, message, f"{prefix}:reminder", now, kind="revisit", texts=texts)
            if waited >= timedelta(hours=section.phone_hours):
                task = partial(_phone_task, case=case)
                for person_id in dispatchers:
                    phone_tasks += await push_to_person(uow, person_id, task, f"{prefix}:phone:p{person_id}", now, kind="revisit_phone", texts=texts)
        await uow.commit()
    return RevisitFollowUp(reminders, phone_tasks)


def _phone_task(texts: Texts, case: Case) -> Outbound:
    """Return the command center's task to revisit a case by phone."""
    text = texts.t("revisit.phone_task", number=case.number, phone=_phone(texts, case.anonymous, case.contact_phone))
    return Outbound(text=text, buttons=(button(texts.t("staff.open_card"), StaffCard(case.id)),))


def _phone(texts: Texts, anonymous: bool, phone: str | None) -> str:
    """Return the number to call, or why there is none."""
    if anonymous:
        return texts.t("report.contact_anonymous")
    return phone or texts.t("report.contact_none")
