"""The build job: articles → extractions → one named graph each → store or file; and removal.

Articles stream through the NLP pipeline in batches and are written one at a time: each
article's graph, together with the re-pointing of other articles' claims about the same events
(:mod:`kg_builder.merge`), goes in one transaction. Memory stays flat, a crash loses at most the
article in flight, and a re-run picks up where it stopped because unchanged articles are skipped
by content hash. An article already in the store (same id, or same URL under another id) is
replaced: its old graph is detached and dropped first, exactly as ``remove`` would.
The work per article is indexed lookups (content hash, URL, candidate events by date), so it
does not grow with the store.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice

import pyoxigraph as ox
from rdflib import URIRef

from . import iris, summary
from .merge import Changes, Merger, MergeSettings
from .model import Article, Extraction
from .rdf import content_hash, extraction_quads
from .store import (
    apply_changes,
    get_meta,
    graphs_with_url,
    replace_graph,
    set_meta,
    stored_hash,
)


@dataclass
class BuildOptions:
    """What ``kg-builder build`` was asked to do.

    ``merge``/``merge_days``/``merge_km``: whether reports of the same event in different
    articles become one event node, how many days apart their date bounds may be, and how far
    apart their places (see :mod:`kg_builder.merge`).
    """

    model: str | None = None
    gazetteers: Sequence[str] = ()
    workers: int = 1
    base: str = iris.DEFAULT_BASE
    force: bool = False
    batch_size: int = 32
    merge: bool = True
    merge_days: int = 1
    merge_km: float = 25.0
    dask: str | None = None   # scheduler address or "local": extract on a Dask cluster
    summary: bool = True      # keep the store's event summary (off for an --output file)

    def merge_settings(self) -> MergeSettings:
        if self.merge_days < 0 or self.merge_km < 0:
            raise ValueError("merge days and kilometres must not be negative")
        return MergeSettings(enabled=self.merge, days=self.merge_days, km=self.merge_km)


@dataclass
class BuildReport:
    built: int = 0
    skipped: int = 0
    triples: int = 0
    events: int = 0
    actors: int = 0
    places: int = 0
    merged: int = 0     # events that joined an event other articles already report
    replaced: int = 0   # older graphs of the same articles (same id or URL) replaced
    summarised: int = 0  # events whose summary was written at the end (kg_builder.summary)
    summary_seconds: float = 0.0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


@dataclass
class RemoveReport:
    removed: list[str] = field(default_factory=list)   # article graph IRIs dropped
    unknown: list[str] = field(default_factory=list)   # ids/URLs matching no article
    renamed: int = 0                                   # other articles' claims re-pointed


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


#: Quads written between two flushes of the store's write buffers.
FLUSH_QUADS = 200_000


def extract_all(articles: Iterable[Article], options: BuildOptions) -> Iterator[Extraction]:
    """Extractions in input order, in this process, in a pool of ``options.workers`` or on the
    Dask cluster ``options.dask`` (:mod:`kg_builder.distributed`)."""
    if options.dask:
        from .distributed import extract_dask

        yield from extract_dask(articles, options)
        return
    if options.workers <= 1:
        from .nlp import extract_docs, load_pipeline

        nlp = load_pipeline(options.model, options.gazetteers)
        yield from extract_docs(nlp, articles, batch_size=options.batch_size)
        return
    ctx = mp.get_context("spawn" if mp.get_start_method(allow_none=True) == "spawn" else "fork")
    if ctx.get_start_method() == "fork":
        from .nlp import load_pipeline

        # Load once here: forked workers inherit the pipeline and gazetteers copy-on-write
        # instead of each spending the start-up time and memory again.
        load_pipeline(options.model, options.gazetteers)
    with ctx.Pool(options.workers, initializer=_worker_init,
                  initargs=(options.model, tuple(options.gazetteers))) as pool:
        size = max(1, min(options.batch_size, 8))
        for batch in pool.imap(_worker_run, _batched(articles, size)):
            yield from batch


class _Failed:
    """An exception raised in the extraction thread, handed to the writing thread."""

    def __init__(self, exc: BaseException):
        self.exc = exc


_END = object()


def _ahead(items: Iterator[Extraction], size: int) -> Generator[Extraction, None, None]:
    """``items``, computed in a background thread up to ``size`` ahead of the consumer.

    With one worker the NLP pipeline and the store writes otherwise take turns on one core.
    Oxigraph writes (and much of spaCy's numerical work) release the GIL, so running the
    pipeline in its own thread lets them overlap on a second core. Order is kept; an exception
    in the thread is raised in the consumer; when the consumer stops (or fails) the thread
    stops at its next hand-over and closes ``items`` itself."""
    q: queue.Queue = queue.Queue(maxsize=max(1, size))
    stop = threading.Event()
    # pyoxigraph's iterators and query results may only be freed by the thread that made
    # them, and the cyclic garbage collector runs in whichever thread allocates (mostly the
    # pipeline's): collect the caller's pending garbage now, in the caller's thread.
    gc.collect()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_END)
        except BaseException as exc:  # noqa: BLE001 - every failure is the consumer's to raise
            offer(_Failed(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=run, name="kg-builder-extract", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join()


def build_into(store: ox.Store, articles: Iterable[Article], options: BuildOptions,
               on_warning: Callable[[str], None] = lambda m: None,
               on_progress: Callable[[BuildReport], None] = lambda r: None) -> BuildReport:
    """Build articles into ``store``, replacing each article's graph; skip unchanged ones."""
    report = BuildReport()
    started = time.perf_counter()
    was_current = summary.is_current(store)
    base, merger = prepare_store(store, options)
    keeper = summary.Maintainer(store, enabled=options.summary, was_current=was_current)

    counting = threading.Lock()  # skips are counted in the extraction thread and in this one

    def skip() -> None:
        with counting:
            report.skipped += 1

    def unchanged(article: Article) -> bool:
        graph = URIRef(iris.article_iri(base, article.id))
        return not options.force and stored_hash(store, graph) == content_hash(article.text)

    def todo() -> Iterator[Article]:
        for article in articles:
            if unchanged(article):
                skip()
                continue
            yield article

    extractions = extract_all(todo(), options)
    threaded = options.workers <= 1 and not options.dask
    if threaded:
        # (a pool or a cluster already extracts while this process writes)
        extractions = _ahead(extractions, 2 * options.batch_size)
    unflushed = 0
    try:
        for ex in extractions:
            if threaded and unchanged(ex.article):
                # checked again now that every article before it is written: an article given
                # twice is skipped the second time whatever the timing of the two threads
                skip()
                continue
            for w in ex.warnings:
                on_warning(f"{ex.article.origin}: {w}")
            unflushed += add_extraction(store, ex, merger, report, keeper)
            if unflushed >= FLUSH_QUADS:
                # RocksDB buffers 128 MiB per column family before it writes a file: flushing
                # keeps memory flat however many articles stream through.
                store.flush()
                unflushed = 0
            if report.built % options.batch_size == 0:
                on_progress(report)
    finally:
        if threaded:
            extractions.close()  # stops the extraction thread now, not when collected
    if report.built % options.batch_size:
        on_progress(report)
    summary_started = time.perf_counter()
    report.summarised = keeper.finish()
    report.summary_seconds = time.perf_counter() - summary_started
    report.seconds = time.perf_counter() - started
    return report


def prepare_store(store: ox.Store, options: BuildOptions) -> tuple[str, Merger]:
    """Check the store's base IRI, record the base and merge settings; return the base and the
    merger the articles go through. Raises :class:`BaseMismatch`."""
    base = iris.check_base(options.base)
    recorded = get_meta(store, "baseIri")
    if recorded is not None and recorded != base:
        raise BaseMismatch(f"store was built with base IRI {recorded}; rebuild with "
                           f"--base-iri {recorded} or use another store")
    settings = options.merge_settings()
    if recorded is None:
        set_meta(store, "baseIri", base)
    if get_meta(store, "merge") != settings.to_meta():
        set_meta(store, "merge", settings.to_meta())
    # writes follow: until a summary.Maintainer says otherwise, the summary is not current
    summary.invalidate(store)
    return base, Merger(store, base, settings)


def add_extraction(store: ox.Store, ex: Extraction, merger: Merger,
                   report: BuildReport | None = None,
                   keeper: summary.Maintainer | None = None) -> int:
    """Write one article's graph (replacing any older version under its id or URL), its events
    merged with the events other articles report; return the number of triples written.
    ``keeper`` is told which events the writes change (their summaries are rewritten later)."""
    graph, new_quads = extraction_quads(ex, merger.base)
    old = [graph] if store.contains_named_graph(graph) else []
    if ex.article.url:
        old += [g for g in graphs_with_url(store, ex.article.url) if g != graph]
    if old:
        fix = merger.detach(old)
        if keeper is not None:
            keeper.touch_graphs(old)
            keeper.touch(chain(fix.remove, fix.add))
        apply_changes(store, drop=old, remove=fix.remove, add=fix.add)
    quads, changes = merger.assign(graph, new_quads)
    if keeper is not None:
        keeper.touch(chain(changes.remove, changes.add, quads))
    apply_changes(store, remove=changes.remove, add=[*changes.add, *quads])
    if report is not None:
        report.built += 1
        report.triples += len(quads)
        report.events += len(ex.events)
        report.actors += len(ex.actors)
        report.places += len(ex.places)
        report.merged += changes.joined
        report.replaced += len(old)
    return len(quads)


def find_articles(store: ox.Store, ref: str, base: str) -> list[ox.NamedNode]:
    """The article graphs ``ref`` names: an article id, a URL, or an article graph IRI."""
    graph = ox.NamedNode(iris.article_iri(base, ref))
    if store.contains_named_graph(graph):
        return [graph]
    found = graphs_with_url(store, ref)
    if not found and ref.startswith(f"{base}article/"):
        try:
            graph = ox.NamedNode(ref)
        except ValueError:
            return []
        found = [graph] if store.contains_named_graph(graph) else []
    return found


def remove_articles(store: ox.Store, refs: Iterable[str], base: str | None = None) -> RemoveReport:
    """Remove articles by id or URL: drop their graphs (and with them every node no other
    article supports) and split the events they shared with other articles as building the
    remaining articles would. Unknown refs are listed in the report; the others are removed."""
    from .store import INTERNAL_GRAPHS

    base = base or get_meta(store, "baseIri") or iris.DEFAULT_BASE
    settings = MergeSettings.from_meta(get_meta(store, "merge"))
    report = RemoveReport()
    graphs: list[ox.NamedNode] = []
    for ref in refs:
        found = [g for g in find_articles(store, ref, base) if g not in INTERNAL_GRAPHS]
        if not found:
            report.unknown.append(ref)
        graphs.extend(g for g in found if g not in graphs)
    keeper = summary.Maintainer(store)
    changes: Changes = Merger(store, base, settings).detach(graphs)
    keeper.touch_graphs(graphs)
    keeper.touch(chain(changes.remove, changes.add))
    apply_changes(store, drop=graphs, remove=changes.remove, add=changes.add)
    keeper.finish()
    report.removed = [g.value for g in graphs]
    report.renamed = changes.renamed
    return report


__all__ = ["BuildOptions", "BuildReport", "RemoveReport", "BaseMismatch", "build_into",
           "extract_all", "prepare_store", "add_extraction", "find_articles", "remove_articles",
           "replace_graph"]
