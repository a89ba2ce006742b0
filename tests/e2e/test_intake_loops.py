"""Cases that do not come from a resident's own chat walk their loops in the running app: a grid member's patrol
report (reported, and fixed on the spot), and an operator's case for a caller without chat, closed by the command
center's phone revisit. Driven over the simulator's HTTP API against `qungong run`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re

from tests.e2e.conftest import assert_clean
from tests.e2e.process import Server
from tests.e2e.simclient import SimClient

GRID_MEMBER, DEPARTMENT, OPERATOR, CENTER = "grid-guixiang-2", "dept-shizheng", "operator-1", "dispatcher-1"
NUMBER = re.compile(r"QG-\d{8}-\d{4}")


def _number(text: str) -> str:
    found = NUMBER.search(text)
    assert found, text
    return found.group(0)


def _cases_of(server: Server, person: str) -> dict[str, dict[str, object]]:
    """Return the cases a person reported, by number, from `qungong privacy export`."""
    exported = json.loads(server.qungong("privacy", "export", "--person", person).stdout)
    return {str(c["number"]): c for c in exported["cases"]}


def _patrol_to_summary(sim: SimClient, text: str) -> None:
    sim.say(GRID_MEMBER, "菜单")
    sim.press(GRID_MEMBER, "网格员上报")
    sim.send(GRID_MEMBER, photo="scene-1.jpg")
    sim.say(GRID_MEMBER, text)
    sim.press(GRID_MEMBER, "在本网格")
    assert "请确认上报内容" in sim.text(sim.last[GRID_MEMBER])


def test_a_patrol_report_reaches_the_department_and_closes_when_completed(demo_server: Server, sim: SimClient) -> None:
    _patrol_to_summary(sim, "东湖路上有个大坑，车开过去很危险")
    number = _number(sim.text(sim.press(GRID_MEMBER, "上报")))
    sim.wait_for(DEPARTMENT, f"【新派单】{number}")
    sim.press(DEPARTMENT, "查看办理")
    sim.press(DEPARTMENT, "签收")
    sim.press(DEPARTMENT, "办结")
    sim.send(DEPARTMENT, photo="repair-1.jpg")
    done = sim.say(DEPARTMENT, "已用沥青填平")
    assert "已办结并结案" in sim.text(done), sim.text(done)
    assert _cases_of(demo_server, GRID_MEMBER)[number]["status"] == "closed"
    assert not [m for m in sim.inbox(GRID_MEMBER) if number in str(m.get("text", ""))]  # no revisit, no resident notices
    assert_clean(demo_server)


def test_a_patrol_report_fixed_on_the_spot_is_closed_at_once(demo_server: Server, sim: SimClient) -> None:
    _patrol_to_summary(sim, "桂香苑7栋门口的垃圾堆了好几天")
    sim.press(GRID_MEMBER, "已就地解决")
    sim.send(GRID_MEMBER, photo="fixed-1.jpg")
    done = sim.say(GRID_MEMBER, "已清理干净")
    assert "已记录就地解决" in sim.text(done), sim.text(done)
    number = _number(sim.text(done))
    assert _cases_of(demo_server, GRID_MEMBER)[number]["status"] == "closed"
    assert_clean(demo_server)


def test_an_operators_case_for_a_caller_closes_by_phone_revisit(demo_server: Server, sim: SimClient) -> None:
    sim.say(OPERATOR, "菜单")
    sim.press(OPERATOR, "代为登记")
    sim.say(OPERATOR, "李大爷")
    sim.say(OPERATOR, "13912345678")
    sim.press(OPERATOR, "投诉")
    sim.say(OPERATOR, "东湖路上有个大坑，车开过去很危险")
    sim.press(OPERATOR, "说完了")
    sim.say(OPERATOR, "东湖路")
    sim.press(OPERATOR, "桂香苑社区第2网格")
    summary = sim.press(OPERATOR, "确认")
    assert "来电人 李大爷 139****5678" in sim.text(summary), sim.text(summary)
    filed = sim.press(OPERATOR, "提交")
    assert "已为来电人李大爷代为登记" in sim.text(filed), sim.text(filed)
    number = _number(sim.text(filed))
    sim.wait_for(DEPARTMENT, f"【新派单】{number}")
    sim.press(DEPARTMENT, "查看办理")
    sim.press(DEPARTMENT, "签收")
    sim.press(DEPARTMENT, "办结")
    sim.say(DEPARTMENT, "已修补")
    sim.wait_for(CENTER, f"【电话回访】{number}")
    sim.press(CENTER, "查看办理")
    sim.press(CENTER, "电话回访")
    sim.press(CENTER, "已解决")
    closed = sim.press(CENTER, "满意")
    assert "已结案" in sim.text(closed), sim.text(closed)
    assert _cases_of(demo_server, "李大爷")[number]["status"] == "closed"
    assert_clean(demo_server)
