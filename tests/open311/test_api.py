"""The Open311 GeoReport v2 API: services, filing through the chat report's use case, idempotency, keys, limits, XML."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from storage.models.cases import Case
from storage.models.chat import OutboxMessage
from tests.districts import District
from tests.open311.conftest import API, make_key, revoke

POTHOLE = "东湖路上有个大坑，车开过去很危险"
AT_DONGHU = {"lat": "30.61", "long": "114.31"}  # by 东湖路, in 桂香苑社区第1网格 (the simulator test's location)


async def _post(client: TestClient, key: str, fmt: str = "json", headers: dict[str, str] | None = None, **form: str) -> tuple[int, Any]:
    response = await client.post(f"{API}/requests.{fmt}", data={"api_key": key, **form}, headers=headers or {})
    body = await response.read()
    return response.status, (await response.json() if fmt == "json" else ElementTree.fromstring(body))


async def _cases(district: District, source: str) -> list[Case]:
    async with district.app.uow() as uow:
        return list((await uow.session.scalars(select(Case).where(Case.source == source))).all())


async def test_services_list_the_routing_taxonomy_in_json_and_xml(client: TestClient) -> None:
    services = await (await client.get(f"{API}/services.json")).json()
    codes = {s["service_code"] for s in services}
    assert {"shizheng", "chengguan"} <= codes and "dispatch" not in codes
    one = next(s for s in services if s["service_code"] == "shizheng")
    assert one["service_name"] == "区市政设施管理处" and one["type"] == "realtime" and one["metadata"] is True
    assert set(one) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    xml = ElementTree.fromstring(await (await client.get(f"{API}/services.xml")).read())
    assert xml.tag == "services" and {s.findtext("service_code") for s in xml.findall("service")} == codes
    definition = await (await client.get(f"{API}/services/shizheng.json")).json()
    assert definition["attributes"][0]["code"] == "request_type"
    assert {v["key"] for v in definition["attributes"][0]["values"]} == {"help", "complaint", "suggestion", "consultation"}
    missing = await client.get(f"{API}/services/nosuch.json")
    assert missing.status == 404 and (await missing.json())[0]["code"] == 404
    discovery = await (await client.get(f"{API}/discovery.json")).json()
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2/")


async def test_a_post_opens_a_case_that_reaches_the_departments_inbox(client: TestClient, district: District) -> None:
    key = await make_key(district, "hotline-12345")
    status, body = await _post(
        client, key, service_code="shizheng", description=POTHOLE + "，请联系王芳 13800000001", first_name="芳", last_name="王", phone="13800000001", **AT_DONGHU
    )
    assert status == 201, body
    number = body[0]["service_request_id"]
    assert number.startswith("QG-") and number in body[0]["service_notice"]
    [case] = await _cases(district, "open311:hotline-12345")
    async with district.app.uow() as uow:
        caller = await uow.people.get(case.resident_person_id)
    assert caller is not None and caller.name == "王芳" and caller.phone == "13800000001"
    assert case.number == number and case.status == "dispatched" and case.department_code == "shizheng"
    assert case.grid_id is not None and case.handle_deadline is not None and case.contact_phone == "13800000001"
    inbox = await district.chat("dept-shizheng").inbox()
    assert any(f"【新派单】{number}" in str(m.payload.get("text")) for m in inbox)
    read = await (await client.get(f"{API}/requests/{number}.json")).json()
    assert read[0]["status"] == "open" and read[0]["agency_responsible"] == "区市政设施管理处"
    assert read[0]["expected_datetime"] is not None and read[0]["lat"] == 30.61
    assert "13800000001" not in str(read) and "王" not in str(read) and read[0]["description"].startswith(POTHOLE)
    async with district.app.uow() as uow:  # nothing waits in the outbox for the caller, who has no chat
        waiting = await uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.person_id == case.resident_person_id))
    assert waiting == 0


async def test_without_a_service_code_the_text_is_classified_as_in_chat(client: TestClient, district: District) -> None:
    key = await make_key(district, "app")
    status, body = await _post(client, key, description="东郊大道路边的垃圾桶满了好几天没人清运，臭气熏天", address_string="东郊大道")
    assert status == 201, body
    [case] = await _cases(district, "open311:app")
    assert case.department_code == "chengguan" and case.classifier_reason is not None and "service_code" not in case.classifier_reason


async def test_unknown_service_code_and_missing_location_are_refused_in_the_specs_shape(client: TestClient, district: District) -> None:
    key = await make_key(district, "app")
    status, body = await _post(client, key, service_code="nosuch", description=POTHOLE, **AT_DONGHU)
    assert status == 400 and body[0]["code"] == 400 and "service_code" in body[0]["description"]
    status, body = await _post(client, key, service_code="shizheng", description=POTHOLE)
    assert status == 400 and "location" in body[0]["description"]
    status, body = await _post(client, key, service_code="shizheng", description=POTHOLE, lat="30.61")
    assert status == 400 and "together" in body[0]["description"]
    status, body = await _post(client, key, service_code="shizheng", description="", **AT_DONGHU)
    assert status == 400 and "description" in body[0]["description"]
    assert await _cases(district, "open311:app") == []


async def test_a_retry_with_the_same_idempotency_key_opens_one_case(client: TestClient, district: District) -> None:
    key = await make_key(district, "hotline-12345")
    first = await _post(client, key, headers={"X-Request-Id": "call-0001"}, service_code="shizheng", description=POTHOLE, **AT_DONGHU)
    again = await _post(client, key, headers={"X-Request-Id": "call-0001"}, service_code="shizheng", description=POTHOLE, **AT_DONGHU)
    assert first[0] == 201 and again[0] == 200 and first[1][0]["service_request_id"] == again[1][0]["service_request_id"]
    by_external = [await _post(client, key, external_id="ext-9", service_code="shizheng", description=POTHOLE, **AT_DONGHU) for _ in range(2)]
    assert by_external[0][1][0]["service_request_id"] == by_external[1][1][0]["service_request_id"]
    assert len(await _cases(district, "open311:hotline-12345")) == 2
    other = await make_key(district, "app")  # another client's request id is its own
    status, _ = await _post(client, other, headers={"X-Request-Id": "call-0001"}, service_code="shizheng", description=POTHOLE, **AT_DONGHU)
    assert status == 201 and len(await _cases(district, "open311:app")) == 1


async def test_no_key_a_wrong_key_and_a_revoked_key_are_refused(client: TestClient, district: District) -> None:
    response = await client.post(f"{API}/requests.json", data={"service_code": "shizheng", "description": POTHOLE, **AT_DONGHU})
    assert response.status == 401 and (await response.json())[0]["code"] == 401
    status, body = await _post(client, "qg311_not-a-key", service_code="shizheng", description=POTHOLE, **AT_DONGHU)
    assert status == 403 and body[0]["description"] == "api_key is not valid"
    key = await make_key(district, "old-app")
    assert (await _post(client, key, service_code="shizheng", description=POTHOLE, **AT_DONGHU))[0] == 201
    await revoke(district, "old-app")
    status, body = await _post(client, key, service_code="shizheng", description=POTHOLE, **AT_DONGHU)
    assert status == 403 and "revoked" in body[0]["description"]
    assert len(await _cases(district, "open311:old-app")) == 1


async def test_each_key_has_its_own_rate_limit(client: TestClient, district: District) -> None:
    slow = await make_key(district, "slow", rate="2/m")
    fast = await make_key(district, "fast", rate="100/s")
    statuses = [(await _post(client, slow, service_code="shizheng", description=POTHOLE, **AT_DONGHU))[0] for _ in range(3)]
    assert statuses == [201, 201, 429]
    status, body = await _post(client, slow, service_code="shizheng", description=POTHOLE, **AT_DONGHU)
    assert status == 429 and body[0]["code"] == 429 and "2/m" in body[0]["description"]
    assert (await _post(client, fast, service_code="shizheng", description=POTHOLE, **AT_DONGHU))[0] == 201


async def test_xml_answers_and_searches(client: TestClient, district: District) -> None:
    key = await make_key(district, "hotline-12345")
    status, xml = await _post(client, key, "xml", service_code="shizheng", description=POTHOLE, phone="13800000002", **AT_DONGHU)
    assert status == 201 and xml.tag == "service_requests"
    number = xml.findtext("request/service_request_id")
    assert number is not None and number.startswith("QG-")
    found = ElementTree.fromstring(await (await client.get(f"{API}/requests.xml", params={"service_request_id": number})).read())
    assert found.findtext("request/status") == "open" and found.findtext("request/service_code") == "shizheng"
    assert "13800000002" not in ElementTree.tostring(found, encoding="unicode")
    listed = await (await client.get(f"{API}/requests.json", params={"status": "open", "service_code": "shizheng"})).json()
    assert [r["service_request_id"] for r in listed] == [number]
    assert await (await client.get(f"{API}/requests.json", params={"status": "closed"})).json() == []
    assert await (await client.get(f"{API}/requests.json", params={"start_date": "2099-01-01T00:00:00Z"})).json() == []
    bad = await client.get(f"{API}/requests.xml", params={"status": "sometimes"})
    assert bad.status == 400 and ElementTree.fromstring(await bad.read()).findtext("error/code") == "400"
    missing = await client.get(f"{API}/requests/QG-20000101-0001.json")
    assert missing.status == 404


async def test_chat_cases_are_not_served_and_bodies_are_size_limited(client: TestClient, district: District) -> None:
    from tests.handlers.chat import report

    case = await report(district.chat("resident-1"), POTHOLE)
    assert (await client.get(f"{API}/requests/{case.number}.json")).status == 404
    key = await make_key(district, "app")
    status, body = await _post(client, key, service_code="shizheng", description="坑" * 70_000, **AT_DONGHU)
    assert status == 413 and body[0]["code"] == 413


async def test_without_public_reads_a_client_reads_only_its_own_requests(client: TestClient, district: District) -> None:
    import dataclasses

    from bot.web.open311.settings import Open311Section

    district.app.config = dataclasses.replace(district.app.config, open311=Open311Section(public_reads=False))
    mine, theirs = await make_key(district, "hotline-12345"), await make_key(district, "app")
    _, body = await _post(client, mine, service_code="shizheng", description=POTHOLE, **AT_DONGHU)
    number = body[0]["service_request_id"]
    anonymous = await client.get(f"{API}/requests/{number}.json")
    assert anonymous.status == 401 and (await anonymous.json())[0]["code"] == 401
    own = await (await client.get(f"{API}/requests/{number}.json", params={"api_key": mine})).json()
    assert own[0]["service_request_id"] == number
    assert (await client.get(f"{API}/requests/{number}.json", headers={"X-Api-Key": theirs})).status == 404
    assert await (await client.get(f"{API}/requests.json", params={"api_key": theirs})).json() == []
    assert (await client.get(f"{API}/services.json")).status == 200  # the services stay public
