"""The ontology (ontology/kg.ttl): parses everywhere, declares every term graphs use, and maps
event classes to ACLED, CAMEO and PLOVER. Also checks that shapes/ only names declared terms."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS

from kg_builder.model import ACTOR_KINDS, CERTAINTIES, EVENT_TYPES, RELATIONS
from kg_builder.namespaces import GAF, GEO, KG, OWL, RDF, RDFS, SCHEMA, SEM
from kg_builder.resources import resource_dir

ONTOLOGY_FILE = resource_dir("ontology") / "kg.ttl"
ONTOLOGY_IRI = URIRef("https://w3id.org/kg-builder/ontology")
# Not rdflib's XSD class: pytest probes module attributes and rdflib's XSD warns on unknown names.
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
XSD_DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")

ACLED_EVENT_TYPES = {
    "Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
    "Strategic developments",
}
ACLED_SUB_EVENT_TYPES = {
    "Armed clash", "Government regains territory", "Non-state actor overtakes territory",
    "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
    "Remote explosive/landmine/IED", "Grenade", "Sexual violence", "Attack",
    "Abduction/forced disappearance", "Peaceful protest", "Protest with intervention",
    "Excessive force against protesters", "Violent demonstration", "Mob violence", "Agreement",
    "Arrests", "Change to group/activity", "Disrupted weapons use",
    "Headquarters or base established", "Looting/property destruction",
    "Non-violent transfer of territory", "Other",
}
PLOVER_TYPES = {
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
    "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
}


def local_names(namespace: type) -> list[str]:
    """The terms a DefinedNamespace class declares (its annotations)."""
    return [name for name in namespace.__annotations__ if not name.startswith("_")]


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def text_of(graph: Graph, subject: URIRef, predicate: URIRef) -> str | None:
    value = graph.value(subject, predicate)
    return str(value) if isinstance(value, Literal) else None


# --------------------------------------------------------------------------------------------
# Parsing and header
# --------------------------------------------------------------------------------------------

def test_parses_with_rdflib_and_oxigraph_to_the_same_triples(onto: Graph) -> None:
    store = ox.Store()
    store.load(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE)
    assert len(store) == len(onto) > 400
    # Same IRIs either way (catches prefix or escaping surprises in one parser only).
    ox_subjects = {q.subject.value for q in store if isinstance(q.subject, ox.NamedNode)}
    rdflib_subjects = {str(s) for s in onto.subjects() if isinstance(s, URIRef)}
    assert ox_subjects == rdflib_subjects


def test_header(onto: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in onto
    assert onto.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    assert text_of(onto, ONTOLOGY_IRI, DCTERMS.title)
    assert len(text_of(onto, ONTOLOGY_IRI, DCTERMS.description) or "") > 100
    assert isinstance(onto.value(ONTOLOGY_IRI, DCTERMS.license), URIRef)


# --------------------------------------------------------------------------------------------
# Every term is declared
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", local_names(KG))
def test_every_kg_term_is_declared_with_label_and_comment(onto: Graph, name: str) -> None:
    term = KG[name]
    kinds = set(onto.objects(term, RDF.type))
    assert kinds & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                    OWL.AnnotationProperty, KG.Certainty}, f"{name} is not declared"
    assert text_of(onto, term, RDFS.label), f"{name} has no rdfs:label"
    assert len(text_of(onto, term, RDFS.comment) or "") > 20, f"{name} has no rdfs:comment"
    assert onto.value(term, RDFS.isDefinedBy) == ONTOLOGY_IRI


def test_ontology_declares_nothing_outside_the_namespace_class(onto: Graph) -> None:
    """namespaces.KG raises on typos only if it lists every term; keep the two in step."""
    declared = {str(s)[len(str(KG)):] for s in onto.subjects(RDFS.isDefinedBy, ONTOLOGY_IRI)
                if str(s).startswith(str(KG))}
    assert declared == set(local_names(KG))


@pytest.mark.parametrize(("namespace", "name"), [
    (ns, name) for ns in (SEM, GAF, GEO, SCHEMA) for name in local_names(ns)])
def test_external_terms_are_declared_minimally(onto: Graph, namespace: type, name: str) -> None:
    term = namespace[name]
    assert set(onto.objects(term, RDF.type)), f"{term} is not declared"
    assert text_of(onto, term, RDFS.label)
    assert text_of(onto, term, RDFS.comment)
    assert isinstance(onto.value(term, RDFS.isDefinedBy), URIRef)


def test_model_constants_name_ontology_terms(onto: Graph) -> None:
    """The extraction layer's vocabularies (model.py) are the ontology's."""
    for name in EVENT_TYPES + ACTOR_KINDS:
        assert (KG[name], RDF.type, OWL.Class) in onto, name
    for name in CERTAINTIES:
        assert (KG[name], RDF.type, KG.Certainty) in onto, name
    for name in RELATIONS:
        assert (KG[name], RDF.type, OWL.ObjectProperty) in onto, name


# --------------------------------------------------------------------------------------------
# Classes
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", EVENT_TYPES)
def test_event_classes_map_to_acled_cameo_and_plover(onto: Graph, name: str) -> None:
    cls = KG[name]
    assert (cls, RDFS.subClassOf, SEM.Event) in onto
    assert text_of(onto, cls, KG.acledEventType) in ACLED_EVENT_TYPES
    assert text_of(onto, cls, KG.acledSubEventType) in ACLED_SUB_EVENT_TYPES
    cameo = text_of(onto, cls, KG.cameoCode)
    plover = text_of(onto, cls, KG.ploverCode)
    if name == "OtherEvent":
        # "anything else" has no code in a closed coding scheme; the comment says so
        assert cameo is None and plover is None
        assert "CAMEO" in text_of(onto, cls, RDFS.comment)
        return
    assert cameo is not None and re.fullmatch(r"[0-9]{3,4}", cameo), cameo
    if plover is None:
        # no PLOVER category: the comment must say why
        assert "PLOVER" in text_of(onto, cls, RDFS.comment), name
    else:
        assert plover in PLOVER_TYPES


def test_event_mappings_are_the_expected_ones(onto: Graph) -> None:
    """Spot checks against the coding schemes' own definitions."""
    expected = {
        "ArmedClash": ("Battles", "193", "ASSAULT"),
        "Bombing": ("Explosions/Remote violence", "183", "ASSAULT"),
        "Abduction": ("Violence against civilians", "181", "ASSAULT"),
        "Protest": ("Protests", "141", "PROTEST"),
        "Agreement": ("Strategic developments", "057", "AGREE"),
        "Deployment": ("Strategic developments", "154", "MOBILIZE"),
        "Arrest": ("Strategic developments", "173", "COERCE"),
        "Sanction": ("Strategic developments", "163", "SANCTION"),
    }
    for name, (acled, cameo, plover) in expected.items():
        cls = KG[name]
        assert (text_of(onto, cls, KG.acledEventType), text_of(onto, cls, KG.cameoCode),
                text_of(onto, cls, KG.ploverCode)) == (acled, cameo, plover), name


@pytest.mark.parametrize("name", ACTOR_KINDS)
def test_actor_kinds_are_sem_actors(onto: Graph, name: str) -> None:
    assert (KG[name], RDFS.subClassOf, SEM.Actor) in onto


def test_relative_place_is_a_sem_place(onto: Graph) -> None:
    assert (KG.RelativePlace, RDFS.subClassOf, SEM.Place) in onto


def test_certainty_has_exactly_five_documented_values(onto: Graph) -> None:
    one_of = Collection(onto, onto.value(KG.Certainty, OWL.oneOf))
    assert [str(v)[len(str(KG)):] for v in one_of] == list(CERTAINTIES)
    assert set(onto.subjects(RDF.type, KG.Certainty)) == {KG[c] for c in CERTAINTIES}
    hypothetical = text_of(onto, KG.Hypothetical, RDFS.comment) or ""
    assert "planned" in hypothetical and "promised" in hypothetical


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

def test_participant_roles_specialise_sem_has_actor(onto: Graph) -> None:
    for role in (KG.agent, KG.target):
        assert (role, RDFS.subPropertyOf, SEM.hasActor) in onto
        assert (role, RDFS.domain, SEM.Event) in onto
        assert (role, RDFS.range, SEM.Actor) in onto


def test_property_ranges(onto: Graph) -> None:
    for prop in (KG.fatalities, KG.injured, KG.perpetratorFatalities):
        assert (prop, RDFS.range, XSD_INTEGER) in onto
        assert (prop, RDF.type, OWL.DatatypeProperty) in onto
    assert "ACLED" in text_of(onto, KG.fatalities, RDFS.comment)
    for prop in (KG.distanceKm, KG.bearing):
        assert (prop, RDFS.range, XSD_DECIMAL) in onto
        assert (prop, RDFS.domain, KG.RelativePlace) in onto
    assert "clockwise from north" in text_of(onto, KG.bearing, RDFS.comment)
    assert (KG.relativeTo, RDFS.range, SEM.Place) in onto
    assert (KG.certainty, RDFS.range, KG.Certainty) in onto
    assert (KG.accordingTo, RDFS.range, SEM.Actor) in onto
    for prop in (KG.evidence, KG.trigger):
        assert (prop, RDFS.range, GAF.Mention) in onto
    assert (KG.anchorOf, RDFS.domain, GAF.Mention) in onto
    assert (KG.contentHash, RDFS.domain, SCHEMA.NewsArticle) in onto


def test_actor_relations(onto: Graph) -> None:
    assert (KG.alliedWith, RDF.type, OWL.SymmetricProperty) in onto
    for rel in RELATIONS:
        assert (KG[rel], RDFS.domain, SEM.Actor) in onto
        assert (KG[rel], RDFS.range, SEM.Actor) in onto


# --------------------------------------------------------------------------------------------
# Shapes use only declared terms
# --------------------------------------------------------------------------------------------

def shapes_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8")
                     for p in sorted(Path(resource_dir("shapes")).glob("*.ttl")))


def test_shapes_name_only_declared_kg_terms(onto: Graph) -> None:
    """Catches a misspelt kg: term in shapes/, including inside SPARQL text."""
    used = set(re.findall(r"\bkg:([A-Za-z]+)", shapes_text()))
    declared = set(local_names(KG))
    assert used - declared == set()
    assert len(used) > 40


def test_shapes_list_every_event_type_and_actor_kind() -> None:
    """The SPARQL lists of classes in shapes/ agree with the ontology and model.py."""
    text = shapes_text()

    def lists(first: str) -> list[str]:
        """Every `IN (kg:First, …)` and `VALUES ?x { kg:First … }` list."""
        return (re.findall(rf"IN \(({first}[^)]*)\)", text)
                + re.findall(rf"VALUES \?\w+ \{{ ({first}[^}}]*)\}}", text))

    event_lists, kind_lists = lists("kg:ArmedAttack"), lists("kg:Person")
    # two shapes each (class present, class single): target and constraint lists
    assert len(event_lists) == 6 and len(kind_lists) == 6
    for found in event_lists:
        assert re.findall(r"kg:(\w+)", found) == list(EVENT_TYPES)
    for found in kind_lists:
        assert re.findall(r"kg:(\w+)", found) == list(ACTOR_KINDS)
    implies = re.search(r"kgsh:EventClassImpliesEvent.*?sh:class", text, re.S)
    assert implies is not None
    assert re.findall(r"kg:(\w+)", implies.group(0)) == list(EVENT_TYPES)
