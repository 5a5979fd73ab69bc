"""`kg-builder load`: pushing the graph to real triple stores (Oxigraph server, Virtuoso 7).

End to end against servers started by the fixtures in conftest.py. A few behaviours that real
stores cannot be made to show on demand (a 503 that goes away, a server echoing credentials
back) use small stub servers built on http.server.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import VIRTUOSO_PASSWORD
from servers import closed_port

from kg_builder.remote import (
    MAX_UPDATE_TRIPLES,
    Auth,
    RemoteError,
    _chunks,
    count_remote_triples,
    default_query_endpoint,
    graph_param_for,
    load,
)

FIXTURE = Path(__file__).parent / "fixtures" / "query_graph.trig"
ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/kg-builder/id/"
EX = "http://example.org/"
TRICKY_GRAPH = BASE + "article/zz-tricky"
TRICKY = 'quote " backslash \\ new\nline\r tab\t é ü 🙂 <tag> & }} ; DROP ALL'
SELECT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
PREFIX kg: <https://w3id.org/kg-builder/ontology#>
SELECT ?g ?event ?label ?agent ?fatalities WHERE {
  GRAPH ?g { ?event a sem:Event ; rdfs:label ?label ; kg:agent ?a . ?a rdfs:label ?agent .
             OPTIONAL { ?event kg:fatalities ?fatalities } }
} ORDER BY ?g ?event ?agent"""
PASSWORD = "Pw-7qZ!x9#leak-canary-oxi"


def built_store() -> ox.Store:
    """The three-article query fixture plus one graph with blank nodes and awkward literals."""
    store = ox.Store()
    with open(FIXTURE, "rb") as fh:
        store.bulk_load(fh, ox.RdfFormat.TRIG)
    g = ox.NamedNode(TRICKY_GRAPH)
    p, label = ox.NamedNode(EX + "p"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    quads = [ox.Quad(ox.NamedNode(EX + "s"), label, ox.Literal(TRICKY), g),
             ox.Quad(ox.NamedNode(EX + "s"), label, ox.Literal("Ségou", language="fr"), g)]
    for i in range(30):  # a chain of blank nodes, longer than the chunks used below
        quads.append(ox.Quad(ox.BlankNode(f"n{i}"), p, ox.BlankNode(f"n{i + 1}"), g))
        quads.append(ox.Quad(ox.BlankNode(f"n{i}"), label, ox.Literal(f"node {i}"), g))
    store.extend(quads)
    return store


def graph_sizes(store: ox.Store) -> dict[str, int]:
    return {g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g))
            for g in store.named_graphs()}


def http_get(url: str, accept: str) -> bytes:
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.read()


def remote_rows(query_url: str, query: str) -> list[tuple[str, ...]]:
    """A SELECT's rows from a remote endpoint, as plain values (Virtuoso's old
    ``typed-literal`` JSON form and Oxigraph's read the same)."""
    body = http_get(f"{query_url}?{urllib.parse.urlencode({'query': query})}",
                    "application/sparql-results+json")
    doc = json.loads(body)
    names = doc["head"]["vars"]
    return [tuple(row[n]["value"] if n in row else "" for n in names)
            for row in doc["results"]["bindings"]]


def local_rows(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    result = store.query(query)
    names = [v.value for v in result.variables]
    return [tuple("" if s[n] is None else s[n].value for n in names) for s in result]


def remote_graph(gsp_url: str, graph: str, param: str = "graph") -> ox.Dataset:
    body = http_get(f"{gsp_url}?{param}={urllib.parse.quote(graph, safe='')}",
                    "application/n-triples")
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                         for t in ox.parse(body, ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def local_graph(store: ox.Store, graph: str) -> ox.Dataset:
    dataset = ox.Dataset(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def run_cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The load command in a fresh process, every byte of its output captured."""
    code = "from kg_builder.remote import load_command; load_command(prog_name='kg-builder load')"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"})


# ------------------------------------------------------------------ units


def test_graph_param_and_query_endpoint_are_derived():
    assert graph_param_for("http://h:8890/sparql-graph-crud-auth") == "graph-uri"
    assert graph_param_for("http://h:8890/sparql-graph-crud") == "graph-uri"
    assert graph_param_for("http://h:7878/store") == "graph"
    cases = {
        "http://h:7878/store": "http://h:7878/query",
        "http://h:8890/sparql-graph-crud-auth": "http://h:8890/sparql",
        "http://h:3030/ds/data": "http://h:3030/ds/query",
        "http://h:7200/repositories/kg/rdf-graphs/service": "http://h:7200/repositories/kg",
        "http://h:7200/repositories/kg/statements": "http://h:7200/repositories/kg",
    }
    for write, query in cases.items():
        assert default_query_endpoint(write) == query
    assert default_query_endpoint(None, "http://h:8890/sparql-auth") == "http://h:8890/sparql"
    assert default_query_endpoint(None, "http://h:7878/update") == "http://h:7878/query"
    assert default_query_endpoint("http://h/whatever") is None


def test_chunks_never_split_blank_node_groups():
    store = built_store()
    triples = [q.triple for q in store.quads_for_pattern(None, None, None,
                                                         ox.NamedNode(TRICKY_GRAPH))]
    chunks = list(_chunks(triples, 7))
    assert sorted(map(str, sum(chunks, []))) == sorted(map(str, triples))
    labels_per_chunk = [{t.subject.value for t in c if isinstance(t.subject, ox.BlankNode)}
                        for c in chunks]
    with_bnodes = [s for s in labels_per_chunk if s]
    assert len(with_bnodes) == 1  # the whole chain travels together (it is one component)
    plain = [ox.Triple(ox.NamedNode(EX + str(i)), ox.NamedNode(EX + "p"), ox.Literal("x"))
             for i in range(25)]
    assert [len(c) for c in _chunks(plain, 10)] == [10, 10, 5]


def test_secrets_stay_out_of_repr_and_errors(monkeypatch):
    auth = Auth("digest", "dba", PASSWORD)
    assert PASSWORD not in repr(auth) and PASSWORD not in str(auth)
    with pytest.raises(RemoteError) as info:
        load(ox.Store(), endpoint=f"http://dba:{PASSWORD}@127.0.0.1:1/store")
    assert PASSWORD not in str(info.value) and "credentials" in str(info.value)
    with pytest.raises(RemoteError, match="KG_BUILDER_PASSWORD"):
        Auth.from_env("dba", environ={})
    assert Auth.from_env(None, environ={"KG_BUILDER_TOKEN": "t0k"}).scheme == "bearer"
    assert Auth.from_env(None, environ={}) is None
    with pytest.raises(RemoteError) as info:
        Auth("bearer", token="tok-secret\n")
    assert "tok-secret" not in str(info.value)
    with pytest.raises(RemoteError, match="user name"):
        Auth("basic", "a:b", PASSWORD)
    with pytest.raises(RemoteError, match="either"):
        load(ox.Store(), endpoint="http://h/store", update_endpoint="http://h/update")
    with pytest.raises(RemoteError, match="--query-endpoint"):
        load(ox.Store(), endpoint="http://127.0.0.1:1/custom", verify=True)


# ------------------------------------------------------------------ Oxigraph server


def test_gsp_load_is_chunked_idempotent_and_verified(oxigraph_server):
    store = built_store()
    sizes = graph_sizes(store)
    events = []
    report = load(store, endpoint=oxigraph_server.store_url, verify=True, chunk_triples=40,
                  on_progress=events.append)
    assert report.ok, report.graphs_failed
    assert report.verified and sorted(report.graphs_ok) == sorted(sizes)
    assert report.triples_sent == sum(sizes.values())
    # 4 graphs in chunks of ≤ 40 (the blank-node chain is one 60-triple chunk) + 1 count query
    assert report.requests > len(sizes) + 1
    assert {e.kind for e in events} >= {"graph-ok", "verify-ok"}
    remote = count_remote_triples(oxigraph_server.query_url, list(sizes))
    assert remote == sizes

    again = load(store, endpoint=oxigraph_server.store_url, verify=True, chunk_triples=40)
    assert again.ok and count_remote_triples(oxigraph_server.query_url, list(sizes)) == sizes

    # every graph round-trips exactly, blank nodes and escapes included
    for graph in sizes:
        assert remote_graph(oxigraph_server.store_url, graph) == local_graph(store, graph)
    assert remote_rows(oxigraph_server.query_url, SELECT) == local_rows(store, SELECT)
    assert len(local_rows(store, SELECT)) >= 6

    # replace, not append: a graph that shrank locally shrinks remotely
    a3 = ox.NamedNode(BASE + "article/a3-mutiny")
    for quad in list(store.quads_for_pattern(None, None, None, a3))[:10]:
        store.remove(quad)
    assert load(store, endpoint=oxigraph_server.store_url, verify=True).ok
    assert count_remote_triples(oxigraph_server.query_url, [a3.value]) == {
        a3.value: sizes[a3.value] - 10}


def test_update_endpoint_load(oxigraph_server):
    store = built_store()
    sizes = graph_sizes(store)
    report = load(store, update_endpoint=oxigraph_server.update_url, verify=True,
                  chunk_triples=25)
    assert report.ok and report.verified, report.graphs_failed
    assert report.requests >= sum((n + 24) // 25 for n in sizes.values())
    assert load(store, update_endpoint=oxigraph_server.update_url, verify=True).ok
    assert count_remote_triples(oxigraph_server.query_url, list(sizes)) == sizes
    for graph in sizes:
        assert remote_graph(oxigraph_server.store_url, graph) == local_graph(store, graph)


def test_verify_catches_missing_triples(oxigraph_server, tmp_path):
    """Counting against a store that did not receive the data must fail every graph."""
    from servers import OxigraphServer

    store = built_store()
    with OxigraphServer(tmp_path / "other") as empty:
        report = load(store, endpoint=oxigraph_server.store_url, verify=True,
                      query_endpoint=empty.query_url)
    assert not report.ok and report.graphs_ok == []
    reason = report.graphs_failed[BASE + "article/a1-kelbo-attack"]
    a1 = graph_sizes(store)[BASE + "article/a1-kelbo-attack"]
    assert reason == f"verify: sent {a1} triples, the endpoint has 0"


def test_default_graph_needs_a_target(oxigraph_server):
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o")))
    report = load(store, endpoint=oxigraph_server.store_url)
    assert not report.ok and "--default-graph" in report.graphs_failed["(default graph)"]
    report = load(store, endpoint=oxigraph_server.store_url, default_graph=EX + "g",
                  verify=True)
    assert report.ok and report.graphs_ok == [EX + "g"]


def test_cli_load_with_credentials_never_shows_the_password(oxigraph_server, tmp_path):
    trig = tmp_path / "graph.trig"
    trig.write_bytes(built_store().dump(format=ox.RdfFormat.TRIG))
    triples = sum(graph_sizes(built_store()).values())
    done = run_cli([str(trig), "--endpoint", oxigraph_server.store_url, "--verify",
                    "--user", "analyst", "--chunk-triples", "50"],
                   env={"KG_BUILDER_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    assert f"loaded 4 of 4 graph(s), {triples} triples" in done.stderr and "verified" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    missing = run_cli([str(trig), "--endpoint", oxigraph_server.store_url, "--user", "x"],
                      env={"KG_BUILDER_PASSWORD": ""})
    assert missing.returncode == 0  # an empty password is a password
    unset = {k: v for k, v in os.environ.items() if k != "KG_BUILDER_PASSWORD"}
    code = "from kg_builder.remote import load_command; load_command(prog_name='kg-builder load')"
    no_env = subprocess.run([sys.executable, "-c", code, str(trig), "--endpoint",
                             oxigraph_server.store_url, "--user", "x"], cwd=ROOT,
                            capture_output=True, text=True, env=unset, timeout=60)
    assert no_env.returncode == 2
    assert "KG_BUILDER_PASSWORD" in no_env.stderr and "Traceback" not in no_env.stderr


# ------------------------------------------------------------------ failures


def test_closed_port_is_retried_then_reported(tmp_path):
    store = built_store()
    url = f"http://127.0.0.1:{closed_port()}/store"
    events = []
    started = time.monotonic()
    report = load(store, endpoint=url, retries=2, backoff=0.01, on_progress=events.append,
                  workers=1)
    assert time.monotonic() - started < 5
    assert not report.ok and report.graphs_ok == []
    assert len(report.graphs_failed) == 4
    retries = [e for e in events if e.kind == "retry"]
    assert len(retries) == 2 * 3  # two retries for each of the three graphs tried
    assert "connection refused" in retries[0].message and "attempt 2 of 3" in retries[0].message
    first = report.graphs_failed[BASE + "article/a1-kelbo-attack"]
    assert first.startswith("connection refused")
    # after three unreachable graphs in a row the fourth is not even tried
    assert report.graphs_failed[TRICKY_GRAPH].startswith("not sent: gave up after 3 graphs")

    trig = tmp_path / "graph.trig"
    trig.write_bytes(store.dump(format=ox.RdfFormat.TRIG))
    done = run_cli([str(trig), "--endpoint", url, "--retries", "1", "--workers", "1"])
    assert done.returncode == 1
    assert "connection refused" in done.stderr and "loaded 0 of 4 graph(s)" in done.stderr
    assert "stopping: 1 more graph(s) not sent: gave up after 3 graphs" in done.stderr
    assert "Traceback" not in done.stderr


class _Stub(BaseHTTPRequestHandler):
    """Configurable misbehaving endpoint; records what it received."""

    protocol_version = "HTTP/1.1"
    plan: list[tuple[int, bytes]] = []
    seen: list[tuple[str, str, dict, bytes]] = []

    def log_message(self, *args) -> None:
        pass

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        type(self).seen.append((self.command, self.path, dict(self.headers), body))
        status, reply = type(self).plan.pop(0) if type(self).plan else (204, b"")
        reply = reply.replace(b"{AUTH}", (self.headers.get("Authorization") or "").encode())
        self.send_response(status)
        self.send_header("Content-Length", str(len(reply)))
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(reply)

    do_PUT = do_POST = do_GET = do_HEAD = _any


@pytest.fixture
def stub():
    handler = type("Stub", (_Stub,), {"plan": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def one_graph_store() -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o"),
                      ox.NamedNode(EX + "g")))
    return store


def test_5xx_is_retried_until_it_works(stub):
    handler, base = stub
    handler.plan = [(503, b"busy"), (502, b"bad gateway")]
    events = []
    report = load(one_graph_store(), endpoint=f"{base}/store", retries=3, backoff=0.01,
                  on_progress=events.append)
    assert report.ok and report.retries == 2
    assert [e.kind for e in events] == ["retry", "retry", "graph-ok"]
    assert "HTTP 503" in events[0].message
    methods = [(m, p) for m, p, _, _ in handler.seen]
    assert methods == [("PUT", "/store?graph=http%3A%2F%2Fexample.org%2Fg")] * 3
    assert handler.seen[-1][3] == b'<http://example.org/s> <http://example.org/p> "o" .\n'
    assert handler.seen[-1][2]["Content-Type"] == "application/n-triples"


def test_4xx_is_not_retried(stub):
    handler, base = stub
    handler.plan = [(400, b"Parse error at line 1")]
    report = load(one_graph_store(), endpoint=f"{base}/store", retries=3, backoff=0.01)
    assert report.graphs_failed == {EX + "g": "HTTP 400 Bad Request: Parse error at line 1"}
    assert len(handler.seen) == 1


def test_credentials_echoed_by_a_server_are_masked(stub, tmp_path):
    handler, base = stub
    echo = b"Internal error; you sent: {AUTH} and password " + PASSWORD.encode()
    handler.plan = [(500, echo), (500, echo)]
    events = []
    report = load(one_graph_store(), endpoint=f"{base}/store", retries=1, backoff=0.01,
                  auth=Auth("basic", "analyst", PASSWORD), on_progress=events.append)
    sent = handler.seen[0][2]["Authorization"]
    assert sent == "Basic " + base64.b64encode(f"analyst:{PASSWORD}".encode()).decode()
    text = repr(report) + "".join(str(e) for e in events)
    assert "HTTP 500" in text and "***" in text
    assert PASSWORD not in text and sent.split()[1] not in text

    trig = tmp_path / "g.trig"
    trig.write_bytes(one_graph_store().dump(format=ox.RdfFormat.TRIG))
    handler.plan = [(500, echo)] * 3
    done = run_cli([str(trig), "--endpoint", f"{base}/store", "--user", "analyst",
                    "--retries", "1"], env={"KG_BUILDER_PASSWORD": PASSWORD})
    assert done.returncode == 1
    assert "***" in done.stderr and PASSWORD not in done.stdout + done.stderr
    assert sent.split()[1] not in done.stderr


def test_bearer_token_from_the_environment(stub, tmp_path):
    handler, base = stub
    trig = tmp_path / "g.trig"
    trig.write_bytes(one_graph_store().dump(format=ox.RdfFormat.TRIG))
    done = run_cli([str(trig), "--endpoint", f"{base}/store"],
                   env={"KG_BUILDER_TOKEN": "tok-123-secret"})
    assert done.returncode == 0, done.stderr
    assert handler.seen[0][2]["Authorization"] == "Bearer tok-123-secret"
    assert "tok-123-secret" not in done.stderr
    handler.plan = [(401, b"bad token tok-123-secret")]
    done = run_cli([str(trig), "--endpoint", f"{base}/store"],
                   env={"KG_BUILDER_TOKEN": "tok-123-secret"})
    assert done.returncode == 1
    assert "authentication failed (HTTP 401): check the token" in done.stderr
    assert "tok-123-secret" not in done.stderr


def test_tls_is_verified_unless_insecure(stub, tmp_path):
    """A self-signed certificate is refused by default and accepted with insecure=True."""
    import shutil
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    handler, _ = stub
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}/store"
    try:
        report = load(one_graph_store(), endpoint=url, retries=0)
        reason = report.graphs_failed[EX + "g"]
        assert reason.startswith("TLS error") and "--insecure" in reason
        assert handler.seen == []
        events = []
        report = load(one_graph_store(), endpoint=url, insecure=True, on_progress=events.append)
        assert report.ok and len(handler.seen) == 1
        assert events[0].kind == "warning" and "verification is off" in events[0].message
    finally:
        server.shutdown()
        server.server_close()


def test_credentials_go_only_to_the_write_endpoint_origin(stub, oxigraph_server):
    """--verify against another origin must not receive the password."""
    handler, base = stub
    handler.plan = [(200, b'{"head":{"vars":["g","n"]},"results":{"bindings":[]}}')]
    store = one_graph_store()
    report = load(store, endpoint=oxigraph_server.store_url, verify=True,
                  query_endpoint=f"{base}/sparql", auth=Auth("basic", "u", PASSWORD))
    assert "Authorization" not in handler.seen[0][2]
    assert report.graphs_failed == {EX + "g": "verify: sent 1 triples, the endpoint has 0"}


# ------------------------------------------------------------------ Virtuoso


def test_virtuoso_gsp_digest_load(virtuoso_server):
    store = built_store()
    sizes = graph_sizes(store)
    auth = Auth("digest", "dba", VIRTUOSO_PASSWORD)
    events = []
    report = load(store, endpoint=virtuoso_server.gsp_auth_url, auth=auth, verify=True,
                  chunk_triples=40, on_progress=events.append, workers=1)
    assert report.ok and report.verified, report.graphs_failed
    # pre-emptive Digest: one HEAD for the challenge, then every chunk is sent once
    chunks = sum(len(list(_chunks([q.triple for q in store.quads_for_pattern(
        None, None, None, ox.NamedNode(g))], 40))) for g in sizes)
    assert report.requests == 1 + chunks + 1
    assert load(store, endpoint=virtuoso_server.gsp_auth_url, auth=auth, verify=True,
                chunk_triples=40).ok
    assert count_remote_triples(virtuoso_server.sparql_url, list(sizes)) == sizes
    assert remote_rows(virtuoso_server.sparql_url, SELECT) == local_rows(store, SELECT)
    tricky = remote_rows(virtuoso_server.sparql_url,
                         f"SELECT ?o WHERE {{ GRAPH <{TRICKY_GRAPH}> {{ <{EX}s> ?p ?o }} }} "
                         "ORDER BY ?o")
    assert sorted(tricky) == sorted([(TRICKY,), ("Ségou",)])
    chain = remote_rows(virtuoso_server.sparql_url,
                        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{TRICKY_GRAPH}> {{ "
                        f"?a <{EX}p> ?b . ?b <{EX}p> ?c }} }}")
    assert chain == [("29",)]  # the blank-node chain arrived connected
    assert not any(VIRTUOSO_PASSWORD in str(e) for e in events)


def test_virtuoso_update_endpoint(virtuoso_server):
    store = built_store()
    sizes = graph_sizes(store)
    big = ox.NamedNode(BASE + "article/zz-big")
    store.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"),
                         ox.Literal(f"value {i} é"), big) for i in range(2500))
    sizes[big.value] = 2500
    auth = Auth("digest", "dba", VIRTUOSO_PASSWORD)
    report = load(store, update_endpoint=virtuoso_server.update_auth_url, auth=auth,
                  verify=True)
    assert report.ok and report.verified, report.graphs_failed
    # at most 1,000 triples per INSERT DATA (Virtuoso fails above ~2,000)
    assert report.requests >= 1 + (2500 // MAX_UPDATE_TRIPLES + 1) + len(sizes) - 1
    assert load(store, update_endpoint=virtuoso_server.update_auth_url, auth=auth,
                verify=True).ok
    assert count_remote_triples(virtuoso_server.sparql_url, list(sizes)) == sizes
    assert remote_rows(virtuoso_server.sparql_url, SELECT) == local_rows(store, SELECT)


def test_virtuoso_wrong_password_fails_clearly(virtuoso_server, tmp_path):
    trig = tmp_path / "graph.trig"
    trig.write_bytes(built_store().dump(format=ox.RdfFormat.TRIG))
    wrong = "Wrong-pw-" + VIRTUOSO_PASSWORD[::-1]
    done = run_cli([str(trig), "--endpoint", virtuoso_server.gsp_auth_url, "--user", "dba",
                    "--auth", "digest", "--retries", "3", "--workers", "1"],
                   env={"KG_BUILDER_PASSWORD": wrong})
    assert done.returncode == 1
    assert "authentication failed (HTTP 401)" in done.stderr
    assert "stopping: 3 more graph(s) not sent: authentication failed" in done.stderr
    assert "loaded 0 of 4 graph(s)" in done.stderr
    assert wrong not in done.stdout + done.stderr and "Traceback" not in done.stderr
    # Basic where Virtuoso wants Digest: also a clear 401, not a hang or a traceback
    done = run_cli([str(trig), "--endpoint", virtuoso_server.gsp_auth_url, "--user", "dba"],
                   env={"KG_BUILDER_PASSWORD": VIRTUOSO_PASSWORD})
    assert done.returncode == 1 and "HTTP 401" in done.stderr
    assert VIRTUOSO_PASSWORD not in done.stdout + done.stderr


def test_virtuoso_cli_load_and_verify(virtuoso_server, tmp_path):
    trig = tmp_path / "graph.trig"
    trig.write_bytes(built_store().dump(format=ox.RdfFormat.TRIG))
    done = run_cli([str(trig), "--endpoint", virtuoso_server.gsp_auth_url, "--user", "dba",
                    "--auth", "digest", "--verify"],
                   env={"KG_BUILDER_PASSWORD": VIRTUOSO_PASSWORD})
    assert done.returncode == 0, done.stderr
    assert "loaded 4 of 4 graph(s)" in done.stderr and "verified" in done.stderr
    assert VIRTUOSO_PASSWORD not in done.stdout + done.stderr


# ------------------------------------------------------------------ timing (slow)


def synthetic_store(articles: int) -> ox.Store:
    """``articles`` article graphs shaped like a build's (docs/ARCHITECTURE.md): the article,
    two events with time, place, agent, target, counts, attribution and mentions, three actors
    and two places shared across articles."""
    ns = {"kg": "https://w3id.org/kg-builder/ontology#",
          "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
          "gaf": "http://groundedannotationframework.org/gaf#",
          "prov": "http://www.w3.org/ns/prov#", "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
          "schema": "https://schema.org/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
          "skos": "http://www.w3.org/2004/02/skos/core#",
          "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
          "xsd": "http://www.w3.org/2001/XMLSchema#"}

    def n(curie: str) -> ox.NamedNode:
        prefix, _, local = curie.partition(":")
        return ox.NamedNode(ns[prefix] + local) if prefix in ns else ox.NamedNode(BASE + curie)

    def lit(value, dt: str | None = None) -> ox.Literal:
        return ox.Literal(str(value), datatype=n(dt)) if dt else ox.Literal(str(value))

    quads = []
    for i in range(articles):
        art = n(f"article/syn-{i:05d}")
        day = f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}"

        def add(s, p, o, _g=art):
            quads.append(ox.Quad(s, n(p) if isinstance(p, str) else p, o, _g))

        add(art, "rdf:type", n("schema:NewsArticle"))
        add(art, "schema:identifier", lit(f"syn-{i:05d}"))
        add(art, "schema:url", lit(f"https://news.example.org/{i}", "xsd:anyURI"))
        add(art, "schema:headline", lit(f"Synthetic report number {i} «quoted» é"))
        add(art, "schema:datePublished", lit(day, "xsd:date"))
        add(art, "kg:contentHash", lit(f"{i:064x}"))
        actors = [n(f"actor/armedgroup/group-{(i + k) % 40}") for k in range(3)]
        places = [n(f"place/geonames/{9100000 + (i + k) % 60}") for k in range(2)]
        for k, actor in enumerate(actors):
            add(actor, "rdf:type", n("sem:Actor"))
            add(actor, "rdf:type", n("kg:ArmedGroup"))
            add(actor, "rdfs:label", lit(f"Group {(i + k) % 40}"))
            add(actor, "skos:altLabel", lit(f"the group {(i + k) % 40}"))
            add(actor, "prov:wasDerivedFrom", art)
            add(actor, "gaf:denotedBy", n(f"article/syn-{i:05d}#char={10 * k},{10 * k + 5}"))
        for k, place in enumerate(places):
            add(place, "rdf:type", n("sem:Place"))
            add(place, "rdfs:label", lit(f"Town {(i + k) % 60}"))
            add(place, "geo:lat", lit(f"{12 + k}.{i % 1000:03d}", "xsd:decimal"))
            add(place, "geo:long", lit(f"-{8 + k}.{i % 997:03d}", "xsd:decimal"))
            add(place, "kg:countryCode", lit("XA"))
            add(place, "prov:wasDerivedFrom", art)
        for e in range(2):
            event = n(f"event/{i:05d}{e}")
            mention = n(f"article/syn-{i:05d}#char={100 + e * 50},{106 + e * 50}")
            add(event, "rdf:type", n("sem:Event"))
            add(event, "rdf:type", n("kg:ArmedAttack"))
            add(event, "rdfs:label", lit(f"attack {i}/{e}"))
            add(event, "sem:hasEarliestBeginTimeStamp", lit(day, "xsd:date"))
            add(event, "sem:hasLatestEndTimeStamp", lit(day, "xsd:date"))
            add(event, "sem:hasTimeStamp", lit(day, "xsd:date"))
            add(event, "sem:hasPlace", places[e])
            add(event, "kg:agent", actors[0])
            add(event, "kg:target", actors[1 + e])
            add(event, "sem:hasActor", actors[0])
            add(event, "sem:hasActor", actors[1 + e])
            add(event, "kg:fatalities", lit(i % 7, "xsd:integer"))
            add(event, "kg:injured", lit(i % 5, "xsd:integer"))
            add(event, "kg:certainty", n("kg:Reported"))
            add(event, "kg:accordingTo", actors[2])
            add(event, "kg:trigger", mention)
            add(event, "gaf:denotedBy", mention)
            add(event, "prov:wasDerivedFrom", art)
            add(mention, "rdf:type", n("gaf:Mention"))
            add(mention, "kg:anchorOf", lit("attack"))
            add(mention, "prov:wasDerivedFrom", art)
    store = ox.Store()
    store.extend(quads)
    return store


def _time_loads(store: ox.Store, runs: dict[str, dict]) -> list[str]:
    triples = len(store)
    lines = []
    for name, options in runs.items():
        report = load(store, verify=True, **options)
        assert report.ok and report.verified, (name, list(report.graphs_failed.items())[:3])
        assert len(report.graphs_ok) == 1000 and report.triples_sent == triples
        lines.append(f"{name:26} {report.seconds:6.2f} s  {report.requests:5} requests  "
                     f"{triples / report.seconds:8.0f} triples/s (verified)")
    return lines


@pytest.fixture(scope="module")
def thousand_articles() -> ox.Store:
    return synthetic_store(1000)


@pytest.mark.slow
def test_timing_1000_articles_oxigraph(oxigraph_server, thousand_articles, capsys):
    """A synthetic 1,000-article graph into the Oxigraph server, both ways; prints the times."""
    lines = _time_loads(thousand_articles, {
        "Oxigraph GSP": dict(endpoint=oxigraph_server.store_url),
        "Oxigraph Update": dict(update_endpoint=oxigraph_server.update_url),
    })
    with capsys.disabled():
        print(f"\n1,000 synthetic articles ({len(thousand_articles)} triples):")
        print("\n".join(lines))


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("KG_BUILDER_TIMING") != "1",
                    reason="Virtuoso timing takes about a minute: set KG_BUILDER_TIMING=1")
def test_timing_1000_articles_virtuoso(virtuoso_server, thousand_articles, capsys):
    """The same into Virtuoso (about 10-15 ms per graph replaced here, either way)."""
    auth = Auth("digest", "dba", VIRTUOSO_PASSWORD)
    lines = _time_loads(thousand_articles, {
        "Virtuoso GSP (digest)": dict(endpoint=virtuoso_server.gsp_auth_url, auth=auth),
        "Virtuoso Update (digest)": dict(update_endpoint=virtuoso_server.update_auth_url,
                                         auth=auth),
    })
    with capsys.disabled():
        print(f"\n1,000 synthetic articles ({len(thousand_articles)} triples):")
        print("\n".join(lines))
