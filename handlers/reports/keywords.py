"""Cut the keywords of every case not cut yet (the case_keywords job, `qungong keywords`, the demo's history).

The tokenizer is loaded once per process and settings (jieba's dictionary takes a second); each batch is
its own transaction, so a chat waits at most for one batch on SQLite.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.reports.build import Keywords
from handlers.reports.leader import load_keywords, nlp_settings_of
from storage.stats.directory import load_directory
from storage.stats.keywords import BATCH, fill_keywords

_LOADED: dict[object, Keywords] = {}


async def shared_keywords(settings: object) -> Keywords:
    """Return the keyword tokenizer for these settings, loaded once per process."""
    key = nlp_settings_of(settings)
    found = _LOADED.get(key)
    if found is None:
        found = _LOADED[key] = await load_keywords(settings)
    return found


async def fill_session_keywords(session: AsyncSession, keywords: Keywords, now: datetime, *, batch: int = BATCH) -> int:
    """Cut up to BATCH cases not cut yet in the caller's transaction; return how many."""
    vocabulary = keywords.vocabulary(await load_directory(session))
    return await fill_keywords(session, vocabulary, now, batch=batch)


async def fill_all_keywords(session_factory: async_sessionmaker[AsyncSession], keywords: Keywords, now: datetime) -> int:
    """Cut every case not cut yet, batch by batch, each batch committed; return how many."""
    done = 0
    while True:
        async with session_factory() as session, session.begin():
            found = await fill_session_keywords(session, keywords, now)
        done += found
        if found == 0:
            return done
