"""Recorded Telegram updates → Inbound, and Outbound → Bot API calls (no network)."""

from __future__ import annotations

import pytest

from bot.channels.telegram.common import layout, pressed_message, render, split_text, to_inbound
from handlers.messages import Button, InboundKind, Outbound
from tests.channels.telegram_harness import update_fixture

CHANNEL = "telegram:main"


def test_a_command_with_its_entity() -> None:
    update = update_fixture("command_start")
    inbound = to_inbound(CHANNEL, update)
    assert inbound is not None
    assert (inbound.kind, inbound.payload) == (InboundKind.COMMAND, "/start")
    assert (inbound.channel, inbound.chat_id, inbound.user_id) == (CHANNEL, "5123456789", "5123456789")
    assert inbound.platform_id == "815533401" and inbound.user_name == "晓明 李"
    assert inbound.raw == update


def test_a_command_addressed_to_the_bot_in_a_group() -> None:
    update = update_fixture("command_start")
    update["message"]["text"] = "/report@qungong_bot 井盖坏了"
    inbound = to_inbound(CHANNEL, update)
    assert inbound is not None and inbound.payload == "/report 井盖坏了"


def test_a_text() -> None:
    inbound = to_inbound(CHANNEL, update_fixture("text"))
    assert inbound is not None and (inbound.kind, inbound.payload) == (InboundKind.TEXT, "桂香苑7栋门口的井盖松动了")


def test_a_button_press() -> None:
    update = update_fixture("callback_query")
    inbound = to_inbound(CHANNEL, update)
    assert inbound is not None
    assert (inbound.kind, inbound.payload, inbound.chat_id, inbound.platform_id) == (InboundKind.BUTTON, "m:report", "5123456789", "815533403")
    assert pressed_message(update) == ("2200537711853482721", "5123456789", 1023)
    assert pressed_message(update_fixture("text")) is None


def test_a_photo_takes_the_largest_size() -> None:
    inbound = to_inbound(CHANNEL, update_fixture("photo"))
    assert inbound is not None
    assert (inbound.kind, inbound.photo, inbound.payload) == (InboundKind.PHOTO, "AgACAgUAAxkBAAIBZ2c-large", "井盖")


def test_a_location() -> None:
    inbound = to_inbound(CHANNEL, update_fixture("location"))
    assert inbound is not None
    assert (inbound.kind, inbound.location, inbound.payload) == (InboundKind.LOCATION, (30.63, 114.31), "30.63,114.31")


def test_a_contact_is_a_text_carrying_the_phone_number() -> None:
    inbound = to_inbound(CHANNEL, update_fixture("contact"))
    assert inbound is not None and (inbound.kind, inbound.payload) == (InboundKind.TEXT, "+8613912345678")


def test_updates_we_do_not_use_are_ignored() -> None:
    assert to_inbound(CHANNEL, update_fixture("edited_message")) is None
    sticker = update_fixture("text")
    sticker["message"]["sticker"] = {"file_id": "x"}
    del sticker["message"]["text"]
    assert to_inbound(CHANNEL, sticker) is None


def test_short_labels_share_a_row_long_ones_do_not() -> None:
    buttons = (Button("确认", "a"), Button("换一个部门", "b"), Button("交给工作人员判断", "c"), Button("使用登记电话（138****0001）", "d"), Button("取消", "e"))
    assert [[b.payload for b in row] for row in layout(buttons)] == [["a", "b"], ["c"], ["d"], ["e"]]


@pytest.mark.parametrize(("size", "parts"), [(10, 1), (4096, 1), (4097, 2), (9001, 3)])
def test_split_text_keeps_every_character(size: int, parts: int) -> None:
    text = (("一" * 99 + "\n") * 100)[:size]
    assert len(text) == size and not text.endswith("\n")
    split = split_text(text)
    assert len(split) == parts and all(len(p) <= 4096 for p in split)
    assert "\n".join(split) == text


def test_a_line_longer_than_the_limit_is_cut() -> None:
    assert [len(p) for p in split_text("字" * 5000)] == [4096, 904]


def test_a_photo_with_a_long_text_goes_first_and_the_keyboard_last() -> None:
    sends = render(Outbound("说" * 2000, buttons=(Button("好", "m:help"),), image="AgAC-photo"))
    assert [(s.photo, len(s.text), bool(s.keyboard)) for s in sends] == [("AgAC-photo", 0, False), (None, 2000, True)]
    short = render(Outbound("办结照片", image="AgAC-photo"))
    assert [(s.photo, s.text) for s in short] == [("AgAC-photo", "办结照片")]
