"""Generated hostile input against the web server's doors — the simulator API, a Telegram webhook, a
WeChat callback and a WeChat Work callback: nothing answers 5xx and nothing is logged as an error.

QUNGONG_FUZZ_EXAMPLES sets how many inputs each door gets (default 300; e.g. 10000 for a long run).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.registry import add_channel_routes
from bot.channels.wechat.channel import WeChatChannel, signature
from bot.web.server import build_web_app
from nlp import Classifier
from tests.channels.conftest import fast_limiter
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.test_telegram import SECRET, TOKEN
from tests.channels.test_telegram import settings as telegram_settings
from tests.districts import District, start_district

EXAMPLES = int(os.environ.get("QUNGONG_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
TRIED: dict[str, int] = {}

NASTY = st.sampled_from([
    "", "\x00", "a\x00b", "\ud800", "\udfff", "\u202e", "\u2066", "\ufeff", "𠀀𪚥", "　", "１２３", "1" * 400, "9" * 25,
    "-1", "2147483648", "9223372036854775808", "NaN", "Infinity", "1e400", "../../etc/passwd", "%00", "<script>alert(1)</script>",
    "'; DROP TABLE cases; --", "new:", "new:" + "a" * 80, "resident-1", "dispatcher-1", "admin", "new:fuzz", "菜单", "我要反映",
    "绑定 ABCDE-FGHJK", "/start", "/cancel", "A" * 5000,
])
STRINGS = st.one_of(NASTY, st.text(max_size=60), st.text(alphabet=st.characters(codec="utf-8"), max_size=20))
INTS = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63, 10**400]))
PREFIXES = st.sampled_from(["m", "c", "cp", "cv", "co", "rv", "sm", "sp", "sc", "so", "st", "se", "ex", "wm", "wp", "wc", "wo", "zz", ""])
FIELD = st.one_of(INTS.map(str), STRINGS, st.sampled_from(["report", "sign", "dispatch", "claim", "report.type", "wish.place", "auto"]))
PAYLOADS = st.one_of(NASTY, st.builds(lambda p, f: ":".join([p, *f]), PREFIXES, st.lists(FIELD, max_size=5)))
LEAVES = st.one_of(st.none(), st.booleans(), INTS, st.floats(allow_nan=False, allow_infinity=False), STRINGS)
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(STRINGS, inner, max_size=4), max_leaves=12)
IDENTITIES = st.one_of(st.sampled_from(["resident-1", "resident-2", "dispatcher-1", "dept-shizheng", "grid-guixiang-1", "new:fuzz-a"]), NASTY, STRINGS)
BODIES = st.fixed_dictionaries(
    {"as": st.one_of(IDENTITIES, VALUES)},
    optional={
        "text": st.one_of(STRINGS, VALUES),
        "button": st.one_of(PAYLOADS, VALUES),
        "location": st.one_of(st.fixed_dictionaries({"lat": st.one_of(INTS, st.floats(), STRINGS), "lon": st.one_of(INTS, st.floats(), STRINGS)}), VALUES),
        "photo": st.one_of(STRINGS, VALUES),
        "id": st.one_of(STRINGS, VALUES),
    },
)


def _deep(depth: int) -> bytes:
    return b'{"as": "resident-1", "text": ' + b"[" * depth + b"]" * depth + b"}"


RAW = st.one_of(
    st.binary(max_size=300),
    st.integers(100, 20_000).map(_deep),
    st.integers(20, 2000).map(lambda n: b'{"as": "resident-1", "location": {"lat": 1' + b"0" * n + b', "lon": 1}}'),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def _dumps(value: Any) -> bytes:
    """Encode any generated value as JSON bytes (lone surrogates as escapes, huge numbers as they are)."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True, default=str).encode()


def _count(door: str) -> None:
    TRIED[door] = TRIED.get(door, 0) + 1


def _no_errors(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.fixture
async def site(district_db: str, classifier: Classifier) -> AsyncIterator[tuple[District, TestClient]]:
    """The demo district in demo mode on each backend, with its web server."""
    district = await start_district(district_db, classifier, QUNGONG_APP__DEMO="true")
    async with TestClient(TestServer(build_web_app(district.app))) as http:
        yield district, http
    await district.app.close()


@FUZZ
@given(body=st.one_of(BODIES.map(_dumps), VALUES.map(_dumps), RAW), inbox=st.one_of(IDENTITIES, st.none()))
async def test_the_simulator_api_never_answers_5xx(site: tuple[District, TestClient], caplog: pytest.LogCaptureFixture, body: bytes, inbox: str | None) -> None:
    _, http = site
    response = await http.post("/sim/api/send", data=body, headers={"Content-Type": "application/json"})
    assert response.status < 500, (response.status, body[:200], await response.text())
    _count("simulator send")
    if inbox is not None:
        response = await http.get("/sim/api/inbox", params={"as": inbox.encode("utf-8", "surrogatepass").decode("utf-8", "replace")})
        assert response.status < 500, (response.status, inbox[:80])
        _count("simulator inbox")
    _no_errors(caplog)


@pytest.fixture
async def telegram_site(sqlite_district_db: str, classifier: Classifier) -> AsyncIterator[TestClient]:
    """A Telegram channel in webhook mode (ptb) against the fake Bot API, on the demo district."""
    fake = FakeTelegram(TOKEN)
    await fake.start()
    district = await start_district(sqlite_district_db, classifier)
    from bot.channels.telegram.channel import TelegramChannel

    channel = TelegramChannel(telegram_settings(fake, "ptb", "webhook"), district.app, fast_limiter())
    web_app = build_web_app(district.app)
    add_channel_routes(web_app, [channel])
    await channel.start()
    async with TestClient(TestServer(web_app)) as http:
        yield http
    await channel.stop()
    await district.app.close()
    await fake.close()


def _update(update_id: int, text: Any, data: Any, kind: int) -> Any:
    """Return a Telegram update of some shape, with generated fields where they hurt most."""
    user = {"id": 5123456789, "is_bot": False, "first_name": "晓明"}
    chat = {"id": 5123456789, "type": "private", "first_name": "晓明"}
    message = {"message_id": 7, "date": 1795827611, "from": user, "chat": chat, "text": text}
    shapes = [
        {"update_id": update_id, "message": message},
        {"update_id": update_id, "callback_query": {"id": "cq", "from": user, "chat_instance": "1", "data": data,
                                                      "message": message | {"text": "旧消息"}}},
        {"update_id": update_id, "message": message | {"location": {"latitude": data, "longitude": text}}},
        {"update_id": update_id, "edited_message": message},
        {"update_id": text, "message": data},
    ]
    return shapes[kind % len(shapes)]


TELEGRAM_INPUTS = st.fixed_dictionaries(
    {"update_id": INTS, "text": st.one_of(STRINGS, VALUES), "data": st.one_of(PAYLOADS, VALUES), "kind": st.integers(0, 4), "raw": st.one_of(st.none(), RAW)}
)


@FUZZ
@given(case=TELEGRAM_INPUTS)
async def test_a_telegram_webhook_never_answers_5xx(telegram_site: TestClient, caplog: pytest.LogCaptureFixture, case: dict[str, Any]) -> None:
    raw = case["raw"]
    body = raw if raw is not None else _dumps(_update(case["update_id"], case["text"], case["data"], case["kind"]))
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    response = await telegram_site.post("/telegram/test", data=body, headers=headers)
    assert response.status < 500, (response.status, body[:200])
    _count("telegram webhook")
    _no_errors(caplog)


@pytest.fixture
async def wechat_site(sqlite_district_db: str, classifier: Classifier) -> AsyncIterator[tuple[TestClient, WeChatChannel]]:
    """An official account in safe mode on the demo district (its API is never reached: replies are passive)."""
    from tests.channels.test_wechat import AES_KEY
    from tests.channels.test_wechat import settings as wechat_settings

    district = await start_district(sqlite_district_db, classifier)
    channel = WeChatChannel(wechat_settings(_NoApi(), AES_KEY), district.app, fast_limiter())
    web_app = build_web_app(district.app)
    add_channel_routes(web_app, [channel])
    async with TestClient(TestServer(web_app)) as http:
        yield http, channel
    await channel.stop()
    await district.app.close()


class _NoApi:
    """Stands in for the fake WeChat API: the fuzz never gets as far as a push."""

    base_url = "http://127.0.0.1:9/cgi-bin/"


WECHAT_XML = """<xml><ToUserName><![CDATA[gh_qungong]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>
<CreateTime>{time}</CreateTime><MsgType><![CDATA[{type}]]></MsgType><Content><![CDATA[{content}]]></Content>
<MsgId>{msg_id}</MsgId><Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{content}]]></EventKey>
<Location_X>{content}</Location_X><Location_Y>1</Location_Y><Latitude>{content}</Latitude><Longitude>1</Longitude></xml>"""


WECHAT_INPUTS = st.fixed_dictionaries({
    "kind": st.sampled_from(["text", "image", "location", "event", "voice", "", "<"]),
    "event": st.sampled_from(["subscribe", "CLICK", "LOCATION", "unsubscribe", "", "\x00"]),
    "content": st.one_of(STRINGS, PAYLOADS),
    "msg_id": st.one_of(INTS.map(str), STRINGS),
    "encrypt": st.booleans(),
    "raw": st.one_of(st.none(), RAW),
})


@FUZZ
@given(case=WECHAT_INPUTS)
async def test_a_wechat_callback_never_answers_5xx(
    wechat_site: tuple[TestClient, WeChatChannel], caplog: pytest.LogCaptureFixture, case: dict[str, Any]
) -> None:
    http, channel = wechat_site
    kind, event, content, msg_id, encrypt, raw = (case[k] for k in ("kind", "event", "content", "msg_id", "encrypt", "raw"))
    def encodable(value: str) -> str:
        return value.replace("]]>", "").encode("utf-8", "replace").decode("utf-8")

    xml = WECHAT_XML.format(openid="oFuzz0001", time=int(time.time()), type=kind, content=encodable(content), msg_id=encodable(msg_id[:40]), event=event)
    timestamp, nonce = str(int(time.time())), "1405163714"
    query = {"timestamp": timestamp, "nonce": nonce, "signature": signature(channel.settings.token, timestamp, nonce), "openid": "oFuzz0001"}
    body: bytes | str = raw if raw is not None else xml
    if encrypt and raw is None and channel.crypto is not None:
        body = channel.crypto.encrypt_message(xml, nonce, timestamp)
        query |= {"encrypt_type": "aes", "msg_signature": _msg_signature(str(body))}
    elif encrypt:
        query |= {"encrypt_type": "aes", "msg_signature": "0" * 40}
    response = await http.post("/wechat", params=query, data=body if isinstance(body, bytes) else body.encode("utf-8", "replace"))
    assert response.status < 500, (response.status, str(body)[:200])
    _count("wechat callback")
    _no_errors(caplog)


def _msg_signature(encrypted: str) -> str:
    """Return the MsgSignature of an encrypted reply envelope."""
    import xml.etree.ElementTree as ET

    node = ET.fromstring(encrypted).find("MsgSignature")
    return node.text if node is not None and node.text else ""



@pytest.fixture
async def wecom_site(sqlite_district_db: str, classifier: Classifier) -> AsyncIterator[tuple[TestClient, Any]]:
    """A WeChat Work application on the demo district, against the fake WeChat Work API (answers that are pushed go there)."""
    from bot.channels.wecom.channel import WeComChannel
    from tests.channels.fake_wecom import FakeWeCom
    from tests.channels.wecom_app import wecom_settings

    fake = FakeWeCom()
    await fake.start()
    district = await start_district(sqlite_district_db, classifier)
    channel = WeComChannel(wecom_settings(fake, reply_budget_seconds=4.0), district.app, fast_limiter())
    web_app = build_web_app(district.app)
    add_channel_routes(web_app, [channel])
    async with TestClient(TestServer(web_app)) as http:
        yield http, channel
    await channel.stop()
    await district.app.close()
    await fake.close()


WECOM_XML = """<xml><ToUserName><![CDATA[ww7c3e1a5b9d2f4a60]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>
<CreateTime>{time}</CreateTime><MsgType><![CDATA[{type}]]></MsgType><Content><![CDATA[{content}]]></Content>
<MsgId>{msg_id}</MsgId><Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{content}]]></EventKey><TaskId><![CDATA[{task}]]></TaskId>
<ResponseCode><![CDATA[{task}]]></ResponseCode><Location_X>{content}</Location_X><Location_Y>1</Location_Y><Latitude>{content}</Latitude>
<Longitude>1</Longitude><AgentID>{agent}</AgentID></xml>"""

WECOM_INPUTS = st.fixed_dictionaries({
    "kind": st.sampled_from(["text", "image", "location", "event", "voice", "", "<"]),
    "event": st.sampled_from(["enter_agent", "click", "LOCATION", "template_card_event", "view", "", "\x00"]),
    "content": st.one_of(STRINGS, PAYLOADS),
    "msg_id": st.one_of(INTS.map(str), STRINGS),
    "user": st.one_of(st.sampled_from(["WangWangge", "zhangsan@corp", "a" * 64, "a" * 65, ""]), STRINGS),
    "task": st.one_of(st.sampled_from(["qg0123", ""]), STRINGS),
    "agent": st.one_of(st.just("1000002"), INTS.map(str), STRINGS),
    "raw": st.one_of(st.none(), RAW),
    "forged": st.booleans(),
})


@FUZZ
@given(case=WECOM_INPUTS)
async def test_a_wecom_callback_never_answers_5xx(wecom_site: tuple[TestClient, Any], caplog: pytest.LogCaptureFixture, case: dict[str, Any]) -> None:
    from tests.channels.wecom_harness import envelope

    http, channel = wecom_site

    def encodable(value: str) -> str:
        return value.replace("]]>", "").encode("utf-8", "replace").decode("utf-8")

    values = {k: encodable(str(case[k]))[:200] for k in ("content", "msg_id", "user", "task", "agent")}
    xml = WECOM_XML.format(time=int(time.time()), type=case["kind"], event=case["event"], **values)
    timestamp = str(int(time.time()))
    body, msg_signature = envelope(channel, xml, timestamp)
    query = {"msg_signature": "0" * 40 if case["forged"] else msg_signature, "timestamp": timestamp, "nonce": "1372623149"}
    data = case["raw"] if case["raw"] is not None else body.encode()
    response = await http.post("/wecom", params=query, data=data)
    await channel.idle()
    assert response.status < 500, (response.status, xml[:300])
    _count("wecom callback")
    _no_errors(caplog)


def test_report_how_many_inputs_were_tried() -> None:
    """Print the count of generated inputs per door (shown with -s; the note quotes a long run)."""
    print("fuzz inputs tried: " + ", ".join(f"{door} {n}" for door, n in sorted(TRIED.items())) + f" (QUNGONG_FUZZ_EXAMPLES={EXAMPLES})")
