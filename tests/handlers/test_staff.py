"""Staff work in chat: binding, the case card and its actions, the command center, the full loop."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from handlers.messages import InboundKind, outbound_from_payload
from storage.cases.lifecycle import Action
from storage.invites import issue_invite
from tests.handlers.chat import Chat, latest_case, report
from tests.handlers.conftest import District
from tests.handlers.staff import staff_act


async def _invite(district: District, role: str, unit: str, *, hours: float = 72, name: str | None = None) -> str:
    async with district.app.uow() as uow:
        issued = await issue_invite(uow, role, unit, district.clock(), timedelta(hours=hours), person_name=name)
        await uow.commit()
        return issued.code


async def _events(district: District, case_id: int) -> list[tuple[str, str]]:
    async with district.app.uow() as uow:
        return [(e.action, e.to_status) for e in await uow.events.for_case(case_id)]


async def _open_pushed_card(chat: Chat) -> None:
    """Take the newest pushed notice and press its 查看办理 button."""
    pushed = await chat.inbox()
    assert pushed, f"nothing pushed to {chat.who}"
    chat.last = [outbound_from_payload(pushed[-1].payload)]
    await chat.press("查看办理")


async def test_binding_with_a_one_time_code(district: District) -> None:
    code = await _invite(district, "grid_member", "guixiang-2", name="新网格员")
    chat = district.chat("new:recruit")
    await chat.say("我是谁")
    assert "以居民身份" in chat.text
    await chat.say(f"绑定 {code.lower().replace('-', ' ')}")
    assert "绑定成功！您现在是桂香苑社区第2网格的网格员" in chat.text
    await chat.say("/whoami")
    assert "新网格员" in chat.text and "网格员（桂香苑社区第2网格）" in chat.text
    await chat.say("/start")
    assert "工作菜单" in chat.text and "我的任务" in [b.label for m in chat.last for b in m.buttons]
    other = district.chat("new:latecomer")
    await other.say(f"/bind {code}")
    assert "已经使用过了" in other.text


async def test_expired_revoked_and_wrong_codes_are_refused(local_district: District) -> None:
    from storage.invites import revoke_invite

    expired = await _invite(local_district, "community", "liuan", hours=1)
    revoked = await _invite(local_district, "community", "liuan")
    async with local_district.app.uow() as uow:
        await revoke_invite(uow, revoked, local_district.clock())
        await uow.commit()
    local_district.clock.advance(hours=2)
    chat = local_district.chat("new:someone")
    for code, expected in ((expired, "已过期"), (revoked, "已被作废"), ("WRONG-CODE1", "不正确")):
        await chat.say(f"绑定 {code}")
        assert expected in chat.text
    await chat.say("绑定")
    assert "请发送「绑定 邀请码」" in chat.text
    await chat.say("我的任务")
    assert "只对工作人员开放" in chat.text


async def test_the_full_loop(district: District) -> None:
    resident = district.chat("resident-1")
    case = await report(resident, "东湖路上有个大坑，车开过去很危险")
    shizheng = district.chat("dept-shizheng")
    await _open_pushed_card(shizheng)
    assert f"【{case.number}】投诉 · 已派单" in shizheng.text and "居民：张三 13800000001" in shizheng.text
    await shizheng.press("签收")
    assert "已签收" in shizheng.text
    await shizheng.press("转办")
    await shizheng.press("区城市管理局")
    await shizheng.say("路面垃圾和占道问题，应由城管处理")
    assert "已转办" in shizheng.text
    chengguan = district.chat("dept-chengguan")
    await _open_pushed_card(chengguan)
    await chengguan.press("签收")
    await chengguan.press("办结")
    await chengguan.photo("fixed.jpg")
    await chengguan.say("已清理路面并设置警示")
    assert "已办结" in chengguan.text

    pushed = await resident.inbox()
    resident.last = [outbound_from_payload([p for p in pushed if p.kind == "revisit"][-1].payload)]
    await resident.press("未解决")
    await resident.press("不满意")
    await resident.say("坑还在，只放了个牌子")
    assert (await latest_case(district.app)).status == "in_progress"
    await _open_pushed_card(chengguan)
    assert "已签收" in chengguan.text or "办理中" in chengguan.text
    await chengguan.press("办结")
    await chengguan.say("已重新铺设沥青")
    pushed = await resident.inbox()
    resident.last = [outbound_from_payload([p for p in pushed if p.kind == "revisit"][-1].payload)]
    await resident.press("已解决")
    await resident.press("满意")
    final = await latest_case(district.app)
    assert final.status == "closed" and final.redo_count == 1 and final.department_code == "chengguan"
    assert await _events(district, case.id) == [
        ("register", "registered"),
        ("dispatch", "dispatched"),
        ("sign", "signed"),
        ("transfer", "dispatched"),
        ("sign", "signed"),
        ("complete", "completed"),
        ("start_revisit", "revisit"),
        ("redo", "in_progress"),
        ("complete", "completed"),
        ("start_revisit", "revisit"),
        ("confirm_solved", "closed"),
    ]
    async with district.app.uow() as uow:
        completion = [e for e in await uow.events.for_case(case.id) if e.action == "complete"][0]
        assert completion.attachments == ["fixed.jpg"] and completion.note == "已清理路面并设置警示"


async def test_reply_reaches_the_resident_and_their_details_reach_staff(local_district: District) -> None:
    resident = local_district.chat("resident-1")
    case = await report(resident, "东湖路的路灯不亮了")
    staff = local_district.chat("dept-shizheng")
    await _open_pushed_card(staff)
    await staff.press("签收")
    await staff.press("回复居民")
    await staff.say("已安排维修班组明天上午到场")
    texts = [p.payload["text"] for p in await resident.inbox()]
    assert any("工作人员回复：已安排维修班组明天上午到场" in t for t in texts)
    await resident.say("我的诉求")
    await resident.press(f"查看 {case.number}")
    await resident.press("补充材料")
    await resident.say("是东湖路23号门口那盏")
    texts = [p.payload["text"] for p in await staff.inbox()]
    assert any("【居民补充】" in t and "23号" in t for t in texts)


async def test_triage_dispatch_with_the_classifier_picks(local_district: District) -> None:
    resident = local_district.chat("resident-1")
    await resident.say("我要反映")
    await resident.press("投诉")
    await resident.say("小区里的电梯坏了一个星期了，物业一直不修")
    await resident.press("说完了")
    await resident.press("就在我登记的")
    await resident.press("交给工作人员判断")
    await resident.press("不留电话")
    await resident.press("提交")
    center = local_district.chat("dispatcher-1")
    await _open_pushed_card(center)
    labels = [b.label for m in center.last for b in m.buttons]
    assert labels[0] == "派给区住房和城乡建设局" and "其他单位" in labels and "重复诉求结案" in labels
    suggestions = next(line for line in center.text.splitlines() if line.startswith("分拨建议"))
    assert re.search(r"：区住房和城乡建设局 \d+%、.+ \d+%、.+ \d+%$", suggestions)  # the top three, with probabilities
    await center.press("派给区住房和城乡建设局")
    assert "已派单" in center.text
    case = await latest_case(local_district.app)
    assert case.status == "dispatched" and case.department_code == "zhujian"


async def test_return_upheld_and_overruled(local_district: District) -> None:
    first = await report(local_district.chat("resident-1"), "东湖路上有个大坑")
    staff = local_district.chat("dept-shizheng")
    await _open_pushed_card(staff)
    await staff.press("退单")
    await staff.say("该路段属于小区内部道路，不归我们管")
    center = local_district.chat("dispatcher-1")
    await _open_pushed_card(center)
    assert "【退单待裁定】" not in center.text
    await center.press("维持退单并改派")
    await center.press("区住房和城乡建设局")
    await center.say("小区内部道路由住建局协调物业")
    upheld = await latest_case(local_district.app)
    async with local_district.app.uow() as uow:
        unit = await uow.units.get(upheld.current_unit_id)  # type: ignore[arg-type]
    assert upheld.status == "dispatched" and unit is not None and unit.code == "zhujian"

    second = await report(local_district.chat("resident-2"), "东湖路上有个井盖丢了")
    await _open_pushed_card(staff)
    await staff.press("退单")
    await staff.say("不是我们的井盖")
    await center.say("退单待裁定")
    await center.say("/start")
    await center.press("退单待裁定")
    await center.press(second.number)
    await center.press("驳回退单")
    await center.say("市政井盖属于市政设施管理处职责")
    overruled = await latest_case(local_district.app)
    assert overruled.status == "dispatched" and overruled.current_unit_id == second.current_unit_id
    texts = [p.payload["text"] for p in await staff.inbox()]
    assert any("【退单被驳回】" in t and "职责" in t for t in texts)
    assert [a for a, _ in await _events(local_district, first.id)][-2:] == ["return", "uphold_return"]


async def test_extension_approved_and_refused(local_district: District) -> None:
    resident = local_district.chat("resident-1")
    case = await report(resident, "东湖路上有个大坑")
    staff = local_district.chat("dept-shizheng")
    await _open_pushed_card(staff)
    await staff.press("签收")
    await staff.press("申请延期")
    await staff.press("延期3天")
    await staff.say("需要等沥青到货")
    assert "延期申请已提交" in staff.text
    center = local_district.chat("dispatcher-1")
    await _open_pushed_card(center)
    await center.press("批准延期")
    approved = await latest_case(local_district.app)
    assert approved.handle_deadline == case.handle_deadline + timedelta(days=3)  # type: ignore[operator]
    assert any("办理期限已延长至" in p.payload["text"] for p in await resident.inbox())

    await _open_pushed_card(staff)
    await staff.press("申请延期")
    await staff.press("延期1天")
    await staff.say("再等一天")
    await _open_pushed_card(center)
    await center.press("不批准延期")
    await center.say("已经延期过一次")
    refused = await latest_case(local_district.app)
    assert refused.handle_deadline == approved.handle_deadline and refused.extension_requested_until is None
    assert any("【延期未获批准】" in p.payload["text"] for p in await staff.inbox())


async def test_escalate_from_the_grid_to_the_community(local_district: District) -> None:
    case = await report(local_district.chat("resident-1"), "楼道里堆满了杂物", place="桂香苑")
    grid = local_district.chat("grid-guixiang-1")
    await _open_pushed_card(grid)
    await grid.press("签收")
    await grid.press("上报")
    await grid.say("住户不配合，需要社区出面")
    community = local_district.chat("community-guixiang")
    await _open_pushed_card(community)
    assert f"【{case.number}】" in community.text and "签收" in [b.label for m in community.last for b in m.buttons]


async def test_staff_buttons_replayed_by_others_are_refused(local_district: District) -> None:
    case = await report(local_district.chat("resident-1"), "东湖路上有个大坑")
    for who in ("resident-1", "resident-2", "grid-guixiang-1", "dept-chengguan", "party-1"):
        chat = local_district.chat(who)
        for payload in (f"so:sign:{case.id}", f"sc:{case.id}", f"st:transfer:{case.id}:1", f"se:{case.id}:3"):
            replies = await chat.send(InboundKind.BUTTON, payload)
            assert "无权" in replies[0].text or "只对工作人员开放" in replies[0].text, (who, payload, replies[0].text)
    assert (await latest_case(local_district.app)).status == "dispatched"
    await staff_act(local_district, "dept-shizheng", case.id, Action.SIGN)
    sign_again = await local_district.chat("dept-shizheng").send(InboundKind.BUTTON, f"so:sign:{case.id}")
    assert "不能进行这个操作" in sign_again[0].text


# The authorisation matrix: which identities see which actions on a case's card.
OWN_GRID, OTHER_GRID = "grid-guixiang-1", "grid-guixiang-2"
HANDLER_OPS_SIGNED = {"reply", "complete", "transfer", "return", "extend", "note", "start"}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (OWN_GRID, {"sign", "transfer", "escalate", "return", "note"}),
        (OTHER_GRID, None),
        ("community-guixiang", None),
        ("street-dh", None),
        ("dept-shizheng", None),
        ("dispatcher-1", {"transfer", "note", "dup", "notresp"}),
        ("leader-district", set()),
        ("admin", set()),
        ("party-1", None),
        ("resident-1", None),
    ],
)
async def test_who_may_do_what_on_a_dispatched_grid_case(local_district: District, who: str, expected: set[str] | None) -> None:
    case = await report(local_district.chat("resident-1"), "楼道里堆满了杂物", place="桂香苑")
    chat = local_district.chat(who)
    replies = await chat.send(InboundKind.BUTTON, f"sc:{case.id}")
    if expected is None:
        assert "无权" in replies[0].text or "只对工作人员开放" in replies[0].text
        return
    ops = {b.payload.split(":")[1] for m in replies for b in m.buttons if b.payload.startswith("so:")}
    assert ops == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("dept-shizheng", HANDLER_OPS_SIGNED),
        ("dept-chengguan", None),
        ("dispatcher-1", {"transfer", "note"}),
        (OWN_GRID, None),
    ],
)
async def test_who_may_do_what_on_a_signed_department_case(local_district: District, who: str, expected: set[str] | None) -> None:
    case = await report(local_district.chat("resident-1"), "东湖路上有个大坑")
    await staff_act(local_district, "dept-shizheng", case.id, Action.SIGN)
    replies = await local_district.chat(who).send(InboundKind.BUTTON, f"sc:{case.id}")
    if expected is None:
        assert "无权" in replies[0].text
        return
    assert {b.payload.split(":")[1] for m in replies for b in m.buttons if b.payload.startswith("so:")} == expected
