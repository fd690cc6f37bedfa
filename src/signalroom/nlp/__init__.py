"""Understanding posts: language, sentiment, complaints, moderation, hashtags/mentions/links
and reach.

The models (fastText lid.176 for language; hashed-feature linear models for sentiment,
complaint detection and moderation, plus packaged word lists)
ship inside installed packages and are loaded once; nothing here downloads anything or
does I/O after loading. Every function takes any text and returns a valid result, never an
exception. This package imports only the foundation (``signalroom.models``,
``signalroom.errors``), never the pipeline or above; its ``training`` subpackage is for
developers and is never imported by the running product.
"""

from signalroom.nlp.complaint import ComplaintModel
from signalroom.nlp.enricher import Enricher
from signalroom.nlp.entities import Entities, extract_entities
from signalroom.nlp.language import FastTextLanguageIdentifier, detect_languages
from signalroom.nlp.linear_sentiment import LinearSentiment
from signalroom.nlp.moderation import ModerationModel
from signalroom.nlp.reach import compute_reach
from signalroom.nlp.sentiment import SentimentModel

__all__ = [
    "ComplaintModel",
    "Enricher",
    "Entities",
    "FastTextLanguageIdentifier",
    "LinearSentiment",
    "ModerationModel",
    "SentimentModel",
    "compute_reach",
    "detect_languages",
    "extract_entities",
]
