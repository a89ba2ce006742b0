"""Flows declared as data: a named state and what it does with each kind of input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.core import Context, Step

Handler = Callable[[Context], Awaitable[Step]]
ChoiceHandler = Callable[[Context, str], Awaitable[Step]]


@dataclass(frozen=True)
class State:
    """One step of a flow: handlers for text, photos, locations and the choices it offered."""

    name: str
    on_text: Handler | None = None
    on_photo: Handler | None = None
    on_location: Handler | None = None
    on_choice: ChoiceHandler | None = None
    hint_key: str = "errors.unexpected_input"
