"""The [web] section: where the HTTP server listens, and whether (and for whom) the simulator is served."""

from __future__ import annotations

from dataclasses import dataclass

SIMULATOR_SETTINGS = ("auto", "on", "off")


@dataclass(frozen=True)
class WebSection:
    """[web]: the HTTP server for the simulator and webhooks; whether the simulator is served."""

    host: str = "127.0.0.1"
    port: int = 8080
    simulator: str = "auto"  # auto: in demo mode only; on: also outside it, for trainers with a link; off: never
    simulator_session_hours: float = 12.0


def web_problems(web: WebSection) -> list[str]:
    """Check the [web] section."""
    problems = []
    if not 0 < web.port < 65536:
        problems.append(f"web.port: expected 1-65535, got {web.port}")
    if web.simulator not in SIMULATOR_SETTINGS:
        problems.append(f"web.simulator: expected one of {', '.join(SIMULATOR_SETTINGS)}, got {web.simulator!r}")
    if web.simulator_session_hours <= 0:
        problems.append("web.simulator_session_hours: expected more than 0")
    return problems
