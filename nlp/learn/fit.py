"""Train the routing model: cross-fit the text models, fit the calibration, pick the threshold, export the table."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

from nlp.learn.combine import Combiner, choose_threshold, fit_combiner
from nlp.learn.design import Blocks, Matrix, cue_matrices
from nlp.learn.heads import request_type_head
from nlp.model import Head, RoutingModel
from nlp.pipeline import Featurizer, Prepared, TermTable
from nlp.scoring import MULTI_DEPARTMENTS, strong_departments
from nlp.taxonomy import FALLBACK, Taxonomy
from nlp.training import LabelledRow, model_terms

FOLDS = 5
SVM_C = 0.5
NB_ALPHA = 0.05
STRONG_CUE = 3.0
ABSENT = -10.0  # the score of a label a fold's model never saw


@dataclass(frozen=True)
class TrainOptions:
    """How to train: target precision of routed cases, folds, seed, and the smallest document frequency kept."""

    target_precision: float = 0.98
    folds: int = FOLDS
    seed: int = 13
    min_df: int = 1
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cues:
    """What the exported model carries besides weights: its term table, topic owners and threshold."""

    terms: TermTable
    topics: dict[str, tuple[str, ...]]
    threshold: float


@dataclass(frozen=True)
class Fitted:
    """A trained model with its cross-fitted (held-out) predictions on the training rows."""

    model: RoutingModel
    labels: tuple[str, ...]
    probabilities: Matrix
    y: npt.NDArray[np.int64]
    calibrated: npt.NDArray[np.bool_]
    decided: npt.NDArray[np.bool_]


def _svm_scores(svm: LinearSVC, x: sp.csr_matrix, labels: Sequence[str]) -> Matrix:
    """Return decision values as one column per label (absent labels get ABSENT)."""
    out = np.full((x.shape[0], len(labels)), ABSENT)
    values = svm.decision_function(x)
    classes = [str(c) for c in svm.classes_]
    if len(classes) == 2:
        out[:, labels.index(classes[0])] = 0.0
        out[:, labels.index(classes[1])] = values
        return out
    for j, c in enumerate(classes):
        out[:, labels.index(c)] = values[:, j]
    return out


def _svm_weights(svm: LinearSVC, labels: Sequence[str], features: int) -> tuple[Matrix, Matrix]:
    """Return the SVM's weights (features × labels) and intercepts, binary case included."""
    weights = np.zeros((features, len(labels)))
    bias = np.full(len(labels), ABSENT)
    classes = [str(c) for c in svm.classes_]
    if len(classes) == 2:
        bias[labels.index(classes[0])] = 0.0
        weights[:, labels.index(classes[1])] = svm.coef_[0]
        bias[labels.index(classes[1])] = svm.intercept_[0]
        return weights, bias
    for j, c in enumerate(classes):
        weights[:, labels.index(c)] = svm.coef_[j]
        bias[labels.index(c)] = svm.intercept_[j]
    return weights, bias


def _nb_weights(nb: MultinomialNB, labels: Sequence[str], features: int) -> tuple[Matrix, Matrix]:
    """Return naive Bayes log-likelihood weights (centred per feature) and log priors."""
    weights = np.zeros((features, len(labels)))
    bias = np.full(len(labels), ABSENT)
    present = [labels.index(str(c)) for c in nb.classes_]
    logp = nb.feature_log_prob_.T
    weights[:, present] = logp - logp.mean(axis=1, keepdims=True)
    bias[present] = nb.class_log_prior_
    return weights, bias


def _fit_text_models(x: sp.csr_matrix, y: Sequence[str]) -> tuple[LinearSVC, MultinomialNB]:
    """Fit the LinearSVC and the naive Bayes on one design matrix."""
    svm = LinearSVC(C=SVM_C)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # A small district's fold may have nearly as many departments as examples: still classification.
        warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
        svm.fit(x, y)
        nb = MultinomialNB(alpha=NB_ALPHA).fit(x, y)
    return svm, nb


def _folds(y: Sequence[str], k: int, seed: int) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """Return k train/held-out splits, stratified when every label has k examples."""
    k = max(2, min(k, len(y)))
    if min(Counter(y).values()) >= k:
        splitter: StratifiedKFold | KFold = StratifiedKFold(k, shuffle=True, random_state=seed)
    else:
        splitter = KFold(k, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), list(y)))


def cross_fitted_scores(
    docs: Sequence[Prepared], y: Sequence[str], labels: Sequence[str], options: TrainOptions
) -> tuple[Matrix, Matrix]:
    """Return SVM and naive Bayes scores of each text from models trained without its fold."""
    svm_out = np.full((len(docs), len(labels)), ABSENT)
    nb_out = np.full((len(docs), len(labels)), ABSENT)
    for train, held in _folds(y, options.folds, options.seed):
        if len({y[i] for i in train}) < 2:
            continue
        blocks = Blocks.fit([docs[i] for i in train], options.min_df)
        x_train = blocks.transform([docs[i] for i in train])
        x_held = blocks.transform([docs[i] for i in held])
        svm, nb = _fit_text_models(x_train, [y[i] for i in train])
        svm_out[held] = _svm_scores(svm, x_held, labels)
        nb_weights, nb_bias = _nb_weights(nb, labels, x_held.shape[1])
        nb_out[held] = x_held @ nb_weights + nb_bias
    return svm_out, nb_out


def train_model(
    rows: Sequence[LabelledRow], featurizer: Featurizer, taxonomy: Taxonomy, options: TrainOptions | None = None
) -> Fitted:
    """Train, calibrate on held-out folds, choose the threshold and export the model."""
    options = options or TrainOptions()
    counts = Counter(r.department for r in rows)
    labels = tuple(c for c in taxonomy.codes if counts[c] > 0)
    terms = model_terms(featurizer.lexicon.department_terms, taxonomy, labels)
    topics = {t: tuple(c for c in owners if c in labels) for t, owners in taxonomy.topic_owners().items()}
    featurizer = featurizer.with_terms(terms)
    docs = [featurizer.prepare(r.text) for r in rows]
    y_text = [r.department for r in rows]
    y = np.array([labels.index(v) for v in y_text], dtype=np.int64)
    lexicon, rules = cue_matrices(docs, terms, topics, labels)
    svm_oof, nb_oof = cross_fitted_scores(docs, y_text, labels, options)
    calibrated = np.array([r.calibrate for r in rows], dtype=bool)
    if calibrated.sum() < len(labels):
        calibrated[:] = True
    c = calibrated
    combiner = fit_combiner(svm_oof[c], nb_oof[c], lexicon[c], rules[c], y[c])
    probs = combiner.probabilities(svm_oof, nb_oof, lexicon, rules)
    decided = _decided(probs, labels, docs, terms, topics)
    threshold = choose_threshold(probs[c], y[c], decided[c], options.target_precision)
    blocks = Blocks.fit(docs, options.min_df)
    x = blocks.transform(docs)
    svm, nb = _fit_text_models(x, y_text)
    cues = Cues(terms, topics, threshold)
    model = _export(
        blocks=blocks, svm=svm, nb=nb, combiner=combiner, labels=labels, x=x, rows=rows, docs=docs,
        featurizer=featurizer, taxonomy=taxonomy, cues=cues, options=options,
    )
    return Fitted(model, labels, probs, y, calibrated, decided)


def _decided(
    probs: Matrix, labels: Sequence[str], docs: Sequence[Prepared], terms: TermTable, topics: dict[str, tuple[str, ...]]
) -> npt.NDArray[np.bool_]:
    """Mark the texts the command center gets whatever the confidence: it is the best guess, or several departments are named."""
    fallback = labels.index(FALLBACK) if FALLBACK in labels else -1
    out = np.zeros(len(docs), dtype=bool)
    for i, doc in enumerate(docs):
        strong = strong_departments(doc, terms, topics, labels, STRONG_CUE)
        out[i] = int(probs[i].argmax()) == fallback or len(strong) >= MULTI_DEPARTMENTS
    return out


def _export(
    *,
    blocks: Blocks,
    svm: LinearSVC,
    nb: MultinomialNB,
    combiner: Combiner,
    labels: tuple[str, ...],
    x: sp.csr_matrix,
    rows: Sequence[LabelledRow],
    docs: Sequence[Prepared],
    featurizer: Featurizer,
    taxonomy: Taxonomy,
    cues: Cues,
    options: TrainOptions,
) -> RoutingModel:
    """Fold the combiner into one weight table and return the serving model."""
    chars, words, idf = blocks.vocabularies()
    features = len(idf)
    svm_w, svm_b = _svm_weights(svm, labels, features)
    nb_w, nb_b = _nb_weights(nb, labels, features)
    weights = combiner.svm * svm_w + combiner.nb * nb_w
    bias = combiner.svm * svm_b + combiner.nb * nb_b + np.asarray(combiner.bias)
    head = Head(labels, weights.astype(np.float32), bias.astype(np.float32))
    rtype = request_type_head(x, rows, docs, featurizer.lexicon.type_terms, taxonomy)
    meta = {"created_at": datetime.now(UTC).isoformat(timespec="seconds"), "taxonomy": taxonomy.digest(), **options.meta}
    return RoutingModel(
        chars=chars,
        words=words,
        idf=idf,
        department=head,
        request_type=rtype,
        lexicon_weight=combiner.lexicon,
        rule_weight=combiner.rule,
        terms=cues.terms,
        topics=cues.topics,
        threshold=cues.threshold,
        target_precision=options.target_precision,
        strong_cue=STRONG_CUE,
        trained_on=len(rows),
        meta=meta,
    )
