"""GraphML export, for networkx, yEd, Cytoscape and igraph.

The file follows the GraphML 1.0 schema: every ``<data>`` refers to a ``<key>`` declared with
``attr.name`` and a typed ``attr.type`` (``string``, ``double``, ``int``), so each reader gets
numbers as numbers; a missing value is an absent ``<data>``, never an empty or ``"None"``
string. Node ids are ``n0``, ``n1``... in IRI order, because GraphML ids are XML name tokens
and IRIs are not (``/`` is not allowed); the IRI is kept in the ``iri`` attribute. To key a
networkx graph by IRI again::

    g = nx.read_graphml(path)
    g = nx.relabel_nodes(g, {n: d["iri"] for n, d in g.nodes(data=True)})

Graph-level ``view`` and ``last_modified`` data travel with the file (networkx puts them in
``G.graph``). yEd shows attributes but draws labels only once they are mapped
(Edit → Properties Mapper → ``label`` to Label Text); Cytoscape imports the columns directly.
The ``full`` view is a directed graph, the ``actors`` view undirected (see :mod:`.network`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from .gexf import escape_text, xml_safe
from .network import EDGE_ATTRIBUTES, NODE_ATTRIBUTES

__all__ = ["write_graphml", "iter_graphml", "GRAPHML_NS"]

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
_TYPES = {str: "string", float: "double", int: "int"}


def _text(value: Any) -> str | None:
    """The lexical form of a value for ``<data>``, or ``None`` when there is nothing to write."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if value is None:
        return None
    text = xml_safe(str(value))
    return escape_text(text) if text.strip() and text != "None" else None


def _used(items: list[dict[str, Any]], spec: dict[str, type]) -> list[str]:
    used = {k for data in items for k, v in data.items() if _text(v) is not None}
    return [name for name in spec if name in used]


def iter_graphml(graph: nx.Graph) -> Iterator[str]:
    """Yield the lines of a GraphML document for a network from :func:`.network.build_network`."""
    directed = graph.is_directed()
    nodes = sorted(graph.nodes(data=True), key=lambda nd: nd[0])
    ids = {key: f"n{i}" for i, (key, _) in enumerate(nodes)}
    if directed:
        edges = sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("label", "")))
    else:
        edges = sorted(((*sorted((u, v)), d) for u, v, d in graph.edges(data=True)),
                       key=lambda e: (e[0], e[1]))
    node_spec = {"iri": str, **NODE_ATTRIBUTES}
    node_keys = _used([{"iri": k, **d} for k, d in nodes], node_spec)
    edge_keys = _used([d for *_, d in edges], EDGE_ATTRIBUTES)
    graph_data = {k: graph.graph[k] for k in ("view", "last_modified") if k in graph.graph}

    yield '<?xml version="1.0" encoding="UTF-8"?>'
    yield (f'<graphml xmlns="{GRAPHML_NS}" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           f'xsi:schemaLocation="{GRAPHML_NS} {GRAPHML_NS}/1.0/graphml.xsd">')
    for name in graph_data:
        yield f'  <key id="g_{name}" for="graph" attr.name="{name}" attr.type="string" />'
    for prefix, domain, names, spec in (("n", "node", node_keys, node_spec),
                                        ("e", "edge", edge_keys, EDGE_ATTRIBUTES)):
        for name in names:
            yield (f'  <key id="{prefix}_{name}" for="{domain}" attr.name="{name}" '
                   f'attr.type="{_TYPES[spec[name]]}" />')
    yield f'  <graph id="G" edgedefault="{"directed" if directed else "undirected"}">'
    for name, value in graph_data.items():
        if (text := _text(value)) is not None:
            yield f'    <data key="g_{name}">{text}</data>'
    for key, data in nodes:
        yield f'    <node id="{ids[key]}">'
        for name in node_keys:
            value = key if name == "iri" else data.get(name)
            if (text := _text(value)) is not None:
                yield f'      <data key="n_{name}">{text}</data>'
        yield "    </node>"
    for i, (u, v, data) in enumerate(edges):
        yield f'    <edge id="e{i}" source="{ids[u]}" target="{ids[v]}">'
        for name in edge_keys:
            if (text := _text(data.get(name))) is not None:
                yield f'      <data key="e_{name}">{text}</data>'
        yield "    </edge>"
    yield "  </graph>"
    yield "</graphml>"


def write_graphml(store: ox.Store, path: str | Path, view: str = "full") -> Path:
    """Write the ``view`` network of ``store`` as GraphML to ``path``; return ``path``."""
    from . import write_network

    return write_network(store, path, view, iter_graphml)
