"""What the database commands share: one unit of work per command, mistakes printed as one line, and
finding a person the way an administrator names them."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.app import build_app
from bot.config.schema import Config
from storage.invites import InviteError
from storage.migrate import ensure_schema_current
from storage.models.people import Person
from storage.uow import UnitOfWork

EXIT_FAILURE = 1


class CommandError(Exception):
    """A mistake in a command's arguments or data, printed as one line."""


def run_with_uow(config: Config, work: object) -> int:
    """Run one database task with the app's unit of work, printing mistakes as one line."""

    async def runner() -> int:
        app = build_app(config)
        try:
            await ensure_schema_current(app.engine)
            async with app.uow() as uow:
                return await work(uow)  # type: ignore[operator, no-any-return]
        except (CommandError, InviteError) as exc:
            print(f"qungong: {exc}")
            return EXIT_FAILURE
        finally:
            await app.close()

    return asyncio.run(runner())


async def find_person(uow: UnitOfWork, ref: str) -> Person:
    """Find a person by id, demo key or exact name."""
    if ref.isascii() and ref.isdigit() and len(ref) < 10 and (person := await uow.people.get(int(ref))) is not None:
        return person
    if (person := await uow.people.by_demo_key(ref)) is not None:
        return person
    matches = (await uow.session.scalars(select(Person).where(Person.name == ref))).all()
    if len(matches) == 1:
        return matches[0]
    raise CommandError(f"no single person matches {ref!r} ({len(matches)} found); use the id from `qungong people list`")
