"""One layout of the school network per system, fast at any size.

A spring layout costs seconds at 1,000 schools and minutes at 10,000. The system already
says who sits near whom: schools learn from peers in their network (5-20 schools), and
networks are formed within districts. So each network becomes a small disc of its schools
(a sunflower spiral), and the discs sit on a grid in district order, a district's networks
side by side. Linear in the number of schools, and every panel shares it.
"""

from __future__ import annotations

import numpy as np

from ..graph import Topology

GOLDEN_ANGLE = np.pi * (3 - np.sqrt(5))


def school_positions(top: Topology) -> np.ndarray:
    """(x, y) of every school, shape (n_schools, 2): networks as discs on a grid."""
    n = top.n_schools
    network = np.asarray(top.school_network)
    ids, inverse, sizes = np.unique(network, return_inverse=True, return_counts=True)
    # order networks by the district most of their schools are in (networks may straddle)
    district = np.asarray(top.school_district)
    order_key = np.bincount(inverse, weights=np.maximum(district, 0), minlength=len(ids)) / sizes
    cell_of = np.empty(len(ids), dtype=np.int64)
    cell_of[np.argsort(order_key, kind="stable")] = np.arange(len(ids))
    cols = int(np.ceil(np.sqrt(len(ids))))
    row, col = np.divmod(cell_of, cols)
    col = np.where(row % 2 == 1, cols - 1 - col, col)  # serpentine: neighbours stay close
    centre = np.column_stack([col, -row]).astype(float)
    # rank of each school within its network, for its place on the network's spiral
    by_network = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(n, dtype=np.int64)
    rank[by_network] = np.arange(n) - np.repeat(starts, sizes)
    radius = 0.42 * np.sqrt((rank + 0.5) / sizes.max())
    angle = rank * GOLDEN_ANGLE
    offset = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return centre[inverse] + offset
