"""One ranking per step: each run's schools sorted once by performance.

The sort gives everything the rules and the reporters need from the ordering: a school's
standing (average ranks for ties, exactly as ``scipy.stats.rankdata(method="average")``)
and the run's P10 and P90 (exactly numpy's default linear-interpolation percentile).
The runs of an ensemble are contiguous blocks of schools: one sort per block, the rest
vectorised over all blocks at once. Ties share their average rank, so the sort need not be
stable: numpy's default sort (introsort, vectorised on AVX-512) is about twice as fast as
its stable sort on fresh data (benchmarks/README.md).
"""

from __future__ import annotations

import numpy as np

#: The percentiles of the gap (P90 - P10), as numpy's quantile fractions.
GAP_QUANTILES = np.true_divide([10, 90], 100)


class Blocks:
    """The runs' blocks of schools, and the standing of each sorted position without ties."""

    def __init__(self, starts: np.ndarray):
        self.starts = np.asarray(starts, dtype=np.int64)
        self.sizes = np.diff(self.starts)
        self.block_of = np.repeat(np.arange(len(self.sizes)), self.sizes)
        self.size_of = self.sizes[self.block_of].astype(float)  # block size, per position
        rank = np.arange(1, self.starts[-1] + 1) - self.starts[self.block_of]
        self.no_tie_standing = _standing(self.size_of, rank.astype(float))


def _standing(n: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """(n - rank) / (n - 1): 0 for the best school, 1 for the weakest, 0.5 alone."""
    alone = n < 2
    return np.where(alone, 0.5, (n - rank) / np.where(alone, 1.0, n - 1))


class Ranking:
    """Each run's schools in ascending order of a value, and what follows from it."""

    def __init__(self, values: np.ndarray, blocks: Blocks):
        self.blocks = blocks
        starts = blocks.starts
        if len(starts) == 2:
            self.order = np.argsort(values)
        else:
            self.order = np.empty(len(values), dtype=np.int64)
            for a, b in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True):
                self.order[a:b] = a + np.argsort(values[a:b])
        self.sorted = values[self.order]
        self._gap = None

    def standing(self) -> np.ndarray:
        """Share of the run's other schools that rank higher (ties: their average rank)."""
        sv, blocks = self.sorted, self.blocks
        same = np.empty(len(sv), dtype=bool)
        same[0] = False
        np.equal(sv[1:], sv[:-1], out=same[1:])
        same[blocks.starts[:-1][blocks.sizes > 0]] = False  # a tie never spans two runs
        out = np.empty(len(sv))
        if not same.any():
            out[self.order] = blocks.no_tie_standing
            return out
        first = np.flatnonzero(~same)
        counts = np.diff(np.append(first, len(sv)))
        start = blocks.starts[blocks.block_of[first]]
        rank = np.repeat(first - start + (counts + 1) / 2, counts)  # 1-based, averaged
        out[self.order] = _standing(blocks.size_of, rank)
        return out

    def quantiles(self, q: np.ndarray, transform=None) -> np.ndarray:
        """The q-quantiles of each run (numpy's 'linear' method; shape (len(q), runs)) of
        the sorted values, or of ``transform(values)`` for a non-decreasing elementwise
        `transform` (it keeps the order: only the values interpolated between need it)."""
        n = self.blocks.sizes
        virtual = (n - 1) * np.asarray(q)[:, None]
        prev = np.floor(virtual).astype(np.int64)
        top = virtual >= n - 1  # numpy takes the last value there
        prev = np.where(top, n - 1, prev)
        nxt = np.where(top, n - 1, prev + 1)
        gamma = virtual - np.where(top, -1, prev)
        first = self.blocks.starts[:-1]
        a, b = self.sorted[first + prev], self.sorted[first + nxt]
        if transform is not None:
            a, b = transform(a), transform(b)
        diff = b - a
        return np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)

    def gap(self, transform=None) -> np.ndarray:
        """P90 - P10 of each run (cached for the untransformed values)."""
        if transform is not None:
            lo, hi = self.quantiles(GAP_QUANTILES, transform)
            return hi - lo
        if self._gap is None:
            self._p10, self._p90 = self.quantiles(GAP_QUANTILES)
            self._gap = self._p90 - self._p10
        return self._gap

    def p10_p90(self) -> tuple[np.ndarray, np.ndarray]:
        """P10 and P90 of each run."""
        self.gap()
        return self._p10, self._p90
