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
    network = np.empty(n, dtype=np.int64)
    if n < NETWORK_MIN:
        network[:] = 0
        return network, 1
    bounds = np.flatnonzero(np.diff(school_district)) + 1
    groups = np.split(np.arange(n), bounds)
    next_id, pending = 0, np.zeros(0, dtype=np.int64)
    for members in groups:
        members = np.concatenate([pending, members])
        if len(members) < NETWORK_MIN:
            pending = members
            continue
        target = rng.uniform(0.6, 1.4) * mean_size
        k = int(
            np.clip(
                round(len(members) / target),
                -(-len(members) // NETWORK_MAX),
                len(members) // NETWORK_MIN,
            )
        )
        for chunk in np.array_split(members, k):
            network[chunk] = next_id
            next_id += 1
        pending = np.zeros(0, dtype=np.int64)
    if len(pending):  # leftovers join the last network, split in two if it grows too big
        last = np.flatnonzero(network[: pending[0]] == next_id - 1)
        merged = np.concatenate([last, pending])
        if len(merged) > NETWORK_MAX:
            half = len(merged) // 2
            network[merged[:half]] = next_id - 1
            network[merged[half:]] = next_id
            next_id += 1
        else:
            network[pending] = next_id - 1
    return network, next_id


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
    group = np.arange(n_districts) // max(size, 1)
    u, v = np.triu_indices(n_districts, 1) if n_districts <= 2000 else _block_pairs(group)
    keep = group[u] == group[v]
    return u[keep].astype(np.int64), v[keep].astype(np.int64)


def _block_pairs(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    us, vs = [], []
    for g in np.unique(group):
        members = np.flatnonzero(group == g)
        i, j = np.triu_indices(len(members), 1)
        us.append(members[i])
        vs.append(members[j])
    return np.concatenate(us), np.concatenate(vs)


def _unique_pairs(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keep = lo != hi
    pairs = np.unique(np.stack([lo[keep], hi[keep]], axis=1), axis=0)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)


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
        order = np.lexsort((cols, rows))
        self.edge_of_entry = edge[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        self.matrix = sp.csr_matrix((np.zeros(len(rows)), cols[order], indptr), shape=(n, n))

    def weighted(self, edge_weight: np.ndarray) -> sp.csr_matrix:
        """The matrix with tie e weighted by edge_weight[e]."""
        self.matrix.data = edge_weight[self.edge_of_entry]
        return self.matrix
