"""Serve the local graph over the SPARQL 1.1 Protocol, read-only, with a small query page.

``kg-builder serve`` opens the store read-only and answers

* ``GET /sparql?query=…`` and ``POST /sparql`` (``application/x-www-form-urlencoded`` with
  ``query=…``, or ``application/sparql-query``); ``/query`` is an alias, as in Oxigraph.
  ``default-graph-uri`` and ``named-graph-uri`` are honoured; without them the default graph
  is the union of all graphs, like ``kg-builder query``.
* results as SPARQL JSON, XML, CSV or TSV, graphs (CONSTRUCT/DESCRIBE) as Turtle, N-Triples,
  RDF/XML or JSON-LD, chosen by the ``Accept`` header (or a ``format`` parameter);
* ``GET /`` — an HTML page listing the named queries (``queries/*.rq``) with a form each;
  ``GET /run/NAME?param=…`` runs one with its parameters bound by :mod:`kg_builder.query`
  (typed, validated, never pasted into the query text); ``GET /queries`` lists them as JSON.

Read-only: updates (``update=``, ``application/sparql-update``) get 403, other methods 405.
CORS is open (``Access-Control-Allow-Origin: *``): the data is public to whoever can reach the
port, which is why the server binds to 127.0.0.1 unless told otherwise.

Limits. ``max_rows`` cuts results (the response then says so in ``X-SPARQL-MaxRows`` and
``X-KG-Builder-Truncated``, like Virtuoso's header but never silently). ``timeout`` bounds the
time a client waits: each query runs in a worker thread and the client gets 503 when it is
not done in time. Oxigraph cannot cancel a running query from inside the process, so the
worker keeps running until the query ends; at most ``max_concurrent`` queries run at once and
a request that finds every worker busy waits (within its own time limit) and then gets 503,
so runaway queries cannot pile up. pyoxigraph releases the GIL while it evaluates, so the
server keeps answering meanwhile.
"""

from __future__ import annotations

import html
import io
import ipaddress
import itertools
import json
import re
import secrets
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from .prefixes import PREFIXES

__all__ = [
    "SparqlServer", "QueryService", "QueryTimeout", "ServerBusy", "make_server", "serve",
    "negotiate", "RESULT_TYPES", "GRAPH_TYPES", "serve_command",
]

DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
MAX_BODY = 1_000_000

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Result formats for SELECT/ASK: short name → (media types, first is sent back).
RESULT_TYPES: dict[str, tuple[str, ...]] = {
    "json": ("application/sparql-results+json", "application/json"),
    "xml": ("application/sparql-results+xml", "application/xml", "text/xml"),
    "csv": ("text/csv",),
    "tsv": ("text/tab-separated-values",),
}
#: Formats for CONSTRUCT/DESCRIBE results.
GRAPH_TYPES: dict[str, tuple[str, ...]] = {
    "turtle": ("text/turtle", "application/x-turtle"),
    "ntriples": ("application/n-triples", "text/plain"),
    "rdfxml": ("application/rdf+xml",),
    "jsonld": ("application/ld+json",),
}
_GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                  "rdfxml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD}
_CHARSET = {"json", "xml", "csv", "tsv", "turtle", "ntriples", "rdfxml", "jsonld"}


class QueryTimeout(Exception):
    """The query did not finish within the time limit."""


class ServerBusy(Exception):
    """Every query worker is busy (probably with queries that timed out)."""


class NotAcceptable(Exception):
    """No result format the client accepts."""


# ---------------------------------------------------------------------------------------------
# Content negotiation


def _parse_accept(header: str) -> list[tuple[str, float, int]]:
    ranges = []
    for i, part in enumerate(header.split(",")):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if not media:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        ranges.append((media, q, i))
    return ranges


def negotiate(accept: str | None, offered: dict[str, tuple[str, ...]], default: str) -> str:
    """Pick the short name of the best offered format for an ``Accept`` header.

    The most specific matching media range gives a type its quality; the highest quality wins,
    ties go to the order of ``offered`` (the default first). Raises :class:`NotAcceptable`.
    """
    if not accept or not accept.strip():
        return default
    ranges = _parse_accept(accept)
    names = [default] + [n for n in offered if n != default]
    best: tuple[float, int, str] | None = None
    for rank, name in enumerate(names):
        for media in offered[name]:
            major = media.split("/")[0]
            quality = None
            specificity = -1
            for rng, q, _ in ranges:
                spec = (2 if rng == media else 1 if rng == f"{major}/*" else
                        0 if rng == "*/*" else -1)
                if spec > specificity:
                    specificity, quality = spec, q
            if quality is not None and quality > 0:
                key = (quality, -rank, name)
                if best is None or key[:2] > best[:2]:
                    best = key
    if best is None:
        wanted = ", ".join(t for types in offered.values() for t in types)
        raise NotAcceptable(f"none of the accepted types is available (offered: {wanted})")
    return best[2]


# ---------------------------------------------------------------------------------------------
# Result serialisation (ours rather than pyoxigraph's so that results can be cut at max_rows)

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _json_term(term: Term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                        "predicate": _json_term(term.predicate),
                                        "object": _json_term(term.object)}}


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return (f"<literal xml:lang={quoteattr(term.language)}>"
                    f"{xml_escape(term.value)}</literal>")
        if term.datatype.value != _XSD_STRING:
            return (f"<literal datatype={quoteattr(term.datatype.value)}>"
                    f"{xml_escape(term.value)}</literal>")
        return f"<literal>{xml_escape(term.value)}</literal>"
    return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>"
            f"{_xml_term(term.predicate)}</predicate><object>{_xml_term(term.object)}</object>"
            "</triple>")


def _csv_cell(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, (ox.NamedNode, ox.Literal)):
        text = term.value
    else:
        text = str(term)
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def serialize_solutions(fmt: str, variables: list[str], rows: Iterable[list[Term | None]]) -> bytes:
    """SELECT results in the SPARQL 1.1 JSON, XML, CSV or TSV results format."""
    rows = list(rows)
    if fmt == "json":
        doc = {"head": {"vars": variables}, "results": {"bindings": [
            {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
            for row in rows]}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
               "<head>", *(f"<variable name={quoteattr(v)}/>" for v in variables), "</head>",
               "<results>"]
        for row in rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(variables, row, strict=True) if t is not None]
            out.append("</result>")
        out += ["</results>", "</sparql>"]
        return ("\n".join(out) + "\n").encode("utf-8")
    if fmt == "csv":
        lines = [",".join(_csv_cell(ox.Literal(v)) for v in variables)]
        lines += [",".join(_csv_cell(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    if fmt == "tsv":
        # N-Triples term syntax is valid TSV-results syntax, escapes included.
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(fmt)


def serialize_boolean(fmt: str, value: bool) -> bytes:
    """ASK results in the SPARQL 1.1 JSON, XML, CSV or TSV results format."""
    word = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{word}</boolean></sparql>\n").encode()
    return f"{word}\n".encode() if fmt in ("csv", "tsv") else b""


# ---------------------------------------------------------------------------------------------
# Running queries under limits


@dataclass
class Answer:
    """A finished query: ``kind`` is ``solutions``, ``boolean`` or ``graph``."""

    kind: str
    variables: list[str]
    rows: list[list[Term | None]]
    boolean: bool | None
    truncated: bool


class QueryService:
    """Runs queries against a read-only store within a time limit and a row limit."""

    def __init__(self, store: ox.Store, *, timeout: float = DEFAULT_TIMEOUT,
                 max_rows: int = DEFAULT_MAX_ROWS, max_concurrent: int = 4,
                 query_dirs: Iterable[str | Path] = ()) -> None:
        self.store = store
        self.timeout = timeout
        self.max_rows = max_rows
        self.max_concurrent = max_concurrent
        self.query_dirs = list(query_dirs)
        self._slots = threading.BoundedSemaphore(max_concurrent)

    def run(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` in a worker thread; raise :class:`QueryTimeout` after the time limit
        (the worker goes on until the query finishes and only then frees its slot)."""
        started = time.monotonic()
        if not self._slots.acquire(timeout=self.timeout):
            raise ServerBusy(f"all {self.max_concurrent} query workers are busy; try again later")
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def worker() -> None:
            try:
                outcome["value"] = work()
            except BaseException as exc:  # handed to the waiting request
                outcome["error"] = exc
            finally:
                self._slots.release()
                finished.set()

        threading.Thread(target=worker, name="kg-builder-query", daemon=True).start()
        remaining = max(0.0, self.timeout - (time.monotonic() - started))
        if not finished.wait(remaining):
            raise QueryTimeout(f"the query did not finish within {self.timeout:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def answer(self, result: Any) -> Answer:
        """Materialise at most ``max_rows`` rows of a pyoxigraph query result."""
        limit = self.max_rows
        if isinstance(result, ox.QueryBoolean):
            return Answer("boolean", [], [], bool(result), False)
        if isinstance(result, ox.QueryTriples):
            triples = list(itertools.islice(result, limit + 1))
            rows = [[t.subject, t.predicate, t.object] for t in triples[:limit]]
            return Answer("graph", ["subject", "predicate", "object"], rows, None,
                          len(triples) > limit)
        variables = [v.value for v in result.variables]
        solutions = list(itertools.islice(result, limit + 1))
        rows = [[s[i] for i in range(len(variables))] for s in solutions[:limit]]
        return Answer("solutions", variables, rows, None, len(solutions) > limit)

    def sparql(self, text: str, default_graphs: list[str], named_graphs: list[str]) -> Answer:
        """Evaluate a SPARQL query (protocol dataset parameters honoured)."""
        def work() -> Answer:
            kwargs: dict[str, Any] = {}
            if default_graphs:
                kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
            else:
                kwargs["use_default_graph_as_union"] = True
            if named_graphs:
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            return self.answer(self.store.query(text, **kwargs))
        return self.run(work)

    def named(self, name: str, params: dict[str, str]) -> Answer:
        """Run a named query with raw parameter strings, bound by kg_builder.query."""
        from . import query as q

        # Only the listed named queries: load_query() also takes file paths, and a URL must
        # not be able to make the server read (and echo parts of) arbitrary files.
        known = {nq.name: nq for nq in q.list_queries(self.query_dirs)}
        if name not in known:
            raise q.QueryNotFoundError(f"no named query {name!r} (GET /queries lists them)")
        named = known[name]
        bindings = q.bind_params(named, params)

        def work() -> Answer:
            # actor/place values are looked up in the store, like run_query does
            text = q.prepare_query(named, q.resolve_params(self.store, named, bindings))
            return self.answer(self.store.query(text, use_default_graph_as_union=True))
        return self.run(work)

    def base_iri(self) -> str:
        """The store's instance base IRI (IRIs under it are shown relative on the page)."""
        from .iris import DEFAULT_BASE
        from .store import get_meta

        try:
            return get_meta(self.store, "baseIri") or DEFAULT_BASE
        except OSError:
            return DEFAULT_BASE

    def list_queries(self) -> list[dict]:
        """The named queries as plain data for the page and ``/queries``."""
        from . import query as q

        return [{"name": nq.name, "title": nq.title, "description": nq.description,
                 "params": [{"name": p.name, "type": p.type, "required": p.required,
                             "default": p.default, "description": p.description,
                             "choices": list(getattr(p, "choices", ()) or ())}
                            for p in nq.params]}
                for nq in q.list_queries(self.query_dirs)]


# ---------------------------------------------------------------------------------------------
# HTTP


class SparqlServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer holding the :class:`QueryService`."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: QueryService, *,
                 log: Callable[[str], None] | None = None) -> None:
        self.service = service
        self.log = log
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if ":" in str(host):
            host = f"[{host}]"
        return f"http://{host}:{port}"


_PAGE = Path(__file__).with_name("serve_page.html")


class _HttpError(Exception):
    def __init__(self, status: int, message: str, *, json_body: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.json_body = json_body


class _Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    protocol_version = "HTTP/1.1"
    server_version = "kg-builder-serve"

    # -- plumbing
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.log is not None:
            self.server.log(f"{self.address_string()} - {format % args}")

    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers",
                         "X-SPARQL-MaxRows, X-KG-Builder-Truncated")

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self._cors()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, exc: _HttpError) -> None:
        if exc.json_body:
            body = json.dumps({"error": str(exc)}, ensure_ascii=False).encode("utf-8")
            ctype = "application/json; charset=utf-8"
        else:
            body = (str(exc) + "\n").encode("utf-8")
            ctype = "text/plain; charset=utf-8"
        headers = {"Allow": "GET, POST, OPTIONS"} if exc.status == 405 else None
        if exc.status == 503:
            headers = {"Retry-After": "5"}
        self._send(exc.status, body, ctype, headers)

    def _guard(self, handler: Callable[[], None]) -> None:
        try:
            handler()
        except _HttpError as exc:
            self._error(exc)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- methods
    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server naming
        self.send_response(HTTPStatus.NO_CONTENT)
        self._cors()
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers",
                         self.headers.get("Access-Control-Request-Headers") or
                         "Accept, Content-Type")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        self._guard(self._get)

    def do_HEAD(self) -> None:  # noqa: N802
        self._guard(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._guard(self._post)

    def _refuse_method(self) -> None:
        self._guard(self._method_not_allowed)

    do_PUT = do_DELETE = do_PATCH = _refuse_method

    def _method_not_allowed(self) -> None:
        raise _HttpError(405, f"{self.command} is not allowed: this endpoint is read-only")

    # -- routes
    def _get(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path in ("/", "/index.html"):
            self._page()
        elif url.path in ("/sparql", "/query"):
            if "update" in params:
                raise _HttpError(403, "updates are refused: this endpoint is read-only")
            if "query" not in params:
                raise _HttpError(400, "missing the query parameter (GET /sparql?query=...)")
            self._sparql(params)
        elif url.path == "/queries":
            try:
                listing = self.server.service.list_queries()
            except Exception as exc:  # a broken .rq header must not take the server down
                raise _HttpError(500, f"cannot list queries: {exc}", json_body=True) from None
            self._send(200, json.dumps(listing, ensure_ascii=False).encode("utf-8"),
                       "application/json; charset=utf-8")
        elif url.path.startswith("/run/"):
            name = urllib.parse.unquote(url.path[len("/run/"):])
            self._run(name, params)
        elif url.path == "/update":
            raise _HttpError(403, "updates are refused: this endpoint is read-only")
        else:
            raise _HttpError(404, f"no such page: {url.path}")

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _HttpError(400, "bad Content-Length") from None
        if length > MAX_BODY:
            raise _HttpError(413, f"request body over {MAX_BODY} bytes")
        return self.rfile.read(length) if length else b""

    def _post(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body = self._read_body()
        if url.path == "/update" or ctype == "application/sparql-update":
            raise _HttpError(403, "updates are refused: this endpoint is read-only")
        if url.path not in ("/sparql", "/query"):
            raise _HttpError(404 if url.path != "/" else 405, f"cannot POST to {url.path}")
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                raise _HttpError(400, "the form is not UTF-8") from None
            if "update" in form:
                raise _HttpError(403, "updates are refused: this endpoint is read-only")
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            try:
                params["query"] = [body.decode("utf-8")]
            except UnicodeDecodeError:
                raise _HttpError(400, "the query is not UTF-8") from None
        else:
            raise _HttpError(415, "POST a form (application/x-www-form-urlencoded) or a query "
                                  "(application/sparql-query)")
        if "query" not in params:
            raise _HttpError(400, "missing the query parameter")
        self._sparql(params)

    # -- answering
    def _format(self, params: dict[str, list[str]], kind: str) -> str:
        offered = GRAPH_TYPES if kind == "graph" else RESULT_TYPES
        default = "turtle" if kind == "graph" else "json"
        explicit = (params.get("format") or [None])[0]
        if explicit:
            aliases = {"ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples",
                       "rdf": "rdfxml", "json-ld": "jsonld"}
            explicit = aliases.get(explicit.lower(), explicit.lower())
            if explicit in offered:
                return explicit
            for name, types in offered.items():
                if explicit in types:
                    return name
            raise _HttpError(406, f"format {explicit!r} is not available for this query "
                                  f"(use one of {', '.join(offered)})")
        try:
            return negotiate(self.headers.get("Accept"), offered, default)
        except NotAcceptable as exc:
            raise _HttpError(406, str(exc)) from None

    def _reply(self, answer: Answer, params: dict[str, list[str]]) -> None:
        fmt = self._format(params, answer.kind)
        headers: dict[str, str] = {}
        if answer.truncated:
            headers["X-SPARQL-MaxRows"] = str(self.server.service.max_rows)
            headers["X-KG-Builder-Truncated"] = "true"
        if answer.kind == "graph":
            triples = [ox.Triple(*row) for row in answer.rows]
            prefixes = PREFIXES if fmt == "turtle" else None
            body = ox.serialize(triples, format=_GRAPH_FORMATS[fmt], prefixes=prefixes)
            media = GRAPH_TYPES[fmt][0]
        elif answer.kind == "boolean":
            body = serialize_boolean(fmt, bool(answer.boolean))
            media = RESULT_TYPES[fmt][0]
        else:
            body = serialize_solutions(fmt, answer.variables, answer.rows)
            media = RESULT_TYPES[fmt][0]
        self._send(200, body, f"{media}; charset=utf-8" if fmt in _CHARSET else media, headers)

    def _sparql(self, params: dict[str, list[str]]) -> None:
        text = params["query"][0]
        if len(params["query"]) > 1:
            raise _HttpError(400, "give exactly one query parameter")
        try:
            answer = self.server.service.sparql(
                text, params.get("default-graph-uri", []), params.get("named-graph-uri", []))
        except SyntaxError as exc:
            message = str(exc).splitlines()[0] if str(exc) else "syntax error"
            if _looks_like_update(text):
                raise _HttpError(403, "updates are refused: this endpoint is read-only") from None
            raise _HttpError(400, f"SPARQL syntax error: {message}") from None
        except ValueError as exc:  # a bad graph IRI
            raise _HttpError(400, str(exc)) from None
        except (QueryTimeout, ServerBusy) as exc:
            raise _HttpError(503, str(exc)) from None
        except OSError as exc:
            raise _HttpError(500, f"query failed: {exc}") from None
        self._reply(answer, params)

    def _run(self, name: str, params: dict[str, list[str]]) -> None:
        from . import query as q

        raw = {k: v[-1] for k, v in params.items() if k != "format" and v and v[-1] != ""}
        try:
            answer = self.server.service.named(name, raw)
        except q.QueryNotFoundError as exc:
            raise _HttpError(404, str(exc), json_body=True) from None
        except q.QueryError as exc:
            raise _HttpError(400, str(exc), json_body=True) from None
        except SyntaxError as exc:
            raise _HttpError(500, f"query {name}: {exc}", json_body=True) from None
        except (QueryTimeout, ServerBusy) as exc:
            raise _HttpError(503, str(exc), json_body=True) from None
        except OSError as exc:
            raise _HttpError(500, f"query failed: {exc}", json_body=True) from None
        self._reply(answer, params)

    def _page(self) -> None:
        service = self.server.service
        try:
            queries = service.list_queries()
            problem = ""
        except Exception as exc:  # show the page anyway, with the problem
            queries, problem = [], f"cannot list queries: {exc}"
        nonce = secrets.token_urlsafe(16)
        data = {"queries": queries, "prefixes": PREFIXES, "base": service.base_iri(),
                "maxRows": service.max_rows, "problem": problem}
        # JSON inside <script>: "</" and U+2028/9 would end or break the element.
        payload = (json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
                   .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
        listing = io.StringIO()
        for qd in queries:
            listing.write(f'<li><a href="?run={html.escape(urllib.parse.quote(qd["name"]))}" '
                          f'data-query="{html.escape(qd["name"])}">{html.escape(qd["name"])}'
                          f"</a> — {html.escape(qd['title'] or '')}"
                          f'<div class="desc">{html.escape(qd["description"] or "")}</div></li>')
        page = (_PAGE.read_text(encoding="utf-8")
                .replace("{{NONCE}}", nonce)
                .replace("{{QUERY_LIST}}", listing.getvalue() or "<li>(no named queries)</li>")
                .replace("{{DATA}}", payload))
        csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
               "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'")
        self._send(200, page.encode("utf-8"), "text/html; charset=utf-8",
                   {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff"})


_UPDATE_RE = re.compile(
    r"\A(?:\s|#[^\n]*\n)*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)(?:\s|#[^\n]*\n)*)*"
    r"(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)


def _looks_like_update(text: str) -> bool:
    """Whether a text that failed to parse as a query is an update (INSERT, DELETE, …).

    Only looked at, never executed: even a throw-away store would run a ``LOAD <url>``."""
    return _UPDATE_RE.match(text) is not None


# ---------------------------------------------------------------------------------------------
# Entry points


def make_server(store: ox.Store, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS,
                max_concurrent: int = 4, query_dirs: Iterable[str | Path] = (),
                log: Callable[[str], None] | None = None) -> SparqlServer:
    """A server bound to ``host:port`` (port 0 picks a free one); call ``serve_forever()``."""
    service = QueryService(store, timeout=timeout, max_rows=max_rows,
                           max_concurrent=max_concurrent, query_dirs=query_dirs)
    cls = SparqlServer
    if _family(host) == socket.AF_INET6:
        cls = type("SparqlServer6", (SparqlServer,), {"address_family": socket.AF_INET6})
    return cls((host, port), service, log=log)


def _family(host: str) -> int:
    try:
        return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:
        return socket.AF_INET


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(store: ox.Store, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS,
          on_ready: Callable[[SparqlServer], None] | None = None,
          log: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted (Ctrl-C)."""
    server = make_server(store, host=host, port=port, timeout=timeout, max_rows=max_rows, log=log)
    try:
        if on_ready is not None:
            on_ready(server)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


# ---------------------------------------------------------------------------------------------
# Command line (registered by cli.py: ``main.add_command(serve_command)``)

import click  # noqa: E402  (kept next to the command it serves)


@click.command("serve")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
              help="Store folder to serve, opened read-only (default ./kg-store).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (anything but loopback exposes the graph to the network).")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port (0 picks a free one).")
@click.option("--timeout", type=click.FloatRange(0.1), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds a client waits for a query before getting 503.")
@click.option("--max-rows", type=click.IntRange(1), default=DEFAULT_MAX_ROWS, show_default=True,
              help="Rows (or triples) per result at most; longer results are cut and say so.")
@click.option("--quiet", "-q", is_flag=True, help="Do not log requests.")
def serve_command(files, store_dir, host, port, timeout, max_rows, quiet) -> None:
    """Serve the graph over the SPARQL 1.1 Protocol (read-only) with a query page.

    \b
    Endpoints:
      /sparql        GET ?query=… or POST; JSON, XML, CSV, TSV, Turtle by Accept header
      /              a page listing the named queries, with forms to run them
      /run/NAME      a named query with ?param=value, JSON results
    Queries that outlast --timeout get 503 but keep running in the background
    until they finish (Oxigraph cannot cancel them); at most 4 run at once.

    \b
    Examples:
      kg-builder serve --store kg-store
      curl -H 'Accept: text/csv' 'http://127.0.0.1:7878/sparql?query=SELECT...'
    """
    from .cli import UserError
    from .store import StoreError, reader

    if store_dir and files:
        raise UserError("give either --store or FILE arguments, not both")
    if not is_loopback(host):
        click.echo(f"kg-builder: warning: listening on {host}: anyone who can reach this "
                   "machine can query the graph", err=True)

    def ready(server: SparqlServer) -> None:
        click.echo(f"serving SPARQL at {server.url}/sparql and the query page at "
                   f"{server.url}/ (Ctrl-C stops)", err=True)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        with reader(store_dir, files) as store:
            serve(store, host=host, port=port, timeout=timeout, max_rows=max_rows,
                  on_ready=ready, log=None if quiet else log)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
