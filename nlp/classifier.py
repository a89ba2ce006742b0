"""The public entry point: load the classifier once and ask it where a request goes."""

from __future__ import annotations

from nlp.errors import NlpInputError
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

    def __init__(self, taxonomy: Taxonomy, featurizer: Featurizer, model: RoutingModel, threshold: float | None = None) -> None:
        """Keep the loaded parts (threshold None: the model's calibrated threshold); use load_classifier to build one."""
        unknown = [code for code in model.labels if code not in taxonomy.codes]
        if unknown:
            raise NlpInputError(f"模型的部门 {', '.join(unknown)} 不在分类体系中（模型是为另一个分类体系训练的）")
        self.taxonomy = taxonomy
        self.featurizer = featurizer.with_terms(model.terms)
        self.model = model
        self._scorer = Scorer(taxonomy, model, threshold)
        self.threshold = self._scorer.threshold
        self._fixed_threshold = threshold

    def prepare(self, text: str) -> Prepared:
        """Return the normalised, tokenised and annotated form of text."""
        return self.featurizer.prepare(text)

    def classify(self, text: str) -> Classification:
        """Return the department (or dispatch: unsure, or several departments) for a resident's text."""
        return self._scorer.classify(self.featurizer.prepare(text, types=False))

    def probabilities(self, text: str) -> dict[str, float]:
        """Return the calibrated probability of every department for a text."""
        probs = self._scorer.probabilities(self.featurizer.prepare(text, types=False))
        return dict(zip(self.model.labels, probs, strict=True))

    def guess_request_type(self, text: str) -> str:
        """Return the request type code (help/complaint/suggestion/consultation) of a text."""
        return self._scorer.request_type(self.featurizer.prepare(text), self.featurizer.lexicon.type_terms)

    def with_threshold(self, threshold: float | None) -> Classifier:
        """Return a classifier sharing everything but the threshold (None: the model's)."""
        return Classifier(self.taxonomy, self.featurizer, self.model, threshold)

    def with_model(self, model: RoutingModel) -> Classifier:
        """Return a classifier sharing everything but the learned model (keeping a fixed threshold, if any)."""
        return Classifier(self.taxonomy, self.featurizer, model, self._fixed_threshold)


def load_featurizer(settings: NlpSettings) -> tuple[Taxonomy, Lexicon, Featurizer]:
    """Load taxonomy, lexicon, normaliser and tokenizer (the parts that do not need a model)."""
    taxonomy = load_taxonomy(settings.taxonomy_path)
    lexicon = load_lexicon(settings.lexicon_path)
    words = lexicon.words() | {k for d in taxonomy.departments for k in d.keywords if len(k) > 1}
    normaliser = Normaliser(opencc_simplify(), lexicon.variants)
    tokenizer = load_jieba(settings.cache_dir, words)
    return taxonomy, lexicon, Featurizer(lexicon, normaliser, tokenizer, DEFAULT_RULES)


def load_classifier(settings: NlpSettings, model: RoutingModel | None = None) -> Classifier:
    """Load everything once (taxonomy, lexicon, jieba dictionary, model) and return the classifier."""
    taxonomy, _lexicon, featurizer = load_featurizer(settings)
    if model is None:
        model = load_model(settings.model_path)
    return Classifier(taxonomy, featurizer, model, settings.threshold)
