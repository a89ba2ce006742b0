"""Repositories: the queries QunGong needs, one class per aggregate, all on one session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import OPEN_STATES, Action
from storage.hot import Hot, sqlite_of
from storage.models.access import Invite
from storage.models.cases import Case, CaseEvent, CaseNumberCounter
from storage.models.chat import InboundUpdate, OutboxMessage
from storage.models.people import ChannelAccount, Person, RoleBinding, Unit
from storage.upsert import insert_ignoring

# Statements run for nearly every report, built once: only their parameters change.
_UNIT_BY_CODE = select(Unit).where(Unit.code == bindparam("code"))
_HOLDERS = (
    select(Person)
    .join(RoleBinding, RoleBinding.person_id == Person.id)
    .where(RoleBinding.role == bindparam("role"), RoleBinding.unit_id == bindparam("unit_id"))
    .order_by(Person.id)
)
_ACCOUNTS_OF = (
    select(ChannelAccount)
    .where(ChannelAccount.person_id == bindparam("person_id"))
    .order_by(ChannelAccount.last_seen_at.desc().nulls_last(), ChannelAccount.id)
)


@cache
def _next_number(dialect: str) -> Any:
    """Return the dialect's `INSERT … ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last` (built once)."""
    counters = cast(Table, CaseNumberCounter.__table__)
    module = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(counters).values(day=bindparam("day"), last=1)
    return insert.on_conflict_do_update(index_elements=["day"], set_={"last": counters.c.last + 1}).returning(counters.c.last)


# Statements of every new case, built once (on SQLite run as Hot statements: storage/hot.py).
_OPENED_SINCE = (
    select(Case.created_at)
    .where(Case.resident_person_id == bindparam("person_id"), Case.created_at >= bindparam("since"))
    .order_by(Case.created_at)
)
_HOT_OPENED_SINCE = Hot(_OPENED_SINCE)
_HOT_NEXT_NUMBER = Hot(_next_number("sqlite"))


class UnitRepository:
    """Organisational units."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, unit_id: int) -> Unit | None:
        """Return a unit by id."""
        return await self.session.get(Unit, unit_id)

    async def by_code(self, code: str) -> Unit | None:
        """Return a unit by its code."""
        return (await self.session.scalars(_UNIT_BY_CODE, {"code": code})).first()

    async def of_kind(self, kind: str, *, retired: bool = False) -> Sequence[Unit]:
        """Return every unit of a kind in service (RETIRED: those retired too), by code."""
        query = select(Unit).where(Unit.kind == kind)
        if not retired:
            query = query.where(Unit.retired_at.is_(None))
        return (await self.session.scalars(query.order_by(Unit.code))).all()

    async def children(self, unit_id: int) -> Sequence[Unit]:
        """Return a unit's direct children in service."""
        query = select(Unit).where(Unit.parent_id == unit_id, Unit.retired_at.is_(None)).order_by(Unit.code)
        return (await self.session.scalars(query)).all()

    async def count(self) -> int:
        """Return how many units exist."""
        return int(await self.session.scalar(select(func.count(Unit.id))) or 0)

    def add(self, unit: Unit) -> Unit:
        """Stage a new unit."""
        self.session.add(unit)
        return unit


class PersonRepository:
    """People, their role bindings and their channel accounts."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, person_id: int) -> Person | None:
        """Return a person by id."""
        return await self.session.get(Person, person_id)

    async def by_demo_key(self, key: str) -> Person | None:
        """Return a demo person by their simulator key."""
        return (await self.session.scalars(select(Person).where(Person.demo_key == key))).first()

    def add(self, person: Person) -> Person:
        """Stage a new person."""
        self.session.add(person)
        return person

    async def bindings(self, person_id: int) -> Sequence[RoleBinding]:
        """Return a person's role bindings."""
        query = select(RoleBinding).where(RoleBinding.person_id == person_id).order_by(RoleBinding.id)
        return (await self.session.scalars(query)).all()

    async def bind(self, person_id: int, role: str, unit_id: int, now: datetime) -> RoleBinding:
        """Bind a person to a role in a unit (idempotent)."""
        query = select(RoleBinding).where(
            RoleBinding.person_id == person_id, RoleBinding.role == role, RoleBinding.unit_id == unit_id
        )
        existing = await self.session.scalar(query)
        if existing is not None:
            return existing
        binding = RoleBinding(person_id=person_id, role=role, unit_id=unit_id, created_at=now)
        self.session.add(binding)
        return binding

    async def holders(self, role: str, unit_id: int) -> Sequence[Person]:
        """Return the people holding a role in a unit."""
        return (await self.session.scalars(_HOLDERS, {"role": role, "unit_id": unit_id})).all()

    async def account(self, channel: str, external_id: str) -> ChannelAccount | None:
        """Return the account of an external user on a channel."""
        query = select(ChannelAccount).where(
            ChannelAccount.channel == channel, ChannelAccount.external_id == external_id
        )
        return (await self.session.scalars(query)).first()

    async def accounts_of(self, person_id: int) -> Sequence[ChannelAccount]:
        """Return a person's accounts, the most recently used first."""
        return (await self.session.scalars(_ACCOUNTS_OF, {"person_id": person_id})).all()

    def add_account(self, account: ChannelAccount) -> ChannelAccount:
        """Stage a new channel account."""
        self.session.add(account)
        return account


NEARBY_LIMIT = 50


class NearbyCase(NamedTuple):
    """What the similar-case check shows of an open case, without loading the whole row."""

    id: int
    number: str
    status: str
    text: str
    resident_person_id: int | None


def _nearby(place: Any) -> Any:
    """Open cases of a department at one place since a time, newest first (built once per kind of place)."""
    return (
        select(Case.id, Case.number, Case.status, Case.text, Case.resident_person_id)
        .where(
            Case.department_code == bindparam("department"),
            Case.status.in_(bindparam("statuses", expanding=True)),
            Case.created_at >= bindparam("since"),
            place == bindparam("place"),
        )
        .order_by(Case.created_at.desc())
        .limit(NEARBY_LIMIT)
    )


_NEARBY_IN_GRID = _nearby(Case.grid_id)
_NEARBY_IN_COMMUNITY = _nearby(Case.community_id)


class CaseRepository:
    """Cases and their case numbers."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, case_id: int, *, for_update: bool = False) -> Case | None:
        """Return a case by id, locking its row on PostgreSQL when asked.

        On SQLite every transaction began as the one writer (BEGIN IMMEDIATE), so a case already
        loaded in this transaction is current and no lock is needed: it comes from the session.
        """
        if for_update and self.session.get_bind().dialect.name != "sqlite":
            return (await self.session.scalars(select(Case).where(Case.id == case_id).with_for_update())).first()
        return await self.session.get(Case, case_id)

    def add(self, case: Case) -> Case:
        """Stage a new case."""
        self.session.add(case)
        return case

    async def next_number(self, day: str) -> int:
        """Reserve the next case number of a local day (YYYYMMDD), safely under concurrency."""
        raw = await sqlite_of(self.session)
        if raw is not None:
            row = _HOT_NEXT_NUMBER.first(raw, {"day": day})
            assert row is not None
            return int(row[0])
        result = await self.session.execute(_next_number(self.session.get_bind().dialect.name), {"day": day})
        return int(result.scalar_one())

    async def in_states(
        self, statuses: Sequence[str], *, unit_ids: Sequence[int] | None = None, limit: int = 200
    ) -> Sequence[Case]:
        """Return cases in the given states (optionally held by some units), oldest dispatch first."""
        query = select(Case).where(Case.status.in_(list(statuses)))
        if unit_ids is not None:
            query = query.where(Case.current_unit_id.in_(list(unit_ids)))
        query = query.order_by(Case.dispatched_at.asc().nulls_first(), Case.id).limit(limit)
        return (await self.session.scalars(query)).all()

    async def with_pending_extension(self, limit: int = 200) -> Sequence[Case]:
        """Return cases whose extension request waits for the command center, oldest first."""
        query = select(Case).where(Case.extension_requested_until.is_not(None)).order_by(Case.updated_at, Case.id).limit(limit)
        return (await self.session.scalars(query)).all()

    async def overdue(self, statuses: Sequence[str], now: datetime, limit: int = 200) -> Sequence[Case]:
        """Return cases in the given states past their handling deadline (red), most overdue first."""
        query = (
            select(Case)
            .where(Case.status.in_(list(statuses)), Case.handle_deadline <= now)
            .order_by(Case.handle_deadline, Case.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def open_nearby(
        self, department: str, community_id: int | None, grid_id: int | None, since: datetime, statuses: Sequence[str]
    ) -> Sequence[NearbyCase]:
        """Return the open cases of a department in the same grid (or community) since a time, newest first."""
        if grid_id is not None:
            query, place = _NEARBY_IN_GRID, grid_id
        elif community_id is not None:
            query, place = _NEARBY_IN_COMMUNITY, community_id
        else:
            return []
        params = {"department": department, "statuses": list(statuses), "since": since, "place": place}
        return [NearbyCase(*row) for row in await self.session.execute(query, params)]

    async def for_resident(self, person_id: int, limit: int = 10, offset: int = 0) -> Sequence[Case]:
        """Return a resident's cases, newest first."""
        query = (
            select(Case)
            .where(Case.resident_person_id == person_id)
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(query)).all()

    async def opened_since(self, person_id: int, since: datetime) -> list[datetime]:
        """Return when a resident opened each case since SINCE, oldest first."""
        params = {"person_id": person_id, "since": since}
        raw = await sqlite_of(self.session)
        if raw is not None:
            return [row[0] for row in _HOT_OPENED_SINCE.all(raw, params)]
        return list((await self.session.scalars(_OPENED_SINCE, params)).all())

    async def newest(self, since: datetime, limit: int = 50) -> Sequence[Case]:
        """Return the cases opened since SINCE, newest first (at most LIMIT)."""
        query = select(Case).where(Case.created_at >= since).order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)
        return (await self.session.scalars(query)).all()

    async def recently_replied(self, person_id: int, since: datetime) -> Case | None:
        """Return the resident's open case that staff replied to most recently since SINCE, if any."""
        query = (
            select(Case)
            .join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(
                Case.resident_person_id == person_id,
                Case.status.in_([s.value for s in OPEN_STATES]),
                CaseEvent.action == Action.REPLY.value,
                CaseEvent.created_at >= since,
            )
            .order_by(CaseEvent.id.desc())
            .limit(1)
        )
        return (await self.session.scalars(query)).first()


class EventRepository:
    """The append-only case history."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def append(self, event: CaseEvent) -> CaseEvent:
        """Stage a new event (events are never updated or deleted)."""
        self.session.add(event)
        return event

    async def for_case(self, case_id: int) -> Sequence[CaseEvent]:
        """Return a case's events in order."""
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        return (await self.session.scalars(query)).all()

    async def actors_of(self, case_id: int, action: str) -> list[int]:
        """Return the distinct people who took an action on a case (e.g. its followers), in order."""
        query = (
            select(CaseEvent.actor_person_id)
            .where(CaseEvent.case_id == case_id, CaseEvent.action == action, CaseEvent.actor_person_id.is_not(None))
            .order_by(CaseEvent.id)
        )
        return [p for p in dict.fromkeys((await self.session.scalars(query)).all()) if p is not None]


def inbound_row(channel: str, platform_id: str, payload: dict[str, Any], now: datetime, status: str) -> dict[str, Any]:
    """Return the intake log's row of an update (handled_at is set unless it was only received)."""
    handled_at = None if status == "received" else now
    return {"channel": channel, "platform_id": platform_id, "payload": payload, "status": status, "received_at": now, "handled_at": handled_at}


class InboundRepository:
    """Platform updates, recorded once under their platform id."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, channel: str, platform_id: str, payload: dict[str, Any], now: datetime, *, status: str = "received"
    ) -> bool:
        """Record an update; return False when that platform id was recorded before."""
        return await insert_ignoring(self.session, InboundUpdate.__table__, inbound_row(channel, platform_id, payload, now, status), ("channel", "platform_id"))

    async def set_status(self, channel: str, platform_id: str, status: str) -> None:
        """Change what became of a recorded update (e.g. banned: recorded, not handled)."""
        await self.session.execute(
            update(InboundUpdate).where(InboundUpdate.channel == channel, InboundUpdate.platform_id == platform_id).values(status=status)
        )

    async def get(self, channel: str, platform_id: str) -> InboundUpdate | None:
        """Return a recorded update."""
        query = select(InboundUpdate).where(
            InboundUpdate.channel == channel, InboundUpdate.platform_id == platform_id
        )
        return (await self.session.scalars(query)).first()


class OutboxRepository:
    """Messages waiting to be pushed."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(
        self,
        dedupe_key: str,
        kind: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        person_id: int | None = None,
        channel: str | None = None,
        chat_id: str | None = None,
    ) -> bool:
        """Queue a message once per dedupe key; return False when the key was queued before."""
        row = {
            "dedupe_key": dedupe_key,
            "kind": kind,
            "payload": payload,
            "person_id": person_id,
            "channel": channel,
            "chat_id": chat_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        return await insert_ignoring(self.session, OutboxMessage.__table__, row, ("dedupe_key",))

    async def pending(self, limit: int = 100) -> Sequence[OutboxMessage]:
        """Return pending messages, oldest first."""
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()


class InviteRepository:
    """One-time staff binding codes (stored hashed)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_hash(self, code_hash: str, *, for_update: bool = False) -> Invite | None:
        """Return an invite by its code's hash, locking its row on PostgreSQL when asked."""
        query = select(Invite).where(Invite.code_hash == code_hash)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).first()

    def add(self, invite: Invite) -> Invite:
        """Stage a new invite."""
        self.session.add(invite)
        return invite
