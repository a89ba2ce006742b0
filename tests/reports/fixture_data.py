"""A small hand-made dataset with known figures: two communities, three departments, six cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.models.cases import Case, CaseEvent, CaseRating, ExplanationTask, Light
from storage.models.people import Person, Unit
from storage.uow import UnitOfWork

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 local, after week 2026-W47


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """Return a November 2026 local time as an aware datetime."""
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


@dataclass
class Org:
    """The units of the fixture."""

    street: Unit
    c1: Unit
    c2: Unit
    g1: Unit
    g2: Unit


async def make_org(uow: UnitOfWork) -> tuple[Org, int]:
    """Create a district with one street, two communities with a grid each, two departments and a resident."""
    district = uow.units.add(Unit(code="d", name="测试区", kind="district"))
    await uow.flush()
    street = uow.units.add(Unit(code="s1", name="一号街道", kind="street", parent_id=district.id))
    uow.units.add(Unit(code="chengguan", name="区城市管理局", kind="department", parent_id=district.id))
    uow.units.add(Unit(code="zhujian", name="区住房和城乡建设局", kind="department", parent_id=district.id))
    await uow.flush()
    c1 = uow.units.add(Unit(code="c1", name="甲社区", kind="community", parent_id=street.id))
    c2 = uow.units.add(Unit(code="c2", name="乙社区", kind="community", parent_id=street.id))
    await uow.flush()
    g1 = uow.units.add(Unit(code="g1", name="甲社区第1网格", kind="grid", parent_id=c1.id, gazetteer={"compounds": ["桂香苑", "桂香苑小区"]}))
    g2 = uow.units.add(Unit(code="g2", name="乙社区第1网格", kind="grid", parent_id=c2.id, gazetteer={"compounds": ["柳岸新村"]}))
    person = uow.people.add(Person(name="居民", created_at=NOW))
    await uow.flush()
    return Org(street, c1, c2, g1, g2), person.id


def _case(org: Org, resident: int, number: str, community: Unit, department: str, *, created: datetime, **fields: object) -> Case:
    """Return a case in a community's grid."""
    grid = org.g1 if community is org.c1 else org.g2
    values: dict[str, object] = {
        "number": number, "request_type": "complaint", "text": fields.pop("text", "路灯坏了"), "photos": [],
        "grid_id": grid.id, "community_id": community.id, "street_id": org.street.id, "department_code": department,
        "resident_person_id": resident, "status": "closed", "cycle": 1, "redo_count": 0,
        "created_at": created, "updated_at": created, "handle_deadline": created + timedelta(hours=48),
    }
    values.update(fields)
    return Case(**values)


async def load_fixture(uow: UnitOfWork) -> Org:
    """Create the fixture's cases, events, ratings, lights and explanation (see test_stats for the sums)."""
    org, r = await make_org(uow)
    a = _case(org, r, "A", org.c1, "chengguan", created=local(16, 9), completed_at=local(16, 19), text="桂香苑小区门口占道经营")
    b = _case(org, r, "B", org.c1, "chengguan", created=local(17, 10), completed_at=local(17, 10) + timedelta(hours=60), redo_count=1, cycle=2)
    c = _case(org, r, "C", org.c2, "zhujian", created=local(18, 8), status="in_progress", text="柳岸新村楼道漏水")
    d = _case(org, r, "D", org.c2, "zhujian", created=local(19, 12), status="withdrawn")
    e = _case(org, r, "E", org.c1, "chengguan", created=local(15, 23, 30), completed_at=local(16, 2))  # Sunday night: week before
    f = _case(org, r, "F", org.c1, "chengguan", created=local(22, 23, 59), status="revisit", completed_at=local(23, 0, 59))
    g = _case(org, r, "G", org.c1, "chengguan", created=local(23, 0, 0), status="registered", handle_deadline=None)
    for case in (a, b, c, d, e, f, g):
        uow.cases.add(case)
    await uow.flush()

    def event(case: Case, action: str, at: datetime) -> CaseEvent:
        return CaseEvent(case_id=case.id, action=action, actor_role="system", from_status="x", to_status="x", attachments=[], created_at=at)

    for case, action, at in [
        (c, "return", local(18, 12)), (c, "overrule_return", local(18, 14)), (c, "request_extension", local(19, 9)),
        (c, "approve_extension", local(19, 11)), (b, "redo", local(19, 15)), (b, "redo", local(23, 1)),
        (a, "uphold_return", local(15, 12)),
    ]:
        uow.session.add(event(case, action, at))
    uow.session.add_all(
        [
            CaseRating(case_id=a.id, cycle=1, solved=1, satisfied=1, person_id=r, created_at=local(16, 20)),
            CaseRating(case_id=b.id, cycle=1, solved=3, satisfied=3, person_id=r, created_at=local(19, 15)),
            CaseRating(case_id=b.id, cycle=2, solved=1, satisfied=2, person_id=r, created_at=local(20, 9)),
            CaseRating(case_id=e.id, cycle=1, solved=1, satisfied=1, person_id=r, created_at=local(15, 23, 50)),
        ]
    )
    red = Light(case_id=b.id, cycle=1, kind="red", unit_id=org.c1.id, due_at=local(19, 10), fired_at=local(19, 10))
    uow.session.add_all(
        [
            Light(case_id=b.id, cycle=1, kind="yellow", unit_id=org.c1.id, due_at=local(18, 10), fired_at=local(18, 10)),
            red,
            Light(case_id=c.id, cycle=1, kind="yellow", unit_id=org.c2.id, due_at=local(19, 8), fired_at=local(19, 8)),
            Light(case_id=c.id, cycle=1, kind="red", unit_id=org.c2.id, due_at=local(23, 8), fired_at=local(23, 8)),
        ]
    )
    await uow.flush()
    uow.session.add(
        ExplanationTask(light_id=red.id, case_id=b.id, cycle=1, unit_id=org.c1.id, due_at=local(20, 10), created_at=local(19, 10), submitted_at=local(21, 9))
    )
    await uow.flush()
    return org
