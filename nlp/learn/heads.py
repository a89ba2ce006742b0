"""The request-type head: a LinearSVC over the same TF-IDF features plus the lexicon's type cues."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from nlp.model import Head
from nlp.pipeline import Prepared
from nlp.scoring import QUESTION_MARKS
from nlp.taxonomy import Taxonomy
from nlp.training import LabelledRow

CUE_SCALE = 0.25


def type_cues(doc: Prepared, type_terms: Mapping[str, tuple[tuple[str, float], ...]], labels: Sequence[str]) -> list[float]:
    """Return the summed lexicon cue weight per request type (a question at the end counts for consultation)."""
    index = {label: i for i, label in enumerate(labels)}
    cues = [0.0] * len(labels)
    for hit in doc.type_hits:
        for owner, weight in type_terms.get(hit.term, ()):
            if owner in index:
                cues[index[owner]] += weight
    if "consultation" in index and any(m in doc.text[-6:] for m in QUESTION_MARKS):
        cues[index["consultation"]] += 1.0
    return cues


def request_type_head(
    x: sp.csr_matrix,
    rows: Sequence[LabelledRow],
    docs: Sequence[Prepared],
    type_terms: Mapping[str, tuple[tuple[str, float], ...]],
    taxonomy: Taxonomy,
) -> Head:
    """Fit the request-type head on the rows that carry a request type; cues alone when fewer than two types do."""
    labels = taxonomy.request_type_codes
    features = x.shape[1]
    keep = [i for i, r in enumerate(rows) if r.request_type in labels]
    seen = sorted({str(rows[i].request_type) for i in keep})
    if len(seen) < 2:
        return Head(
            labels,
            np.zeros((features, len(labels)), dtype=np.float32),
            np.zeros(len(labels), dtype=np.float32),
            np.eye(len(labels), dtype=np.float32),
        )
    cues = sp.csr_matrix(np.array([type_cues(docs[i], type_terms, labels) for i in keep]) * CUE_SCALE)
    design = sp.hstack([x[keep], cues], format="csr")
    svm = LinearSVC(C=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        svm.fit(design, [str(rows[i].request_type) for i in keep])
    classes = [str(c) for c in svm.classes_]
    coef = svm.coef_ if len(classes) > 2 else np.vstack([-svm.coef_[0], svm.coef_[0]]) / 2
    intercept = svm.intercept_ if len(classes) > 2 else np.array([-svm.intercept_[0], svm.intercept_[0]]) / 2
    weights = np.zeros((features, len(labels)), dtype=np.float32)
    cue_weights = np.zeros((len(labels), len(labels)), dtype=np.float32)
    bias = np.full(len(labels), -10.0, dtype=np.float32)
    for j, code in enumerate(classes):
        col = labels.index(code)
        weights[:, col] = coef[j, :features]
        cue_weights[:, col] = coef[j, features:] * CUE_SCALE
        bias[col] = intercept[j]
    return Head(labels, weights, bias, cue_weights)
