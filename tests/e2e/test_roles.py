"""A deployment of several processes on one PostgreSQL database, as deploy/ runs it: a web process (the
Telegram webhook and the simulator), a sender, and two schedulers of which one leads. Pushes to the Telegram
resident leave only through the sender (and wait for it while it is down); reports asked for in chat are
built by whichever scheduler leads; when the leader is killed the other takes over within the lease."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import create_engine, create_session_factory
from storage.models.chat import OutboxMessage
from tests.e2e.conftest import PAUSE, assert_clean, database
from tests.e2e.process import Server
from tests.e2e.simclient import SimClient
from tests.e2e.telegram_user import SECRET, TOKEN, FakeBotApi, TelegramUser
from tests.e2e.test_telegram import CONFIG, WEBHOOK_PATH

LEASE_SECONDS = 3


class Deployment:
    """The processes of one deployment."""

    def __init__(self, folder: Path, url: str, fake: FakeBotApi) -> None:
        self.url = url
        config = folder / "config.toml"
        config.write_text(CONFIG.format(driver="ptb", path=WEBHOOK_PATH, api=fake.base), encoding="utf-8")
        env = {
            "QUNGONG_CHANNELS__TELEGRAM_MAIN__TOKEN": TOKEN,
            "QUNGONG_CHANNELS__TELEGRAM_MAIN__WEBHOOK_SECRET": SECRET,
            "QUNGONG_SCHEDULER__LEASE_SECONDS": str(LEASE_SECONDS),
        }
        self.web = Server(folder, url, config=config, env=env, name="web", role="web")
        self.sender = Server(folder, url, config=config, env=env, name="sender", role="sender")
        self.schedulers = [Server(folder, url, config=config, env=env, name=f"scheduler-{i}", role="scheduler") for i in (1, 2)]

    def all(self) -> list[Server]:
        """Return every process."""
        return [self.web, self.sender, *self.schedulers]

    def leader(self) -> Server | None:
        """Return the scheduler process that leads now (from `qungong status`), or None."""
        status = self.web.qungong("status").stdout
        found = re.search(r"scheduler leader: (\S+)", status)
        assert found, status
        for server in self.schedulers:
            if f"({found.group(1)})" in server.log():
                return server
        return None


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[tuple[Deployment, FakeBotApi]]:
    """Web, sender and two schedulers running on a fresh PostgreSQL database, beside the fake Bot API."""
    fake = FakeBotApi(tmp_path)
    try:
        with database("postgresql", tmp_path) as url:
            deployed = Deployment(tmp_path, url, fake)
            try:
                deployed.web.start()  # first: it migrates and loads the demo district
                for server in (deployed.sender, *deployed.schedulers):
                    server.start()
                yield deployed, fake
            finally:
                for server in reversed(deployed.all()):
                    server.stop()
    finally:
        fake.stop()


async def _pushes_containing(url: str, text: str) -> int:
    """Count the outbox rows whose text contains TEXT."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            payloads = (await session.scalars(select(OutboxMessage.payload))).all()
    finally:
        await engine.dispose()
    return sum(1 for payload in payloads if text in str((payload or {}).get("text", "")))


def _wait(condition: object, timeout: float, what: str) -> float:
    """Wait until CONDITION() holds; return the seconds it took."""
    start = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - start < timeout, f"timed out waiting for {what}"
        time.sleep(0.2)
    return time.monotonic() - start


@pytest.mark.postgres
def test_web_sender_and_schedulers_as_separate_processes(deployment: tuple[Deployment, FakeBotApi]) -> None:
    deployed, fake = deployment
    status = deployed.web.qungong("status").stdout
    assert [line.split()[0] for line in status.splitlines() if line.endswith("alive")].count("scheduler") == 2, status
    assert all(role in status for role in ("web ", "sender ")), status

    resident = TelegramUser(deployed.web.base, WEBHOOK_PATH, fake)
    sim = SimClient(deployed.web.base, pause=PAUSE)
    resident.say("/start")
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
    resident.wait_for("签收", pause=PAUSE)  # a push: it left through the sender process

    deployed.sender.stop()
    sim.press(department, "回复居民")
    sim.say(department, "我们明天上午去现场")
    time.sleep(3 * PAUSE)
    assert not any("我们明天上午去现场" in str(c["params"]) for c in fake.calls()), "sent with no sender running"
    deployed.sender.start()
    resident.wait_for("工作人员回复：我们明天上午去现场", pause=PAUSE)  # kept in the outbox, sent once it was back

    leader = deployed.leader()
    assert leader is not None
    sim.say("leader-district", "本周报告")
    sim.wait_for("leader-district", "周报】", timeout=30)
    leader.kill()
    took = _wait(lambda: deployed.leader() not in (None, leader), 30, "a new leader")
    assert took <= LEASE_SECONDS + LEASE_SECONDS / 3 + 5, took
    sim.say("leader-district", "本月报告")
    sim.wait_for("leader-district", "月报】", timeout=30)
    assert sum("我们明天上午去现场" in str(c["params"]) for c in fake.calls() if c["method"] == "sendMessage") == 1
    time.sleep(3 * PAUSE)  # time for a second leader to do anything twice
    assert asyncio.run(_pushes_containing(deployed.url, "周报】")) == 1  # each asked-for report built once
    assert asyncio.run(_pushes_containing(deployed.url, "月报】")) == 1
    for server in (deployed.web, deployed.sender):
        assert_clean(server)
