"""End to end through the command line: build → validate → query → export, on the bundled
example article (and on the seed article of ../shared/corpus when it is present)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg_builder.cli import main
from kg_builder.store import article_graphs

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sahel-example.txt"
EXAMPLE_JSONL = ROOT / "examples" / "sahel-example.jsonl"
SEED = ROOT.parent / "shared" / "corpus" / "seed" / "kati-2022-07-22.txt"

PREFIXES = """
PREFIX kg: <https://w3id.org/kg-builder/ontology#>
PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
PREFIX gaf: <http://groundedannotationframework.org/gaf#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def select(store: ox.Store, q: str) -> list[dict[str, str]]:
    result = store.query(PREFIXES + q, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: (sol[n].value if sol[n] is not None else None) for n in names} for sol in result]


@pytest.fixture(scope="module")
def example_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("e2e") / "kg-store"
    res = run("build", str(EXAMPLE), "--published", "2025-03-13", "--store", str(store))
    assert res.exit_code == 0, res.output
    return store


def open_ro(path: Path) -> ox.Store:
    return ox.Store.read_only(str(path))


def test_build_writes_one_named_graph_per_article(example_store):
    store = open_ro(example_store)
    graphs = [g.value for g in article_graphs(store)]
    assert graphs == ["https://w3id.org/kg-builder/id/article/sahel-example"]
    rows = select(store, "SELECT ?a WHERE { ?a a schema:NewsArticle ; schema:datePublished ?d }")
    assert [r["a"] for r in rows] == graphs


def test_attack_is_typed_placed_dated_counted_and_attributed(example_store):
    store = open_ro(example_store)
    rows = select(
        store,
        """
        SELECT ?e ?label ?place ?lat ?long ?b ?end ?ts ?fat ?inj ?cert ?src WHERE {
          ?e a sem:Event, kg:ArmedAttack ; rdfs:label ?label ;
             sem:hasEarliestBeginTimeStamp ?b ; sem:hasLatestEndTimeStamp ?end ;
             sem:hasTimeStamp ?ts ; kg:fatalities ?fat ; kg:injured ?inj ; kg:certainty ?cert ;
             kg:accordingTo ?s ; sem:hasPlace ?p .
          ?p rdfs:label ?place ; geo:lat ?lat ; geo:long ?long .
          ?s rdfs:label ?src .
        }""",
    )
    assert len(rows) == 1, rows
    r = rows[0]
    # "early on Tuesday" in an article published on Thursday 13 March 2025
    assert r["b"] == r["end"] == r["ts"] == "2025-03-11"
    assert (r["fat"], r["inj"]) == ("4", "7")
    assert r["cert"].endswith("#Reported")
    assert "Armed Forces" in r["src"] or "army" in r["src"].lower()
    assert r["place"] in {"Sévaré", "Sevare"}
    assert abs(float(r["lat"]) - 14.53) < 0.1 and abs(float(r["long"]) + 4.1) < 0.1
    agents = select(
        store,
        f"""SELECT ?l WHERE {{ <{r["e"]}> kg:agent ?a . ?a rdfs:label ?l .
                                <{r["e"]}> sem:hasActor ?a . }}""",
    )
    assert [a["l"].lower() for a in agents] == ["suspected jihadists"]


def test_every_mention_offset_slices_the_article_text(example_store):
    text = EXAMPLE.read_text(encoding="utf-8")
    store = open_ro(example_store)
    rows = select(
        store, """SELECT ?m ?anchor WHERE { ?x gaf:denotedBy ?m . ?m kg:anchorOf ?anchor }"""
    )
    assert len(rows) > 20
    for r in rows:
        b, e = map(int, re.search(r"#char=(\d+),(\d+)$", r["m"]).groups())
        assert text[b:e] == r["anchor"]
    sentences = select(
        store,
        """SELECT ?s ?t WHERE { ?e a kg:ArmedAttack ; kg:evidence ?s ;
                                  kg:fatalities 4 . ?s kg:anchorOf ?t }""",
    )
    assert len(sentences) == 1
    b, e = map(int, re.search(r"#char=(\d+),(\d+)$", sentences[0]["s"]).groups())
    assert text[b:e].startswith("Suspected jihadists attacked an army post")
    assert text[b:e].endswith("the army said in a statement.")


def test_places_are_resolved_and_relative_locations_have_their_own_node(example_store):
    store = open_ro(example_store)
    places = {
        r["l"]: r
        for r in select(
            store,
            """SELECT ?p ?l ?lat ?cc ?gn WHERE {
        ?p a sem:Place ; rdfs:label ?l . OPTIONAL { ?p geo:lat ?lat }
        OPTIONAL { ?p kg:countryCode ?cc }
        OPTIONAL { ?p owl:sameAs ?gn } }""",
        )
    }
    assert places["Mali"]["cc"] == "ML" and places["Mali"]["gn"].startswith(
        "https://sws.geonames.org/"
    )
    assert places["Mopti"]["lat"] is not None
    rel = select(
        store,
        """SELECT ?l ?d ?b ?anchor ?lat WHERE { ?p a kg:RelativePlace ; rdfs:label ?l ;
        kg:distanceKm ?d ; kg:relativeTo ?a ; geo:lat ?lat . ?a rdfs:label ?anchor .
        OPTIONAL { ?p kg:bearing ?b } } ORDER BY ?l""",
    )
    by_anchor = {r["anchor"]: r for r in rel}
    mopti = by_anchor["Mopti"]
    assert float(mopti["d"]) == 12 and float(mopti["b"]) == 180
    assert float(mopti["lat"]) < float(places["Mopti"]["lat"])  # south of the anchor


def test_actors_have_kinds_and_canonical_names(example_store):
    store = open_ro(example_store)
    rows = select(
        store,
        """SELECT ?l ?kind WHERE { ?a a sem:Actor, ?kind ; rdfs:label ?l .
                             FILTER(?kind != sem:Actor) }""",
    )
    kinds = {r["l"]: r["kind"].rsplit("#", 1)[1] for r in rows}
    goita = [k for k in kinds if "Goita" in k or "Goïta" in k]
    assert goita and kinds[goita[0]] == "Person" and not goita[0].startswith("Colonel")
    assert kinds.get("unidentified armed men") == "ArmedGroup"
    assert not {"he", "He", "his", "it"} & set(kinds)


def test_rebuild_is_skipped_when_unchanged_and_identical_when_forced(example_store, tmp_path):
    res = run("build", str(EXAMPLE), "--published", "2025-03-13", "--store", str(example_store))
    assert res.exit_code == 0
    assert "skipped 1 unchanged" in res.output
    a, b = tmp_path / "a.nq", tmp_path / "b.nq"
    for out in (a, b):
        assert (
            run("build", str(EXAMPLE), "--published", "2025-03-13", "--output", str(out)).exit_code
            == 0
        )
    assert sorted(a.read_text().splitlines()) == sorted(b.read_text().splitlines())


def test_validate_conforms(example_store):
    res = run("validate", "--store", str(example_store))
    assert res.exit_code == 0, res.output
    assert "conforms" in res.output.lower()


def test_query_events_table_and_json(example_store):
    res = run("query", "events", "--store", str(example_store))
    assert res.exit_code == 0, res.output
    assert "2025-03-11" in res.output
    res = run("query", "events", "--store", str(example_store), "--format", "json")
    data = json.loads(res.output)
    assert data["head"]["vars"] and data["results"]["bindings"]
    # CSV and TSV are written by Oxigraph unless --limit is given: the same bytes either way
    for fmt in ("csv", "tsv"):
        whole = run("query", "events", "--store", str(example_store), "--format", fmt)
        limited = run("query", "events", "--store", str(example_store), "--format", fmt,
                      "--limit", "1000")
        assert whole.exit_code == limited.exit_code == 0
        assert whole.output == limited.output and whole.output.count("2025-03-11") >= 1


def test_export_gexf(example_store, tmp_path):
    out = tmp_path / "graph.gexf"
    res = run("export", "--to", "gexf", "--store", str(example_store), "--output", str(out))
    assert res.exit_code == 0, res.output
    import networkx as nx

    g = nx.read_gexf(out)
    labels = {d.get("label") for _, d in g.nodes(data=True)}
    assert "Mopti" in labels


@pytest.mark.parametrize(
    "fmt,suffix", [("trig", ".trig"), ("nquads", ".nq"), ("turtle", ".ttl"), ("jsonld", ".jsonld")]
)
def test_build_to_file_in_each_format(tmp_path, fmt, suffix):
    out = tmp_path / f"out{suffix}"
    res = run("build", str(EXAMPLE_JSONL), "--output", str(out), "--format", fmt)
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert data
    if fmt in {"trig", "nquads"}:
        parsed = list(
            ox.parse(data, format={"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}[fmt])
        )
        graphs = {q.graph_name.value for q in parsed}
        assert "https://w3id.org/kg-builder/id/article/example-sevare" in graphs
        assert "https://w3id.org/kg-builder/id/article/example-niamey" in graphs


def test_jsonl_metadata_is_kept(tmp_path):
    store = tmp_path / "s"
    assert run("build", str(EXAMPLE_JSONL), "--store", str(store)).exit_code == 0
    rows = select(
        open_ro(store),
        """SELECT ?a ?u ?h ?d WHERE { ?a a schema:NewsArticle ;
        schema:url ?u ; schema:headline ?h ; schema:datePublished ?d } ORDER BY ?d""",
    )
    assert [r["d"] for r in rows] == ["2025-03-13", "2025-03-14"]
    assert rows[1]["u"] == "https://example.org/news/niger-protest"
    events = select(open_ro(store), "SELECT ?e WHERE { ?e a kg:Protest }")
    assert events


def test_bad_inputs_are_one_line_errors_and_good_records_still_build(tmp_path):
    good = json.loads(EXAMPLE_JSONL.read_text().splitlines()[0])
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({"id": "x"}) + "\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9 attack".encode("latin-1"))
    store = tmp_path / "s"
    res = run(
        "build",
        str(dump),
        str(empty),
        str(latin),
        str(tmp_path / "missing.txt"),
        "--store",
        str(store),
        "--published",
        "2025-03-13",
    )
    assert res.exit_code == 2
    errors = [line for line in res.output.splitlines() if line.startswith("kg-builder: error")]
    assert any("dump.jsonl:2" in e for e in errors)
    assert any("dump.jsonl:3" in e and "text" in e for e in errors)
    assert any("empty.txt" in e for e in errors)
    assert any("latin.txt" in e and "UTF-8" in e for e in errors)
    assert any("missing.txt" in e for e in errors)
    assert "Traceback" not in res.output
    graphs = [g.value for g in article_graphs(open_ro(store))]
    assert graphs == ["https://w3id.org/kg-builder/id/article/example-sevare"]


def test_usage_errors_are_one_line_with_exit_2(tmp_path):
    res = run("build", str(EXAMPLE), "--output", str(tmp_path / "x.trig"), "--format", "rdfxml")
    assert res.exit_code == 2
    assert len(res.output.strip().splitlines()) == 1 and "rdfxml" in res.output
    res = run("query", "no-such-query", "--store", str(tmp_path / "nowhere"))
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1


@pytest.mark.skipif(not SEED.exists(), reason="../shared/corpus is not beside this checkout")
def test_seed_article_kati_attack(tmp_path):
    out = tmp_path / "seed.nq"
    res = run("build", str(SEED), "--published", "2022-07-22", "--output", str(out))
    assert res.exit_code == 0, res.output
    store = ox.Store()
    store.load(out.read_bytes(), ox.RdfFormat.N_QUADS)
    text = SEED.read_text(encoding="utf-8")
    rows = select(
        store,
        """SELECT ?s ?t ?b ?lat ?long WHERE { ?e a kg:ArmedAttack ; kg:evidence ?s ;
        sem:hasEarliestBeginTimeStamp ?b ; sem:hasPlace ?p . ?p geo:lat ?lat ; geo:long ?long .
        ?s kg:anchorOf ?t . FILTER(STRSTARTS(?t, "Heavy gunfire")) }""",
    )
    assert len(rows) == 1
    r = rows[0]
    assert r["b"] == "2022-07-22"
    # at Kati: the base is 15 km from Bamako; both are within 25 km of Kati (12.744, -8.073)
    assert abs(float(r["lat"]) - 12.744) < 0.2 and abs(float(r["long"]) + 8.073) < 0.2
    b, e = map(int, re.search(r"#char=(\d+),(\d+)$", r["s"]).groups())
    assert text[b:e] == r["t"]
    places = {
        x["l"]
        for x in select(store, "SELECT ?l WHERE { ?p a sem:Place ; rdfs:label ?l ; geo:lat ?x }")
    }
    assert {"Mali", "Bamako", "Kati"} <= places


def test_relations_carry_their_sentence(example_store):
    text = EXAMPLE.read_text(encoding="utf-8")
    store = open_ro(example_store)
    rows = select(
        store,
        """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?s ?p ?o ?m ?t WHERE { ?r a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ;
        rdf:object ?o ; gaf:denotedBy ?m . ?m kg:anchorOf ?t . ?s ?p ?o }""",
    )
    assert rows
    for r in rows:
        b, e = map(int, re.search(r"#char=(\d+),(\d+)$", r["m"]).groups())
        assert text[b:e] == r["t"]


def _run_on_terminal(args: list[str], cwd: Path) -> str:
    """Run the real command with stderr on a pseudo-terminal; return what it printed there."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kg_builder", *args], cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the other side closed
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(leader)
    assert proc.returncode == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


def test_progress_line_shows_on_a_terminal_only(tmp_path):
    records = [{"id": f"prog-{i}", "published": "2024-03-0" + str(1 + i % 9),
                "text": f"Gunmen attacked a checkpoint near Kati on Monday, killing {i + 2} "
                        "soldiers, the army said."} for i in range(40)]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    shown = _run_on_terminal(["build", str(src), "--store", str(tmp_path / "s1")], tmp_path)
    assert "\r40 built, 0 skipped" in shown
    assert "100% of input read" in shown
    assert re.search(r"articles/s", shown)
    quiet = _run_on_terminal(["build", str(src), "--store", str(tmp_path / "s2"), "--quiet"],
                             tmp_path)
    assert "built," not in quiet and "\r" not in quiet
    # not a terminal: the summary only, no carriage-return updates
    result = run("build", str(src), "--store", str(tmp_path / "s3"))
    assert result.exit_code == 0 and "\r" not in result.stderr


def test_progress_line_eta_extrapolates_time_per_input_byte(monkeypatch, capsys):
    import time
    from types import SimpleNamespace

    from kg_builder.cli import _progress_line
    from kg_builder.readers import ReadProgress

    clock = iter([100.0, 160.0])  # started at 100 s; shown at 160 s
    monkeypatch.setattr(time, "perf_counter", lambda: next(clock))
    read = ReadProgress(total_bytes=4_000, done_bytes=1_000)
    _progress_line(read)(SimpleNamespace(built=30, skipped=2))
    line = capsys.readouterr().err
    # a quarter read in 60 s: three quarters left take 180 s
    assert line == "\r30 built, 2 skipped, 0.5 articles/s, 1:00, 25% of input read, ETA 3:00 "
