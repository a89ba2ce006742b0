"""The love bank in a leader's report: points earned and redeemed, volunteer hours, the most active
volunteers of each community (named only with their consent), and the rewards not collected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.texts import Texts
from storage.lovebank.stats import LovebankCounts, lovebank_counts
from storage.stats.directory import Directory, Scope
from storage.stats.period import Period

TOP_VOLUNTEERS = 3  # named per community
COMMUNITIES_SHOWN = 8
SCOPES = ("district", "street", "community")


@dataclass(frozen=True)
class LovebankFigures:
    """The period's love bank figures, and the names of the communities they mention."""

    counts: LovebankCounts
    community_names: dict[int, str]


async def lovebank_figures(
    session: AsyncSession, directory: Directory, period: Period, scope: Scope, community_ids: Sequence[int] | None
) -> LovebankFigures | None:
    """Return the love bank figures of a district, street or community (None for other scopes)."""
    if scope.kind not in SCOPES:
        return None
    counts = await lovebank_counts(session, period.start, period.end, None if scope.kind == "district" else community_ids, top=TOP_VOLUNTEERS)
    names = {c: directory.by_id[c].name for c in counts.communities if c in directory.by_id}
    return LovebankFigures(counts, names)


def _volunteer_lines(figures: LovebankFigures, texts: Texts) -> list[str]:
    """Return the most active volunteers, community by community (the busiest first)."""
    separator = texts.t("reports.separator")
    busiest = sorted(figures.counts.communities.items(), key=lambda item: (-item[1].active, item[0]))
    items = []
    for community_id, found in busiest[:COMMUNITIES_SHOWN]:
        community = figures.community_names.get(community_id, "—")
        named = separator.join(texts.t("lovebank.report.volunteer", name=v.name, points=v.points, hours=f"{v.minutes / 60:g}") for v in found.named)
        key = "lovebank.report.community" if named else "lovebank.report.unnamed"
        items.append(texts.t(key, community=community, names=named, active=found.active))
    return [texts.t("lovebank.report.volunteers", items=texts.t("lovebank.report.community_separator").join(items))] if items else []


def lovebank_lines(figures: LovebankFigures | None, texts: Texts) -> list[str]:
    """Return the report's love bank lines (none when nothing happened in the love bank)."""
    if figures is None or figures.counts.empty:
        return []
    c = figures.counts
    lines = [
        texts.t("lovebank.report.summary", earned=c.earned, earners=c.earners, hours=f"{c.minutes / 60:.1f}", redemptions=c.redemptions, redeemed=c.redeemed),
    ]
    if c.waiting or c.expired:
        lines.append(texts.t("lovebank.report.unclaimed", waiting=c.waiting, expired=c.expired))
    return lines + _volunteer_lines(figures, texts)
