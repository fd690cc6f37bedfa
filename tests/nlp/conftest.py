"""The NLP models, loaded once per test session (loading is the slow part)."""

from __future__ import annotations

import pytest

from signalroom.nlp import Enricher, FastTextLanguageIdentifier, LinearSentiment


@pytest.fixture(scope="session")
def enricher() -> Enricher:
    return Enricher.load()


@pytest.fixture(scope="session")
def identifier() -> FastTextLanguageIdentifier:
    return FastTextLanguageIdentifier.load()


@pytest.fixture(scope="session")
def sentiment() -> LinearSentiment:
    return LinearSentiment.load()
