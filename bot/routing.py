"""The routing classifier a running QunGong uses: the active model version from the database, swapped in while it runs.

At start the model is the database's active version (`qungong nlp use`, or promoted by the
retrain job), else the model file configured in [nlp]. Every minute each worker checks which
version is active and swaps its classifier when that changed, so a promotion or a rollback reaches
every process without a restart. The flows see one object with the classifier's methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nlp import Classification, Classifier, NlpInputError
from nlp.model import RoutingModel
from nlp.taxonomy import Taxonomy
from storage.routing_models import active_number, decode_body, get_version

log = logging.getLogger(__name__)
CHECK_SECONDS = 60.0


class LiveClassifier:
    """A classifier whose model can be replaced while requests are being classified."""

    def __init__(self, base: Classifier, version: int | None = None) -> None:
        """Start with a loaded classifier (version None: the configured model file)."""
        self.base = base
        self.current = base
        self.version = version

    @property
    def taxonomy(self) -> Taxonomy:
        """Return the taxonomy of the classifier in use."""
        return self.current.taxonomy

    def classify(self, text: str) -> Classification:
        """Pick a department for a text with the model in use."""
        return self.current.classify(text)

    def guess_request_type(self, text: str) -> str:
        """Guess help / complaint / suggestion / consultation with the model in use."""
        return self.current.guess_request_type(text)

    def use(self, model: RoutingModel | None, version: int | None) -> None:
        """Switch to a model (None: back to the configured model file)."""
        self.current = self.base if model is None else self.base.with_model(model)
        self.version = version


async def load_version(session_factory: async_sessionmaker[AsyncSession], number: int) -> RoutingModel | None:
    """Return a stored version's model, or None when it is gone."""
    async with session_factory() as session:
        row = await get_version(session, number)
        return None if row is None else RoutingModel.from_json(decode_body(row.body))


async def refresh(live: LiveClassifier, session_factory: async_sessionmaker[AsyncSession]) -> bool:
    """Switch to the active version if it changed; return whether it did."""
    async with session_factory() as session:
        number = await active_number(session)
    if number == live.version:
        return False
    try:
        model = None if number is None else await load_version(session_factory, number)
        if number is not None and model is None:
            return False
        await asyncio.to_thread(live.use, model, number)
    except NlpInputError as exc:
        log.warning("routing model version %s cannot be used (%s): keeping version %s", number, exc, live.version)
        return False
    log.info("routing model: now %s", f"version {number}" if number is not None else "the configured model file")
    return True


async def watch(live: LiveClassifier, session_factory: async_sessionmaker[AsyncSession], stop: asyncio.Event, every: float = CHECK_SECONDS) -> None:
    """Check for a new active version every `every` seconds until stop is set."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
        if stop.is_set():
            return
        try:
            await refresh(live, session_factory)
        except Exception:  # a database hiccup must not end the watch
            log.exception("routing model check failed")
