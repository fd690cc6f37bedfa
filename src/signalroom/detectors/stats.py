"""The statistics the detectors share: order statistics and count-data tests.

Pure functions on plain numbers, with no state and no I/O. ``median`` and ``quantile``
give bit-for-bit the results of ``numpy.median`` and ``numpy.quantile`` (its default,
"linear" method). The spike detector was measured with NumPy, and this lets its port
reproduce those scores without depending on NumPy. Every function is defined on its
whole domain: nothing here divides by zero or takes the log of zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def median(values: Iterable[float]) -> float:
    """The middle value. For an even count, the mean of the two middle values.

    Raises ValueError when there are no values.
    """
    ordered = sorted(values)
    count = len(ordered)
    if count == 0:
        raise ValueError("median of no values")
    middle = count // 2
    if count % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1), interpolated linearly between order statistics.

    This is NumPy's default method, including the way it interpolates: from the upper
    neighbour when the fraction is at least one half. Raises ValueError when there
    are no values or q is outside [0, 1].
    """
    if not values:
        raise ValueError("quantile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is outside [0, 1]")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    below = math.floor(position)
    if position >= len(ordered) - 1:
        return ordered[-1]
    lower, upper = ordered[below], ordered[below + 1]
    fraction = position - below
    step = upper - lower
    if fraction >= 0.5:
        return upper - step * (1 - fraction)
    return lower + step * fraction


def poisson_log10_sf(k: int, rate: float) -> float:
    """log10 P(X ≥ k) for X ~ Poisson(rate). The value is 0.0 when k ≤ 0.

    Computed in log space, so it stays finite for tails far below the smallest float.
    A rate of zero or less gives -inf for any k > 0.
    """
    if k <= 0:
        return 0.0
    if rate <= 0.0:
        return -math.inf
    if k <= rate:
        # The upper tail from at or below the mean is at least about one half. Summing
        # the lower part directly is exact enough, and it avoids a long, slow series.
        lower = sum(math.exp(_poisson_log_pmf(i, rate)) for i in range(k))
        return math.log10(max(1.0 - lower, 1e-300))
    # Each term is term * rate / (i + 1) < term, because i ≥ k > rate: the series shrinks
    # at least geometrically, and stopping when a term no longer adds anything is exact.
    log_first = _poisson_log_pmf(k, rate)
    total, term, i = 1.0, 1.0, k
    while True:
        term *= rate / (i + 1)
        i += 1
        if term < total * 1e-17:
            break
        total += term
    return (log_first + math.log(total)) / math.log(10)


def _poisson_log_pmf(k: int, rate: float) -> float:
    return -rate + k * math.log(rate) - math.lgamma(k + 1)


def beta_binomial_z(
    hits: int, trials: int, base_hits: int, base_trials: int, prior_hits: float, prior_misses: float
) -> tuple[float, float, float]:
    """How surprising ``hits`` of ``trials`` are, given a baseline of ``base_hits`` of ``base_trials``.

    The baseline share has a Beta(prior_hits + base_hits, prior_misses + base_misses)
    posterior, so the count in the new trials is beta-binomial. That spread is wider
    than the binomial when the baseline is small. Returns ``(z, expected, sd)``:
    expected = trials · p̂, sd is the beta-binomial standard deviation, and z is the
    continuity-corrected standardised excess. It is 0.0 when there are no trials.
    Both priors must be positive.
    """
    if prior_hits <= 0.0 or prior_misses <= 0.0:
        raise ValueError("beta priors must be positive")
    if trials <= 0:
        return 0.0, 0.0, 0.0
    alpha = prior_hits + max(base_hits, 0)
    beta = prior_misses + max(base_trials - base_hits, 0)
    share = alpha / (alpha + beta)
    expected = trials * share
    variance = trials * share * (1.0 - share) * (alpha + beta + trials) / (alpha + beta + 1.0)
    sd = math.sqrt(variance)
    excess = hits - expected
    corrected = max(abs(excess) - 0.5, 0.0)
    return math.copysign(corrected, excess) / sd, expected, sd
