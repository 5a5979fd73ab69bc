"""The build job: articles → extractions → one named graph each → store or file.

Articles stream through in batches: the store is written once per batch inside one Oxigraph
transaction, so memory stays flat and a crash loses at most the batch in flight (a re-run picks
up where it stopped, because unchanged articles are skipped by content hash).
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

import pyoxigraph as ox
from rdflib import URIRef

from . import iris
from .model import Article, Extraction
from .rdf import Triple, content_hash, extraction_triples
from .store import get_meta, replace_graph, set_meta, stored_hash


@dataclass
class BuildOptions:
    model: str | None = None
    gazetteers: Sequence[str] = ()
    workers: int = 1
    base: str = iris.DEFAULT_BASE
    force: bool = False
    batch_size: int = 32


@dataclass
class BuildReport:
    built: int = 0
    skipped: int = 0
    triples: int = 0
    events: int = 0
    actors: int = 0
    places: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


class BaseMismatch(Exception):
    """The store was built with another base IRI; mixing them would split identities."""


def _batched(items: Iterable[Article], n: int) -> Iterator[list[Article]]:
    it = iter(items)
    while batch := list(islice(it, n)):
        yield batch


_WORKER_NLP = None


def _worker_init(model: str | None, gazetteers: tuple[str, ...]) -> None:
    global _WORKER_NLP
    from .nlp import load_pipeline

    _WORKER_NLP = load_pipeline(model, gazetteers)


def _worker_run(batch: list[Article]) -> list[Extraction]:
    from .nlp import extract_docs

    return list(extract_docs(_WORKER_NLP, batch, batch_size=len(batch)))


def extract_all(articles: Iterable[Article], options: BuildOptions) -> Iterator[Extraction]:
    """Extractions in input order, in this process or in a pool of ``options.workers``."""
    if options.workers <= 1:
        from .nlp import extract_docs, load_pipeline

        nlp = load_pipeline(options.model, options.gazetteers)
        yield from extract_docs(nlp, articles, batch_size=options.batch_size)
        return
    ctx = mp.get_context("spawn" if mp.get_start_method(allow_none=True) == "spawn" else "fork")
    with ctx.Pool(options.workers, initializer=_worker_init,
                  initargs=(options.model, tuple(options.gazetteers))) as pool:
        size = max(1, min(options.batch_size, 8))
        for batch in pool.imap(_worker_run, _batched(articles, size)):
            yield from batch


def build_into(store: ox.Store, articles: Iterable[Article], options: BuildOptions,
               on_warning: Callable[[str], None] = lambda m: None,
               on_progress: Callable[[BuildReport], None] = lambda r: None) -> BuildReport:
    """Build articles into ``store``, replacing each article's graph; skip unchanged ones."""
    report = BuildReport()
    started = time.perf_counter()
    base = iris.check_base(options.base)
    recorded = get_meta(store, "baseIri")
    if recorded is not None and recorded != base:
        raise BaseMismatch(f"store was built with base IRI {recorded}; rebuild with "
                           f"--base-iri {recorded} or use another store")

    def todo() -> Iterator[Article]:
        for article in articles:
            graph = URIRef(iris.article_iri(base, article.id))
            if not options.force and stored_hash(store, graph) == content_hash(article.text):
                report.skipped += 1
                continue
            yield article

    pending: list[tuple[URIRef, list[Triple]]] = []

    def flush() -> None:
        if pending:
            _write_batch(store, pending)
            pending.clear()
            on_progress(report)

    for ex in extract_all(todo(), options):
        for w in ex.warnings:
            on_warning(f"{ex.article.origin}: {w}")
        graph, triples = extraction_triples(ex, base)
        pending.append((graph, triples))
        report.built += 1
        report.triples += len(triples)
        report.events += len(ex.events)
        report.actors += len(ex.actors)
        report.places += len(ex.places)
        if len(pending) >= options.batch_size:
            flush()
    flush()
    if recorded is None:
        set_meta(store, "baseIri", base)
    report.seconds = time.perf_counter() - started
    return report


def _write_batch(store: ox.Store, batch: list[tuple[URIRef, list[Triple]]]) -> None:
    """Replace each article's graph; the new quads of the whole batch go in one transaction."""
    from .store import to_ox

    quads = []
    for graph, triples in batch:
        g = ox.NamedNode(str(graph))
        if store.contains_named_graph(g):
            store.remove_graph(g)
        quads.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in triples)
    store.extend(quads)


__all__ = ["BuildOptions", "BuildReport", "BaseMismatch", "build_into", "extract_all",
           "replace_graph"]
