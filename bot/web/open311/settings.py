"""The [open311] section: whether the Open311 API is served, who may read requests, and its limits."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Open311Section:
    """[open311]: the GeoReport v2 API at /open311/v2/ for hotlines and apps (keys: `qungong apikey create`)."""

    enabled: bool = True
    # true: GET requests answers without a key (as the spec has it), showing only cases filed through the API and
    # never a caller's contact; false: a key is needed and a client reads only the cases it filed itself.
    public_reads: bool = True
    max_body_kb: int = 64  # larger request bodies are refused (413)
    page_size: int = 50  # requests per page of GET requests (page=2, 3, … for more)
    jurisdiction_id: str = ""  # announced in discovery; empty: none


def open311_problems(section: Open311Section) -> list[str]:
    """Check the [open311] section."""
    problems = []
    if not 1 <= section.max_body_kb <= 2048:
        problems.append("open311.max_body_kb: expected 1-2048")
    if not 1 <= section.page_size <= MAX_PAGE_SIZE:
        problems.append(f"open311.page_size: expected 1-{MAX_PAGE_SIZE}")
    return problems
