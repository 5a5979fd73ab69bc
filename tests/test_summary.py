"""The event summary (kg_builder/summary.py): the `events` listing read ready-made gives the
rows the article graphs give, after builds, re-builds, merges and removals; a write session
that does not finish leaves it unread; the store's own graphs stay out of export and load.

Real articles are the wire-style fixtures of tests/fixtures/wire/ built through the pipeline;
the failure cases use synthetic extractions written straight through the build functions.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg_builder import build as kg_build
from kg_builder import summary
from kg_builder.build import BuildOptions, add_extraction, build_into, prepare_store
from kg_builder.cli import main
from kg_builder.model import Actor, Article, Event, Extraction, Place, Span
from kg_builder.query import QueryError, load_query, parse_query, prepare_query, run_query
from kg_builder.store import INTERNAL_GRAPHS, SUMMARY_GRAPH, article_graphs

FIXTURES = Path(__file__).parent / "fixtures"
WIRE = FIXTURES / "wire"
ALL = ["ouallam-continental.json", "ouallam-dispatch.json", "ouallam-sahelwire.json",
       "tillaberi-continental.json", "tillaberi-sahelwire.json"]
CORRECTED = WIRE / "corrections" / "ouallam-continental-corrected.json"
LISTS = ("agents", "targets", "certainty")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def listing(store: ox.Store, features: tuple[str, ...], **params: str) -> list[tuple]:
    """The `events` rows, name lists as sets (their order is the plan's without the summary)."""
    result = run_query(store, load_query("events"), params, features=features)
    out = []
    for row in result.rows:
        out.append(tuple(frozenset(t.value.split("; ")) if c in LISTS and t is not None else t
                         for c, t in zip(result.columns, row, strict=True)))
    return out


def assert_summary_right(store: ox.Store) -> None:
    """The summary is current, and reading it gives what the article graphs give."""
    assert summary.is_current(store)
    from_graphs = listing(store, ())
    assert from_graphs, "no events in the store"
    assert listing(store, ("summary",)) == from_graphs
    # and a plain `kg-builder query events` reads it (it is current)
    assert listing(store, tuple(sorted(_features(store)))) == from_graphs


def _features(store: ox.Store) -> frozenset[str]:
    from kg_builder.query import store_features

    return store_features(store)


def summary_quads(store: ox.Store) -> list[str]:
    return sorted(str(q) for q in store.quads_for_pattern(None, None, None, SUMMARY_GRAPH))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("summary") / "kg-store"
    res = run("build", *(str(WIRE / f) for f in ALL), "--store", str(path), "-q")
    assert res.exit_code == 0, res.output
    return path


def copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_a_build_writes_a_current_summary_that_gives_the_same_rows(built):
    store = ox.Store.read_only(str(built))
    assert_summary_right(store)
    # one summary per listed event, and the merged events (reported by several articles) count
    # their sources
    rows = listing(store, ("summary",))
    subjects = {q.subject for q in store.quads_for_pattern(None, None, None, SUMMARY_GRAPH)}
    assert len(subjects) == len(rows)
    assert max(int(r[-1].value) for r in rows) >= 2


def test_name_lists_are_sorted_in_the_summary(built):
    store = ox.Store.read_only(str(built))
    names = [q.object.value for q in store.quads_for_pattern(None, None, None, SUMMARY_GRAPH)
             if q.predicate.value.rsplit("#", 1)[1] in LISTS]
    assert names and all(n.split("; ") == sorted(n.split("; ")) for n in names)


def test_adding_replacing_and_removing_articles_keep_it_right(built, tmp_path):
    path = copy(built, tmp_path / "s")
    before = summary_quads(ox.Store.read_only(str(path)))
    # a corrected version under the same URL replaces a report of a merged event
    res = run("build", str(CORRECTED), "--store", str(path), "-q")
    assert res.exit_code == 0, res.output
    assert_summary_right(ox.Store.read_only(str(path)))
    res = run("remove", "dispatch-88231", "--store", str(path), "-q")
    assert res.exit_code == 0, res.output
    store = ox.Store.read_only(str(path))
    assert_summary_right(store)
    del store
    # building the removed article again restores the summary of the first build, except for
    # the corrected report, which is put back too
    res = run("build", str(WIRE / "ouallam-dispatch.json"), str(WIRE / ALL[0]),
              "--store", str(path), "-q")
    assert res.exit_code == 0, res.output
    store = ox.Store.read_only(str(path))
    assert_summary_right(store)
    assert summary_quads(store) == before


def test_the_same_summary_whether_built_at_once_or_article_by_article(built, tmp_path):
    path = tmp_path / "one-by-one"
    for f in ALL:
        res = run("build", str(WIRE / f), "--store", str(path), "-q")
        assert res.exit_code == 0, res.output
    assert summary_quads(ox.Store.read_only(str(path))) == \
        summary_quads(ox.Store.read_only(str(built)))


# ------------------------------------------------------------------------ unfinished writes

TOWNS = [("Ouallam", 2440000, 14.3, 2.1), ("Banibangou", 2440001, 15.0, 2.7),
         ("Tillabéri", 2440002, 14.2, 1.45)]


def synthetic(n: int, day: dt.date) -> Extraction:
    """An article reporting two attacks on ``day`` in two towns, by two groups at once."""
    text = f"Synthetic report {n}. " + "x" * 400
    art = Article(id=f"syn-{n:05d}", text=text, url=f"https://example.org/syn/{n}", published=day)
    ex = Extraction(article=art)
    for k in range(2):
        name, gid, lat, lon = TOWNS[(n + k) % len(TOWNS)]
        ex.places[f"p{k}"] = Place(key=f"p{k}", name=name, mentions=[Span(50 + k, 51 + k, "x")],
                                   geonames_id=gid, lat=lat, lon=lon, country_code="NE",
                                   feature="town")
        ex.actors[f"a{k}"] = Actor(key=f"a{k}", name=f"Group {(n + k) % 3}", kind="ArmedGroup",
                                   mentions=[Span(60 + k, 61 + k, "x")])
    for k in range(2):
        ex.events.append(Event(key=f"e{70 + k}", type="ArmedAttack",
                               trigger=Span(70 + k, 71 + k, "x"), sentence=Span(0, 20, text[:20]),
                               label=f"Attack {k}", agents=["a1", "a0"], place=f"p{k}",
                               earliest=day, latest=day, fatalities=n % 4 + k))
    return ex


def test_a_failed_build_leaves_the_summary_unread_and_the_next_one_rebuilds_it(monkeypatch):
    store = ox.Store()
    start = dt.date(2023, 5, 1)

    def extractions(shift: int = 0, fail_after: int | None = None):
        def fake(articles, options):
            for i, _ in enumerate(articles):
                if fail_after is not None and i == fail_after:
                    raise RuntimeError("worker died")
                yield synthetic(i, start + dt.timedelta(days=i + shift))
        return fake

    arts = [Article(id=f"syn-{i:05d}", text="t", published=start) for i in range(6)]
    monkeypatch.setattr(kg_build, "extract_all", extractions())
    build_into(store, arts, BuildOptions())
    assert_summary_right(store)
    old = summary_quads(store)
    # the same articles again with other dates, and the pipeline fails after three of them
    monkeypatch.setattr(kg_build, "extract_all", extractions(shift=40, fail_after=3))
    with pytest.raises(RuntimeError):
        build_into(store, arts, BuildOptions(force=True))
    assert not summary.is_current(store)
    assert _features(store) == frozenset()  # queries compute from the article graphs
    # the summary left behind is the old one, now wrong for three articles: never read
    assert summary_quads(store) == old
    assert listing(store, ("summary",)) != listing(store, ())
    # the next build, however small, rewrites it whole
    monkeypatch.setattr(kg_build, "extract_all", extractions(shift=40))
    report = build_into(store, arts[:1], BuildOptions(force=True))
    assert report.summarised == len(listing(store, ()))
    assert_summary_right(store)


def test_writes_without_a_maintainer_mark_the_summary_not_current():
    """Code that writes through prepare_store/add_extraction alone (as the benchmarks do)
    cannot leave a current-looking stale summary."""
    store = ox.Store()
    _, merger = prepare_store(store, BuildOptions())
    add_extraction(store, synthetic(0, dt.date(2023, 1, 1)), merger)
    summary.refresh(store)
    assert_summary_right(store)
    _, merger = prepare_store(store, BuildOptions())
    assert not summary.is_current(store)
    add_extraction(store, synthetic(1, dt.date(2023, 1, 1)), merger)
    assert not summary.is_current(store)


def test_a_build_into_a_file_writes_no_summary(tmp_path):
    out = tmp_path / "g.trig"
    res = run("build", str(WIRE / ALL[0]), "--output", str(out), "-q")
    assert res.exit_code == 0, res.output
    assert "kg-builder/summary" not in out.read_text(encoding="utf-8")


# ------------------------------------------------------------------- the store's own graphs


def test_export_and_the_article_graphs_leave_the_summary_out(built, tmp_path):
    store = ox.Store.read_only(str(built))
    assert SUMMARY_GRAPH in set(store.named_graphs())
    assert not INTERNAL_GRAPHS & set(article_graphs(store))
    del store
    out = tmp_path / "all.nq"
    res = run("export", "--to", "nquads", "--store", str(built), "--output", str(out))
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "kg-builder/summary" not in text and "kg-builder/meta" not in text
    # the exported file, queried, lists the same events (computed, as a file has no summary)
    res_file = run("query", "events", str(out), "--format", "csv")
    res_store = run("query", "events", "--store", str(built), "--format", "csv")
    assert res_file.exit_code == res_store.exit_code == 0

    def normal(csv_text: str) -> list[list[str]]:
        import csv
        import io

        table = list(csv.reader(io.StringIO(csv_text)))
        cols = [table[0].index(c) for c in LISTS]
        return [[";".join(sorted(v.split("; "))) if i in cols else v for i, v in enumerate(r)]
                for r in table]
    assert normal(res_file.output) == normal(res_store.output)


def test_validate_ignores_the_summary(built):
    res = run("validate", "--store", str(built))
    assert res.exit_code == 0, res.output


# ------------------------------------------------------------------------- the query side


@pytest.mark.parametrize("fixture", ["query_graph.trig"])
def test_summary_form_matches_on_the_query_fixture(fixture):
    store = ox.Store()
    store.load(path=str(FIXTURES / fixture), format=ox.RdfFormat.TRIG)
    assert _features(store) == frozenset()
    summary.refresh(store)
    assert_summary_right(store)


def test_one_event_by_its_iri(built):
    store = ox.Store.read_only(str(built))
    rows = run_query(store, load_query("events"), {}).rows
    event = rows[-1][0]
    one = run_query(store, load_query("events"), {"event": event.value}).rows
    assert [r[0] for r in one] == [event]


def test_if_tests_store_features_and_refuses_unknown_ones():
    q = parse_query("SELECT ?x WHERE {\n#@if summary\n?x ?y 1\n#@else\n?x ?y 2\n#@end\n}", "t")
    assert "?x ?y 1" in prepare_query(q, {}, ("summary",))
    assert "?x ?y 1" not in prepare_query(q, {})
    assert "?x ?y 2" in prepare_query(q, {})
    bad = parse_query("SELECT ?x WHERE {\n#@if summaries\n?x ?y 1\n#@end\n}", "t")
    with pytest.raises(QueryError, match=re.escape("store feature (summary)")):
        prepare_query(bad, {})
