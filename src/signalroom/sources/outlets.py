"""How many people a news outlet reaches, for the reach of press hits (an RSS item's
``author.followers``): a small shipped table of major outlets' domains, a settings override
map, and one default for everything else.

The shipped figures are deliberately rough: an order of magnitude of each outlet's monthly
online audience, rounded to one significant figure, written for this table from public
audience reports as generally known, not measured and not copied from any data set. They
let a wall rank "a story in a national daily" above "a post on a small blog"; a deployment
that cares about exact numbers sets ``outlet_reach`` in the source's settings. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

DEFAULT_OUTLET_REACH: Final = 10_000
"""An outlet we know nothing about: the audience of a small local or trade publication."""

OUTLET_REACH: Final[Mapping[str, int]] = {
    # Global English-language news
    "bbc.com": 400_000_000,
    "bbc.co.uk": 400_000_000,
    "yahoo.com": 200_000_000,
    "cnn.com": 200_000_000,
    "dailymail.co.uk": 200_000_000,
    "nytimes.com": 100_000_000,
    "theguardian.com": 100_000_000,
    "foxnews.com": 100_000_000,
    "usatoday.com": 100_000_000,
    "nbcnews.com": 100_000_000,
    "forbes.com": 100_000_000,
    "businessinsider.com": 100_000_000,
    "washingtonpost.com": 70_000_000,
    "cnbc.com": 70_000_000,
    "reuters.com": 50_000_000,
    "apnews.com": 50_000_000,
    "bloomberg.com": 50_000_000,
    "independent.co.uk": 50_000_000,
    "wsj.com": 40_000_000,
    "telegraph.co.uk": 30_000_000,
    "ft.com": 20_000_000,
    "economist.com": 20_000_000,
    # Technology press
    "theverge.com": 30_000_000,
    "wired.com": 20_000_000,
    "techcrunch.com": 10_000_000,
    "arstechnica.com": 10_000_000,
    # Continental Europe
    "bild.de": 30_000_000,
    "spiegel.de": 20_000_000,
    "elpais.com": 30_000_000,
    "elmundo.es": 20_000_000,
    "lemonde.fr": 20_000_000,
    "corriere.it": 20_000_000,
    # Hungary
    "index.hu": 3_000_000,
    "telex.hu": 3_000_000,
    "444.hu": 2_000_000,
}


def outlet_reach(
    domain: str, overrides: Mapping[str, int] | None = None, default: int = DEFAULT_OUTLET_REACH
) -> int:
    """The audience of the outlet at ``domain`` (``www.`` and subdomains fold into their
    parent: ``edition.cnn.com`` is ``cnn.com``); ``overrides`` win over the shipped table."""
    host = domain.strip().lower().removesuffix(".")
    parts = host.split(".")
    for start in range(len(parts) - 1):
        candidate = ".".join(parts[start:])
        if overrides and candidate in overrides:
            return overrides[candidate]
        if candidate in OUTLET_REACH:
            return OUTLET_REACH[candidate]
    return default
