"""Understanding posts: language, sentiment, hashtags/mentions/links and reach.

The models (fastText lid.176 for language, a hashed-feature linear model for sentiment)
ship inside installed packages and are loaded once; nothing here downloads anything or
does I/O after loading. Every function takes any text and returns a valid result, never an
exception. This package imports only the foundation (``signalroom.models``,
``signalroom.errors``), never the pipeline or above; its ``training`` subpackage is for
developers and is never imported by the running product.
"""

from signalroom.nlp.enricher import Enricher
from signalroom.nlp.entities import Entities, extract_entities
from signalroom.nlp.language import FastTextLanguageIdentifier, detect_languages
from signalroom.nlp.linear_sentiment import LinearSentiment
from signalroom.nlp.reach import compute_reach
from signalroom.nlp.sentiment import SentimentModel

__all__ = [
    "Enricher",
    "Entities",
    "FastTextLanguageIdentifier",
    "LinearSentiment",
    "SentimentModel",
    "compute_reach",
    "detect_languages",
    "extract_entities",
]
