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
    threshold: below this confidence (calibrated probability of the best department)
        the answer is "dispatch" (command-center triage). None: the threshold the
        model was calibrated for (chosen at training for target_precision).
    target_precision: the share of automatically routed cases that must be right;
        `qungong nlp train` and the retrain job pick the threshold for it.
    cache_dir: where the small jieba dictionary and jieba's prefix cache are
        written (created on demand; never /tmp).
    """

    taxonomy_path: Path = PACKAGE_DATA / "taxonomy.toml"
    lexicon_path: Path = PACKAGE_DATA / "lexicon.toml"
    model_path: Path = PACKAGE_DATA / "model.json"
    threshold: float | None = None
    cache_dir: Path = Path(".qungong/cache")
    target_precision: float = 0.98


RETRAIN_SCHEDULES = ("off", "weekly")
PACKAGED_TRAINING = ("train_extra.csv", "dev_requests.csv", "train_written.csv")
LEXICON_SOURCES = ("train_extra.csv", "dev_requests.csv")  # the lexicon was written with these in view


@dataclass(frozen=True)
class NlpSection:
    """[nlp]: taxonomy, lexicon, model, threshold override, target precision, retraining, jieba cache folder."""

    taxonomy: str = ""
    lexicon: str = ""
    model: str = ""
    threshold: float = 0.0
    target_precision: float = NlpSettings.target_precision
    retrain: str = "off"
    training_files: str = ""
    cache_dir: str = str(NlpSettings.cache_dir)

    def resolved(self) -> NlpSettings:
        """Return the routing settings with the configured paths or the packaged defaults."""
        defaults = NlpSettings()
        return NlpSettings(
            taxonomy_path=Path(self.taxonomy) if self.taxonomy else defaults.taxonomy_path,
            lexicon_path=Path(self.lexicon) if self.lexicon else defaults.lexicon_path,
            model_path=Path(self.model) if self.model else defaults.model_path,
            threshold=self.threshold or None,
            cache_dir=Path(self.cache_dir),
            target_precision=self.target_precision,
        )

    def seed_files(self) -> tuple[tuple[Path, bool], ...]:
        """Return the labelled CSV files a retrain starts from, each with whether it may calibrate the model.

        Configured files (comma-separated) all calibrate; with none configured and the packaged
        taxonomy, the packaged examples (those the lexicon was written from do not calibrate).
        """
        if self.training_files.strip():
            return tuple((Path(p.strip()), True) for p in self.training_files.split(",") if p.strip())
        if self.taxonomy:
            return ()
        return tuple((PACKAGE_DATA / name, name not in LEXICON_SOURCES) for name in PACKAGED_TRAINING)


def nlp_problems(section: NlpSection) -> list[str]:
    """Check the [nlp] section."""
    problems = []
    if not 0.0 <= section.threshold <= 1.0:
        problems.append(f"nlp.threshold: expected a number from 0 to 1 (0: the model's calibrated threshold), got {section.threshold}")
    if not 0.5 <= section.target_precision < 1.0:
        problems.append(f"nlp.target_precision: expected a number from 0.5 to below 1, got {section.target_precision}")
    if section.retrain not in RETRAIN_SCHEDULES:
        problems.append(f"nlp.retrain: expected one of {', '.join(RETRAIN_SCHEDULES)}, got {section.retrain!r}")
    return problems
