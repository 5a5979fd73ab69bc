"""CSV export: a node table and an edge table, for Gephi's spreadsheet import and for pandas.

``--output PATH`` names two files:

- ``PATH`` ending in ``.csv`` (``out/kati.csv``): a prefix, giving ``out/kati-nodes.csv`` and
  ``out/kati-edges.csv`` (the folder must exist);
- any other ``PATH`` (``out/kati``): a folder, created if needed (its parent must exist),
  receiving ``nodes.csv`` and ``edges.csv``.

Layout (UTF-8 without BOM, comma-separated, RFC 4180 quoting, so a label with commas, quotes or
newlines survives):

``nodes.csv``
    ``Id`` (the node IRI), ``Label``, then the node attributes of :mod:`.network` as
    lowercase columns. The column set is fixed per view (not inferred from the data), so
    scripts can rely on it; a missing value is an empty cell.
``edges.csv``
    ``Source``, ``Target``, ``Type`` (``Directed`` in the full view, ``Undirected`` in the
    actors view), ``Id``, ``Label`` (the role: ``agent``, ``place``, ``leaderOf``... or the
    dominant role pair in the actors view), ``Weight``, ``Start``, ``End`` (ISO dates), and
    ``fatalities`` in the actors view.

Gephi (File → Import spreadsheet) recognises ``Id``/``Label`` and
``Source``/``Target``/``Type``/``Id``/``Label``/``Weight``; ``pandas.read_csv`` reads both files
with numeric columns as numbers and dates as ISO strings (``parse_dates=["Start", "End"]``).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from . import ExportError, atomic_output, check_view
from .network import NODE_ATTRIBUTES, build_network

__all__ = ["write_csv", "csv_paths", "node_columns", "edge_columns"]

_ACTOR_COLUMNS = ["category", "kind", "country", "wikidata", "articles", "events"]


def node_columns(view: str) -> list[str]:
    """The node table's header for ``view``."""
    attrs = [n for n in NODE_ATTRIBUTES if n != "label"] if view == "full" else _ACTOR_COLUMNS
    return ["Id", "Label", *attrs]


def edge_columns(view: str) -> list[str]:
    """The edge table's header for ``view``."""
    base = ["Source", "Target", "Type", "Id", "Label", "Weight", "Start", "End"]
    return base if view == "full" else [*base, "fatalities"]


def csv_paths(output: str | Path) -> tuple[Path, Path]:
    """The node and edge file names for ``--output PATH`` (see the module docstring)."""
    output = Path(output)
    if output.suffix.lower() == ".csv":
        stem = output.name[: -len(output.suffix)]
        return output.with_name(f"{stem}-nodes.csv"), output.with_name(f"{stem}-edges.csv")
    return output / "nodes.csv", output / "edges.csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def network_rows(graph: nx.Graph) -> tuple[list[list[str]], list[list[str]]]:
    """The node and edge rows (with headers) of a network from :func:`.network.build_network`."""
    view = graph.graph.get("view", "full")
    directed = graph.is_directed()
    ncols, ecols = node_columns(view), edge_columns(view)
    nodes = [ncols]
    for key, data in sorted(graph.nodes(data=True), key=lambda nd: nd[0]):
        row = {"Id": key, "Label": data.get("label", key), **data}
        nodes.append([_cell(row.get(c)) for c in ncols])
    if directed:
        edge_list = sorted(graph.edges(data=True),
                           key=lambda e: (e[0], e[1], e[2].get("label", "")))
    else:
        edge_list = sorted(((*sorted((u, v)), d) for u, v, d in graph.edges(data=True)),
                           key=lambda e: (e[0], e[1]))
    edges = [ecols]
    for i, (u, v, data) in enumerate(edge_list):
        row = {"Source": u, "Target": v, "Type": "Directed" if directed else "Undirected",
               "Id": f"e{i}", "Label": data.get("label"), "Weight": data.get("weight", 1.0),
               "Start": data.get("start"), "End": data.get("end"),
               "fatalities": data.get("fatalities")}
        edges.append([_cell(row.get(c)) for c in ecols])
    return nodes, edges


def write_csv(store: ox.Store, output: str | Path, view: str = "full") -> list[Path]:
    """Write the ``view`` network of ``store`` as node and edge CSV files; return both paths."""
    check_view(view)
    nodes_path, edges_path = csv_paths(output)
    folder = nodes_path.parent
    if not folder.is_dir():
        if folder.exists():
            raise ExportError(f"{folder}: is not a folder")
        if not folder.parent.is_dir():
            raise ExportError(f"{folder}: folder {folder.parent} does not exist")
        try:
            folder.mkdir()
        except OSError as exc:
            raise ExportError(f"{folder}: cannot create folder: {exc.strerror or exc}") from None
    node_rows, edge_rows = network_rows(build_network(store, view))
    # Both files are renamed into place only after both were written completely.
    with atomic_output(nodes_path, "w", encoding="utf-8", newline="") as nf, \
            atomic_output(edges_path, "w", encoding="utf-8", newline="") as ef:
        csv.writer(nf).writerows(node_rows)
        csv.writer(ef).writerows(edge_rows)
    return [nodes_path, edges_path]
