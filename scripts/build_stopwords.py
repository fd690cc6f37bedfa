"""Rebuild the packaged stop-word lists from the ``stop-words`` package (PyPI, BSD-3-Clause).

    pip install stop-words==2025.11.4
    python scripts/build_stopwords.py --out src/signalroom/nlp/models/stopwords

Writes ``stopwords.json`` (one sorted list per language, the multilingual ``core`` list
used for undetermined languages, and where it all came from). Run it again after
upgrading the package; the output is byte-identical for the same package version. Only a
developer runs this: the running product reads the JSON and never imports ``stop_words``.

What it changes, and why (the NOTICE beside the data repeats this):

- entries are case-folded and NFC-normalised as posts are (``signalroom.casefold``), with
  typographic apostrophes made plain; entries that are not one word (``i.e.``, ``et-al``,
  Vietnamese multi-syllable words) are left out, since a post is matched word by word;
- Chinese and Japanese are left out: without spaces between words a list of words
  cannot be matched against the text;
- mis-encoded entries are repaired (Hungarian ``õ``/``û`` for ``ő``/``ű``, Turkish
  Windows-1254 letters read as Latin-1) or dropped (Polish UTF-8 read as Latin-1);
- Latin-script entries also get their accent-free spelling (``también`` → ``tambien``),
  since people often type without accents;
- names of brands, products and things people talk about are taken out
  (:data:`NOT_STOP_WORDS`), and so are the English list's two-letter internet country
  codes (``ai``, ``uk``, ``tv``...), which are words like any other in a post;
- a few social-media fillers of our own (``rt``, ``via``, ``lol``...) are added to every
  list (:data:`SOCIAL_FILLERS`).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

from signalroom.casefold import fold

SOURCE_PACKAGE = "stop-words"
MAIN_LANGUAGES = ("en", "hu", "es", "de", "fr", "it", "pt", "ar", "nl", "pl", "tr", "ru")
"""The languages whose short entries make the multilingual core list."""
SKIPPED_LANGUAGES = ("zh", "ja")
CORE_MAX_CHARS = 3
"""The core list (for posts in an undetermined language) holds each main language's
entries of at most this many characters: articles, pronouns, prepositions and
conjunctions are short in all of them, content words rarely are."""

NOT_STOP_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        # brands and products
        "microsoft", "netscape", "msie", "shell", "best", "buy", "new", "ups", "ee", "bt",
        # things people complain or talk about
        "bill", "computer", "date", "fire", "free", "help", "home", "homepage", "index",
        "information", "line", "million", "billion", "trillion", "mug", "novel", "open",
        "order", "orders", "page", "pages", "problem", "problems", "research", "ring", "room",
        "rooms", "site", "state", "states", "system", "test", "web", "webpage", "website",
        "work", "worked", "working", "works", "world",
    ),
}  # fmt: skip
"""Entries of the source lists that are names or content words, never removed."""

ENGLISH_TWO_LETTER_STOP_WORDS = frozenset((
    "ah", "am", "an", "as", "at", "aw", "be", "by", "do", "eh", "er", "go", "he", "hi", "if",
    "in", "is", "it", "ll", "me", "my", "no", "of", "oh", "ok", "on", "or", "re", "so", "to",
    "um", "up", "us", "ve", "we", "ye",
))  # fmt: skip
"""The English list's two-letter entries that are English function words; the rest of
its two-letter entries are internet country codes."""

SOCIAL_FILLERS = (
    "rt", "via", "amp", "lol", "lmao", "lmfao", "omg", "haha", "hahaha", "jaja", "jajaja",
    "xd", "pls", "plz",
)  # fmt: skip
"""Words of our own added to every list: retweet and share markers, a stray HTML
``&amp;``, and laughter, which say nothing about what a post is about."""

_REPAIRS: dict[str, dict[str, str]] = {
    # Latin-2 text once read as Latin-1: the list has õ/û where Hungarian has ő/ű.
    "hu": {"õ": "ő", "û": "ű", "Õ": "Ő", "Û": "Ű"},
    # Windows-1254 text once read as Latin-1.
    "tr": {"ý": "ı", "þ": "ş", "ð": "ğ", "Ý": "İ", "Þ": "Ş", "Ð": "Ğ"},
}
_BROKEN: dict[str, tuple[str, ...]] = {
    # UTF-8 read as Latin-1 ("duå¼o"); the correct spellings are in the list too.
    "pl": ("å", "ä…"),
    # A stray fragment of an SQL statement.
    "tr": ("inser",),
}


def _is_word(entry: str) -> bool:
    """One word as the key-phrase tokenizer reads it: letters, digits and marks, with
    inner apostrophes or hyphens."""
    if not entry or entry[0] in "'-" or entry[-1] in "'-":
        return False
    return all(
        char in "'-" or char == "_" or unicodedata.category(char)[0] in "LMN" for char in entry
    )


def _strip_accents(entry: str) -> str:
    decomposed = unicodedata.normalize("NFD", entry)
    return unicodedata.normalize(
        "NFC", "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    )


def _is_latin(entry: str) -> bool:
    return all(not char.isalpha() or "LATIN" in unicodedata.name(char, "") for char in entry)


def clean_list(lang: str, entries: list[str]) -> list[str]:
    """The entries of one language as the product ships them."""
    keep = set(NOT_STOP_WORDS.get(lang, ()))
    repairs = _REPAIRS.get(lang, {})
    broken = _BROKEN.get(lang, ())
    words: set[str] = set()
    for raw in entries:
        entry = raw.strip()
        for bad, good in repairs.items():
            entry = entry.replace(bad, good)
        # An elided article ("l'", "dell'") is matched as the word before the apostrophe.
        entry = fold(entry.replace("’", "'")).rstrip("'")
        if any(fragment in entry for fragment in broken) or not _is_word(entry):
            continue
        if lang == "en" and len(entry) == 2 and entry not in ENGLISH_TWO_LETTER_STOP_WORDS:
            continue
        if entry in keep:
            continue
        words.add(entry)
        if _is_latin(entry):
            plain = _strip_accents(entry)
            if plain != entry and plain not in keep:
                words.add(plain)
    words.update(SOCIAL_FILLERS)
    return sorted(words)


def build(stop_words_module: object) -> dict[str, object]:
    get_stop_words = stop_words_module.get_stop_words  # type: ignore[attr-defined]
    mapping: dict[str, str] = stop_words_module.LANGUAGE_MAPPING  # type: ignore[attr-defined]
    version = stop_words_module.get_version()  # type: ignore[attr-defined]
    languages: dict[str, list[str]] = {}
    for code in sorted(mapping):
        if code in SKIPPED_LANGUAGES:
            continue
        words = clean_list(code, list(get_stop_words(code, cache=False)))
        if len(words) > len(SOCIAL_FILLERS):
            languages[code] = words
    missing = [code for code in MAIN_LANGUAGES if code not in languages]
    if missing:
        raise SystemExit(f"the {SOURCE_PACKAGE} package has no list for {missing}")
    core = sorted(
        {word for code in MAIN_LANGUAGES for word in languages[code] if len(word) <= CORE_MAX_CHARS}
        | set(SOCIAL_FILLERS)
    )
    return {
        "source": {
            "package": f"{SOURCE_PACKAGE} {version} (PyPI)",
            "licence": "BSD-3-Clause",
            "attribution": "Copyright (c) 2014, Alireza Savand, Contributors",
            "url": "https://github.com/Alir3z4/python-stop-words",
        },
        "core_languages": list(MAIN_LANGUAGES),
        "core_max_chars": CORE_MAX_CHARS,
        "not_stop_words": {lang: sorted(words) for lang, words in NOT_STOP_WORDS.items()},
        "social_fillers": list(SOCIAL_FILLERS),
        "core": core,
        "languages": languages,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the stopwords data directory")
    args = parser.parse_args(argv)
    try:
        import stop_words
    except ImportError:
        print(f"install the source lists first: pip install {SOURCE_PACKAGE}", file=sys.stderr)
        return 1
    data = build(stop_words)
    args.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=0, sort_keys=False)
    (args.out / "stopwords.json").write_text(text + "\n", encoding="utf-8")
    languages = data["languages"]
    assert isinstance(languages, dict)
    sizes = {code: len(words) for code, words in languages.items()}
    core = data["core"]
    assert isinstance(core, list)
    print(json.dumps({"languages": sizes, "core": len(core)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
