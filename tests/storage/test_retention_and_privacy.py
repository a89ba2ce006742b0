"""Personal data kept no longer than [retention] says, and a person's data exported or erased on request."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.cli.main import main
from storage.models.cases import Case
from storage.models.chat import Conversation, InboundUpdate, OutboxMessage
from storage.models.people import ChannelAccount
from storage.models.runtime import RetentionRun
from storage.privacy import ERASED_NAME, erase_person, export_person
from storage.retention import apply_retention
from storage.settings import RetentionSection
from tests.handlers.chat import latest_case
from tests.handlers.conftest import District

TEXT = "我是张三，电话13912345678，桂香苑7栋门口的路灯坏了"


async def _report_with_photo(district: District, who: str) -> Case:
    """Report a case with a photo and a typed phone number."""
    chat = district.chat(who)
    await chat.say("我要反映")
    await chat.press("投诉")
    await chat.say(TEXT)
    await chat.photo("photo-file-1")
    await chat.press("说完了")
    await chat.say("桂香苑7栋")
    await chat.press("确认")
    await chat.say("13912345678")
    if any(b.label == "仍然新建" for m in chat.last for b in m.buttons):  # a similar open case nearby
        await chat.press("仍然新建")
    await chat.press("提交")
    assert "已受理" in chat.text, chat.text
    return await latest_case(district.app)


async def test_retention_removes_only_what_aged(district: District) -> None:
    """A case closed 400 days ago loses its phone and photos; a recent one keeps them; raw payloads go after 30 days."""
    old, recent = await _report_with_photo(district, "resident-1"), await _report_with_photo(district, "resident-2")
    now = district.clock() + timedelta(days=400)
    async with district.app.uow() as uow:
        await uow.session.execute(update(Case).where(Case.id == old.id).values(status="closed", closed_at=district.clock()))
        await uow.session.execute(update(Case).where(Case.id == recent.id).values(status="closed", closed_at=now - timedelta(days=10)))
        await uow.commit()
    counts = await apply_retention(district.app.session_factory, RetentionSection(batch=2), now)
    assert counts["case_contacts"] == 1 and counts["case_photos"] == 1
    assert counts["raw_payloads"] > 2  # more than one batch of two
    async with district.app.uow() as uow:
        kept_old = await uow.cases.get(old.id)
        kept_recent = await uow.cases.get(recent.id)
        assert kept_old is not None and kept_recent is not None
        assert (kept_old.contact_phone, kept_old.photos) == (None, [])
        assert kept_old.department_code == old.department_code and kept_old.status == "closed"
        assert kept_recent.contact_phone == "13912345678" and kept_recent.photos
        payloads = (await uow.session.scalars(select(InboundUpdate.payload))).all()
        assert all(p == {} for p in payloads)
        assert await uow.session.scalar(select(func.count()).select_from(InboundUpdate)) == len(payloads) > 0  # records stay
        runs = (await uow.session.scalars(select(RetentionRun.kind))).all()
        assert set(runs) == {"case_contacts", "wish_contacts", "case_photos", "wish_photos", "raw_payloads", "idle_conversations"}
    assert (await apply_retention(district.app.session_factory, RetentionSection(), now))["case_contacts"] == 0  # idempotent


async def test_export_holds_everything_about_a_person(district: District) -> None:
    """The export has the person, their accounts, cases, events, messages both ways and conversations."""
    case = await _report_with_photo(district, "resident-1")
    async with district.app.uow() as uow:
        person = await uow.people.get(case.resident_person_id)
        assert person is not None
        data = await export_person(uow.session, person.id)
    json.dumps(data, ensure_ascii=False)
    assert data["person"]["id"] == person.id
    assert [c["number"] for c in data["cases"]] == [case.number]
    assert data["cases"][0]["contact_phone"] == "13912345678"
    assert any(m["payload"].get("payload") == "我要反映" for m in data["messages_received"])
    assert data["accounts"] and data["case_events"] and data["conversations"]


async def test_erase_anonymises_and_keeps_the_facts(district: District) -> None:
    """After erasing: no name, phone, accounts, contacts or raw messages; the case keeps department and status."""
    case = await _report_with_photo(district, "resident-1")
    async with district.app.uow() as uow:
        counts = await erase_person(uow.session, case.resident_person_id)
        await uow.commit()
    assert counts["cases"] == 1 and counts["accounts"] >= 1 and counts["messages"] > 0
    async with district.app.uow() as uow:
        person = await uow.people.get(case.resident_person_id)
        assert person is not None and (person.name, person.phone, person.demo_key) == (ERASED_NAME, None, None)
        kept = await uow.cases.get(case.id)
        assert kept is not None and kept.contact_phone is None and kept.department_code == case.department_code
        assert "13912345678" not in kept.text and "张三" not in kept.text and "路灯" in kept.text
        assert await uow.session.scalar(select(func.count()).select_from(ChannelAccount).where(ChannelAccount.person_id == person.id)) == 0
        assert await uow.session.scalar(select(func.count()).select_from(Conversation).where(Conversation.person_id == person.id)) == 0
        texts = (await uow.session.scalars(select(OutboxMessage.payload).where(OutboxMessage.person_id == person.id))).all()
        assert all(not (t or {}).get("text") for t in texts)
    chat = district.chat("resident-1")  # the same chat writing again is a new, unknown resident
    await chat.say("我是谁")
    async with district.app.uow() as uow:
        account = await uow.session.scalar(select(ChannelAccount).where(ChannelAccount.external_id == "resident-1"))
        assert account is not None and account.person_id != case.resident_person_id


async def test_privacy_commands(district_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`privacy export` writes JSON; `privacy erase` insists on --yes, then anonymises."""
    monkeypatch.setenv("QUNGONG_STORAGE__URL", district_db)
    monkeypatch.setenv("QUNGONG_APP__DEMO", "false")
    out = tmp_path / "export.json"
    assert await asyncio.to_thread(main, ["privacy", "export", "--person", "resident-1", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["person"]["name"]
    assert await asyncio.to_thread(main, ["privacy", "erase", "--person", "resident-1"]) == 1
    assert "--yes" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["privacy", "erase", "--person", "resident-1", "--yes"]) == 0
    assert "erased" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["privacy", "export", "--person", "resident-1"]) == 1  # the demo key is gone with the rest
    assert await asyncio.to_thread(main, ["people", "ban", "--person", "resident-2", "--until", "2099-01-01", "--reason", "辱骂"]) == 0
    assert await asyncio.to_thread(main, ["people", "unban", "--person", "resident-2"]) == 0
    assert await asyncio.to_thread(main, ["status"]) == 0
    printed = capsys.readouterr().out
    assert "scheduler leader: none" in printed and "outbox pending" in printed
