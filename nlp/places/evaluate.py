"""Figures of the place matcher over a labelled set: phrasings of places, each with the grid it lies in.

Every phrasing ends in one of six ways: found at the right grid; found at a community or street that
holds it (coarse); found somewhere else (wrong without asking — the costly mistake); asked, with the
right grid among the buttons; asked without it; or not found. Top-1 accuracy counts the phrasings
whose best candidate (the first button when asking) is the right grid.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.errors import NlpInputError
from nlp.places.gazetteer import GRID
from nlp.places.matcher import ASK, FOUND, VAGUE, PlaceMatcher

RIGHT, COARSE, WRONG, ASKED_RIGHT, ASKED_WRONG, NOT_FOUND = "right", "coarse", "wrong", "asked_right", "asked_wrong", "not_found"
OUTCOMES = (RIGHT, COARSE, WRONG, ASKED_RIGHT, ASKED_WRONG, NOT_FOUND)
TEXT_COLUMNS = ("text", "phrase", "说法")
GRID_COLUMNS = ("grid", "expected", "expected_grid", "网格")


@dataclass(frozen=True)
class LabelledPlace:
    """A phrasing and the grid it means."""

    text: str
    grid: str


@dataclass(frozen=True)
class PlaceOutcome:
    """What the matcher made of one phrasing."""

    text: str
    grid: str
    outcome: str
    top: str | None
    options: tuple[str, ...]


@dataclass
class PlaceReport:
    """The outcomes of a labelled set and the figures over them."""

    outcomes: list[PlaceOutcome] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Return how many phrasings were tried."""
        return len(self.outcomes)

    def share(self, *kinds: str) -> float:
        """Return the share of phrasings that ended in one of KINDS."""
        return sum(o.outcome in kinds for o in self.outcomes) / self.n if self.n else 0.0

    @property
    def top1(self) -> float:
        """Return the share whose best candidate is the right grid."""
        return sum(o.top == o.grid for o in self.outcomes) / self.n if self.n else 0.0

    def to_json(self) -> dict[str, Any]:
        """Return the figures (and the misses) as a JSON object."""
        counts = Counter(o.outcome for o in self.outcomes)
        return {
            "n": self.n,
            "top1_grid_accuracy": round(self.top1, 4),
            "right_without_asking": round(self.share(RIGHT), 4),
            "right_with_asking": round(self.share(RIGHT, ASKED_RIGHT), 4),
            "ask_back_rate": round(self.share(ASKED_RIGHT, ASKED_WRONG), 4),
            "wrong_without_asking_rate": round(self.share(WRONG), 4),
            "coarse_rate": round(self.share(COARSE), 4),
            "not_found_rate": round(self.share(NOT_FOUND), 4),
            "counts": {k: counts.get(k, 0) for k in OUTCOMES},
            "misses": [
                {"text": o.text, "grid": o.grid, "outcome": o.outcome, "top": o.top, "options": list(o.options)}
                for o in self.outcomes
                if o.outcome != RIGHT
            ],
        }

    def format(self) -> str:
        """Return the figures as lines of text, then the phrasings found wrong without asking."""
        data = self.to_json()
        lines = [
            f"phrasings                     {data['n']}",
            f"top-1 grid accuracy           {data['top1_grid_accuracy']:.1%}",
            f"right without asking          {data['right_without_asking']:.1%}",
            f"right once asked (in buttons) {data['right_with_asking']:.1%}",
            f"asked back                    {data['ask_back_rate']:.1%}",
            f"wrong without asking          {data['wrong_without_asking_rate']:.1%}",
            f"community or street only      {data['coarse_rate']:.1%}",
            f"not found                     {data['not_found_rate']:.1%}",
        ]
        wrong = [o for o in self.outcomes if o.outcome == WRONG]
        lines += [f"  wrong: {o.text} → {o.top} (expected {o.grid})" for o in wrong]
        return "\n".join(lines)


def judge(matcher: PlaceMatcher, labelled: LabelledPlace) -> PlaceOutcome:
    """Return the outcome of one phrasing."""
    answer = matcher.match(labelled.text)
    gazetteer = matcher.gazetteer
    grids = [c.code for c in answer.candidates if c.level == GRID]
    top = grids[0] if answer.candidates and answer.candidates[0].level == GRID else None
    if answer.outcome == FOUND and answer.best is not None:
        best = answer.best.code
        if best == labelled.grid:
            kind = RIGHT
        elif answer.best.level != GRID and best in (labelled.grid, *gazetteer.ancestors(labelled.grid)):
            kind = COARSE
        else:
            kind = WRONG
    elif answer.outcome in (ASK, VAGUE):
        kind = ASKED_RIGHT if labelled.grid in grids else ASKED_WRONG
    else:
        kind = NOT_FOUND
    return PlaceOutcome(labelled.text, labelled.grid, kind, top, tuple(c.code for c in answer.candidates))


def evaluate_places(matcher: PlaceMatcher, labelled: Sequence[LabelledPlace]) -> PlaceReport:
    """Run the matcher over a labelled set."""
    return PlaceReport([judge(matcher, row) for row in labelled])


def read_labelled_places(path: Path) -> list[LabelledPlace]:
    """Read a labelled set: a CSV file with a text column and a grid column (the expected grid's code)."""
    try:
        reader = csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig")))
        header = {str(h).strip().lower(): str(h) for h in reader.fieldnames or ()}
        text = next((header[c] for c in TEXT_COLUMNS if c in header), None)
        grid = next((header[c] for c in GRID_COLUMNS if c in header), None)
        if text is None or grid is None:
            raise NlpInputError(f"{path}: needs a text column ({', '.join(TEXT_COLUMNS)}) and a grid column ({', '.join(GRID_COLUMNS)})")
        rows = [LabelledPlace(str(r[text] or "").strip(), str(r[grid] or "").strip()) for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise NlpInputError(f"cannot read {path}: {exc}") from exc
    return [r for r in rows if r.text and r.grid]
