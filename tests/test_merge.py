"""One event across articles: the merge rule on its own (claims built by hand) and on wire-style
reports built through the real pipeline (tests/fixtures/wire/: three reports of one checkpoint
attack near Ouallam with different wording and figures, two reports of a market attack in
Tillabéri on the same day, and a corrected re-send)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg_builder import iris
from kg_builder.build import BuildOptions, build_into
from kg_builder.cli import main
from kg_builder.merge import (
    MAX_SPAN_DAYS,
    Claim,
    MergeSettings,
    cluster,
    compatible,
    conflict,
    haversine_km,
    match,
)
from kg_builder.readers import read_inputs

WIRE = Path(__file__).parent / "fixtures" / "wire"
OUALLAM = ["ouallam-continental.json", "ouallam-dispatch.json", "ouallam-sahelwire.json"]
TILLABERI = ["tillaberi-continental.json", "tillaberi-sahelwire.json"]
B = iris.DEFAULT_BASE
A_SW, A_AC, A_DISPATCH = (B + "article/" + x for x in
                          ("sw-2024-0312-017", "ac-0312-niger-attack", "dispatch-88231"))
T_SW, T_AC = B + "article/sw-2024-0312-021", B + "article/ac-0312-tillaberi-market"
PREFIXES = """
PREFIX kg: <https://w3id.org/kg-builder/ontology#>
PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
PREFIX gaf: <http://groundedannotationframework.org/gaf#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
"""
D = dt.date(2024, 3, 11)


# ----------------------------------------------------------------------------- the rule alone

def claim(graph: str = "g1", type: str = "ArmedAttack", earliest: dt.date | None = D,
          latest: dt.date | None = D, point: tuple[float, float] | None = (14.32, 2.09),
          slack: float = 0.0, country: str | None = "NE", participants: tuple[str, ...] = (),
          own: str | None = None) -> Claim:
    own = own or f"{B}event/{graph}"
    return Claim(graph=graph, event=own, own=own, type=type, earliest=earliest, latest=latest,
                 point=point, slack_km=slack, country=country,
                 participants=frozenset(participants))


S = MergeSettings()


def test_compatible_types_are_the_violent_group_or_equal():
    assert compatible("ArmedAttack", "Killing") and compatible("Bombing", "ArmedClash")
    assert compatible("Protest", "Protest")
    assert not compatible("ArmedAttack", "Abduction")
    assert not compatible("Protest", "Coup")
    assert not compatible(None, "ArmedAttack")


def test_same_place_same_day_compatible_type_merges():
    s = match(claim("g1", "ArmedAttack"), claim("g2", "Killing"), S)
    assert s is not None and s[0] == 1 and s[-1] == 0  # near, types differ
    equal = match(claim("g1"), claim("g2"), S)
    assert equal is not None and equal > s  # an equal type scores higher
    # but place and day weigh more than the name reporters give the event
    next_day = match(claim("g1"), claim("g2", earliest=D + dt.timedelta(days=1),
                                        latest=D + dt.timedelta(days=1)), S)
    assert next_day is not None and s > next_day


def test_claims_of_one_article_never_merge():
    assert match(claim("g1"), claim("g1", own=B + "event/other"), S) is None


def test_incompatible_types_do_not_merge():
    assert match(claim("g1", "ArmedAttack"), claim("g2", "Abduction"), S) is None


def test_dates_must_overlap_within_the_tolerance():
    later = claim("g2", earliest=D + dt.timedelta(days=1), latest=D + dt.timedelta(days=1))
    assert match(claim("g1"), later, S) is not None                      # one day apart: default
    assert match(claim("g1"), later, MergeSettings(days=0)) is None       # strict overlap
    far = claim("g2", earliest=D + dt.timedelta(days=3), latest=D + dt.timedelta(days=3))
    assert match(claim("g1"), far, S) is None
    week = claim("g2", earliest=D - dt.timedelta(days=6), latest=D)      # "last week"
    assert match(claim("g1"), week, MergeSettings(days=0)) is not None


def test_vague_or_half_dated_claims_never_merge():
    # only the latest bound (the publication date): no merge on that alone
    assert match(claim("g1"), claim("g2", earliest=None), S) is None
    assert match(claim("g1", latest=None), claim("g2"), S) is None
    year = claim("g2", earliest=dt.date(2024, 1, 1), latest=dt.date(2024, 12, 31))
    assert match(claim("g1"), year, S) is None
    span = claim("g2", earliest=D - dt.timedelta(days=MAX_SPAN_DAYS + 1), latest=D)
    assert match(claim("g1"), span, S) is None


def test_distance_threshold_and_veto():
    ouallam, tillaberi = (14.31641, 2.08597), (14.20711, 1.45418)
    assert 60 < haversine_km(ouallam, tillaberi) < 80
    a = claim("g1", point=ouallam, participants=("Q1",))
    b = claim("g2", point=tillaberi, participants=("Q1",))
    # two precise places 69 km apart: two events, even with a shared participant
    assert match(a, b, S) is None
    assert match(a, b, MergeSettings(km=100)) is not None
    near = claim("g2", point=(14.49627, 2.08597))  # 20 km north
    assert match(a, near, S) is not None
    assert match(a, near, MergeSettings(km=10)) is None
    # a relative place with no bearing: its anchor's point, uncertain by the distance
    vague = claim("g2", point=(14.20711, 1.45418), slack=60.0)
    assert match(a, vague, S) is not None


def test_without_a_precise_place_a_shared_participant_is_needed():
    a = claim("g1", participants=("actor/Q7",))
    nowhere = claim("g2", point=None, participants=())
    assert match(a, nowhere, S) is None
    assert match(a, claim("g2", point=None, participants=("actor/Q7",)), S) is not None
    # a conflicting country vetoes
    assert match(a, claim("g2", point=None, country="ML", participants=("actor/Q7",)), S) is None


def test_no_merge_setting():
    assert match(claim("g1"), claim("g2"), MergeSettings(enabled=False)) is None


def test_clusters_chain_but_never_hold_conflicts_or_two_claims_of_one_article():
    # g1 — g2 — g3 in a line, 20 km apart: g1 and g3 are 40 km apart, so g3 may not join
    c1 = claim("g1", point=(14.0, 2.0))
    c2 = claim("g2", point=(14.18, 2.0))
    c3 = claim("g3", point=(14.36, 2.0))
    assert conflict(c1, c3, S) and not conflict(c1, c2, S)
    groups = cluster([c3, c1, c2], S)
    assert sorted(len(g) for g in groups) == [1, 2]
    assert [[c.graph for c in g] for g in groups] == [[c.graph for c in g]
                                                      for g in cluster([c1, c2, c3], S)]
    # with a wider radius one event, named by the smallest own IRI
    wide = cluster([c3, c1, c2], MergeSettings(km=50))
    assert len(wide) == 1 and wide[0][0].own == min(c.own for c in (c1, c2, c3))
    # two events of one article never share an event, even when both match a third report
    x1 = claim("x", own=B + "event/x1", type="ArmedAttack")
    x2 = claim("x", own=B + "event/x2", type="Killing")
    y = claim("y", type="Killing")
    groups = cluster([x1, x2, y], S)
    assert sorted(len(g) for g in groups) == [1, 2]
    assert {c.own for g in groups if len(g) == 2 for c in g} == {B + "event/x2", y.own}


def test_settings_round_trip_through_the_store_meta():
    s = MergeSettings(enabled=False, days=3, km=12.5)
    assert MergeSettings.from_meta(s.to_meta()) == s
    assert MergeSettings.from_meta(None) == MergeSettings()
    assert MergeSettings.from_meta("{broken") == MergeSettings()


def test_event_variants_tell_apart_events_on_one_trigger():
    rows = [("Mutiny", 10, "2012-01-01", "2012-12-31", "Mutiny (2012)"),
            ("Mutiny", 10, "2020-01-01", "2020-12-31", "Mutiny (2020)"),
            ("Coup", 10, "", "", "Coup")]
    variants = iris.event_variants(rows)
    assert variants == ["2012-01-01/2012-12-31", "2020-01-01/2020-12-31", ""]
    # order-independent: the variant depends on content, not on position
    assert iris.event_variants(rows[::-1]) == variants[::-1]
    same = iris.event_variants([rows[0], rows[0]])
    assert len(set(same)) == 2
    assert iris.event_iri(B, "a", "Coup", 10) == iris.event_iri(B, "a", "Coup", 10, "")


# ----------------------------------------------------------------------------- real reports

def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def select(store: ox.Store, q: str) -> list[dict[str, str | None]]:
    result = store.query(PREFIXES + q, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: (sol[n].value if sol[n] is not None else None) for n in names} for sol in result]


@pytest.fixture(scope="module")
def wire_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wire") / "kg-store"
    res = run("build", *(str(WIRE / f) for f in OUALLAM + TILLABERI), "--store", str(path), "-q")
    assert res.exit_code == 0, res.output
    return path


def claims_by_event(store: ox.Store) -> dict[str, dict[str, dict[str, str | None]]]:
    """event IRI → article graph → that article's type, label, fatalities, earliest."""
    rows = select(store, """SELECT ?e ?g ?t ?l ?f ?b WHERE { GRAPH ?g {
        ?e a sem:Event, ?t ; rdfs:label ?l . FILTER(?t != sem:Event)
        OPTIONAL { ?e kg:fatalities ?f } OPTIONAL { ?e sem:hasEarliestBeginTimeStamp ?b } } }""")
    out: dict[str, dict[str, dict[str, str | None]]] = {}
    for r in rows:
        out.setdefault(r["e"], {})[r["g"]] = {"type": r["t"].rsplit("#", 1)[1], "label": r["l"],
                                              "fatalities": r["f"], "earliest": r["b"]}
    return out


def event_of(events, graphs: set[str]) -> str:
    found = [e for e, by_graph in events.items() if graphs <= set(by_graph)]
    assert len(found) == 1, {e: sorted(g) for e, g in events.items()}
    return found[0]


def test_three_reports_of_one_attack_are_one_event_with_three_claims(wire_store):
    store = ox.Store.read_only(str(wire_store))
    events = claims_by_event(store)
    attack = event_of(events, {A_SW, A_AC, A_DISPATCH})
    by_graph = events[attack]
    assert set(by_graph) == {A_SW, A_AC, A_DISPATCH}
    # each article keeps its own figures: "six killed" and "seven killed" are two claims
    assert {g: c["fatalities"] for g, c in by_graph.items()} == {A_SW: "6", A_AC: "7",
                                                                 A_DISPATCH: "7"}
    assert all(c["type"] in {"ArmedAttack", "Killing"} for c in by_graph.values())
    assert "Ouallam" in by_graph[A_AC]["label"] and "20 km north of Ouallam" in \
        by_graph[A_DISPATCH]["label"]
    # the union shows one event with every source
    sources = select(store, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{attack}> a sem:Event }} }}")
    assert len(sources) == 3


def test_same_day_attacks_in_two_towns_stay_two_events(wire_store):
    events = claims_by_event(ox.Store.read_only(str(wire_store)))
    attack = event_of(events, {A_SW, A_AC})
    market = event_of(events, {T_SW, T_AC})
    assert attack != market
    assert set(events[market]) == {T_SW, T_AC}
    assert {c["earliest"] for c in events[market].values()} == \
        {events[attack][A_AC]["earliest"]}  # the same day
    assert {c["fatalities"] for c in events[market].values()} == {"4"}


def test_an_article_has_at_most_one_claim_per_event_and_undated_events_stay_apart(wire_store):
    store = ox.Store.read_only(str(wire_store))
    rows = select(store, """SELECT ?g ?e (COUNT(DISTINCT ?t) AS ?n) WHERE { GRAPH ?g {
        ?e a sem:Event, ?t . FILTER(?t != sem:Event) } }
        GROUP BY ?g ?e HAVING (COUNT(DISTINCT ?t) > 1)""")
    assert rows == []
    undated = select(store, """SELECT ?e (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g {
        ?e a sem:Event . FILTER NOT EXISTS { ?e sem:hasEarliestBeginTimeStamp ?b } } }
        GROUP BY ?e""")
    assert undated and all(r["n"] == "1" for r in undated)


def test_same_actor_is_one_node_with_accumulated_aliases_and_mentions_per_article(wire_store):
    store = ox.Store.read_only(str(wire_store))
    army = select(store, """SELECT ?a (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g {
        ?a a kg:StateForce ; rdfs:label ?l . FILTER(CONTAINS(?l, "Niger")) } } GROUP BY ?a""")
    assert len(army) == 1 and int(army[0]["n"]) >= 3
    node = army[0]["a"]
    aliases = {r["x"] for r in select(store, f"SELECT ?x WHERE {{ <{node}> skos:altLabel ?x }}")}
    per_graph = select(store, f"""SELECT ?g (COUNT(?x) AS ?n) WHERE {{ GRAPH ?g {{
        <{node}> skos:altLabel ?x }} }} GROUP BY ?g""")
    assert len(aliases) > max(int(r["n"]) for r in per_graph)  # aliases accumulate in the union
    stray = select(store, f"""SELECT ?g ?m WHERE {{ GRAPH ?g {{ <{node}> gaf:denotedBy ?m }}
        FILTER(!STRSTARTS(STR(?m), CONCAT(STR(?g), "#char="))) }}""")
    assert stray == []  # every mention stays in its own article's graph


def test_validate_conforms_per_article_graph(wire_store):
    res = run("validate", "--store", str(wire_store))
    assert res.exit_code == 0, res.output
    assert "5 graphs checked, 0 violations" in res.output


def test_event_sources_and_contested_show_who_said_what(wire_store):
    events = claims_by_event(ox.Store.read_only(str(wire_store)))
    attack = event_of(events, {A_SW, A_AC, A_DISPATCH})
    res = run("query", "event-sources", "--store", str(wire_store), "--param", f"event={attack}",
              "--format", "csv")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()[1:]
    assert len(lines) == 3
    assert any("Gunmen kill six soldiers" in x and ",6," in x for x in lines)
    assert any("Seven soldiers killed" in x and ",7,3" in x for x in lines)
    res = run("query", "contested", "--store", str(wire_store), "--param", "field=fatalities",
              "--format", "csv")
    rows = [x.split(",") for x in res.output.splitlines()[1:]]
    pairs = {(r[3], r[4], r[5], r[6]) for r in rows if r[0] == attack}
    assert (A_AC, "7", A_SW, "6") in pairs
    assert all(r[0] == attack for r in rows)  # the market reports agree on four dead


def _build(files: list[str], **options) -> ox.Store:
    store = ox.Store()
    arts = list(read_inputs([str(WIRE / f) for f in files], on_problem=print))
    build_into(store, arts, BuildOptions(**options))
    return store


def _shared(store: ox.Store) -> list[int]:
    return sorted(len(v) for v in claims_by_event(store).values() if len(v) > 1)


def test_merge_options_change_the_outcome(wire_store):
    assert _shared(ox.Store.read_only(str(wire_store))) == [2, 3]
    assert _shared(_build(OUALLAM + TILLABERI, merge=False)) == []
    # the dispatch places the attack 20 km north of Ouallam: out of a 10 km radius
    assert _shared(_build(OUALLAM + TILLABERI, merge_km=10)) == [2, 2]
    # Tillabéri is 69 km from Ouallam: a 100 km radius joins the same-day attacks
    assert _shared(_build(OUALLAM + TILLABERI, merge_km=100)) == [5]
