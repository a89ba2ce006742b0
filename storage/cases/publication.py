"""Typical cases (典型案例) for the public page: the resident's consent, and the text the command center published.

The resident is asked in the revisit whether the outcome may be shown anonymously; only with that
consent may the command center publish a completed case, with a public text it reviewed (proposed by
storage.wishes.redact). Publishing and unpublishing are also lifecycle actions (publish, unpublish),
so each is an event in the case's history; this module keeps the current state beside the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases.lifecycle import DONE_STATES
from storage.models.cases import Case, CasePublication

UNPUBLISHABLE_RESOLUTIONS = frozenset({"duplicate", "not_responsible", "withdrawn"})


@dataclass(frozen=True)
class PublishedCase:
    """A typical case as the public sees it: no names, no contact, the reviewed text only."""

    number: str
    category: str | None
    street_id: int | None
    community_id: int | None
    completed_at: datetime | None
    published_at: datetime
    text: str


async def publication_of(session: AsyncSession, case_id: int) -> CasePublication | None:
    """Return a case's consent and publication, if any was recorded."""
    return await session.get(CasePublication, case_id)


async def record_consent(session: AsyncSession, case_id: int, consent: bool, now: datetime) -> CasePublication:
    """Record the resident's answer: may the outcome be published anonymously (the caller commits)."""
    found = await session.get(CasePublication, case_id, with_for_update=True)
    if found is None:
        found = CasePublication(case_id=case_id, consent=consent, consent_at=now, updated_at=now)
        session.add(found)
    else:
        found.consent, found.consent_at, found.updated_at = consent, now, now
    await session.flush()
    return found


def publishable(case: Case, publication: CasePublication | None) -> bool:
    """Tell whether a case may be published now: completed (not closed as a duplicate or not ours), with consent, not shown yet."""
    return (
        publication is not None
        and publication.consent is True
        and publication.published_at is None
        and case.status in {s.value for s in DONE_STATES}
        and case.completed_at is not None
        and (case.resolution or "") not in UNPUBLISHABLE_RESOLUTIONS
    )


async def awaiting_publication(session: AsyncSession, limit: int = 200) -> list[Case]:
    """Return the completed cases whose resident agreed to publishing and that are not shown yet, newest answer first."""
    query = (
        select(Case)
        .join(CasePublication, CasePublication.case_id == Case.id)
        .where(
            CasePublication.consent.is_(True),
            CasePublication.published_at.is_(None),
            Case.status.in_([s.value for s in DONE_STATES]),
            Case.completed_at.is_not(None),
        )
        .order_by(CasePublication.consent_at.desc(), Case.id.desc())
        .limit(limit)
    )
    return [case for case in (await session.scalars(query)).all() if (case.resolution or "") not in UNPUBLISHABLE_RESOLUTIONS]


async def mark_published(session: AsyncSession, case_id: int, text: str, person_id: int | None, now: datetime) -> None:
    """Keep the published text beside the case (after the publish action was applied)."""
    found = await session.get(CasePublication, case_id, with_for_update=True)
    if found is None:
        raise ValueError(f"case {case_id} has no consent to publish")
    found.public_text, found.published_at, found.published_by_person_id, found.updated_at = text, now, person_id, now


async def mark_unpublished(session: AsyncSession, case_id: int, now: datetime) -> None:
    """Take a case off the public page (after the unpublish action was applied)."""
    found = await session.get(CasePublication, case_id, with_for_update=True)
    if found is not None:
        found.published_at, found.updated_at = None, now


async def published_cases(session: AsyncSession, *, limit: int = 20, until: datetime | None = None) -> list[PublishedCase]:
    """Return the typical cases on show, newest first (only completed cases whose resident consented)."""
    query = (
        select(Case, CasePublication)
        .join(CasePublication, CasePublication.case_id == Case.id)
        .where(
            CasePublication.published_at.is_not(None),
            CasePublication.consent.is_(True),
            CasePublication.public_text.is_not(None),
            Case.status.in_([s.value for s in DONE_STATES]),
        )
        .order_by(CasePublication.published_at.desc(), Case.id.desc())
        .limit(limit)
    )
    if until is not None:
        query = query.where(CasePublication.published_at < until)
    found = []
    for case, publication in (await session.execute(query)).all():
        if publication.published_at is not None and publication.public_text:
            found.append(
                PublishedCase(case.number, case.category, case.street_id, case.community_id, case.completed_at, publication.published_at, publication.public_text)
            )
    return found
