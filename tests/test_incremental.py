"""Incremental and reversible builds: stable quads, skipping and replacing articles (same id or
same URL), ``kg-builder remove`` restoring exactly what building the other articles gives, and
work per new article that does not grow with the store.

Real articles are the wire-style fixtures of tests/fixtures/wire/ built through the pipeline;
the store-size checks use synthetic extractions written straight through the build functions.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg_builder import iris
from kg_builder.build import (
    BuildOptions,
    BuildReport,
    add_extraction,
    prepare_store,
    remove_articles,
)
from kg_builder.cli import main
from kg_builder.model import Actor, Article, Event, Extraction, Place, Span
from kg_builder.store import INTERNAL_GRAPHS

WIRE = Path(__file__).parent / "fixtures" / "wire"
SW, AC, DISPATCH = "ouallam-sahelwire.json", "ouallam-continental.json", "ouallam-dispatch.json"
T_AC, T_SW = "tillaberi-continental.json", "tillaberi-sahelwire.json"
ALL = [AC, DISPATCH, SW, T_AC, T_SW]
CORRECTED = WIRE / "corrections" / "ouallam-continental-corrected.json"
B = iris.DEFAULT_BASE


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def build(store: Path, *files: str | Path, extra: tuple[str, ...] = ()) -> str:
    paths = [str(f if isinstance(f, Path) else WIRE / f) for f in files]
    res = run("build", *paths, "--store", str(store), *extra)
    assert res.exit_code == 0, res.output
    return res.output


def nquads(store: Path) -> list[str]:
    """The store's article quads as sorted N-Quads lines (the store's own graphs left out)."""
    s = ox.Store.read_only(str(store))
    quads = [q for q in s if q.graph_name not in INTERNAL_GRAPHS]
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return sorted(data.splitlines())


def graphs(store: Path) -> list[str]:
    s = ox.Store.read_only(str(store))
    return sorted(g.value.rsplit("/", 1)[1] for g in s.named_graphs() if g not in INTERNAL_GRAPHS)


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    """All five reports, built once; tests copy it before changing it."""
    path = tmp_path_factory.mktemp("full") / "kg-store"
    build(path, *ALL, extra=("-q",))
    return path


def copy_store(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


# ----------------------------------------------------------------------------- stable quads

def test_same_inputs_give_the_same_quads_in_fresh_stores_and_files(full, tmp_path):
    again = tmp_path / "again"
    build(again, *ALL, extra=("-q",))
    assert nquads(again) == nquads(full)
    out = tmp_path / "graph.nq"
    res = run("build", *(str(WIRE / f) for f in ALL), "--output", str(out), "-q")
    assert res.exit_code == 0, res.output
    assert sorted(out.read_text(encoding="utf-8").splitlines()) == nquads(full)


def test_building_twice_into_one_store_skips_and_forcing_changes_nothing(full, tmp_path):
    store = copy_store(full, tmp_path / "s")
    before = nquads(store)
    assert "skipped 5 unchanged" in build(store, *ALL)
    assert nquads(store) == before
    assert "built 5 article(s), skipped 0" in build(store, *ALL, extra=("--force",))
    assert nquads(store) == before


def test_any_input_order_gives_the_same_quads(full, tmp_path):
    # the dispatch reports the attack twice (a killing and an attack): which of its events joins
    # the others' must not depend on which report came first
    for n, order in enumerate([ALL[::-1], [SW, T_SW, DISPATCH, AC, T_AC]]):
        store = tmp_path / f"order-{n}"
        build(store, *order, extra=("-q",))
        assert nquads(store) == nquads(full), order


def test_pairs_of_reports_merge_the_same_way_in_either_order(tmp_path):
    for pair in ([T_AC, T_SW], [SW, AC]):
        one, two = tmp_path / f"{pair[0]}-1", tmp_path / f"{pair[0]}-2"
        build(one, *pair, extra=("-q",))
        build(two, *pair[::-1], extra=("-q",))
        assert nquads(one) == nquads(two)


# ----------------------------------------------------------------------------- removal

def test_build_a_and_b_then_remove_b_equals_building_a_alone(tmp_path):
    both, alone = tmp_path / "both", tmp_path / "alone"
    build(both, SW, AC, extra=("-q",))
    shared = ox.Store.read_only(str(both)).query(
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?e a "
        "<http://semanticweb.cs.vu.nl/2009/11/sem/Event> } "
        "GRAPH ?h { ?e a <http://semanticweb.cs.vu.nl/2009/11/sem/Event> } FILTER(?g != ?h) }")
    assert int(next(iter(shared))["n"].value) == 2  # they did share an event
    res = run("remove", "ac-0312-niger-attack", "--store", str(both))
    assert res.exit_code == 0, res.output
    build(alone, SW, extra=("-q",))
    assert nquads(both) == nquads(alone)
    # and the other way round: A's claim had taken the merged IRI
    both2 = tmp_path / "both2"
    build(both2, SW, AC, extra=("-q",))
    assert run("remove", "sw-2024-0312-017", "--store", str(both2)).exit_code == 0
    alone2 = tmp_path / "alone2"
    build(alone2, AC, extra=("-q",))
    assert nquads(both2) == nquads(alone2)


def test_removing_by_id_and_url_from_a_three_report_event(full, tmp_path):
    store = copy_store(full, tmp_path / "s")
    res = run("remove", "ac-0312-niger-attack", "https://dispatch.example/world/88231",
              "--store", str(store))
    assert res.exit_code == 0, res.output
    assert "removed 2 article(s)" in res.output
    expected = tmp_path / "expected"
    build(expected, SW, T_AC, T_SW, extra=("-q",))
    assert nquads(store) == nquads(expected)


def test_removing_the_report_that_named_the_event_renames_the_others(full, tmp_path):
    store = copy_store(full, tmp_path / "s")
    assert run("remove", "sw-2024-0312-017", "--store", str(store)).exit_code == 0
    expected = tmp_path / "expected"
    build(expected, AC, DISPATCH, T_AC, T_SW, extra=("-q",))
    assert nquads(store) == nquads(expected)
    assert run("validate", "--store", str(store)).exit_code == 0


def test_unknown_ids_are_one_line_errors_and_the_others_are_still_removed(full, tmp_path):
    store = copy_store(full, tmp_path / "s")
    res = run("remove", "no-such-article", "sw-2024-0312-021", "--store", str(store))
    assert res.exit_code == 2
    errors = [x for x in res.output.splitlines() if x.startswith("kg-builder: error")]
    assert len(errors) == 1 and "no-such-article" in errors[0]
    left = graphs(store)
    assert "sw-2024-0312-021" not in left and len(left) == 4
    res = run("remove", "x", "--store", str(tmp_path / "nowhere"))
    assert res.exit_code == 2 and "no store here" in res.output


def test_removing_every_article_leaves_nothing_behind(full, tmp_path):
    store = copy_store(full, tmp_path / "s")
    ids = ["sw-2024-0312-017", "ac-0312-niger-attack", "dispatch-88231",
           "sw-2024-0312-021", "ac-0312-tillaberi-market"]
    assert run("remove", *ids, "--store", str(store)).exit_code == 0
    assert nquads(store) == []


# ----------------------------------------------------------------------------- replacement

def test_a_correction_under_the_same_url_replaces_the_old_graph(full, tmp_path):
    store = copy_store(full, tmp_path / "s")
    out = build(store, CORRECTED)
    assert "built 1 article(s)" in out
    assert graphs(store) == sorted(["ac-0312-niger-attack-c1", "ac-0312-tillaberi-market",
                                    "dispatch-88231", "sw-2024-0312-017", "sw-2024-0312-021"])
    s = ox.Store.read_only(str(store))
    old = ox.NamedNode(B + "article/ac-0312-niger-attack")
    assert not any(True for _ in s.quads_for_pattern(None, None, None, old))
    assert not any(True for _ in s.quads_for_pattern(None, None, old, None))
    corrected = f"<{B}article/ac-0312-niger-attack-c1>"
    rows = s.query("PREFIX kg: <https://w3id.org/kg-builder/ontology#> SELECT ?g ?f WHERE { "
                   f"GRAPH {corrected} {{ ?e kg:fatalities ?f }} "
                   "GRAPH ?g { ?e kg:fatalities ?x } } ORDER BY ?g")
    by_graph = {r["g"].value.rsplit("/", 1)[1]: r["f"].value for r in rows}
    # the corrected toll, on the event the other two reports of the attack still share
    assert set(by_graph) == {"ac-0312-niger-attack-c1", "dispatch-88231", "sw-2024-0312-017"}
    assert set(by_graph.values()) == {"8"}
    assert run("validate", "--store", str(store)).exit_code == 0
    fresh = tmp_path / "fresh"
    build(fresh, CORRECTED, DISPATCH, SW, T_AC, T_SW, extra=("-q",))
    assert nquads(store) == nquads(fresh)


def test_a_changed_text_under_the_same_id_replaces_the_graph(full, tmp_path):
    store = copy_store(full, tmp_path / "s")
    record = json.loads((WIRE / SW).read_text(encoding="utf-8"))
    record["text"] = record["text"].replace("killed six soldiers", "killed nine soldiers")
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(record), encoding="utf-8")
    assert "built 1 article(s), skipped 0" in build(store, changed)
    s = ox.Store.read_only(str(store))
    figures = {q.object.value for q in s.quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/kg-builder/ontology#fatalities"), None,
        ox.NamedNode(B + "article/sw-2024-0312-017"))}
    assert figures == {"9"}
    assert len(graphs(store)) == 5


# ----------------------------------------------------------------------------- work per article

class CountingStore:
    """Passes every call to an Oxigraph store, counting the index lookups."""

    def __init__(self, store: ox.Store):
        self._store = store
        self.lookups = 0

    def quads_for_pattern(self, *args):
        self.lookups += 1
        return self._store.quads_for_pattern(*args)

    def __getattr__(self, name):
        return getattr(self._store, name)


TOWNS = [(f"Town {i}", 9100000 + i, 10 + (i % 10) * 0.7, -4 + (i // 10) * 0.9) for i in range(60)]


def synthetic(n: int, day: dt.date) -> Extraction:
    """An article reporting two attacks on ``day`` in two towns, by a linked group."""
    text = f"Synthetic report {n}. " + "x" * 400
    art = Article(id=f"syn-{n:05d}", text=text, url=f"https://example.org/syn/{n}", published=day)
    ex = Extraction(article=art)
    for k in range(2):
        name, gid, lat, lon = TOWNS[(n * 2 + k) % len(TOWNS)]
        ex.places[f"p{k}"] = Place(key=f"p{k}", name=name, mentions=[Span(50 + k, 51 + k, "x")],
                                   geonames_id=gid, lat=lat, lon=lon, country_code="XA",
                                   feature="town")
        ex.actors[f"a{k}"] = Actor(key=f"a{k}", name=f"Group {n % 7}", kind="ArmedGroup",
                                   mentions=[Span(60 + k, 61 + k, "x")], wikidata=f"Q99{n % 7}")
        ex.events.append(Event(key=f"e{70 + k}", type="ArmedAttack",
                               trigger=Span(70 + k, 71 + k, "x"), sentence=Span(0, 20, text[:20]),
                               label=f"Attack in {name}", agents=[f"a{k}"], place=f"p{k}",
                               earliest=day, latest=day, fatalities=n % 5))
    return ex


def fill(store, n: int, start: dt.date) -> None:
    _, merger = prepare_store(store, BuildOptions())
    for i in range(n):  # one article every three days: the density stays the same as it grows
        add_extraction(store, synthetic(i, start + dt.timedelta(days=3 * i)), merger)


@pytest.mark.parametrize("size", [40, 400])
def test_adding_an_article_costs_the_same_lookups_whatever_the_store_size(size):
    start = dt.date(2020, 1, 1)
    store = CountingStore(ox.Store())
    fill(store, size, start)
    _, merger = prepare_store(store, BuildOptions())
    store.lookups = 0
    day = start + dt.timedelta(days=3 * (size - 10))  # neighbours on both sides
    report = BuildReport()
    add_extraction(store, synthetic(size + 1, day), merger, report)
    # the lookups depend on the events near that day, not on the store: the same for 40 and 400
    assert store.lookups == LOOKUPS.setdefault("add", store.lookups)
    assert report.built == 1
    started = time.perf_counter()
    removed = remove_articles(store, [f"syn-{size + 1:05d}"])
    assert removed.removed and time.perf_counter() - started < 0.5


LOOKUPS: dict[str, int] = {}


def test_a_report_of_a_stored_event_joins_it_and_removal_restores_the_store():
    start = dt.date(2021, 6, 1)
    store = ox.Store()
    fill(store, 30, start)
    before = sorted(str(q) for q in store if q.graph_name not in INTERNAL_GRAPHS)
    _, merger = prepare_store(store, BuildOptions())
    copy = synthetic(12, start + dt.timedelta(days=36))  # day, towns, group of syn-00012
    copy.article = Article(id="copy-of-12", text=copy.article.text + " again", url=None,
                           published=copy.article.published)
    report = BuildReport()
    add_extraction(store, copy, merger, report)
    assert report.merged == 2
    events = {q.subject for q in store.quads_for_pattern(
        None, None, None, ox.NamedNode(B + "article/copy-of-12"))
        if "/event/" in q.subject.value}
    for e in events:
        graphs_of_e = {q.graph_name.value for q in store.quads_for_pattern(e, None, None, None)}
        assert graphs_of_e == {B + "article/copy-of-12", B + "article/syn-00012"}
    remove_articles(store, ["copy-of-12"])
    assert sorted(str(q) for q in store if q.graph_name not in INTERNAL_GRAPHS) == before


def test_base_iri_is_recorded_and_used_by_later_builds_and_removal(tmp_path):
    store = tmp_path / "s"
    base = "https://example.org/kg/"
    build(store, T_AC, T_SW, extra=("--base-iri", base, "-q"))
    s = ox.Store.read_only(str(store))
    names = {g.value for g in s.named_graphs() if g not in INTERNAL_GRAPHS}
    assert names == {base + "article/ac-0312-tillaberi-market", base + "article/sw-2024-0312-021"}
    assert all(q.subject.value.startswith(base) for q in s if q.graph_name not in INTERNAL_GRAPHS)
    del s
    res = run("build", str(WIRE / SW), "--store", str(store))
    assert res.exit_code == 2 and "--base-iri https://example.org/kg/" in res.output
    # the failed build's traceback (kept by CliRunner) still holds the open store: let it go
    del res
    gc.collect()
    res = run("remove", "sw-2024-0312-021", "--store", str(store))
    assert res.exit_code == 0, res.output
    assert graphs(store) == ["ac-0312-tillaberi-market"]
