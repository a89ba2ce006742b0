"""`qungong invite` and `qungong people`: issue and revoke staff invites, list and unbind people, attach a
WeChat Work account to a person."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.channels.settings import WECOM_USER_ID as USER_ID
from bot.cli import bans
from bot.cli.common import CommandError, find_person, run_with_uow
from bot.config.schema import Config
from storage.accounts import attach_account
from storage.invites import STAFF_ROLES, issue_invite, revoke_invite, unbind
from storage.models.people import Person
from storage.uow import UnitOfWork

EXIT_OK, EXIT_FAILURE = 0, 1


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the invite and people commands."""
    invite = sub.add_parser(
        "invite",
        help="issue a one-time staff code (--role ROLE --unit UNIT [--person NAME]) or `invite revoke CODE`",
    )
    invite.add_argument("action", nargs="?", choices=["revoke"], help="revoke an unused code")
    invite.add_argument("code", nargs="?", help="the code to revoke")
    invite.add_argument("--role", choices=sorted(r.value for r in STAFF_ROLES))
    invite.add_argument("--unit", help="unit code, e.g. guixiang-1, shizheng, dispatch")
    invite.add_argument("--person", help="the staff member's name, set on redemption")
    invite.set_defaults(func=cmd_invite)
    people = sub.add_parser("people", help="list people and their roles, or unbind a role")
    people_sub = people.add_subparsers(dest="people_command", metavar="PEOPLE_COMMAND", required=True)
    people_sub.add_parser("list", help="list staff and their roles and units").set_defaults(func=cmd_people_list)
    unbind_parser = people_sub.add_parser("unbind", help="remove a person's roles (all, or one role/unit)")
    unbind_parser.add_argument("--person", required=True, help="person id, demo key or exact name")
    unbind_parser.add_argument("--role", choices=sorted(r.value for r in STAFF_ROLES))
    unbind_parser.add_argument("--unit", help="unit code")
    unbind_parser.set_defaults(func=cmd_people_unbind)
    bans.add_commands(people_sub)
    bind_parser = people_sub.add_parser("bind", help="attach a chat account to a person: --wecom USERID (no invite code needed)")
    bind_parser.add_argument("--wecom", required=True, metavar="USERID", help="the member's UserID in WeChat Work (通讯录 → 账号)")
    bind_parser.add_argument("--person", required=True, help="person id, demo key or exact name")
    bind_parser.add_argument("--channel", metavar="NAME", help="which WeChat Work channel (default: the only one configured)")
    bind_parser.set_defaults(func=cmd_people_bind)


def cmd_invite(args: argparse.Namespace, config: Config) -> int:
    """Issue an invite code, or revoke one."""
    now = datetime.now(UTC)

    async def work(uow: UnitOfWork) -> int:
        if args.action == "revoke":
            if not args.code:
                raise CommandError("usage: qungong invite revoke CODE")
            await revoke_invite(uow, args.code, now)
            await uow.commit()
            print("invite revoked")
            return EXIT_OK
        if not args.role or not args.unit:
            raise CommandError("usage: qungong invite --role ROLE --unit UNIT [--person NAME]")
        lifetime = timedelta(hours=config.invites.lifetime_hours)
        issued = await issue_invite(uow, args.role, args.unit, now, lifetime, person_name=args.person)
        await uow.commit()
        expires = issued.expires_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
        print(f"{issued.code}\n(one use; send 绑定 {issued.code} or /bind {issued.code} to the bot before {expires})")
        return EXIT_OK

    return run_with_uow(config, work)


def cmd_people_unbind(args: argparse.Namespace, config: Config) -> int:
    """Remove a person's roles."""

    async def work(uow: UnitOfWork) -> int:
        person = await find_person(uow, args.person)
        unit_id = None
        if args.unit:
            unit = await uow.units.by_code(args.unit)
            if unit is None:
                raise CommandError(f"unknown unit {args.unit!r}")
            unit_id = unit.id
        removed = await unbind(uow, person.id, args.role, unit_id)
        await uow.commit()
        print(f"removed {removed} role binding(s) from {person.name} (#{person.id})")
        return EXIT_OK if removed else EXIT_FAILURE

    return run_with_uow(config, work)


def cmd_people_list(args: argparse.Namespace, config: Config) -> int:
    """List the people who hold a role."""

    async def work(uow: UnitOfWork) -> int:
        for person in (await uow.session.scalars(select(Person).order_by(Person.id))).all():
            bindings = await uow.people.bindings(person.id)
            for binding in bindings:
                unit = await uow.units.get(binding.unit_id)
                print(f"#{person.id:<5} {person.name:<8} {binding.role:<15} {unit.code if unit else '?'}")
        return EXIT_OK

    return run_with_uow(config, work)


def wecom_channel_name(config: Config, name: str | None) -> str:
    """Return the name of the WeChat Work channel to use, or raise CommandError."""
    found = [c.name for c in config.channels if c.kind == "wecom" and (name is None or c.name == name)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise CommandError(f"no WeChat Work channel{f' named {name}' if name else ''} in the configuration ([[channels]] kind = \"wecom\")")
    raise CommandError(f"several WeChat Work channels ({', '.join(found)}): pick one with --channel")


def cmd_people_bind(args: argparse.Namespace, config: Config) -> int:
    """Attach a WeChat Work UserID to a person."""
    if not USER_ID.fullmatch(args.wecom):
        print(f"qungong: {args.wecom!r} is not a WeChat Work UserID (1-64 letters, digits, _ - @ .)")
        return EXIT_FAILURE
    try:
        channel = wecom_channel_name(config, args.channel)
    except CommandError as exc:
        print(f"qungong: {exc}")
        return EXIT_FAILURE

    async def work(uow: UnitOfWork) -> int:
        person = await find_person(uow, args.person)
        outcome = await attach_account(uow, person.id, channel, args.wecom, datetime.now(UTC))
        await uow.commit()
        print(f"{channel} {args.wecom} → {person.name} (#{person.id}): {outcome}")
        if not await uow.people.bindings(person.id):
            print("note: this person holds no staff role yet, so the application will tell them it is for staff only")
        return EXIT_OK

    return run_with_uow(config, work)
