"""One ranking per step: each run's schools sorted once by performance.

The sort gives everything the rules and the reporters need from the ordering: a school's
standing (average ranks for ties, exactly as ``scipy.stats.rankdata(method="average")``)
and the run's P10 and P90 (exactly numpy's default linear-interpolation percentile).
The runs of an ensemble are contiguous blocks of schools: one stable sort per block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The percentiles of the gap (P90 - P10), as numpy's quantile fractions.
GAP_QUANTILES = (np.true_divide(10, 100), np.true_divide(90, 100))


@dataclass
class Ranking:
    """Each run's schools in ascending order of a value, and what follows from it."""

    order: np.ndarray  # school rows in ascending order within each run's block
    starts: np.ndarray  # first position of each run's block (length runs + 1)

    def sorted_values(self, values: np.ndarray) -> np.ndarray:
        """`values` in the ranking's order (monotone transforms keep the order)."""
        return values[self.order]

    def standing(self, values: np.ndarray) -> np.ndarray:
        """Share of the run's other schools that rank higher (0 best, 1 weakest; 0.5 alone)."""
        out = np.empty(len(values))
        sv = values[self.order]
        for a, b in zip(self.starts[:-1], self.starts[1:], strict=True):
            n = b - a
            if n < 2:
                out[self.order[a:b]] = 0.5
                continue
            out[self.order[a:b]] = (n - _average_ranks(sv[a:b])) / (n - 1)
        return out

    def quantiles(self, sorted_values: np.ndarray, q: float) -> np.ndarray:
        """The q-quantile of each run (numpy's 'linear' method, on presorted values)."""
        n = np.diff(self.starts)
        virtual = (n - 1) * q
        prev = np.floor(virtual).astype(np.int64)
        top = virtual >= n - 1  # numpy takes the last value there
        prev = np.where(top, n - 1, prev)
        nxt = np.where(top, n - 1, prev + 1)
        gamma = virtual - np.where(top, -1, prev)
        a = sorted_values[self.starts[:-1] + prev]
        b = sorted_values[self.starts[:-1] + nxt]
        diff = b - a
        return np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)


def rank(values: np.ndarray, starts: np.ndarray) -> Ranking:
    """Sort each run's block of `values` (stable, so equal values keep their row order)."""
    if len(starts) == 2:
        return Ranking(np.argsort(values, kind="stable"), starts)
    order = np.empty(len(values), dtype=np.int64)
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        order[a:b] = a + np.argsort(values[a:b], kind="stable")
    return Ranking(order, starts)


def _average_ranks(sv: np.ndarray) -> np.ndarray:
    """1-based ranks of sorted values, ties sharing the average of their positions."""
    n = len(sv)
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(sv[1:], sv[:-1], out=new[1:])
    if new.all():
        return np.arange(1, n + 1, dtype=float)
    first = np.flatnonzero(new)
    counts = np.diff(np.append(first, n))
    return np.repeat(first + (counts + 1) / 2, counts)
