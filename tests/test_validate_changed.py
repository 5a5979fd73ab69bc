"""Incremental validation (``kg-builder validate --changed``): graphs that passed and have not
been written since are not checked again; everything written, failing or checked with other
shapes is; the results are those of a full run."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef

from kg_builder.cli import main
from kg_builder.store import (
    META_GRAPH,
    VALIDATED,
    apply_changes,
    open_store,
    replace_graph,
    validation_records,
)
from kg_builder.validate import load_shapes, validate_store
from kg_builder.validate_changed import shapes_digest, validate_changed

VALID = Path(__file__).parent / "fixtures" / "valid_article.trig"
BASE = "https://w3id.org/kg-builder/id/"
NAMES = ["copy-a", "copy-b", "copy-c"]


def article_quads(name: str, *, text: str | None = None) -> list[ox.Quad]:
    """The valid fixture article as article ``name`` (its graph, mentions and provenance)."""
    text = (text or VALID.read_text(encoding="utf-8")).replace("article/test-post-attack",
                                                               f"article/{name}")
    scratch = ox.Store()
    scratch.load(text.encode("utf-8"), format=ox.RdfFormat.TRIG)
    return list(scratch.quads_for_pattern(None, None, None, None))


def graph(name: str) -> ox.NamedNode:
    return ox.NamedNode(f"{BASE}article/{name}")


def injured(store: ox.Store, name: str) -> ox.Quad:
    pred = ox.NamedNode("https://w3id.org/kg-builder/ontology#injured")
    return next(iter(store.quads_for_pattern(None, pred, None, graph(name))))


@pytest.fixture
def store(tmp_path: Path) -> ox.Store:
    s = open_store(tmp_path / "store")
    for name in NAMES:
        apply_changes(s, add=article_quads(name))
    return s


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(None)


def checked(run) -> int:
    return run.result.graphs_checked


def test_second_run_checks_nothing_and_a_write_rechecks_only_that_graph(store, shapes):
    first = validate_changed(store, shapes)
    assert (checked(first), first.unchanged, first.result.conforms) == (3, 0, True)
    assert set(validation_records(store)) == {graph(n).value for n in NAMES}
    again = validate_changed(store, shapes)
    assert (checked(again), again.unchanged, again.result.conforms) == (0, 3, True)

    # break one article's figure through the store's write path
    old = injured(store, "copy-b")
    apply_changes(store, remove=[old], add=[ox.Quad(old.subject, old.predicate,
                                                    ox.Literal("-15", datatype=old.object.datatype),
                                                    old.graph_name)])
    broken = validate_changed(store, shapes)
    assert (checked(broken), broken.unchanged, broken.result.conforms) == (1, 2, False)
    assert {v.graph for v in broken.result.violations} == {graph("copy-b").value}
    # a failing graph is reported again on every run until fixed
    still = validate_changed(store, shapes)
    assert (checked(still), still.unchanged) == (1, 2)
    assert still.result.violations == broken.result.violations

    bad = injured(store, "copy-b")
    apply_changes(store, remove=[bad], add=[old])
    fixed = validate_changed(store, shapes)
    assert (checked(fixed), fixed.result.conforms) == (1, True)
    assert checked(validate_changed(store, shapes)) == 0


def test_results_are_those_of_a_full_run(store, shapes):
    validate_changed(store, shapes)
    old = injured(store, "copy-c")
    apply_changes(store, remove=[old], add=[ox.Quad(old.subject, old.predicate,
                                                    ox.Literal("-1", datatype=old.object.datatype),
                                                    old.graph_name)])
    apply_changes(store, add=article_quads("copy-d"))
    incremental = validate_changed(store, shapes).result
    full = validate_store(store, shapes=shapes)
    assert incremental.graphs_checked == 2 and full.graphs_checked == 4
    assert incremental.violations == full.violations
    assert incremental.violations and incremental.conforms is full.conforms is False


def test_every_write_path_forgets_the_graphs_it_writes(store, shapes):
    validate_changed(store, shapes)
    # a claim re-pointed in another article's graph (what adding an article can do)
    q = injured(store, "copy-a")
    apply_changes(store, remove=[q], add=[q])
    assert graph("copy-a").value not in validation_records(store)
    # a graph replaced whole
    replace_graph(store, URIRef(graph("copy-b").value),
                  [(URIRef(graph("copy-b").value), URIRef(VALIDATED.value), Literal("x"))])
    assert graph("copy-b").value not in validation_records(store)
    # a graph dropped (an article removed)
    apply_changes(store, drop=[graph("copy-c")])
    assert validation_records(store) == {}


def test_record_is_dropped_before_the_write_so_a_failed_write_only_costs_a_recheck(store,
                                                                                     shapes):
    validate_changed(store, shapes)
    blank = ox.Quad(ox.BlankNode(), ox.NamedNode("urn:p"), ox.Literal("x"), graph("copy-a"))
    with pytest.raises(ValueError):
        apply_changes(store, remove=[injured(store, "copy-b")], add=[blank])
    assert graph("copy-a").value not in validation_records(store)
    assert len(list(store.quads_for_pattern(None, None, None, graph("copy-a")))) == \
        len(article_quads("copy-a"))
    assert checked(validate_changed(store, shapes)) == 2  # copy-a and copy-b, nothing lost


def test_other_shapes_recheck_everything(store, shapes):
    validate_changed(store, shapes)
    other = Graph()
    for t in shapes:
        other.add(t)
    other.add((URIRef("urn:x:shape"), URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
               Literal("an edited shapes file")))
    assert shapes_digest(other) != shapes_digest(shapes)
    assert checked(validate_changed(store, other)) == 3
    # the digest does not depend on how the file was read (blank-node labels, order)
    assert shapes_digest(Graph().parse(data=shapes.serialize(format="nt"), format="nt")) == \
        shapes_digest(shapes)


def test_records_live_in_the_metadata_graph_only(store, shapes):
    validate_changed(store, shapes)
    where = {q.graph_name for q in store.quads_for_pattern(None, VALIDATED, None, None)}
    assert where == {META_GRAPH}


def test_cli_changed(tmp_path: Path):
    where = tmp_path / "store"
    s = open_store(where)
    for name in NAMES[:2]:
        apply_changes(s, add=article_quads(name))
    del s
    runner = CliRunner()
    first = runner.invoke(main, ["validate", "--store", str(where), "--changed"])
    assert first.exit_code == 0, first.output
    assert "0 article graphs unchanged since they passed" in first.output
    assert "2 graphs checked, 0 violations: conforms" in first.output
    second = runner.invoke(main, ["validate", "--store", str(where), "--changed"])
    assert "2 article graphs unchanged since they passed" in second.output
    assert "0 graphs checked" in second.output
    files = runner.invoke(main, ["validate", str(VALID), "--changed"])
    assert files.exit_code == 2 and "--changed works on a store" in files.output
    missing = runner.invoke(main, ["validate", "--store", str(tmp_path / "none"), "--changed"])
    assert missing.exit_code == 2 and "no store here" in missing.output


def test_records_of_graphs_no_longer_there_are_dropped(store, shapes):
    validate_changed(store, shapes)
    ghost = graph("written-elsewhere")  # a record another program left behind
    store.add(ox.Quad(ghost, VALIDATED, ox.Literal(shapes_digest(shapes)), META_GRAPH))
    assert ghost.value in validation_records(store)
    assert checked(validate_changed(store, shapes)) == 0
    assert ghost.value not in validation_records(store)
