"""What the supervision jobs say in chat, per language: the [scheduler] table of handlers/locales/*.toml."""

from __future__ import annotations

from handlers.texts import texts_for


def text(language: str, key: str, **params: object) -> str:
    """Return a [scheduler] text in the language (Chinese when unknown), filled in."""
    return texts_for(language).t(f"scheduler.{key}", **params)


def summary(case_text: str, limit: int = 20) -> str:
    """Return the start of a case's text for a one-line notice."""
    flat = " ".join(case_text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
