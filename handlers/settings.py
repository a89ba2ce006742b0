"""Settings of the chat flows: how long a conversation waits for an answer ([conversation])."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConversationSection:
    """[conversation]: chat flow behaviour."""

    timeout_minutes: int = 30


def conversation_problems(section: ConversationSection) -> list[str]:
    """Check the [conversation] section."""
    return ["conversation.timeout_minutes: expected more than 0"] if section.timeout_minutes <= 0 else []
