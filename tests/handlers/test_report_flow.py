"""Transcripts of the report flow (我要反映) through the real dispatcher and database."""

from __future__ import annotations

from sqlalchemy import select

from handlers.messages import InboundKind
from storage.models.cases import Case, CaseEvent
from storage.models.chat import Conversation, OutboxMessage
from storage.models.people import Person, Unit
from tests.handlers.chat import latest_case, report
from tests.handlers.conftest import District


async def _unit(district: District, unit_id: int | None) -> Unit:
    async with district.app.uow() as uow:
        unit = await uow.units.get(unit_id) if unit_id is not None else None
        assert unit is not None
        return unit


async def _events(district: District, case_id: int) -> list[tuple[str, str]]:
    async with district.app.uow() as uow:
        return [(e.action, e.to_status) for e in await uow.events.for_case(case_id)]


async def test_report_happy_path(district: District) -> None:
    chat = district.chat("resident-1")
    await chat.say("/start")
    assert "张三，您好" in chat.text
    await chat.press("我要反映")
    assert "哪一类" in chat.text
    await chat.press("投诉")
    await chat.say("桂香苑7栋门口的井盖松动了")
    await chat.say("晚上有人踩空差点摔倒，太危险了")
    await chat.photo("manhole.jpg")
    assert "共 1 张" in chat.text
    await chat.press("说完了")
    assert "发生在哪里" in chat.text
    await chat.say("桂香苑7栋")
    assert "将转交：区市政设施管理处（依据：" in chat.text and "井盖" in chat.text
    await chat.press("确认")
    await chat.press("使用登记电话")
    assert "类型：投诉" in chat.text and "地点：桂香苑" in chat.text and "138****0001" in chat.text
    await chat.press("提交")
    assert "已受理！编号 QG-20261123-0001，已转交区市政设施管理处办理，预计 11月25日 09:00 前办结" in chat.text

    case = await latest_case(district.app)
    assert case.department_code == "shizheng" and case.request_type == "complaint"
    assert case.text == "桂香苑7栋门口的井盖松动了\n晚上有人踩空差点摔倒，太危险了"
    assert case.photos == ["manhole.jpg"] and case.contact_phone == "13800000001" and not case.anonymous
    assert case.status == "dispatched" and case.jurisdiction_source == "text"
    assert (await _unit(district, case.current_unit_id)).code == "shizheng"
    assert (await _unit(district, case.grid_id)).code == "guixiang-1"
    assert (await _unit(district, case.street_id)).code == "dh"
    assert await _events(district, case.id) == [("register", "registered"), ("dispatch", "dispatched")]

    staff = district.chat("dept-shizheng")
    pushed = await staff.inbox()
    assert len(pushed) == 1 and "【新派单】QG-20261123-0001（投诉）" in pushed[0].payload["text"]
    async with district.app.uow() as uow:
        conversation = await uow.conversations.get("sim", "resident-1")
        assert conversation is not None and conversation.state == "idle" and conversation.expires_at is None


async def test_change_department(local_district: District) -> None:
    chat = local_district.chat("resident-2")
    await chat.say("我要反映")
    await chat.press("投诉")
    await chat.say("小区门口天天有车乱停，堵住了路")
    await chat.press("说完了")
    await chat.press("就在我登记的")
    await chat.press("换一个部门")
    assert "请选择负责的部门" in chat.text
    await chat.press("交警大队")
    await chat.press("不留电话")
    assert "承办：交警大队" in chat.text and "联系方式：不留电话" in chat.text
    await chat.press("提交")
    case = await latest_case(local_district.app)
    assert case.department_code == "jiaojing" and case.classifier_reason == "居民选择"
    assert case.contact_phone is None and not case.anonymous
    assert case.jurisdiction_source == "registered"


async def test_anonymous_report(local_district: District) -> None:
    case = await report(local_district.chat("resident-3"), "楼下烧烤店油烟太大，窗户都不敢开", contact="匿名反映")
    assert case.anonymous and case.contact_phone is None
    assert case.department_code == "chengguan"


async def test_staff_decide_goes_to_triage(local_district: District) -> None:
    chat = local_district.chat("resident-1")
    await chat.say("我要反映")
    await chat.press("求助")
    await chat.say("家门口的路灯不亮了")
    await chat.press("说完了")
    await chat.press("说不清，跳过")
    await chat.press("交给工作人员判断")
    await chat.press("不留电话")
    await chat.press("提交")
    assert "区群工指挥中心将尽快为您分派" in chat.text
    case = await latest_case(local_district.app)
    assert case.status == "registered" and case.department_code == "dispatch"
    assert (await _unit(local_district, case.current_unit_id)).kind == "command_center"
    pushed = await local_district.chat("dispatcher-1").inbox()
    assert len(pushed) == 1 and "【待分派】" in pushed[0].payload["text"]


async def test_shequ_matters_go_to_the_grid_member(local_district: District) -> None:
    case = await report(local_district.chat("resident-1"), "楼道里堆满了杂物和纸箱，邻居说了也不清理", place="桂香苑")
    assert case.department_code == "shequ"
    assert (await _unit(local_district, case.current_unit_id)).code == "guixiang-1"
    assert len(await local_district.chat("grid-guixiang-1").inbox()) == 1


async def test_location_resolves_the_grid(local_district: District) -> None:
    chat = local_district.chat("new:walker")
    await chat.say("我要反映")
    await chat.press("不确定")
    await chat.say("路灯坏了一排，晚上黑漆漆的")
    await chat.press("说完了")
    await chat.location(30.63, 114.31)  # inside 柳岸社区第1网格
    await chat.press("确认")
    await chat.press("不留电话")
    assert "地点：柳岸社区第1网格" in chat.text
    await chat.press("提交")
    case = await latest_case(local_district.app)
    assert case.jurisdiction_source == "coordinate" and (case.lat, case.lon) == (30.63, 114.31)
    assert (await _unit(local_district, case.grid_id)).code == "liuan-1"
    assert case.request_type in {"help", "complaint"}


async def test_text_first_starts_a_report(local_district: District) -> None:
    chat = local_district.chat("new:someone")
    await chat.say("我家停水两天了，什么时候能来水")
    assert "已记下" in chat.text
    await chat.press("说完了")
    async with local_district.app.uow() as uow:
        person = (await uow.session.scalars(select(Person).order_by(Person.id.desc()).limit(1))).first()
        assert person is not None and person.name == "居民" and person.demo_key is None


async def test_unknown_place_asks_again_then_goes_on(local_district: District) -> None:
    chat = local_district.chat("resident-1")
    await chat.say("我要反映")
    await chat.press("投诉")
    await chat.say("有人在公园里遛狗不拴绳")
    await chat.press("说完了")
    await chat.say("火星基地")
    assert "没能识别这个地点" in chat.text
    await chat.say("月球背面")
    assert "将转交" in chat.text or "无法确定" in chat.text


async def test_cancel_mid_flow(district: District) -> None:
    chat = district.chat("resident-1")
    await chat.say("我要反映")
    await chat.press("投诉")
    await chat.say("井盖坏了")
    done = chat.button("说完了")
    await chat.say("取消")
    assert "已取消当前操作" in chat.text
    await chat.send(InboundKind.BUTTON, done.payload)  # the old button has expired
    assert "过期" in chat.text
    async with district.app.uow() as uow:
        assert (await uow.session.scalars(select(Case))).first() is None
        conversation = await uow.conversations.get("sim", "resident-1")
        assert conversation is not None and conversation.state == "idle"


async def test_timeout_ends_the_flow_politely(local_district: District) -> None:
    chat = local_district.chat("resident-1")
    await chat.say("我要反映")
    await chat.press("投诉")
    local_district.clock.advance(minutes=31)
    await chat.say("井盖坏了")
    assert chat.last[0].text.startswith("由于长时间没有回复")
    assert "已记下" in chat.text  # the message itself starts a new report


async def test_restart_mid_flow(restart: tuple[District, District]) -> None:
    before, after = restart
    await before.chat("resident-1").say("我要反映")
    chat = before.chat("resident-1")
    await chat.say("我要反映")
    await chat.press("投诉")
    await chat.say("路灯不亮")
    continued = after.chat("resident-1")
    continued.last = chat.last
    await continued.press("说完了")
    assert "发生在哪里" in continued.text
    await continued.say("东湖路")
    assert "有几处相近的地方" in continued.text  # 东湖路 runs through two grids
    await continued.press("桂香苑社区第2网格")
    await continued.press("确认")
    await continued.press("不留电话")
    await continued.press("提交")
    case = await latest_case(after.app)
    assert case.text == "路灯不亮"


async def test_pushes_are_queued_with_the_case_in_one_transaction(local_district: District) -> None:
    await report(local_district.chat("resident-1"), "东湖路上有个大坑，车开过去很危险")
    async with local_district.app.uow() as uow:
        rows = (await uow.session.scalars(select(OutboxMessage))).all()
        events = (await uow.session.scalars(select(CaseEvent))).all()
        conversations = (await uow.session.scalars(select(Conversation))).all()
    assert len(rows) == 1 and rows[0].channel == "sim" and rows[0].chat_id == "dept-shizheng"
    assert len(events) == 2 and len(conversations) == 1


async def test_a_similar_case_nearby_can_be_followed(district: District) -> None:
    first = await report(district.chat("resident-1"), "桂香苑7栋门口的井盖松动了，晚上很危险")
    chat = district.chat("resident-2")
    await chat.say("我要反映")
    await chat.press("投诉")
    await chat.say("桂香苑7栋门口井盖松动，差点摔倒")
    await chat.press("说完了")
    await chat.say("桂香苑7栋")
    await chat.press("确认")
    await chat.press("不留电话")
    assert f"附近已有相似的诉求正在办理：\n{first.number}" in chat.text
    await chat.press("附议")
    assert f"已附议诉求 {first.number}" in chat.text
    async with district.app.uow() as uow:
        assert (await uow.session.scalars(select(Case))).all()[-1].id == first.id  # no new case
        assert await uow.events.actors_of(first.id, "follow") != []
    staff = district.chat("dept-shizheng")
    assert any("【附议】" in p.payload["text"] for p in await staff.inbox())
    from storage.cases.lifecycle import Action
    from tests.handlers.staff import staff_act

    await staff_act(district, "dept-shizheng", first.id, Action.SIGN)
    assert any("已由区市政设施管理处签收" in p.payload["text"] for p in await chat.inbox())


async def test_a_different_problem_is_not_offered_for_following(local_district: District) -> None:
    await report(local_district.chat("resident-1"), "桂香苑7栋门口的井盖松动了")
    chat = local_district.chat("resident-2")
    await chat.say("我要反映")
    await chat.press("投诉")
    await chat.say("东湖路上的路灯一排都不亮")
    await chat.press("说完了")
    await chat.say("桂香苑7栋")
    await chat.press("确认")
    await chat.press("不留电话")
    assert "请确认您的诉求" in chat.text
