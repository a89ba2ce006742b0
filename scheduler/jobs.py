"""The scheduled jobs: plain module-level coroutines that take their dependencies and `now`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from handlers.reports.keywords import fill_all_keywords, shared_keywords
from handlers.reports.settings import reports_of
from nlp.categories import packaged_categories
from scheduler.calendar_check import check_calendar
from scheduler.lights.sweep import sweep_lights
from scheduler.lovebank_jobs import expire_redemptions, expiry_schedule, expiry_trigger
from scheduler.reports import (
    monthly_report,
    monthly_trigger,
    requested_reports,
    weekly_report,
    weekly_trigger,
)
from scheduler.retrain import nlp_of, routing_retrain
from scheduler.revisit_jobs import follow_up_revisits
from scheduler.settings import SettingsLike
from scheduler.wiring import JobDeps, load_supervision, sweep_settings
from scheduler.wish_jobs import wish_reminders, wish_schedule, wish_trigger
from storage.cases.categories import fill_categories
from storage.clock import parse_clock_time
from storage.retention import apply_retention
from storage.settings import RetentionSection
from storage.stats.rollup import refresh_rollup
from storage.uow import UnitOfWork


async def light_sweep(deps: JobDeps, now: datetime) -> str:
    """Fire every red, yellow and sign-for light due at NOW, once, and queue its nudges."""
    supervision = await load_supervision(deps.session_factory, deps.settings)
    result = await sweep_lights(deps.session_factory, supervision, sweep_settings(deps.settings), now)
    return result.describe()


async def calendar_check(deps: JobDeps, now: datetime) -> str:
    """Warn administrators when the working-day calendar lacks the current or coming year."""
    settings = deps.settings
    if settings.calendar.mode != "working":
        return "the light clock counts natural hours: no working-day calendar to check"
    missing = await check_calendar(
        deps.session_factory, settings.tz, settings.calendar.warn_days_ahead, settings.app.language, now
    )
    if not missing:
        return "the working-day calendar knows every year it needs"
    return "calendar lacks " + ", ".join(map(str, missing)) + ": administrators warned"


async def revisit_followup(deps: JobDeps, now: datetime) -> str:
    """Remind residents who did not answer their revisit, then hand it to the command center by phone."""
    return (await follow_up_revisits(deps, now)).describe()


async def retention(deps: JobDeps, now: datetime) -> str:
    """Remove personal data past its [retention] limits, in batches, and record how much (never what)."""
    section: RetentionSection = getattr(deps.settings, "retention", RetentionSection())
    counts = await apply_retention(deps.session_factory, section, now)
    return "retention: " + ", ".join(f"{kind} {count}" for kind, count in counts.items())


def _retention_trigger(settings: SettingsLike) -> BaseTrigger:
    """Return the retention job's trigger: daily at [retention] run_at, local time."""
    section: RetentionSection = getattr(settings, "retention", RetentionSection())
    at = parse_clock_time(section.run_at)
    hour, minute = (at.hour, at.minute) if at else (3, 30)
    return CronTrigger(hour=hour, minute=minute, timezone=settings.tz)
async def case_categories(deps: JobDeps, now: datetime) -> str:
    """Give a problem category to cases that have none (from before categories existed, or loaded in bulk)."""
    categories = packaged_categories()
    done = 0
    while True:
        async with UnitOfWork(deps.session_factory) as uow:
            found = await fill_categories(uow.session, categories.categorise)
            await uow.commit()
        done += found
        if found == 0:
            return f"{done} cases categorised"


async def case_keywords(deps: JobDeps, now: datetime) -> str:
    """Cut, once, the keywords of cases not cut yet (new ones, bulk-loaded ones; all again when the dictionary or gazetteer changed)."""
    done = await fill_all_keywords(deps.session_factory, await shared_keywords(deps.settings), now)
    return f"{done} cases' keywords cut"


async def stats_rollup(deps: JobDeps, now: datetime) -> str:
    """Bring the daily rollup of the headline figures up to date (every closed day whose cases changed)."""
    async with UnitOfWork(deps.session_factory) as uow:
        done = await refresh_rollup(uow.session, deps.settings.tz, now)
        await uow.commit()
    return done


Job = Callable[[JobDeps, datetime], Awaitable[str]]
REQUESTED_REPORTS_SECONDS = 5  # how soon a report asked for in chat is built and pushed
ROLLUP_SECONDS = 60  # how often the daily rollup of the cockpit's headline figures catches up
KEYWORDS_SECONDS = 60  # how often new cases' keywords are cut (storage/stats/keywords.py)


@dataclass(frozen=True)
class JobSpec:
    """A job, how it is triggered, and why its scheduling options are what they are."""

    name: str
    func: Job
    trigger: Callable[[SettingsLike], BaseTrigger]
    schedule: Callable[[SettingsLike], str]
    # Seconds a run may start late and still run (e.g. after the loop was blocked or the
    # process was suspended). A later run is skipped, not stacked: the next run catches up.
    misfire_grace_time: int


def _sweep_trigger(settings: SettingsLike) -> BaseTrigger:
    """Return the light sweep's interval trigger."""
    return IntervalTrigger(seconds=settings.scheduler.sweep_seconds, timezone=settings.tz)


def _daily_trigger(settings: SettingsLike) -> BaseTrigger:
    """Return the daily calendar check's trigger (local time)."""
    at = parse_clock_time(settings.scheduler.calendar_check_at)
    hour, minute = (at.hour, at.minute) if at else (0, 0)
    return CronTrigger(hour=hour, minute=minute, timezone=settings.tz)


RETRAIN_AT = (6, 3, 0)  # Sundays (day_of_week 6) at 03:00 local: the quietest hour of the week


def _retrain_trigger(settings: SettingsLike) -> BaseTrigger:
    """Return the weekly retrain's trigger (it does nothing unless [nlp] retrain = "weekly")."""
    day, hour, minute = RETRAIN_AT
    return CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=settings.tz)


def _retrain_schedule(settings: SettingsLike) -> str:
    """Describe when the retrain runs, and whether it is on."""
    state = "on" if nlp_of(settings).retrain == "weekly" else 'off: [nlp] retrain = "off"'
    return f"Sundays at 03:00 ({settings.tz.key}), {state}"


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec(
            "light_sweep",
            light_sweep,
            _sweep_trigger,
            lambda s: f"every {s.scheduler.sweep_seconds} s",
            # A sweep that starts late is still worth running; one more than an interval late is
            # superseded by the next run, which finds everything due anyway (catch-up is done by
            # the query on next_alert_at, not by replaying missed runs).
            misfire_grace_time=60,
        ),
        JobSpec(
            "revisit_followup",
            revisit_followup,
            lambda s: IntervalTrigger(minutes=30, timezone=s.tz),
            lambda s: "every 30 min",
            # Each reminder and task is keyed in the outbox, so a late or repeated run sends nothing twice.
            misfire_grace_time=1800,
        ),
        JobSpec(
            "calendar_check",
            calendar_check,
            _daily_trigger,
            lambda s: f"daily at {s.scheduler.calendar_check_at} ({s.tz.key})",
            # A daily check missed by a few hours (a restart in the morning) should still run today.
            misfire_grace_time=6 * 3600,
        ),
        JobSpec(
            "weekly_report",
            weekly_report,
            weekly_trigger,
            lambda s: f"Mondays at {reports_of(s).send_at} ({s.tz.key})",
            # Leaders should still get Monday's report after a morning restart; the outbox keys make
            # a late or repeated run send nothing twice.
            misfire_grace_time=12 * 3600,
        ),
        JobSpec(
            "monthly_report",
            monthly_report,
            monthly_trigger,
            lambda s: f"monthly, the 1st at {reports_of(s).send_at} ({s.tz.key})",
            misfire_grace_time=12 * 3600,
        ),
        JobSpec(
            "requested_reports",
            requested_reports,
            lambda s: IntervalTrigger(seconds=REQUESTED_REPORTS_SECONDS, timezone=s.tz),
            lambda s: f"every {REQUESTED_REPORTS_SECONDS} s",
            # Requests wait in the database; a late run answers them all, each once.
            misfire_grace_time=60,
        ),
        JobSpec(
            "retention",
            retention,
            _retention_trigger,
            lambda s: f"daily at {getattr(s, 'retention', RetentionSection()).run_at} ({s.tz.key})",
            # Daily; each rule finds what has aged since, so a late or missed run catches up by itself.
            misfire_grace_time=12 * 3600,
        ),
        JobSpec(
            "case_categories",
            case_categories,
            lambda s: IntervalTrigger(minutes=10, timezone=s.tz),
            lambda s: "every 10 min",
            # New cases are categorised when registered; this only catches older or bulk-loaded ones.
            misfire_grace_time=600,
        ),
        JobSpec(
            "case_keywords",
            case_keywords,
            lambda s: IntervalTrigger(seconds=KEYWORDS_SECONDS, timezone=s.tz),
            lambda s: f"every {KEYWORDS_SECONDS} s",
            # Reports cut what is not cut yet themselves, so a late run costs only their speed.
            misfire_grace_time=KEYWORDS_SECONDS,
        ),
        JobSpec(
            "stats_rollup",
            stats_rollup,
            lambda s: IntervalTrigger(seconds=ROLLUP_SECONDS, timezone=s.tz),
            lambda s: f"every {ROLLUP_SECONDS} s",
            # The cockpit counts what changed since the last run directly, so a late run costs only speed.
            misfire_grace_time=ROLLUP_SECONDS,
        ),
        JobSpec(
            "wish_reminders",
            wish_reminders,
            wish_trigger,
            wish_schedule,
            # Daily; reminders are deduplicated in the outbox, so a late or repeated run is harmless.
            misfire_grace_time=6 * 3600,
        ),
        JobSpec(
            "lovebank_expiry",
            expire_redemptions,
            expiry_trigger,
            expiry_schedule,
            # Each redemption expires once (a conditional update); a late run catches up on the rest.
            misfire_grace_time=3600,
        ),
        JobSpec(
            "routing_retrain",
            routing_retrain,
            _retrain_trigger,
            _retrain_schedule,
            # A week's retrain missed by a restart still runs that day; a repeated run only adds a version.
            misfire_grace_time=12 * 3600,
        ),
    )
}
