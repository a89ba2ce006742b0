"""Three sender processes against one bot limited to 30 messages a second: windows shared through Redis or
PostgreSQL against windows kept per process (the reference), and one sender alone (run by hand).

    .venv/bin/python bench/shared_limits_bench.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

Each run fills a fresh PostgreSQL database's outbox with --messages rows to --chats Telegram chats, starts
the fake Bot API as a process (it refuses, with 429 and retry_after 1, any message beyond 30 in a sliding
second) and `qungong run --role sender` processes, and times the drain. For each arrangement it prints the
median of --runs runs: messages a second (from the first accepted message to the last), 429 answers, the most messages the platform saw in one second,
and the senders' CPU time per message. Redis runs need redis-server on PATH (one is started for the bench).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from scratch import scratch_database  # bench/scratch.py, beside this script

from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.outbox import counts
from storage.repositories import OutboxRepository

ROOT = Path(__file__).resolve().parent.parent
QUNGONG = str(Path(sys.executable).with_name("qungong"))
TOKEN = "123456:BENCH"
LIMIT = 30
CONFIG = """
[[channels]]
name = "telegram:main"
kind = "telegram"
driver = "ptb"
mode = "webhook"
webhook_url = "https://qungong.example/telegram/main"
webhook_path = "/telegram/main"
api_base_url = "{api}"

[outbox]
poll_seconds = 0.2
window_margin_ms = {margin}

[outbox.rate.telegram]
per_second = 30
per_chat_per_second = 1
burst = {burst}

[limits]
url = "{limits}"
"""
ARRANGEMENTS = {  # name: (sender processes, [limits] url)
    "one sender": (1, "local"),
    "3 senders, windows per process (reference)": (3, "local"),
    "3 senders, windows in PostgreSQL": (3, ""),
    "3 senders, windows in Redis": (3, "redis"),
}


@dataclass(frozen=True)
class Run:
    """What one run measured."""

    rate: float
    refused: int
    peak: int
    cpu_ms_per_message: float


def _free_port() -> int:
    """Return a TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_port(port: int) -> None:
    """Wait until something listens on PORT."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def _cpu_seconds(pid: int) -> float:
    """Return a live process's user + system CPU time (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stats(port: int) -> dict[str, float]:
    """Ask the fake Bot API what it accepted and refused."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_fake/stats", timeout=5) as response:  # noqa: S310 - local
        return dict(json.loads(response.read()))


async def _fill(url: str, messages: int, chats: int) -> None:
    """Migrate the database and queue MESSAGES rows to CHATS chats."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        now = datetime.now(UTC)
        async with create_session_factory(engine)() as session, session.begin():
            outbox = OutboxRepository(session)
            for i in range(messages):
                await outbox.enqueue(f"b{i}", "bench", {"text": f"消息 {i}"}, now, channel="telegram:main", chat_id=str(10_000 + i % chats))
    finally:
        await engine.dispose()


async def _sent(url: str) -> int:
    """Return how many outbox rows are sent."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            return (await counts(session)).get("sent", 0)
    finally:
        await engine.dispose()


async def one_run(server_url: str, senders: int, limits: str, *, messages: int, chats: int, redis_url: str, margin_ms: float, burst: int) -> Run:
    """Drain a filled outbox with SENDERS processes and return what the platform saw."""
    folder = Path(tempfile.mkdtemp(prefix="qungong-bench-"))
    async with scratch_database(server_url, "limits.db") as url:
        await _fill(url, messages, chats)
        port = _free_port()
        fake = subprocess.Popen([sys.executable, "-m", "tests.channels.fake_telegram", "--token", TOKEN, "--port", str(port),
                                 "--limit-per-second", str(LIMIT)], cwd=ROOT, stdout=subprocess.DEVNULL)
        processes: list[subprocess.Popen[bytes]] = []
        try:
            _wait_port(port)
            config = folder / "config.toml"
            config.write_text(CONFIG.format(api=f"http://127.0.0.1:{port}", limits=redis_url if limits == "redis" else limits, margin=margin_ms, burst=burst), encoding="utf-8")
            env = {**os.environ, "QUNGONG_CONFIG": str(config), "QUNGONG_STORAGE__URL": url,
                   "QUNGONG_CHANNELS__TELEGRAM_MAIN__TOKEN": TOKEN, "QUNGONG_CHANNELS__TELEGRAM_MAIN__WEBHOOK_SECRET": "bench-secret"}
            started = time.monotonic()
            for i in range(senders):
                log = (folder / f"sender-{i}.log").open("wb")
                processes.append(subprocess.Popen([QUNGONG, "run", "--role", "sender"], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT))
            while await _sent(url) < messages:
                if time.monotonic() - started > 900 or any(p.poll() is not None for p in processes):
                    raise RuntimeError(f"the senders did not drain the outbox; see {folder}")
                await asyncio.sleep(0.2)
            first = _stats(port)
            cpu = sum(_cpu_seconds(p.pid) for p in processes)
        finally:
            for process in [*processes, fake]:
                process.send_signal(signal.SIGTERM)
            for process in [*processes, fake]:
                process.wait(30)
    shutil.rmtree(folder, ignore_errors=True)
    # The rate runs from the first accepted message to the last (the senders' start-up is not in it).
    return Run(first["accepted"] / max(first["span"], 1e-9), int(first["refused"]), int(first["peak"]), cpu * 1000 / messages)


def _redis() -> tuple[subprocess.Popen[bytes] | None, str]:
    """Start a private redis-server (or none when it is not installed)."""
    server = shutil.which("redis-server")
    if server is None:
        return None, ""
    port = _free_port()
    process = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    _wait_port(port)
    return process, f"redis://127.0.0.1:{port}/0"


def main() -> None:
    """Run every arrangement --runs times and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a postgresql+asyncpg:// URL of a server where databases may be made")
    parser.add_argument("--messages", type=int, default=450)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--margin-ms", type=float, default=20.0, help="[outbox] window_margin_ms for every arrangement (default 20)")
    parser.add_argument("--burst", type=int, default=0, help="[outbox.rate.telegram] burst: messages the bot may send at once (0: a second's worth)")
    parser.add_argument("--only", help="run only the arrangements whose name contains this")
    args = parser.parse_args()
    redis, redis_url = _redis()
    try:
        print(f"{args.messages} messages to {args.chats} chats; the platform allows {LIMIT} a second; window margin {args.margin_ms:.0f} ms, burst {args.burst or LIMIT}; medians of {args.runs} runs")
        for name, (senders, limits) in ARRANGEMENTS.items():
            if args.only and args.only not in name:
                continue
            if limits == "redis" and not redis_url:
                print(f"{name}: skipped (no redis-server)")
                continue
            runs = [asyncio.run(one_run(args.url, senders, limits, messages=args.messages, chats=args.chats, redis_url=redis_url, margin_ms=args.margin_ms, burst=args.burst)) for _ in range(args.runs)]
            print(f"{name:45} {statistics.median(r.rate for r in runs):5.1f} msg/s   "
                  f"429s {statistics.median(r.refused for r in runs):5.0f}   "
                  f"peak {statistics.median(r.peak for r in runs):3.0f}/s   "
                  f"CPU {statistics.median(r.cpu_ms_per_message for r in runs):5.1f} ms/msg", flush=True)
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait(10)


if __name__ == "__main__":
    main()
