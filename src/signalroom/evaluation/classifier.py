"""The seam between ``signalroom eval moderation|complaint`` and the models it scores.

A :class:`BinaryClassifier` says 1 (offensive, or a complaint) or 0 for each text of a
batch. :func:`load_classifier` finds the installed model for a task (the packaged complaint
model: 1 for a complaint; the packaged moderation model: 1 unless the verdict is ``safe``),
or explains that none is. A model is plugged in by adding its loader to ``_LOADERS``. This
module must not load anything at import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, Protocol

from signalroom.errors import SignalroomError

BinaryTask = Literal["moderation", "complaint"]
BINARY_TASKS: tuple[BinaryTask, ...] = ("moderation", "complaint")


class BinaryClassifier(Protocol):
    @property
    def model_version(self) -> str:
        """Names the model and its version, as recorded on the posts it scores."""
        ...

    def predict_batch(self, texts: Sequence[str], langs: Sequence[str]) -> list[int]:
        """1 or 0 per text, in order. ``langs`` holds each text's detected ISO 639-1 code
        (or ``und``), as the pipeline passes it. Must not raise on any text."""
        ...


def _load_complaint() -> BinaryClassifier:
    from signalroom.nlp.complaint import ComplaintModel

    return ComplaintModel.load()


def _load_moderation() -> BinaryClassifier:
    from signalroom.nlp.moderation import ModerationModel

    return ModerationModel.load()


_LOADERS: dict[BinaryTask, Callable[[], BinaryClassifier]] = {
    "complaint": _load_complaint,
    "moderation": _load_moderation,
}
"""The installed model of each task, loaded on demand."""


def load_classifier(task: BinaryTask) -> BinaryClassifier:
    """The installed model for ``task``; a :class:`SignalroomError` that says so if none is."""
    loader = _LOADERS.get(task)
    if loader is None:
        raise SignalroomError(
            f"no {task} model is installed yet: this version of Signalroom ships none, so "
            f"there is nothing to evaluate (`signalroom eval {task}` scores it once one is)"
        )
    return loader()


def moderation_flag(verdict: str) -> int:
    """The binary label of a moderation verdict: anything but ``safe`` counts as offensive."""
    return 0 if verdict == "safe" else 1
