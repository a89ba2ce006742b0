"""The exported routing model: a weight table the classifier reads with dictionary look-ups.

Training (nlp/learn/, with scikit-learn) writes it; serving needs only this module and numpy.
A text is two TF-IDF blocks (character 1-3-grams, jieba words; binary tf, smoothed idf, each
block l2-normalised, exactly as scikit-learn's TfidfVectorizer computes them), so its logits are
``x · W + bias + lexicon_weight · √lexicon + rule_weight · rules`` — a sparse sum over the
features the text contains. The weights already hold the calibration fitted on held-out folds,
so a softmax of the logits is a calibrated probability.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.errors import NlpInputError

FORMAT = "qungong-nlp-model"
VERSION = 2
Vector = npt.NDArray[np.float32]
TermTable = Mapping[str, tuple[tuple[str, float], ...]]


def pack(array: npt.ArrayLike) -> str:
    """Return a float32 array as base64 text."""
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def unpack(text: str, shape: Sequence[int]) -> Vector:
    """Return the float32 array of the given shape stored as base64 text."""
    try:
        data = np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float32)
        return data.reshape(tuple(shape))
    except (ValueError, TypeError) as exc:
        raise NlpInputError(f"模型文件中的权重表不完整: {exc}") from exc


@dataclass(frozen=True)
class Head:
    """One linear scorer over the shared features: weights (features × labels), bias, cue weights."""

    labels: tuple[str, ...]
    weights: Vector
    bias: Vector
    cues: Vector = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "labels": list(self.labels),
            "weights": pack(self.weights),
            "bias": [round(float(b), 6) for b in self.bias],
            "cues": pack(self.cues),
            "cue_shape": list(self.cues.shape),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], features: int) -> Head:
        """Rebuild a head from its JSON dict."""
        labels = tuple(str(x) for x in data["labels"])
        return cls(
            labels=labels,
            weights=unpack(data["weights"], (features, len(labels))),
            bias=np.asarray(data["bias"], dtype=np.float32),
            cues=unpack(data.get("cues", ""), data.get("cue_shape", (0, 0))),
        )


@dataclass(frozen=True)
class RoutingModel:
    """Everything the classifier needs: vocabularies, idf, heads, cue weights, threshold, figures."""

    chars: Mapping[str, int]
    words: Mapping[str, int]
    idf: Vector
    department: Head
    request_type: Head
    lexicon_weight: float
    rule_weight: float
    terms: TermTable
    topics: Mapping[str, tuple[str, ...]]
    threshold: float
    target_precision: float
    strong_cue: float
    trained_on: int
    figures: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        """Return the department labels the model can answer."""
        return self.department.labels

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict with a format marker."""
        chars = sorted(self.chars, key=self.chars.__getitem__)
        words = sorted(self.words, key=self.words.__getitem__)
        return {
            "format": FORMAT,
            "version": VERSION,
            "trained_on": self.trained_on,
            "threshold": self.threshold,
            "target_precision": self.target_precision,
            "strong_cue": self.strong_cue,
            "lexicon_weight": self.lexicon_weight,
            "rule_weight": self.rule_weight,
            "figures": dict(self.figures),
            "meta": dict(self.meta),
            "topics": {t: list(c) for t, c in sorted(self.topics.items())},
            "terms": {t: [[o, w] for o, w in row] for t, row in sorted(self.terms.items())},
            "chars": chars,
            "words": words,
            "idf": pack(self.idf),
            "department": self.department.to_json(),
            "request_type": self.request_type.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RoutingModel:
        """Rebuild a model from its JSON dict, refusing other formats."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise NlpInputError("不是群工分类模型文件（format 字段不对）")
        if data.get("version") != VERSION:
            raise NlpInputError(f"模型文件版本 {data.get('version')} 不受支持（需要 {VERSION}，请重新运行 nlp train）")
        try:
            chars = {str(g): i for i, g in enumerate(data["chars"])}
            words = {str(w): i + len(chars) for i, w in enumerate(data["words"])}
            features = len(chars) + len(words)
            return cls(
                chars=chars,
                words=words,
                idf=unpack(data["idf"], (features,)),
                department=Head.from_json(data["department"], features),
                request_type=Head.from_json(data["request_type"], features),
                lexicon_weight=float(data["lexicon_weight"]),
                rule_weight=float(data["rule_weight"]),
                terms={str(t): tuple((str(o), float(w)) for o, w in row) for t, row in data["terms"].items()},
                topics={str(t): tuple(str(c) for c in codes) for t, codes in data["topics"].items()},
                threshold=float(data["threshold"]),
                target_precision=float(data.get("target_precision", 0.0)),
                strong_cue=float(data.get("strong_cue", 3.0)),
                trained_on=int(data.get("trained_on", 0)),
                figures=dict(data.get("figures", {})),
                meta=dict(data.get("meta", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise NlpInputError(f"模型文件格式不对: {exc}") from exc
