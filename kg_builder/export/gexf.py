"""GEXF 1.3 export for Gephi.

networkx's own ``write_gexf`` writes things the GEXF schema rejects and Gephi then complains
about (an empty graph ``name``, ``timeformat="long"``, ``z="None"``, ``weight="None"``, see
``specs/README.md``), so this module writes the XML itself (as escaped text, standard library
only), to the rules a user opening the file in Gephi needs:

- typed attribute columns declared before the nodes (``kind``, ``country``, ``latitude``,
  ``fatalities``...), values given only where known (never empty or ``"None"``);
- node ids are the node IRIs (stable across exports and equal to the keys of
  :func:`.network.build_network`), edge ids ``e0``, ``e1``... in a deterministic order;
- ``viz:color`` from a fixed palette by kind (so every export of every store uses the same
  colours) and ``viz:size`` growing with the node's degree;
- a dynamic graph with ``timeformat="date"``: events and their edges carry ``start``/``end``
  from the event's earliest/latest dates (in the actors view, each edge spans its shared
  events), so Gephi's timeline plays; nodes without dates are always visible;
- ``meta/@lastmodifieddate`` is the latest article date in the store, not the clock, so the
  same store always gives the same bytes.

:func:`gexf_schema_errors` validates a file against the official XSD (when it is available),
and :func:`gexf_semantic_errors` checks what the schema cannot (typed values, references).
"""

from __future__ import annotations

import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from .. import __version__
from .network import EDGE_ATTRIBUTES, NODE_ATTRIBUTES

__all__ = [
    "write_gexf", "iter_gexf", "gexf_schema_errors", "gexf_semantic_errors",
    "find_gexf_schema", "PALETTE", "GEXF_NS", "VIZ_NS",
]

GEXF_NS = "http://gexf.net/1.3"
VIZ_NS = "http://gexf.net/1.3/viz"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
#: Used when the store has no dated article: a fixed date keeps the output reproducible.
FALLBACK_DATE = "1970-01-01"

#: Node colours (r, g, b) by kind. Actor kinds get distinct hues; violent events are reds and
#: oranges, political events purples and blues, places greys; unknown kinds use the category's.
PALETTE: dict[str, tuple[int, int, int]] = {
    # actors
    "Person": (31, 119, 180),
    "ArmedGroup": (214, 39, 40),
    "StateForce": (44, 160, 44),
    "Government": (23, 190, 207),
    "Mercenary": (148, 103, 189),
    "InternationalOrganization": (140, 86, 75),
    "PoliticalParty": (227, 119, 194),
    "Civilians": (188, 189, 34),
    "Organization": (127, 127, 127),
    "Actor": (174, 199, 232),
    # events
    "ArmedAttack": (255, 127, 14),
    "ArmedClash": (230, 85, 13),
    "Bombing": (166, 54, 3),
    "Killing": (203, 24, 29),
    "Abduction": (253, 174, 107),
    "Coup": (106, 81, 163),
    "Mutiny": (158, 154, 200),
    "Protest": (255, 187, 120),
    "Election": (49, 130, 189),
    "Agreement": (116, 196, 118),
    "Deployment": (140, 109, 49),
    "Withdrawal": (189, 158, 57),
    "Arrest": (214, 97, 107),
    "Sanction": (123, 65, 115),
    "Statement": (206, 219, 156),
    "OtherEvent": (255, 152, 150),
    "Event": (255, 152, 150),
    # places
    "Place": (82, 84, 163),
    "RelativePlace": (156, 158, 222),
}
_CATEGORY_COLOUR = {"actor": PALETTE["Actor"], "event": PALETTE["Event"],
                    "place": PALETTE["Place"]}
_GEXF_TYPES = {str: "string", float: "double", int: "integer"}
# XML 1.0 cannot hold these characters at all, not even escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_NATIVE_EDGE = {"label", "weight", "start", "end"}
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
_ATTR_SPECIAL = re.compile('[&<>"\n\r\t]')
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot represent (control characters other than tab/LF/CR)."""
    return _XML_ILLEGAL.sub("", text)


def escape_text(text: str) -> str:
    """Escape XML character data (``&``, ``<``, ``>``; ``\\r`` as a reference, so it survives)."""
    return text.translate(_TEXT_ESCAPES) if _ATTR_SPECIAL.search(text) else text


def _label(text: str) -> str:
    """A one-line label: Gephi shows labels on the canvas, where newlines and tabs are noise."""
    return _SPACES.sub(" ", xml_safe(text)).strip()


def _value_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    text = xml_safe(str(value))
    return text if text.strip() and text != "None" else None


def _declared(items: Iterable[dict[str, Any]], spec: dict[str, type],
              skip: set[str]) -> list[str]:
    used: set[str] = set()
    for data in items:
        used.update(k for k, v in data.items() if _value_text(v) is not None)
    return [name for name in spec if name in used and name not in skip]


def _attr(text: str) -> str:
    """Escape an XML attribute value, keeping newlines and tabs (as character references)."""
    return text.translate(_ATTR_ESCAPES) if _ATTR_SPECIAL.search(text) else text


def _tag(name: str, attrs: dict[str, str], close: bool = False) -> str:
    parts = "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items())
    return f"<{name}{parts}{' />' if close else '>'}"


def _attvalues(data: dict[str, Any], names: list[str], indent: str) -> list[str]:
    values = [(n, _value_text(data[n])) for n in names if n in data]
    lines = [f"{indent}  " + _tag("attvalue", {"for": n, "value": v}, close=True)
             for n, v in values if v is not None]
    if not lines:
        return []
    return [f"{indent}<attvalues>", *lines, f"{indent}</attvalues>"]


def _size(degree: int) -> str:
    return f"{10.0 + 4.0 * math.sqrt(degree):.2f}"


def iter_gexf(graph: nx.Graph) -> Iterator[str]:
    """Yield the lines of the GEXF document for a network from :func:`.network.build_network`.

    Written as text rather than through ``xml.etree`` so that the namespace declarations come
    out exactly as Gephi writes them (GEXF as the default namespace, ``viz:`` prefix) and large
    graphs stream to disk without building a tree first.
    """
    view = graph.graph.get("view", "full")
    directed = graph.is_directed()
    nodes = sorted(graph.nodes(data=True), key=lambda nd: nd[0])
    if directed:
        edges = sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("label", "")))
    else:
        edges = sorted(((*sorted((u, v)), d) for u, v, d in graph.edges(data=True)),
                       key=lambda e: (e[0], e[1]))
    node_attrs = _declared((d for _, d in nodes), NODE_ATTRIBUTES, {"label"})
    edge_attrs = _declared((d for *_, d in edges), EDGE_ATTRIBUTES, _NATIVE_EDGE)
    description = ("kg-builder actor network: actors joined by the events they share"
                   if view == "actors" else "kg-builder network of actors, events and places")

    yield '<?xml version="1.0" encoding="UTF-8"?>'
    yield (f'<gexf xmlns="{GEXF_NS}" xmlns:viz="{VIZ_NS}" xmlns:xsi="{XSI_NS}" '
           f'xsi:schemaLocation="{GEXF_NS} {GEXF_NS}/gexf.xsd" version="1.3">')
    yield "  " + _tag("meta", {"lastmodifieddate":
                               graph.graph.get("last_modified", FALLBACK_DATE)})
    yield f"    <creator>kg-builder {escape_text(__version__)}</creator>"
    yield f"    <description>{escape_text(description)}</description>"
    yield "  </meta>"
    yield "  " + _tag("graph", {"defaultedgetype": "directed" if directed else "undirected",
                                "mode": "dynamic", "timeformat": "date"})
    for cls, names, spec in (("node", node_attrs, NODE_ATTRIBUTES),
                             ("edge", edge_attrs, EDGE_ATTRIBUTES)):
        yield f'    <attributes class="{cls}" mode="static">'
        for name in names:
            yield "      " + _tag("attribute", {"id": name, "title": name,
                                                "type": _GEXF_TYPES[spec[name]]}, close=True)
        yield "    </attributes>"

    yield f'    <nodes count="{len(nodes)}">'
    for key, data in nodes:
        label = _label(str(data.get("label", ""))) or _label(key) or key
        attrs = {"id": xml_safe(key), "label": label}
        if data.get("category") == "event":
            if data.get("earliest"):
                attrs["start"] = data["earliest"]
            if data.get("latest"):
                attrs["end"] = data["latest"]
        yield "      " + _tag("node", attrs)
        yield from _attvalues(data, node_attrs, "        ")
        r, gr, b = PALETTE.get(data.get("kind", ""),
                               _CATEGORY_COLOUR.get(data.get("category", ""), (160, 160, 160)))
        yield f'        <viz:color r="{r}" g="{gr}" b="{b}" />'
        yield f'        <viz:size value="{_size(graph.degree(key))}" />'
        yield "      </node>"
    yield "    </nodes>"

    yield f'    <edges count="{len(edges)}">'
    for i, (u, v, data) in enumerate(edges):
        attrs = {"id": f"e{i}", "source": xml_safe(u), "target": xml_safe(v)}
        if data.get("label"):
            attrs["label"] = _label(str(data["label"]))
            if directed:
                attrs["kind"] = attrs["label"]  # Gephi keeps parallel edges of distinct kinds
        weight = float(data.get("weight", 1.0))
        attrs["weight"] = repr(weight) if math.isfinite(weight) else "1.0"
        if data.get("start"):
            attrs["start"] = data["start"]
        if data.get("end"):
            attrs["end"] = data["end"]
        lines = _attvalues(data, edge_attrs, "        ")
        if lines:
            yield "      " + _tag("edge", attrs)
            yield from lines
            yield "      </edge>"
        else:
            yield "      " + _tag("edge", attrs, close=True)
    yield "    </edges>"
    yield "  </graph>"
    yield "</gexf>"


def write_gexf(store: ox.Store, path: str | Path, view: str = "full") -> Path:
    """Write the ``view`` network of ``store`` as GEXF 1.3 to ``path``; return ``path``."""
    from . import write_network

    return write_network(store, path, view, iter_gexf)


# ----------------------------------------------------------------------------- validation

def find_gexf_schema() -> Path | None:
    """The GEXF 1.3 XSD, if present: ``$KG_BUILDER_GEXF_XSD``, else ``../shared/specs`` beside
    the checkout. Users' machines usually lack it; validation is a development check."""
    env = os.environ.get("KG_BUILDER_GEXF_XSD")
    candidates = [Path(env)] if env else []
    repo = Path(__file__).resolve().parents[2]
    candidates.append(repo.parent / "shared" / "specs" / "gexf" / "1.3" / "gexf.xsd")
    for candidate in candidates:
        if candidate.is_dir():
            candidate = candidate / "gexf.xsd"
        if candidate.is_file():
            return candidate
    return None


_SCHEMAS: dict[Path, Any] = {}


def gexf_schema_errors(path: str | Path, schema: str | Path | None = None) -> list[str]:
    """Validate a GEXF 1.3 file against the official XSD; return the errors (empty: valid).

    The official schema declares the ``viz`` elements (color, size, position...) in the main
    GEXF namespace, while Gephi and every reader expect them in ``http://gexf.net/1.3/viz``. We
    validate a copy in which ``viz:`` elements are moved into the GEXF namespace, so the check
    is exactly the schema's, with that one known defect of the schema set aside.

    Needs lxml (a test dependency). Raises ``FileNotFoundError`` when no schema is found.
    """
    from lxml import etree

    xsd = Path(schema) if schema else find_gexf_schema()
    if xsd is None or not xsd.is_file():
        raise FileNotFoundError("GEXF 1.3 schema (gexf.xsd) not found")
    if xsd not in _SCHEMAS:
        _SCHEMAS[xsd] = etree.XMLSchema(etree.parse(str(xsd)))
    validator = _SCHEMAS[xsd]
    try:
        doc = etree.parse(str(path))
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    for el in doc.getroot().iter():
        if isinstance(el.tag, str) and el.tag.startswith(f"{{{VIZ_NS}}}"):
            el.tag = f"{{{GEXF_NS}}}{el.tag.split('}', 1)[1]}"
    if validator.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in validator.error_log]


def _check_value(kind: str, text: str) -> bool:
    if kind in ("integer", "long", "short", "byte", "biginteger"):
        return re.fullmatch(r"[+-]?\d+", text) is not None
    if kind in ("double", "float", "bigdecimal"):
        try:
            return math.isfinite(float(text))
        except ValueError:
            return False
    if kind == "boolean":
        return text in ("true", "false")
    return text.strip() != "" and text != "None"


def gexf_semantic_errors(path: str | Path) -> list[str]:
    """Check what the XSD cannot: typed attribute values, declared columns, unique ids, edges
    between existing nodes, labels on every node, counts, and start ≤ end. Standard library only.
    """
    errors: list[str] = []
    root = ET.parse(str(path)).getroot()
    g = f"{{{GEXF_NS}}}"
    graph_el = root.find(f"{g}graph")
    if graph_el is None:
        return ["no <graph> element"]
    declared: dict[str, dict[str, str]] = {"node": {}, "edge": {}}
    for decl in graph_el.findall(f"{g}attributes"):
        for att in decl.findall(f"{g}attribute"):
            declared[decl.get("class", "")][att.get("id", "")] = att.get("type", "")
    date_re = re.compile(r"^-?\d{4,}-\d{2}-\d{2}$")

    def check_element(el: ET.Element, cls: str, name: str) -> None:
        start, end = el.get("start"), el.get("end")
        for value in (start, end):
            if value is not None and graph_el.get("timeformat") == "date" and \
                    not date_re.match(value):
                errors.append(f"{name}: time {value!r} is not a date")
        if start and end and start > end:
            errors.append(f"{name}: start {start} is after end {end}")
        for av in el.iterfind(f"{g}attvalues/{g}attvalue"):
            key, value = av.get("for", ""), av.get("value", "")
            if key not in declared[cls]:
                errors.append(f"{name}: value for undeclared {cls} attribute {key!r}")
            elif not _check_value(declared[cls][key], value):
                errors.append(f"{name}: {key}={value!r} is not a valid {declared[cls][key]}")

    ids: set[str] = set()
    nodes_el = graph_el.find(f"{g}nodes")
    node_list = [] if nodes_el is None else nodes_el.findall(f"{g}node")
    if nodes_el is not None and nodes_el.get("count") not in (None, str(len(node_list))):
        errors.append(f"nodes count={nodes_el.get('count')} but {len(node_list)} nodes")
    for node in node_list:
        nid = node.get("id", "")
        if nid in ids:
            errors.append(f"node {nid}: duplicate id")
        ids.add(nid)
        if not (node.get("label") or "").strip():
            errors.append(f"node {nid}: no label")
        check_element(node, "node", f"node {nid}")
    edges_el = graph_el.find(f"{g}edges")
    edge_list = [] if edges_el is None else edges_el.findall(f"{g}edge")
    if edges_el is not None and edges_el.get("count") not in (None, str(len(edge_list))):
        errors.append(f"edges count={edges_el.get('count')} but {len(edge_list)} edges")
    edge_ids: set[str] = set()
    for edge in edge_list:
        eid = edge.get("id", "")
        name = f"edge {eid or (edge.get('source'), edge.get('target'))}"
        if eid and eid in edge_ids:
            errors.append(f"{name}: duplicate id")
        edge_ids.add(eid)
        for end in ("source", "target"):
            if edge.get(end) not in ids:
                errors.append(f"{name}: {end} {edge.get(end)!r} is not a node")
        weight = edge.get("weight")
        if weight is not None and not _check_value("double", weight):
            errors.append(f"{name}: weight {weight!r} is not a number")
        check_element(edge, "edge", name)
    return errors
