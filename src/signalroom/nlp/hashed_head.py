"""A linear head over the shared hashed features plus a few dense columns: the scoring half
of the complaint and moderation models.

``logits = X_hashed @ (int8 weights * scale) + X_dense @ dense + bias``, computed by
gathering each feature's weight and summing per post (no sparse matrix), as the sentiment
model does, so several heads read one :class:`HashedFeatures` of a batch. Files: ``weights.npy``
(int8, ``(2**bits, heads)``), ``dense.npy`` (float32, ``(columns, heads)``); the scale and bias
live in the model's JSON. Pure numpy; it must not featurize, train or do I/O after loading.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from signalroom.errors import SignalroomError
from signalroom.nlp.hashed import HashedFeatures, HashedFeaturizer

CONFIG_FILE = "model.json"
WEIGHTS_FILE = "weights.npy"
DENSE_FILE = "dense.npy"

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class LinearHead:
    """One or more logistic heads sharing the hashed and dense features."""

    columns: tuple[npt.NDArray[np.int8], ...]
    scale: npt.NDArray[np.float64]
    dense: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float64]

    @classmethod
    def from_arrays(
        cls,
        weights: npt.NDArray[np.int8],
        scale: npt.NDArray[np.float64],
        dense: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float64],
    ) -> LinearHead:
        heads = weights.shape[1]
        if scale.shape != (heads,) or bias.shape != (heads,) or dense.shape[1:] != (heads,):
            raise ValueError("head weights, scale, dense weights and bias do not match")
        # One contiguous int8 column per head gathers about twice as fast as matrix rows.
        columns = tuple(np.ascontiguousarray(weights[:, k]) for k in range(heads))
        return cls(columns, scale.astype(np.float64), dense.astype(np.float32), bias)

    @classmethod
    def load(cls, where: Path | Traversable, scale: object, bias: object) -> LinearHead:
        with (where / WEIGHTS_FILE).open("rb") as file:
            weights = np.load(file, allow_pickle=False)
        with (where / DENSE_FILE).open("rb") as file:
            dense = np.load(file, allow_pickle=False)
        if weights.dtype != np.int8 or weights.ndim != 2 or dense.ndim != 2:
            raise ValueError("head weights must be a 2-d int8 array and dense a 2-d array")
        return cls.from_arrays(
            weights,
            np.asarray(scale, dtype=np.float64).reshape(-1),
            dense.astype(np.float32),
            np.asarray(bias, dtype=np.float64).reshape(-1),
        )

    @property
    def dimension(self) -> int:
        return int(self.columns[0].shape[0])

    def logits(
        self, features: HashedFeatures, dense: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float64]:
        """``(n, heads)`` logits; ``dense`` is the ``(n, columns)`` dense block."""
        n = dense.shape[0]
        out = np.empty((n, len(self.columns)), dtype=np.float64)
        for k, column in enumerate(self.columns):
            contributions = column[features.columns] * features.values
            out[:, k] = np.bincount(features.rows, weights=contributions, minlength=n)
        out *= self.scale
        out += dense.astype(np.float64) @ self.dense.astype(np.float64)
        out += self.bias
        return out


def load_head(
    where: Path | Traversable,
    featurizer: HashedFeaturizer,
    name: str,
    read: Callable[[Mapping[str, Any]], _T],
) -> tuple[LinearHead, _T]:
    """The ``name`` model's head in ``where`` and what ``read`` takes from its model.json
    (``read`` may load more files beside it). Any missing or malformed part, or a head
    trained on other features than ``featurizer``, is a SignalroomError that says how to
    get a working model back."""
    retrain = f"scripts/train_{name}.py"
    try:
        config = json.loads((where / CONFIG_FILE).read_text(encoding="utf-8"))
        head = LinearHead.load(where, config["scale"], config["bias"])
        settings = read(config)
        trained_on = HashedFeaturizer.from_config(config["featurizer"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise SignalroomError(
            f"cannot load the {name} model from {where} ({err}); reinstall Signalroom "
            f"or retrain it with {retrain}"
        ) from err
    if trained_on != featurizer:
        raise SignalroomError(
            f"the {name} model was trained on other features than the sentiment model "
            f"reads; retrain it with {retrain}"
        )
    return head, settings


def quantise(
    weights: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float64]]:
    """Int8 weights and the per-head scale that restores them (training side)."""
    scale = np.abs(weights).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    quantised = np.clip(np.rint(weights / scale[None, :]), -127, 127).astype(np.int8)
    return quantised, scale.astype(np.float64)


def sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))
    return result
