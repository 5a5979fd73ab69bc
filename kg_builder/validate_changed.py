"""Incremental validation: check only the article graphs written since they last passed.

Why: a store grows by appends (a daily crawl adds a few hundred articles to tens of thousands),
and validation is per article graph, so a graph that passed and has not been written since
still passes. Re-checking all of them costs about a minute per 10,000 articles; checking the new
and changed ones costs what they are.

How it stays right:
- After a run, every checked graph with no result at all gets a record in the store's metadata
  graph, ``<graph> meta:validatedWith "digest"`` (:data:`kg_builder.store.VALIDATED`), where the
  digest identifies the shapes (rdflib's canonical graph digest, so blank-node labels and file
  order do not matter). Graphs with a result lose theirs, so their problems are reported again
  on every run until fixed.
- Every write goes through :mod:`kg_builder.store` (``apply_changes``, ``replace_graph``), which
  removes the records of the graphs it is about to write, in a transaction before the write: a
  crash in between leaves a graph without a record (checked again), never a changed graph with
  one. Adding one article also re-points other articles' claims about the same event; those
  graphs lose their records too.
- Other shapes (``--shapes``, an edited ``shapes/``) have another digest: everything is checked.
- The default graph (not written by kg-builder) has no record and is checked on every run.

A store written by another program, or by a kg-builder older than this module, can hold
records that no longer match its graphs: validate it once in full (``kg-builder validate``
without ``--changed``), which neither reads nor writes records.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import to_isomorphic

from .store import article_graphs, record_validation, validation_records
from .validate import ValidationResult, validate_store


@dataclass
class ChangedResult:
    """The validation of the changed graphs, and how many unchanged ones were not checked."""

    result: ValidationResult
    unchanged: int


def shapes_digest(shapes: Graph) -> str:
    """A digest of the shapes that does not depend on blank-node labels or triple order."""
    return f"shapes:{to_isomorphic(shapes).graph_digest():x}"


def validate_changed(store: ox.Store, shapes: Graph, *, workers: int = 1,
                     engine: str = "sparql") -> ChangedResult:
    """Validate the article graphs of ``store`` (opened for writing) that have no record for
    these shapes, then record the ones that passed.

    The graphs to check are copied into an in-memory store and validated there with
    :func:`kg_builder.validate.validate_store`, so the results are those of a full run
    restricted to them (each graph is validated on its own either way).
    """
    started = time.perf_counter()
    digest = shapes_digest(shapes)
    records = validation_records(store)
    graphs = article_graphs(store)
    todo = [g for g in graphs if records.get(g.value) != digest]
    if len(todo) == len(graphs):  # every graph to check: a full run, on the store itself
        result = validate_store(store, workers=workers, shapes=shapes, engine=engine)
    else:
        scratch = ox.Store()
        scratch.extend(q for g in todo for q in store.quads_for_pattern(None, None, None, g))
        scratch.extend(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        result = validate_store(scratch, workers=workers, shapes=shapes, engine=engine)
    with_results = {v.graph for v in result.violations}
    passed = [g for g in todo if g.value not in with_results]
    failed = [g for g in todo if g.value in with_results]
    # records of graphs no longer in the store (written by another program) go too
    gone = [ox.NamedNode(g) for g in sorted(set(records) - {g.value for g in graphs})]
    record_validation(store, passed, failed + gone, digest)
    result.seconds = time.perf_counter() - started
    return ChangedResult(result=result, unchanged=len(graphs) - len(todo))
