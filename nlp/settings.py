"""Settings the routing intelligence needs, filled from the `[nlp]` config section."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE_DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class NlpSettings:
    """Where the taxonomy, lexicon and model live, and how sure the classifier must be."""

    taxonomy_path: Path = PACKAGE_DATA / "taxonomy.toml"
    lexicon_path: Path = PACKAGE_DATA / "lexicon.toml"
    model_path: Path = PACKAGE_DATA / "model.json"
    threshold: float = 0.5
    cache_dir: Path = Path(".qungong/cache")
