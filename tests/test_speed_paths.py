"""The fast paths of the build (issue 7) give what the plain ones gave.

* the mapping builds Oxigraph quads directly; its rdflib view is the same graph, and every
  typed literal is already in the lexical form rdflib would normalise it to (what the mapping
  wrote when it went through rdflib);
* the merger's index of a new graph answers as the store does for the same graph;
* the extraction's per-doc caches (tokens, entities) agree with spaCy and leave the doc;
* the extraction thread of a one-worker build keeps order, raises what the pipeline raises
  and stops when the build stops.

Texts are written for these tests.
"""

from __future__ import annotations

import datetime as dt
import threading

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from kg_builder import build
from kg_builder.build import BuildOptions, _ahead, build_into
from kg_builder.extract.entities import OBJECT_CACHES, doc_tokens, span_ents
from kg_builder.merge import _T, QuadGraph, StoreGraph, read_claim
from kg_builder.model import Article
from kg_builder.nlp import extract_docs, load_pipeline
from kg_builder.nlp.pipeline import _doc_for
from kg_builder.rdf import _dec, extraction_quads, extraction_triples
from kg_builder.store import to_ox

TEXT = (
    "Gunmen attack army post near Gao\n\n"
    "GAO, March 14 (Reuters) - Suspected jihadists attacked an army post 70 km east of Gao "
    "on Tuesday, killing 12 soldiers and wounding 15, the Malian Armed Forces (FAMa) said.\n\n"
    "The FAMa said its troops killed 9 attackers. The United Nations mission MINUSMA "
    "condemned the attack in Gao, according to a statement on Wednesday.\n\n"
    "Colonel Assimi Goita, the leader of the junta, promised reinforcements."
)
ARTICLE = Article(id="speed-1", text=TEXT, url="https://news.example/gao-attack",
                  title="Gunmen attack army post near Gao", published=dt.date(2023, 3, 17),
                  published_datetime=dt.datetime(2023, 3, 17, 9, 30,
                                                 tzinfo=dt.timezone(dt.timedelta(hours=1))),
                  source="Example Wire")


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


@pytest.fixture(scope="module")
def ex(nlp):
    return next(extract_docs(nlp, [ARTICLE]))


def test_rdflib_view_is_the_same_graph_in_the_same_order(ex):
    graph, quads = extraction_quads(ex)
    graph_iri, triples = extraction_triples(ex)
    assert graph.value == str(graph_iri) == "https://w3id.org/kg-builder/id/article/speed-1"
    assert len(quads) > 60 and len(set(quads)) == len(quads)
    assert [ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph) for s, p, o in triples] == quads
    assert len(set(triples)) == len(triples)
    kinds = {q.object.datatype.value.rsplit("#", 1)[1] for q in quads
             if isinstance(q.object, ox.Literal)}
    assert {"date", "dateTime", "anyURI", "integer", "decimal", "string"} <= kinds


def test_typed_literals_are_in_rdflib_normal_form(ex):
    """rdflib rewrites a typed literal's lexical form to its canonical one; the quads must
    hold that form already, or the store would differ from what the rdflib mapping wrote."""
    _, quads = extraction_quads(ex)
    checked = 0
    for q in quads:
        o = q.object
        if isinstance(o, ox.Literal):
            if o.datatype.value.endswith("#string"):
                assert str(Literal(o.value)) == o.value
            else:
                assert str(Literal(o.value, datatype=URIRef(o.datatype.value))) == o.value
                checked += 1
    assert checked >= 8
    published = [q.object for q in quads if q.predicate.value == "https://schema.org/datePublished"]
    assert published == [ox.Literal("2023-03-17T09:30:00+01:00", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#dateTime"))]


def test_decimals_keep_their_sign_and_form_whatever_was_cached():
    assert _dec(0.0).value == "0.0" and _dec(-0.0).value == "-0.0"
    assert _dec(-0.0).value == "-0.0" and _dec(0.0).value == "0.0"
    assert _dec(70).value == _dec(70.0).value == "70.0"
    assert _dec(12.7440912345).value == "12.744091" and _dec(12.7440912345, 3).value == "12.744"
    with pytest.raises(ValueError):
        _dec(float("nan"))


def test_merge_index_reads_like_the_store(ex):
    graph, quads = extraction_quads(ex)
    view = QuadGraph(quads)
    store = ox.Store()
    store.extend(quads)
    stored = StoreGraph(store, graph)
    events = sorted({q.subject.value for q in quads
                     if q.predicate == _T["type"] and q.object == _T["Event"]})
    assert view.events == events and len(events) >= 2
    for e in events:
        assert read_claim(view, graph.value, e, build.iris.DEFAULT_BASE) == \
            read_claim(stored, graph.value, e, build.iris.DEFAULT_BASE)
    # what it does not index it refuses to answer, rather than answering "nothing"
    anchor_of = ox.NamedNode("https://w3id.org/kg-builder/ontology#anchorOf")
    with pytest.raises(KeyError):
        view.objects(quads[0].subject, anchor_of)
    with pytest.raises(KeyError):
        view.subjects(_T["place"], quads[0].subject)


def test_entity_and_token_caches_agree_with_spacy_and_leave_the_doc(nlp):
    doc = nlp(_doc_for(nlp, ARTICLE))
    assert not any(k in doc.user_data for k in OBJECT_CACHES)
    assert [t.i for t in doc_tokens(doc)] == list(range(len(doc)))
    assert doc_tokens(doc) is doc_tokens(doc)
    found = 0
    for sent in doc.sents:
        mine = [(e.start, e.end, e.label_) for e in span_ents(sent)]
        assert mine == [(e.start, e.end, e.label_) for e in sent.ents]
        found += len(mine)
    # spans that start inside an entity or end before one
    for start, end in ((1, 5), (3, len(doc)), (len(doc) - 1, len(doc))):
        span = doc[start:end]
        assert [(e.start, e.end) for e in span_ents(span)] == \
            [(e.start, e.end) for e in span.ents]
    assert found >= 6


def test_extraction_thread_keeps_order():
    assert list(_ahead(iter(range(500)), 3)) == list(range(500))


def test_extraction_thread_raises_the_pipelines_error_after_the_items_before_it():
    def items():
        yield from (1, 2, 3)
        raise LookupError("model missing")

    got = []
    with pytest.raises(LookupError, match="model missing"):
        for x in _ahead(items(), 2):
            got.append(x)
    assert got == [1, 2, 3]


def test_extraction_thread_stops_and_closes_its_source_when_the_writer_stops():
    closed = threading.Event()

    def items():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    gen = _ahead(items(), 4)
    assert [next(gen) for _ in range(10)] == list(range(10))
    gen.close()
    assert closed.is_set()
    assert not any(t.name == "kg-builder-extract" for t in threading.enumerate())


def test_article_given_twice_is_built_once_and_equals_a_single_build(nlp):
    twin = Article(id=ARTICLE.id, text=ARTICLE.text, url=ARTICLE.url, title=ARTICLE.title,
                   published=ARTICLE.published)
    once, twice = ox.Store(), ox.Store()
    r1 = build_into(once, [twin], BuildOptions())
    r2 = build_into(twice, [twin, twin], BuildOptions())
    assert (r1.built, r1.skipped) == (1, 0)
    assert (r2.built, r2.skipped) == (1, 1)
    assert set(once) == set(twice)
    graph = ox.NamedNode("https://w3id.org/kg-builder/id/article/speed-1")
    assert len(list(once.quads_for_pattern(None, None, None, graph))) == r1.triples > 60


def test_threaded_build_frees_the_callers_oxigraph_garbage_in_the_callers_thread(nlp):
    """pyoxigraph iterators may only be freed by the thread that made them; cyclic garbage
    holding one must not meet the collector in the extraction thread (an "Exception ignored"
    message and a leak)."""
    import gc
    import sys

    class Box:
        pass

    caught = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = lambda u: caught.append(u.exc_value)
    store = ox.Store()
    try:
        store.add(ox.Quad(ox.NamedNode("http://x.example/a"), ox.NamedNode("http://x.example/p"),
                          ox.Literal("1"), ox.NamedNode("http://x.example/g")))
        for _ in range(50):
            box = Box()
            box.self, box.it = box, store.quads_for_pattern(None, None, None)
        del box
        build_into(store, [ARTICLE], BuildOptions())
        gc.collect()
    finally:
        sys.unraisablehook = old_hook
    assert not [e for e in caught if "unsendable" in str(e)], caught
