"""HTML fragments (feed summaries, Hacker News comments) as plain text, with a real parser
(stdlib ``html.parser``), never with regexes.

Block elements and ``<br>`` become line breaks, ``<p>`` a blank line, scripts and styles
vanish, entities are decoded, runs of spaces fold into one. Links keep their text only (the
target is not text, per ``docs/QUERY.md``). Never raises on any input; no I/O.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Final

_BLOCKS: Final = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "div",
        "dl",
        "dt",
        "dd",
        "figcaption",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "li",
        "ol",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    }
)
_PARAGRAPHS: Final = frozenset({"p"})
_HIDDEN: Final = frozenset({"script", "style", "template", "head", "title", "noscript"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """The visible text of an HTML fragment: paragraphs separated by a blank line, lines by
    ``\\n``, spaces folded, no leading or trailing whitespace."""
    if "<" not in fragment and "&" not in fragment:
        return _fold(fragment)
    collector = _TextCollector()
    try:
        collector.feed(fragment)
        collector.close()
    except (AssertionError, ValueError):
        # html.parser gives up on a few pathological inputs; what it read so far stands.
        pass
    return _fold("".join(collector.parts))


def _fold(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    blank = False
    for line in lines:
        if not line:
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(line)
    return "\n".join(out)
