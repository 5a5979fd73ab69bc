"""RDF exports: the store's article graphs as TriG, N-Quads, Turtle, N-Triples or JSON-LD.

- ``trig`` and ``nquads`` keep the named graphs (one per article), so a triple store that loads
  them can still drop or replace one article's facts;
- ``turtle``, ``ntriples`` and ``jsonld`` hold the union of the article graphs as one graph
  (a triple stated by several articles appears once), for tools without named graphs.

The store's own metadata graph (settings such as the base IRI) is never exported; triples in
the default graph (data loaded from a Turtle file) are. Output is deterministic: quads and
triples are sorted, N-Quads and N-Triples line by line, so the same store gives the same bytes
and exports diff cleanly. Turtle and TriG use the project's vocabulary prefixes only; instance
IRIs stay in full, because prefixing them (``actor:armedgroup\\/x``) needs Turtle's local-name
escapes, which some triple stores' loaders do not accept.

JSON-LD is written here rather than by a generic serialiser, to be pleasant to read
*and* exact: the published context ``ontology/context.jsonld`` maps the vocabulary to short
keys with type coercions (``"agent": "https://…/actor/Q…"``, ``"fatalities": 3``,
``"lat": "12.74409"`` meaning an ``xsd:decimal``, ``"certainty": "Reported"``). The context
object is embedded in the document itself, so a JSON-LD processor never fetches anything from
the network, and any value that does not fit a key's coercion is written as an explicit value
object, so the document reads back isomorphic to the union of the graphs.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..namespaces import PREFIXES
from ..resources import resource_dir
from ..store import INTERNAL_GRAPHS
from . import RDF_FORMATS, ExportError, atomic_output

__all__ = ["write_rdf", "jsonld_document", "load_context", "export_quads", "union_triples"]

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_XSD_INTEGER = _XSD + "integer"
_CANONICAL_INT = re.compile(r"-?(0|[1-9][0-9]{0,14})")  # safe as a JSON (IEEE double) number
_GEN_DELIMS = (":", "/", "?", "#", "[", "]", "@")


# ----------------------------------------------------------------------------- quads

def export_quads(store: ox.Store, *, ordered: bool = True) -> list[ox.Quad]:
    """Every quad to export (all graphs but the store's own: metadata and event summary),
    sorted by graph (default graph first), then by their N-Quads form, so each graph is one
    block and the order is stable."""
    quads = list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    for graph in store.named_graphs():
        if graph not in INTERNAL_GRAPHS:
            quads.extend(store.quads_for_pattern(None, None, None, graph))
    if ordered:
        quads.sort(key=lambda q: ("" if isinstance(q.graph_name, ox.DefaultGraph)
                                  else str(q.graph_name), str(q)))
    return quads


def union_triples(store: ox.Store, *, ordered: bool = True) -> list[ox.Triple]:
    """The union of the exported graphs as distinct triples (sorted unless ``ordered=False``)."""
    triples = list({q.triple for q in export_quads(store, ordered=False)})
    if ordered:
        triples.sort(key=str)
    return triples


# ----------------------------------------------------------------------------- JSON-LD

@lru_cache(maxsize=1)
def _context_text() -> str:
    path = resource_dir("ontology") / "context.jsonld"
    return path.read_text(encoding="utf-8")


def load_context() -> dict[str, Any]:
    """The JSON-LD context object published in ``ontology/context.jsonld``."""
    try:
        return json.loads(_context_text())["@context"]
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise ExportError(f"JSON-LD context ontology/context.jsonld is missing or broken: {exc}")\
            from None


class _Compactor:
    """Writes RDF terms as JSON-LD values under a given context, losslessly."""

    def __init__(self, context: dict[str, Any]):
        self.prefixes: dict[str, str] = {}
        for name, value in context.items():
            if isinstance(value, str) and not name.startswith("@") and ":" not in name \
                    and value.endswith(_GEN_DELIMS) and "://" in value:
                self.prefixes[name] = value
        self.terms = {name for name in context if not name.startswith("@")}
        self.vocab_terms: dict[str, str] = {}       # IRI → term (classes, individuals)
        self.properties: dict[str, tuple[str, str | None]] = {}  # IRI → (term, coercion)
        for name, value in context.items():
            if name.startswith("@") or name in self.prefixes:
                continue
            if isinstance(value, str):
                iri, coercion = self.expand(value), None
            else:
                iri = self.expand(value["@id"])
                coercion = value.get("@type")
                if coercion not in (None, "@id", "@vocab"):
                    coercion = self.expand(coercion)
            self.vocab_terms.setdefault(iri, name)
            self.properties.setdefault(iri, (name, coercion))
        by_length = sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))
        self.prefix_of = {ns: name for name, ns in reversed(by_length)}
        self.ns_re = re.compile("|".join(re.escape(ns) for _, ns in by_length)) \
            if by_length else None
        self.memo: dict[tuple[str, bool], str] = {}

    def expand(self, value: str) -> str:
        prefix, _, local = value.partition(":")
        if prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        return value

    def iri(self, iri: str, vocab: bool) -> str:
        """A string that a JSON-LD processor expands back to exactly ``iri``."""
        key = (iri, vocab)
        text = self.memo.get(key)
        if text is None:
            text = self.memo[key] = self._iri(iri, vocab)
        return text

    def _iri(self, iri: str, vocab: bool) -> str:
        if vocab and iri in self.vocab_terms:
            return self.vocab_terms[iri]
        m = self.ns_re.match(iri) if self.ns_re is not None else None
        if m:
            name, local = self.prefix_of[m.group(0)], iri[m.end():]
            if local and not local.startswith("//") and f"{name}:{local}" not in self.terms:
                return f"{name}:{local}"
        scheme, colon, rest = iri.partition(":")
        if colon and scheme in self.terms and not rest.startswith("//"):
            raise ExportError(f"cannot write the IRI <{iri}> in JSON-LD: its scheme "
                              f"{scheme!r} is also a term of the context")
        return iri

    def node_id(self, term: ox.NamedNode | ox.BlankNode) -> str:
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        return self.iri(term.value, vocab=False)

    def key(self, predicate: str) -> tuple[str, str | None]:
        if predicate in self.properties:
            return self.properties[predicate]
        return self.iri(predicate, vocab=True), None

    def value(self, obj: Any, coercion: str | None) -> Any:
        if isinstance(obj, (ox.NamedNode, ox.BlankNode)):
            if isinstance(obj, ox.NamedNode):
                text = self.iri(obj.value, vocab=coercion == "@vocab")
            else:
                text = f"_:{obj.value}"
            return text if coercion in ("@id", "@vocab") else {"@id": text}
        lex = obj.value
        if obj.language:
            return {"@value": lex, "@language": obj.language}
        datatype = obj.datatype.value
        if datatype == _XSD_STRING:
            return lex if coercion is None else {"@value": lex}
        if datatype == coercion:
            if datatype == _XSD_INTEGER and _CANONICAL_INT.fullmatch(lex):
                return int(lex)
            return lex
        return {"@value": lex, "@type": self.iri(datatype, vocab=True)}


def _sort_values(values: list[Any]) -> list[Any]:
    if len(values) < 2:
        return values
    return sorted(values, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))


def jsonld_document(triples: list[ox.Triple], context: dict[str, Any] | None = None
                    ) -> dict[str, Any]:
    """The JSON-LD document (as Python data) for ``triples``, with ``context`` embedded."""
    context = load_context() if context is None else context
    c = _Compactor(context)
    nodes: dict[str, dict[str, list[Any]]] = {}
    for t in triples:
        node = nodes.setdefault(c.node_id(t.subject), {})
        if t.predicate.value == _RDF_TYPE and not isinstance(t.object, ox.Literal):
            node.setdefault("@type", []).append(
                c.iri(t.object.value, vocab=True) if isinstance(t.object, ox.NamedNode)
                else f"_:{t.object.value}")
            continue
        name, coercion = c.key(t.predicate.value)
        node.setdefault(name, []).append(c.value(t.object, coercion))
    graph = []
    for node_id in sorted(nodes):
        props = nodes[node_id]
        obj: dict[str, Any] = {"@id": node_id}
        if "@type" in props:
            types = sorted(props.pop("@type"))
            obj["@type"] = types[0] if len(types) == 1 else types
        for name in sorted(props):
            values = _sort_values(props[name])
            obj[name] = values[0] if len(values) == 1 else values
        graph.append(obj)
    return {"@context": context, "@graph": graph}


# ----------------------------------------------------------------------------- writer

def _dump_jsonld(doc: dict[str, Any], fh: Any) -> None:
    """The context indented, then one node object per line: readable, greppable, diffable,
    and several times faster than indenting everything (which bypasses json's C encoder)."""
    context = json.dumps(doc["@context"], ensure_ascii=False, indent=2).replace("\n", "\n  ")
    fh.write('{\n  "@context": ' + context + ',\n  "@graph": [')
    for i, node in enumerate(doc["@graph"]):
        fh.write(("\n    " if i == 0 else ",\n    ") + json.dumps(node, ensure_ascii=False))
    fh.write("\n  ]\n}\n" if doc["@graph"] else "]\n}\n")


def write_rdf(store: ox.Store, path: str | Path, fmt: str) -> Path:
    """Write the store's article graphs to ``path`` in ``fmt``; return ``path``.

    ``fmt`` is one of ``trig``, ``nquads`` (named graphs kept), ``turtle``, ``ntriples`` or
    ``jsonld`` (union of the graphs).
    """
    if fmt not in RDF_FORMATS:
        raise ExportError(f"unknown RDF format {fmt!r} (use one of {', '.join(RDF_FORMATS)})")
    path = Path(path)
    if fmt == "jsonld":
        doc = jsonld_document(union_triples(store, ordered=False))  # the document sorts
        with atomic_output(path, "w", encoding="utf-8", newline="\n") as fh:
            _dump_jsonld(doc, fh)
        return path
    # N-Quads and N-Triples are sorted line by line below; the others need ordered input.
    ordered = fmt in ("trig", "turtle")
    if fmt in ("trig", "nquads"):
        data: list[Any] = export_quads(store, ordered=ordered)
    else:
        data = union_triples(store, ordered=ordered)
    rdf_format = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
                  "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}[fmt]
    if fmt in ("nquads", "ntriples"):
        lines = ox.serialize(data, None, rdf_format).splitlines(keepends=True)
        with atomic_output(path, "wb") as fh:
            fh.writelines(sorted(lines))
        return path
    with atomic_output(path, "wb") as fh:
        ox.serialize(data, fh, rdf_format, prefixes=PREFIXES)
    return path
