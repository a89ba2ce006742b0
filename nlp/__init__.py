"""Routing intelligence: classify requests to departments; find the places residents name (nlp/places/).

Nothing is loaded at import time; call `load_classifier(settings)` once at start. Serving reads an
exported weight table (model.py, scoring.py) with numpy; training (learn/) uses scikit-learn and is
imported only by the commands and the job that train. nlp/ imports no other QunGong package.
"""

from __future__ import annotations

from nlp.classifier import Classifier, load_classifier
from nlp.errors import NlpInputError
from nlp.scoring import Candidate, Classification
from nlp.settings import NlpSettings

__all__ = [
    "Candidate",
    "Classification",
    "Classifier",
    "NlpInputError",
    "NlpSettings",
    "load_classifier",
]
