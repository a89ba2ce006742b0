"""Small things that were wrong: a period with a time in it, bidi isolates, Telegram's retry_after."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.sanitise import clean_text
from nlp.text import Normaliser, opencc_simplify
from storage.stats.period import parse_period

TZ = ZoneInfo("Asia/Shanghai")


def test_a_period_given_with_times_keeps_its_t() -> None:
    period = parse_period("2026-11-01T08:00..2026-11-02T08:00", datetime(2026, 12, 1, tzinfo=UTC), TZ)
    assert period.start == datetime(2026, 11, 1, 8, 0, tzinfo=TZ) and period.end - period.start == timedelta(days=1)
    assert parse_period("WEEK", datetime(2026, 12, 1, tzinfo=UTC), TZ).kind == "week"


def test_bidi_isolates_are_removed_like_the_classifier_removes_them() -> None:
    text = "东湖路\u2066有个坑\u2069，\u2067\u2068危险"
    assert clean_text(text) == "东湖路有个坑，危险"
    normalise = Normaliser(opencc_simplify(), {})
    assert normalise(clean_text(text)) == normalise(text).replace(" ", "")


def test_telegram_retry_after_is_read_through_the_public_property() -> None:
    from telegram.error import RetryAfter

    from bot.channels.telegram.ptb import _retry_after

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        error = RetryAfter(timedelta(seconds=7))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reading it must not warn
        assert _retry_after(error) == 7.0
