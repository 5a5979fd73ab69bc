"""The SPARQL validation engine (kg_builder/shacl_sparql.py) gives exactly pySHACL's results.

Every comparison checks that the fast engine really ran (``result.engine == "sparql"``): a
silent fallback to pySHACL would otherwise make the two sides equal by construction.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph

from kg_builder.cli import main
from kg_builder.shacl_sparql import UnsupportedShapes, compile_shapes
from kg_builder.store import load_files
from kg_builder.validate import (
    DEFAULT_GRAPH_LABEL,
    GRAPH_ARTICLE_SHAPE,
    ValidationResult,
    Violation,
    load_shapes,
    validate_store,
)

sys.path.insert(0, str(Path(__file__).parent))
from test_validate import (  # noqa: E402
    ARTICLE,
    ATTACK,
    BASE,
    CASES,
    KATI,
    VALID,
    corrupt,
    fixture_text,
    many_graphs,
    store_from,
)

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix kg: <https://w3id.org/kg-builder/ontology#> .
@prefix geo: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
"""


def both(store: ox.Store, **kwargs) -> tuple[ValidationResult, ValidationResult]:
    """Validate with each engine; the SPARQL one must not have fallen back."""
    fast = validate_store(store, engine="sparql", **kwargs)
    ref = validate_store(store, engine="pyshacl", **kwargs)
    assert fast.engine == "sparql", fast.fallback_reason
    assert ref.engine == "pyshacl"
    return fast, ref


def unlabelled(violations: list[Violation]) -> list[Violation]:
    """Blank-node labels of focus and value masked.

    pySHACL sees each graph after an N-Triples round trip, which relabels blank nodes; the SPARQL
    engine reports the labels the store itself uses. Everything else must match exactly.
    """
    def mask(text: str | None) -> str | None:
        return "_:b" if text is not None and text.startswith("_:") else text
    return [dataclasses.replace(v, focus=mask(v.focus), value=mask(v.value)) for v in violations]


def assert_same(store: ox.Store, **kwargs) -> list:
    fast, ref = both(store, **kwargs)
    # Sorted on every field: pySHACL's own order among results of one node, property, value
    # and shape (several messages) is the arbitrary order of its report graph.
    def key(v: Violation) -> tuple[str, ...]:
        return tuple(x or "" for x in dataclasses.astuple(v))
    assert sorted(unlabelled(fast.violations), key=key) == sorted(unlabelled(ref.violations),
                                                                  key=key)
    assert [v.graph for v in fast.violations] == [v.graph for v in ref.violations]
    assert (fast.conforms, fast.graphs_checked) == (ref.conforms, ref.graphs_checked)
    return fast.violations


# --------------------------------------------------------------------------------------------
# The 32 corruptions of test_validate.py
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "count"), [c[1:4] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_corruption_gives_the_same_results(old: str, new: str, count: int) -> None:
    found = assert_same(corrupt(old, new, count=count))
    assert found, "the corruption must be reported"


def test_all_corruptions_at_once_in_separate_graphs() -> None:
    """32 broken copies of the fixture in one store: still per-graph, still identical."""
    store = ox.Store()
    text = fixture_text()
    for i, (_, old, new, count, *_rest) in enumerate(CASES):
        t = text.replace(old, new, count).replace("article/test-post-attack", f"article/c{i}")
        store.load(t.encode(), format=ox.RdfFormat.TRIG)
    found = assert_same(store)
    assert {v.graph for v in found} == {BASE + f"article/c{i}" for i in range(len(CASES))}


# --------------------------------------------------------------------------------------------
# Clean graphs
# --------------------------------------------------------------------------------------------

def test_valid_fixture_conforms_with_the_sparql_engine() -> None:
    result = validate_store(load_files([VALID]))
    assert (result.engine, result.conforms, result.violations) == ("sparql", True, [])


@pytest.fixture(scope="module")
def built_store(tmp_path_factory) -> Path:
    """The bundled examples and a few synthetic benchmark articles, built by the real CLI."""
    sys.path.insert(0, str(ROOT))
    from bench import corpus

    folder = tmp_path_factory.mktemp("sparql-validate")
    synthetic = folder / "synthetic.jsonl"
    corpus.write_jsonl(synthetic, 12)
    store = folder / "kg-store"
    result = CliRunner().invoke(main, [
        "build", str(ROOT / "examples" / "sahel-example.txt"),
        str(ROOT / "examples" / "sahel-example.jsonl"), str(synthetic),
        "--published", "2025-03-13", "--store", str(store), "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return store


def test_built_examples_conform_with_both_engines(built_store: Path) -> None:
    store = ox.Store.read_only(str(built_store))
    found = assert_same(store)
    assert found == []
    assert validate_store(store).graphs_checked >= 14


def test_built_store_with_injected_corruptions(built_store: Path, tmp_path: Path) -> None:
    """Break real built graphs in several ways (some graphs only) and compare the engines."""
    src = ox.Store.read_only(str(built_store))
    store = ox.Store()
    store.extend(src)
    kg = "https://w3id.org/kg-builder/ontology#"
    rdfs_label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    graphs = sorted((g for g in store.named_graphs() if "article/" in g.value), key=str)
    # 1: drop every label in one graph; 2: a count of -3; 3: a place typed only in another graph
    g1, g2, g3 = graphs[0], graphs[1], graphs[2]
    for q in list(store.quads_for_pattern(None, rdfs_label, None, g1)):
        store.remove(q)
    events = [q.subject for q in store.quads_for_pattern(
        None, ox.NamedNode(kg + "certainty"), None, g2)]
    assert events
    minus_three = ox.Literal("-3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    store.add(ox.Quad(events[0], ox.NamedNode(kg + "fatalities"), minus_three, g2))
    store.add(ox.Quad(events[0], ox.NamedNode("http://semanticweb.cs.vu.nl/2009/11/sem/hasPlace"),
                      ox.NamedNode(BASE + "place/only-elsewhere"), g2))
    store.add(ox.Quad(ox.NamedNode(BASE + "place/only-elsewhere"),
                      ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("http://semanticweb.cs.vu.nl/2009/11/sem/Place"), g3))
    found = assert_same(store)
    broken = {v.graph for v in found}
    assert {g1.value, g2.value, g3.value} <= broken
    assert any(v.graph == g2.value and v.value == BASE + "place/only-elsewhere" for v in found)
    assert len(broken) == 3


# --------------------------------------------------------------------------------------------
# Graphs stay apart
# --------------------------------------------------------------------------------------------

def two_graph_store(first: str, second: str) -> ox.Store:
    """The fixture twice, as article graphs a0 and a1, each edited by its own replacement."""
    store = ox.Store()
    text = fixture_text()
    for i, edit in enumerate((first, second)):
        t = text.replace("article/test-post-attack", f"article/a{i}")
        if edit:
            old, new = edit.split("=>")
            assert old in t
            t = t.replace(old, new)
        store.load(t.encode(), format=ox.RdfFormat.TRIG)
    return store


def test_a_triple_in_one_graph_never_satisfies_a_constraint_in_another() -> None:
    # a1's Kati loses its types: the same IRI is still a sem:Place in a0.
    store = two_graph_store("", "a sem:Place ;\n      rdfs:label \"Kati\"=>rdfs:label \"Kati\"")
    found = assert_same(store)
    assert found and {v.graph for v in found} == {BASE + "article/a1"}
    assert any(v.value == KATI and v.path.endswith("hasPlace") for v in found)


def test_a_triple_in_one_graph_never_violates_a_constraint_in_another() -> None:
    # a0 and a1 each give one (different) death toll for the same event: one per graph is fine.
    store = two_graph_store("kg:fatalities 1 ;=>kg:fatalities 2 ;", "")
    assert_same(store)
    assert validate_store(store).violations == []


def test_only_the_broken_graph_is_reported() -> None:
    found = assert_same(many_graphs())
    assert [(v.graph, v.focus) for v in found] == [(BASE + "article/a1", ATTACK)]


def test_default_graph_and_named_graphs_together() -> None:
    text = fixture_text().replace("<article/test-post-attack> {", "").rstrip().rstrip("}")
    store = ox.Store()
    store.load(text.replace("kg:fatalities 1 ;", "kg:fatalities -1 ;").encode(),
               format=ox.RdfFormat.TURTLE)
    store.load(fixture_text().replace('rdfs:label "Kati" ;', "").encode(),
               format=ox.RdfFormat.TRIG)
    found = assert_same(store)
    assert [v.graph for v in found] == [DEFAULT_GRAPH_LABEL, ARTICLE]


def test_blank_graph_names_meta_graph_and_article_check() -> None:
    store = store_from(fixture_text().replace("<article/test-post-attack> {", "_:g {")
                       .replace("kg:fatalities 1 ;", "kg:fatalities -1 ;"))
    store.load(fixture_text().replace("<article/test-post-attack> {", "<article/elsewhere> {")
               .encode(), format=ox.RdfFormat.TRIG)
    meta = ox.NamedNode("https://w3id.org/kg-builder/meta")
    store.add(ox.Quad(meta, ox.NamedNode("https://w3id.org/kg-builder/meta#base"),
                      ox.Literal(BASE), meta))
    found = assert_same(store)
    assert any(v.shape == GRAPH_ARTICLE_SHAPE for v in found)
    assert any(v.graph.startswith("_:") for v in found)
    assert validate_store(store).graphs_checked == 2


# --------------------------------------------------------------------------------------------
# Literal edge cases, where SPARQL and rdflib/pySHACL differ unless handled
# --------------------------------------------------------------------------------------------

EDGES = [
    ("integer with a plus sign", "kg:fatalities 1 ;", 'kg:fatalities "+01"^^xsd:integer ;'),
    ("integer with spaces", "kg:fatalities 1 ;", 'kg:fatalities " 1 "^^xsd:integer ;'),
    ("ill-typed integer", "kg:fatalities 1 ;", 'kg:fatalities "one"^^xsd:integer ;'),
    ("decimal written as exponent", "geo:lat 12.74409", 'geo:lat "1.2e1"^^xsd:decimal'),
    ("latitude exactly 90", "geo:lat 12.74409", "geo:lat 90.0"),
    ("latitude as integer 90", "geo:lat 12.74409", "geo:lat 90"),
    ("bearing exactly 0", "kg:bearing 315.0", "kg:bearing 0.0"),
    ("bearing as a string", "kg:bearing 315.0", 'kg:bearing "315"'),
    ("leap day", 'sem:hasTimeStamp "2022-07-22"^^xsd:date',
     'sem:hasTimeStamp "2024-02-29"^^xsd:date'),
    ("not a leap year", 'sem:hasTimeStamp "2022-07-22"^^xsd:date',
     'sem:hasTimeStamp "2023-02-29"^^xsd:date'),
    ("date with a time zone", 'schema:datePublished "2022-07-22"^^xsd:date',
     'schema:datePublished "2022-07-22Z"^^xsd:date'),
    ("dateTime published", 'schema:datePublished "2022-07-22"^^xsd:date',
     'schema:datePublished "2022-07-22T06:00:00+02:00"^^xsd:dateTime'),
    ("dateTime with fraction", 'schema:datePublished "2022-07-22"^^xsd:date',
     'schema:datePublished "2022-07-22T06:00:00.1234567Z"^^xsd:dateTime'),
    ("label with only a control separator", 'rdfs:label "Kati"', 'rdfs:label "\\u001C"'),
    ("label with only spaces", 'rdfs:label "Kati"', 'rdfs:label "   "'),
    ("label with a trailing newline", 'kg:countryCode "ML" ;\n      gaf:denotedBy '
     "<article/test-post-attack#char=34,38>",
     'kg:countryCode "ML\\n" ;\n      gaf:denotedBy <article/test-post-attack#char=34,38>'),
    ("non-ASCII country code", 'kg:countryCode "ML" ;\n      gaf:denotedBy '
     "<article/test-post-attack#char=34,38>",
     'kg:countryCode "ＭＬ" ;\n      gaf:denotedBy <article/test-post-attack#char=34,38>'),
    ("language-tagged label", 'rdfs:label "Kati"', 'rdfs:label "Kati"@fr'),
    ("certainty as a string", "kg:certainty kg:Reported", 'kg:certainty "Reported"'),
    ("time range with a dateTime", 'sem:hasEarliestBeginTimeStamp "2022-07-18"^^xsd:date',
     'sem:hasEarliestBeginTimeStamp "2022-07-18T00:00:00"^^xsd:dateTime'),
    ("time range as strings", 'sem:hasEarliestBeginTimeStamp "2022-07-18"^^xsd:date',
     'sem:hasEarliestBeginTimeStamp "2022-07-18"'),
    ("label that is a number", 'rdfs:label "Kati"', "rdfs:label 42"),
    ("blank node as a place", "sem:hasPlace <place/geonames/2455517>", "sem:hasPlace []"),
    ("non-ASCII mention IRI", "gaf:denotedBy <article/test-post-attack#char=34,38>",
     "gaf:denotedBy <article/tést-pöst#char=34,38>"),
    ("GeoNames id in Arabic-Indic digits", "owl:sameAs <https://sws.geonames.org/2455517/>",
     "owl:sameAs <https://sws.geonames.org/\u0662\u0664\u0665\u0665\u0665\u0661\u0667/>"),
]


@pytest.mark.parametrize(("old", "new"), [e[1:] for e in EDGES], ids=[e[0] for e in EDGES])
def test_literal_edge_cases_give_the_same_results(old: str, new: str) -> None:
    assert_same(corrupt(old, new))


# The shapes' SPARQL targets are written for speed (a length test before the pronoun list, a
# hash anti-join on the article IRI before "#char="): these cases sit on the edges of those forms.
TARGET_EDGES = [
    # id, old, new, reported at all
    ("pronoun with a language tag", 'rdfs:label "gunmen"', 'rdfs:label "THEY"@en', True),
    ("longest pronoun", 'rdfs:label "gunmen"', 'rdfs:label "Somebody"', True),
    ("lower-cases to a longer string", 'rdfs:label "gunmen"', 'rdfs:label "\u0130t"', False),
    ("nine letters", 'rdfs:label "gunmen"', 'rdfs:label "everyones"', False),
    ("mention without offsets", "gaf:denotedBy <article/test-post-attack#char=34,38>",
     "gaf:denotedBy <article/test-post-attack/no-offsets>", True),
    ("mention under the article's IRI", "gaf:denotedBy <article/test-post-attack#char=34,38>",
     "gaf:denotedBy <article/test-post-attack/x#char=34,38>", True),
    ("mention of another article", "gaf:denotedBy <article/test-post-attack#char=34,38>",
     "gaf:denotedBy <article/test-post-attack-2#char=34,38>", True),
]


@pytest.mark.parametrize(("old", "new", "reported"), [e[1:] for e in TARGET_EDGES],
                         ids=[e[0] for e in TARGET_EDGES])
def test_target_edge_cases_give_the_same_results(old: str, new: str, reported: bool) -> None:
    found = assert_same(corrupt(old, new))
    assert bool(found) == reported, found


def test_min_count_shared_by_shapes_reports_each_shape() -> None:
    """Event, actor and place labels share one anti-join; each shape still reports its own."""
    store = corrupt('rdfs:label "', 'skos:altLabel "', count=-1)
    found = assert_same(store)
    shapes = {v.shape.rsplit("#", 1)[1] for v in found if v.path and v.path.endswith("#label")}
    assert {"Event-label", "Actor-label", "Place-label"} <= shapes


# --------------------------------------------------------------------------------------------
# Custom shapes: compiled when supported, pySHACL otherwise
# --------------------------------------------------------------------------------------------

def shapes_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "custom.ttl"
    path.write_text(PREFIXES + body, encoding="utf-8")
    return path


def test_custom_node_shape_with_nested_property_shape(tmp_path: Path) -> None:
    path = shapes_file(tmp_path, """
<urn:x:Events> a sh:NodeShape ; sh:targetClass sem:Event ;
  sh:property [ sh:path rdfs:label ; sh:minCount 2 ; sh:message "two labels" ] ;
  sh:property [ sh:path kg:fatalities ; sh:maxInclusive 0 ; sh:severity sh:Warning ] .
""")
    found = assert_same(many_graphs(), shapes_paths=[path])
    assert "two labels" in {v.message for v in found}
    assert any(v.severity == "Warning" for v in found)
    assert all(v.shape.startswith("_:") for v in found)


def test_default_messages_are_pyshacl_s(tmp_path: Path) -> None:
    path = shapes_file(tmp_path, """
<urn:x:Places> a sh:PropertyShape ; sh:targetClass sem:Place ; sh:path geo:lat ;
  sh:datatype xsd:integer ; sh:maxExclusive 10 .
<urn:x:Labels> a sh:PropertyShape ; sh:targetClass sem:Place ; sh:path rdfs:label ;
  sh:pattern "^[a-z]+$" ; sh:flags "i" ; sh:class sem:Place ; sh:nodeKind sh:IRI .
""")
    found = assert_same(load_files([VALID]), shapes_paths=[path])
    messages = {v.message for v in found}
    assert "Value is not Literal with datatype xsd:integer" in messages
    assert "Value does not have class sem:Place" in messages
    assert any(m.startswith("Value does not match pattern") for m in messages)


def test_sparql_constraint_messages_fill_variables(tmp_path: Path) -> None:
    path = shapes_file(tmp_path, """
<urn:x:Big> a sh:NodeShape ; sh:targetSubjectsOf kg:fatalities ;
  sh:sparql [ sh:message "{$this} killed {?n} ({?value})" ;
    sh:select '''SELECT $this ?n WHERE {
        $this <https://w3id.org/kg-builder/ontology#fatalities> ?n . FILTER(?n >= 1) }''' ] .
""")
    found = assert_same(many_graphs(), shapes_paths=[path])
    assert len(found) == 2
    assert found[0].message == f"{ATTACK} killed 1 ({ATTACK})"


UNSUPPORTED = [
    ("target node", "<urn:x:S> sh:targetNode <urn:x:n> ; sh:property [ sh:path rdfs:label ; "
                    "sh:minCount 1 ; sh:message \"m\" ] ."),
    ("inverse path", "<urn:x:S> sh:targetClass sem:Place ; sh:property [ sh:path [ sh:inversePath "
                     "sem:hasPlace ] ; sh:minCount 1 ; sh:message \"m\" ] ."),
    ("sh:node", "<urn:x:S> sh:targetClass sem:Event ; sh:node <urn:x:T> . "
                "<urn:x:T> sh:nodeKind sh:IRI ."),
    ("sh:hasValue", "<urn:x:S> sh:targetClass sem:Event ; sh:path kg:certainty ; "
                    "sh:hasValue kg:Reported ."),
    ("OPTIONAL in a SPARQL constraint",
     "<urn:x:S> sh:targetClass sem:Event ; sh:sparql [ sh:select "
     "\"SELECT $this WHERE { OPTIONAL { $this <https://w3id.org/kg-builder/ontology#agent> ?a } "
     "FILTER(!BOUND(?a)) }\" ] ."),
    ("minCount without message", "<urn:x:S> sh:targetClass sem:Event ; sh:path kg:agent ; "
                                 "sh:minCount 3 ."),
]


@pytest.mark.parametrize("body", [u[1] for u in UNSUPPORTED], ids=[u[0] for u in UNSUPPORTED])
def test_unsupported_shapes_fall_back_to_pyshacl(tmp_path: Path, body: str) -> None:
    path = shapes_file(tmp_path, body)
    with pytest.raises(UnsupportedShapes):
        compile_shapes(Graph().parse(path))
    store = corrupt('rdfs:label "Kati" ;', "")
    fast = validate_store(store, shapes_paths=[path])
    ref = validate_store(store, shapes_paths=[path], engine="pyshacl")
    assert fast.engine == "pyshacl" and fast.fallback_reason
    assert fast.violations == ref.violations


def test_bundled_shapes_compile_completely() -> None:
    checks = compile_shapes(load_shapes())
    shapes = {str(c.shape) for c, _ in checks}
    declared = {str(s) for s in load_shapes().subjects(
        predicate=None, object=None) if str(s).startswith("https://w3id.org/kg-builder/shapes#")}
    # every shape with a target yields at least one check (kgsh:BackwardsRange is a constraint)
    assert declared - shapes == {"https://w3id.org/kg-builder/shapes#BackwardsRange"}


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="engine"):
        validate_store(ox.Store(), engine="fast")
