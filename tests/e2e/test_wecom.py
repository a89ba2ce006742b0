"""The closed loop with the department on WeChat Work (the application against the fake WeChat Work API
running as its own process) and the resident in the simulator: the staff member, bound by an administrator,
signs and completes the case with template-card buttons; the cards are updated; pushes go through the outbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import BACKENDS, PAUSE, assert_clean, database
from tests.e2e.process import Server
from tests.e2e.simclient import SimClient
from tests.e2e.wecom_member import AES_KEY, FakeWeComApi, WeComUser

SECRET = "Qw3rTy-fake-app-secret-0123456789abcdefABCD"
CONFIG = """
[app]
demo = true

[[channels]]
name = "wecom"
kind = "wecom"
corp_id = "ww7c3e1a5b9d2f4a60"
agent_id = 1000002
path = "/wecom"
api_base_url = "{api}"
resident_account = "江岸群工"
"""


@pytest.fixture(params=BACKENDS)
def wecom_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, FakeWeComApi]]:
    """`qungong run` in demo mode with a WeChat Work application, and the fake WeChat Work API beside it."""
    fake = FakeWeComApi(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(api=fake.base), encoding="utf-8")
    env = {"QUNGONG_CHANNELS__WECOM__SECRET": SECRET, "QUNGONG_CHANNELS__WECOM__TOKEN": "QunGongWeComToken2026", "QUNGONG_CHANNELS__WECOM__AES_KEY": AES_KEY}
    try:
        with database(request.param, tmp_path) as url:
            server = Server(tmp_path, url, config=config, env=env).start()
            try:
                yield server, fake
            finally:
                server.stop()
    finally:
        fake.stop()


def test_a_department_on_wecom_and_a_simulated_resident_close_the_loop(wecom_app: tuple[Server, FakeWeComApi]) -> None:
    server, fake = wecom_app
    assert ": created" in server.qungong("people", "bind", "--wecom", "WangBumen", "--person", "dept-shizheng").stdout
    staff = WeComUser(server.base, "/wecom", fake, "WangBumen")
    sim = SimClient(server.base, pause=PAUSE)
    sim.say("resident-1", "我要反映")
    sim.press("resident-1", "投诉")
    sim.say("resident-1", "东湖路上有个大坑，车开过去很危险")
    sim.press("resident-1", "说完了")
    sim.say("resident-1", "东湖路")
    sim.press("resident-1", "东湖路（桂香苑社区第2网格）")  # 东湖路 runs through two grids: which part?
    sim.press("resident-1", "确认")
    sim.press("resident-1", "不留电话")
    number = re.search(r"QG-\d{8}-\d{4}", SimClient.text(sim.press("resident-1", "提交")))
    assert number

    staff.wait_for(f"【新派单】{number.group(0)}")
    staff.press("查看办理")
    staff.wait_for("签收")
    staff.press("签收")
    staff.wait_for("办结")
    sim.wait_for("resident-1", "签收")
    staff.press("办结")
    staff.wait_for("办结说明")
    staff.say("已填平，恢复通行")
    sim.wait_for("resident-1", "请问问题解决了吗")
    replaced = [c["body"]["button"]["replace_name"] for c in fake.calls("message/update_template_card")]
    assert replaced == ["窦甲：查看办理", "窦甲：签收", "窦甲：办结"], replaced
    assert len(fake.calls("gettoken")) == 1  # one token for every push and card update
    assert_clean(server)
