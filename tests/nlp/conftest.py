"""Share one loaded classifier per test session (loading jieba is the slow part)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from nlp import Classifier, NlpSettings, load_classifier


@pytest.fixture(scope="session")
def nlp_settings(tmp_path_factory: pytest.TempPathFactory) -> NlpSettings:
    """Return default settings with the jieba cache in a temporary directory."""
    return replace(NlpSettings(), cache_dir=tmp_path_factory.mktemp("nlp-cache"))


@pytest.fixture(scope="session")
def classifier(nlp_settings: NlpSettings) -> Classifier:
    """Return the shipped classifier, loaded once for the session."""
    return load_classifier(nlp_settings)


@pytest.fixture(scope="session")
def demo_district() -> Path:
    """Return the demo district file the jurisdiction tests use."""
    return Path(__file__).resolve().parents[2] / "storage" / "demo" / "data" / "demo_district.toml"
