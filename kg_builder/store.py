"""The graph store: Oxigraph on disk by default, or an RDF file loaded into memory.

Writers open the store exclusively (RocksDB's lock), so a second concurrent ``build`` gets a
clear "store is in use" error instead of corrupting it. Readers (``query``, ``validate``,
``export``) open it read-only; ``validate --changed`` opens it for writing, to record the
graphs that passed. An article's graph, and the re-pointing of other articles'
event claims that adding or removing it causes, are written in one SPARQL update
(:func:`apply_changes`, one Oxigraph transaction), so a crash never leaves half an article behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .prefixes import KG

if TYPE_CHECKING:  # rdflib is imported where its terms are converted: not on the query path
    from rdflib import URIRef
    from rdflib.term import Node

DEFAULT_STORE = "kg-store"

#: RDF formats by the names the command line uses.
FORMATS: dict[str, ox.RdfFormat] = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
#: File suffixes → format names, for reading RDF files given on the command line.
SUFFIXES: dict[str, str] = {
    ".trig": "trig", ".nq": "nquads", ".nquads": "nquads", ".ttl": "turtle",
    ".nt": "ntriples", ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "rdfxml",
    ".owl": "rdfxml", ".xml": "rdfxml",
}
#: Graph holding the store's own settings (base IRI, format version).
META_GRAPH = ox.NamedNode("https://w3id.org/kg-builder/meta")
#: Graph holding the event summary that ``build`` and ``remove`` keep (:mod:`kg_builder.summary`).
SUMMARY_GRAPH = ox.NamedNode("https://w3id.org/kg-builder/summary")
#: The store's own graphs: derived or bookkeeping data, never exported, loaded or validated.
INTERNAL_GRAPHS = frozenset({META_GRAPH, SUMMARY_GRAPH})


class StoreError(Exception):
    """A store could not be opened or read; the message is meant for the user."""


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib term to the equivalent pyoxigraph term."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"cannot convert {term!r} to an Oxigraph term")


def format_for(path: str | Path, explicit: str | None = None) -> ox.RdfFormat:
    """The RDF format for a file, from an explicit name or from its suffix."""
    if explicit:
        if explicit not in FORMATS:
            raise StoreError(f"unknown RDF format {explicit!r} (use one of {', '.join(FORMATS)})")
        return FORMATS[explicit]
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise StoreError(f"{path}: cannot tell the RDF format from the suffix {suffix!r}")
    return FORMATS[SUFFIXES[suffix]]


def open_store(path: str | Path, *, read_only: bool = False, create: bool = True) -> ox.Store:
    """Open an on-disk Oxigraph store with a user-facing error when it is locked or missing."""
    p = Path(path)
    if read_only or not create:
        if not p.is_dir():
            raise StoreError(f"{p}: no store here (run 'kg-builder build' first)")
    try:
        return ox.Store.read_only(str(p)) if read_only else ox.Store(str(p))
    except OSError as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise StoreError(f"{p}: store is in use by another kg-builder process") from None
        raise StoreError(f"{p}: cannot open store: {text.splitlines()[0]}") from None


def load_files(paths: Iterable[str | Path], fmt: str | None = None) -> ox.Store:
    """Load RDF files into an in-memory store (for commands given FILE instead of --store).

    Triple formats (Turtle, N-Triples, RDF/XML, JSON-LD without graphs) go to the default graph.
    """
    store = ox.Store()
    for path in paths:
        rdf_format = format_for(path, fmt)
        try:
            with open(path, "rb") as fh:
                store.bulk_load(fh, rdf_format)
        except FileNotFoundError:
            raise StoreError(f"{path}: no such file") from None
        except SyntaxError as exc:
            first = str(exc).splitlines()[0]
            raise StoreError(f"{path}: not valid {rdf_format.name}: {first}") from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot read: {exc}") from None
    return store


@contextmanager
def reader(store_dir: str | Path | None, files: Iterable[str | Path] = ()) -> Iterator[ox.Store]:
    """Open what a read-only command works on: files when given, else the on-disk store."""
    files = list(files)
    yield load_files(files) if files else open_store(store_dir or DEFAULT_STORE, read_only=True)


def article_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The named graphs holding articles (every named graph but the store's own)."""
    return sorted((g for g in store.named_graphs() if g not in INTERNAL_GRAPHS),
                  key=lambda g: g.value)


#: In the metadata graph, ``<graph> VALIDATED "digest"``: the article graph passed validation
#: with the shapes of that digest and has not been written since (see :func:`forget_validation`).
VALIDATED = ox.NamedNode("https://w3id.org/kg-builder/meta#validatedWith")


def validation_records(store: ox.Store) -> dict[str, str]:
    """Graph IRI → digest of the shapes it passed, for the graphs unchanged since then."""
    return {q.subject.value: q.object.value
            for q in store.quads_for_pattern(None, VALIDATED, None, META_GRAPH)
            if isinstance(q.subject, ox.NamedNode)}


def record_validation(store: ox.Store, passed: Iterable[ox.NamedNode],
                      failed: Iterable[ox.NamedNode], digest: str) -> None:
    """Remember which graphs passed validation with the shapes of ``digest``.

    Old records go first: a crash between the two steps loses records (a re-check next time),
    never keeps a wrong one."""
    passed, failed = list(passed), list(failed)
    remove = [q for g in (*passed, *failed)
              for q in store.quads_for_pattern(g, VALIDATED, None, META_GRAPH)]
    add = [ox.Quad(g, VALIDATED, ox.Literal(digest), META_GRAPH) for g in passed]
    if remove:
        store.update(f"DELETE DATA {{ {_sparql_block(remove)} }}")
    store.extend(add)


def forget_validation(store: ox.Store, graphs: Iterable[ox.NamedNode | ox.DefaultGraph]) -> None:
    """Drop the validation records of graphs about to be written.

    Called before every write, in its own transaction: a crash between the two leaves a graph
    without a record (validated again next time), never a changed graph with an old record.
    """
    stale = [q for g in set(graphs) if isinstance(g, ox.NamedNode)
             for q in store.quads_for_pattern(g, VALIDATED, None, META_GRAPH)]
    if stale:
        store.update(f"DELETE DATA {{ {_sparql_block(stale)} }}")


def replace_graph(store: ox.Store, graph: URIRef,
                  triples: Iterable[tuple[Node, Node, Node]]) -> int:
    """Replace a named graph's content with ``triples``; return the number of triples."""
    g = ox.NamedNode(str(graph))
    quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in triples]
    forget_validation(store, [g])
    if store.contains_named_graph(g):
        store.remove_graph(g)
    store.extend(quads)
    return len(quads)


def to_quads(graph: URIRef | str | ox.NamedNode,
             triples: Iterable[tuple[Node, Node, Node]]) -> list[ox.Quad]:
    """rdflib triples as Oxigraph quads of the named graph ``graph``."""
    g = graph if isinstance(graph, ox.NamedNode) else ox.NamedNode(str(graph))
    return [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in triples]


def _sparql_block(quads: Iterable[ox.Quad]) -> str:
    """Quads as the body of INSERT DATA / DELETE DATA, one GRAPH block per graph."""
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        key = "" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
        by_graph.setdefault(key, []).append(f"{q.subject} {q.predicate} {q.object} .")
    return " ".join((f"GRAPH {g} {{ {' '.join(ts)} }}" if g else " ".join(ts))
                    for g, ts in by_graph.items())


def apply_changes(store: ox.Store, *, drop: Iterable[ox.NamedNode] = (),
                  remove: Iterable[ox.Quad] = (), add: Iterable[ox.Quad] = ()) -> None:
    """Drop whole graphs, remove quads and add quads in one SPARQL update (one transaction),
    so a crash leaves the store as it was before or after, never in between."""
    drop, remove, add = list(drop), list(remove), list(add)
    forget_validation(store, [*drop, *(q.graph_name for q in remove),
                              *(q.graph_name for q in add)])
    if not drop and not remove:
        store.extend(add)  # one transaction too, without a round trip through SPARQL text
        return
    ops = [f"DROP SILENT GRAPH {g}" for g in drop]
    blank = [q for q in remove if _has_blank(q)]
    for q in blank:  # DELETE DATA cannot name blank nodes (not written by kg-builder)
        store.remove(q)
    if len(blank) < len(remove):
        ops.append(f"DELETE DATA {{ {_sparql_block(q for q in remove if not _has_blank(q))} }}")
    if add:
        if any(_has_blank(q) for q in add):
            raise ValueError("apply_changes cannot add blank nodes")
        ops.append(f"INSERT DATA {{ {_sparql_block(add)} }}")
    if ops:
        store.update(" ;\n".join(ops))


def _has_blank(q: ox.Quad) -> bool:
    return isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) \
        or isinstance(q.graph_name, ox.BlankNode)


_SCHEMA_URL = ox.NamedNode("https://schema.org/url")
_XSD_ANYURI = ox.NamedNode("http://www.w3.org/2001/XMLSchema#anyURI")


def graphs_with_url(store: ox.Store, url: str) -> list[ox.NamedNode]:
    """Article graphs whose article has ``schema:url`` ``url`` (an indexed lookup)."""
    found = set()
    for lit in (ox.Literal(url, datatype=_XSD_ANYURI), ox.Literal(url)):
        for q in store.quads_for_pattern(None, _SCHEMA_URL, lit, None):
            if isinstance(q.graph_name, ox.NamedNode) and q.subject == q.graph_name:
                found.add(q.graph_name)
    return sorted(found, key=lambda g: g.value)


def stored_hash(store: ox.Store, graph: URIRef) -> str | None:
    """The content hash recorded for an article graph, if it is in the store."""
    g = ox.NamedNode(str(graph))
    for quad in store.quads_for_pattern(g, ox.NamedNode(KG + "contentHash"), None, g):
        return quad.object.value
    return None


def set_meta(store: ox.Store, key: str, value: str) -> None:
    pred = ox.NamedNode(f"https://w3id.org/kg-builder/meta#{key}")
    for quad in list(store.quads_for_pattern(META_GRAPH, pred, None, META_GRAPH)):
        store.remove(quad)
    store.add(ox.Quad(META_GRAPH, pred, ox.Literal(value), META_GRAPH))


def get_meta(store: ox.Store, key: str) -> str | None:
    pred = ox.NamedNode(f"https://w3id.org/kg-builder/meta#{key}")
    for quad in store.quads_for_pattern(META_GRAPH, pred, None, META_GRAPH):
        return quad.object.value
    return None


def clear_meta(store: ox.Store, key: str) -> None:
    """Remove a setting from the metadata graph (nothing to do when it is not set)."""
    pred = ox.NamedNode(f"https://w3id.org/kg-builder/meta#{key}")
    for quad in list(store.quads_for_pattern(META_GRAPH, pred, None, META_GRAPH)):
        store.remove(quad)
