"""The cockpit's overview splits the period's cases by source and lists the grid members' patrol reports."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from tests.cockpit.conftest import sign_in
from tests.districts import District
from tests.handlers.chat import report
from tests.handlers.test_on_behalf import OPERATOR, _file_for
from tests.handlers.test_patrol import GRID_MEMBER, _walk_to_summary

PERIOD = "period=custom&from=2026-11-22&to=2026-11-24"  # around the district's clock (2026-11-23)


def _table(html: str, css_class: str) -> list[list[str]]:
    """Return the body rows of the table with this class, as cell texts."""
    found = re.search(rf'<table class="{css_class}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert found, css_class
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)]


async def test_the_overview_shows_sources_and_patrol_reports(district: District, web: TestClient) -> None:
    await report(district.chat("resident-1"), "东湖路上有个大坑，车开过去很危险")
    member = district.chat(GRID_MEMBER)
    await _walk_to_summary(member)
    await member.press("上报")
    await _file_for(district.chat(OPERATOR), "李大爷", "13912345678")
    await sign_in(web, district.app, "leader-district")
    html = await (await web.get(f"/cockpit/?{PERIOD}")).text()
    sources = {row[0]: row[1:] for row in _table(html, "sources")}
    assert sources["网格员上报"][0] == "1" and sources["代为登记"][0] == "1" and int(sources["群众反映"][0]) >= 1, sources
    assert ["郑甲", "桂香苑社区第2网格", "1", "0"] in _table(html, "patrol")
