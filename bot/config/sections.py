"""The sections that configure the running app as a whole: [app] and [logging]."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("zh", "en")
LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


@dataclass(frozen=True)
class AppSection:
    """[app]: time zone, language, demo mode."""

    timezone: str = "Asia/Shanghai"
    language: str = "zh"
    demo: bool = False


@dataclass(frozen=True)
class LoggingSection:
    """[logging]: log level."""

    level: str = "INFO"


def app_problems(app: AppSection, logging: LoggingSection) -> list[str]:
    """Check the [app] and [logging] sections (the time zone is checked where it is parsed)."""
    problems = []
    if app.language not in LANGUAGES:
        problems.append(f"app.language: expected one of {', '.join(LANGUAGES)}, got {app.language!r}")
    if logging.level.upper() not in LOG_LEVELS:
        problems.append(f"logging.level: expected DEBUG, INFO, WARNING or ERROR, got {logging.level!r}")
    return problems
