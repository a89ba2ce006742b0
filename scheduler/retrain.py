"""Learn from the district's own decisions: training rows from the case history, candidate models, promotion.

`routing_retrain` (weekly when `[nlp] retrain = "weekly"`) trains a candidate on the seed examples and
every decided or confirmed case older than the most recent month, evaluates it and the model in use
on that month's cases (which neither was trained on: the model in use was trained before them, if
it too came from this job), stores the candidate as a new version with both sets of figures, and
makes it the active one only if it is better: more cases right (top-1, the command center counting
for its own cases), no more of them routed automatically to a wrong department, and still routing at
least half as many as the model in use. Workers
pick up a new active version within a minute (bot/routing.py). `qungong nlp train --from-db` uses the
same history rows; `qungong nlp use VERSION` rolls back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nlp.classifier import Classifier, load_featurizer
from nlp.cli import evaluate_rows
from nlp.evaluate import Report
from nlp.model import RoutingModel
from nlp.pipeline import Featurizer
from nlp.settings import NlpSection, NlpSettings
from nlp.taxonomy import Taxonomy
from nlp.training import LabelledRow, load_model, read_rows
from scheduler.wiring import JobDeps
from storage.cases.history import DecidedCase, decided_cases
from storage.routing_models import activate, active_version, add_version, decode_body, prune

WINDOW = timedelta(days=30)
MIN_WINDOW_ROWS = 20
WRONG_SLACK = 0.005


def nlp_of(settings: Any) -> NlpSection:
    """Return the [nlp] section of a configuration (the defaults when it has none)."""
    section = getattr(settings, "nlp", None)
    return section if isinstance(section, NlpSection) else NlpSection()


def as_rows(cases: Sequence[DecidedCase], taxonomy: Taxonomy) -> list[LabelledRow]:
    """Turn decided cases into labelled rows, keeping those whose department the taxonomy knows."""
    codes, types = set(taxonomy.codes), set(taxonomy.request_type_codes)
    return [
        LabelledRow(c.text, c.department, c.request_type if c.request_type in types else None)
        for c in cases
        if c.department in codes
    ]


async def history(
    session_factory: async_sessionmaker[AsyncSession], taxonomy: Taxonomy, since: datetime | None = None, until: datetime | None = None
) -> list[DecidedCase]:
    """Return the decided or confirmed cases received in [since, until) whose department the taxonomy knows."""
    community = next(iter(taxonomy.community_codes()), None)
    async with session_factory() as session:
        cases = await decided_cases(session, since=since, until=until, community_code=community)
    return [c for c in cases if c.department in taxonomy.codes]


def seed_rows(section: NlpSection, taxonomy: Taxonomy) -> list[LabelledRow]:
    """Return the configured seed examples ([nlp] training_files, or the packaged ones)."""
    return [row for path, calibrate in section.seed_files() for row in read_rows(Path(path), taxonomy, calibrate=calibrate)]


@dataclass(frozen=True)
class Candidate:
    """A trained candidate with what it was trained on and its held-out figures."""

    model: RoutingModel
    figures: dict[str, Any]
    trained_on: int
    history_rows: int


def train_candidate(rows: Sequence[LabelledRow], history_rows: int, settings: NlpSettings) -> Candidate:
    """Train a model on rows with the configured taxonomy, lexicon and target precision (blocking: run in a thread)."""
    from nlp.learn.fit import TrainOptions, train_model  # noqa: PLC0415  (scikit-learn only when training)
    from nlp.learn.report import held_out_figures  # noqa: PLC0415

    taxonomy, _lexicon, featurizer = load_featurizer(settings)
    fitted = train_model(rows, featurizer, taxonomy, TrainOptions(target_precision=settings.target_precision))
    held = held_out_figures(fitted)
    return Candidate(replace(fitted.model, figures={"held_out": held}), {"held_out": held}, len(rows), history_rows)


async def current_model(session_factory: async_sessionmaker[AsyncSession], settings: NlpSettings) -> tuple[int | None, RoutingModel]:
    """Return the active version's number and model, or (None, the configured model file)."""
    async with session_factory() as session:
        row = await active_version(session)
        if row is not None:
            return row.id, RoutingModel.from_json(decode_body(row.body))
    return None, load_model(settings.model_path)


def evaluate(model: RoutingModel, rows: Sequence[LabelledRow], taxonomy: Taxonomy, featurizer: Featurizer) -> Report:
    """Evaluate a model on labelled rows at its own calibrated threshold."""
    return evaluate_rows(Classifier(taxonomy, featurizer, model), rows)


def figures_of(report: Report) -> dict[str, float]:
    """Return the headline figures of a report."""
    data = report.to_json()
    return {k: data[k] for k in ("n", "accuracy", "top1", "coverage", "accuracy_routed", "ece")}


def better(candidate: Report, current: Report) -> bool:
    """Say whether the candidate should replace the current model on the same cases.

    It must get more cases right, send no larger share of all cases to a wrong department
    automatically (half a point of slack), and still route at least half as many cases as the model
    in use (a model that routes nothing makes no routing mistakes, and is no better for it).
    """
    def wrongly_routed(report: Report) -> float:
        """Return the share of all cases routed automatically to a wrong department."""
        return report.coverage * (1.0 - report.accuracy_routed)

    return (
        candidate.accuracy > current.accuracy
        and wrongly_routed(candidate) <= wrongly_routed(current) + WRONG_SLACK
        and candidate.coverage >= current.coverage / 2
    )


async def store(
    session_factory: async_sessionmaker[AsyncSession],
    candidate: Candidate,
    *,
    source: str,
    history_until: datetime | None,
    now: datetime,
    figures: dict[str, Any] | None = None,
    promote: bool = False,
    note: str | None = None,
) -> int:
    """Store a candidate as a new version (and make it the active one when promote); return its number."""
    async with session_factory() as session:
        version = await add_version(
            session,
            candidate.model.to_json(),
            source=source,
            trained_on=candidate.trained_on,
            history_rows=candidate.history_rows,
            history_until=history_until,
            taxonomy=str(candidate.model.meta.get("taxonomy", "")),
            figures=figures or candidate.figures,
            now=now,
            note=note,
        )
        if promote:
            await activate(session, version.id, now)
        await prune(session)
        await session.commit()
        return version.id


async def routing_retrain(deps: JobDeps, now: datetime) -> str:
    """Retrain the routing model on the district's decisions; promote the candidate only if it beats the model in use on the last month."""
    section = nlp_of(deps.settings)
    if section.retrain == "off":
        return 'retraining is off ([nlp] retrain = "off")'
    settings = section.resolved()
    taxonomy, _lexicon, featurizer = await asyncio.to_thread(load_featurizer, settings)
    cutoff = now - WINDOW
    window = as_rows(await history(deps.reads, taxonomy, since=cutoff, until=now), taxonomy)
    if len(window) < MIN_WINDOW_ROWS:
        return f"only {len(window)} decided cases in the last {WINDOW.days} days (at least {MIN_WINDOW_ROWS} needed to compare): no candidate"
    older = as_rows(await history(deps.reads, taxonomy, until=cutoff), taxonomy)
    rows = seed_rows(section, taxonomy) + older
    candidate = await asyncio.to_thread(train_candidate, rows, len(older), settings)
    in_use, model = await current_model(deps.session_factory, settings)
    new_report = await asyncio.to_thread(evaluate, candidate.model, window, taxonomy, featurizer)
    old_report = await asyncio.to_thread(evaluate, model, window, taxonomy, featurizer)
    promote = better(new_report, old_report)
    figures = {**candidate.figures, "window": {"from": cutoff.isoformat(), "candidate": figures_of(new_report), "current": figures_of(old_report), "current_version": in_use}}
    number = await store(deps.session_factory, candidate, source="retrain", history_until=cutoff, now=now, figures=figures, promote=promote)
    verdict = "promoted" if promote else f"kept version {in_use or 'file'}"
    return (
        f"candidate v{number} on {len(window)} recent cases: accuracy {new_report.accuracy:.3f} "
        f"vs {old_report.accuracy:.3f} in use, routed {new_report.accuracy_routed:.3f} vs {old_report.accuracy_routed:.3f}: {verdict}"
    )
