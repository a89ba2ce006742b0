"""The public entry point: load the classifier once and ask it where a request goes."""

from __future__ import annotations

from nlp.lexicon import Lexicon, load_lexicon
from nlp.model import RoutingModel
from nlp.pipeline import Featurizer, Prepared
from nlp.rules import DEFAULT_RULES
from nlp.scoring import Classification, Scorer
from nlp.settings import NlpSettings
from nlp.taxonomy import Taxonomy, load_taxonomy
from nlp.text import Normaliser, opencc_simplify
from nlp.tokenizer import load_jieba
from nlp.training import load_model


class Classifier:
    """Route resident texts to departments and guess their request type."""

    def __init__(self, taxonomy: Taxonomy, featurizer: Featurizer, model: RoutingModel, threshold: float) -> None:
        """Keep the loaded parts; use load_classifier to build one from settings."""
        self.taxonomy = taxonomy
        self.featurizer = featurizer
        self.model = model
        self.threshold = threshold
        self._scorer = Scorer(taxonomy, featurizer.lexicon, model, threshold)

    def prepare(self, text: str) -> Prepared:
        """Return the normalised, tokenised and annotated form of text."""
        return self.featurizer.prepare(text)

    def classify(self, text: str) -> Classification:
        """Return the department (or dispatch below the threshold) for a resident's text."""
        return self._scorer.classify(self.featurizer.prepare(text))

    def guess_request_type(self, text: str) -> str:
        """Return the request type code (help/complaint/suggestion/consultation) of a text."""
        return self._scorer.request_type(self.featurizer.prepare(text))

    def with_threshold(self, threshold: float) -> Classifier:
        """Return a classifier sharing everything but the threshold."""
        return Classifier(self.taxonomy, self.featurizer, self.model, threshold)

    def with_model(self, model: RoutingModel) -> Classifier:
        """Return a classifier sharing everything but the learned model."""
        return Classifier(self.taxonomy, self.featurizer, model, self.threshold)


def load_featurizer(settings: NlpSettings) -> tuple[Taxonomy, Lexicon, Featurizer]:
    """Load taxonomy, lexicon, normaliser and tokenizer (the parts that do not need a model)."""
    taxonomy = load_taxonomy(settings.taxonomy_path)
    lexicon = load_lexicon(settings.lexicon_path)
    normaliser = Normaliser(opencc_simplify(), lexicon.variants)
    tokenizer = load_jieba(settings.cache_dir, lexicon.words())
    return taxonomy, lexicon, Featurizer(lexicon, normaliser, tokenizer, DEFAULT_RULES)


def load_classifier(settings: NlpSettings) -> Classifier:
    """Load everything once (taxonomy, lexicon, jieba dictionary, model) and return the classifier."""
    taxonomy, _lexicon, featurizer = load_featurizer(settings)
    model = load_model(settings.model_path)
    return Classifier(taxonomy, featurizer, model, settings.threshold)
