"""Build a networkx graph of actors, events and places from a kg-builder store.

The store holds one named graph per article, and the same event, actor or place IRI may be
stated in several of them (cross-article resolution). The network merges those statements into
one node per IRI. A handful of SPARQL SELECTs run by pyoxigraph fetch everything (well under a
second for a thousand articles; rdflib's own engine would take minutes): the statements of every
article graph with the number of graphs stating each (grouped in the store), the default graph's
statements, article dates and provenance counts over the union. Plain Python then merges the
values, with rules chosen so that the result does not depend on query order:

- label, kind, country, certainty, coordinates: the value stated by the most articles; ties go
  to the smallest value, so the output is deterministic;
- fatalities, injured: the figure of the most recently published article that gives one
  (tolls get revised as news comes in: "the toll rose to three"); among figures of the same
  date, or undated ones, the highest;
- earliest / latest date: the intersection of the reported date ranges when they overlap (each
  report narrows the time), else the span covering all of them;
- an event's country and coordinates come from its place, when it has exactly one located
  place, so Gephi's GeoLayout can put events on a map;
- edge ``weight``: the number of articles that state the link (at least 1, so links loaded
  from a file without named graphs still count).

Two views:

``full`` (:class:`networkx.MultiDiGraph`)
    actors, events and places are nodes. Edges go event → actor (``agent``, ``target``,
    ``participant`` when only ``sem:hasActor`` is known, ``accordingTo``), event → place
    (``place``), actor → actor (``leaderOf``, ``memberOf``, ``affiliatedWith``, ``alliedWith``)
    and relative place → anchor place (``relativeTo``). The edge key is the edge's label.
``actors`` (:class:`networkx.Graph`)
    actors only, joined when they take part (as agent, target or participant) in the same
    event. ``weight`` is the number of shared events; ``role`` is the most frequent pair of
    roles read from the edge's first node ``u`` to its second ``v`` (the IRI-smaller node comes
    first), e.g. ``agent-target`` means ``u`` acted on ``v``; ``start``/``end`` are the
    earliest/latest dates of the shared events and ``fatalities`` the sum of their tolls.

Node keys are the IRIs. Node attributes never hold ``None``: a missing value is simply absent,
which is what the GEXF, GraphML and CSV writers need.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import networkx as nx
import pyoxigraph as ox

from ..namespaces import GEO, KG, OWL, PROV, RDF, RDFS, SCHEMA, SEM, XSD
from ..store import META_GRAPH
from . import check_view

__all__ = [
    "build_network", "NODE_ATTRIBUTES", "EDGE_ATTRIBUTES", "last_modified",
    "ACTOR_RELATIONS",
]

KG_NS = str(KG._NS)
WIKIDATA_PREFIXES = ("http://www.wikidata.org/entity/", "https://www.wikidata.org/entity/",
                     "https://www.wikidata.org/wiki/")
GEONAMES_RE = re.compile(r"^https?://sws\.geonames\.org/(\d+)/?$")
DATE_RE = re.compile(r"^(-?\d{4,}-\d{2}-\d{2})")

#: Node attributes, their value type, in the column order writers use.
NODE_ATTRIBUTES: dict[str, type] = {
    "label": str,
    "category": str,       # actor | event | place
    "kind": str,           # actor kind, event type or Place/RelativePlace (ontology local names)
    "country": str,        # ISO 3166-1 alpha-2
    "wikidata": str,       # Q-id
    "geonames": str,       # GeoNames id
    "latitude": float,
    "longitude": float,
    "event_type": str,
    "certainty": str,      # Asserted, Reported, Alleged, Denied, Hypothetical
    "fatalities": int,
    "injured": int,
    "earliest": str,       # ISO date
    "latest": str,         # ISO date
    "distance_km": float,  # relative places
    "bearing": float,      # relative places
    "articles": int,       # number of article graphs stating the node
    "events": int,         # actors: number of events they take part in
}
#: Edge attributes besides the endpoints, their value type.
EDGE_ATTRIBUTES: dict[str, type] = {
    "label": str,
    "role": str,
    "weight": float,
    "start": str,
    "end": str,
    "fatalities": int,     # actors view: sum over the shared events
}

ACTOR_RELATIONS: tuple[str, ...] = ("leaderOf", "memberOf", "affiliatedWith", "alliedWith")
_ROLE_PREDICATES = {str(KG.agent): "agent", str(KG.target): "target",
                    str(SEM.hasActor): "participant"}
_ROLE_RANK = {"agent": 0, "target": 1, "participant": 2}
_LINK_PREDICATES = {
    **_ROLE_PREDICATES,
    str(KG.accordingTo): "accordingTo",
    str(SEM.hasPlace): "place",
    str(KG.relativeTo): "relativeTo",
    **{str(KG[r]): r for r in ACTOR_RELATIONS},
}
_VALUE_PREDICATES = [RDF.type, RDFS.label, KG.countryCode, OWL.sameAs, GEO.lat, GEO.long,
                     KG.fatalities, KG.injured, KG.certainty, SEM.hasEarliestBeginTimeStamp,
                     SEM.hasLatestEndTimeStamp, KG.distanceKm, KG.bearing]
_TYPE, _LABEL, _COUNTRY = str(RDF.type), str(RDFS.label), str(KG.countryCode)
_SAME_AS, _LAT, _LONG = str(OWL.sameAs), str(GEO.lat), str(GEO.long)
_FATALITIES, _INJURED = str(KG.fatalities), str(KG.injured)
_CERTAINTY, _DISTANCE, _BEARING = str(KG.certainty), str(KG.distanceKm), str(KG.bearing)
_EARLIEST, _LATEST = str(SEM.hasEarliestBeginTimeStamp), str(SEM.hasLatestEndTimeStamp)


def _day(text: str) -> str:
    day = _date(text)
    if day is None:
        raise ValueError(text)
    return day


def _country(text: str) -> str:
    return text.strip().upper()


#: Literal-valued predicates → (field, parser).
_LITERAL_FIELDS: dict[str, tuple[str, Any]] = {
    _LABEL: ("labels", str), _COUNTRY: ("countries", _country), _LAT: ("lats", float),
    _LONG: ("longs", float), _FATALITIES: ("fatalities", int), _INJURED: ("injured", int),
    _DISTANCE: ("distance", float), _BEARING: ("bearing", float),
    _EARLIEST: ("earliest", _day), _LATEST: ("latest", _day),
}
_CATEGORIES = {str(SEM.Event): "event", str(SEM.Actor): "actor", str(SEM.Place): "place"}
_CATEGORY_RANK = {"event": 0, "actor": 1, "place": 2}

# Of the rdf:type statements only the categories and kg: classes matter (not the thousands of
# gaf:Mention and schema:NewsArticle ones).
_TYPE_FILTER = (f"FILTER(?p != <{_TYPE}> || STRSTARTS(STR(?o), \"{KG_NS}\") || "
                f"?o IN ({', '.join(f'<{c}>' for c in _CATEGORIES)}))")
_VALUES = " ".join(f"<{p}>" for p in [*_VALUE_PREDICATES, *_LINK_PREDICATES])
# Every statement the network needs, with the number of article graphs that state it (GRAPH ?g
# never matches the default graph). Grouping inside the store is several times faster than an
# OPTIONAL count over the union or than counting rows in Python.
_STATEMENTS_QUERY = f"""
SELECT ?s ?p ?o (COUNT(?g) AS ?n) WHERE {{
  VALUES ?p {{ {_VALUES} }}
  GRAPH ?g {{ ?s ?p ?o }}
  FILTER(?g != <{META_GRAPH.value}>)
  {_TYPE_FILTER}
}} GROUP BY ?s ?p ?o
"""
# Statements in the default graph (data loaded from a triples file), run *without* the union
# option so that it sees the default graph alone; they count as stated by 0 articles.
_DEFAULT_GRAPH_QUERY = f"""
SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {_VALUES} }} ?s ?p ?o {_TYPE_FILTER} }}
"""
_DATES_QUERY = f"""
SELECT DISTINCT ?d WHERE {{ ?a a <{SCHEMA.NewsArticle}> ; <{SCHEMA.datePublished}> ?d }}
"""
# When each article graph gave each count: the newest report wins.
_COUNT_DATES_QUERY = f"""
SELECT ?s ?p ?o ?d WHERE {{
  VALUES ?p {{ <{KG.fatalities}> <{KG.injured}> }}
  GRAPH ?g {{ ?s ?p ?o . ?g <{SCHEMA.datePublished}> ?d }}
}}
"""
_PROV_QUERY = f"""
SELECT ?s (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?s <{PROV.wasDerivedFrom}> ?a }} GROUP BY ?s
"""


def _key(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/"))[-1]


def _most_common(counter: dict[Any, int]) -> Any:
    """The value stated by most articles; ties go to the smallest value (deterministic)."""
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _date(text: str) -> str | None:
    m = DATE_RE.match(text.strip())
    return m.group(1) if m else None


def _merge_bounds(earliest: set[str], latest: set[str]) -> tuple[str | None, str | None]:
    """Intersect the reported ranges when they overlap, else cover them all."""
    lo = max(earliest) if earliest else None
    hi = min(latest) if latest else None
    if lo is not None and hi is not None and lo > hi:
        lo, hi = min(earliest), max(latest)
    return lo, hi


class _Node:
    """What the store says about one node: for each field, each value and how many articles
    state it (plain dicts, created on first use: a store has tens of thousands of nodes)."""

    __slots__ = ("iri", "categories", "support", "values", "newest")

    def __init__(self, iri: str):
        self.iri = iri
        self.categories: set[str] = set()
        self.support = 0
        self.values: dict[str, dict[Any, int]] = {}
        #: counts (fatalities, injured): value → newest publication date giving it
        self.newest: dict[str, dict[int, str]] = {}

    def add(self, name: str, value: Any, n: int) -> None:
        counts = self.values.get(name)
        if counts is None:
            counts = self.values[name] = {}
        counts[value] = counts.get(value, 0) + n

    def get(self, name: str) -> dict[Any, int]:
        return self.values.get(name, {})

    @property
    def category(self) -> str:
        return min(self.categories, key=_CATEGORY_RANK.__getitem__)


@dataclass
class _Link:
    source: str
    target: str
    label: str
    weight: float


class _Collector:
    """Gathers statements from the store and merges them into nodes and links."""

    def __init__(self, store: ox.Store):
        self.nodes: dict[str, _Node] = {}
        self.links: list[_Link] = []
        self.dates: list[str] = []
        raw_links: list[tuple[str, str, str, int]] = []
        rows: list[tuple[Any, Any, Any, Any]] = list(store.query(_STATEMENTS_QUERY))
        default_rows = list(store.query(_DEFAULT_GRAPH_QUERY))
        if default_rows:
            seen = {(s, p, o) for s, p, o, _ in rows}
            zero = ox.Literal("0", datatype=ox.NamedNode(str(XSD.integer)))
            rows.extend((s, p, o, zero) for s, p, o in default_rows if (s, p, o) not in seen)
        nodes = self.nodes
        for s, p, o, n in rows:
            pred = p.value
            if pred in _LINK_PREDICATES:
                if not isinstance(o, ox.Literal):
                    raw_links.append((_key(s), _LINK_PREDICATES[pred], _key(o), int(n.value)))
                continue
            key = _key(s)
            node = nodes.get(key)
            if node is None:
                node = nodes[key] = _Node(key)
            self._value(node, pred, o, int(n.value))
        # Only subjects typed sem:Event/Actor/Place are nodes (not mentions or articles).
        self.nodes = {k: v for k, v in nodes.items() if v.categories}
        for (d,) in store.query(_DATES_QUERY, use_default_graph_as_union=True):
            day = _date(d.value) if isinstance(d, ox.Literal) else None
            if day:
                self.dates.append(day)
        for s, p, o, d in store.query(_COUNT_DATES_QUERY):
            node = self.nodes.get(_key(s))
            day = _date(d.value) or ""
            if node is not None:
                with contextlib.suppress(ValueError):
                    dated = node.newest.setdefault(_LITERAL_FIELDS[p.value][0], {})
                    value = int(o.value)
                    dated[value] = max(dated.get(value, ""), day)
        for s, n in store.query(_PROV_QUERY, use_default_graph_as_union=True):
            node = self.nodes.get(_key(s))
            if node is not None:
                node.support = max(node.support, int(n.value))
        self._links(raw_links)

    def _value(self, node: _Node, pred: str, o: Any, support: int) -> None:
        value = _key(o)
        n = max(support, 1)  # a statement in the default graph only still counts once
        if pred == _TYPE:
            if value in _CATEGORIES:
                node.categories.add(_CATEGORIES[value])
                node.support = max(node.support, support)
            elif value.startswith(KG_NS):
                node.add("kinds", value[len(KG_NS):], n)
            return
        if not isinstance(o, ox.Literal):
            if pred == _SAME_AS:
                for prefix in WIKIDATA_PREFIXES:
                    if value.startswith(prefix) and re.fullmatch(r"[QP]\d+", value[len(prefix):]):
                        node.add("wikidata", value[len(prefix):], n)
                if m := GEONAMES_RE.match(value):
                    node.add("geonames", m.group(1), n)
            elif pred == _CERTAINTY and value.startswith(KG_NS):
                node.add("certainty", value[len(KG_NS):], n)
            return
        field = _LITERAL_FIELDS.get(pred)
        if field is None:
            return
        try:
            parsed = field[1](value)
        except ValueError:
            return  # an ill-typed literal (SHACL reports it); the network just leaves it out
        node.add(field[0], parsed, n)

    def _links(self, raw: list[tuple[str, str, str, int]]) -> None:
        roles: dict[tuple[str, str], tuple[str, int]] = {}
        for s, label, o, n in raw:
            src, dst = self.nodes.get(s), self.nodes.get(o)
            if src is None or dst is None or s == o:
                continue
            cats = (src.category, dst.category)
            if label in _ROLE_RANK:
                if cats != ("event", "actor"):
                    continue
                key = (s, o)
                old = roles.get(key)
                if old is None or _ROLE_RANK[label] < _ROLE_RANK[old[0]]:
                    roles[key] = (label, n)
                elif label == old[0]:
                    roles[key] = (label, max(n, old[1]))
                continue
            ok = {"accordingTo": cats[0] == "event" and cats[1] == "actor",
                  "place": cats == ("event", "place"),
                  "relativeTo": cats == ("place", "place")}.get(label, cats == ("actor", "actor"))
            if ok:
                self.links.append(_Link(s, o, label, float(max(n, 1))))
        for (s, o), (label, n) in roles.items():
            self.links.append(_Link(s, o, label, float(max(n, 1))))
        self.links.sort(key=lambda link: (link.source, link.target, link.label))

    def participants(self) -> dict[str, dict[str, str]]:
        """event IRI → {actor IRI: its role} (agent, target or participant)."""
        out: dict[str, dict[str, str]] = defaultdict(dict)
        for link in self.links:
            if link.label in _ROLE_RANK:
                out[link.source][link.target] = link.label
        return out

    def attributes(self) -> dict[str, dict[str, Any]]:
        """Merged node attributes, without ``None`` values."""
        places_of: dict[str, list[str]] = defaultdict(list)
        for link in self.links:
            if link.label == "place":
                places_of[link.source].append(link.target)
        event_count: Counter = Counter()
        for members in self.participants().values():
            event_count.update(members.keys())
        out: dict[str, dict[str, Any]] = {}
        for iri, node in self.nodes.items():
            cat = node.category
            get = node.get
            labels = get("labels")
            attrs: dict[str, Any] = {
                "label": _most_common(labels) if labels else _local(iri) or iri,
                "category": cat,
            }
            all_kinds = get("kinds")
            kinds = {k: v for k, v in all_kinds.items() if k != "RelativePlace"}
            if cat == "place":
                attrs["kind"] = "RelativePlace" if "RelativePlace" in all_kinds else "Place"
            elif kinds:
                attrs["kind"] = _most_common(kinds)
            else:
                attrs["kind"] = "Event" if cat == "event" else "Actor"
            if cat == "event":
                attrs["event_type"] = attrs["kind"]
            for name, field in (("country", "countries"), ("wikidata", "wikidata"),
                                ("geonames", "geonames"), ("certainty", "certainty"),
                                ("distance_km", "distance"), ("bearing", "bearing")):
                if values := get(field):
                    attrs[name] = _most_common(values)
            if get("lats") and get("longs"):
                attrs["latitude"] = _most_common(get("lats"))
                attrs["longitude"] = _most_common(get("longs"))
            for name in ("fatalities", "injured"):
                if values := get(name):
                    dates = node.newest.get(name, {})
                    attrs[name] = max(values, key=lambda v, d=dates: (d.get(v, ""), v))
            lo, hi = _merge_bounds(set(get("earliest")), set(get("latest")))
            if lo:
                attrs["earliest"] = lo
            if hi:
                attrs["latest"] = hi
            attrs["articles"] = node.support
            if cat == "actor":
                attrs["events"] = event_count.get(iri, 0)
            out[iri] = attrs
        # Events inherit country and coordinates from their one located place.
        for iri, attrs in out.items():
            if attrs["category"] != "event":
                continue
            places = [out[p] for p in places_of.get(iri, ())]
            countries = {p["country"] for p in places if "country" in p}
            if "country" not in attrs and len(countries) == 1:
                attrs["country"] = countries.pop()
            located = {(p["latitude"], p["longitude"]) for p in places if "latitude" in p}
            if "latitude" not in attrs and len(located) == 1:
                attrs["latitude"], attrs["longitude"] = located.pop()
        return {iri: {k: v for k, v in a.items() if _present(v)} for iri, a in out.items()}


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return not (isinstance(value, str) and value == "")


def last_modified(store: ox.Store) -> str | None:
    """The latest article publication date (ISO) in the store, for reproducible file metadata."""
    days = [d for (v,) in store.query(_DATES_QUERY, use_default_graph_as_union=True)
            if isinstance(v, ox.Literal) and (d := _date(v.value))]
    return max(days) if days else None


def build_network(store: ox.Store, view: str = "full") -> nx.MultiDiGraph | nx.Graph:
    """Build the ``full`` or ``actors`` network of ``store`` (see the module docstring).

    ``G.graph`` holds ``view`` and, when the store has dated articles, ``last_modified`` (the
    latest publication date), which writers use instead of the clock so that the same store
    always exports to the same bytes.
    """
    check_view(view)
    c = _Collector(store)
    attrs = c.attributes()
    graph: nx.MultiDiGraph | nx.Graph
    graph = nx.MultiDiGraph() if view == "full" else nx.Graph()
    graph.graph["view"] = view
    if c.dates:
        graph.graph["last_modified"] = max(c.dates)
    if view == "full":
        for iri in sorted(attrs):
            graph.add_node(iri, **attrs[iri])
        for link in c.links:
            edge: dict[str, Any] = {"label": link.label, "role": link.label, "weight": link.weight}
            if attrs[link.source]["category"] == "event":
                ev = attrs[link.source]
                if "earliest" in ev:
                    edge["start"] = ev["earliest"]
                if "latest" in ev:
                    edge["end"] = ev["latest"]
            graph.add_edge(link.source, link.target, key=link.label, **edge)
        return graph
    for iri in sorted(attrs):
        if attrs[iri]["category"] == "actor":
            graph.add_node(iri, **attrs[iri])
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for event, members in sorted(c.participants().items()):
        ev = attrs[event]
        for u, v in combinations(sorted(members), 2):
            pair = pairs.setdefault((u, v), {"events": 0, "roles": Counter(), "starts": [],
                                             "ends": [], "fatalities": 0})
            pair["events"] += 1
            pair["roles"][f"{members[u]}-{members[v]}"] += 1
            if "earliest" in ev:
                pair["starts"].append(ev["earliest"])
            if "latest" in ev:
                pair["ends"].append(ev["latest"])
            pair["fatalities"] += ev.get("fatalities", 0)
    for (u, v), pair in sorted(pairs.items()):
        role = _most_common(pair["roles"])
        edge = {"label": role, "role": role, "weight": float(pair["events"]),
                "fatalities": pair["fatalities"]}
        if pair["starts"]:
            edge["start"] = min(pair["starts"])
        if pair["ends"]:
            edge["end"] = max(pair["ends"])
        graph.add_edge(u, v, **edge)
    return graph
