"""The love bank in the leaders' monthly report: points earned and redeemed, hours, the most active volunteers
of each community (named only with their consent), rewards not collected; scoped like the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.messages import outbound_from_payload
from scheduler.reports import push_reports
from scheduler.wiring import JobDeps
from storage.lovebank.activities import check_in, confirm_hours, sign_up, signups_of
from storage.lovebank.ledger import WISH, NewEntry, post, set_consent
from storage.lovebank.redemptions import Redeemer, expire, hand_over, redeem
from storage.models.lovebank import Redemption
from tests.districts import District
from tests.lovebank.helpers import ADMIN, activity, give, person_id, reward, volunteers


async def _a_month_of_love_bank(district: District) -> None:
    """Two volunteers serve at an activity (one agreed to be named), a wish is credited elsewhere, three rewards redeemed."""
    now = district.clock()
    named, unnamed = await volunteers(district, 2)
    activity_id, code = await activity(district, starts_in=timedelta(minutes=30), minutes=120)
    party2 = await person_id(district, "party-2")
    async with district.app.uow() as uow:
        cuizhu = await uow.units.by_code("cuizhu")
        assert cuizhu is not None
        for person in (named, unnamed):
            await sign_up(uow.session, activity_id, person, now)
            await check_in(uow.session, code, person, now + timedelta(hours=1), early=timedelta(hours=1), late=timedelta(hours=1))
        await set_consent(uow.session, named, True, now)
        await set_consent(uow.session, unnamed, False, now)
        signups = {s.person_id: s.id for s in await signups_of(uow.session, activity_id)}
        await confirm_hours(uow.session, signups[named], 120, ADMIN, now + timedelta(hours=3))
        await confirm_hours(uow.session, signups[unnamed], 60, ADMIN, now + timedelta(hours=3))
        await post(uow.session, NewEntry(party2, 10, WISH, 99, None, cuizhu.id, "wish:99:test"), ADMIN, now)
        await set_consent(uow.session, party2, True, now)
        await uow.commit()
    party1 = await person_id(district, "party-1")
    await give(district, party1, 100)
    rewards = [await reward(district, points=p, stock=1, name=n, communities=()) for p, n in ((20, "大米5斤"), (15, "理发券"), (30, "食用油"))]
    async with district.app.uow() as uow:
        made = [await redeem(uow.session, r, Redeemer(party1, None), now, days=3, today=now.date()) for r in rewards]
        await hand_over(uow.session, made[0].id, party1, now)
        await uow.commit()
    async with district.app.uow() as uow:
        expired = await uow.session.get(Redemption, made[2].id)
        assert expired is not None
        expired.expires_at = now + timedelta(hours=1)
        await uow.commit()
    async with district.app.uow() as uow:
        assert await expire(uow.session, expired, now + timedelta(hours=2))
        await uow.commit()


async def test_the_monthly_report_shows_the_love_bank(district: District) -> None:
    await _a_month_of_love_bank(district)
    deps = JobDeps(session_factory=district.app.session_factory, settings=district.app.config)
    first_of_december = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)
    await push_reports(deps, first_of_december, "month")
    district_report = outbound_from_payload((await district.chat("leader-district").inbox())[0].payload).text
    assert "爱心银行：3 人获得积分 40 分，志愿服务 3.0 小时；兑换 3 次共 35 分" in district_report
    assert "未领取的兑换：1 份待领取，1 份过期未领（积分已退回）" in district_report
    assert "最活跃的志愿者：桂香苑社区 志愿者vol0 20分（共 2 人）；翠竹社区 苗甲 10分（共 1 人）" in district_report
    assert "志愿者vol1" not in district_report
    street_report = outbound_from_payload((await district.chat("leader-dh").inbox())[0].payload).text
    assert "爱心银行：2 人获得积分 30 分，志愿服务 3.0 小时" in street_report and "翠竹社区" not in street_report
    west = outbound_from_payload((await district.chat("leader-xs").inbox())[0].payload).text
    assert "爱心银行：1 人获得积分 10 分，志愿服务 0.0 小时；兑换 0 次共 0 分" in west and "未领取" not in west


async def test_a_quiet_month_has_no_love_bank_lines(local_district: District) -> None:
    deps = JobDeps(session_factory=local_district.app.session_factory, settings=local_district.app.config)
    await push_reports(deps, datetime(2026, 12, 1, 0, 5, tzinfo=UTC), "month")
    assert "爱心银行" not in outbound_from_payload((await local_district.chat("leader-district").inbox())[0].payload).text
