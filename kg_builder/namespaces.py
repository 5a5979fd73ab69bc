"""Vocabularies used by kg-builder, as rdflib ``DefinedNamespace`` classes.

Modelled on ``rdflib/namespace/_PROV.py``: every term is declared, so a typo such as
``KG.ArmedAtack`` raises ``AttributeError`` at import/use time instead of silently minting a
wrong IRI into users' graphs. The vocabulary contract lives in DESIGN.md and ``ontology/``;
``tests/test_ontology.py`` checks that every term declared here is defined in the ontology.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

from . import prefixes

__all__ = [
    "KG", "SEM", "GAF", "GEO", "SCHEMA", "PROV", "SKOS", "OWL", "RDF", "RDFS", "XSD",
    "PREFIXES", "WIKIDATA", "GEONAMES",
]


class KG(DefinedNamespace):
    """The kg-builder ontology (``ontology/kg.ttl``)."""

    _fail = True
    _NS = Namespace(prefixes.KG)

    # Event classes (subclasses of sem:Event)
    ArmedAttack: URIRef
    ArmedClash: URIRef
    Bombing: URIRef
    Killing: URIRef
    Abduction: URIRef
    Coup: URIRef
    Mutiny: URIRef
    Protest: URIRef
    Election: URIRef
    Agreement: URIRef
    Deployment: URIRef
    Withdrawal: URIRef
    Arrest: URIRef
    Sanction: URIRef
    Statement: URIRef
    OtherEvent: URIRef

    # Actor classes (subclasses of sem:Actor)
    Person: URIRef
    ArmedGroup: URIRef
    StateForce: URIRef
    Government: URIRef
    Mercenary: URIRef
    InternationalOrganization: URIRef
    PoliticalParty: URIRef
    Civilians: URIRef
    Organization: URIRef

    # Places
    RelativePlace: URIRef

    # Certainty
    Certainty: URIRef
    Asserted: URIRef
    Reported: URIRef
    Alleged: URIRef
    Denied: URIRef
    Hypothetical: URIRef

    # Event properties
    agent: URIRef
    target: URIRef
    fatalities: URIRef
    injured: URIRef
    perpetratorFatalities: URIRef
    certainty: URIRef
    accordingTo: URIRef
    evidence: URIRef
    trigger: URIRef

    # Actor relations
    leaderOf: URIRef
    memberOf: URIRef
    affiliatedWith: URIRef
    alliedWith: URIRef

    # Places
    countryCode: URIRef
    distanceKm: URIRef
    bearing: URIRef
    relativeTo: URIRef

    # Mentions and articles
    anchorOf: URIRef
    contentHash: URIRef

    # Annotations on event classes
    acledEventType: URIRef
    acledSubEventType: URIRef
    cameoCode: URIRef
    ploverCode: URIRef


class SEM(DefinedNamespace):
    """Simple Event Model (van Hage et al., 2011), the terms kg-builder uses."""

    _fail = True
    _NS = Namespace(prefixes.SEM)

    Event: URIRef
    Actor: URIRef
    Place: URIRef
    Time: URIRef
    hasActor: URIRef
    hasPlace: URIRef
    hasTime: URIRef
    hasTimeStamp: URIRef
    hasEarliestBeginTimeStamp: URIRef
    hasLatestEndTimeStamp: URIRef
    hasBeginTimeStamp: URIRef
    hasEndTimeStamp: URIRef


class GAF(DefinedNamespace):
    """Grounded Annotation Framework (NewsReader): links instances to their mentions."""

    _fail = True
    _NS = Namespace(prefixes.GAF)

    Mention: URIRef
    Instance: URIRef
    denotedBy: URIRef
    denotes: URIRef
    containsMention: URIRef


class GEO(DefinedNamespace):
    """W3C Basic Geo (WGS84) vocabulary."""

    _fail = True
    _NS = Namespace(prefixes.GEO)

    SpatialThing: URIRef
    Point: URIRef
    lat: URIRef
    long: URIRef


class SCHEMA(DefinedNamespace):
    """The schema.org terms used for articles."""

    _fail = True
    _NS = Namespace(prefixes.SCHEMA)

    NewsArticle: URIRef
    url: URIRef
    headline: URIRef
    datePublished: URIRef
    publisher: URIRef
    identifier: URIRef


WIKIDATA = Namespace(prefixes.WIKIDATA)
GEONAMES = "https://sws.geonames.org/{}/"

#: Prefix map used for every serialisation and for query headers (see :mod:`.prefixes`).
PREFIXES: dict[str, str] = prefixes.PREFIXES
