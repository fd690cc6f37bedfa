"""The text form of an evaluation's result, as ``signalroom eval ...`` prints it.

Takes the dicts that :mod:`signalroom.evaluation.classify` returns and lays them out for a
person: the headline score first, then accuracy, the per-class (or per-language) figures,
the confusion, speed and size. Must not compute scores: everything shown is in the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

EvalKind = Literal["sentiment", "language", "moderation", "complaint"]

_BINARY_NAMES: dict[str, dict[str, str]] = {
    "moderation": {"0": "not offensive", "1": "offensive"},
    "complaint": {"0": "not a complaint", "1": "complaint"},
}


def format_report(result: Mapping[str, Any], kind: EvalKind) -> str:
    """A readable multi-line report of ``result`` (no trailing newline)."""
    if kind == "sentiment":
        lines = _sentiment(result)
    elif kind == "language":
        lines = _language(result)
    elif kind in _BINARY_NAMES:
        lines = _binary(result, _BINARY_NAMES[kind])
    else:
        raise ValueError(f"unknown evaluation kind {kind!r}")
    lines += [
        f"speed         {result['posts_per_s']:,.0f} posts/s",
        f"examples      {result['n']:,}",
        f"model         {result['model_version']}",
    ]
    return "\n".join(lines)


def _sentiment(result: Mapping[str, Any]) -> list[str]:
    recalls: Mapping[str, float] = result["per_class_recall"]
    lines = [
        f"macro recall  {result['macro_recall']:6.2f} %  "
        f"(mean over the {len(recalls)} classes present)",
        f"accuracy      {result['accuracy']:6.2f} %",
        "recall per class",
        *(f"  {label:<11} {value:6.2f} %" for label, value in recalls.items()),
        *_matrix(result["confusion"], ("negative", "neutral", "positive"), {}),
    ]
    per_language: Mapping[str, Mapping[str, Any]] = result.get("per_language", {})
    if per_language:
        lines.append("per declared language   macro recall   accuracy       n")
        lines += [
            f"  {lang:<20} {scores['macro_recall']:10.2f} % {scores['accuracy']:8.2f} %"
            f" {scores['n']:7,}"
            for lang, scores in per_language.items()
        ]
    return lines


def _language(result: Mapping[str, Any]) -> list[str]:
    lines = [f"accuracy      {result['accuracy']:6.2f} %"]
    # Romanised Hindi is a known blind spot of the model: shown apart, when the file has it.
    if result.get("hi_accuracy") is not None:
        if result.get("accuracy_excluding_hi") is not None:
            lines.append(f"  without hi  {result['accuracy_excluding_hi']:6.2f} %")
        lines.append(f"  hi alone    {result['hi_accuracy']:6.2f} %")
    confusions: Mapping[str, Mapping[str, int]] = result["confusion"]
    lines.append("accuracy per language (most frequent wrong answer)")
    for lang, value in result["per_language"].items():
        wrong = [(count, code) for code, count in confusions.get(lang, {}).items() if code != lang]
        worst = max(wrong, key=lambda item: (item[0], item[1]), default=None)
        shown = f"  ({worst[1]} ×{worst[0]})" if worst else ""
        lines.append(f"  {lang:<11} {value:6.2f} %{shown}")
    return lines


def _binary(result: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    f1s: Mapping[str, float] = result["per_class_f1"]
    recalls: Mapping[str, float] = result["per_class_recall"]
    lines = [
        f"macro F1      {result['macro_f1']:6.2f} %  (mean of the F1 of both classes)",
        f"accuracy      {result['accuracy']:6.2f} %",
        "per class             F1      recall",
    ]
    for label in ("1", "0"):
        recall = recalls.get(label)
        shown = f"{recall:6.2f} %" if recall is not None else "     –"
        lines.append(f"  {label} {names[label]:<16} {f1s[label]:6.2f} % {shown}")
    return lines + _matrix(result["confusion"], ("0", "1"), names)


def _matrix(
    rows: Mapping[str, Mapping[str, int]], labels: tuple[str, ...], names: Mapping[str, str]
) -> list[str]:
    width = max(9, *(len(label) + 1 for label in labels))
    header = "".join(f"{label:>{width}}" for label in labels)
    lines = ["confusion (rows: gold, columns: predicted)", f"  {'':<18}{header}"]
    for gold, row in rows.items():
        name = f"{gold} {names[gold]}" if gold in names else gold
        cells = "".join(f"{row.get(label, 0):>{width},}" for label in labels)
        lines.append(f"  {name:<18}{cells}")
    return lines
