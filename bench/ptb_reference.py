"""The reference for bench/dispatch_bench.py: a bare python-telegram-bot bot walking the same report conversation.

    .venv/bin/python bench/ptb_reference.py [--residents 8] [--conversations 25]

A `ConversationHandler` asks the same questions as QunGong's report flow (type, description in
parts, place, route, contact, confirm) with inline buttons, and opens a "case" row on submit. It is
driven in-process through `Application.process_update` with a fake request object that answers
every Bot API call at once (no network), so each reply still costs what it costs the framework:
its parameters serialised, the canned answer decoded into a `Message`. After every update the
application's persistence is flushed and committed: the conversation's state and the chat's draft
are written to SQLite (WAL, synchronous=NORMAL, as QunGong's own SQLite) before the next update.

Updates are built before the clock starts, as QunGong's bench hands its dispatcher ready-made
`Inbound`s; what is timed is the framework's handling, the handlers and the SQLite writes.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sqlite3
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BasePersistence,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PersistenceInput,
    filters,
)
from telegram.ext._utils.types import ConversationDict, ConversationKey
from telegram.request import BaseRequest, RequestData

TOKEN = "123456:reference"
TYPE, DESCRIBE, PLACE, ROUTE, CONTACT, CONFIRM = range(6)
# The resident's side: (is a button?, payload), as bench/dispatch_bench.py's SCRIPT.
SCRIPT: list[tuple[bool, str]] = [
    (False, "我要反映"),
    (True, "c:report.type:complaint"),
    (False, "东湖路上有个大坑，车开过去很危险"),
    (False, "晚上没有路灯，更看不见"),
    (True, "c:report.describe:done"),
    (False, "桂香苑7栋"),
    (True, "c:report.route:ok"),
    (True, "c:report.contact:none"),
    (True, "c:report.confirm:submit"),
]
QUIET = "quiet"  # bot_data key: when set, replies are kept in this list instead of sent through the Bot API
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Reference", "username": "reference_bot"}


class FakeRequest(BaseRequest):
    """Answers every Bot API call at once, as Telegram would: getMe, sent messages, answered callbacks."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    @property
    def read_timeout(self) -> float | None:
        """No network, no timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, *_: Any, **__: Any) -> tuple[int, bytes]:
        """Return Telegram's answer to the call named at the end of URL."""
        endpoint = url.rsplit("/", 1)[1]
        params = request_data.parameters if request_data else {}
        result: Any = True
        if endpoint == "getMe":
            result = BOT_USER
        elif endpoint in ("sendMessage", "editMessageText"):
            chat_id = int(str(params["chat_id"]))
            result = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if "reply_markup" in params:
                result["reply_markup"] = params["reply_markup"]
        return 200, json.dumps({"ok": True, "result": result}).encode()


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Conversation states and chat drafts in SQLite; the caller commits after each update."""

    def __init__(self, path: Path) -> None:
        super().__init__(store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=False, callback_data=False), update_interval=3600)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.writer = asyncio.Lock()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("CREATE TABLE IF NOT EXISTS conversations (name TEXT, key TEXT, state INTEGER, PRIMARY KEY (name, key))")
        self.db.execute("CREATE TABLE IF NOT EXISTS chat_data (chat_id INTEGER PRIMARY KEY, data TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS cases (id INTEGER PRIMARY KEY, number TEXT, chat_id INTEGER, type TEXT, text TEXT, place TEXT, created_at REAL)")

    def begin(self) -> None:
        """Start the transaction of one update."""
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Commit the transaction of one update."""
        self.db.execute("COMMIT")

    async def get_conversations(self, name: str) -> ConversationDict:
        """Load a handler's conversations."""
        rows = self.db.execute("SELECT key, state FROM conversations WHERE name = ?", (name,)).fetchall()
        return {tuple(json.loads(key)): state for key, state in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        """Store one conversation's state (None: it ended)."""
        if new_state is None:
            self.db.execute("DELETE FROM conversations WHERE name = ? AND key = ?", (name, json.dumps(key)))
        else:
            self.db.execute("INSERT OR REPLACE INTO conversations VALUES (?, ?, ?)", (name, json.dumps(key), new_state))

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Load every chat's data."""
        return {chat_id: json.loads(data) for chat_id, data in self.db.execute("SELECT chat_id, data FROM chat_data")}

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Store one chat's data."""
        self.db.execute("INSERT OR REPLACE INTO chat_data VALUES (?, ?)", (chat_id, json.dumps(data, ensure_ascii=False)))

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget one chat's data."""
        self.db.execute("DELETE FROM chat_data WHERE chat_id = ?", (chat_id,))

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """Not stored."""
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        """Not stored."""
        return {}

    async def get_callback_data(self) -> None:
        """Not stored."""

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Not stored."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Not stored."""

    async def update_callback_data(self, data: Any) -> None:
        """Not stored."""

    async def drop_user_data(self, user_id: int) -> None:
        """Not stored."""

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def flush(self) -> None:
        """Close the database."""
        self.db.close()


Context = ContextTypes.DEFAULT_TYPE


def _buttons(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    """Return one row of inline buttons."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in pairs]])


async def _say(update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Reply in the update's chat: through the Bot API (the fake request), or kept in a list when quiet."""
    assert update.effective_chat
    if context.bot_data.get(QUIET) is not None:
        context.bot_data[QUIET].append((update.effective_chat.id, text, markup))
        return
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


async def _answer(update: Update, context: Context) -> None:
    """Answer a button press (Telegram stops the button's spinner), unless quiet."""
    if context.bot_data.get(QUIET) is None and update.callback_query:
        await update.callback_query.answer()


async def start(update: Update, context: Context) -> int:
    """Start a report: ask its type."""
    assert update.effective_message and context.chat_data is not None
    context.chat_data.clear()
    context.chat_data["parts"] = []
    await _say(update, context, "请选择诉求类型", _buttons(("投诉", "c:report.type:complaint"), ("求助", "c:report.type:help"), ("建议", "c:report.type:suggestion")))
    return TYPE


async def chose_type(update: Update, context: Context) -> int:
    """Keep the type; ask for the description."""
    query = update.callback_query
    assert query and query.data and query.message and context.chat_data is not None
    await _answer(update, context)
    context.chat_data["type"] = query.data.rsplit(":", 1)[1]
    await _say(update, context, "请描述您遇到的问题，可以分几条发送")
    return DESCRIBE


async def describe(update: Update, context: Context) -> int:
    """Keep one part of the description; offer to finish."""
    assert update.effective_message and update.effective_message.text and context.chat_data is not None
    context.chat_data["parts"].append(update.effective_message.text)
    await _say(update, context, "已记下。还有补充吗？", _buttons(("说完了", "c:report.describe:done")))
    return DESCRIBE


async def described(update: Update, context: Context) -> int:
    """Ask where it is."""
    query = update.callback_query
    assert query and query.message
    await _answer(update, context)
    await _say(update, context, "问题在什么位置？请发送地址或位置")
    return PLACE


async def place(update: Update, context: Context) -> int:
    """Keep the place; propose who handles it."""
    assert update.effective_message and context.chat_data is not None
    context.chat_data["place"] = update.effective_message.text
    await _say(update, context, "将由东湖社区受理，是否正确？", _buttons(("正确", "c:report.route:ok"), ("不对", "c:report.route:change")))
    return ROUTE


async def routed(update: Update, context: Context) -> int:
    """Ask for a contact."""
    query = update.callback_query
    assert query and query.message
    await _answer(update, context)
    await _say(update, context, "是否留下联系电话？", _buttons(("不留", "c:report.contact:none")))
    return CONTACT


async def contact(update: Update, context: Context) -> int:
    """Show the summary to confirm."""
    query = update.callback_query
    assert query and query.message and context.chat_data is not None
    await _answer(update, context)
    summary = "\n".join(context.chat_data["parts"])
    await _say(update, context, f"请确认：\n{summary}\n地点：{context.chat_data['place']}", _buttons(("提交", "c:report.confirm:submit"), ("修改", "c:report.confirm:edit")))
    return CONFIRM


def submit_with(persistence: SQLitePersistence) -> Callable[[Update, Context], Any]:
    """Return the submit handler: it opens the case row and tells its number."""

    async def submit(update: Update, context: Context) -> int:
        """Open the case and end the conversation."""
        query = update.callback_query
        assert query and query.message and update.effective_chat and context.chat_data is not None
        await _answer(update, context)
        data = context.chat_data
        cursor = persistence.db.execute(
            "INSERT INTO cases (chat_id, type, text, place, created_at) VALUES (?, ?, ?, ?, ?)",
            (update.effective_chat.id, data["type"], "\n".join(data["parts"]), data["place"], time.time()),
        )
        number = f"QG-{time.strftime('%Y%m%d')}-{cursor.lastrowid:04d}"
        persistence.db.execute("UPDATE cases SET number = ? WHERE id = ?", (number, cursor.lastrowid))
        data.clear()
        await _say(update, context, f"已受理，编号 {number}")
        return ConversationHandler.END

    return submit


def build(path: Path) -> tuple[Application[Any, Any, Any, Any, Any, Any], SQLitePersistence]:
    """Build the reference bot on a fake request object, with its state in SQLite at PATH."""
    persistence = SQLitePersistence(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB warns that per_message=False tracks callbacks per chat, which is meant here
        conversation = ConversationHandler(
            entry_points=[MessageHandler(filters.Regex("^我要反映$"), start)],
            states={
                TYPE: [CallbackQueryHandler(chose_type, pattern="^c:report.type:")],
                DESCRIBE: [MessageHandler(filters.TEXT & ~filters.COMMAND, describe), CallbackQueryHandler(described, pattern="^c:report.describe:done$")],
                PLACE: [MessageHandler(filters.TEXT & ~filters.COMMAND, place)],
                ROUTE: [CallbackQueryHandler(routed, pattern="^c:report.route:ok$")],
                CONTACT: [CallbackQueryHandler(contact, pattern="^c:report.contact:")],
                CONFIRM: [CallbackQueryHandler(submit_with(persistence), pattern="^c:report.confirm:submit$")],
            },
            fallbacks=[],
            name="report",
            persistent=True,
        )
    app = ApplicationBuilder().token(TOKEN).request(FakeRequest()).get_updates_request(FakeRequest()).updater(None).persistence(persistence).build()
    app.add_handler(conversation)
    return app, persistence


_update_ids = itertools.count(1)


def _update(resident: int, is_button: bool, payload: str, app: Application[Any, Any, Any, Any, Any, Any]) -> Update:
    """Return the update Telegram would send for one step of the script."""
    user = {"id": 10_000 + resident, "is_bot": False, "first_name": f"居民{resident}"}
    chat = {"id": 10_000 + resident, "type": "private"}
    number = next(_update_ids)
    message = {"message_id": number, "date": int(time.time()), "chat": chat, "from": user}
    body: dict[str, object]
    if is_button:
        body = {"callback_query": {"id": str(number), "from": user, "chat_instance": str(resident), "data": payload, "message": {**message, "from": BOT_USER, "text": "…"}}}
    else:
        body = {"message": {**message, "text": payload}}
    return Update.de_json({"update_id": number, **body}, app.bot)


@dataclass
class Result:
    """What one run measured."""

    messages: int
    elapsed: float
    cpu: float
    latencies: list[float] = field(default_factory=list)

    @property
    def cpu_us_per_msg(self) -> float:
        """Return the process CPU time per message, in microseconds."""
        return self.cpu / self.messages * 1e6


async def _walk(app: Application[Any, Any, Any, Any, Any, Any], persistence: SQLitePersistence, updates: list[Update], latencies: list[float]) -> None:
    """Send one resident's updates one after another, each as soon as the last one was handled and stored."""
    for update in updates:
        sent = time.perf_counter()
        await asyncio.sleep(0)  # as bench/dispatch_bench.py: chats already waiting go first
        async with persistence.writer:  # one transaction at a time on the one connection, as QunGong's SQLite gate
            persistence.begin()
            await app.process_update(update)
            await app.update_persistence()
            persistence.commit()
        latencies.append(time.perf_counter() - sent)


async def run(residents: int, conversations: int, path: Path, *, quiet: bool = False) -> Result:
    """Run RESIDENTS residents at once, each walking the report CONVERSATIONS times; return what it cost.

    QUIET: the handlers keep their replies in a list instead of calling the Bot API, as QunGong's
    dispatcher returns its replies to the channel (the bench does not send them either).
    """
    app, persistence = build(path)
    await app.initialize()
    if quiet:
        app.bot_data[QUIET] = []
    try:
        updates = [[_update(r, b, p, app) for _ in range(conversations) for b, p in SCRIPT] for r in range(residents)]
        result = Result(messages=sum(map(len, updates)), elapsed=0.0, cpu=0.0)
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(_walk(app, persistence, u, result.latencies) for u in updates))
        result.elapsed, result.cpu = time.perf_counter() - started, time.process_time() - cpu
        (count,) = persistence.db.execute("SELECT count(*) FROM cases WHERE number IS NOT NULL").fetchone()
        assert count == residents * conversations, count
        return result
    finally:
        await app.shutdown()  # flushes the persistence, which closes its database


def main() -> None:
    """Run the reference alone and print what it cost."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--residents", type=int, default=8)
    parser.add_argument("--conversations", type=int, default=25)
    parser.add_argument("--quiet", action="store_true", help="keep replies instead of sending them through the (fake) Bot API")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(4, 1, Path(folder) / "warm.db", quiet=args.quiet))
        result = asyncio.run(run(args.residents, args.conversations, Path(folder) / "reference.db", quiet=args.quiet))
    p99 = sorted(result.latencies)[int(len(result.latencies) * 0.99)] * 1000
    print(f"reference: {result.messages / result.elapsed:.0f} msg/s   p50 {statistics.median(result.latencies) * 1000:.1f} ms   p99 {p99:.1f} ms   CPU {result.cpu_us_per_msg:.0f} µs/msg")


if __name__ == "__main__":
    main()
