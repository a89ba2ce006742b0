"""The unit of work: one transaction, its repositories, and rollback unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.conversations import ConversationRepository
from storage.repositories import (
    CaseRepository,
    EventRepository,
    InboundRepository,
    InviteRepository,
    OutboxRepository,
    PersonRepository,
    UnitRepository,
)


class UnitOfWork:
    """One transaction with every repository on it; it rolls back unless `commit()` was called."""

    session: AsyncSession
    units: UnitRepository
    people: PersonRepository
    cases: CaseRepository
    events: EventRepository
    inbound: InboundRepository
    outbox: OutboxRepository
    conversations: ConversationRepository
    invites: InviteRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.units = UnitRepository(self.session)
        self.people = PersonRepository(self.session)
        self.cases = CaseRepository(self.session)
        self.events = EventRepository(self.session)
        self.inbound = InboundRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.invites = InviteRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing rolls back whatever was not committed, and leaves loaded objects readable.
        await self.session.close()

    async def commit(self) -> None:
        """Commit everything done in this unit of work."""
        await self.session.commit()

    async def flush(self) -> None:
        """Send pending changes to the database (ids become known) without committing."""
        await self.session.flush()
