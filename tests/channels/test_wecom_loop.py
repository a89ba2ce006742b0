"""A case handled by a department on WeChat Work while the resident is on the official account: the staff
member signs and completes it with template-card buttons, each pressed card shows who acted, and the
resident's pushes go out on WeChat."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from nlp import Classifier
from storage.models.cases import Case
from storage.models.media import Media
from storage.models.wecom import WeComCard
from tests.bot.test_sim_front_door import jpeg_with_gps
from tests.channels.fake_wechat import FakeWeChat
from tests.channels.fake_wecom import FakeWeCom
from tests.channels.test_wechat import settings as wechat_settings
from tests.channels.test_wecom import invite
from tests.channels.wechat_harness import WeChatUser
from tests.channels.wecom_app import Site, demo_copy, wecom_site

WECOM_MEDIA_ID = "1Rb9VvKsG7Xc0zDk_fake_media"  # the MediaId of fixtures/wecom/image.xml


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeWeCom, FakeWeChat]]:
    """The fake WeChat Work and WeChat APIs."""
    wecom, wechat = FakeWeCom(), FakeWeChat()
    await wecom.start()
    await wechat.start()
    yield wecom, wechat
    await wechat.close()
    await wecom.close()


def pushed(fake: FakeWeChat, openid: str) -> str:
    """Return the texts pushed to a follower through the customer-service API, joined."""
    return "\n".join(b["text"]["content"] for b in fake.called("message/custom/send") if b["touser"] == openid and b["msgtype"] == "text")


async def choose_pushed(user: WeChatUser, fake: FakeWeChat, label: str) -> None:
    """Reply with the number of a menu entry in the newest push that has it."""
    match = re.search(rf"^(\d+)\. [^\n]*{re.escape(label)}", pushed(fake, user.openid).rsplit("回复数字：", 1)[-1], re.MULTILINE)
    assert match, f"no {label!r} in the pushed menu"
    await user.say(match.group(1))


async def drain(site: Site) -> None:
    """Deliver every due push."""
    sender = site.sender()
    while await sender.drain_once():
        pass


async def test_a_department_on_wecom_and_a_resident_on_the_official_account_close_the_loop(
    demo_template: Path, tmp_path: Path, classifier: Classifier, fakes: tuple[FakeWeCom, FakeWeChat]
) -> None:
    wecom_fake, wechat_fake = fakes
    url = demo_copy(demo_template, tmp_path)
    async with wecom_site(url, classifier, wecom_fake, wechat=wechat_settings(wechat_fake)) as site:
        staff = site.member("WangBumen")
        await staff.say(f"绑定 {await invite(site.app, 'department', 'shizheng', '王部门')}")
        resident = site.follower()
        await resident.event("subscribe")
        await resident.choose("我要反映")
        await resident.choose("投诉")
        await resident.say("东湖路上有个大坑，车开过去很危险")
        await resident.choose("说完了")
        await resident.say("东湖路")
        await resident.choose("东湖路（桂香苑社区第2网格）")  # 东湖路 runs through two grids: which part?
        await resident.choose("确认")
        await resident.choose("不留电话")
        await resident.choose("提交")
        number = re.search(r"QG-\d{8}-\d{4}", resident.last.text)
        assert number, resident.last.text

        await drain(site)
        new_case = staff.inbox()
        assert any(number.group(0) in str(m) and "【新派单】" in str(m) for m in new_case), new_case
        await staff.press("查看办理")
        assert "签收" in staff.text and "东湖路上有个大坑" in staff.text
        await staff.press("签收")
        assert "已签收" in staff.text and "办结" in staff.text
        updates = [u.body for u in wecom_fake.called("message/update_template_card")]
        assert [u["button"]["replace_name"] for u in updates] == ["王部门：查看办理", "王部门：签收"]
        assert all(u["userids"] == ["WangBumen"] and u["response_code"].startswith("RC-") for u in updates)
        await drain(site)
        assert "签收" in pushed(wechat_fake, resident.openid)

        await staff.press("办结")
        assert "办结说明" in staff.text
        wecom_fake.media[WECOM_MEDIA_ID] = jpeg_with_gps()
        await staff.image()  # the completion photo: fetched once from WeChat Work into the media store
        assert "共 1 张" in staff.text, staff.text
        assert [c.query["media_id"] for c in wecom_fake.called("media/get")] == [WECOM_MEDIA_ID]
        await staff.say("已填平，恢复通行")
        await drain(site)
        assert "请问问题解决了吗" in pushed(wechat_fake, resident.openid)
        async with site.app.uow() as uow:
            stored = (await uow.session.scalars(select(Media).where(Media.origin.like("wecom%")))).one()
        assert stored.origin == f"{site.wecom.name}:https://wework.qpic.cn/wwpic/283749_fake_photo/0"
        assert dict(Image.open(io.BytesIO(stored.data)).getexif()) == {}  # the GPS position is gone
        uploads = [body for name, body, _ in wechat_fake.calls if name == "media/upload"]
        assert {"media_size": len(stored.data)} in uploads  # the resident sees our copy of the completion photo
        await choose_pushed(resident, wechat_fake, "已解决")
        assert "满意" in resident.last.text
        await resident.choose("满意")
        assert "已结案" in resident.last.text
        await drain(site)
        assert any("【已结案】" in str(m) for m in staff.inbox())

        async with site.app.uow() as uow:
            case = (await uow.session.scalars(select(Case).where(Case.number == number.group(0)))).one()
            acted = (await uow.session.scalars(select(WeComCard.acted_key).where(WeComCard.acted_at.is_not(None)))).all()
        assert case.status == "closed"
        assert len(acted) == 3 and all(key.startswith(("sc:", "so:")) for key in acted)
