"""The closed loop (闭环) in the running app: `qungong run` with its scheduler and outbox sender, driven
over HTTP like the README's walk-through, on SQLite and PostgreSQL. Every push must reach its reader.
Leaders sign in to the data cockpit and read the figures `qungong report` gives."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.cockpit.conftest import cards
from tests.e2e.cockpit_client import LINK, Browser, last_month
from tests.e2e.conftest import assert_clean
from tests.e2e.process import Server
from tests.e2e.simclient import SimClient
from tests.e2e.walks import closed_loop, report, wish_loop

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_readme_walk_closes_the_loop(demo_server: Server, sim: SimClient) -> None:
    number = closed_loop(sim)
    sim.say("resident-1", "我的诉求")
    assert f"{number}【已结案】" in sim.text(sim.last["resident-1"])
    assert_clean(demo_server)


def test_a_micro_wish_from_post_to_thanks(demo_server: Server, sim: SimClient) -> None:
    wish_loop(sim)
    assert_clean(demo_server)


def _pushes(sim: SimClient, who: str, number: str) -> list[str]:
    """Wait a pause, then return the texts pushed to WHO that name a case."""
    import time

    time.sleep(sim.pause)
    return [str(m["text"]) for m in sim.inbox(who) if number in str(m.get("text", ""))]


def test_yellow_and_red_lights_reach_the_unit_and_the_center_once(demo_server: Server, sim: SimClient) -> None:
    dispatched = datetime.now(UTC)
    number = report(sim, "resident-3", "东郊大道路边的垃圾桶满了好几天没人清运，臭气熏天", "东郊大道")
    department = "dept-chengguan"
    sim.wait_for(department, f"【新派单】{number}")
    sim.press(department, "查看办理")
    sim.press(department, "签收")
    for hours in (25, 25):  # the second sweep at the same time finds nothing new
        demo_server.qungong("jobs", "run", "light_sweep", "--now", (dispatched + timedelta(hours=hours)).isoformat())
    assert [t for t in _pushes(sim, department, number) if "【黄灯提醒】" in t] != []
    assert _pushes(sim, department, number) == []
    for hours in (49, 49):
        demo_server.qungong("jobs", "run", "light_sweep", "--now", (dispatched + timedelta(hours=hours)).isoformat())
    unit = _pushes(sim, department, number)
    assert sum("【红灯督办】" in t for t in unit) == 1 and sum("【情况说明】" in t for t in unit) == 1, unit
    center = _pushes(sim, "dispatcher-1", number)
    assert sum("【红灯督办】" in t for t in center) == 1, center
    assert _pushes(sim, department, number) == [] and _pushes(sim, "dispatcher-1", number) == []
    assert_clean(demo_server)


def test_a_leaders_weekly_report_arrives_with_its_chart(demo_server: Server, sim: SimClient) -> None:
    today = datetime.now(SHANGHAI).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    at = datetime(monday.year, monday.month, monday.day, 8, 5, tzinfo=SHANGHAI)
    demo_server.qungong("jobs", "run", "weekly_report", "--now", at.isoformat())
    report_message = sim.wait_for("leader-district", "受理")
    image = report_message.get("image")
    assert isinstance(image, str) and image.startswith("/sim/media/"), report_message
    with urllib.request.urlopen(demo_server.base + image, timeout=10) as chart:  # noqa: S310 - the local test server
        assert chart.status == 200 and chart.read(8) == b"\x89PNG\r\n\x1a\n"
    assert_clean(demo_server)


def test_a_leader_asks_for_this_weeks_report_in_chat(demo_server: Server, sim: SimClient) -> None:
    sim.say("leader-dh", "菜单")
    replies = sim.press("leader-dh", "本周报告")
    assert "正在生成本周" in sim.text(replies)
    report_message = sim.wait_for("leader-dh", "受理", timeout=30)
    assert str(report_message.get("image", "")).startswith("/sim/media/")
    assert_clean(demo_server)


def test_a_leader_signs_in_from_chat_and_reads_the_reports_figures(demo_server: Server, sim: SimClient) -> None:
    sim.say("leader-district", "驾驶舱")
    found = LINK.search(sim.text(sim.last["leader-district"]))
    assert found is not None, sim.last["leader-district"]
    browser = Browser()
    status, page = browser.sign_in(found.group(1))
    assert status == 200 and "data-card=\"received\"" in page
    first, last, period = last_month()
    query = f"period=custom&from={first}&to={last}"
    status, page = browser.get(f"{demo_server.base}/cockpit/?{query}")
    shown = cards(page)
    printed = demo_server.qungong("report", "--period", period, "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(printed)))
    total = dict(zip(rows[0], rows[1], strict=True))
    assert shown["received"] == total["受理"] and int(total["受理"]) > 100
    assert shown["completed"] == f"{total['办结']}/{int(total['受理']) - int(total['撤单'])}"
    assert shown["satisfaction_rate"] == f"{float(total['满意率']) * 100:.1f}%"
    status, live = browser.get(f"{demo_server.base}/cockpit/api/live?{query}")
    assert status == 200 and {k: v["value"] for k, v in json.loads(live)["cards"].items()} == shown
    assert browser.sign_in(found.group(1))[0] == 403  # the link was used
    status, public = Browser().get(f"{demo_server.base}/public/")
    assert status == 200 and "青禾区" in public
    assert_clean(demo_server)


def test_an_administrator_issues_a_link_on_the_command_line(demo_server: Server) -> None:
    printed = demo_server.qungong("cockpit", "link", "--person", "钱甲").stdout
    found = LINK.search(printed)
    assert found is not None, printed
    status, page = Browser().sign_in(found.group(1))
    assert status == 200 and "青禾区" in page  # (residents are refused: tests/cockpit/test_access.py)


def test_the_command_center_sees_the_top_three_with_probabilities(demo_server: Server, sim: SimClient) -> None:
    who = "resident-2"
    sim.say(who, "我要反映")
    sim.press(who, "投诉")
    sim.say(who, "小区里的电梯坏了一个星期了，物业一直不修")
    sim.press(who, "说完了")
    sim.say(who, "东湖路")
    sim.press(who, "桂香苑社区第2网格")  # 东湖路 runs through two grids: which part?
    sim.press(who, "交给工作人员判断")
    sim.press(who, "不留电话")
    replies = sim.press(who, "提交")
    number = re.search(r"QG-\d{8}-\d{4}", sim.text(replies))
    assert number, sim.text(replies)
    sim.wait_for("dispatcher-1", f"【待分派】{number.group(0)}")
    card = sim.text(sim.press("dispatcher-1", "查看办理"))
    assert re.search(r"分拨建议（模型估计的可能性）：区住房和城乡建设局 \d+%、.+ \d+%、.+ \d+%", card), card
    assert_clean(demo_server)
