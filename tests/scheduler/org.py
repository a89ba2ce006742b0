"""A tiny organisation for supervision tests: a community with a grid, the command center, an admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.app import App
from scheduler.settings import SweepSettings
from storage.cases.lifecycle import SYSTEM_ACTOR, Action, Actor, Deadlines, Request, Role, Target
from storage.cases.supervision import DEFAULT_SUPERVISION, Supervision
from storage.cases.use_cases import NewCase, act, register_case
from storage.models.cases import Light
from storage.models.chat import OutboxMessage
from storage.models.people import ChannelAccount, Person, Unit

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
DEADLINES = Deadlines(sign_hours=4, red_hours=48)
NO_QUIET = SweepSettings(tz=TZ, batch=1000, explanation_hours=24, quiet_start=T0.time(), quiet_end=T0.time())


@dataclass(frozen=True)
class Org:
    """Ids of the test organisation."""

    community: int
    grid: int
    center: int
    community_head: int
    grid_member: int
    center_head: int
    dispatcher: int
    admin: int
    resident: int


async def seed(app: App) -> Org:
    """Create the organisation and give every person a simulator account."""
    async with app.uow() as uow:
        people = {name: uow.people.add(Person(name=name, created_at=T0)) for name in
                  ("社区书记", "网格员", "中心主任", "调度员", "管理员", "居民")}
        await uow.flush()
        community = uow.units.add(Unit(code="c1", name="测试社区", kind="community", head_person_id=people["社区书记"].id))
        center = uow.units.add(Unit(code="dispatch", name="区指挥中心", kind="command_center", head_person_id=people["中心主任"].id))
        await uow.flush()
        grid = uow.units.add(Unit(code="g1", name="第一网格", kind="grid", parent_id=community.id, head_person_id=people["网格员"].id))
        await uow.flush()
        await uow.people.bind(people["社区书记"].id, "community", community.id, T0)
        await uow.people.bind(people["网格员"].id, "grid_member", grid.id, T0)
        await uow.people.bind(people["中心主任"].id, "command_center", center.id, T0)
        await uow.people.bind(people["调度员"].id, "command_center", center.id, T0)
        await uow.people.bind(people["管理员"].id, "admin", community.id, T0)
        for person in people.values():
            uow.people.add_account(ChannelAccount(channel="sim", external_id=f"p{person.id}", chat_id=f"chat{person.id}",
                                                  person_id=person.id, created_at=T0))
        await uow.commit()
        return Org(community.id, grid.id, center.id, people["社区书记"].id, people["网格员"].id, people["中心主任"].id,
                   people["调度员"].id, people["管理员"].id, people["居民"].id)


async def dispatched_case(app: App, org: Org, at: datetime = T0, supervision: Supervision = DEFAULT_SUPERVISION) -> int:
    """Register a case and dispatch it to the grid at AT; return its id."""
    async with app.uow() as uow:
        case = await register_case(uow, NewCase(org.resident, "楼道灯坏了很久没人修", "help"), Actor(Role.RESIDENT, org.resident), at, TZ,
                                   supervision=supervision)
        await act(uow, case.id, Request(Action.DISPATCH, SYSTEM_ACTOR, at, target=Target(org.grid), deadlines=DEADLINES),
                  supervision=supervision)
        await uow.commit()
        return case.id


async def case_act(app: App, case_id: int, request: Request, supervision: Supervision = DEFAULT_SUPERVISION) -> None:
    """Apply one action and commit."""
    async with app.uow() as uow:
        await act(uow, case_id, request, supervision=supervision)
        await uow.commit()


async def lights(app: App) -> list[tuple[int, int, str]]:
    """Return every light as (case, cycle, kind)."""
    async with app.uow() as uow:
        rows = (await uow.session.execute(select(Light.case_id, Light.cycle, Light.kind).order_by(Light.id))).all()
        return [(r.case_id, r.cycle, r.kind) for r in rows]


async def outbox(app: App) -> list[OutboxMessage]:
    """Return every outbox row."""
    async with app.uow() as uow:
        return list((await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def outbox_count(app: App) -> int:
    """Return how many outbox rows exist."""
    async with app.uow() as uow:
        return int(await uow.session.scalar(select(func.count(OutboxMessage.id))) or 0)
