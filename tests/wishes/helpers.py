"""Helpers for the wish tests: seeded wishes, extra party members, pushed messages, events."""

from __future__ import annotations

from datetime import date, timedelta

from handlers.buttons import WishOp
from handlers.messages import InboundKind, outbound_from_payload
from storage.cases.lifecycle import Role
from storage.models.people import ChannelAccount, Person
from storage.wishes.use_cases import Actor, NewWish, approve, events_of, get_wish, post_wish
from tests.districts import District
from tests.handlers.chat import Chat

WISH_TEXT = "我是张三，家住桂香苑7栋2单元301室，电话13912345678。腿脚不便，想要一台助行器。"


async def seeded_wish(district: District, poster: str = "resident-1", *, community: str = "guixiang", publish: bool = True, by_days: int = 30) -> int:
    """Post (and by default publish) a wish through storage, as a resident for themself."""
    now = district.clock()
    async with district.app.uow() as uow:
        person = await uow.people.by_demo_key(poster)
        unit = await uow.units.by_code(community)
        assert person is not None and unit is not None
        new = NewWish(
            category="elderly",
            text=WISH_TEXT,
            wished_by=date(2026, 11, 23) + timedelta(days=by_days),
            contact=f"{person.name} 13912345678",
            community_id=unit.id,
            poster_person_id=person.id,
            poster_role=Role.RESIDENT.value,
            beneficiary_person_id=person.id,
        )
        wish, _ = await post_wish(uow.session, new, now)
        if publish:
            await approve(uow.session, wish.id, "一位老人想要一台助行器。", Actor(None, Role.COMMUNITY.value), now)
        await uow.commit()
        return wish.id


async def add_party_members(district: District, count: int, unit: str = "guixiang") -> list[str]:
    """Create party members bound in storage, each with a simulator account; return their chat keys."""
    now = district.clock()
    keys = []
    async with district.app.uow() as uow:
        community = await uow.units.by_code(unit)
        assert community is not None
        for index in range(count):
            key = f"pm-{index}"
            person = uow.people.add(Person(name=f"党员{index}", created_at=now))
            await uow.flush()
            await uow.people.bind(person.id, Role.PARTY_MEMBER.value, community.id, now)
            uow.people.add_account(ChannelAccount(channel="sim", external_id=key, chat_id=key, person_id=person.id, created_at=now))
            keys.append(key)
        await uow.commit()
    return keys


async def op(chat: Chat, name: str, wish_id: int) -> str:
    """Press a wish action button directly (as a forged or stale button would) and return the reply."""
    await chat.send(InboundKind.BUTTON, WishOp(name, wish_id).pack())
    return chat.text


async def open_pushed(chat: Chat, label: str | None = None) -> str:
    """Show the newest pushed message as the last reply (pressing `label` on it if given); return its text."""
    pushed = await chat.inbox()
    assert pushed, f"nothing pushed to {chat.who}"
    chat.last = [outbound_from_payload(pushed[-1].payload)]
    text = chat.text
    if label is not None:
        await chat.press(label)
    return text


async def status_of(district: District, wish_id: int) -> str:
    """Return a wish's status."""
    async with district.app.uow() as uow:
        wish = await get_wish(uow.session, wish_id)
        assert wish is not None
        return wish.status


async def actions(district: District, wish_id: int) -> list[str]:
    """Return the actions in a wish's history."""
    async with district.app.uow() as uow:
        return [e.action for e in await events_of(uow.session, wish_id)]
