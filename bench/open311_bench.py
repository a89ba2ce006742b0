"""Cases filed through the Open311 API against cases filed through the chat report flow, in the same run.

    .venv/bin/python bench/open311_bench.py [--clients 8] [--cases 25] [--rounds 3] [--postgres URL]

On a fresh database with the demo district and its history, `--clients` callers at once each file `--cases`
cases, three ways, `--rounds` times each (the figures are the medians of the rounds):

- API over HTTP: POST /open311/v2/requests.json to the real aiohttp app on a local port, a new
  X-Request-Id each (the client runs in the same process, so its CPU counts too);
- API use case: the same filing (handlers/intake/open311.py) through the dispatcher's writer, without HTTP;
- chat: a resident's whole report conversation (9-10 messages) through the dispatcher.

Each line gives cases/s, the median and p99 time to file one case, and CPU per case (this process's, and
PostgreSQL's backends' when they run on this machine). `--postgres URL` repeats everything on a fresh
database made (and dropped) on that server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
from dispatch_bench import SCRIPT, SIMILAR_NEW  # bench/dispatch_bench.py, beside this script
from scratch import scratch_database  # bench/scratch.py, beside this script
from sqlalchemy import text

from bot.app import App, build_app, load_demo, start_app
from bot.config.loader import load_config
from bot.heap import settle_heap
from bot.web.server import build_web_app
from handlers.intake.catalogue import service_codes
from handlers.intake.open311 import ApiRequest, Filed, file_request
from handlers.messages import Inbound, InboundKind
from nlp import NlpSettings, load_classifier
from storage.apikeys import create_key
from storage.migrate import upgrade
from storage.uow import UnitOfWork

TEXTS = ("东湖路上有个大坑，车开过去很危险", "桂香苑7栋门口的垃圾堆了好几天没人清运", "小区路灯坏了一个星期，晚上很黑")
PLACES = ("东湖路", "桂香苑7栋", "东郊大道")
File = Callable[[str, int], Awaitable[None]]  # (caller, number) → one case filed


async def _database_cpu(app: App) -> float:
    """Return the CPU seconds PostgreSQL's backends for this database have used (0 on SQLite or a remote server)."""
    if app.engine.dialect.name != "postgresql":
        return 0.0
    async with app.engine.connect() as conn:
        pids = (await conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))).scalars().all()
    total = 0.0
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists():
            fields = stat.read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def _round(app: App, clients: int, cases: int, file: File) -> tuple[float, float, float, float, float]:
    """File CASES per caller, CLIENTS callers at once; return (cases/s, p50 ms, p99 ms, CPU µs/case, PostgreSQL µs/case)."""
    times: list[float] = []

    async def caller(name: str) -> None:
        for number in range(cases):
            began = time.perf_counter()
            await file(name, number)
            times.append(time.perf_counter() - began)

    cpu, database = time.process_time(), await _database_cpu(app)
    started = time.perf_counter()
    await asyncio.gather(*(caller(f"c{i}") for i in range(clients)))
    elapsed = time.perf_counter() - started
    n = len(times)
    ordered = sorted(times)
    ours = (time.process_time() - cpu) / n * 1e6
    theirs = (await _database_cpu(app) - database) / n * 1e6
    return n / elapsed, statistics.median(ordered) * 1000, ordered[min(n - 1, int(n * 0.99))] * 1000, ours, theirs


def _line(label: str, way: str, rounds: list[tuple[float, float, float, float, float]]) -> str:
    """Format the medians of the rounds."""
    rate, p50, p99, ours, theirs = (statistics.median(r[i] for r in rounds) for i in range(5))
    pg = f" + PostgreSQL {theirs:5.0f} µs/case" if theirs else ""
    return f"{label:10} {way:16} {rate:6.0f} cases/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   CPU {ours:6.0f} µs/case{pg}"


def _chat(app: App, tag: str) -> File:
    """Return a filer that walks a resident's report conversation."""
    dispatcher = app.running_dispatcher()

    async def file(caller: str, number: int) -> None:
        who = f"{tag}-{caller}"
        steps = list(SCRIPT)
        replies = []
        sent = 0
        while steps:
            kind, payload = steps.pop(0)
            replies = await dispatcher.handle(Inbound("bench", who, who, kind, payload, f"{who}-{number}-{sent}"))
            sent += 1
            if any(b.payload == SIMILAR_NEW for r in replies for b in r.buttons):
                steps.insert(0, (InboundKind.BUTTON, SIMILAR_NEW))
        assert "已受理" in replies[0].text, replies[0].text

    return file


async def _key(app: App, name: str) -> tuple[int, str]:
    """Make an API key that the rate limit never stops."""
    async with app.uow() as uow:
        row, key = await create_key(uow.session, name, "999999/s", datetime.now(UTC))
        await uow.commit()
    return row.id, key


def _use_case(app: App, key_id: int, tag: str) -> File:
    """Return a filer that calls the API's use case directly (no HTTP)."""
    dispatcher = app.running_dispatcher()
    codes = service_codes(app.running_routing().taxonomy)

    async def file(caller: str, number: int) -> None:
        wanted = ApiRequest("open311:bench", key_id, TEXTS[number % 3], None, f"{tag}-{caller}-{number}", address=PLACES[number % 3])

        async def work(uow: UnitOfWork, now: datetime) -> Filed:
            return await file_request(uow, dispatcher.services, wanted, codes, now)

        assert (await dispatcher.write(work)).created

    return file


def _http(session: aiohttp.ClientSession, url: str, key: str, tag: str) -> File:
    """Return a filer that POSTs to the API over HTTP."""

    async def file(caller: str, number: int) -> None:
        form = {"api_key": key, "description": TEXTS[number % 3], "address_string": PLACES[number % 3]}
        async with session.post(url, data=form, headers={"X-Request-Id": f"{tag}-{caller}-{number}"}) as response:
            assert response.status == 201, await response.text()
            await response.read()

    return file


async def bench(url: str, label: str, args: argparse.Namespace) -> None:
    """Run the three ways on one database, `--rounds` times each, and print their medians."""
    limits = {"QUNGONG_ABUSE__MESSAGES_PER_MINUTE": "1000000", "QUNGONG_ABUSE__NEW_CASES_PER_HOUR": "1000000"}
    app = build_app(load_config(None, environ={"QUNGONG_STORAGE__URL": url, "QUNGONG_LOGGING__LEVEL": "WARNING", **limits}))
    server = None
    try:
        await upgrade(app.engine)
        await load_demo(app)
        await start_app(app, load_classifier(NlpSettings()))
        settle_heap()
        key_id, key = await _key(app, "bench")
        server = TestServer(build_web_app(app))
        await server.start_server()
        endpoint = str(server.make_url("/open311/v2/requests.json"))
        async with aiohttp.ClientSession() as session:
            ways: dict[str, Callable[[str], File]] = {
                "API over HTTP": lambda tag: _http(session, endpoint, key, tag),
                "API use case": lambda tag: _use_case(app, key_id, tag),
                "chat flow": lambda tag: _chat(app, tag),
            }
            for way, make in ways.items():  # warm-up: caches, statements, connections
                await _round(app, 2, 2, make(f"warm-{way}"))
            results: dict[str, list[tuple[float, float, float, float, float]]] = {way: [] for way in ways}
            for number in range(args.rounds):  # the ways take turns, so a slow moment hits them alike
                for way, make in ways.items():
                    results[way].append(await _round(app, args.clients, args.cases, make(f"r{number}-{way}")))
        for way, rounds in results.items():
            print(_line(label, way, rounds), flush=True)
    finally:
        if server is not None:
            await server.close()
        await app.close()


async def main_async(args: argparse.Namespace) -> None:
    """Run on SQLite, then on PostgreSQL when a server URL is given."""
    print(f"{args.clients} callers at once, {args.cases} cases each, medians of {args.rounds} rounds", flush=True)
    async with scratch_database("sqlite") as url:
        await bench(url, "SQLite", args)
    if args.postgres:
        async with scratch_database(args.postgres) as url:
            await bench(url, "PostgreSQL", args)


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="callers filing at once (default 8)")
    parser.add_argument("--cases", type=int, default=25, help="cases per caller and round (default 25)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each way; the figures are their medians (default 3)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql+asyncpg://...); a fresh database is made on it")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
