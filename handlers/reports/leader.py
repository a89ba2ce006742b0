"""A leader's report as a chat message: the same text and chart whether the scheduler pushes it on Monday
or the 1st, or the leader asks for it in chat (本周报告 / 本月报告). The chart goes into the media store
with the outbox rows that push it, so any machine's sender finds it (as `media:HASH`).

Asking files a request (report_requests); the scheduler's `requested_reports` job builds the report
off the chat's transaction and pushes it through the outbox, so nobody's chat waits for a report.
驾驶舱 answers with a personal single-use link into the web cockpit (storage.cockpit_access).
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core import Context, Step, UserError
from handlers.messages import Outbound
from handlers.reports.build import Keywords, Report, build_report
from handlers.reports.chart import chart_png
from handlers.reports.settings import ReportsSection
from handlers.reports.text import push_text
from nlp.hotspots import load_keyword_tokenizer
from nlp.settings import NlpSettings
from storage.cases.lifecycle import Role
from storage.cockpit_access import CockpitDenied, issue_link
from storage.media.images import Prepared, prepare
from storage.media.store import CHART, put_media
from storage.models.people import RoleBinding, Unit
from storage.models.reports import ReportRequest
from storage.stats.period import Period

KINDS = ("week", "month")
# Who may ask for a report in chat, and whose report they get: a leader bound to a street (or a
# community) gets that unit's, a district leader and the command center the district's.
REPORT_ROLES = (Role.LEADER.value, Role.COMMAND_CENTER.value)
SCOPED_KINDS = ("street", "community")


async def report_scope(session: AsyncSession, person_id: int) -> tuple[bool, str | None]:
    """Return whether a person may have reports, and the unit code of theirs (None: the district's)."""
    query = (
        select(Unit.kind, Unit.code)
        .join(RoleBinding, RoleBinding.unit_id == Unit.id)
        .where(RoleBinding.person_id == person_id, RoleBinding.role.in_(REPORT_ROLES))
        .order_by(RoleBinding.id)
    )
    rows = (await session.execute(query)).all()
    if not rows:
        return False, None
    if any(kind not in SCOPED_KINDS for kind, _ in rows):
        return True, None  # a district-wide role sees the district
    return True, str(rows[0].code)


async def request_report(ctx: Context, kind: str) -> Step:
    """File a request for this week's or month's report (to date); the report arrives as a push."""
    if kind not in KINDS:
        raise UserError(ctx.t("errors.unknown_button"))
    allowed, _ = await report_scope(ctx.uow.session, ctx.person.id)
    if not allowed:
        raise UserError(ctx.t("reports.chat.not_allowed"))
    pending = select(ReportRequest.id).where(
        ReportRequest.person_id == ctx.person.id, ReportRequest.kind == kind, ReportRequest.done_at.is_(None)
    )
    if (await ctx.uow.session.scalars(pending)).first() is None:
        ctx.uow.session.add(ReportRequest(person_id=ctx.person.id, kind=kind, requested_at=ctx.now))
    return ctx.step(Outbound(text=ctx.t(f"reports.chat.coming_{kind}")))


async def cockpit_link(ctx: Context) -> Step:
    """Send a personal single-use link into the data cockpit (leaders, the command center, administrators)."""
    section = ctx.services.cockpit
    try:
        issued = await issue_link(ctx.uow.session, ctx.person.id, ctx.now, timedelta(hours=section.link_hours), via="chat")
    except CockpitDenied as exc:
        raise UserError(ctx.t("cockpit.chat.not_allowed")) from exc
    url = section.link(issued.code, ctx.services.web_address)
    return ctx.step(Outbound(text=ctx.t("cockpit.chat.link", url=url, expires=ctx.local(issued.expires_at), hours=f"{section.session_hours:g}")))


def nlp_settings_of(settings: object) -> NlpSettings:
    """Return the configured routing settings (for the tokenizer), or the packaged defaults."""
    method = getattr(settings, "nlp_settings", None)
    found = method() if callable(method) else None
    return found if isinstance(found, NlpSettings) else NlpSettings()


async def load_keywords(settings: object) -> Keywords:
    """Load the project's jieba tokenizer and stop words off the event loop."""
    tokenizer, stopwords = await asyncio.to_thread(load_keyword_tokenizer, nlp_settings_of(settings))
    return Keywords(tokenizer, stopwords)


@dataclass(frozen=True)
class ReportMessage:
    """A report's text as a message, and its chart ready for the media store."""

    message: Outbound
    chart: Prepared

    async def stored(self, session: AsyncSession, now: datetime) -> Outbound:
        """Keep the chart in the media store (on a write session) and return the message showing it."""
        ref = await put_media(session, self.chart, now, kind=CHART)
        return dataclasses.replace(self.message, image=ref)


def _chart(report: Report) -> Prepared:
    """Draw a report's chart and prepare it for the media store (PNG, with a thumbnail)."""
    return prepare(chart_png(report), drawing=True)


async def report_message(
    session: AsyncSession,
    period: Period,
    unit_code: str | None,
    *,
    now: datetime,
    tz: ZoneInfo,
    section: ReportsSection,
    language: str,
    keywords: Keywords,
) -> ReportMessage:
    """Build one unit's report on SESSION (a read session), and render its text and its chart."""
    report = await build_report(
        session, period, unit_code=unit_code, tz=tz, now=now, settings=section, keywords=keywords, language=language
    )
    chart = await asyncio.to_thread(_chart, report)
    return ReportMessage(Outbound(text=push_text(report, tz, section.min_volume)), chart)
