"""Configuration: the sections added for moderation and language identification."""

from __future__ import annotations

import pytest

from signalroom.config import load_config
from signalroom.errors import ConfigError
from signalroom.nlp import Enricher


def test_expected_languages_parse_to_codes_and_bad_ones_name_the_setting() -> None:
    config = load_config(environ={"SIGNALROOM_NLP__EXPECTED_LANGUAGES": " en, NL ,"})
    assert config.nlp.expected == ("en", "nl")
    assert load_config(environ={}).nlp.expected == ()
    with pytest.raises(ConfigError, match=r"nlp\.expected_languages"):
        load_config(environ={"SIGNALROOM_NLP__EXPECTED_LANGUAGES": "english"})


def test_recheck_hours_must_be_in_range() -> None:
    assert load_config(overrides={"moderation.recheck_hours": 0}).moderation.recheck_hours == 0
    with pytest.raises(ConfigError, match=r"moderation\.recheck_hours"):
        load_config(environ={}, overrides={"moderation.recheck_hours": -1})


def test_enricher_takes_the_expected_languages_as_its_prior() -> None:
    dutch = Enricher.load(("en", "nl"))
    default = Enricher.load()
    assert dutch.expected_languages == frozenset({"en", "nl"})
    assert len(default.expected_languages) == 24
