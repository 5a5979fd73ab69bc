"""Tests of kg_builder.export on a hand-written three-article graph (fixtures/export_graph.trig).

The fixture's comment lists what it contains; the expected numbers below are worked out by hand
from it, not copied from the code's output.
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg_builder.export import ExportError, atomic_output, export
from kg_builder.export.gexf import (
    GEXF_NS,
    PALETTE,
    VIZ_NS,
    find_gexf_schema,
    gexf_schema_errors,
    gexf_semantic_errors,
    write_gexf,
)
from kg_builder.export.graphml import write_graphml
from kg_builder.export.network import build_network
from kg_builder.export.rdf import jsonld_document, load_context, write_rdf
from kg_builder.export.tables import csv_paths, edge_columns, node_columns, write_csv
from kg_builder.resources import resource_dir
from kg_builder.store import INTERNAL_GRAPHS, META_GRAPH

FIXTURE = Path(__file__).parent / "fixtures" / "export_graph.trig"
ID = "https://w3id.org/kg-builder/id/"
ARMY = ID + "actor/Q1000001"
MERCS = ID + "actor/Q2000002"
NLF = ID + "actor/armedgroup/northern-liberation-front"
ANSAR = ID + "actor/armedgroup/the-ansar-front-of-the-south"
AID = ID + "actor/civilians/aid-workers"
RESIDENTS = ID + "actor/civilians/camp-residents"
PROTESTERS = ID + "actor/civilians/protesters"
GOVT = ID + "actor/government/transitional-government"
LEADER = ID + "actor/person/hamadou-kone"
E_ATTACK = ID + "event/c38d171deeb74a32"
E_KILLING = ID + "event/57b5aadcfb3938b8"
E_PROTEST = ID + "event/e643ed85fb4d9b3b"
E_CLASH = ID + "event/59a5a9ebbef7b513"
E_ABDUCTION = ID + "event/265c6e0592141f5a"
KATI = ID + "place/geonames/2455517"
BAMAKO = ID + "place/geonames/2460596"
REL = ID + "place/rel/251fd3a0099e/15km-any-15-km-from-bamako"
TRICKY = 'The "Ansar" <Front>\nof the\tSouth\x01'
KG = "https://w3id.org/kg-builder/ontology#"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _load(path: Path = FIXTURE, fmt: ox.RdfFormat = ox.RdfFormat.TRIG) -> ox.Store:
    store = ox.Store()
    store.load(path=str(path), format=fmt)
    return store


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return _load()


@pytest.fixture(scope="module")
def full(store) -> nx.MultiDiGraph:
    return build_network(store, "full")


@pytest.fixture(scope="module")
def actors(store) -> nx.Graph:
    return build_network(store, "actors")


def _schema_or_skip() -> Path:
    """The GEXF XSD from ../shared/specs beside the checkout (or /work/shared/specs), else skip."""
    schema = find_gexf_schema()
    if schema is None:
        fixed = Path("/work/shared/specs/gexf/1.3/gexf.xsd")
        if fixed.is_file():
            return fixed
        pytest.skip("GEXF 1.3 XSD not available (no shared/specs beside the checkout)")
    return schema


def _q(term) -> str:
    return str(term)


def _expected_quads(store: ox.Store) -> list[str]:
    return sorted(_q(q) for q in store if q.graph_name not in INTERNAL_GRAPHS)


def _expected_triples(store: ox.Store) -> list[str]:
    return sorted({_q(ox.Triple(q.subject, q.predicate, q.object))
                   for q in store if q.graph_name not in INTERNAL_GRAPHS})


# ---------------------------------------------------------------------------- network, full

def test_full_view_nodes_by_category(full):
    assert isinstance(full, nx.MultiDiGraph)
    cats = Counter(d["category"] for _, d in full.nodes(data=True))
    assert cats == {"actor": 9, "event": 5, "place": 3}
    assert full.number_of_nodes() == 17
    assert full.graph == {"view": "full", "last_modified": "2022-07-26"}


def test_full_view_merges_actor_across_articles(full):
    army = full.nodes[ARMY]
    # "National Army" is stated by two articles, "National Armed Forces" by one (and sorts first).
    assert army == {"label": "National Army", "category": "actor", "kind": "StateForce",
                    "country": "ML", "wikidata": "Q1000001", "articles": 3, "events": 3}
    assert full.nodes[LEADER]["events"] == 0
    assert full.nodes[ANSAR]["label"] == TRICKY


def test_full_view_event_attributes(full):
    attack = full.nodes[E_ATTACK]
    assert attack["kind"] == attack["event_type"] == "ArmedAttack"
    assert attack["fatalities"] == 3          # 1 in the first report, 3 in the follow-up
    assert attack["injured"] == 15
    assert attack["articles"] == 2
    assert attack["certainty"] == "Asserted"  # Reported vs Asserted: tie, smallest wins
    assert (attack["earliest"], attack["latest"]) == ("2022-07-22", "2022-07-22")
    # inherited from its one place, Kati
    assert (attack["country"], attack["latitude"], attack["longitude"]) == \
        ("ML", 12.74409, -8.07245)
    clash = full.nodes[E_CLASH]
    assert (clash["earliest"], clash["latest"], clash["fatalities"]) == \
        ("2022-07-18", "2022-07-24", 10)
    assert clash["certainty"] == "Alleged"
    killing = full.nodes[E_KILLING]
    # its place is relative and unlocated: nothing to inherit
    assert "country" not in killing and "latitude" not in killing
    assert "injured" not in full.nodes[E_PROTEST]


def test_full_view_place_attributes(full):
    assert full.nodes[KATI] == {"label": "Kati", "category": "place", "kind": "Place",
                                "country": "ML", "geonames": "2455517", "latitude": 12.74409,
                                "longitude": -8.07245, "articles": 3}
    rel = full.nodes[REL]
    assert rel["kind"] == "RelativePlace" and rel["distance_km"] == 15.0
    assert rel["label"] == "15 km from Bamako"


def test_full_view_no_missing_values(full):
    for _, data in full.nodes(data=True):
        assert all(v is not None and v != "" for v in data.values()), data
        assert data["label"]
    for *_, data in full.edges(data=True):
        assert all(v is not None and v != "" for v in data.values()), data
        assert isinstance(data["weight"], float)


def test_full_view_edges(full):
    assert full.number_of_edges() == 22
    labels = Counter(d["label"] for *_, d in full.edges(data=True))
    assert labels == {"agent": 6, "target": 5, "place": 5, "accordingTo": 3,
                      "leaderOf": 1, "alliedWith": 1, "relativeTo": 1}
    # sem:hasActor is stated beside every agent/target: it must not add "participant" edges
    assert "participant" not in labels
    assert full.edges[E_ATTACK, NLF, "agent"]["weight"] == 2.0     # stated by two articles
    assert full.edges[E_ATTACK, ARMY, "target"]["weight"] == 2.0
    assert full.edges[E_ATTACK, KATI, "place"]["weight"] == 2.0
    assert full.edges[E_ATTACK, RESIDENTS, "accordingTo"]["weight"] == 1.0
    assert full.edges[MERCS, ARMY, "alliedWith"]["weight"] == 2.0
    assert full.edges[LEADER, NLF, "leaderOf"]["weight"] == 1.0
    assert full.has_edge(REL, BAMAKO, "relativeTo")
    clash_agent = full.edges[E_CLASH, MERCS, "agent"]
    assert (clash_agent["start"], clash_agent["end"]) == ("2022-07-18", "2022-07-24")
    assert "start" not in full.edges[MERCS, ARMY, "alliedWith"]


# ---------------------------------------------------------------------------- network, actors

def test_actors_view(actors):
    assert isinstance(actors, nx.Graph) and not actors.is_directed()
    assert actors.number_of_nodes() == 9
    assert all(d["category"] == "actor" for _, d in actors.nodes(data=True))
    assert actors.number_of_edges() == 5
    # army–front: attack (front agent, army target), killing (same), clash (army agent).
    # Read from the IRI-smaller node, the army: target-agent twice, agent-target once.
    e = actors.edges[ARMY, NLF]
    assert e["weight"] == 3.0
    assert e["role"] == e["label"] == "target-agent"
    assert (e["start"], e["end"]) == ("2022-07-18", "2022-07-24")
    assert e["fatalities"] == 3 + 2 + 10
    assert actors.edges[ARMY, MERCS]["role"] == "agent-agent"
    assert actors.edges[MERCS, NLF]["role"] == "agent-target"
    assert actors.edges[PROTESTERS, GOVT]["weight"] == 1.0
    e = actors.edges[ANSAR, AID]
    assert (e["role"], e["start"], e["end"], e["fatalities"]) == \
        ("agent-target", "2022-07-26", "2022-07-26", 0)
    # a source (accordingTo) is not a participant; a leader in no event stays alone
    assert actors.degree(RESIDENTS) == 0 and actors.degree(LEADER) == 0
    assert not actors.has_edge(GOVT, MERCS)


def _store_from_trig(text: str) -> ox.Store:
    store = ox.Store()
    prefixes = (f"@prefix kg: <{KG}> . @prefix sem: <{SEM}> . "
                "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . "
                "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix : <http://ex.org/> .\n")
    store.load(input=(prefixes + text).encode(), format=ox.RdfFormat.TRIG)
    return store


def test_date_ranges_merge_by_intersection_or_hull():
    store = _store_from_trig("""
      :g1 { :e1 a sem:Event, kg:Protest ; sem:hasEarliestBeginTimeStamp "2022-07-01"^^xsd:date ;
                sem:hasLatestEndTimeStamp "2022-07-31"^^xsd:date .
            :e2 a sem:Event ; sem:hasEarliestBeginTimeStamp "2022-01-01"^^xsd:date ;
                sem:hasLatestEndTimeStamp "2022-01-02"^^xsd:date . }
      :g2 { :e1 a sem:Event ; sem:hasEarliestBeginTimeStamp "2022-07-10"^^xsd:date ;
                sem:hasLatestEndTimeStamp "2022-07-20"^^xsd:date .
            :e2 a sem:Event ; sem:hasEarliestBeginTimeStamp "2022-03-01"^^xsd:date ;
                sem:hasLatestEndTimeStamp "2022-03-05"^^xsd:date . }
    """)
    g = build_network(store, "full")
    e1, e2 = g.nodes["http://ex.org/e1"], g.nodes["http://ex.org/e2"]
    assert (e1["earliest"], e1["latest"]) == ("2022-07-10", "2022-07-20")   # overlap: narrowed
    assert (e2["earliest"], e2["latest"]) == ("2022-01-01", "2022-03-05")   # disjoint: covered
    assert e1["kind"] == "Protest" and e2["kind"] == "Event"                 # untyped event
    assert e2["label"] == "e2"                                               # no rdfs:label
    assert "last_modified" not in g.graph


def test_participant_role_and_default_graph_data():
    # Only sem:hasActor, in the default graph (as when a Turtle file is exported).
    store = _store_from_trig("""
      :e a sem:Event, kg:Statement ; rdfs:label "statement" ; sem:hasActor :a, :b .
      :a a sem:Actor, kg:Person ; rdfs:label "A" .
      :b a sem:Actor, kg:Person ; rdfs:label "B" .
    """)
    full = build_network(store, "full")
    assert full.edges["http://ex.org/e", "http://ex.org/a", "participant"]["weight"] == 1.0
    assert full.nodes["http://ex.org/a"]["articles"] == 0
    pair = build_network(store, "actors").edges["http://ex.org/a", "http://ex.org/b"]
    assert pair["role"] == "participant-participant" and pair["weight"] == 1.0
    assert "start" not in pair


def test_unknown_view(store):
    with pytest.raises(ExportError, match="unknown view"):
        build_network(store, "events")


# ---------------------------------------------------------------------------- GEXF

@pytest.fixture(scope="module")
def gexf_files(store, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("gexf")
    return {view: write_gexf(store, folder / f"{view}.gexf", view=view)
            for view in ("full", "actors")}


def test_gexf_header(gexf_files):
    text = gexf_files["full"].read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n'
                           '<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" ')
    root = ET.parse(gexf_files["full"]).getroot()
    assert root.tag == f"{{{GEXF_NS}}}gexf" and root.get("version") == "1.3"
    meta = root.find(f"{{{GEXF_NS}}}meta")
    assert meta.get("lastmodifieddate") == "2022-07-26"   # newest article, not the clock
    assert meta.findtext(f"{{{GEXF_NS}}}creator").startswith("kg-builder ")
    graph = root.find(f"{{{GEXF_NS}}}graph")
    assert (graph.get("defaultedgetype"), graph.get("mode"), graph.get("timeformat")) == \
        ("directed", "dynamic", "date")
    children = [c.tag.split("}")[1] for c in graph]
    assert children == ["attributes", "attributes", "nodes", "edges"]
    declared = {a.get("id"): a.get("type") for a in graph.iter(f"{{{GEXF_NS}}}attribute")}
    assert declared["kind"] == "string" and declared["latitude"] == "double"
    assert declared["fatalities"] == "integer" and declared["injured"] == "integer"
    assert declared["role"] == "string" and declared["earliest"] == "string"
    assert "None" not in text and 'value=""' not in text


def test_gexf_nodes_and_edges(gexf_files, full):
    g = f"{{{GEXF_NS}}}"
    root = ET.parse(gexf_files["full"]).getroot()
    nodes = {n.get("id"): n for n in root.iter(f"{g}node")}
    assert sorted(nodes) == sorted(full.nodes)             # ids are the IRIs
    assert all(n.get("label") for n in nodes.values())
    ansar = nodes[ANSAR]
    assert ansar.get("label") == 'The "Ansar" <Front> of the South'   # one line, no U+0001
    colour = ansar.find(f"{{{VIZ_NS}}}color")
    assert tuple(int(colour.get(c)) for c in "rgb") == PALETTE["ArmedGroup"]
    sizes = {k: float(n.find(f"{{{VIZ_NS}}}size").get("value")) for k, n in nodes.items()}
    assert sizes[ARMY] > sizes[ANSAR] > sizes[LEADER] - 4.01     # grows with degree
    attack = nodes[E_ATTACK]
    assert (attack.get("start"), attack.get("end")) == ("2022-07-22", "2022-07-22")
    values = {a.get("for"): a.get("value") for a in attack.iter(f"{g}attvalue")}
    assert values["fatalities"] == "3" and values["latitude"] == "12.74409"
    assert nodes[ARMY].get("start") is None                   # actors are always visible
    edges = list(root.iter(f"{g}edge"))
    assert len(edges) == 22 and root.find(f"{g}graph/{g}edges").get("count") == "22"
    by_pair = {(e.get("source"), e.get("target"), e.get("label")): e for e in edges}
    e = by_pair[E_ATTACK, NLF, "agent"]
    assert (e.get("weight"), e.get("start"), e.get("end")) == ("2.0", "2022-07-22", "2022-07-22")
    assert by_pair[MERCS, ARMY, "alliedWith"].get("start") is None
    assert len({e.get("id") for e in edges}) == 22


def test_gexf_valid_against_xsd(gexf_files, tmp_path):
    schema = _schema_or_skip()
    for path in gexf_files.values():
        assert gexf_schema_errors(path, schema) == []
    # The validator does find errors: a colour channel out of range and a bad edge type.
    text = gexf_files["full"].read_text(encoding="utf-8")
    broken = tmp_path / "broken.gexf"
    broken.write_text(text.replace('r="214"', 'r="300"', 1)
                      .replace('defaultedgetype="directed"', 'defaultedgetype="sideways"'),
                      encoding="utf-8")
    errors = gexf_schema_errors(broken, schema)
    assert len(errors) >= 2 and any("300" in e for e in errors)


def test_gexf_semantic_checks(gexf_files, tmp_path):
    for path in gexf_files.values():
        assert gexf_semantic_errors(path) == []
    text = gexf_files["full"].read_text(encoding="utf-8")
    broken = tmp_path / "broken.gexf"
    broken.write_text(text.replace('for="fatalities" value="3"', 'for="fatalities" value="three"')
                      .replace(f'target="{NLF}"', 'target="nowhere"', 1), encoding="utf-8")
    errors = gexf_semantic_errors(broken)
    assert any("fatalities='three'" in e for e in errors)
    assert any("'nowhere' is not a node" in e for e in errors)


def test_gexf_reads_back_with_networkx(gexf_files, full):
    g = nx.read_gexf(gexf_files["full"])
    assert g.is_directed()
    assert sorted(g.nodes) == sorted(full.nodes) and g.number_of_edges() == 22
    attack = g.nodes[E_ATTACK]
    assert attack["fatalities"] == 3 and isinstance(attack["fatalities"], int)
    assert attack["latitude"] == 12.74409 and attack["label"] == "attack at Kati"
    assert g.nodes[ARMY]["viz"]["color"]["g"] == PALETTE["StateForce"][1]
    assert g.edges[MERCS, ARMY]["weight"] == 2.0
    a = nx.read_gexf(gexf_files["actors"])
    assert not a.is_directed() and a.number_of_edges() == 5
    assert a.edges[ARMY, NLF]["weight"] == 3.0 and a.edges[ARMY, NLF]["role"] == "target-agent"
    assert a.edges[ARMY, NLF]["fatalities"] == 15


def test_gexf_is_reproducible(store, gexf_files, tmp_path):
    again = write_gexf(store, tmp_path / "again.gexf")
    assert again.read_bytes() == gexf_files["full"].read_bytes()


# ---------------------------------------------------------------------------- GraphML

def test_graphml_reads_back(store, tmp_path, full):
    path = write_graphml(store, tmp_path / "full.graphml", view="full")
    text = path.read_text(encoding="utf-8")
    assert "None" not in text and "></data>" not in text
    g = nx.read_graphml(path)
    assert g.is_directed() and g.number_of_nodes() == 17 and g.number_of_edges() == 22
    assert g.graph["view"] == "full" and g.graph["last_modified"] == "2022-07-26"
    assert all(re.fullmatch(r"n\d+", n) for n in g.nodes)    # GraphML ids are XML name tokens
    g = nx.relabel_nodes(g, {n: d["iri"] for n, d in g.nodes(data=True)})
    assert sorted(g.nodes) == sorted(full.nodes)
    attack = g.nodes[E_ATTACK]
    assert attack["fatalities"] == 3 and isinstance(attack["fatalities"], int)
    assert attack["longitude"] == -8.07245 and attack["earliest"] == "2022-07-22"
    assert "fatalities" not in g.nodes[E_PROTEST]              # absent, not empty
    # the label survives exactly, but for U+0001, which XML 1.0 cannot hold
    assert g.nodes[ANSAR]["label"] == TRICKY.replace("\x01", "")
    assert g.edges[E_ATTACK, NLF]["weight"] == 2.0 and g.edges[E_ATTACK, NLF]["label"] == "agent"


def test_graphml_actors_view(store, tmp_path):
    g = nx.read_graphml(write_graphml(store, tmp_path / "actors.graphml", view="actors"))
    assert not g.is_directed() and g.number_of_nodes() == 9 and g.number_of_edges() == 5
    iri = {d["iri"]: n for n, d in g.nodes(data=True)}
    e = g.edges[iri[ARMY], iri[NLF]]
    assert (e["weight"], e["role"], e["fatalities"], e["start"]) == \
        (3.0, "target-agent", 15, "2022-07-18")


# ---------------------------------------------------------------------------- CSV

def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_csv_paths():
    assert csv_paths("out/kati.csv") == (Path("out/kati-nodes.csv"), Path("out/kati-edges.csv"))
    assert csv_paths("out/tables") == (Path("out/tables/nodes.csv"), Path("out/tables/edges.csv"))


def test_csv_full_view(store, tmp_path):
    nodes_path, edges_path = write_csv(store, tmp_path / "tables", view="full")
    assert nodes_path == tmp_path / "tables" / "nodes.csv"
    raw = nodes_path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    nodes = _read_csv(nodes_path)
    assert list(nodes[0]) == node_columns("full")
    assert list(nodes[0])[:2] == ["Id", "Label"]
    assert len(nodes) == 17
    by_id = {row["Id"]: row for row in nodes}
    assert by_id[ANSAR]["Label"] == TRICKY                    # quotes, <>, newline, tab, U+0001
    assert by_id[E_ATTACK]["fatalities"] == "3" and by_id[E_ATTACK]["latitude"] == "12.74409"
    assert by_id[E_PROTEST]["fatalities"] == ""
    edges = _read_csv(edges_path)
    assert list(edges[0]) == edge_columns("full") == \
        ["Source", "Target", "Type", "Id", "Label", "Weight", "Start", "End"]
    assert len(edges) == 22 and {e["Type"] for e in edges} == {"Directed"}
    row = next(e for e in edges if (e["Source"], e["Target"]) == (E_ATTACK, NLF))
    assert (row["Label"], float(row["Weight"]), row["Start"], row["End"]) == \
        ("agent", 2.0, "2022-07-22", "2022-07-22")
    assert all(e["Source"] in by_id and e["Target"] in by_id for e in edges)


def test_csv_actors_view_with_prefix(store, tmp_path):
    paths = write_csv(store, tmp_path / "kati.csv", view="actors")
    assert paths == [tmp_path / "kati-nodes.csv", tmp_path / "kati-edges.csv"]
    nodes, edges = _read_csv(paths[0]), _read_csv(paths[1])
    assert len(nodes) == 9 and list(nodes[0]) == node_columns("actors")
    assert len(edges) == 5 and {e["Type"] for e in edges} == {"Undirected"}
    row = next(e for e in edges if (e["Source"], e["Target"]) == (ARMY, NLF))
    assert (row["Label"], row["Weight"], row["Start"], row["End"], row["fatalities"]) == \
        ("target-agent", "3.0", "2022-07-18", "2022-07-24", "15")


def test_csv_reads_with_pandas(store, tmp_path):
    pd = pytest.importorskip("pandas")
    nodes_path, edges_path = write_csv(store, tmp_path / "t", view="full")
    nodes = pd.read_csv(nodes_path)
    assert nodes.set_index("Id").loc[E_ATTACK, "fatalities"] == 3
    edges = pd.read_csv(edges_path, parse_dates=["Start", "End"])
    assert edges["Weight"].dtype.kind == "f"


def test_csv_needs_existing_parent(store, tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        write_csv(store, tmp_path / "missing" / "tables")


# ---------------------------------------------------------------------------- RDF

@pytest.mark.parametrize("fmt,rdf_format,dataset", [
    ("trig", ox.RdfFormat.TRIG, True),
    ("nquads", ox.RdfFormat.N_QUADS, True),
    ("turtle", ox.RdfFormat.TURTLE, False),
    ("ntriples", ox.RdfFormat.N_TRIPLES, False),
    ("jsonld", ox.RdfFormat.JSON_LD, False),
])
def test_rdf_round_trip(store, tmp_path, fmt, rdf_format, dataset):
    path = write_rdf(store, tmp_path / f"out.{fmt}", fmt)
    back = _load(path, rdf_format)
    if dataset:
        assert sorted(_q(q) for q in back) == _expected_quads(store)
        assert META_GRAPH not in set(back.named_graphs())
        assert len(list(back.named_graphs())) == 3
    else:
        assert not list(back.named_graphs())
        assert sorted(_q(ox.Triple(q.subject, q.predicate, q.object)) for q in back) == \
            _expected_triples(store)
    labels = {q.object.value for q in back.quads_for_pattern(
        ox.NamedNode(ANSAR), ox.NamedNode(RDFS_LABEL), None, None)}
    assert labels == {TRICKY}


def test_rdf_output_is_byte_stable(store, tmp_path):
    # the same data loaded in another order gives the same bytes
    nq = write_rdf(store, tmp_path / "a.nq", "nquads")
    lines = nq.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines == sorted(lines)
    shuffled = tmp_path / "shuffled.nq"
    shuffled.write_text("".join(reversed(lines)), encoding="utf-8")
    other = _load(shuffled, ox.RdfFormat.N_QUADS)
    for fmt in ("trig", "nquads", "turtle", "ntriples", "jsonld"):
        a = write_rdf(store, tmp_path / f"1.{fmt}", fmt).read_bytes()
        b = write_rdf(other, tmp_path / f"2.{fmt}", fmt).read_bytes()
        assert a == b, fmt


def test_turtle_and_trig_bind_prefixes(store, tmp_path):
    for fmt in ("turtle", "trig"):
        text = write_rdf(store, tmp_path / f"p.{fmt}", fmt).read_text(encoding="utf-8")
        assert f"@prefix kg: <{KG}> ." in text and f"@prefix sem: <{SEM}> ." in text
        assert "kg:ArmedAttack" in text and "sem:hasPlace" in text


def test_jsonld_reads_back_with_rdflib_offline(store, tmp_path):
    path = write_rdf(store, tmp_path / "g.jsonld", "jsonld")
    doc = json.loads(path.read_text(encoding="utf-8"))
    published = json.loads((resource_dir("ontology") / "context.jsonld").read_text())
    assert doc["@context"] == published["@context"]      # inline: no network needed
    parsed = rdflib.Graph().parse(path, format="json-ld")
    expected = rdflib.Graph().parse(data="".join(t + " .\n" for t in _expected_triples(store)),
                                    format="nt")
    assert len(parsed) == len(expected) == 290
    assert isomorphic(parsed, expected)


def test_jsonld_uses_short_keys(store):
    from kg_builder.export.rdf import union_triples

    doc = jsonld_document(union_triples(store))
    nodes = {n["@id"]: n for n in doc["@graph"]}
    attack = nodes[E_ATTACK]
    assert attack["@type"] == ["ArmedAttack", "Event"]
    assert attack["agent"] == NLF and attack["target"] == ARMY and attack["place"] == KATI
    assert attack["fatalities"] == [1, 3]                     # JSON numbers, coerced xsd:integer
    assert attack["certainty"] == ["Asserted", "Reported"]
    assert attack["earliest"] == "2022-07-22"
    kati = nodes[KATI]
    assert kati["lat"] == "12.74409" and kati["long"] == "-8.07245"   # exact xsd:decimal
    assert kati["sameAs"] == "https://sws.geonames.org/2455517/"
    assert nodes[ARMY]["sameAs"] == "wd:Q1000001"
    followup = nodes[ID + "article/fx-followup"]
    assert followup["datePublished"] == {"@value": "2022-07-26T09:30:00Z",
                                         "@type": "xsd:dateTime"}


def test_jsonld_values_outside_the_coercions_round_trip(tmp_path):
    ex = "http://ex.org/"
    store = ox.Store()
    g = ox.NamedNode(ex + "g")
    s = ox.NamedNode(ex + "s")
    b = ox.BlankNode("b1")
    quads = [
        (s, KG + "fatalities", ox.Literal("about ten")),                      # string, not integer
        (s, KG + "fatalities", ox.Literal("007", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer"))),                     # non-canonical
        (s, "http://www.w3.org/2003/01/geo/wgs84_pos#lat",
         ox.Literal("1.5E1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double"))),
        (s, RDFS_LABEL, ox.Literal("Bamako", language="fr")),
        (s, RDFS_LABEL, ox.NamedNode(ex + "not-a-literal")),
        (s, KG + "agent", ox.Literal("a literal where an IRI is expected")),
        (s, KG + "agent", b),
        (s, KG + "certainty", ox.NamedNode(ex + "Unknown")),
        (b, ex + "custom", ox.Literal("x\"y\n<z>\x1f")),
        (s, RDF_TYPE, ox.NamedNode(ex + "Thing")),
    ]
    for subj, pred, obj in quads:
        store.add(ox.Quad(subj, ox.NamedNode(pred), obj, g))
    path = write_rdf(store, tmp_path / "odd.jsonld", "jsonld")
    parsed = rdflib.Graph().parse(path, format="json-ld")
    expected = rdflib.Graph().parse(data=ox.serialize(
        [ox.Triple(q.subject, q.predicate, q.object) for q in store],
        format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    assert isomorphic(parsed, expected)
    back = _load(path, ox.RdfFormat.JSON_LD)
    assert len(back) == len(quads)


def test_jsonld_refuses_an_iri_it_cannot_write(tmp_path):
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://ex.org/s"), ox.NamedNode("http://ex.org/p"),
                      ox.NamedNode("geo:12.3,-8.1"), ox.DefaultGraph()))
    with pytest.raises(ExportError, match="scheme 'geo'"):
        write_rdf(store, tmp_path / "geo.jsonld", "jsonld")
    assert not list(tmp_path.iterdir())                       # nothing half-written


def test_context_covers_the_vocabulary():
    from kg_builder.namespaces import KG as KGNS

    context = load_context()
    mapped = {v if isinstance(v, str) else v["@id"] for v in context.values()}
    for name in ("agent", "target", "place", "label", "lat", "long", "fatalities", "certainty",
                 "accordingTo", "earliest", "latest"):
        assert name in context
    terms = [str(t)[len(KG):] for t in dir(KGNS) if str(t).startswith(KG)]
    assert len(terms) > 50
    missing = [t for t in terms if f"kg:{t}" not in mapped]
    assert missing == []


# ---------------------------------------------------------------------------- dispatcher, files

def test_export_dispatch(store, tmp_path):
    assert export(store, "gexf", tmp_path / "a.gexf") == tmp_path / "a.gexf"
    assert export(store, "graphml", tmp_path / "a.graphml", view="actors").is_file()
    assert len(export(store, "csv", tmp_path / "csv")) == 2
    assert export(store, "turtle", tmp_path / "a.ttl").stat().st_size > 0
    with pytest.raises(ExportError, match="unknown export format 'xml'"):
        export(store, "xml", tmp_path / "a.xml")
    with pytest.raises(ExportError, match="unknown view"):
        export(store, "gexf", tmp_path / "b.gexf", view="events")
    with pytest.raises(ExportError, match="applies to"):
        export(store, "trig", tmp_path / "b.trig", view="actors")
    with pytest.raises(ExportError, match="is a folder"):
        export(store, "gexf", tmp_path)
    with pytest.raises(ExportError, match="does not exist"):
        export(store, "nquads", tmp_path / "no" / "such.nq")


def test_failed_write_keeps_previous_file(store, tmp_path, monkeypatch):
    import kg_builder.export.gexf as gexf_module

    path = tmp_path / "net.gexf"
    path.write_text("previous export", encoding="utf-8")

    def failing(graph):
        yield "<?xml version='1.0'?>"
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(gexf_module, "iter_gexf", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_gexf(store, path)
    assert path.read_text(encoding="utf-8") == "previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["net.gexf"]


def test_atomic_output_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_output(tmp_path / "f.txt", "w", encoding="utf-8") as fh:
            fh.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o644


def test_parallel_edges_survive_in_gexf(tmp_path):
    # a government that is both the agent of a statement and the source reporting it
    store = _store_from_trig("""
      :g { :e a sem:Event, kg:Statement ; rdfs:label "statement" ; kg:agent :gov ;
              sem:hasActor :gov ; kg:accordingTo :gov .
           :gov a sem:Actor, kg:Government ; rdfs:label "government" . }
    """)
    path = write_gexf(store, tmp_path / "parallel.gexf")
    text = path.read_text(encoding="utf-8")
    assert 'kind="agent"' in text and 'kind="accordingTo"' in text   # Gephi keeps both
    g = nx.read_gexf(path)
    assert isinstance(g, nx.MultiDiGraph)
    assert g.number_of_edges("http://ex.org/e", "http://ex.org/gov") == 2
    assert gexf_semantic_errors(path) == []


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "csv", "trig", "nquads", "turtle",
                                 "ntriples", "jsonld"])
def test_empty_store_exports(tmp_path, fmt):
    written = export(ox.Store(), fmt, tmp_path / f"empty.{fmt}")
    paths = written if isinstance(written, list) else [written]
    assert all(p.is_file() for p in paths)
    if fmt == "gexf":
        assert gexf_semantic_errors(paths[0]) == []
        meta = ET.parse(paths[0]).getroot().find(f"{{{GEXF_NS}}}meta")
        assert meta.get("lastmodifieddate") == "1970-01-01"        # fixed, not the clock
        if find_gexf_schema() is not None:
            assert gexf_schema_errors(paths[0]) == []
    elif fmt == "jsonld":
        assert json.loads(paths[0].read_text(encoding="utf-8"))["@graph"] == []
    elif fmt == "csv":
        assert _read_csv(paths[0]) == [] and paths[0].read_text().startswith("Id,Label,")


def test_newest_report_gives_the_count():
    # the later article revises the toll down; an undated default-graph figure does not win
    store = _store_from_trig("""
      @prefix schema: <https://schema.org/> .
      :a1 { :a1 schema:datePublished "2022-07-22"^^xsd:date .
            :e a sem:Event ; kg:fatalities 12 ; kg:injured 4 . }
      :a2 { :a2 schema:datePublished "2022-07-23T08:00:00Z"^^xsd:dateTime .
            :e a sem:Event ; kg:fatalities 7 . }
      :e kg:fatalities 40 .
    """)
    event = build_network(store, "full").nodes["http://ex.org/e"]
    assert (event["fatalities"], event["injured"]) == (7, 4)
    assert event["articles"] == 2
