"""What an import changes: one line per added, changed or retired row, and the warnings worth reading."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

ADDED, CHANGED, RETIRED, RESTORED, UNCHANGED = "added", "changed", "retired", "restored", "unchanged"
_MARK = {ADDED: "+", CHANGED: "~", RETIRED: "-", RESTORED: "+"}


@dataclass
class Changes:
    """The changes of one import, in file order, counted by kind."""

    what: str
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def note(self, kind: str, text: str = "") -> None:
        """Record one row's outcome (an unchanged row is only counted)."""
        self.counts[kind] += 1
        if kind != UNCHANGED:
            self.lines.append(f"{_MARK[kind]} {text}")

    def warn(self, text: str) -> None:
        """Record a warning."""
        self.warnings.append(text)

    @property
    def changed(self) -> bool:
        """Tell whether anything would change."""
        return any(self.counts[k] for k in (ADDED, CHANGED, RETIRED, RESTORED))

    def summary(self) -> str:
        """Return one line counting the outcomes."""
        parts = [f"{self.counts[k]} {k}" for k in (ADDED, CHANGED, RETIRED, RESTORED, UNCHANGED) if self.counts[k]]
        return f"{self.what}: {', '.join(parts) or 'nothing in the file'}"


def yes(value: object) -> bool:
    """Read a yes/no cell of a district file (yes, true, 1, y, 是; anything else is no)."""
    return str(value or "").strip().lower() in ("yes", "true", "1", "y", "是", "√")


def cell(value: object) -> str:
    """Return a cell of a district file as a stripped string ('' for empty)."""
    return "" if value is None else str(value).strip()
