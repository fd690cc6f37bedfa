"""The naive-Bayes-scaled logistic regression the complaint model is trained with: its scale
comes from the fitted rows only and is folded into the weights the run-time model gathers."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest
import scipy.sparse

from signalroom.nlp.training.complaint import NaiveBayesScaledLogistic

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None and not os.environ.get("CI"),
    reason="training needs scikit-learn (the 'train' extra); under CI it must be installed",
)

DIMENSION = 64
DENSE = 2


def toy_matrix(seed: int, rows: int) -> tuple[scipy.sparse.csr_matrix, np.ndarray]:
    """Column 0 fires on complaints, column 1 on the rest, columns 2..39 at random; the
    hashed columns 40.. never fire; two dense columns of noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(rows) % 2
    hashed = np.zeros((rows, DIMENSION))
    hashed[:, 0] = labels * 0.5
    hashed[:, 1] = (1 - labels) * 0.5
    noise = rng.random((rows, 38)) < 0.2
    hashed[:, 2:40] = noise * 0.3
    dense = rng.normal(size=(rows, DENSE))
    return scipy.sparse.csr_matrix(np.hstack([hashed, dense])), labels


def test_nb_scaled_logistic_folds_its_scale_into_the_coefficients() -> None:
    matrix, labels = toy_matrix(0, 80)
    model = NaiveBayesScaledLogistic(DIMENSION, c=4.0).fit(matrix, labels)
    logits = matrix @ model.coefficients + model.intercept
    expected = 1.0 / (1.0 + np.exp(-logits))
    np.testing.assert_allclose(model.predict_proba(matrix)[:, 1], expected, rtol=1e-9)
    assert model.coefficients.shape == (DIMENSION + DENSE,)


def test_nb_scaled_logistic_scales_telling_columns_above_neutral_ones() -> None:
    matrix, labels = toy_matrix(1, 200)
    model = NaiveBayesScaledLogistic(DIMENSION, c=4.0, beta=0.5).fit(matrix, labels)
    scale = dict(zip(model.kept.tolist(), model.scale.tolist(), strict=True))
    neutral = np.median([scale[j] for j in range(2, 40)])
    assert scale[0] > 1.5 * neutral
    assert scale[1] > 1.5 * neutral
    assert model.coefficients[0] > 0 > model.coefficients[1]


def test_nb_scaled_logistic_gives_unfitted_columns_no_weight() -> None:
    matrix, labels = toy_matrix(2, 60)
    model = NaiveBayesScaledLogistic(DIMENSION, c=4.0).fit(matrix, labels)
    assert not model.coefficients[40:DIMENSION].any()
    # Dense columns always keep their (unscaled) weight.
    assert model.coefficients[DIMENSION:].any()


def test_nb_scaled_logistic_is_deterministic() -> None:
    matrix, labels = toy_matrix(3, 100)
    first = NaiveBayesScaledLogistic(DIMENSION, c=4.0).fit(matrix, labels).coefficients
    second = NaiveBayesScaledLogistic(DIMENSION, c=4.0).fit(matrix, labels).coefficients
    assert first.tobytes() == second.tobytes()
