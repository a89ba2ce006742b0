"""Recorded WeChat callback XML → Inbound, and replies → numbered menus (no network)."""

from __future__ import annotations

import pytest

from bot.channels.wechat.inbound import menu_number, to_inbound
from bot.channels.wechat.render import render
from handlers.messages import Button, InboundKind, Outbound
from tests.channels.wechat_harness import callback_xml

OPENID = "oXyZ3s1QunGongFollower00001"


def test_a_text_keeps_its_msgid() -> None:
    inbound = to_inbound("wechat", callback_xml("text", openid=OPENID, time=1795827600, content="井盖坏了", msg_id=24601000000000001))
    assert inbound is not None
    assert (inbound.kind, inbound.payload, inbound.platform_id) == (InboundKind.TEXT, "井盖坏了", "msg:24601000000000001")
    assert (inbound.chat_id, inbound.user_id, inbound.raw["ToUserName"]) == (OPENID, OPENID, "gh_3f1a9c2b7d5e")


def test_a_slash_text_is_a_command() -> None:
    inbound = to_inbound("wechat", callback_xml("text", openid=OPENID, time=1, content="/start", msg_id=2))
    assert inbound is not None and inbound.kind is InboundKind.COMMAND


def test_an_image_uses_the_picture_url() -> None:
    inbound = to_inbound("wechat", callback_xml("image", openid=OPENID, time=1, msg_id=3))
    assert inbound is not None and (inbound.kind, inbound.photo) == (InboundKind.PHOTO, "http://mmbiz.qpic.cn/mmbiz_jpg/5Zq1b0fake/0")


def test_a_location_message() -> None:
    inbound = to_inbound("wechat", callback_xml("location", openid=OPENID, time=1, msg_id=4))
    # WeChat's map picker gives GCJ-02 in mainland China; the grids are in WGS-84 (about 600 m apart here)
    assert inbound is not None and (inbound.kind, inbound.location) == (InboundKind.LOCATION, (30.632395, 114.304553))


def test_events_are_identified_by_sender_time_and_kind() -> None:
    subscribe = to_inbound("wechat", callback_xml("event_subscribe", openid=OPENID, time=1795827600))
    assert subscribe is not None and (subscribe.kind, subscribe.payload) == (InboundKind.COMMAND, "/start")
    assert subscribe.platform_id == f"ev:{OPENID}:1795827600:subscribe"
    click = to_inbound("wechat", callback_xml("event_click", openid=OPENID, time=1795827601, key="m:cases"))
    assert click is not None and (click.kind, click.payload) == (InboundKind.BUTTON, "m:cases")
    located = to_inbound("wechat", callback_xml("event_location", openid=OPENID, time=1795827602))
    assert located is not None and (located.kind, located.location) == (InboundKind.LOCATION, (30.63, 114.31))


def test_kinds_we_do_not_use_are_ignored_and_garbage_refused() -> None:
    voice = callback_xml("text", openid=OPENID, time=1, content="", msg_id=5).replace("<![CDATA[text]]>", "<![CDATA[voice]]>")
    assert to_inbound("wechat", voice) is None
    with pytest.raises(ValueError, match="not a WeChat message"):
        to_inbound("wechat", "<xml><oops")


@pytest.mark.parametrize(("text", "number"), [("1", 1), (" 2 ", 2), ("１", None), ("12", 12), ("1栋", None), ("123", None)])
def test_menu_numbers(text: str, number: int | None) -> None:
    assert menu_number(text) == number


def test_buttons_become_one_numbered_menu() -> None:
    rendered = render(
        [Outbound("您好", buttons=(Button("我要反映", "m:report"), Button("帮助", "m:help"))), Outbound("还有", buttons=(Button("我的诉求", "m:cases"),))],
        "zh",
    )
    assert rendered.texts == ("您好\n回复数字：\n1. 我要反映\n2. 帮助\n\n还有\n回复数字：\n3. 我的诉求",)
    assert rendered.payloads == ("m:report", "m:help", "m:cases") and rendered.fits_one_message()


def test_long_answers_and_media_do_not_fit_a_passive_reply() -> None:
    assert not render([Outbound("长" * 1500)], "zh").fits_one_message()
    photo = render([Outbound("办结照片", image="MEDIA_ID_1")], "zh")
    assert photo.images == ("MEDIA_ID_1",) and not photo.fits_one_message()
    link = render([Outbound("办结照片", image="https://img.example/1.jpg")], "en")
    assert link.texts == ('办结照片\n<a href="https://img.example/1.jpg">View the photo</a>',)
