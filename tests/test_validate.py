"""SHACL validation: the hand-written fixture conforms, and each way of breaking the contract is
reported on the right node and property with a message an analyst can act on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from kg_builder import rdf
from kg_builder.model import Actor, Article, Event, Extraction, Place, Relation, Span
from kg_builder.namespaces import GAF, GEO, KG, OWL, RDF, RDFS, SCHEMA, SEM
from kg_builder.store import load_files, replace_graph
from kg_builder.validate import (
    DEFAULT_GRAPH_LABEL,
    GRAPH_ARTICLE_SHAPE,
    ShapesError,
    ValidationResult,
    Violation,
    format_report,
    load_shapes,
    validate_graph,
    validate_store,
)

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid_article.trig"
BASE = "https://w3id.org/kg-builder/id/"
ARTICLE = BASE + "article/test-post-attack"
ATTACK = BASE + "event/5f216574d098216a"
STATEMENT = BASE + "event/bde77dca8af4e691"
GUNMEN = BASE + "actor/armedgroup/gunmen"
ARMY = BASE + "actor/stateforce/malian-armed-forces"
GOVERNMENT = BASE + "actor/Q912"
KATI = BASE + "place/geonames/2455517"
RELATIVE = BASE + "place/rel/251fd3a0099e/15km-315deg-15-km-north-west-of-bamako"


def fixture_text() -> str:
    return VALID.read_text(encoding="utf-8")


def store_from(text: str) -> ox.Store:
    store = ox.Store()
    store.load(text.encode("utf-8"), format=ox.RdfFormat.TRIG)
    return store


def corrupt(old: str, new: str, *, count: int = 1) -> ox.Store:
    """The fixture with ``old`` replaced by ``new`` (``count=-1``: everywhere)."""
    text = fixture_text()
    assert old in text, f"fixture no longer contains {old!r}"
    return store_from(text.replace(old, new, count))


def violations_of(store: ox.Store) -> list[Violation]:
    result = validate_store(store)
    assert not result.conforms
    assert result.graphs_checked == 1
    return result.violations


def find(violations: list[Violation], focus: str, path: str | None) -> Violation:
    hits = [v for v in violations if v.focus == focus and v.path == path]
    assert hits, f"no violation on {focus} {path}; got:\n" + "\n".join(map(str, violations))
    return hits[0]


# --------------------------------------------------------------------------------------------
# The valid fixture
# --------------------------------------------------------------------------------------------

def test_valid_fixture_conforms_without_any_result() -> None:
    result = validate_store(load_files([VALID]))
    assert result == ValidationResult(conforms=True, graphs_checked=1, violations=[],
                                      seconds=result.seconds)
    assert "1 graph checked, 0 violations: conforms" in format_report(result)


def test_fixture_mentions_are_consistent_with_the_article_text() -> None:
    """Guard the fixture itself: each anchor is the text at its offsets in the article."""
    text = ("Gunmen attacked an army post near Kati on Friday, killing one soldier and wounding "
            "15 others, the army said. Two of the attackers were also killed, according to the "
            "army. The post lies about 15 km north-west of Bamako. Earlier this week, Mali's "
            "government condemned attacks on its forces.")
    anchors = list(load_files([VALID]).quads_for_pattern(None, ox.NamedNode(str(KG.anchorOf)),
                                                         None, None))
    assert len(anchors) == 12
    for quad in anchors:
        start, end = map(int, quad.subject.value.rsplit("#char=", 1)[1].split(","))
        assert text[start:end] == quad.object.value


# --------------------------------------------------------------------------------------------
# One corruption at a time
# --------------------------------------------------------------------------------------------

CASES = [
    # id, old, new, count, focus, path, value, words in the message
    ("negative fatalities", "kg:fatalities 1 ;", "kg:fatalities -1 ;", 1,
     ATTACK, KG.fatalities, "-1", "0 or more"),
    ("fatalities not an integer", "kg:fatalities 1 ;", "kg:fatalities 1.5 ;", 1,
     ATTACK, KG.fatalities, "1.5", "whole number"),
    ("earliest after latest",
     'sem:hasEarliestBeginTimeStamp "2022-07-18"^^xsd:date',
     'sem:hasEarliestBeginTimeStamp "2022-07-25"^^xsd:date', 1,
     STATEMENT, SEM.hasEarliestBeginTimeStamp, "2022-07-25", "backwards"),
    ("no event class", "a sem:Event, kg:ArmedAttack ;", "a sem:Event ;", 1,
     ATTACK, RDF.type, None, "event class"),
    ("two event classes", "a sem:Event, kg:ArmedAttack ;",
     "a sem:Event, kg:ArmedAttack, kg:Bombing ;", 1,
     ATTACK, RDF.type, None, "exactly one event class"),
    ("event class without sem:Event", "a sem:Event, kg:Statement ;", "a kg:Statement ;", 1,
     STATEMENT, None, STATEMENT, "sem:Event"),
    ("certainty not in the list", "kg:certainty kg:Reported", "kg:certainty kg:Probable", 1,
     ATTACK, KG.certainty, str(KG) + "Probable", "kg:Asserted"),
    ("two certainties", "kg:certainty kg:Reported", "kg:certainty kg:Reported, kg:Alleged", 1,
     ATTACK, KG.certainty, None, "exactly one certainty"),
    ("backwards character range", "#char=34,38", "#char=38,34", -1,
     KATI, GAF.denotedBy, ARTICLE + "#char=38,34", "backwards"),
    ("non-numeric character range", "#char=34,38", "#char=a,b", -1,
     KATI, GAF.denotedBy, ARTICLE + "#char=a,b", "ARTICLE#char=START,END"),
    ("anchor text of the wrong length", 'kg:anchorOf "Kati"', 'kg:anchorOf "Katibougou"', 1,
     ARTICLE + "#char=34,38", KG.anchorOf, "Katibougou", "END - START"),
    ("mention from another article", "gaf:denotedBy <article/test-post-attack#char=34,38>",
     "gaf:denotedBy <article/other-story#char=34,38>", 1,
     KATI, GAF.denotedBy, BASE + "article/other-story#char=34,38", "article"),
    ("latitude out of range", "geo:lat 12.74409", "geo:lat 123.0", 1,
     KATI, GEO.lat, None, "-90 and 90"),
    ("latitude without longitude", "geo:long -8.07245 ;", "", 1,
     KATI, GEO.lat, "12.74409", "no longitude"),
    ("place without label", 'rdfs:label "Kati" ;', "", 1,
     KATI, RDFS.label, None, "label"),
    ("actor label is a pronoun", 'rdfs:label "gunmen"', 'rdfs:label "He"', 1,
     GUNMEN, RDFS.label, "He", "pronoun"),
    ("actor without kind", "a sem:Actor, kg:ArmedGroup ;", "a sem:Actor ;", 1,
     GUNMEN, RDF.type, None, "kind"),
    ("actor with two labels", 'rdfs:label "gunmen" ;', 'rdfs:label "gunmen", "attackers" ;', 1,
     GUNMEN, RDFS.label, None, "exactly one label"),
    ("article without identifier", 'schema:identifier "test-post-attack" ;', "", 1,
     ARTICLE, SCHEMA.identifier, None, "identifier"),
    ("latest end not typed as a date",
     'sem:hasLatestEndTimeStamp "2022-07-22"^^xsd:date ;\n      kg:agent <actor/Q912>',
     'sem:hasLatestEndTimeStamp "2022-07-22" ;\n      kg:agent <actor/Q912>', 1,
     STATEMENT, SEM.hasLatestEndTimeStamp, "2022-07-22", "xsd:date"),
    ("impossible date",
     'sem:hasLatestEndTimeStamp "2022-07-22"^^xsd:date ;\n      kg:agent <actor/Q912>',
     'sem:hasLatestEndTimeStamp "2022-13-45"^^xsd:date ;\n      kg:agent <actor/Q912>', 1,
     STATEMENT, SEM.hasLatestEndTimeStamp, "2022-13-45", "valid xsd:date"),
    ("exact day differs from the bounds", 'sem:hasTimeStamp "2022-07-22"^^xsd:date',
     'sem:hasTimeStamp "2022-07-21"^^xsd:date', 1,
     ATTACK, SEM.hasTimeStamp, "2022-07-21", "same day"),
    ("agent not stated as sem:hasActor", "sem:hasActor <actor/Q912> ;", "", 1,
     STATEMENT, KG.agent, GOVERNMENT, "sem:hasActor"),
    ("agent is not an actor", "kg:agent <actor/armedgroup/gunmen> ;",
     "kg:agent <place/geonames/2455517> ;", 1,
     ATTACK, KG.agent, KATI, "sem:Actor"),
    ("Wikidata link in the wrong form", "owl:sameAs wd:Q912",
     "owl:sameAs <https://www.wikidata.org/wiki/Q912>", 1,
     GOVERNMENT, OWL.sameAs, "https://www.wikidata.org/wiki/Q912", "Wikidata"),
    ("GeoNames link without the final slash", "owl:sameAs <https://sws.geonames.org/2455517/>",
     "owl:sameAs <https://sws.geonames.org/2455517>", 1,
     KATI, OWL.sameAs, "https://sws.geonames.org/2455517", "GeoNames"),
    ("country code not ISO alpha-2",
     'kg:countryCode "ML" ;\n      gaf:denotedBy <article/test-post-attack#char=34,38>',
     'kg:countryCode "Mali" ;\n      gaf:denotedBy <article/test-post-attack#char=34,38>', 1,
     KATI, KG.countryCode, "Mali", "ISO 3166-1"),
    ("bearing of 360 degrees", "kg:bearing 315.0", "kg:bearing 360.0", 1,
     RELATIVE, KG.bearing, None, "below 360"),
    ("negative distance", "kg:distanceKm 15.0", "kg:distanceKm -15.0", 1,
     RELATIVE, KG.distanceKm, None, "0 or more"),
    ("relative place without anchor", "kg:relativeTo <place/geonames/2460596> ;", "", 1,
     RELATIVE, KG.relativeTo, None, "anchor place"),
    ("publication date as plain text", 'schema:datePublished "2022-07-22"^^xsd:date',
     'schema:datePublished "22 July 2022"', 1,
     ARTICLE, SCHEMA.datePublished, "22 July 2022", "publication date"),
    ("event without mention", "gaf:denotedBy <article/test-post-attack#char=7,15> ;", "", 1,
     ATTACK, GAF.denotedBy, None, "at least one mention"),
]


@pytest.mark.parametrize(("old", "new", "count", "focus", "path", "value", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_corruption_is_reported(old: str, new: str, count: int, focus: str, path,
                                     value: str | None, words: str) -> None:
    found = violations_of(corrupt(old, new, count=count))
    v = find(found, focus, None if path is None else str(path))
    if value is not None:
        assert v.value == value
    assert words in v.message
    assert v.severity == "Violation"
    assert v.graph == ARTICLE
    assert v.shape  # names the shape, for whoever maintains shapes/


def test_corruption_is_reported_only_where_it_is() -> None:
    """A single broken count yields one result, not a cascade over the graph."""
    found = violations_of(corrupt("kg:injured 15 ;", "kg:injured -15 ;"))
    assert [(v.focus, v.path) for v in found] == [(ATTACK, str(KG.injured))]


def test_numbers_out_of_range_keep_their_value() -> None:
    found = violations_of(corrupt("geo:lat 12.74409", "geo:lat 123.0"))
    assert float(find(found, KATI, str(GEO.lat)).value) == 123.0


def test_graph_must_describe_its_article() -> None:
    found = violations_of(corrupt("<article/test-post-attack> {", "<article/elsewhere> {"))
    v = find(found, BASE + "article/elsewhere", str(RDF.type))
    assert v.shape == GRAPH_ARTICLE_SHAPE
    assert "schema:NewsArticle" in v.message


# --------------------------------------------------------------------------------------------
# Stores, graphs and processes
# --------------------------------------------------------------------------------------------

def test_graph_of_the_rdf_mapper_conforms() -> None:
    """What kg_builder.rdf writes for a realistic extraction keeps the contract."""
    text = ("Militants attacked a checkpoint 70 km east of Bamako on Friday, the army said. "
            "Colonel Musa Diarra, who leads the army, condemned the attack.")

    def span(s: str, nth: int = 0) -> Span:
        i = -1
        for _ in range(nth + 1):
            i = text.index(s, i + 1)
        return Span(i, i + len(s), s)

    article = Article(id="mapper-1", text=text, url="https://news.example.org/1",
                      title="Checkpoint attacked",
                      published_datetime=dt.datetime(2022, 7, 22, 9, 30,
                                                     tzinfo=dt.UTC))
    ex = Extraction(article=article)
    ex.actors["m"] = Actor("m", "militants", "ArmedGroup", mentions=[span("Militants")])
    ex.actors["army"] = Actor("army", "Malian Armed Forces", "StateForce", {"army"},
                              [span("army"), span("army", 1)], country="ML")
    ex.actors["col"] = Actor("col", "Musa Diarra", "Person", {"Colonel Musa Diarra"},
                             [span("Colonel Musa Diarra")], wikidata="Q4115189")
    ex.places["bko"] = Place("bko", "Bamako", [span("Bamako")], geonames_id=2460596,
                             lat=12.65, lon=-8.0, country_code="ML")
    ex.places["rel"] = Place("rel", "70 km east of Bamako", [span("70 km east of Bamako")],
                             lat=12.65, lon=-7.354, country_code="ML", anchor="bko",
                             distance_km=70.0, bearing=90.0)
    ex.events.append(Event(
        "e1", "ArmedAttack", span("attacked"), span(text.split(" Colonel")[0]),
        "attack near Bamako", agents=["m"], targets=["army"], place="rel",
        earliest=dt.date(2022, 7, 22), latest=dt.date(2022, 7, 22), certainty="Reported",
        according_to="army"))
    ex.events.append(Event(
        "e2", "Statement", span("condemned"), span("Colonel Musa Diarra, who leads the army, "
                                                  "condemned the attack."),
        "army chief condemns attack", agents=["col"], earliest=dt.date(2022, 7, 18),
        latest=dt.date(2022, 7, 22)))
    ex.relations.append(Relation("col", "leaderOf", "army"))
    graph_iri, triples = rdf.extraction_triples(ex)
    store = ox.Store()
    replace_graph(store, graph_iri, triples)
    result = validate_store(store)
    assert result.conforms, format_report(result)
    assert result.violations == []


def test_validate_graph_accepts_an_rdflib_graph() -> None:
    store = load_files([VALID])
    graph = Graph().parse(data=store.dump(format=ox.RdfFormat.N_TRIPLES,
                                          from_graph=ox.NamedNode(ARTICLE)), format="nt")
    assert len(graph) == 124
    assert validate_graph(graph, load_shapes()) == []
    graph.set((URIRef(ARTICLE), SCHEMA.url, Literal("news.example.org")))  # not an xsd:anyURI
    found = validate_graph(graph, load_shapes(), graph_name="g")
    assert [(v.graph, v.focus, v.path) for v in found] == [("g", ARTICLE, str(SCHEMA.url))]


def test_default_graph_is_validated_too() -> None:
    """Triples outside named graphs (say, a Turtle file) are checked as one graph."""
    text = fixture_text().replace("<article/test-post-attack> {", "").rstrip().rstrip("}")
    store = ox.Store()
    store.load(text.replace("kg:fatalities 1 ;", "kg:fatalities -1 ;").encode(),
               format=ox.RdfFormat.TURTLE)
    result = validate_store(store)
    assert result.graphs_checked == 1
    assert [(v.graph, v.path) for v in result.violations] == [
        (DEFAULT_GRAPH_LABEL, str(KG.fatalities))]


def many_graphs() -> ox.Store:
    """Three article graphs, the second one broken."""
    text = fixture_text()
    store = ox.Store()
    for i in range(3):
        t = text.replace("article/test-post-attack", f"article/a{i}")
        if i == 1:
            t = t.replace("kg:fatalities 1 ;", "kg:fatalities -1 ;")
        store.load(t.encode(), format=ox.RdfFormat.TRIG)
    return store


def test_each_article_graph_is_validated_on_its_own() -> None:
    result = validate_store(many_graphs())
    assert result.graphs_checked == 3
    assert [(v.graph, v.focus.rsplit("/", 1)[1], v.path) for v in result.violations] == [
        (BASE + "article/a1", "5f216574d098216a", str(KG.fatalities))]


def test_process_pool_gives_the_same_result() -> None:
    store = many_graphs()
    one = validate_store(store, workers=1)
    two = validate_store(store, workers=2)
    assert (two.conforms, two.graphs_checked) == (False, 3)
    assert sorted(map(repr, two.violations)) == sorted(map(repr, one.violations))


def test_graph_with_a_blank_name_is_checked_for_content() -> None:
    store = store_from(fixture_text().replace("<article/test-post-attack> {", "_:g {")
                       .replace("kg:fatalities 1 ;", "kg:fatalities -1 ;"))
    result = validate_store(store)
    assert [(v.graph.startswith("_:"), v.path) for v in result.violations] == [
        (True, str(KG.fatalities))]


def test_meta_graph_is_not_validated() -> None:
    store = load_files([VALID])
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/kg-builder/meta"),
                      ox.NamedNode("https://w3id.org/kg-builder/meta#base"),
                      ox.Literal(BASE), ox.NamedNode("https://w3id.org/kg-builder/meta")))
    assert validate_store(store).graphs_checked == 1


# --------------------------------------------------------------------------------------------
# Shapes loading
# --------------------------------------------------------------------------------------------

def test_shapes_are_loaded_once() -> None:
    assert load_shapes() is load_shapes()
    assert len(load_shapes()) > 100


def test_custom_shapes_replace_the_bundled_ones(tmp_path: Path) -> None:
    shapes = tmp_path / "only-labels.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<urn:x:EventsHaveTwoLabels> a sh:NodeShape ; sh:targetClass sem:Event ;\n"
        "  sh:property [ sh:path rdfs:label ; sh:minCount 2 ; sh:message \"two labels\" ] .\n",
        encoding="utf-8")
    expected = {(ATTACK, "two labels"), (STATEMENT, "two labels")}
    result = validate_store(load_files([VALID]), shapes_paths=[tmp_path])
    assert {(v.focus, v.message) for v in result.violations} == expected
    # A graph of shapes not read from files reaches worker processes too.
    in_memory = Graph().parse(shapes)
    result = validate_store(many_graphs(), shapes=in_memory, workers=2)
    assert result.graphs_checked == 3
    assert {v.message for v in result.violations} == {"two labels"}
    assert len(result.violations) == 6


def test_unreadable_shapes_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle .", encoding="utf-8")
    with pytest.raises(ShapesError, match="bad.ttl"):
        load_shapes([bad])
    with pytest.raises(ShapesError, match="missing.ttl"):
        load_shapes([tmp_path / "missing.ttl"])


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------

def test_report_lines_use_prefixed_names_and_short_instance_iris() -> None:
    result = validate_store(corrupt("kg:fatalities 1 ;", "kg:fatalities -1 ;"))
    report = format_report(result)
    lines = report.splitlines()
    assert lines[0] == "article/test-post-attack (1 problem)"
    assert lines[1].startswith("  event/5f216574d098216a kg:fatalities: value -1: "
                               "The number of people killed")
    assert lines[1].endswith("(Violation)")
    assert lines[-1] == "1 graph checked, 1 violation"


def test_report_quotes_text_values_and_shortens_iri_values() -> None:
    found = violations_of(corrupt('rdfs:label "gunmen"', 'rdfs:label "He"'))
    line = format_report(ValidationResult(False, 1, found)).splitlines()[1]
    assert line.startswith('  actor/armedgroup/gunmen rdfs:label: value "He": ')
    found = violations_of(corrupt("kg:certainty kg:Reported", "kg:certainty kg:Probable"))
    line = format_report(ValidationResult(False, 1, found)).splitlines()[1]
    assert "kg:certainty: value kg:Probable: " in line


def test_report_shortens_long_text_values() -> None:
    sentence = "Gunmen attacked an army post near Kati on Friday, killing one soldier and more."
    found = [Violation(ARTICLE, ARTICLE + "#char=0,10", str(KG.anchorOf), sentence, "too long",
                       "Violation", "s")]
    line = format_report(ValidationResult(False, 1, found)).splitlines()[1]
    assert line.startswith("  article/test-post-attack#char=0,10 kg:anchorOf: "
                           'value "Gunmen attacked')
    assert '…": too long (Violation)' in line
    assert sentence not in line


def test_report_is_capped_but_counts_everything() -> None:
    found = [Violation(ARTICLE, ATTACK, str(KG.fatalities), str(-i), "bad", "Violation", "s")
             for i in range(1, 8)]
    report = format_report(ValidationResult(False, 1, found), max_violations=3)
    lines = report.splitlines()
    assert len([line for line in lines if line.startswith("  ")]) == 3
    assert "… 4 more not shown" in lines
    assert lines[-1] == "1 graph checked, 7 violations"
    assert len(format_report(ValidationResult(False, 1, found), max_violations=None)
               .splitlines()) == 9


def test_warnings_do_not_fail_validation() -> None:
    warning = Violation(ARTICLE, ATTACK, None, None, "check this", "Warning", "s")
    result = ValidationResult(conforms=True, graphs_checked=2, violations=[warning])
    assert result.violation_count == 0
    assert format_report(result).splitlines()[-1] == (
        "2 graphs checked, 0 violations, 1 warning: conforms")


def test_command_line_engines_give_the_same_report(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg_builder.cli import main

    bad = tmp_path / "bad.trig"
    bad.write_text(fixture_text().replace("kg:fatalities 1 ;", "kg:fatalities -1 ;", 1),
                   encoding="utf-8")
    runner = CliRunner()
    reports = {}
    for engine in ("sparql", "pyshacl"):
        result = runner.invoke(main, ["validate", str(bad), "--engine", engine])
        assert result.exit_code == 1, result.output
        assert "kg:fatalities: value -1" in result.stdout
        reports[engine] = result.stdout
    assert reports["sparql"] == reports["pyshacl"]
    # shapes the SPARQL engine cannot compile: pySHACL does the work, and says so
    shapes = tmp_path / "node.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/shapes#> .
ex:Labelled a sh:NodeShape ; sh:property [ sh:path rdfs:label ; sh:minCount 1 ] .
ex:Event a sh:NodeShape ; sh:targetClass sem:Event ; sh:node ex:Labelled .
""", encoding="utf-8")
    result = runner.invoke(main, ["validate", str(bad), "--shapes", str(shapes)])
    assert result.exit_code == 0, result.output
    assert "validated with pySHACL" in result.stderr
    assert result.stdout.strip().endswith("conforms")
