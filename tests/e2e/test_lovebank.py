"""The love bank in the running app: points earned at an activity and redeemed for a code, across the
organiser's and the volunteer's inboxes, then the ledger checked and the expiry job run by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.e2e.conftest import assert_clean
from tests.e2e.process import Server
from tests.e2e.simclient import SimClient
from tests.e2e.walks import SHANGHAI, lovebank_loop


def test_points_earned_at_an_activity_and_redeemed(demo_server: Server, sim: SimClient) -> None:
    started = datetime.now(SHANGHAI) - timedelta(minutes=10)
    lovebank_loop(sim, started.strftime("%Y-%m-%d %H:%M"))
    later = (started + timedelta(days=15)).isoformat()
    assert "uncollected redemptions expired, points returned" in demo_server.qungong("jobs", "run", "lovebank_expiry", "--now", later).stdout
    assert "every balance is the sum of its ledger entries" in demo_server.qungong("lovebank", "check").stdout
    assert_clean(demo_server)
