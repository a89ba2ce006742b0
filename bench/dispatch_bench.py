"""Dispatcher throughput and latency for whole report conversations, with an echo handler as the ceiling.

    .venv/bin/python bench/dispatch_bench.py [--residents 40] [--postgres URL]

Each simulated resident walks the report flow (9 messages, ending in a dispatched case) on its
own chat; all residents run concurrently in one process. The echo run sends the same number of
messages through the same dispatcher (recording, locking, conversation state, transaction) with a
handler that only echoes, so the difference is the cost of the flows themselves.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.app import App, build_app, load_demo, start_app
from bot.config import load_config
from bot.dispatcher import Dispatcher
from bot.messages import Inbound, InboundKind, Outbound
from handlers.core import Context, Step
from nlp import NlpSettings, load_classifier
from storage.migrate import upgrade

SCRIPT: list[tuple[InboundKind, str]] = [
    (InboundKind.TEXT, "我要反映"),
    (InboundKind.BUTTON, "c:report.type:complaint"),
    (InboundKind.TEXT, "东湖路上有个大坑，车开过去很危险"),
    (InboundKind.TEXT, "晚上没有路灯，更看不见"),
    (InboundKind.BUTTON, "c:report.describe:done"),
    (InboundKind.TEXT, "桂香苑7栋"),
    (InboundKind.BUTTON, "c:report.route:ok"),
    (InboundKind.BUTTON, "c:report.contact:none"),
    (InboundKind.BUTTON, "c:report.confirm:submit"),
]

SIMILAR_NEW = "c:report.similar:new"


async def echo(ctx: Context) -> Step:
    """Reply with the message itself, touching nothing else."""
    return ctx.step(Outbound(text=ctx.inbound.payload), state="echo")


async def _send(dispatcher: Dispatcher, inbound: Inbound, latencies: list[float]) -> list[Outbound]:
    """Send one message and time it from the moment it is sent, so waiting behind other chats counts."""
    sent = time.perf_counter()
    await asyncio.sleep(
        0
    )  # the message arrives as another task would: every chat already waiting goes first
    replies = await dispatcher.handle(inbound)
    latencies.append(time.perf_counter() - sent)
    return replies


async def _resident(
    app: App, who: str, latencies: list[float], counter: list[int], conversations: int
) -> None:
    """Walk the report script `conversations` times as one resident, timing each message."""
    for number in range(conversations):
        await _conversation(app, f"{who}", f"{who}-{number}", latencies, counter)


async def _conversation(
    app: App, who: str, tag: str, latencies: list[float], counter: list[int]
) -> None:
    """Walk the report script once, timing each message."""
    dispatcher = app.running_dispatcher()
    script = list(SCRIPT)
    step = 0
    while script:
        kind, payload = script.pop(0)
        replies = await _send(
            dispatcher, Inbound("bench", who, who, kind, payload, f"{tag}-{step}"), latencies
        )
        counter[0] += 1
        step += 1
        assert replies, (who, step)
        if any(b.payload == SIMILAR_NEW for r in replies for b in r.buttons):
            script.insert(
                0, (InboundKind.BUTTON, SIMILAR_NEW)
            )  # a similar case nearby: open a new one anyway
    assert "已受理" in replies[0].text, replies[0].text


async def _run(
    app: App, residents: int, tag: str, conversations: int
) -> tuple[float, list[float], int]:
    """Run all residents at once and return elapsed seconds, latencies and message count."""
    latencies: list[float] = []
    counter = [0]
    started = time.perf_counter()
    await asyncio.gather(
        *(_resident(app, f"{tag}{i}", latencies, counter, conversations) for i in range(residents))
    )
    return time.perf_counter() - started, latencies, counter[0]


def _summary(name: str, elapsed: float, latencies: list[float], count: int) -> str:
    """Format one result line."""
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"{name:34} {count / elapsed:8.0f} msg/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   ({count} messages)"


async def bench(
    url: str,
    residents: int,
    conversations: int,
    label: str,
    prepare: Callable[[App], Awaitable[None]],
) -> None:
    """Benchmark the report flow and the echo ceiling on one database."""
    classifier = load_classifier(NlpSettings())
    app = build_app(
        load_config(
            None, environ={"QUNGONG_STORAGE__URL": url, "QUNGONG_LOGGING__LEVEL": "WARNING"}
        )
    )
    try:
        await prepare(app)
        await start_app(app, classifier)
        await _run(app, 4, "warm", 1)  # warm-up: caches, connections
        elapsed, latencies, count = await _run(app, residents, "r", conversations)
        print(_summary(f"{label}: report conversations", elapsed, latencies, count))
        app.running_dispatcher()._route = echo
        elapsed, latencies, count = await _echo(app, residents, count)
        print(_summary(f"{label}: echo handler (ceiling)", elapsed, latencies, count))
    finally:
        await app.close()


async def _echo(app: App, residents: int, messages: int) -> tuple[float, list[float], int]:
    """Send the same number of messages through the echo handler."""
    dispatcher = app.running_dispatcher()
    latencies: list[float] = []

    async def one(who: str) -> None:
        for step in range(messages // residents):
            await _send(
                dispatcher,
                Inbound("bench", who, who, InboundKind.TEXT, "回声", f"{who}-e{step}"),
                latencies,
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(f"e{i}") for i in range(residents)))
    return time.perf_counter() - started, latencies, len(latencies)


async def _prepare_sqlite(app: App) -> None:
    await upgrade(app.engine)
    await load_demo(app)


def main() -> None:
    """Run the benchmark on SQLite, and on PostgreSQL when a URL is given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=8, help="residents talking at once")
    parser.add_argument(
        "--conversations", type=int, default=25, help="report conversations per resident"
    )
    parser.add_argument(
        "--postgres", help="an EMPTY PostgreSQL database URL (postgresql+asyncpg://...)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        asyncio.run(bench(url, args.residents, args.conversations, "SQLite", _prepare_sqlite))
    if args.postgres:
        asyncio.run(
            bench(args.postgres, args.residents, args.conversations, "PostgreSQL", _prepare_sqlite)
        )


if __name__ == "__main__":
    main()
