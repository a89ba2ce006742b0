"""The whole configuration: every section, assembled from the packages they configure, and what they mean together."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.channels.settings import ChannelSettings, channel_problems
from bot.config.sections import AppSection, LoggingSection, app_problems
from bot.outbox.settings import LimitsSection, OutboxSection, limits_problems, outbox_problems
from bot.web.open311.settings import Open311Section, open311_problems
from bot.web.settings import WebSection, web_problems
from handlers.reports.settings import (
    CockpitSection,
    ReportsSection,
    cockpit_problems,
    reports_problems,
)
from handlers.settings import (
    AbuseSection,
    ConversationSection,
    abuse_problems,
    conversation_problems,
)
from nlp.settings import NlpSection, NlpSettings, nlp_problems
from scheduler.settings import (
    CalendarSection,
    RevisitSection,
    SchedulerSection,
    SupervisionSection,
    scheduler_problems,
)
from storage.cases.settings import LifecycleSection, SlaSection, lifecycle_problems, sla_problems
from storage.lovebank.settings import LovebankSection, lovebank_problems
from storage.settings import (
    InvitesSection,
    RetentionSection,
    StorageSection,
    invites_problems,
    retention_problems,
    storage_problems,
)
from storage.wishes.settings import WishesSection, wishes_problems


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    app: AppSection = AppSection()
    storage: StorageSection = StorageSection()
    web: WebSection = WebSection()
    nlp: NlpSection = NlpSection()
    sla: SlaSection = SlaSection()
    lifecycle: LifecycleSection = LifecycleSection()
    invites: InvitesSection = InvitesSection()
    revisit: RevisitSection = RevisitSection()
    conversation: ConversationSection = ConversationSection()
    logging: LoggingSection = LoggingSection()
    calendar: CalendarSection = CalendarSection()
    supervision: SupervisionSection = SupervisionSection()
    scheduler: SchedulerSection = SchedulerSection()
    outbox: OutboxSection = OutboxSection()
    limits: LimitsSection = LimitsSection()
    abuse: AbuseSection = AbuseSection()
    retention: RetentionSection = RetentionSection()
    wishes: WishesSection = WishesSection()
    reports: ReportsSection = ReportsSection()
    lovebank: LovebankSection = LovebankSection()
    cockpit: CockpitSection = CockpitSection()
    open311: Open311Section = Open311Section()
    channels: tuple[ChannelSettings, ...] = ()
    source: str = "defaults"

    @property
    def tz(self) -> ZoneInfo:
        """Return the configured time zone."""
        return ZoneInfo(self.app.timezone)

    def nlp_settings(self) -> NlpSettings:
        """Return the routing settings with configured paths or the packaged defaults."""
        return self.nlp.resolved()


def config_problems(config: Config) -> list[str]:
    """Return what is wrong with the meaning of a configuration whose types are right (empty when fine)."""
    problems = []
    try:
        ZoneInfo(config.app.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"app.timezone: unknown time zone {config.app.timezone!r} (e.g. Asia/Shanghai)")
    problems += app_problems(config.app, config.logging)
    problems += storage_problems(config.storage)
    problems += web_problems(config.web)
    problems += nlp_problems(config.nlp)
    problems += sla_problems(config.sla)
    problems += lifecycle_problems(config.lifecycle)
    problems += invites_problems(config.invites)
    problems += conversation_problems(config.conversation)
    problems += scheduler_problems(config.calendar, config.supervision, config.scheduler, config.revisit)
    problems += outbox_problems(config.outbox)
    problems += limits_problems(config.limits)
    problems += abuse_problems(config.abuse)
    problems += retention_problems(config.retention)
    problems += wishes_problems(config.wishes)
    problems += reports_problems(config.reports)
    problems += lovebank_problems(config.lovebank)
    problems += cockpit_problems(config.cockpit)
    problems += open311_problems(config.open311)
    problems += channel_problems(config.channels)
    return problems
