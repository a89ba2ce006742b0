"""A person's data on request: everything QunGong holds about them (export), and anonymising them while the
cases' facts stay for the statistics (erase).

Erasing removes the person's name, phone and chat accounts (a later message makes a new person), their
conversations and the raw payloads of their messages, the contacts and texts' personal details of their
cases and wishes (redacted the way public texts are), and the texts of pushes to them. Case and wish events
are an append-only audit (database triggers refuse changes): their notes stay as written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.cases import Case, CaseEvent, CaseRating
from storage.models.chat import Conversation, InboundUpdate, OutboxMessage
from storage.models.people import ChannelAccount, Person, RoleBinding
from storage.models.wishes import Wish
from storage.stats.keywords import forget_keywords
from storage.wishes.redact import redact

ERASED_NAME = "—"


def _plain(value: Any) -> Any:
    """Return a value JSON can hold (times as ISO text)."""
    return value.isoformat() if isinstance(value, datetime | date) else value


def _row(row: Any, *columns: str) -> dict[str, Any]:
    """Return the named columns of a row."""
    return {column: _plain(getattr(row, column)) for column in columns}


async def export_person(session: AsyncSession, person_id: int) -> dict[str, Any]:
    """Return everything held about a person, as JSON-ready data."""
    person = await session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person #{person_id}")
    accounts = (await session.scalars(select(ChannelAccount).where(ChannelAccount.person_id == person_id))).all()
    chats = [(a.channel, a.chat_id or a.external_id) for a in accounts]
    cases = (await session.scalars(select(Case).where(Case.resident_person_id == person_id).order_by(Case.id))).all()
    events = (await session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_([c.id for c in cases])).order_by(CaseEvent.id))).all()
    wishes = (await session.scalars(select(Wish).where(or_(Wish.poster_person_id == person_id, Wish.beneficiary_person_id == person_id)))).all()
    return {
        "person": _row(person, "id", "name", "phone", "registered_unit_id", "created_at", "banned_until"),
        "accounts": [_row(a, "channel", "external_id", "chat_id", "created_at", "last_seen_at") for a in accounts],
        "roles": [_row(b, "role", "unit_id", "created_at") for b in (await session.scalars(select(RoleBinding).where(RoleBinding.person_id == person_id))).all()],
        "cases": [_row(c, "number", "request_type", "text", "address", "contact_phone", "anonymous", "status", "created_at", "closed_at") for c in cases],
        "case_events": [_row(e, "case_id", "action", "actor_role", "note", "created_at") for e in events],
        "ratings": [_row(r, "case_id", "cycle", "solved", "satisfied", "created_at") for r in (await session.scalars(select(CaseRating).where(CaseRating.person_id == person_id))).all()],
        "wishes": [_row(w, "id", "category", "text", "contact", "status", "created_at") for w in wishes],
        "messages_received": [_row(u, "channel", "platform_id", "payload", "received_at") for u in await _received(session, chats)],
        "messages_pushed": [
            _row(o, "kind", "status", "created_at", "sent_at") | {"text": (o.payload or {}).get("text")}
            for o in (await session.scalars(select(OutboxMessage).where(OutboxMessage.person_id == person_id))).all()
        ],
        "conversations": [
            _row(c, "channel", "chat_id", "state", "data", "updated_at")
            for c in (await session.scalars(select(Conversation).where(Conversation.person_id == person_id))).all()
        ],
    }


async def _received(session: AsyncSession, chats: list[tuple[str, str]]) -> list[InboundUpdate]:
    """Return the recorded updates from the person's chats (each record keeps its chat id)."""
    found: list[InboundUpdate] = []
    for channel, chat in chats:
        query = select(InboundUpdate).where(InboundUpdate.channel == channel, InboundUpdate.payload["chat_id"].as_string() == chat)
        found += (await session.scalars(query.order_by(InboundUpdate.id))).all()
    return found


async def erase_person(session: AsyncSession, person_id: int) -> dict[str, int]:
    """Anonymise a person, keeping the facts of their cases and wishes; return what was changed, by kind."""
    person = await session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person #{person_id}")
    exported = await export_person(session, person_id)
    counts: dict[str, int] = {}
    person.name, person.phone, person.demo_key = ERASED_NAME, None, None
    chats = [a["chat_id"] or a["external_id"] for a in exported["accounts"]]
    chat_keys = [(a["channel"], a["chat_id"] or a["external_id"]) for a in exported["accounts"]]
    for case in (await session.scalars(select(Case).where(Case.resident_person_id == person_id))).all():
        case.contact_phone = None
        case.text = redact(case.text, names=[n for n in (exported["person"]["name"],) if n]).text
        await forget_keywords(session, [case.id])  # cut again from the redacted text
        counts["cases"] = counts.get("cases", 0) + 1
    for wish in (await session.scalars(select(Wish).where(or_(Wish.poster_person_id == person_id, Wish.beneficiary_person_id == person_id)))).all():
        wish.contact = ""
        wish.text = redact(wish.text, names=[exported["person"]["name"]]).text
        counts["wishes"] = counts.get("wishes", 0) + 1
    counts["pushes"] = int(getattr(await session.execute(
        update(OutboxMessage).where(OutboxMessage.person_id == person_id).values(payload={"text": ""})
    ), "rowcount", 0) or 0)
    counts["conversations"] = int(getattr(await session.execute(
        delete(Conversation).where(or_(Conversation.person_id == person_id, Conversation.chat_id.in_(chats)))
    ), "rowcount", 0) or 0)
    counts["messages"] = int(getattr(await session.execute(
        update(InboundUpdate).where(InboundUpdate.id.in_([u.id for u in await _received(session, chat_keys)])).values(payload={}, status="forgotten")
    ), "rowcount", 0) or 0)
    counts["accounts"] = int(getattr(await session.execute(delete(ChannelAccount).where(ChannelAccount.person_id == person_id)), "rowcount", 0) or 0)
    return counts
