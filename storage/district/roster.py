"""Staff from the district's roster (CSV or XLSX): people, their roles in units, and one invite code each.

Columns (a header row; Chinese headers are accepted too): name, phone, role, unit (a unit code), head
(yes when the person heads that unit). A person with several roles has several rows with one phone.

A roster person is a person of their own, found again by phone on the next import (never by a phone a
resident typed). Their roles take effect at once (cases are routed to them and pushes wait for them);
they get a one-time invite code, and the chat account that redeems it becomes theirs. Importing again
changes nothing for the people who did not change: no new code while one is unused and unexpired. A
person who left the roster is retired: their roles and headships end and their unused codes are revoked.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from storage.district.changes import (
    ADDED,
    CHANGED,
    RESTORED,
    RETIRED,
    UNCHANGED,
    Changes,
    cell,
    yes,
)
from storage.district.geometry import DistrictFileError
from storage.invites import STAFF_ROLES, issue_invite
from storage.models.access import Invite
from storage.models.people import ChannelAccount, Person, RoleBinding, Unit
from storage.uow import UnitOfWork

ROSTER = "roster"
ROLE_WORDS = {"网格员": "grid_member", "社区": "community", "街道": "street", "部门": "department", "职能部门": "department", "指挥中心": "command_center", "领导": "leader", "党员": "party_member", "管理员": "admin", "话务员": "operator", "接线员": "operator"}
UNIT_KINDS = {
    "grid_member": ("grid",),
    "community": ("community",),
    "street": ("street",),
    "department": ("department",),
    "command_center": ("command_center",),
    "leader": ("district", "street", "community", "command_center"),
    "party_member": ("district", "street", "community", "grid"),
    "admin": ("district", "command_center"),
    "operator": ("command_center", "street", "community"),
}
COLUMNS = {"name": ("name", "姓名"), "phone": ("phone", "电话", "手机", "手机号"), "role": ("role", "角色"), "unit": ("unit", "单位", "单位编码"), "head": ("head", "负责人")}
HEADER = ("name", "phone", "role", "unit", "head")
_PHONE = re.compile(r"1[3-9]\d{9}|0\d{9,11}")


@dataclass(frozen=True)
class RosterRow:
    """One role of one person."""

    name: str
    phone: str
    role: str
    unit: str
    head: bool
    line: int


@dataclass(frozen=True)
class IssuedCode:
    """An invite code for a roster person, to hand over (shown once)."""

    name: str
    phone: str
    role: str
    unit: str
    code: str
    expires_at: datetime


def normalise_phone(text: str) -> str | None:
    """Return a phone number as digits (mobile or landline with area code, +86 dropped), or None."""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if _PHONE.fullmatch(digits) else None


def mask(phone: str) -> str:
    """Hide the middle of a phone number."""
    return phone[:3] + "****" + phone[-4:]


def _table(path: Path) -> list[dict[str, str]]:
    """Read the rows of a CSV or XLSX file, keyed by the header's cells."""
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            from openpyxl import load_workbook  # noqa: PLC0415 - only a spreadsheet roster needs it

            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
            values = [[cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            header, body = (values[0], values[1:]) if values else ([], [])
            return [dict(zip(header, row, strict=False)) for row in body if any(row)]
        return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise DistrictFileError([f"{path}: cannot be read ({exc})"]) from exc


def read_roster(path: Path) -> list[RosterRow]:
    """Read and check a roster file."""
    rows, problems = [], []
    for line, raw in enumerate(_table(path), start=2):
        lowered = {str(k).strip().lower(): cell(v) for k, v in raw.items() if k is not None}
        get = {key: next((lowered[n] for n in names if n in lowered), "") for key, names in COLUMNS.items()}
        role = ROLE_WORDS.get(get["role"], get["role"].lower())
        phone = normalise_phone(get["phone"])
        if not get["name"] or phone is None or role not in {r.value for r in STAFF_ROLES} or not get["unit"]:
            problems.append(f"line {line}: needs a name, a phone number, a role ({', '.join(sorted(UNIT_KINDS))}) and a unit")
            continue
        rows.append(RosterRow(get["name"][:128], phone, role, get["unit"], yes(get["head"]), line))
    names: dict[str, str] = {}
    for row in rows:
        if names.setdefault(row.phone, row.name) != row.name:
            problems.append(f"line {row.line}: phone {mask(row.phone)} is {names[row.phone]} on another line, not {row.name}")
    if problems:
        raise DistrictFileError(problems)
    return rows


async def _units(uow: UnitOfWork, rows: Sequence[RosterRow]) -> dict[str, Unit]:
    """Return the units the roster names, checking each role fits its unit."""
    units = {u.code: u for u in (await uow.session.scalars(select(Unit).where(Unit.retired_at.is_(None)))).all()}
    problems = [f"line {r.line}: unknown unit {r.unit!r}" for r in rows if r.unit not in units]
    problems += [
        f"line {r.line}: a {r.role} works in a {' or '.join(UNIT_KINDS[r.role])}, and {r.unit} is a {units[r.unit].kind}"
        for r in rows
        if r.unit in units and units[r.unit].kind not in UNIT_KINDS[r.role]
    ]
    if problems:
        raise DistrictFileError(problems)
    return units


async def import_roster(uow: UnitOfWork, rows: Sequence[RosterRow], now: datetime, invite_lifetime: timedelta, *, reissue: bool = False) -> tuple[Changes, list[IssuedCode]]:
    """Store the roster: people, roles and headships; retire who left; issue the invite codes still owed."""
    changes = Changes("people")
    units = await _units(uow, rows)
    by_id = {u.id: u for u in units.values()}
    known = {p.phone: p for p in (await uow.session.scalars(select(Person).where(Person.source == ROSTER))).all() if p.phone}
    phones = list(dict.fromkeys(r.phone for r in rows))
    heads = {units[r.unit].id: r.phone for r in rows if r.head}
    people: dict[str, Person] = {}
    for phone in phones:
        mine = [r for r in rows if r.phone == phone]
        person = known.get(phone)
        fresh = person is None
        if person is None:
            person = uow.people.add(Person(name=mine[0].name, phone=phone, source=ROSTER, created_at=now))
            await uow.flush()
        said = [] if fresh or person.name == mine[0].name else [f"name {person.name} → {mine[0].name}"]
        restored = person.retired_at is not None
        person.name, person.retired_at = mine[0].name, None
        said += await _roles(uow, person, {(r.role, units[r.unit].id) for r in mine}, by_id, now)
        people[phone] = person
        roles = ", ".join(f"{r.role} {r.unit}" for r in mine)
        if fresh:
            changes.note(ADDED, f"{person.name} {mask(phone)}: {roles}")
        elif restored:
            changes.note(RESTORED, f"{person.name} {mask(phone)} back on the roster: {roles}")
        else:
            changes.note(CHANGED if said else UNCHANGED, f"{person.name} {mask(phone)}: {'; '.join(said)}")
    for phone, person in known.items():
        if phone not in people and person.retired_at is None:
            await _retire(uow, person, now)
            changes.note(RETIRED, f"{person.name} {mask(phone)} left the roster: roles ended, unused codes revoked")
    for unit in units.values():
        wanted = people[heads[unit.id]].id if unit.id in heads else None
        current = unit.head_person_id
        roster_head = current is not None and any(p.id == current for p in [*known.values(), *people.values()])
        if wanted is not None and current != wanted:
            unit.head_person_id = wanted
            changes.note(CHANGED, f"{unit.code} {unit.name}: headed by {people[heads[unit.id]].name}")
        elif wanted is None and roster_head:
            unit.head_person_id = None
            changes.note(CHANGED, f"{unit.code} {unit.name}: no head on the roster")
    await uow.flush()
    codes = await _invites(uow, [(people[p], [r for r in rows if r.phone == p][0]) for p in phones], now, invite_lifetime, reissue=reissue)
    return changes, codes


async def _roles(uow: UnitOfWork, person: Person, wanted: set[tuple[str, int]], units: dict[int, Unit], now: datetime) -> list[str]:
    """Give a roster person exactly the wanted roles; return what changed."""
    said = []
    have = {(b.role, b.unit_id): b for b in await uow.people.bindings(person.id)}
    for role, unit_id in sorted(wanted - set(have)):
        await uow.people.bind(person.id, role, unit_id, now)
        said.append(f"+ {role} {units[unit_id].code}")
    for key in sorted(set(have) - wanted):
        await uow.session.delete(have[key])
        said.append(f"- {key[0]} {units[key[1]].code if key[1] in units else key[1]}")
    return said


async def _retire(uow: UnitOfWork, person: Person, now: datetime) -> None:
    """Retire a person who left the roster: no roles, no unused codes."""
    person.retired_at = now
    await uow.session.execute(delete(RoleBinding).where(RoleBinding.person_id == person.id))
    for invite in await _live_invites(uow, person.id, now):
        invite.revoked_at = now


async def _live_invites(uow: UnitOfWork, person_id: int, now: datetime) -> Sequence[Invite]:
    """Return a person's invites that can still be redeemed."""
    query = select(Invite).where(Invite.person_id == person_id, Invite.used_at.is_(None), Invite.revoked_at.is_(None), Invite.expires_at > now)
    return (await uow.session.scalars(query)).all()


async def _invites(uow: UnitOfWork, people: Sequence[tuple[Person, RosterRow]], now: datetime, lifetime: timedelta, *, reissue: bool) -> list[IssuedCode]:
    """Issue a code to every roster person with no chat account yet and no live code (REISSUE: a new code for all of them)."""
    codes = []
    accounts = set((await uow.session.scalars(select(ChannelAccount.person_id).where(ChannelAccount.person_id.in_([p.id for p, _ in people])))).all())
    for person, row in people:
        if person.id in accounts:
            continue
        live = await _live_invites(uow, person.id, now)
        if live and not reissue:
            continue
        for invite in live:
            invite.revoked_at = now
        issued = await issue_invite(uow, row.role, row.unit, now, lifetime, person_id=person.id)
        codes.append(IssuedCode(person.name, mask(row.phone), row.role, row.unit, issued.code, issued.expires_at))
    return codes
