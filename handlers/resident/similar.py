"""Finding an open case that already describes the same problem nearby, so a resident can follow it (附议)."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.core import Context
from storage.cases.lifecycle import OPEN_STATES
from storage.repositories import NearbyCase

SIMILARITY = 0.3
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
WINDOW = timedelta(days=14)


def bigrams(text: str) -> frozenset[str]:
    """Return the character bigrams of a text's letters and digits (works for Chinese without a tokenizer)."""
    chars = _NOT_LETTER_OR_DIGIT.sub("", text.lower())
    return frozenset(chars[i : i + 2] for i in range(len(chars) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Return the Jaccard similarity of two bigram sets (0 to 1)."""
    return len(a & b) / len(a | b) if a and b else 0.0


async def similar_open_case(ctx: Context, text: str, department: str, community_id: int | None, grid_id: int | None) -> NearbyCase | None:
    """Return the most similar open case of the same department and place from the last two weeks, if any."""
    candidates = await ctx.uow.cases.open_nearby(
        department, community_id, grid_id, ctx.now - WINDOW, [s.value for s in OPEN_STATES]
    )
    wanted = bigrams(text)
    scored = [(jaccard(wanted, bigrams(c.text)), c) for c in candidates if c.resident_person_id != ctx.person.id]
    best = max(scored, key=lambda pair: pair[0], default=None)
    return best[1] if best is not None and best[0] >= SIMILARITY else None
