"""Training: the exported table reproduces scikit-learn's features, the threshold meets its target, calibration figures."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nlp import Classifier
from nlp.evaluate import reliability
from nlp.learn.combine import choose_threshold
from nlp.learn.design import Blocks
from nlp.learn.fit import TrainOptions, train_model
from nlp.scoring import encode
from nlp.settings import PACKAGE_DATA, NlpSection, nlp_problems
from nlp.training import read_rows


@pytest.fixture(scope="module")
def small(classifier: Classifier) -> tuple[Classifier, list[object]]:
    """Train a model on every fourth written example (fast), and return it with its rows."""
    rows = read_rows(PACKAGE_DATA / "train_written.csv", classifier.taxonomy)[::4]
    fitted = train_model(rows, classifier.featurizer, classifier.taxonomy, TrainOptions(folds=3))
    return Classifier(classifier.taxonomy, classifier.featurizer, fitted.model), list(rows)


def test_served_features_are_scikit_learns(small: tuple[Classifier, list[object]]) -> None:
    """The serving code's TF-IDF rows and values equal TfidfVectorizer's for the same texts."""
    trained, rows = small
    docs = [trained.prepare(r.text) for r in rows]  # type: ignore[attr-defined]
    blocks = Blocks.fit(docs)
    chars, words, _idf = blocks.vocabularies()
    assert chars == dict(trained.model.chars) and words == dict(trained.model.words)
    matrix = blocks.transform(docs[:50]).toarray()
    for doc, expected in zip(docs[:50], matrix, strict=True):
        served = np.zeros(matrix.shape[1], dtype=np.float32)
        ids, values = encode(trained.model, doc)
        served[ids] = values
        assert np.allclose(served, expected, atol=1e-6)


def test_probabilities_sum_to_one_and_the_threshold_is_calibrated(small: tuple[Classifier, list[object]]) -> None:
    trained, _rows = small
    probs = trained.probabilities("路口的井盖破了，晚上很危险")
    assert abs(sum(probs.values()) - 1.0) < 1e-5
    assert max(probs, key=probs.__getitem__) == "shizheng"
    assert 0.0 < trained.threshold <= 1.0
    assert trained.model.figures == {} or "held_out" in trained.model.figures


def test_threshold_is_the_lowest_that_meets_the_target() -> None:
    """Routed precision at the chosen threshold meets the target; one step lower it would not."""
    conf = np.array([0.99, 0.97, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6] * 5)
    right = np.array([1, 1, 1, 1, 1, 0, 1, 0] * 5)
    probs = np.stack([conf, 1 - conf], axis=1)
    y = np.where(right == 1, 0, 1)
    decided = np.zeros(len(conf), dtype=bool)
    threshold = choose_threshold(probs, y, decided, target=0.98, min_routed=5)
    assert threshold == pytest.approx(0.85)
    assert choose_threshold(probs, y, decided, target=0.999, min_routed=5) == pytest.approx(0.85)
    assert choose_threshold(probs, np.ones(len(conf), dtype=int), decided, target=0.98, min_routed=5) == 1.0


def test_reliability_table_and_ece() -> None:
    table, ece = reliability([0.95, 0.95, 0.55, 0.55], [True, False, True, True])
    assert len(table) == 10
    assert table[9] == {"from": 0.9, "to": 1.0, "n": 2, "confidence": 0.95, "accuracy": 0.5}
    assert ece == pytest.approx(0.5 * 0.45 + 0.5 * 0.45)


def test_nlp_section_checks() -> None:
    assert nlp_problems(NlpSection()) == []
    problems = nlp_problems(replace(NlpSection(), target_precision=1.0, retrain="daily", threshold=2.0))
    assert len(problems) == 3
    assert NlpSection().resolved().threshold is None  # 0: the model's calibrated threshold
