"""Graph files: a system read from GraphML or an edge-list CSV (docs/formats.md)."""

from __future__ import annotations

import csv
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx

from ..errors import suggest
from .errors import GraphFileError

NODE_KINDS: tuple[str, ...] = ("state", "district", "school")
GRAPH_SUFFIXES: tuple[str, ...] = (".graphml", ".csv")


def read_graph(path: str | os.PathLike, nodes: str | os.PathLike | None = None) -> nx.Graph:
    """Read a system graph: GraphML (nodes with a `kind` attribute) or an edge-list CSV.

    CSV: a header row with `source,target` and either `source_kind,target_kind` columns or
    a node file `nodes` with `node,kind` columns. Kinds are state, district or school.
    Raises GraphFileError (an InputError) naming the file and the line at fault.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in GRAPH_SUFFIXES:
        raise GraphFileError(path.name, f"unknown graph format {suffix or '(no suffix)'!r}")
    if suffix == ".graphml":
        if nodes is not None:
            raise GraphFileError(path.name, "a node file goes with an edge-list CSV only")
        return _read_graphml(path)
    return _read_edge_csv(path, None if nodes is None else Path(nodes))


def _read_graphml(path: Path) -> nx.Graph:
    try:
        graph = nx.read_graphml(path)
    except (OSError, MemoryError):
        raise
    except ET.ParseError as exc:
        raise GraphFileError(path.name, f"malformed GraphML: {exc}") from None
    except Exception as exc:  # networkx raises many types for content it cannot read
        raise GraphFileError(path.name, f"malformed GraphML: {exc}") from None
    return graph.to_undirected() if graph.is_directed() else graph


def _header(reader, name: str, required: tuple[str, ...], optional: tuple[str, ...]) -> list:
    header = next(reader, None)
    if header is None or not any(h.strip() for h in header):
        raise GraphFileError(name, "empty: it needs a header row")
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in required + optional]
    if unknown:
        raise GraphFileError(
            name,
            f"line 1: unknown column {unknown[0]!r}{suggest(unknown[0], required + optional)}; "
            "columns are " + ", ".join(required + optional),
        )
    missing = [h for h in required if h not in header]
    if missing:
        raise GraphFileError(name, f"line 1: missing column {missing[0]!r}")
    return header


def csv_rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...]):
    """(header, [(line number, row dict), ...]) from a CSV with a checked header."""
    name = path.name
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = _header(reader, name, required, optional)
            rows = []
            for row in reader:
                if not row or not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise GraphFileError(
                        name,
                        f"line {reader.line_num}: {len(row)} fields, the header has {len(header)}",
                    )
                cells = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
                rows.append((reader.line_num, cells))
            return header, rows
    except UnicodeDecodeError as exc:
        raise GraphFileError(name, f"not UTF-8 text: {exc.reason}") from None
    except csv.Error as exc:
        raise GraphFileError(name, f"malformed CSV: {exc}") from None


class _Kinds:
    """Node kinds as read, each with where it was first given (for the error message)."""

    def __init__(self, graph: nx.Graph):
        self.graph = graph
        self.seen: dict[str, tuple[str, str]] = {}  # node -> (kind, "FILE line N")

    def set(self, node: str, kind: str, file: str, line: int) -> None:
        if kind not in NODE_KINDS:
            raise GraphFileError(
                file,
                f"line {line}: kind {kind!r} of node {node!r} is not one of "
                + ", ".join(NODE_KINDS),
            )
        if node in self.seen and self.seen[node][0] != kind:
            first = self.seen[node]
            raise GraphFileError(
                file, f"line {line}: node {node!r} is a {kind} here but a {first[0]} at {first[1]}"
            )
        self.seen.setdefault(node, (kind, f"{file} line {line}"))
        self.graph.add_node(node, kind=kind)


def _read_edge_csv(path: Path, nodes_path: Path | None) -> nx.Graph:
    name = path.name
    header, rows = csv_rows(path, ("source", "target"), ("source_kind", "target_kind"))
    has_kinds = [h for h in ("source_kind", "target_kind") if h in header]
    if len(has_kinds) == 1:
        raise GraphFileError(name, f"line 1: {has_kinds[0]!r} needs its partner column")
    if not has_kinds and nodes_path is None:
        raise GraphFileError(
            name, "no kind columns; add source_kind,target_kind or give system.graph_nodes"
        )
    graph = nx.Graph()
    kinds = _Kinds(graph)
    if nodes_path is not None:
        for line, row in csv_rows(nodes_path, ("node", "kind"), ())[1]:
            if not row["node"]:
                raise GraphFileError(nodes_path.name, f"line {line}: empty node id")
            kinds.set(row["node"], row["kind"], nodes_path.name, line)
    for line, row in rows:
        u, v = row["source"], row["target"]
        if not u or not v:
            raise GraphFileError(name, f"line {line}: empty {'source' if not u else 'target'}")
        if has_kinds:
            kinds.set(u, row["source_kind"], name, line)
            kinds.set(v, row["target_kind"], name, line)
        else:
            for node in (u, v):
                if node not in kinds.seen:
                    raise GraphFileError(
                        name, f"line {line}: node {node!r} is not in the node file"
                    )
        graph.add_edge(u, v)
    if graph.number_of_nodes() == 0:
        raise GraphFileError(name, "has no nodes")
    return graph
