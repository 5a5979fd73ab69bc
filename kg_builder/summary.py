"""The event summary: each event's listing values, aggregated over its articles, kept ready-made.

Why it exists: ``kg-builder query events`` lists every event with its class, label, dates,
place, agents, targets, counts, certainty and number of sources, each aggregated over every
article graph that reports the event. Computed at query time that takes 13 hash-joined scans
and about a second on a 1,000-article store; read ready-made, well under half of that
(``bench/RESULTS.md``, session 10). So every ``build`` and ``remove`` on a store keeps one
summary per event in a graph of its own, :data:`SUMMARY_GRAPH`, written by this module alone.

What it promises, and how:

- **Derived, never a source.** The summary holds no fact that the article graphs do not; it
  is rebuilt from them. Like the metadata graph it is left out of ``export``, ``load`` and
  ``validate`` (:func:`kg_builder.store.article_graphs`), so other stores never see it.
- **Read only when current.** A store records :data:`VERSION` in its metadata graph while the
  summary matches the article graphs. A write session removes that record before its first
  write and sets it again after its last (:class:`Maintainer`); a crash in between leaves the
  record absent, and queries compute the values from the article graphs (``#@if summary`` in
  ``queries/events.rq``), so a stale summary is never read. The next write session rebuilds it
  whole. Stores built before the summary existed, and RDF files given to ``query``, have no
  record: the same.
- **The same values as the query.** The summary is computed by ``queries/events.rq`` itself,
  in its forms that read the article graphs (every event at once, or the events a write
  touched through its ``event`` parameter), so the two cannot drift apart. Only the order of
  the names in ``agents``, ``targets`` and ``certainty`` differs: sorted here, so that the
  listing does not depend on the plan Oxigraph chose. ``tests/test_summary.py`` compares the
  listing with and without the summary after builds, re-builds and removals.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from . import store as _store
from .model import EVENT_TYPES
from .prefixes import KG, RDF, SEM

__all__ = ["SUMMARY_GRAPH", "SUMMARY_NS", "VERSION", "COLUMNS", "is_current", "invalidate",
           "refresh", "event_subjects", "graph_events", "Maintainer"]

#: The graph holding the summaries (one subject per event: the event's IRI).
SUMMARY_GRAPH = _store.SUMMARY_GRAPH
#: Namespace of the summary's properties, one per column of ``queries/events.rq``.
SUMMARY_NS = "https://w3id.org/kg-builder/summary#"
#: Recorded in the metadata graph (key ``eventSummary``) while the summary is current.
#: A new version (other columns or aggregation) makes older stores rebuild theirs.
VERSION = "1"
_META_KEY = "eventSummary"

#: The summary's columns, as named in ``queries/events.rq``.
COLUMNS = ("type", "label", "earliest", "latest", "place", "placeLabel", "agents", "targets",
           "fatalities", "injured", "certainty", "sources")
_P = {c: ox.NamedNode(SUMMARY_NS + c) for c in COLUMNS}

_TYPE = ox.NamedNode(RDF + "type")
_EVENT = ox.NamedNode(SEM + "Event")
_BEGIN = ox.NamedNode(SEM + "hasEarliestBeginTimeStamp")
_END = ox.NamedNode(SEM + "hasLatestEndTimeStamp")
_PLACE = ox.NamedNode(SEM + "hasPlace")
_AGENT = ox.NamedNode(KG + "agent")
_TARGET = ox.NamedNode(KG + "target")
_FATALITIES = ox.NamedNode(KG + "fatalities")
_INJURED = ox.NamedNode(KG + "injured")
_CERTAINTY = ox.NamedNode(KG + "certainty")
_CLASSES = tuple(ox.NamedNode(KG + t) for t in EVENT_TYPES)
_CLASS_SET = frozenset(_CLASSES)
#: Properties whose subject is an event: a quad written or removed with one of them (or
#: ``a sem:Event``) changes that event's summary.
_EVENT_PREDICATES = frozenset({_BEGIN, _END, _PLACE, _AGENT, _TARGET, _FATALITIES, _INJURED,
                               _CERTAINTY})
#: Events per incremental write (one VALUES block); beyond this share of the store's events a
#: whole rebuild (one scan per column: 1,000 articles' 9,544 events in ≈ 1.3 s) is cheaper than
#: the lookups event by event (≈ 0.8 ms an event).
_CHUNK = 2000
#: Rows per write when the whole summary is rebuilt.
_WRITE_ROWS = 20_000
_WHOLE_SHARE = 0.15


def is_current(store: ox.Store) -> bool:
    """Whether the store's summary matches its article graphs (and is of this version)."""
    return _store.get_meta(store, _META_KEY) == VERSION


def invalidate(store: ox.Store) -> None:
    """Mark the summary as not current (before a write); cheap when it already is not."""
    _store.clear_meta(store, _META_KEY)


def event_subjects(quads: Iterable[ox.Quad]) -> set[ox.NamedNode]:
    """The events whose summary a write of (or a removal of) ``quads`` changes."""
    return {q.subject for q in quads
            if isinstance(q.subject, ox.NamedNode)
            and (q.predicate in _EVENT_PREDICATES
                 or (q.predicate == _TYPE and (q.object == _EVENT or q.object in _CLASS_SET)))}


def graph_events(store: ox.Store, graphs: Iterable[ox.NamedNode]) -> set[ox.NamedNode]:
    """The events an article graph reports (read before the graph is dropped)."""
    return {q.subject for g in graphs for q in store.quads_for_pattern(None, _TYPE, _EVENT, g)
            if isinstance(q.subject, ox.NamedNode)}


# ---------------------------------------------------------------------------------- writing


def _sorted_names(value: ox.Literal) -> ox.Literal:
    """A "; "-joined list of names in sorted order (GROUP_CONCAT's order is the plan's)."""
    return ox.Literal("; ".join(sorted(value.value.split("; "))))


def _summary_quads(columns: list[str], rows: Iterable[list]) -> Iterator[ox.Quad]:
    """Rows of ``queries/events.rq`` (computed from the article graphs) as summary quads."""
    index = {c: i for i, c in enumerate(columns)}
    at = index["event"]
    wanted = [(index[c], _P[c], c in _NAME_LISTS) for c in COLUMNS]
    for row in rows:
        event = row[at]
        for i, predicate, names in wanted:
            value = row[i]
            if value is not None:
                yield ox.Quad(event, predicate, _sorted_names(value) if names else value,
                              SUMMARY_GRAPH)


_NAME_LISTS = frozenset({"agents", "targets", "certainty"})


def _write(store: ox.Store, events: tuple[ox.NamedNode, ...] | None) -> int:
    """Compute the events' rows with ``queries/events.rq`` from the article graphs (all events
    when None) and write them as summaries; return the number of events."""
    from .query import load_query, solutions

    params = {} if events is None else {ox.Variable("event"): events}
    rows = solutions(store, load_query("events"), params, features=())  # type: ignore[arg-type]
    columns = [v.value for v in rows.variables]
    count = 0
    # Oxigraph's bulk loader writes a whole summary in two thirds of the time of a transaction
    # (1,000 articles: 1.5 against 2.2 s); without the transaction, a crash can leave part of
    # it, which is safe as the summary is not marked current until the end. For a few events,
    # the bulk loader's files would cost more than they save.
    write = store.bulk_extend if events is None else store.extend
    while batch := [list(r) for r in itertools.islice(rows, _WRITE_ROWS)]:
        # (in batches: the rows of 100,000 events as Python objects would be a memory peak)
        write(list(_summary_quads(columns, batch)))
        count += len(batch)
    return count


def _summarised(store: ox.Store) -> int:
    for (n,) in store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {SUMMARY_GRAPH} "
                            f"{{ ?e {_P['sources']} ?s }} }}"):
        return int(n.value)
    return 0


def refresh(store: ox.Store, events: Iterable[ox.NamedNode] | None = None) -> int:
    """Rewrite the summary of ``events`` (all events when None), then record it as current.

    Only call it when the rest of the summary is known to be right: after a whole rebuild, or
    when the summary was current before the writes that touched ``events``. Returns the number
    of events summarised. Many events at once are summarised by one pass over the store.
    """
    todo = None if events is None else set(events)
    if todo is not None and len(todo) > _WHOLE_SHARE * _summarised(store):
        todo = None  # (a new store's first build always: it has no summaries yet)
    written = 0
    if todo is None:
        store.clear_graph(SUMMARY_GRAPH)
        written = _write(store, None)
    else:
        ordered = sorted(todo, key=lambda n: n.value)
        for start in range(0, len(ordered), _CHUNK):
            chunk = tuple(ordered[start:start + _CHUNK])
            store.update(f"DELETE {{ GRAPH {SUMMARY_GRAPH} {{ ?e ?p ?o }} }} WHERE {{ "
                         f"VALUES ?e {{ {' '.join(str(e) for e in chunk)} }} "
                         f"GRAPH {SUMMARY_GRAPH} {{ ?e ?p ?o }} }}")
            written += _write(store, chunk)
    _store.set_meta(store, _META_KEY, VERSION)
    return written


class Maintainer:
    """Keeps the summary right across one write session (a ``build`` or a ``remove``).

    Created before the first write: it marks the summary as not current and remembers whether
    it was (``was_current``, when the caller has already marked it). Writers report the events
    they change (:meth:`touch`; :meth:`touch_graphs` before dropping graphs); :meth:`finish`
    then rewrites those events' summaries, or the whole summary when it was not current to
    begin with, and marks it current again.
    """

    def __init__(self, store: ox.Store, *, enabled: bool = True, was_current: bool | None = None):
        self.store = store
        self.enabled = enabled
        self.touched: set[ox.NamedNode] = set()
        self.whole = False
        if enabled:
            if was_current is None:
                was_current = is_current(store)
            empty = all(g in _store.INTERNAL_GRAPHS for g in store.named_graphs())
            self.whole = not (empty or was_current)
        invalidate(store)

    def touch(self, quads: Iterable[ox.Quad]) -> None:
        """Quads about to be written or removed."""
        if self.enabled and not self.whole:
            self.touched |= event_subjects(quads)

    def touch_graphs(self, graphs: Iterable[ox.NamedNode]) -> None:
        """Article graphs about to be dropped."""
        if self.enabled and not self.whole:
            self.touched |= graph_events(self.store, graphs)

    def finish(self) -> int:
        """Write the summaries and mark the summary current; the number of events written."""
        if not self.enabled:
            return 0
        return refresh(self.store, None if self.whole else self.touched)
