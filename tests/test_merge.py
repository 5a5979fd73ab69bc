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
    Merger,
    MergeSettings,
    StoreGraph,
    candidate_query,
    cluster,
    compatible,
    conflict,
    event_graphs,
    haversine_km,
    match,
    read_claim,
)
from kg_builder.namespaces import GEO, KG, OWL, RDF, SEM
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


# ----------------------------------------------------------------------------- candidate finding
# Stored claims written by hand in the vocabulary rdf.py uses, so that Merger.candidates (one
# SPARQL screen, then a distance screen) can be checked against reading every stored claim.

MALI = 2453866  # a GeoNames country id: as an event's place it says nothing about where
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
XSD_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"


def _n(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def _decimal(x: float) -> ox.Literal:
    return ox.Literal(f"{x:.5f}", datatype=XSD_DECIMAL)


def put_event(store: ox.Store, graph: str, event: str, type: str, earliest: dt.date | None,
              latest: dt.date | None, place: tuple | None = None,
              agents: tuple[str, ...] = (), targets: tuple[str, ...] = ()) -> None:
    """One stored claim. ``place``: ("point", lat, lon), ("country",), ("relative", lat, lon,
    km) (an anchor's point and a distance, no bearing) or None; ``agents``, ``targets``: actor
    IRIs, each linked to Wikidata (distinctive)."""
    g, e = ox.NamedNode(graph), ox.NamedNode(event)
    quads = [(e, RDF.type, SEM.Event), (e, RDF.type, KG[type])]
    for pred, day in ((SEM.hasEarliestBeginTimeStamp, earliest),
                      (SEM.hasLatestEndTimeStamp, latest)):
        if day is not None:
            quads.append((e, pred, ox.Literal(day.isoformat(), datatype=XSD_DATE)))
    if place is not None:
        p = ox.NamedNode(f"{event}/place")
        quads.append((e, SEM.hasPlace, p))
        if place[0] == "point":
            quads += [(p, GEO.lat, _decimal(place[1])), (p, GEO.long, _decimal(place[2]))]
        elif place[0] == "country":
            quads += [(p, OWL.sameAs, ox.NamedNode(f"https://sws.geonames.org/{MALI}/")),
                      (p, GEO.lat, _decimal(17.0)), (p, GEO.long, _decimal(-4.0)),
                      (p, KG.countryCode, ox.Literal("ML"))]
        else:
            anchor = ox.NamedNode(f"{event}/anchor")
            quads += [(p, KG.relativeTo, anchor), (p, KG.distanceKm, _decimal(place[3])),
                      (anchor, GEO.lat, _decimal(place[1])), (anchor, GEO.long, _decimal(place[2]))]
    for role, a in [(KG.agent, a) for a in agents] + [(KG.target, t) for t in targets]:
        quads += [(e, role, ox.NamedNode(a)),
                  (ox.NamedNode(a), OWL.sameAs,
                   ox.NamedNode("http://www.wikidata.org/entity/Q" + a.rsplit("/", 1)[1]))]
    store.extend([ox.Quad(_n(s) if not isinstance(s, ox.NamedNode) else s, _n(p),
                          o if isinstance(o, (ox.NamedNode, ox.Literal)) else _n(o), g)
                  for s, p, o in quads])


def brute_force(store: ox.Store, new: Claim, settings: MergeSettings = S) -> set[tuple[str, str]]:
    """(graph, event) of every stored claim that matches ``new``, reading them all."""
    out = set()
    for q in store.quads_for_pattern(None, _n(RDF.type), _n(SEM.Event), None):
        g = q.graph_name.value
        other = read_claim(StoreGraph(store, q.graph_name), g, q.subject.value, B, own=False)
        if match(new, other, settings) is not None:
            out.add((g, q.subject.value))
    return out


def found(store: ox.Store, new: Claim, settings: MergeSettings = S) -> list[tuple[str, str]]:
    return [(c.graph, c.event) for c in Merger(store, B, settings).candidates(new)]


HERE = (14.32, 2.09)
FAR = (16.27, -0.04)  # Gao, about 310 km away


def test_candidates_find_the_one_match_among_many_same_day_events():
    store = ox.Store()
    for i in range(120):  # same days, other kinds of event or elsewhere
        put_event(store, f"{B}article/n{i}", f"{B}event/n{i}", "Protest" if i % 2 else "Election",
                  D, D, ("point", *HERE))
        put_event(store, f"{B}article/f{i}", f"{B}event/f{i}", "ArmedAttack",
                  D - dt.timedelta(days=i % 3), D, ("point", FAR[0], FAR[1] + i / 1000))
        put_event(store, f"{B}article/o{i}", f"{B}event/o{i}", "ArmedAttack",
                  D - dt.timedelta(days=9 + i % 5), D - dt.timedelta(days=2 + i % 5),
                  ("point", *HERE))  # ended two days or more before
    put_event(store, f"{B}article/hit", f"{B}event/hit", "ArmedAttack", D, D,
              ("point", 14.40, 2.10))
    new = claim("new-article")
    assert found(store, new) == [(f"{B}article/hit", f"{B}event/hit")]
    assert brute_force(store, new) == {(f"{B}article/hit", f"{B}event/hit")}


def test_candidates_cross_the_violent_type_group_but_no_other_type():
    store = ox.Store()
    for t in ("Killing", "Bombing", "ArmedClash", "Abduction", "Protest"):
        put_event(store, f"{B}article/{t}", f"{B}event/{t}", t, D, D, ("point", *HERE))
    got = {g.rsplit("/", 1)[1] for g, _ in found(store, claim("new", "ArmedAttack"))}
    assert got == {"Killing", "Bombing", "ArmedClash"}
    assert {g.rsplit("/", 1)[1] for g, _ in found(store, claim("new", "Abduction"))} == \
        {"Abduction"}
    assert found(store, claim("new", None)) == []


def test_a_claim_without_a_precise_place_needs_a_shared_participant():
    store = ox.Store()
    army, other = f"{B}actor/army", f"{B}actor/other"
    put_event(store, f"{B}article/a", f"{B}event/a", "Killing", D, D, ("country",), (army,))
    put_event(store, f"{B}article/t", f"{B}event/t", "Killing", D, D, None, (), (army,))
    put_event(store, f"{B}article/b", f"{B}event/b", "Killing", D, D, ("point", *HERE), (other,))
    put_event(store, f"{B}article/c", f"{B}event/c", "Killing", D, D, None, ())
    new = claim("new", point=None, country="ML", participants=(army,))
    both = [(f"{B}article/a", f"{B}event/a"), (f"{B}article/t", f"{B}event/t")]
    assert found(store, new) == both  # as agent or as target
    assert brute_force(store, new) == set(both)
    # nothing to share: no candidate at all (match could not accept one)
    assert found(store, claim("new", point=None, participants=())) == []
    # a stored claim with no precise place is found for a claim with one, through the actor
    assert (f"{B}article/a", f"{B}event/a") in found(store, claim("new", participants=(army,)))


def test_a_relative_place_is_found_within_its_slack():
    store = ox.Store()
    anchor = (HERE[0] + 0.6, HERE[1])  # about 67 km north
    put_event(store, f"{B}article/r", f"{B}event/r", "ArmedAttack", D, D,
              ("relative", *anchor, 50.0))
    put_event(store, f"{B}article/s", f"{B}event/s", "ArmedAttack", D, D,
              ("relative", *anchor, 10.0))  # too far even with its slack
    assert brute_force(store, claim("new")) == {(f"{B}article/r", f"{B}event/r")}
    assert (f"{B}article/r", f"{B}event/r") in found(store, claim("new"))
    # the slack of the new claim's own place counts too
    stored = ox.Store()
    put_event(stored, f"{B}article/p", f"{B}event/p", "ArmedAttack", D, D, ("point", *anchor))
    vague = claim("new", point=HERE, slack=50.0)
    assert found(stored, vague) == [(f"{B}article/p", f"{B}event/p")]
    assert found(stored, claim("new", point=HERE)) == []


def test_candidate_date_windows_are_exact_at_their_edges():
    store = ox.Store()
    day = dt.timedelta(days=1)
    cases = {  # name: (earliest, latest, matches a claim dated D with days=1)
        "week-ending-before": (D - 8 * day, D - day, True),    # a 7-day span, gap 1
        "eight-days": (D - 9 * day, D - day, False),           # spans more than 7 days
        "two-days-before": (D - 2 * day, D - 2 * day, False),  # gap 2
        "day-after": (D + day, D + day, True),
        "week-from-day-after": (D + day, D + 8 * day, True),
        "two-days-after": (D + 2 * day, D + 3 * day, False),
        "inverted": (D + day, D - day, True),                   # bounds the wrong way round
        "undated": (None, D, False),
    }
    for name, (lo, hi, _) in cases.items():
        put_event(store, f"{B}article/{name}", f"{B}event/{name}", "ArmedAttack", lo, hi,
                  ("point", *HERE))
    want = {name for name, (*_, ok) in cases.items() if ok}
    assert {g.rsplit("/", 1)[1] for g, _ in brute_force(store, claim("new"))} == want
    assert {g.rsplit("/", 1)[1] for g, _ in found(store, claim("new"))} == want
    strict = MergeSettings(days=0)
    assert {g.rsplit("/", 1)[1] for g, _ in found(store, claim("new"), strict)} == \
        {g.rsplit("/", 1)[1] for g, _ in brute_force(store, claim("new"), strict)} == set()


def test_one_query_serves_all_claims_of_an_article():
    """Claims of one article on other days, of other types, with and without a place: each
    gets only its own candidates, as if asked alone."""
    store = ox.Store()
    later = D + dt.timedelta(days=20)
    army = f"{B}actor/army"
    for name, type, day, place, agents in [
            ("x", "ArmedAttack", D, ("point", *HERE), ()),
            ("v", "Protest", D, ("point", *HERE), ()),          # right day, wrong type for c1
            ("w", "Killing", D, None, ()),                       # no place: match needs a name
            ("y", "Protest", later, ("point", *HERE), ()),
            ("z", "Killing", later, ("country",), (army,)),
            ("u", "ArmedAttack", later, ("point", *HERE), ())]:  # c3 shares no one with it
        put_event(store, f"{B}article/{name}", f"{B}event/{name}", type, day, day, place, agents)
    c1 = claim("new", own=f"{B}event/new1")
    c2 = claim("new", "Protest", later, later, own=f"{B}event/new2")
    c3 = claim("new", "Killing", later, later, point=None, country="ML", participants=(army,),
               own=f"{B}event/new3")
    c4 = claim("new", "Coup", None, later, own=f"{B}event/new4")  # undated: none
    merger = Merger(store, B, S)
    got = [[c.graph.rsplit("/", 1)[1] for c in found]
           for found in merger.candidates_for([c1, c2, c3, c4])]
    assert got == [["w", "x"], ["y"], ["z"], []]
    merger.by_place = True  # "w" has no place and names no one: a place screen drops it
    assert [[c.graph.rsplit("/", 1)[1] for c in found]
            for found in merger.candidates_for([c1, c2, c3, c4])] == [["x"], ["y"], ["z"], []]
    merger.by_place = None
    assert got == [[c.graph.rsplit("/", 1)[1] for c in merger.candidates(x)]
                   for x in (c1, c2, c3, c4)]
    assert [{g.rsplit("/", 1)[1] for g, _ in brute_force(store, x)} for x in (c1, c2, c3)] == \
        [{"x"}, {"y"}, {"z"}]


def test_each_claim_of_an_article_is_held_to_its_own_date_windows():
    """The query scans the union of the claims' windows; a row that falls in one claim's
    window for one bound and in another's for the other is no candidate of either."""
    store = ox.Store()
    day = dt.timedelta(days=1)
    for name, lo, hi in [("a", D, D), ("b", D + 9 * day, D + 9 * day),
                         ("inverted", D + 5 * day, D + 3 * day)]:
        put_event(store, f"{B}article/{name}", f"{B}event/{name}", "ArmedAttack", lo, hi,
                  ("point", *HERE))
    c1 = claim("new", own=f"{B}event/new1")
    c2 = claim("new", earliest=D + 9 * day, latest=D + 9 * day, own=f"{B}event/new2")
    got = Merger(store, B, S).candidates_for([c1, c2])
    assert [[c.graph.rsplit("/", 1)[1] for c in found] for found in got] == [["a"], ["b"]]
    assert brute_force(store, c1) | brute_force(store, c2) == {
        (f"{B}article/a", f"{B}event/a"), (f"{B}article/b", f"{B}event/b")}


def test_candidates_agree_with_reading_every_stored_claim():
    """Random stores: the matches among the candidates are exactly the matches among all
    stored claims (the screens drop only claims match rejects)."""
    import random

    rng = random.Random(7)
    types = ["ArmedAttack", "Killing", "Bombing", "Abduction", "Protest"]
    actors = [f"{B}actor/a{i}" for i in range(6)]

    def place():
        kind = rng.choice(["point", "point", "country", "relative", None])
        lat, lon = HERE[0] + rng.uniform(-0.5, 0.5), HERE[1] + rng.uniform(-0.5, 0.5)
        if kind == "point":
            return ("point", lat, lon)
        if kind == "relative":
            return ("relative", lat, lon, rng.choice([5.0, 20.0, 40.0]))
        return ("country",) if kind else None

    store = ox.Store()
    for i in range(400):
        lo = D + dt.timedelta(days=rng.randint(-12, 12))
        hi = lo + dt.timedelta(days=rng.choice([0, 0, 0, 1, 3, 7, 8, -1]))
        put_event(store, f"{B}article/s{i % 150}", f"{B}event/s{i}", rng.choice(types),
                  lo if rng.random() > 0.05 else None, hi, place(),
                  tuple(rng.sample(actors, rng.randint(0, 2))),
                  tuple(rng.sample(actors, rng.randint(0, 1))))
    checked = 0
    for j in range(80):
        lo = D + dt.timedelta(days=rng.randint(-6, 6))
        hi = lo + dt.timedelta(days=rng.choice([0, 0, 1, 2, 7]))
        p = place()
        point = None if p is None or p[0] == "country" else (p[1], p[2])
        slack = p[3] if p is not None and p[0] == "relative" else 0.0
        new = claim(f"n{j}", rng.choice(types), lo, hi, point, slack,
                    rng.choice(["ML", "NE", None]), tuple(rng.sample(actors, rng.randint(0, 2))))
        for settings in (S, MergeSettings(days=0, km=10.0), MergeSettings(days=3, km=60.0)):
            want = brute_force(store, new, settings)
            by_plan = {}
            # by date windows only, or by places near it too, starting from the days or from
            # the places
            for by_place, drive in ((False, None), (True, "dates"), (True, "near")):
                merger = Merger(store, B, settings)
                merger.by_place, merger.drive = by_place, drive
                got = merger.candidates(new)
                keys = [(c.graph, c.event) for c in got]
                assert keys == sorted(set(keys))
                assert {k for k, c in zip(keys, got, strict=True)
                        if match(new, c, settings) is not None} == want, (new, settings, drive)
                by_plan[drive] = keys
            assert by_plan["near"] == by_plan["dates"]  # the same rows either way
            checked += len(want)
    assert checked > 100  # the random stores do hold matches


def _cluster_by_pairs(claims: list[Claim], settings: MergeSettings) -> list[list[Claim]]:
    """:func:`cluster` as first written: a conflict test for every pair of members at every
    join (the rule the bit sets must keep)."""
    n = len(claims)
    pairs = []
    for i in range(n):
        for j in range(i + 1, n):
            score = match(claims[i], claims[j], settings)
            if score is not None:
                lo, hi = sorted((claims[i].own, claims[j].own))
                pairs.append((tuple(-x for x in score), lo, hi, i, j))
    pairs.sort()
    group, members = list(range(n)), {i: [i] for i in range(n)}
    for *_, i, j in pairs:
        gi, gj = group[i], group[j]
        if gi == gj:
            continue
        a, b = members[gi], members[gj]
        if {claims[k].graph for k in a} & {claims[k].graph for k in b}:
            continue
        if any(conflict(claims[x], claims[y], settings) for x in a for y in b):
            continue
        for k in b:
            group[k] = gi
        a.extend(b)
        del members[gj]
    return sorted((sorted((claims[k] for k in ks), key=lambda c: c.own)
                   for ks in members.values()), key=lambda g: g[0].own)


def test_cluster_keeps_the_pairwise_rule_on_busy_days():
    """Many reports of a few events on the same days (a day's crawl): the groups are those of
    the pairwise rule, conflicts and one-claim-per-article included."""
    import random

    rng = random.Random(11)
    actors = [f"{B}actor/a{i}" for i in range(4)]
    joined = 0
    for _ in range(25):
        claims = []
        for k in range(rng.randint(10, 60)):
            lo = D + dt.timedelta(days=rng.randint(0, 3))
            point = (None if rng.random() < 0.2 else
                     (HERE[0] + rng.uniform(-0.4, 0.4), HERE[1] + rng.uniform(-0.4, 0.4)))
            claims.append(claim(f"g{rng.randint(0, k)}", rng.choice(["ArmedAttack", "Killing",
                                                                      "Protest"]),
                                lo, lo + dt.timedelta(days=rng.choice([0, 0, 1, 9])), point,
                                rng.choice([0.0, 0.0, 15.0]), rng.choice(["NE", "NE", "ML"]),
                                tuple(rng.sample(actors, rng.randint(0, 2))),
                                own=f"{B}event/c{k:03d}"))
        for settings in (S, MergeSettings(days=0, km=10.0), MergeSettings(km=60.0)):
            got = cluster(claims, settings)
            assert got == _cluster_by_pairs(claims, settings)
            joined += sum(len(g) > 1 for g in got)
            # in another order, and with pairs remembered from a call on part of the claims
            # (as a merger re-clusters a story at each report; the newest claims not kept)
            memo: dict = {}
            keys = [c.own for c in claims]
            part = len(claims) // 2
            cluster(claims[:part], settings, keys=keys[:part], memo=memo)
            order = list(range(len(claims)))
            rng.shuffle(order)
            assert cluster([claims[k] for k in order], settings,
                           keys=[keys[k] if k < len(claims) - 3 else None for k in order],
                           memo=memo) == got
    assert joined > 100


@pytest.mark.parametrize("by_place, drive", [(None, None), (True, None), (True, "near")])
def test_a_merger_kept_for_a_whole_build_decides_as_a_fresh_one_per_article(by_place, drive):
    """The claims a merger keeps once read are dropped when their graph changes, and the
    places it knows grow with each article: articles added (some built again with other
    content under the same event IRIs) through one merger give the store that a new merger
    per article, screening by dates only, gives."""
    import random

    from kg_builder.store import apply_changes

    rng = random.Random(5)
    actors = [f"{B}actor/a{i}" for i in range(4)]
    articles = []
    for i in range(70):
        name = f"r{rng.randint(0, 40) if i > 30 else i}"  # later ones often re-build one
        scratch = ox.Store()
        for k in range(rng.randint(1, 3)):
            lo = D + dt.timedelta(days=rng.randint(0, 2))
            put_event(scratch, f"{B}article/{name}", f"{B}event/{name}-{k}",
                      rng.choice(["ArmedAttack", "Killing", "Protest"]), lo,
                      lo + dt.timedelta(days=rng.choice([0, 0, 1])),
                      ("point", HERE[0] + rng.uniform(-0.3, 0.3), HERE[1] + rng.uniform(-0.3, 0.3))
                      if rng.random() < 0.8 else None,
                      tuple(rng.sample(actors, rng.randint(0, 2))))
        articles.append((ox.NamedNode(f"{B}article/{name}"), list(scratch)))

    def build(one_merger: bool) -> tuple[list[str], int]:
        store, renamed = ox.Store(), 0
        kept = Merger(store, B, S)
        kept.by_place, kept.drive = by_place, drive
        for graph, quads in articles:
            merger = kept if one_merger else Merger(store, B, S)
            if not one_merger:
                merger.by_place = False
            if store.contains_named_graph(graph):
                fix = merger.detach([graph])
                apply_changes(store, drop=[graph], remove=fix.remove, add=fix.add)
                renamed += fix.renamed
            out, changes = merger.assign(graph, quads)
            apply_changes(store, remove=changes.remove, add=[*changes.add, *out])
            renamed += changes.renamed
        return sorted(map(str, store)), renamed

    kept, renamed = build(True)
    assert renamed > 10  # claims were re-pointed, so cached claims had to be dropped
    assert kept == build(False)[0]


def test_both_starts_of_a_place_screened_query_give_the_same_rows():
    """Starting from the events near the claims or from the days is a plan, not a screen:
    the same rows come back (random stores, places and names)."""
    import random

    rng = random.Random(13)
    actors = [f"{B}actor/a{i}" for i in range(6)]
    store = ox.Store()
    for i in range(300):
        lo = D + dt.timedelta(days=rng.randint(-12, 12))
        hi = lo + dt.timedelta(days=rng.choice([0, 0, 1, 3, 8, -1]))
        put_event(store, f"{B}article/s{i % 120}", f"{B}event/s{i}",
                  rng.choice(["ArmedAttack", "Killing", "Protest"]),
                  lo if rng.random() > 0.05 else None, hi,
                  rng.choice([("point", HERE[0], HERE[1]), ("country",), None]),
                  tuple(rng.sample(actors, rng.randint(0, 2))))
    places = [f"{B}event/s{i}/place" for i in range(300)]
    rows = 0
    for _ in range(40):
        claims = []
        for k in range(rng.randint(1, 3)):
            lo = D + dt.timedelta(days=rng.randint(-6, 6))
            claims.append(claim("new", rng.choice(["ArmedAttack", "Protest"]), lo,
                                lo + dt.timedelta(days=rng.choice([0, 1, 7])),
                                own=f"{B}event/new{k}"))
        near = set(rng.sample(places, rng.randint(0, 60)))
        names = set(rng.sample(actors, rng.randint(0, 2)))
        got = [sorted(tuple(map(str, r)) for r in store.query(candidate_query(
            claims, S, places=near, names=names, near_first=first))) for first in (False, True)]
        assert got[0] == got[1]
        rows += len(got[0])
    assert rows > 100


def test_the_places_of_the_article_that_loads_the_grid_are_kept():
    """The grid of places is read from the store when a build first screens by place, in the
    middle of an article; that article's places go into it too, or a later report from 5 km
    away would not find its event."""
    def article(name: str, lat: float) -> tuple[ox.NamedNode, list[ox.Quad]]:
        scratch = ox.Store()
        put_event(scratch, f"{B}article/{name}", f"{B}event/{name}", "ArmedAttack", D, D,
                  ("point", lat, HERE[1]))
        return ox.NamedNode(f"{B}article/{name}"), list(scratch)

    from kg_builder.store import apply_changes

    for by_place, drive in ((False, None), (True, None), (True, "near"), (True, "dates")):
        store = ox.Store()
        merger = Merger(store, B, S)
        merger.by_place, merger.drive = by_place, drive
        for graph, quads in (article("a", HERE[0]), article("b", HERE[0] + 0.05)):
            out, changes = merger.assign(graph, quads)
            apply_changes(store, remove=changes.remove, add=[*changes.add, *out])
        assert len(event_graphs(store, _n(f"{B}event/a"))) == 2, (by_place, drive)


def test_a_busy_day_is_screened_from_the_side_with_fewer_events():
    """On a day with many stored events at one town and few at another, a report from the
    quiet town starts from the events near it (their dates looked up), one from the busy town
    from the day's events; both find what reading every stored claim finds."""
    store = ox.Store()
    busy, quiet = HERE, (HERE[0] + 2.0, HERE[1] + 2.0)
    for i in range(300):
        put_event(store, f"{B}article/b{i}", f"{B}event/b{i}", "ArmedAttack", D, D,
                  ("point", *busy))
    for i in range(3):
        put_event(store, f"{B}article/q{i}", f"{B}event/q{i}", "ArmedAttack", D, D,
                  ("point", *quiet))
    merger = Merger(store, B, S)
    merger.by_place = True
    for where, plan, n in ((quiet, "near, dates", 3), (busy, "dates, near", 300)):
        new = claim("new", point=where)
        got = {(c.graph, c.event) for c in merger.candidates(new) if match(new, c, S)}
        assert got == brute_force(store, new) and len(got) == n
        assert merger.plans == {plan: 1}, where
        merger.plans.clear()
    # the counts follow the articles the merger is told of: the quiet town gets busy
    scratch = ox.Store()
    for i in range(300):
        put_event(scratch, f"{B}article/n{i}", f"{B}event/n{i}", "ArmedAttack", D, D,
                  ("point", *quiet))
    merger.assign(ox.NamedNode(f"{B}article/n"), list(scratch))
    merger.plans.clear()
    merger.candidates(claim("new", point=quiet))
    assert merger.plans == {"dates, near": 1}


def test_a_coordinate_that_is_not_a_number_is_no_coordinate():
    """A stored place whose latitude reads "NaN" has no point (it is neither 0 km nor
    infinitely far from anything): matching it needs a shared participant, whichever way the
    candidates are screened."""
    store = ox.Store()
    put_event(store, f"{B}article/a", f"{B}event/a", "ArmedAttack", D, D, ("point", *HERE))
    put_event(store, f"{B}article/b", f"{B}event/b", "ArmedAttack", D, D, ("point", *HERE))
    g, p, lat = _n(f"{B}article/b"), _n(f"{B}event/b/place"), _n(GEO.lat)
    for q in list(store.quads_for_pattern(p, lat, None, g)):
        store.remove(q)
    store.add(ox.Quad(p, lat, ox.Literal("NaN", datatype=_n(XSD_DOUBLE)), g))
    assert read_claim(StoreGraph(store, g), g.value, f"{B}event/b", B).point is None
    new = claim("new")
    for by_place in (False, True):
        merger = Merger(store, B, S)
        merger.by_place = by_place
        assert {c.graph for c in merger.candidates(new) if match(new, c, S)} == {f"{B}article/a"}
