"""The detectors' statistics against textbook definitions, on their whole domain."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signalroom.detectors.stats import beta_binomial_z, median, poisson_log10_sf, quantile

FLOATS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(FLOATS, min_size=1, max_size=40))
def test_median_equals_statistics_median(values: list[float]) -> None:
    assert median(values) == statistics.median(values)


def test_median_refuses_no_values() -> None:
    with pytest.raises(ValueError, match="no values"):
        median([])


@given(st.lists(FLOATS, min_size=1, max_size=40), st.floats(min_value=0.0, max_value=1.0))
def test_quantile_interpolates_between_order_statistics(values: list[float], q: float) -> None:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    below = ordered[math.floor(position)]
    above = ordered[min(math.ceil(position), len(ordered) - 1)]
    expected = below + (above - below) * (position - math.floor(position))
    assert min(below, above) <= quantile(values, q) <= max(below, above)
    assert quantile(values, q) == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_quantile_matches_numpy_documented_values() -> None:
    # numpy.quantile([10, 7, 4, 3, 2, 1], 0.5) == 3.5 and the 0.8 quantile of 1..5 is 4.2.
    assert quantile([10.0, 7.0, 4.0, 3.0, 2.0, 1.0], 0.5) == 3.5
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.8) == pytest.approx(4.2)
    assert quantile([5.0], 0.8) == 5.0
    assert quantile([1.0, 2.0], 1.0) == 2.0


def test_quantile_refuses_no_values_and_bad_q() -> None:
    with pytest.raises(ValueError, match="no values"):
        quantile([], 0.5)
    with pytest.raises(ValueError, match="outside"):
        quantile([1.0], 1.5)


def _brute_sf(k: int, rate: float) -> float:
    return 1.0 - sum(math.exp(-rate) * rate**i / math.factorial(i) for i in range(k))


@given(st.integers(min_value=0, max_value=40), st.floats(min_value=0.01, max_value=30.0))
def test_poisson_log10_sf_matches_the_sum_of_the_pmf(k: int, rate: float) -> None:
    brute = _brute_sf(k, rate)
    if brute > 1e-12:
        assert 10 ** poisson_log10_sf(k, rate) == pytest.approx(brute, rel=1e-6, abs=1e-12)


def test_poisson_log10_sf_stays_finite_far_in_the_tail() -> None:
    # P(X >= 1000 | 1) = e^-1 / 1000! (1 + ...) ~ 10^-2568: far below the smallest float.
    value = poisson_log10_sf(1000, 1.0)
    expected = (-1.0 - math.lgamma(1001)) / math.log(10)
    assert value == pytest.approx(expected, abs=1e-3)
    assert poisson_log10_sf(0, 5.0) == 0.0
    assert poisson_log10_sf(3, 0.0) == -math.inf


def test_beta_binomial_z_is_zero_without_trials_and_grows_with_the_excess() -> None:
    assert beta_binomial_z(0, 0, 0, 0, 1.0, 1.0) == (0.0, 0.0, 0.0)
    calm, expected, _ = beta_binomial_z(10, 100, 100, 1000, 1.0, 1.0)
    alarming, _, _ = beta_binomial_z(40, 100, 100, 1000, 1.0, 1.0)
    assert expected == pytest.approx(100 * 101 / 1002)
    assert abs(calm) < 1.0
    assert alarming > 5.0


def test_beta_binomial_z_is_wider_than_binomial_when_the_baseline_is_small() -> None:
    small_baseline, _, small_sd = beta_binomial_z(40, 100, 1, 10, 1.0, 1.0)
    large_baseline, _, large_sd = beta_binomial_z(40, 100, 100, 1000, 1.0, 1.0)
    assert small_sd > large_sd
    assert small_baseline < large_baseline


def test_beta_binomial_z_refuses_non_positive_priors() -> None:
    with pytest.raises(ValueError, match="positive"):
        beta_binomial_z(1, 2, 0, 0, 0.0, 1.0)
