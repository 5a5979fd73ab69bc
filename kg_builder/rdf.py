"""Map an :class:`~kg_builder.model.Extraction` to RDF in the project's vocabulary.

One article → one named graph (the article's IRI) holding every fact extracted from it, its
mentions and the article's own metadata. The mapping builds Oxigraph quads directly
(:func:`extraction_quads`): that is what the build writes, and building rdflib terms first only
to convert each one again cost more than the mapping itself. Terms that recur from article to
article (the vocabulary, gazetteer actors and places, coordinates) are built once per process.
:func:`extraction_triples` gives the same graph as rdflib triples for code that wants rdflib.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.term import Node

from . import iris
from .model import Extraction, Place, Span
from .namespaces import (
    GAF,
    GEO,
    GEONAMES,
    KG,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SEM,
    SKOS,
    WIKIDATA,
    XSD,
)

Triple = tuple[Node, Node, Node]


def _nn(term: URIRef) -> ox.NamedNode:
    return ox.NamedNode(str(term))


# The vocabulary, as Oxigraph terms made once.
_TYPE, _LABEL, _ALT = _nn(RDF.type), _nn(RDFS.label), _nn(SKOS.altLabel)
_SAME_AS, _DERIVED, _DENOTED = _nn(OWL.sameAs), _nn(PROV.wasDerivedFrom), _nn(GAF.denotedBy)
_MENTION, _ANCHOR_OF, _COUNTRY = _nn(GAF.Mention), _nn(KG.anchorOf), _nn(KG.countryCode)
_NEWS_ARTICLE, _IDENTIFIER, _URL = _nn(SCHEMA.NewsArticle), _nn(SCHEMA.identifier), _nn(SCHEMA.url)
_HEADLINE, _PUBLISHED = _nn(SCHEMA.headline), _nn(SCHEMA.datePublished)
_PUBLISHER, _CONTENT_HASH = _nn(SCHEMA.publisher), _nn(KG.contentHash)
_PLACE, _ACTOR, _EVENT = _nn(SEM.Place), _nn(SEM.Actor), _nn(SEM.Event)
_LAT, _LONG = _nn(GEO.lat), _nn(GEO.long)
_RELATIVE_PLACE, _RELATIVE_TO = _nn(KG.RelativePlace), _nn(KG.relativeTo)
_DISTANCE, _BEARING = _nn(KG.distanceKm), _nn(KG.bearing)
_EARLIEST, _LATEST = _nn(SEM.hasEarliestBeginTimeStamp), _nn(SEM.hasLatestEndTimeStamp)
_TIMESTAMP, _HAS_PLACE, _HAS_ACTOR = _nn(SEM.hasTimeStamp), _nn(SEM.hasPlace), _nn(SEM.hasActor)
_AGENT, _TARGET = _nn(KG.agent), _nn(KG.target)
_FATALITIES, _INJURED = _nn(KG.fatalities), _nn(KG.injured)
_PERP_FATALITIES, _CERTAINTY = _nn(KG.perpetratorFatalities), _nn(KG.certainty)
_ACCORDING_TO, _TRIGGER, _EVIDENCE = _nn(KG.accordingTo), _nn(KG.trigger), _nn(KG.evidence)
_STATEMENT, _SUBJECT = _nn(RDF.Statement), _nn(RDF.subject)
_PREDICATE, _OBJECT = _nn(RDF.predicate), _nn(RDF.object)
_XSD_DATE, _XSD_INTEGER, _XSD_DECIMAL = _nn(XSD.date), _nn(XSD.integer), _nn(XSD.decimal)

_KG_TERMS: dict[str, ox.NamedNode] = {}


def _kg(name: str) -> ox.NamedNode:
    """``kg:name`` (a class, certainty or relation); unknown names raise, as ``KG[name]`` does."""
    term = _KG_TERMS.get(name)
    if term is None:
        term = _KG_TERMS[name] = _nn(KG[name])
    return term


def _literal(text: str, datatype: URIRef) -> ox.Literal:
    """A typed literal in exactly the lexical form rdflib gives it (rdflib normalises some
    lexical forms): for the rare datatypes where the forms could differ."""
    return ox.Literal(str(Literal(text, datatype=datatype)), datatype=_nn(datatype))


def _date(d: dt.date) -> ox.Literal:
    return ox.Literal(d.isoformat(), datatype=_XSD_DATE)


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(int(n)), datatype=_XSD_INTEGER)


def _dec(x: float, places: int = 6) -> ox.Literal:
    # Coordinates of gazetteer places recur: cached, except zero (0.0 == -0.0 as a key, but
    # they are written "0.0" and "-0.0").
    return _dec_text(x, places) if x == 0 else _dec_cached(x, places)


@lru_cache(maxsize=65536)
def _dec_cached(x: float, places: int) -> ox.Literal:
    return _dec_text(x, places)


def _dec_text(x: float, places: int) -> ox.Literal:
    if not math.isfinite(x):
        raise ValueError(f"not a finite number: {x!r}")  # never write NaN as xsd:decimal
    q = Decimal(str(round(x, places))).normalize()
    text = format(q, "f")
    if "." not in text:
        text += ".0"
    return ox.Literal(text, datatype=_XSD_DECIMAL)


@lru_cache(maxsize=65536)
def _actor_node(base: str, name: str, kind: str, wikidata: str | None) -> ox.NamedNode:
    return ox.NamedNode(iris.actor_iri(base, name, kind, wikidata))


@lru_cache(maxsize=65536)
def _place_node(base: str, name: str, geonames_id: int | None,
                country: str | None) -> ox.NamedNode:
    return ox.NamedNode(iris.place_iri(base, name, geonames_id, country))


@lru_cache(maxsize=65536)
def _geonames_node(geonames_id: int) -> ox.NamedNode:
    return ox.NamedNode(GEONAMES.format(geonames_id))


@lru_cache(maxsize=65536)
def _wikidata_node(qid: str) -> ox.NamedNode:
    return _nn(WIKIDATA[qid])


def content_hash(text: str) -> str:
    """SHA-256 of an article's text: used to skip unchanged articles on rebuild."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Mapper:
    def __init__(self, ex: Extraction, base: str):
        self.ex = ex
        self.base = base
        self.article_iri = iris.article_iri(base, ex.article.id)
        self.article = ox.NamedNode(self.article_iri)
        self.triples: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]] = []
        self.add = self.triples.append
        self.actor_iris: dict[str, ox.NamedNode] = {}
        self.place_iris: dict[str, ox.NamedNode] = {}
        self.mentions: dict[tuple[int, int], ox.NamedNode] = {}

    def mention_node(self, start: int, end: int) -> ox.NamedNode:
        node = self.mentions.get((start, end))
        if node is None:
            node = self.mentions[start, end] = ox.NamedNode(
                iris.mention_iri(self.article_iri, start, end))
        return node

    def mention(self, node: ox.NamedNode, span: Span) -> None:
        m = self.mention_node(span.start, span.end)
        add = self.add
        add((node, _DENOTED, m))
        add((m, _TYPE, _MENTION))
        add((m, _ANCHOR_OF, ox.Literal(span.text)))
        add((m, _DERIVED, self.article))

    def provenance(self, node: ox.NamedNode, mentions: list[Span]) -> None:
        self.add((node, _DERIVED, self.article))
        for span in sorted(set(mentions)):
            self.mention(node, span)

    def map_article(self) -> None:
        a, add, art = self.ex.article, self.add, self.article
        add((art, _TYPE, _NEWS_ARTICLE))
        add((art, _IDENTIFIER, ox.Literal(a.id)))
        if a.url:
            add((art, _URL, _literal(a.url, XSD.anyURI)))
        if a.title:
            add((art, _HEADLINE, ox.Literal(a.title)))
        if a.published_datetime is not None:
            add((art, _PUBLISHED, _literal(a.published_datetime.isoformat(), XSD.dateTime)))
        elif a.published is not None:
            add((art, _PUBLISHED, _date(a.published)))
        if a.source:
            add((art, _PUBLISHER, ox.Literal(a.source)))
        add((art, _CONTENT_HASH, ox.Literal(content_hash(a.text))))

    def place_iri(self, place: Place) -> ox.NamedNode:
        if place.key in self.place_iris:
            return self.place_iris[place.key]
        if place.anchor is not None and place.anchor in self.ex.places:
            anchor = self.place_iri(self.ex.places[place.anchor])
            iri = ox.NamedNode(iris.relative_place_iri(self.base, anchor.value, place.distance_km,
                                                       place.bearing, place.name))
        else:
            iri = _place_node(self.base, place.name, place.geonames_id,
                              None if place.geonames_id else place.country_code)
        self.place_iris[place.key] = iri
        return iri

    def map_places(self) -> None:
        add = self.add
        for place in self.ex.places.values():
            node = self.place_iri(place)
            add((node, _TYPE, _PLACE))
            add((node, _LABEL, ox.Literal(place.name)))
            for alias in sorted(place.aliases - {place.name}):
                add((node, _ALT, ox.Literal(alias)))
            if place.lat is not None and place.lon is not None:
                add((node, _LAT, _dec(place.lat)))
                add((node, _LONG, _dec(place.lon)))
            if place.geonames_id is not None:
                add((node, _SAME_AS, _geonames_node(int(place.geonames_id))))
            if place.country_code:
                add((node, _COUNTRY, ox.Literal(place.country_code)))
            if place.anchor is not None and place.anchor in self.ex.places:
                add((node, _TYPE, _RELATIVE_PLACE))
                add((node, _RELATIVE_TO, self.place_iri(self.ex.places[place.anchor])))
                if place.distance_km is not None:
                    add((node, _DISTANCE, _dec(place.distance_km, 3)))
                if place.bearing is not None:
                    add((node, _BEARING, _dec(place.bearing, 3)))
            self.provenance(node, place.mentions)

    def map_actors(self) -> None:
        add = self.add
        for actor in self.ex.actors.values():
            node = _actor_node(self.base, actor.name, actor.kind, actor.wikidata)
            self.actor_iris[actor.key] = node
            add((node, _TYPE, _ACTOR))
            add((node, _TYPE, _kg(actor.kind)))
            add((node, _LABEL, ox.Literal(actor.name)))
            for alias in sorted(actor.aliases - {actor.name}):
                add((node, _ALT, ox.Literal(alias)))
            if actor.wikidata:
                add((node, _SAME_AS, _wikidata_node(actor.wikidata)))
            if actor.country:
                add((node, _COUNTRY, ox.Literal(actor.country)))
            self.provenance(node, actor.mentions)

    def map_events(self) -> None:
        # "mutinies in 2012 and 2020" is two events on one trigger word: their dates tell
        # their IRIs apart (not the extractor's keys, which the graph does not record)
        add = self.add
        variants = iris.event_variants([
            (ev.type, ev.trigger.start, ev.earliest.isoformat() if ev.earliest else "",
             ev.latest.isoformat() if ev.latest else "", ev.label) for ev in self.ex.events])
        for ev, variant in zip(self.ex.events, variants, strict=True):
            node = ox.NamedNode(iris.event_iri(self.base, self.ex.article.id, ev.type,
                                               ev.trigger.start, variant))
            add((node, _TYPE, _EVENT))
            add((node, _TYPE, _kg(ev.type)))
            add((node, _LABEL, ox.Literal(ev.label)))
            if ev.earliest is not None:
                add((node, _EARLIEST, _date(ev.earliest)))
            if ev.latest is not None:
                add((node, _LATEST, _date(ev.latest)))
            if ev.exact and ev.earliest is not None:
                add((node, _TIMESTAMP, _date(ev.earliest)))
            if ev.place is not None and ev.place in self.place_iris:
                add((node, _HAS_PLACE, self.place_iris[ev.place]))
            for role, keys in ((_AGENT, ev.agents), (_TARGET, ev.targets)):
                for key in keys:
                    if key in self.actor_iris:
                        add((node, role, self.actor_iris[key]))
                        add((node, _HAS_ACTOR, self.actor_iris[key]))
            if ev.fatalities is not None:
                add((node, _FATALITIES, _int(ev.fatalities)))
            if ev.injured is not None:
                add((node, _INJURED, _int(ev.injured)))
            if ev.perpetrator_fatalities is not None:
                add((node, _PERP_FATALITIES, _int(ev.perpetrator_fatalities)))
            add((node, _CERTAINTY, _kg(ev.certainty)))
            if ev.according_to is not None and ev.according_to in self.actor_iris:
                add((node, _ACCORDING_TO, self.actor_iris[ev.according_to]))
            trigger = self.mention_node(ev.trigger.start, ev.trigger.end)
            add((node, _TRIGGER, trigger))
            sentence = self.mention_node(ev.sentence.start, ev.sentence.end)
            add((node, _EVIDENCE, sentence))
            add((sentence, _TYPE, _MENTION))
            add((sentence, _ANCHOR_OF, ox.Literal(ev.sentence.text)))
            self.provenance(node, [ev.trigger, *ev.mentions])

    def map_relations(self) -> None:
        add = self.add
        for rel in self.ex.relations:
            s, o = self.actor_iris.get(rel.subject), self.actor_iris.get(rel.object)
            if s is None or o is None or s == o:
                continue
            predicate = _kg(rel.predicate)
            add((s, predicate, o))
            if rel.mentions:
                # The statement itself, reified, carries the sentence it comes from: plain RDF
                # that every store understands (no RDF-star needed).
                node = ox.NamedNode(iris.relation_iri(self.base, self.ex.article.id, s.value,
                                                      rel.predicate, o.value))
                add((node, _TYPE, _STATEMENT))
                add((node, _SUBJECT, s))
                add((node, _PREDICATE, predicate))
                add((node, _OBJECT, o))
                self.provenance(node, rel.mentions)


def extraction_quads(ex: Extraction, base: str = iris.DEFAULT_BASE
                     ) -> tuple[ox.NamedNode, list[ox.Quad]]:
    """Return the article's graph IRI and the de-duplicated quads of its named graph, in the
    order the mapping produces them (what the build writes)."""
    m = _Mapper(ex, base)
    m.map_article()
    m.map_places()
    m.map_actors()
    m.map_events()
    m.map_relations()
    g = m.article
    return g, [ox.Quad(s, p, o, g) for s, p, o in dict.fromkeys(m.triples)]


@lru_cache(maxsize=65536)
def _rdflib_iri(value: str) -> URIRef:
    return URIRef(value)


def from_ox(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """An Oxigraph term as the equivalent rdflib term (the inverse of ``store.to_ox`` for the
    terms the mapping makes: plain literals get no datatype, as rdflib writes them)."""
    if isinstance(term, ox.NamedNode):
        return _rdflib_iri(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=_rdflib_iri(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"cannot convert {term!r} to an rdflib term")


_XSD_STRING = str(XSD.string)


def extraction_triples(ex: Extraction, base: str = iris.DEFAULT_BASE
                       ) -> tuple[URIRef, list[Triple]]:
    """Return the article's graph IRI and the de-duplicated triples of its named graph, as
    rdflib terms (the graph :func:`extraction_quads` gives)."""
    graph, quads = extraction_quads(ex, base)
    return URIRef(graph.value), [(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))
                                 for q in quads]


def new_dataset() -> Dataset:
    """An empty rdflib Dataset with the project's prefixes bound."""
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    return ds


def add_to_dataset(ds: Dataset, graph_iri: URIRef, triples: list[Triple]) -> None:
    g = ds.graph(graph_iri)
    for t in triples:
        g.add(t)


def iter_quads(ds: Dataset) -> Iterator[tuple[Node, Node, Node, Node]]:
    yield from ds.quads((None, None, None, None))
