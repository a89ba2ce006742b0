"""Settings of the chat flows: how long a conversation waits for an answer ([conversation]), and how much one
chat or person may send ([abuse])."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConversationSection:
    """[conversation]: chat flow behaviour."""

    timeout_minutes: int = 30


def conversation_problems(section: ConversationSection) -> list[str]:
    """Check the [conversation] section."""
    return ["conversation.timeout_minutes: expected more than 0"] if section.timeout_minutes <= 0 else []


@dataclass(frozen=True)
class AbuseSection:
    """[abuse]: how much one chat or person may send, so one flood cannot swamp the district."""

    messages_per_minute: int = 60  # per chat; more are answered with a polite request to slow down
    new_cases_per_hour: int = 10  # per person; more are refused politely (the draft is kept)


def abuse_problems(section: AbuseSection) -> list[str]:
    """Check the [abuse] section."""
    problems = []
    if section.messages_per_minute < 1:
        problems.append("abuse.messages_per_minute: expected 1 or more")
    if section.new_cases_per_hour < 1:
        problems.append("abuse.new_cases_per_hour: expected 1 or more")
    return problems
