"""Recorded WeChat Work callback XML → Inbound, and replies → texts, images and cards (no network)."""

from __future__ import annotations

import pytest

from bot.channels.wecom.inbound import card_press, to_inbound
from bot.channels.wecom.render import Card, Image, Text, card_json, label, render
from handlers.messages import Button, InboundKind, Outbound
from storage.geo import GCJ02, WGS84, to_stored
from tests.channels.wecom_harness import callback_xml

USER = "WangWangge"


def test_a_text_keeps_its_msgid() -> None:
    inbound = to_inbound("wecom", callback_xml("text", user=USER, time=1795827600, content="我的任务", msg_id=7301000000000001, agent=1000002))
    assert inbound is not None
    assert (inbound.kind, inbound.payload, inbound.platform_id) == (InboundKind.TEXT, "我的任务", "msg:7301000000000001")
    assert (inbound.chat_id, inbound.user_id, inbound.raw["AgentID"]) == (USER, USER, "1000002")


def test_photos_and_locations() -> None:
    photo = to_inbound("wecom", callback_xml("image", user=USER, time=1, msg_id=2, agent=1))
    assert photo is not None and (photo.kind, photo.photo) == (InboundKind.PHOTO, "https://wework.qpic.cn/wwpic/283749_fake_photo/0")
    stored = to_stored(30.63, 114.31, GCJ02)  # WeChat Work sends GCJ-02; QunGong stores WGS-84
    assert abs(stored[0] - 30.63) > 1e-3
    place = to_inbound("wecom", callback_xml("location", user=USER, time=1, msg_id=3, agent=1))
    assert place is not None and place.location == pytest.approx(stored)
    report = to_inbound("wecom", callback_xml("event_location", user=USER, time=1, agent=1))
    assert report is not None and report.location == pytest.approx(stored)
    as_sent = to_inbound("wecom", callback_xml("location", user=USER, time=1, msg_id=3, agent=1), WGS84)
    assert as_sent is not None and as_sent.location == (30.63, 114.31)


def test_entering_the_application_greets_once_a_day() -> None:
    morning = to_inbound("wecom", callback_xml("event_enter_agent", user=USER, time=1795827600, agent=1))
    evening = to_inbound("wecom", callback_xml("event_enter_agent", user=USER, time=1795827600 + 3600 * 10, agent=1))
    tomorrow = to_inbound("wecom", callback_xml("event_enter_agent", user=USER, time=1795827600 + 86_400, agent=1))
    assert morning is not None and evening is not None and tomorrow is not None
    assert (morning.kind, morning.payload) == (InboundKind.COMMAND, "/start")
    assert morning.platform_id == evening.platform_id != tomorrow.platform_id


def test_menu_clicks_and_card_presses_are_buttons() -> None:
    click = to_inbound("wecom", callback_xml("event_click", user=USER, time=1795827601, key="sm:tasks", agent=1))
    assert click is not None and (click.kind, click.payload, click.platform_id) == (InboundKind.BUTTON, "sm:tasks", f"ev:{USER}:1795827601:click")
    xml = callback_xml("event_template_card", user=USER, time=1795827602, key="so:sign:12", task_id="qg0123", response_code="RC-1", agent=1)
    press = to_inbound("wecom", xml)
    assert press is not None and (press.kind, press.payload) == (InboundKind.BUTTON, "so:sign:12")
    assert card_press(press) == ("qg0123", "RC-1") and card_press(click) is None
    again = to_inbound("wecom", xml)
    other = to_inbound("wecom", xml.replace("so:sign:12", "so:reply:12"))
    assert again is not None and other is not None and press.platform_id == again.platform_id != other.platform_id
    assert len(press.platform_id) <= 128


def test_kinds_we_do_not_use_are_ignored_and_garbage_refused() -> None:
    voice = callback_xml("text", user=USER, time=1, content="", msg_id=5, agent=1).replace("<![CDATA[text]]>", "<![CDATA[voice]]>")
    assert to_inbound("wecom", voice) is None
    assert to_inbound("wecom", callback_xml("event_click", user=USER, time=1, key="x", agent=1).replace("click", "view")) is None
    with pytest.raises(ValueError, match="not a WeChat Work message"):
        to_inbound("wecom", "<xml><oops")
    with pytest.raises(ValueError, match="malformed"):
        to_inbound("wecom", callback_xml("text", user="x" * 65, time=1, content="hi", msg_id=6, agent=1))
    with pytest.raises(ValueError, match="malformed"):
        to_inbound("wecom", callback_xml("event_template_card", user=USER, time=1, key="m:help", task_id="", response_code="", agent=1))


def test_a_short_message_with_buttons_is_one_card() -> None:
    parts = render(Outbound("【新派单】QG-20261123-0001\n东湖路上有个大坑", buttons=(Button("查看办理", "sc:1"),)), "zh")
    assert parts == [Card("【新派单】QG-20261123-0001", "东湖路上有个大坑", (Button("查看办理", "sc:1"),))]
    body = card_json(parts[0], "qgTASK")  # type: ignore[arg-type]
    assert body == {
        "card_type": "button_interaction", "main_title": {"title": "【新派单】QG-20261123-0001"}, "task_id": "qgTASK",
        "button_list": [{"text": "查看办理", "style": 1, "key": "sc:1"}], "sub_title_text": "东湖路上有个大坑",
    }


def test_a_long_card_goes_first_as_text_and_a_photo_link_with_it() -> None:
    text = "【QG-20261123-0001】投诉 · 已派单 · 🟢\n内容：" + "路面塌陷" * 40
    parts = render(Outbound(text, buttons=(Button("签收", "so:sign:1"), Button("签收", "so:sign:1")), image="https://img.example/1.jpg"), "zh")
    assert isinstance(parts[0], Text) and parts[0].content.endswith('<a href="https://img.example/1.jpg">查看图片</a>')
    assert isinstance(parts[-1], Card) and parts[-1].title == "【QG-20261123-0001】投诉 · 已派单 · 🟢"[:25] + "…"
    assert parts[-1].buttons == (Button("签收", "so:sign:1"),)  # a card's keys must differ


def test_plain_texts_and_images() -> None:
    assert render(Outbound("长" * 1300), "zh") == [Text("长" * 600), Text("长" * 600), Text("长" * 100)]
    assert render(Outbound("周报", image="/tmp/chart.png"), "en") == [Text("周报"), Image("/tmp/chart.png")]


@pytest.mark.parametrize(("text", "shown"), [("签收", "签收"), ("派往区市政设施管理处维修科", "派往区市政设施管理…"), ("QG-20261123-0001", "QG-20261123-0001")])
def test_button_labels_fit(text: str, shown: str) -> None:
    assert label(text) == shown
