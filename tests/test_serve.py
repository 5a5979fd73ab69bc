"""`kg-builder serve`: SPARQL 1.1 Protocol over the local store, read-only, with a query page.

The server runs for real on a free loopback port; answers are parsed back with pyoxigraph's
own result parsers and compared with the same query run locally. The page is checked in a real
headless Chromium (Debian's `chromium`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from servers import dump_dom

from kg_builder import query as kq
from kg_builder.serve import NotAcceptable, make_server, negotiate

FIXTURE = Path(__file__).parent / "fixtures" / "query_graph.trig"
ROOT = Path(__file__).resolve().parents[1]
SELECT = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
          "PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> "
          "SELECT DISTINCT ?event ?label WHERE { ?event a sem:Event ; rdfs:label ?label } "
          "ORDER BY ?event")
CONSTRUCT = ("PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> "
             "CONSTRUCT { ?e ?p ?o } WHERE { ?e a sem:Place ; ?p ?o }")


def fixture_store() -> ox.Store:
    store = ox.Store()
    with open(FIXTURE, "rb") as fh:
        store.bulk_load(fh, ox.RdfFormat.TRIG)
    return store


class Running:
    """A serve instance in a background thread."""

    def __init__(self, store: ox.Store, **options) -> None:
        self.server = make_server(store, host="127.0.0.1", port=0, **options)
        self.url = self.server.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None,
         timeout: float = 30):
    """(status, headers, body) without raising on HTTP errors."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def q(query: str) -> str:
    return urllib.parse.urlencode({"query": query})


@pytest.fixture(scope="module")
def local():
    return fixture_store()


@pytest.fixture(scope="module")
def evil_queries(tmp_path_factory):
    """A user query folder with markup in a title: the page must show it as text."""
    folder = tmp_path_factory.mktemp("queries")
    (folder / "zz-evil.rq").write_text(
        "# title: <img src=x id=injected> & friends\n"
        "# description: labels of things </script><b id=bold>bold</b>\n"
        "# param: label  string?  a label\n"
        "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }\n",
        encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def served(local, evil_queries):
    running = Running(local, timeout=10, max_rows=1000, query_dirs=[evil_queries])
    yield running
    running.close()


def local_rows(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    result = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [tuple("" if s[n] is None else str(s[n]) for n in names) for s in result]


def parsed_rows(body: bytes, fmt: ox.QueryResultsFormat) -> list[tuple[str, ...]]:
    result = ox.parse_query_results(body, fmt)
    names = [v.value for v in result.variables]
    return [tuple("" if s[n] is None else str(s[n]) for n in names) for s in result]


# ------------------------------------------------------------------ protocol and formats


@pytest.mark.parametrize("accept, fmt", [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    (None, ox.QueryResultsFormat.JSON),
    ("text/html,application/xhtml+xml,*/*;q=0.8", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml;q=0.5, text/tab-separated-values;q=0.9",
     ox.QueryResultsFormat.TSV),
])
def test_get_select_in_each_format_matches_local(served, local, accept, fmt):
    headers = {"Accept": accept} if accept else {}
    status, hdrs, body = http("GET", f"{served.url}/sparql?{q(SELECT)}", headers=headers)
    assert status == 200, body
    assert hdrs["Content-Type"].split(";")[0] == fmt.media_type.split(";")[0]
    rows = parsed_rows(body, fmt)
    expected = local_rows(local, SELECT)
    assert rows == expected
    assert len(rows) >= 6 and ('"attack on Kelbo base"' in {r[1] for r in rows})


def test_csv_results(served, local):
    status, hdrs, body = http("GET", f"{served.url}/sparql?{q(SELECT)}",
                              headers={"Accept": "text/csv"})
    assert status == 200 and hdrs["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert table[0] == ["event", "label"]
    expected = [[s["event"].value, s["label"].value]
                for s in local.query(SELECT, use_default_graph_as_union=True)]
    assert table[1:] == expected


def test_tricky_literals_survive_every_format():
    store = ox.Store()
    tricky = 'quote " back\\slash, comma\nnew line\ttab é 🙂 </script>'
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    store.add(ox.Quad(s, p, ox.Literal(tricky), ox.NamedNode("http://example.org/g")))
    store.add(ox.Quad(s, p, ox.Literal("Bonjour", language="fr"),
                      ox.NamedNode("http://example.org/g")))
    store.add(ox.Quad(ox.BlankNode("b0"), p, ox.Literal("2.50", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#decimal")), ox.NamedNode("http://example.org/g")))
    running = Running(store)
    try:
        query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?o"
        expected = sorted(str(qd.object) for qd in store)
        for fmt in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML,
                    ox.QueryResultsFormat.TSV):
            status, _, body = http("GET", f"{running.url}/sparql?{q(query)}",
                                   headers={"Accept": fmt.media_type})
            assert status == 200
            result = ox.parse_query_results(body, fmt)
            assert sorted(str(sol["o"]) for sol in result) == expected, fmt
        status, _, body = http("GET", f"{running.url}/sparql?{q(query)}",
                               headers={"Accept": "text/csv"})
        values = [row[1] for row in csv.reader(io.StringIO(body.decode(), newline=""))][1:]
        assert tricky in values and "Bonjour" in values
    finally:
        running.close()


def test_post_form_and_post_query(served, local):
    expected = local_rows(local, SELECT)
    status, _, body = http("POST", f"{served.url}/sparql", q(SELECT).encode(),
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Accept": "application/sparql-results+xml"})
    assert status == 200
    assert parsed_rows(body, ox.QueryResultsFormat.XML) == expected
    status, _, body = http("POST", f"{served.url}/query", SELECT.encode(),
                           {"Content-Type": "application/sparql-query; charset=utf-8"})
    assert status == 200
    assert parsed_rows(body, ox.QueryResultsFormat.JSON) == expected
    status, _, _ = http("POST", f"{served.url}/sparql", b"query=x",
                        {"Content-Type": "text/plain"})
    assert status == 415


@pytest.mark.parametrize("accept, rdf_format", [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    (None, ox.RdfFormat.TURTLE),
])
def test_construct_as_rdf(served, local, accept, rdf_format):
    status, hdrs, body = http("GET", f"{served.url}/sparql?{q(CONSTRUCT)}",
                              headers={"Accept": accept} if accept else {})
    assert status == 200
    assert hdrs["Content-Type"].split(";")[0] == rdf_format.media_type.split(";")[0]
    got = {str(t) for t in ox.parse(body, rdf_format)}
    expected = {str(t) for t in local.query(CONSTRUCT, use_default_graph_as_union=True)}
    assert got == expected and len(got) > 20


@pytest.mark.parametrize("accept, expected", [
    ("application/sparql-results+json", b'"boolean": true'),
    ("application/sparql-results+xml", b"<boolean>true</boolean>"),
    ("text/csv", b"true\n"),
])
def test_ask(served, accept, expected):
    query = "ASK { ?s a <http://semanticweb.cs.vu.nl/2009/11/sem/Event> }"
    status, _, body = http("GET", f"{served.url}/sparql?{q(query)}", headers={"Accept": accept})
    assert status == 200 and expected in body
    no = "ASK { ?s a <http://example.org/Nothing> }"
    status, _, body = http("GET", f"{served.url}/sparql?{q(no)}", headers={"Accept": accept})
    assert status == 200 and b"false" in body


def test_format_parameter_and_not_acceptable(served):
    status, hdrs, _ = http("GET", f"{served.url}/sparql?{q(SELECT)}&format=csv")
    assert status == 200 and hdrs["Content-Type"].startswith("text/csv")
    status, _, body = http("GET", f"{served.url}/sparql?{q(SELECT)}",
                           headers={"Accept": "image/png"})
    assert status == 406 and b"application/sparql-results+json" in body
    # Turtle is for graphs, not for SELECT results.
    status, _, _ = http("GET", f"{served.url}/sparql?{q(SELECT)}&format=turtle")
    assert status == 406


def test_negotiate_prefers_quality_then_default():
    offered = {"json": ("application/sparql-results+json",), "csv": ("text/csv",)}
    assert negotiate(None, offered, "json") == "json"
    assert negotiate("text/*", offered, "json") == "csv"
    assert negotiate("text/csv;q=0.4, */*;q=0.5", offered, "json") == "json"
    assert negotiate("text/csv, application/sparql-results+json", offered, "json") == "json"
    with pytest.raises(NotAcceptable):
        negotiate("text/csv;q=0, image/png", offered, "json")


def test_dataset_parameters(served, local):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    graph = "https://w3id.org/kg-builder/id/article/a2-army-statement"
    params = urllib.parse.urlencode({"query": query, "default-graph-uri": graph})
    status, _, body = http("GET", f"{served.url}/sparql?{params}")
    assert status == 200
    n = json.loads(body)["results"]["bindings"][0]["n"]["value"]
    assert int(n) == len(list(local.quads_for_pattern(None, None, None, ox.NamedNode(graph))))


def test_syntax_error_is_400(served):
    status, _, body = http("GET", f"{served.url}/sparql?{q('SELECT WHERE {')}")
    assert status == 400 and b"syntax error" in body.lower()
    status, _, _ = http("GET", f"{served.url}/sparql")
    assert status == 400
    status, _, _ = http("GET", f"{served.url}/nothing-here")
    assert status == 404


# ------------------------------------------------------------------ read-only, CORS


def test_updates_are_refused(served, local):
    before = len(local)
    update = "INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }"
    cases = [
        ("POST", "/sparql", urllib.parse.urlencode({"update": update}).encode(),
         {"Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", "/sparql", update.encode(), {"Content-Type": "application/sparql-update"}),
        ("POST", "/update", update.encode(), {"Content-Type": "application/sparql-update"}),
        ("GET", "/sparql?" + urllib.parse.urlencode({"update": update}), None, {}),
        ("GET", "/sparql?" + q("PREFIX e: <http://e/> DELETE WHERE { ?s ?p ?o }"), None, {}),
    ]
    for method, path, body, headers in cases:
        status, _, text = http(method, served.url + path, body, headers)
        assert status == 403, (method, path, status, text)
        assert b"read-only" in text
    status, hdrs, _ = http("PUT", f"{served.url}/sparql", b"x", {"Content-Type": "text/turtle"})
    assert status == 405 and "GET" in hdrs["Allow"]
    status, _, _ = http("DELETE", f"{served.url}/sparql")
    assert status == 405
    assert len(local) == before


def test_cors(served):
    status, hdrs, _ = http("GET", f"{served.url}/sparql?{q(SELECT)}",
                           headers={"Origin": "https://example.org"})
    assert status == 200 and hdrs["Access-Control-Allow-Origin"] == "*"
    status, hdrs, body = http("OPTIONS", f"{served.url}/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 204 and body == b""
    assert hdrs["Access-Control-Allow-Origin"] == "*"
    assert "POST" in hdrs["Access-Control-Allow-Methods"]
    assert "content-type" in hdrs["Access-Control-Allow-Headers"].lower()
    status, hdrs, _ = http("POST", f"{served.url}/sparql", b"update=x",
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and hdrs["Access-Control-Allow-Origin"] == "*"


# ------------------------------------------------------------------ limits


def test_max_rows_cuts_and_says_so(local):
    running = Running(local, max_rows=4)
    try:
        query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
        status, hdrs, body = http("GET", f"{running.url}/sparql?{q(query)}")
        assert status == 200
        assert len(json.loads(body)["results"]["bindings"]) == 4
        assert hdrs["X-SPARQL-MaxRows"] == "4" and hdrs["X-KG-Builder-Truncated"] == "true"
        status, hdrs, body = http("GET", f"{running.url}/sparql?{q(CONSTRUCT)}",
                                  headers={"Accept": "application/n-triples"})
        assert len(body.decode().strip().splitlines()) == 4
        assert hdrs["X-KG-Builder-Truncated"] == "true"
        status, hdrs, body = http("GET", f"{running.url}/sparql?{q(SELECT + ' LIMIT 3')}")
        assert len(json.loads(body)["results"]["bindings"]) == 3
        assert hdrs.get("X-KG-Builder-Truncated") is None
    finally:
        running.close()


def test_timeout_gives_503_and_server_keeps_answering():
    store = ox.Store()
    p = ox.NamedNode("http://example.org/p")
    store.extend([ox.Quad(ox.NamedNode(f"http://example.org/{i}"), p, ox.Literal(str(i)),
                          ox.NamedNode("http://example.org/g")) for i in range(2500)])
    running = Running(store, timeout=0.5, max_concurrent=2)
    slow = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?p ?y . "
            "FILTER(STR(?x) < STR(?y)) }")
    try:
        started = time.monotonic()
        status, _, body = http("GET", f"{running.url}/sparql?{q(slow)}")
        elapsed = time.monotonic() - started
        assert status == 503, body
        assert b"did not finish within 0.5 s" in body
        assert elapsed < 2.5
        status, _, body = http("GET", f"{running.url}/sparql?"
                               + q("ASK { ?s ?p \"7\" }"))
        assert status == 200 and b"true" in body
    finally:
        running.close()


# ------------------------------------------------------------------ named queries


def test_run_named_query_matches_local(served, local):
    status, _, body = http("GET", f"{served.url}/run/events?type=ArmedAttack")
    assert status == 200
    rows = parsed_rows(body, ox.QueryResultsFormat.JSON)
    expected = kq.run_query(local, kq.load_query("events"), {"type": "ArmedAttack"})
    assert rows == [tuple("" if t is None else str(t) for t in row) for row in expected.rows]
    assert len(rows) == 1 and '"attack on Kelbo base"' in rows[0]
    # a place parameter is looked up in the served store, as `kg-builder query` does
    status, _, body = http("GET", f"{served.url}/run/events?place=KELBO")
    rows = parsed_rows(body, ox.QueryResultsFormat.JSON)
    expected = kq.run_query(local, kq.load_query("events"), {"place": "kelbo"})
    assert status == 200 and expected.rows
    assert rows == [tuple("" if t is None else str(t) for t in row) for row in expected.rows]
    status, hdrs, body = http("GET", f"{served.url}/run/events?format=csv")
    assert status == 200 and hdrs["Content-Type"].startswith("text/csv")
    assert body.decode().splitlines()[0].startswith("event,type,label")


def test_run_named_query_errors(served):
    status, hdrs, body = http("GET", f"{served.url}/run/events?min_fatalities=many")
    assert status == 400 and hdrs["Content-Type"].startswith("application/json")
    assert "min_fatalities" in json.loads(body)["error"]
    status, _, body = http("GET", f"{served.url}/run/events?nope=1")
    assert status == 400 and "nope" in json.loads(body)["error"]
    status, _, body = http("GET", f"{served.url}/run/no-such-query")
    assert status == 404
    # /run/ takes named queries only, never paths to files
    for path in ("..%2Fpyproject.toml", "%2Fetc%2Fpasswd", "..%2F..%2Fqueries%2Fevents.rq",
                 str(ROOT / "queries" / "events.rq").replace("/", "%2F")):
        status, _, body = http("GET", f"{served.url}/run/{path}")
        assert status == 404 and b"root:" not in body, path
    # A parameter value cannot inject SPARQL: it is bound as a typed term.
    inject = urllib.parse.quote('x" } } ; DROP ALL ; #')
    status, _, body = http("GET", f"{served.url}/run/events?place={inject}")
    assert status == 200 and json.loads(body)["results"]["bindings"] == []


def test_queries_listing(served):
    status, _, body = http("GET", f"{served.url}/queries")
    listing = {item["name"]: item for item in json.loads(body)}
    assert status == 200
    assert {nq.name for nq in kq.list_queries()} <= set(listing)
    params = {p["name"]: p for p in listing["events"]["params"]}
    assert params["min_fatalities"]["type"] == "integer"
    assert params["type"]["required"] is False


# ------------------------------------------------------------------ the page, in a browser


def test_page_lists_queries_in_browser(served, chromium):
    dom = dump_dom(f"{served.url}/")
    for nq in kq.list_queries():
        assert f'data-query="{nq.name}"' in dom
        assert nq.title.replace("&", "&amp;") in dom
    # markup in a query header is shown as text, never run or rendered
    assert "&lt;img src=x id=injected&gt; &amp; friends" in dom
    assert 'id="injected"' not in dom and 'id="bold"' not in dom


def test_page_runs_a_query_and_renders_rows_in_browser(served, local, chromium):
    dom = dump_dom(f"{served.url}/?run=events&type=ArmedAttack")
    assert re.search(r'<div id="status"[^>]*>1 row<', dom), dom[-3000:]
    rows = re.findall(r'<tr class="row">(.*?)</tr>', dom)
    assert len(rows) == 1
    assert "attack on Kelbo base" in rows[0] and "kg:ArmedAttack" in rows[0]
    # the form shows the parameter it ran with
    assert re.search(r'<input id="param-type"[^>]*>', dom)
    dom = dump_dom(f"{served.url}/?run=events")
    events = kq.run_query(local, kq.load_query("events"), {}).rows
    assert len(events) >= 6
    assert len(re.findall(r'<tr class="row">', dom)) == len(events)


def test_page_shows_parameter_errors_in_browser(served, chromium):
    dom = dump_dom(f"{served.url}/?run=events&type=not%20an%20iri")
    status = re.search(r'<div id="status"[^>]*class="error"[^>]*>(.*?)</div>', dom)
    assert status, dom[-3000:]
    assert "Error 400" in status.group(1) and "not an IRI" in status.group(1)
    assert '<tr class="row">' not in dom


# ------------------------------------------------------------------ the command


def test_serve_command_on_a_store_folder(tmp_path):
    folder = tmp_path / "kg-store"
    store = ox.Store(str(folder))
    with open(FIXTURE, "rb") as fh:
        store.bulk_load(fh, ox.RdfFormat.TRIG)
    store.flush()
    del store
    code = "from kg_builder.serve import serve_command; serve_command(prog_name='kg-builder serve')"
    proc = subprocess.Popen([sys.executable, "-c", code, "--store", str(folder), "--port", "0"],
                            cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        line = proc.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/sparql", line)
        assert match, line
        base = match.group(1)
        status, _, body = http("GET", f"{base}/sparql?" + q("SELECT (COUNT(*) AS ?n) "
                                                          "WHERE { GRAPH ?g { ?s ?p ?o } }"))
        assert status == 200
        n = json.loads(body)["results"]["bindings"][0]["n"]["value"]
        assert int(n) == len(fixture_store())
        status, _, _ = http("POST", f"{base}/sparql", b"update=CLEAR ALL",
                            {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 403
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stderr.close()


def test_serve_command_reports_missing_store(tmp_path):
    code = "from kg_builder.serve import serve_command; serve_command(prog_name='kg-builder serve')"
    done = subprocess.run([sys.executable, "-c", code, "--store", str(tmp_path / "none"),
                           "--port", "0"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "no store here" in done.stderr and "Traceback" not in done.stderr
