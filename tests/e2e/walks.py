"""The README's walks through the running app, over the simulator's JSON API: each checks that every
push reaches the person it is for. The tests run them against `qungong run` processes; run them by
hand against a running app (e.g. the README's `python3 dev.py run`) with

    .venv/bin/python -m tests.e2e.walks http://127.0.0.1:8080 --pause 4
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.e2e.simclient import SimClient

CASE_NUMBER = re.compile(r"QG-\d{8}-\d{4}")
WISH_NUMBER = re.compile(r"#(\d+)")
RESIDENT, DEPARTMENT = "resident-1", "dept-shizheng"
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the demo's [app] timezone


def _number(text: str, pattern: re.Pattern[str] = CASE_NUMBER) -> str:
    """Return the case (or wish) number in a text."""
    found = pattern.search(text)
    assert found, f"no number in {text!r}"
    return found.group(1) if pattern.groups else found.group(0)


def report(sim: SimClient, who: str, text: str, place: str, contact: str = "不留电话", *, pick: str | None = None) -> str:
    """Walk the report flow (type, description, place — PICK among look-alikes —, routing, phone, summary)
    and return the case number."""
    sim.say(who, "我要反映")
    sim.press(who, "投诉")
    sim.say(who, text)
    sim.press(who, "说完了")
    sim.say(who, place)
    if pick is not None:
        sim.press(who, pick)
    sim.press(who, "确认")
    sim.press(who, contact)
    replies = sim.press(who, "提交")
    assert "已受理" in sim.text(replies), sim.text(replies)
    return _number(sim.text(replies))


def closed_loop(sim: SimClient) -> str:
    """Resident reports → department signs, replies, completes → resident not satisfied → redo → satisfied → closed."""
    number = report(sim, RESIDENT, "东湖路上有个大坑，车开过去很危险", "东湖路", contact="使用登记电话", pick="桂香苑社区第2网格")
    sim.wait_for(DEPARTMENT, f"【新派单】{number}")
    sim.press(DEPARTMENT, "查看办理")
    sim.press(DEPARTMENT, "签收")
    sim.wait_for(RESIDENT, f"{number} 已由")
    sim.press(DEPARTMENT, "回复居民")
    sim.say(DEPARTMENT, "我们明天上午去现场处理")
    sim.wait_for(RESIDENT, "工作人员回复：我们明天上午去现场处理")
    sim.press(RESIDENT, "回复")
    sim.say(RESIDENT, "好的，坑在公交站旁边")
    sim.wait_for(DEPARTMENT, "坑在公交站旁边")
    sim.press(DEPARTMENT, "查看办理")
    sim.press(DEPARTMENT, "办结")
    sim.send(DEPARTMENT, photo="repair-1.jpg")
    sim.say(DEPARTMENT, "已用沥青填平")
    sim.wait_for(RESIDENT, "请问问题解决了吗")
    sim.press(RESIDENT, "未解决")
    sim.press(RESIDENT, "不满意")
    replies = sim.say(RESIDENT, "坑又出现了，填得不平")
    assert "重新交办" in sim.text(replies), sim.text(replies)
    sim.wait_for(DEPARTMENT, f"【重办】{number}")
    sim.press(DEPARTMENT, "查看办理")
    sim.press(DEPARTMENT, "办结")
    sim.say(DEPARTMENT, "重新铺了路面")
    sim.wait_for(RESIDENT, "请问问题解决了吗")
    sim.press(RESIDENT, "已解决")
    replies = sim.press(RESIDENT, "满意")
    assert "已结案" in sim.text(replies), sim.text(replies)
    sim.wait_for(DEPARTMENT, f"【已结案】{number}")
    return number


def wish_loop(sim: SimClient) -> int:
    """A micro-wish from post to thanks: resident, community, party member, and a grid member's own post."""
    resident, community, party, grid = "resident-1", "community-guixiang", "party-1", "grid-guixiang-1"
    sim.say(resident, "微心愿")
    sim.press(resident, "发布微心愿")
    sim.press(resident, "老人")
    sim.say(resident, "家里老人腿脚不便，想要一台助行器")
    sim.press(resident, "跳过")
    sim.press(resident, "一个月内")
    sim.press(resident, "使用登记电话")
    replies = sim.press(resident, "提交")
    wish = int(_number(sim.text(replies), WISH_NUMBER))
    sim.wait_for(community, f"#{wish}")
    sim.press(community, f"心愿 #{wish}")
    sim.press(community, "采用建议文本并发布")
    sim.wait_for(resident, "已通过审核并公开")
    sim.say(party, "菜单")
    sim.press(party, "浏览微心愿")
    sim.press(party, f"心愿 #{wish}")
    assert "认领成功" in sim.text(sim.press(party, "认领"))
    sim.wait_for(community, "认领")
    sim.press(party, "报告已实现")
    sim.send(party, photo="walker-delivered.jpg")
    sim.say(party, "助行器已经送到家中")
    sim.wait_for(resident, "确认已实现")
    sim.press(resident, "确认已实现")
    sim.wait_for(party, "【感谢您】")
    sim.say(grid, "菜单")
    sim.press(grid, "代录微心愿")
    sim.press(grid, "残疾人")
    sim.say(grid, "邻居王大爷行动不便，想要一辆轮椅")
    sim.press(grid, "跳过")
    sim.press(grid, "一个月内")
    sim.say(grid, "王大爷 13900001111")
    replies = sim.press(grid, "提交")
    second = int(_number(sim.text(replies), WISH_NUMBER))
    sim.wait_for(community, f"#{second}")
    sim.press(community, f"心愿 #{second}")
    sim.press(community, "采用建议文本并发布")
    sim.wait_for(grid, "已通过审核并公开")
    return wish


def lovebank_loop(sim: SimClient, starts: str) -> str:
    """The love bank: a community posts an activity (starting at STARTS, local time), a party member signs up,
    checks in with the organiser's code, is credited when the hours are confirmed, redeems points for a
    code, and the community confirms it on hand-over. Returns the redemption code."""
    community, party = "community-guixiang", "party-1"
    sim.say(community, "菜单")
    sim.press(community, "爱心银行管理")
    sim.press(community, "发布志愿活动")
    sim.say(community, "桂香苑环境清洁志愿服务")
    sim.say(community, starts)
    sim.press(community, "1 小时")
    sim.say(community, "桂香苑小区广场")
    sim.say(community, "5")
    sim.say(community, "30")
    posted = sim.text(sim.press(community, "发布"))
    code = _number(posted, re.compile(r"签到码：(\d{6})"))
    activity = _number(posted, re.compile(r"活动 #(\d+) 已发布"))
    sim.wait_for(party, f"活动 #{activity}")
    sim.press(party, f"活动 #{activity}")
    assert "报名成功" in sim.text(sim.press(party, "报名"))
    assert "签到成功" in sim.text(sim.say(party, f"签到 {code}"))
    sim.press(community, f"管理活动 #{activity}")
    sim.press(community, "确认服务时长")
    assert "共发放 30 分" in sim.text(sim.press(community, "全部按 1 小时确认"))
    sim.wait_for(party, "【积分到账】")
    sim.say(party, "我的积分")
    sim.press(party, "兑换")
    sim.press(party, "理发券")
    redeemed = sim.text(sim.press(party, "确认兑换"))
    voucher = _number(redeemed, re.compile(r"兑换码：([A-Z0-9]{4}-[A-Z0-9]{4})"))
    assert "理发券" in sim.text(sim.say(community, f"核销 {voucher}"))
    assert "已核销" in sim.text(sim.press(community, "确认已发放"))
    sim.wait_for(party, "【兑换已领取】理发券")
    return voucher


def main(argv: list[str] | None = None) -> int:
    """Walk the closed loop and the wish loop against a running app."""
    parser = argparse.ArgumentParser(description="walk the README's closed loop through a running QunGong")
    parser.add_argument("base", help="e.g. http://127.0.0.1:8080")
    parser.add_argument("--pause", type=float, default=4.0, help="seconds to wait before reading an inbox")
    args = parser.parse_args(argv)
    sim = SimClient(args.base.rstrip("/"), pause=args.pause)
    starts = (datetime.now(SHANGHAI) - timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M")
    steps: dict[str, Any] = {"closed loop": closed_loop, "micro-wish": wish_loop, "love bank": lambda s: lovebank_loop(s, starts)}
    for name, walk in steps.items():
        print(f"{name}: ok ({walk(sim)})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
