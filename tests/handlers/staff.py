"""Acting as staff from tests, through the same use cases the staff flows call."""

from __future__ import annotations

from dataclasses import replace

from handlers.casework import perform
from handlers.core import Context
from handlers.messages import Inbound, InboundKind
from storage.cases.lifecycle import Action, Actor, Request, Role
from storage.models.cases import Case
from tests.handlers.conftest import District


async def staff_act(district: District, demo_key: str, case_id: int, action: Action, note: str | None = None) -> Case:
    """Take an action on a case as a demo staff member (their bound role and unit)."""
    services = district.app.running_dispatcher()._services
    async with district.app.uow() as uow:
        person = await uow.people.by_demo_key(demo_key)
        assert person is not None
        binding = (await uow.people.bindings(person.id))[0]
        inbound = Inbound("sim", demo_key, demo_key, InboundKind.TEXT, "", "test")
        ctx = Context(uow, services, inbound, district.clock(), person, [binding])
        case = await uow.cases.get(case_id)
        assert case is not None
        request = Request(
            action,
            Actor(Role(binding.role), person.id, binding.unit_id),
            district.clock(),
            note=note,
            deadlines=services.deadlines(case.department_code),
            max_redos=services.max_redos,
        )
        case, _ = await perform(ctx, case_id, replace(request))
        await uow.commit()
        return case
