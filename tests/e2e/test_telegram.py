"""The closed loop with the resident on Telegram (webhook mode, against the fake Bot API running as its
own process) and the department in the simulator: replies go straight back, pushes through the outbox."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import BACKENDS, PAUSE, assert_clean, database
from tests.e2e.process import Server
from tests.e2e.simclient import SimClient
from tests.e2e.telegram_user import SECRET, TOKEN, FakeBotApi, TelegramUser

WEBHOOK_PATH = "/telegram/main"
CONFIG = """
[app]
demo = true

[[channels]]
name = "telegram:main"
kind = "telegram"
driver = "{driver}"
mode = "webhook"
webhook_url = "https://qungong.example{path}"
webhook_path = "{path}"
api_base_url = "{api}"

# Telegram allows a bot about one message a second per chat; the fake allows more, so the walk need
# not wait a second between the steps of a conversation.
[outbox.rate.telegram]
per_second = 30
per_chat_per_second = 20
"""


@pytest.fixture(params=BACKENDS)
def telegram_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, FakeBotApi]]:
    """`qungong run` in demo mode with a Telegram channel in webhook mode, and the fake Bot API beside it."""
    fake = FakeBotApi(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(driver="ptb", path=WEBHOOK_PATH, api=fake.base), encoding="utf-8")
    env = {"QUNGONG_CHANNELS__TELEGRAM_MAIN__TOKEN": TOKEN, "QUNGONG_CHANNELS__TELEGRAM_MAIN__WEBHOOK_SECRET": SECRET}
    try:
        with database(request.param, tmp_path) as url:
            server = Server(tmp_path, url, config=config, env=env).start()
            try:
                yield server, fake
            finally:
                server.stop()
    finally:
        fake.stop()


def test_a_telegram_resident_and_a_simulated_department_close_the_loop(telegram_app: tuple[Server, FakeBotApi]) -> None:
    server, fake = telegram_app
    deadline = time.monotonic() + 10  # /healthz answers as soon as the site listens; the webhook is set just after
    while not any(c["method"] == "setWebhook" for c in fake.calls()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [c["params"]["url"] for c in fake.calls() if c["method"] == "setWebhook"] == [f"https://qungong.example{WEBHOOK_PATH}"]
    resident = TelegramUser(server.base, WEBHOOK_PATH, fake)
    sim = SimClient(server.base, pause=PAUSE)
    resident.say("/start")
    assert "您好" in resident.text
    resident.press("我要反映")
    resident.press("投诉")
    resident.say("东湖路上有个大坑，车开过去很危险")
    resident.press("说完了")
    resident.say("东湖路")
    resident.press("桂香苑社区第2网格")  # 东湖路 runs through two grids: which part?
    resident.press("确认")
    resident.press("不留电话")
    resident.press("提交")
    number = re.search(r"QG-\d{8}-\d{4}", resident.text)
    assert number, resident.text
    department = "dept-shizheng"
    sim.wait_for(department, f"【新派单】{number.group(0)}")
    sim.press(department, "查看办理")
    sim.press(department, "签收")
    resident.wait_for("签收", pause=PAUSE)
    sim.press(department, "回复居民")
    sim.say(department, "我们明天上午去现场")
    reply = resident.wait_for("工作人员回复：我们明天上午去现场", pause=PAUSE)
    assert "回复" in str(reply["params"].get("reply_markup"))
    sim.press(department, "办结")
    sim.say(department, "已填平")
    resident.wait_for("请问问题解决了吗", pause=PAUSE)
    resident.press("已解决")
    resident.press("满意")
    assert "已结案" in resident.text
    sim.wait_for(department, "【已结案】")
    assert_clean(server)
