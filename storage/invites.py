"""One-time staff invites: issue a code, redeem it from a chat, revoke it; remove role bindings."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update

from storage.cases.lifecycle import Role
from storage.models.access import Invite
from storage.models.people import ChannelAccount, Person, RoleBinding
from storage.uow import UnitOfWork

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud and typed
CODE_LENGTH = 10
STAFF_ROLES = frozenset(Role) - {Role.RESIDENT, Role.SYSTEM}


class InviteError(Exception):
    """An invite that cannot be issued or redeemed; `code` names the reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Issued:
    """A freshly issued invite: the code to hand over (shown once) and when it expires."""

    code: str
    expires_at: datetime


def normalise_code(text: str) -> str:
    """Fold a typed code: upper case, no spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    """Return the stored hash of a code (codes are never stored in clear)."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def format_code(code: str) -> str:
    """Group a code for reading: ABCDE-FGHJK."""
    return f"{code[:5]}-{code[5:]}"


async def issue_invite(
    uow: UnitOfWork,
    role: str,
    unit_code: str,
    now: datetime,
    lifetime: timedelta,
    *,
    person_name: str | None = None,
    person_id: int | None = None,
) -> Issued:
    """Create a one-time code binding its redeemer to ROLE in UNIT (the caller commits).

    With PERSON_ID (a person of the district's roster), the redeemer's chat account becomes that person's:
    they take over the roles, the units they head and the pushes already waiting for them.
    """
    if role not in {r.value for r in STAFF_ROLES}:
        raise InviteError("bad_role", f"unknown role {role!r}; one of {', '.join(sorted(r.value for r in STAFF_ROLES))}")
    unit = await uow.units.by_code(unit_code)
    if unit is None:
        raise InviteError("bad_unit", f"unknown unit {unit_code!r}")
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    uow.invites.add(
        Invite(
            code_hash=code_hash(code),
            role=role,
            unit_id=unit.id,
            person_id=person_id,
            person_name=person_name,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    await uow.flush()
    return Issued(format_code(code), now + lifetime)


async def redeem_invite(
    uow: UnitOfWork, code: str, person: Person, now: datetime, *, account: tuple[str, str] | None = None
) -> RoleBinding:
    """Bind the chat's person to the invite's role and unit; each code works once, before it expires.

    An invite for a roster person moves the chat's ACCOUNT (channel, external id) to that person instead.
    """
    invite = await uow.invites.by_hash(code_hash(code), for_update=True)
    if invite is None:
        raise InviteError("unknown", "no such invite code")
    if invite.revoked_at is not None:
        raise InviteError("revoked", "this invite was revoked")
    if invite.used_at is not None:
        raise InviteError("used", "this invite was used already")
    if invite.expires_at <= now:
        raise InviteError("expired", "this invite has expired")
    invite.used_at = now
    invite.used_by_person_id = person.id
    if invite.person_id is not None and invite.person_id != person.id:
        staff = await uow.people.get(invite.person_id)
        if staff is None or staff.retired_at is not None:
            raise InviteError("revoked", "this invite's person left the roster")
        if account is not None:
            moved = update(ChannelAccount).where(ChannelAccount.channel == account[0], ChannelAccount.external_id == account[1])
            await uow.session.execute(moved.values(person_id=staff.id))
        person = staff
    elif invite.person_name:
        person.name = invite.person_name
    return await uow.people.bind(person.id, invite.role, invite.unit_id, now)


async def revoke_invite(uow: UnitOfWork, code: str, now: datetime) -> None:
    """Revoke an unused invite."""
    invite = await uow.invites.by_hash(code_hash(code), for_update=True)
    if invite is None:
        raise InviteError("unknown", "no such invite code")
    if invite.used_at is not None:
        raise InviteError("used", "this invite was used already; use `qungong people unbind` instead")
    invite.revoked_at = now


async def unbind(uow: UnitOfWork, person_id: int, role: str | None = None, unit_id: int | None = None) -> int:
    """Remove a person's role bindings (all, or those matching role and unit); return how many."""
    stmt = delete(RoleBinding).where(RoleBinding.person_id == person_id)
    if role is not None:
        stmt = stmt.where(RoleBinding.role == role)
    if unit_id is not None:
        stmt = stmt.where(RoleBinding.unit_id == unit_id)
    result = await uow.session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
