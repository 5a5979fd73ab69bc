"""Map an :class:`~kg_builder.model.Extraction` to RDF in the project's vocabulary.

One article → one named graph (the article's IRI) holding every fact extracted from it, its
mentions and the article's own metadata. The mapping yields plain rdflib triples; the store
converts them to its own terms, so no serialisation round-trip sits in the hot path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterator
from decimal import Decimal

from rdflib import Dataset, Literal, URIRef
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


def _date(d: dt.date) -> Literal:
    return Literal(d.isoformat(), datatype=XSD.date)


def _int(n: int) -> Literal:
    return Literal(str(int(n)), datatype=XSD.integer)


def _dec(x: float, places: int = 6) -> Literal:
    if not math.isfinite(x):
        raise ValueError(f"not a finite number: {x!r}")  # never write NaN as xsd:decimal
    q = Decimal(str(round(x, places))).normalize()
    text = format(q, "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD.decimal)


def content_hash(text: str) -> str:
    """SHA-256 of an article's text: used to skip unchanged articles on rebuild."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Mapper:
    def __init__(self, ex: Extraction, base: str):
        self.ex = ex
        self.base = base
        self.article = URIRef(iris.article_iri(base, ex.article.id))
        self.triples: list[Triple] = []
        self.actor_iris: dict[str, URIRef] = {}
        self.place_iris: dict[str, URIRef] = {}

    def add(self, s: Node, p: Node, o: Node) -> None:
        self.triples.append((s, p, o))

    def mention(self, node: URIRef, span: Span) -> None:
        m = URIRef(iris.mention_iri(str(self.article), span.start, span.end))
        self.add(node, GAF.denotedBy, m)
        self.add(m, RDF.type, GAF.Mention)
        self.add(m, KG.anchorOf, Literal(span.text))
        self.add(m, PROV.wasDerivedFrom, self.article)

    def provenance(self, node: URIRef, mentions: list[Span]) -> None:
        self.add(node, PROV.wasDerivedFrom, self.article)
        for span in sorted(set(mentions)):
            self.mention(node, span)

    def map_article(self) -> None:
        a = self.ex.article
        self.add(self.article, RDF.type, SCHEMA.NewsArticle)
        self.add(self.article, SCHEMA.identifier, Literal(a.id))
        if a.url:
            self.add(self.article, SCHEMA.url, Literal(a.url, datatype=XSD.anyURI))
        if a.title:
            self.add(self.article, SCHEMA.headline, Literal(a.title))
        if a.published_datetime is not None:
            self.add(self.article, SCHEMA.datePublished,
                     Literal(a.published_datetime.isoformat(), datatype=XSD.dateTime))
        elif a.published is not None:
            self.add(self.article, SCHEMA.datePublished, _date(a.published))
        if a.source:
            self.add(self.article, SCHEMA.publisher, Literal(a.source))
        self.add(self.article, KG.contentHash, Literal(content_hash(a.text)))

    def place_iri(self, place: Place) -> URIRef:
        if place.key in self.place_iris:
            return self.place_iris[place.key]
        if place.anchor is not None and place.anchor in self.ex.places:
            anchor = self.place_iri(self.ex.places[place.anchor])
            iri = URIRef(iris.relative_place_iri(self.base, str(anchor), place.distance_km,
                                                 place.bearing, place.name))
        else:
            iri = URIRef(iris.place_iri(self.base, place.name, place.geonames_id,
                                        None if place.geonames_id else place.country_code))
        self.place_iris[place.key] = iri
        return iri

    def map_places(self) -> None:
        for place in self.ex.places.values():
            node = self.place_iri(place)
            self.add(node, RDF.type, SEM.Place)
            self.add(node, RDFS.label, Literal(place.name))
            for alias in sorted(place.aliases - {place.name}):
                self.add(node, SKOS.altLabel, Literal(alias))
            if place.lat is not None and place.lon is not None:
                self.add(node, GEO.lat, _dec(place.lat))
                self.add(node, GEO.long, _dec(place.lon))
            if place.geonames_id is not None:
                self.add(node, OWL.sameAs, URIRef(GEONAMES.format(int(place.geonames_id))))
            if place.country_code:
                self.add(node, KG.countryCode, Literal(place.country_code))
            if place.anchor is not None and place.anchor in self.ex.places:
                self.add(node, RDF.type, KG.RelativePlace)
                self.add(node, KG.relativeTo, self.place_iri(self.ex.places[place.anchor]))
                if place.distance_km is not None:
                    self.add(node, KG.distanceKm, _dec(place.distance_km, 3))
                if place.bearing is not None:
                    self.add(node, KG.bearing, _dec(place.bearing, 3))
            self.provenance(node, place.mentions)

    def map_actors(self) -> None:
        for actor in self.ex.actors.values():
            node = URIRef(iris.actor_iri(self.base, actor.name, actor.kind, actor.wikidata))
            self.actor_iris[actor.key] = node
            self.add(node, RDF.type, SEM.Actor)
            self.add(node, RDF.type, KG[actor.kind])
            self.add(node, RDFS.label, Literal(actor.name))
            for alias in sorted(actor.aliases - {actor.name}):
                self.add(node, SKOS.altLabel, Literal(alias))
            if actor.wikidata:
                self.add(node, OWL.sameAs, WIKIDATA[actor.wikidata])
            if actor.country:
                self.add(node, KG.countryCode, Literal(actor.country))
            self.provenance(node, actor.mentions)

    def map_events(self) -> None:
        # "mutinies in 2012 and 2020" is two events on one trigger word: their dates tell
        # their IRIs apart (not the extractor's keys, which the graph does not record)
        variants = iris.event_variants([
            (ev.type, ev.trigger.start, ev.earliest.isoformat() if ev.earliest else "",
             ev.latest.isoformat() if ev.latest else "", ev.label) for ev in self.ex.events])
        for ev, variant in zip(self.ex.events, variants, strict=True):
            node = URIRef(iris.event_iri(self.base, self.ex.article.id, ev.type, ev.trigger.start,
                                         variant))
            self.add(node, RDF.type, SEM.Event)
            self.add(node, RDF.type, KG[ev.type])
            self.add(node, RDFS.label, Literal(ev.label))
            if ev.earliest is not None:
                self.add(node, SEM.hasEarliestBeginTimeStamp, _date(ev.earliest))
            if ev.latest is not None:
                self.add(node, SEM.hasLatestEndTimeStamp, _date(ev.latest))
            if ev.exact and ev.earliest is not None:
                self.add(node, SEM.hasTimeStamp, _date(ev.earliest))
            if ev.place is not None and ev.place in self.place_iris:
                self.add(node, SEM.hasPlace, self.place_iris[ev.place])
            for role, keys in ((KG.agent, ev.agents), (KG.target, ev.targets)):
                for key in keys:
                    if key in self.actor_iris:
                        self.add(node, role, self.actor_iris[key])
                        self.add(node, SEM.hasActor, self.actor_iris[key])
            if ev.fatalities is not None:
                self.add(node, KG.fatalities, _int(ev.fatalities))
            if ev.injured is not None:
                self.add(node, KG.injured, _int(ev.injured))
            if ev.perpetrator_fatalities is not None:
                self.add(node, KG.perpetratorFatalities, _int(ev.perpetrator_fatalities))
            self.add(node, KG.certainty, KG[ev.certainty])
            if ev.according_to is not None and ev.according_to in self.actor_iris:
                self.add(node, KG.accordingTo, self.actor_iris[ev.according_to])
            trigger = URIRef(iris.mention_iri(str(self.article), ev.trigger.start, ev.trigger.end))
            self.add(node, KG.trigger, trigger)
            sentence = URIRef(iris.mention_iri(str(self.article), ev.sentence.start,
                                               ev.sentence.end))
            self.add(node, KG.evidence, sentence)
            self.add(sentence, RDF.type, GAF.Mention)
            self.add(sentence, KG.anchorOf, Literal(ev.sentence.text))
            self.provenance(node, [ev.trigger, *ev.mentions])

    def map_relations(self) -> None:
        for rel in self.ex.relations:
            s, o = self.actor_iris.get(rel.subject), self.actor_iris.get(rel.object)
            if s is None or o is None or s == o:
                continue
            self.add(s, KG[rel.predicate], o)
            if rel.mentions:
                # The statement itself, reified, carries the sentence it comes from: plain RDF
                # that every store understands (no RDF-star needed).
                node = URIRef(iris.relation_iri(self.base, self.ex.article.id, str(s),
                                                rel.predicate, str(o)))
                self.add(node, RDF.type, RDF.Statement)
                self.add(node, RDF.subject, s)
                self.add(node, RDF.predicate, KG[rel.predicate])
                self.add(node, RDF.object, o)
                self.provenance(node, rel.mentions)


def extraction_triples(ex: Extraction, base: str = iris.DEFAULT_BASE
                       ) -> tuple[URIRef, list[Triple]]:
    """Return the article's graph IRI and the de-duplicated triples of its named graph."""
    m = _Mapper(ex, base)
    m.map_article()
    m.map_places()
    m.map_actors()
    m.map_events()
    m.map_relations()
    return m.article, list(dict.fromkeys(m.triples))


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
