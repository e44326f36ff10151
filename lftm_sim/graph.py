"""The system graph: who governs, supports and learns from whom.

The topology is built as numpy edge arrays (fast at national scale), then mirrored in a
networkx graph whose nodes carry `kind` (state, district, school) and whose edges carry
`tie` (governs, supports, peer) and `trust`. Every random choice is drawn from the
generator passed in, so the same seed gives the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

NETWORK_MIN, NETWORK_MAX = 5, 20  # "networks of 5-20 schools" (New Zealand's guideline)


@dataclass
class Topology:
    """Who belongs where and which peer ties exist (indices are agent rows)."""

    n_schools: int
    n_districts: int
    school_district: np.ndarray  # district row of each school, -1 with no middle tier
    school_network: np.ndarray  # network id of each school
    n_networks: int
    peer_u: np.ndarray  # school-school ties (u < v)
    peer_v: np.ndarray
    district_u: np.ndarray  # district-district consortium ties (u < v)
    district_v: np.ndarray


def district_sizes(n_schools: int, n_districts: int, rng: np.random.Generator) -> np.ndarray:
    """Schools per district: at least one each, the rest spread unevenly (lognormal weights)."""
    if n_districts == 0:
        return np.zeros(0, dtype=np.int64)
    weights = rng.lognormal(0.0, 0.8, n_districts)
    return 1 + rng.multinomial(n_schools - n_districts, weights / weights.sum())


def assign_networks(
    school_district: np.ndarray, mean_size: float, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Group schools (held in district order) into networks of 5-20 schools.

    A district big enough is split into its own networks; the schools of smaller
    districts wait and join the next district's, so networks span neighbouring districts.
    """
    n = len(school_district)
    if n < NETWORK_MIN:
        return np.zeros(n, dtype=np.int64), 1
    bounds = np.flatnonzero(np.diff(school_district)) + 1
    ends = _block_ends(np.diff(np.concatenate([[0], bounds, [n]])))
    starts = np.concatenate([[0], ends[:-1]])
    length = ends - starts
    target = rng.uniform(0.6, 1.4, len(length)) * mean_size  # one draw per block, in order
    k = np.clip(np.rint(length / target), -(-length // NETWORK_MAX), length // NETWORK_MIN)
    k = k.astype(np.int64)
    q, r = np.divmod(length, k)  # as np.array_split: the first r chunks get one more
    chunk = np.repeat(np.stack([q + 1, q], axis=1).ravel(), np.stack([r, k - r], axis=1).ravel())
    network = np.empty(n, dtype=np.int64)
    network[: ends[-1]] = np.repeat(np.arange(len(chunk)), chunk)
    next_id = len(chunk)
    if ends[-1] < n:  # leftovers join the last network, split in two if it grows too big
        last = np.flatnonzero(network[: ends[-1]] == next_id - 1)
        merged = np.concatenate([last, np.arange(ends[-1], n)])
        if len(merged) > NETWORK_MAX:
            half = len(merged) // 2
            network[merged[:half]] = next_id - 1
            network[merged[half:]] = next_id
            next_id += 1
        else:
            network[ends[-1] :] = next_id - 1
    return network, next_id


def _block_ends(group_sizes: np.ndarray) -> np.ndarray:
    """End of each block: consecutive districts gathered until they hold NETWORK_MIN."""
    ends, held, pos = [], 0, 0
    for size in group_sizes.tolist():
        pos += size
        held += size
        if held >= NETWORK_MIN:
            ends.append(pos)
            held = 0
    return np.array(ends, dtype=np.int64)


def network_ties(
    network: np.ndarray, shortcut_p: float, cross_p: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Peer ties: inside each network a ring lattice (two neighbours a side) with random
    shortcuts (Newman-Watts small world); a few ties to the neighbouring network."""
    order = np.argsort(network, kind="stable")
    net_sorted = network[order]
    starts = np.searchsorted(net_sorted, net_sorted, side="left")
    sizes = np.bincount(net_sorted)[net_sorted]
    pos = np.arange(len(order)) - starts
    us, vs = [], []
    for offset in (1, 2):
        ok = sizes > offset
        us.append(order[ok])
        vs.append(order[starts[ok] + (pos[ok] + offset) % sizes[ok]])
    short = rng.random(len(order)) < shortcut_p
    us.append(order[short])
    vs.append(order[starts[short] + rng.integers(0, sizes[short])])
    n_net = int(network.max()) + 1 if len(network) else 0
    cross = rng.random(len(order)) < cross_p
    if n_net > 1 and cross.any():
        other = (net_sorted[cross] + rng.choice([-1, 1], cross.sum())) % n_net
        first = np.searchsorted(net_sorted, other, side="left")
        count = np.searchsorted(net_sorted, other, side="right") - first
        us.append(order[cross])
        vs.append(order[first + (rng.random(cross.sum()) * count).astype(np.int64)])
    return _unique_pairs(np.concatenate(us), np.concatenate(vs))


def consortium_ties(n_districts: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """District consortia: neighbouring districts in groups of `size`, all tied (CODE: ten)."""
    size = max(size, 1)
    u = np.arange(n_districts, dtype=np.int64)
    group_end = np.minimum((u // size + 1) * size, n_districts)
    partners = group_end - u - 1  # later districts of the same group
    first = np.concatenate([[0], np.cumsum(partners)[:-1]]) if n_districts else partners
    us = np.repeat(u, partners)
    vs = us + 1 + np.arange(len(us)) - np.repeat(first, partners)
    return us, vs


def _unique_pairs(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ties (lo < hi), sorted by (lo, hi); self-ties dropped."""
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keep = lo != hi
    lo, hi = lo[keep].astype(np.int64), hi[keep].astype(np.int64)
    width = int(hi.max()) + 1 if len(hi) else 1
    key = np.sort(lo * width + hi)  # sorting is faster here than np.unique's hashing
    key = key[np.concatenate([[True], key[1:] != key[:-1]])] if len(key) else key
    return key // width, key % width


def build_topology(
    n_schools: int,
    n_districts: int,
    rng: np.random.Generator,
    network_size: float = 10.0,
    shortcut_p: float = 0.1,
    cross_p: float = 0.05,
    consortium_size: int = 10,
) -> Topology:
    """Generate a system: districts of uneven size, school networks, district consortia."""
    sizes = district_sizes(n_schools, n_districts, rng)
    school_district = (
        np.repeat(np.arange(n_districts), sizes) if n_districts else np.full(n_schools, -1)
    )
    network, n_networks = assign_networks(school_district, network_size, rng)
    pu, pv = network_ties(network, shortcut_p, cross_p, rng)
    du, dv = consortium_ties(n_districts, consortium_size)
    return Topology(n_schools, n_districts, school_district, network, n_networks, pu, pv, du, dv)


def topology_from_graph(graph: nx.Graph) -> Topology:
    """Read a user's graph: nodes with `kind`, supports ties give districts, peer ties
    give networks (connected groups of schools)."""
    kinds = nx.get_node_attributes(graph, "kind")
    missing = [n for n in graph.nodes if n not in kinds]
    if missing:
        raise ValueError(f"graph node {missing[0]!r} has no 'kind' (state, district or school)")
    bad = {k for k in kinds.values()} - {"state", "district", "school"}
    if bad:
        raise ValueError(f"graph node kind {sorted(bad)[0]!r} is not state, district or school")
    schools = [n for n in graph.nodes if kinds[n] == "school"]
    districts = [n for n in graph.nodes if kinds[n] == "district"]
    if not schools:
        raise ValueError("graph has no school nodes")
    s_row = {n: i for i, n in enumerate(schools)}
    d_row = {n: i for i, n in enumerate(districts)}
    school_district = np.full(len(schools), -1, dtype=np.int64)
    pu, pv, du, dv = [], [], [], []
    for a, b in graph.edges:
        ka, kb = kinds[a], kinds[b]
        if ka == kb == "school":
            pu.append(s_row[a])
            pv.append(s_row[b])
        elif ka == kb == "district":
            du.append(d_row[a])
            dv.append(d_row[b])
        elif {ka, kb} == {"district", "school"}:
            s, d = (a, b) if ka == "school" else (b, a)
            school_district[s_row[s]] = d_row[d]
    if districts and (school_district < 0).any():
        first = schools[int(np.flatnonzero(school_district < 0)[0])]
        raise ValueError(f"school node {first!r} has no district (no tie to a district node)")
    peers = sp.coo_matrix((np.ones(len(pu)), (pu, pv)), shape=(len(schools), len(schools)))
    n_networks, network = sp.csgraph.connected_components(peers, directed=False)
    pu_a, pv_a = _unique_pairs(np.asarray(pu, dtype=np.int64), np.asarray(pv, dtype=np.int64))
    du_a, dv_a = _unique_pairs(np.asarray(du, dtype=np.int64), np.asarray(dv, dtype=np.int64))
    return Topology(
        len(schools),
        len(districts),
        school_district,
        network.astype(np.int64),
        int(n_networks),
        pu_a,
        pv_a,
        du_a,
        dv_a,
    )


def node_id(kind: str, row: int, n_districts: int) -> int:
    """Node label in the system graph: 0 the state, then districts, then schools."""
    return {"state": 0, "district": 1 + row, "school": 1 + n_districts + row}[kind]


def to_networkx(
    top: Topology, peer_trust: np.ndarray, active: np.ndarray, middle_trust: np.ndarray
) -> nx.Graph:
    """The system graph in networkx; peer ties only between schools taking part."""
    D = top.n_districts
    g = nx.Graph()
    g.add_node(0, kind="state", index=0)
    g.add_nodes_from((1 + d, {"kind": "district", "index": d}) for d in range(D))
    g.add_nodes_from(
        (1 + D + i, {"kind": "school", "index": i, "network": int(top.school_network[i])})
        for i in range(top.n_schools)
    )
    if D:
        g.add_edges_from((0, 1 + d, {"tie": "governs", "trust": 1.0}) for d in range(D))
        g.add_edges_from(
            (1 + int(d), 1 + D + i, {"tie": "supports", "trust": 1.0})
            for i, d in enumerate(top.school_district)
        )
    else:  # no middle tier: schools answer to the state
        g.add_edges_from(
            (0, 1 + D + i, {"tie": "governs", "trust": 1.0}) for i in range(top.n_schools)
        )
    g.add_edges_from(
        (1 + int(u), 1 + int(v), {"tie": "peer", "trust": float(t)})
        for u, v, t in zip(top.district_u, top.district_v, middle_trust, strict=True)
    )
    live = active[top.peer_u] & active[top.peer_v]
    g.add_edges_from(
        (1 + D + int(u), 1 + D + int(v), {"tie": "peer", "trust": float(t)})
        for u, v, t in zip(top.peer_u[live], top.peer_v[live], peer_trust[live], strict=True)
    )
    return g


class PeerMatrix:
    """A symmetric sparse matrix over fixed tie positions whose weights change each step.

    The CSR structure is built once from the edge arrays; each step only its data is
    refilled (weight of tie e at both of its positions), so peer sums stay one product.
    """

    def __init__(self, n: int, u: np.ndarray, v: np.ndarray):
        rows = np.concatenate([u, v])
        cols = np.concatenate([v, u])
        edge = np.concatenate([np.arange(len(u)), np.arange(len(u))])
        order = np.argsort(rows * max(n, 1) + cols)  # by row, then column (all distinct)
        self.edge_of_entry = edge[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        self.matrix = sp.csr_matrix((np.zeros(len(rows)), cols[order], indptr), shape=(n, n))

    def weighted(self, edge_weight: np.ndarray) -> sp.csr_matrix:
        """The matrix with tie e weighted by edge_weight[e]."""
        self.matrix.data = edge_weight[self.edge_of_entry]
        return self.matrix
