"""A hotline's system files through the Open311 API of a live `qungong run`, with third-party clients from PyPI:
georeport lists the services and reads the request back, civicbot posts it; the department gets it in its
simulator inbox, completes it, and the client sees it closed (JSON and XML) while the command center is asked
to phone the caller."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from civicbot import Endpoint, HttpTransport, Open311Client
from civicbot.http import RateLimiter
from georeport import GeoReport

from tests.e2e.conftest import assert_clean
from tests.e2e.process import Server
from tests.e2e.simclient import SimClient

POTHOLE = "东湖路上有个大坑，车开过去很危险"
DEPARTMENT = "dept-shizheng"


def _key(server: Server, name: str) -> str:
    """Make an API key with the command line and return its last line (the key)."""
    out = server.qungong("apikey", "create", "--name", name).stdout
    return out.strip().splitlines()[-1]


def _poster(server: Server) -> Open311Client:
    """Return civicbot's Open311 client for the server (it refuses to send unless told to)."""
    endpoint = Endpoint(id="qungong", name="QunGong", base_url=f"{server.base}/open311/v2", write=True)
    return Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0.0)))


def test_a_hotline_files_reads_back_and_sees_its_request_closed(demo_server: Server, sim: SimClient) -> None:
    key = _key(demo_server, "hotline-12345")
    reader = GeoReport(f"{demo_server.base}/open311/v2/", api_key=key)
    services = reader.get_service_list()
    assert "shizheng" in {s["service_code"] for s in services}
    definition = reader.get_service_definition("shizheng")
    assert definition["attributes"][0]["code"] == "request_type"
    posted = _poster(demo_server).create_request(
        "shizheng", dry_run=False, confirm="SEND", api_key=key, validate_remote=True,
        lat=30.61, lng=114.31, description=POTHOLE, first_name="王", last_name="芳", phone="13800000001",
        attributes={"request_type": "complaint"},
    )
    number = posted.response[0]["service_request_id"]
    assert number.startswith("QG-"), posted.response
    request = reader.get_service_request(number)
    assert request["status"] == "open" and request["service_code"] == "shizheng" and "13800000001" not in str(request)
    sim.wait_for(DEPARTMENT, f"【新派单】{number}")
    sim.press(DEPARTMENT, "查看办理")
    sim.press(DEPARTMENT, "签收")
    sim.press(DEPARTMENT, "办结")
    sim.send(DEPARTMENT, photo="repair-1.jpg")
    sim.say(DEPARTMENT, "已用沥青填平")
    sim.wait_for("dispatcher-1", f"【电话回访】{number}")
    closed = reader.get_service_request(number)
    assert closed["status"] == "closed" and closed["status_notes"] == "已用沥青填平", closed
    as_xml = GeoReport(f"{demo_server.base}/open311/v2/", output_format="xml").get_service_request(number)
    assert as_xml["status"] == "closed" and as_xml["service_request_id"] == number
    listed = reader.get_service_requests(status="closed", service_code="shizheng")
    listed = listed if isinstance(listed, list) else [listed]
    assert number in {r["service_request_id"] for r in listed}
    assert "open311 POST /open311/v2/requests.json by hotline-12345: 201" in demo_server.log()
    assert_clean(demo_server)


def test_a_revoked_key_files_no_more(demo_server: Server) -> None:
    key = _key(demo_server, "old-app")
    assert "old-app" in demo_server.qungong("apikey", "list").stdout
    demo_server.qungong("apikey", "revoke", "--name", "old-app")
    assert "revoked" in demo_server.qungong("apikey", "list").stdout
    form = urllib.parse.urlencode({"api_key": key, "service_code": "shizheng", "address_string": "东湖路", "description": POTHOLE}).encode()
    assert _refusal(urllib.request.Request(f"{demo_server.base}/open311/v2/requests.json", data=form, method="POST")) == (403, "api_key has been revoked")
    too_big = urllib.request.Request(f"{demo_server.base}/open311/v2/requests.json", data=b"x" * 70_000, method="POST")
    assert _refusal(too_big)[0] == 413


def _refusal(request: urllib.request.Request) -> tuple[int, str]:
    """Send a request that must be refused; return the code and description of its error."""
    try:
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - the local test server
    except urllib.error.HTTPError as refused:
        with refused:
            body = json.loads(refused.read().decode())
        return refused.code, body[0]["description"]
    raise AssertionError("the request was accepted")
