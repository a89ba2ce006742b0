"""Who gets into the cockpit: a personal single-use link from chat or the CLI, then a session; residents and
other staff are refused; a street leader sees their street; contacts are masked unless command center;
every page view is logged."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import delete, select

from bot.cli.main import main
from storage.models.access import PageView
from storage.models.people import RoleBinding
from tests.cockpit.conftest import cards, link_code, sign_in
from tests.districts import District
from tests.handlers.chat import report

LINK = re.compile(r"http://[^\s]+/cockpit/login\?code=([A-Za-z0-9_\-]+)")
NOVEMBER = "period=custom&from=2026-11-01&to=2026-11-30"


@pytest.mark.parametrize("who", ["leader-district", "leader-dh", "dispatcher-1", "admin"])
async def test_leaders_dispatchers_and_admins_get_a_link_in_chat(district: District, web: TestClient, who: str) -> None:
    district.clock.now = datetime.now(UTC)  # the link's 12 hours run on the chat's clock, the sign-in on the server's
    chat = district.chat(who)
    await chat.say("菜单")
    await chat.press("驾驶舱")
    found = LINK.search(chat.text)
    assert found is not None, chat.text
    response = await web.post("/cockpit/login", data={"code": found.group(1)}, allow_redirects=False)
    assert response.status == 303
    page = await web.get(f"/cockpit/?{NOVEMBER}")
    assert page.status == 200 and "received" in cards(await page.text())


@pytest.mark.parametrize("who", ["resident-1", "grid-guixiang-1", "dept-shizheng", "party-1"])
async def test_residents_and_other_staff_get_no_link(district: District, who: str) -> None:
    chat = district.chat(who)
    await chat.say("驾驶舱")
    assert "只对领导、区群工指挥中心和管理员开放" in chat.text
    assert "/cockpit/login" not in chat.text


async def test_a_link_works_once_and_not_after_it_expires(district: District, web: TestClient) -> None:
    code = await link_code(district.app, "leader-district")
    assert (await web.get(f"/cockpit/login?code={code}")).status == 200  # opening it (a chat app's preview) uses nothing
    first = await web.post("/cockpit/login", data={"code": code}, allow_redirects=False)
    assert first.status == 303 and "HttpOnly" in first.headers["Set-Cookie"] and "SameSite=Lax" in first.headers["Set-Cookie"]
    again = await web.post("/cockpit/login", data={"code": code}, allow_redirects=False)
    assert again.status == 403 and "链接已失效" in await again.text()
    stale = await link_code(district.app, "leader-district", now=datetime.now(UTC) - timedelta(hours=13))
    assert (await web.post("/cockpit/login", data={"code": stale}, allow_redirects=False)).status == 403
    assert (await web.post("/cockpit/login", data={"code": "x" * 24}, allow_redirects=False)).status == 403


async def test_no_session_no_pages_and_a_lost_role_ends_it(district: District, web: TestClient) -> None:
    for path in ("/cockpit/", "/cockpit/cases", "/cockpit/case/QG-1", "/cockpit/export.xlsx"):
        response = await web.get(path)
        assert response.status == 401 and "驾驶舱" in await response.text()
    assert (await web.get("/cockpit/api/live")).status == 401
    web.session.cookie_jar.update_cookies({"qg_cockpit": "forged-token-forged-token-1234"})
    assert (await web.get("/cockpit/")).status == 401
    await sign_in(web, district.app, "leader-dh")
    assert (await web.get("/cockpit/")).status == 200
    async with district.app.uow() as uow:
        person = await uow.people.by_demo_key("leader-dh")
        assert person is not None
        await uow.session.execute(delete(RoleBinding).where(RoleBinding.person_id == person.id))
        await uow.commit()
    assert (await web.get("/cockpit/")).status == 403


async def test_a_street_leader_sees_their_street_only(district: District, web: TestClient) -> None:
    resident = district.chat("resident-1")
    case = await report(resident, "桂香苑7栋门口的井盖松动了，我电话13800000001")
    elsewhere = await report(district.chat("resident-4"), "翠竹路的路灯不亮了", place="翠竹路")
    await sign_in(web, district.app, "leader-dh")
    page = await (await web.get(f"/cockpit/?{NOVEMBER}")).text()
    assert "东湖街道" in page and "西山街道" not in page.split('class="units"')[1]
    assert (await web.get(f"/cockpit/?{NOVEMBER}&unit=guixiang")).status == 200
    assert (await web.get(f"/cockpit/?{NOVEMBER}&unit=xs")).status == 403
    assert (await web.get(f"/cockpit/?{NOVEMBER}&unit=shizheng")).status == 403
    assert (await web.get(f"/cockpit/case/{elsewhere.number}")).status == 404
    mine = await (await web.get(f"/cockpit/case/{case.number}")).text()
    assert "138****0001" in mine and "13800000001" not in mine and "张*" in mine


async def test_the_command_center_sees_contacts(district: District, web: TestClient) -> None:
    case = await report(district.chat("resident-1"), "桂香苑7栋门口的井盖松动了，我电话13800000001")
    await sign_in(web, district.app, "dispatcher-1")
    page = await (await web.get(f"/cockpit/case/{case.number}")).text()
    assert "13800000001" in page and "张三" in page


async def test_every_page_view_is_logged_and_signing_out_needs_the_page_token(district: District, web: TestClient) -> None:
    await sign_in(web, district.app, "leader-district")
    page = await (await web.get(f"/cockpit/?{NOVEMBER}")).text()
    await web.get("/cockpit/cases?light=red")
    await web.get(f"/cockpit/api/live?{NOVEMBER}")  # the refresh is the same page: not logged again
    async with district.app.uow() as uow:
        views = (await uow.session.scalars(select(PageView).order_by(PageView.id))).all()
    assert [(v.path, v.detail) for v in views] == [("/cockpit/", NOVEMBER), ("/cockpit/cases", "light=red")]
    assert (await web.post("/cockpit/logout", data={"csrf": "wrong"})).status == 403
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert token is not None
    assert (await web.post("/cockpit/logout", data={"csrf": token.group(1)})).status == 200
    assert (await web.get("/cockpit/")).status == 401


async def test_hostile_queries_get_a_4xx(district: District, web: TestClient) -> None:
    await sign_in(web, district.app, "leader-district")
    for query in ("period=fortnight", "period=custom&from=2026-13-01", "period=custom&from=1900-01-01&to=2026-01-01",
                  "period=custom&from=2026-11-02&to=2026-11-01", "period=custom&from=2010-01-01&to=2026-01-01", "unit=%00", "unit=nowhere"):
        assert (await web.get(f"/cockpit/?{query}")).status == 400, query
    for query in ("grid=nowhere", "category=nothing", "light=blue", "page=-1", "page=99999999999"):
        assert (await web.get(f"/cockpit/cases?{query}")).status == 400, query
    assert (await web.post("/cockpit/login", data=b"\xff\xfe", headers={"Content-Type": "application/x-www-form-urlencoded"})).status == 400
    assert (await web.post("/cockpit/login", json={"code": "x"})).status == 415
    headers = (await web.get("/cockpit/")).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"


def test_the_cli_link_is_for_cockpit_people_only(district_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("QUNGONG_STORAGE__URL", district_db)
    monkeypatch.setenv("QUNGONG_COCKPIT__BASE_URL", "https://qungong.example.gov.cn")
    assert main(["cockpit", "link", "--person", "赵甲"]) == 0
    assert re.search(r"https://qungong\.example\.gov\.cn/cockpit/login\?code=[\w-]{24}", capsys.readouterr().out)
    assert main(["cockpit", "link", "--person", "张三"]) == 1
    assert "leaders, the command center and administrators" in capsys.readouterr().out
