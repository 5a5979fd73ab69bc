"""Push the graph to a remote triple store: SPARQL 1.1 Graph Store Protocol or SPARQL 1.1 Update.

One named graph per article, with *replace* semantics, so loading the same store twice leaves
the remote store as it was after the first load (the design promises idempotent reloads):

* Graph Store Protocol (``endpoint``): ``PUT ?graph=G`` with the first chunk replaces the graph,
  further chunks of a large graph are ``POST``-ed (appended) to the same graph. Virtuoso's
  ``/sparql-graph-crud[-auth]`` calls the parameter ``graph-uri``; that is detected from the URL.
* SPARQL Update (``update_endpoint``), for stores without the Graph Store Protocol: the first
  request is ``DROP SILENT GRAPH <G> ; INSERT DATA {...}``, then ``INSERT DATA`` batches of at
  most :data:`MAX_UPDATE_TRIPLES` triples (Virtuoso fails above about 2,000 per request).

Bodies are N-Triples written by pyoxigraph (every quote, backslash and line break escaped),
never TriG or N-Quads, which Virtuoso rejects. Blank nodes are only meaningful inside one
document, so a chunk never splits the triples that share blank nodes. Virtuoso refuses blank
nodes in ``INSERT DATA``; an Update chunk that has any is sent as ``INSERT {...} WHERE {}``,
which is the same statement in standard SPARQL.

Transient failures (connection refused or reset, time-outs, HTTP 5xx/408/429) are retried with
exponential back-off; then the graph is reported failed and the next graph is tried. An
authentication failure stops the load (every further request would fail the same way), and so
do several graphs in a row failing on an unreachable endpoint.

Secrets: the password and bearer token come from environment variables (never from options, so
they are not in the shell history or ``ps``), are sent only to the origin (scheme, host, port)
of the write endpoint, and are masked in every message this module produces, including text
that a server echoes back. Digest authentication is done here rather than with urllib's
handler so that it is pre-emptive: urllib sends every body once without credentials, gets the
401 and sends it again, and Virtuoso closes the connection on that 401, which breaks large
uploads.

Only the standard library is used for HTTP (``http.client``), with keep-alive connections.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import secrets as _secrets
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import pyoxigraph as ox

from .store import article_graphs

__all__ = [
    "Auth", "LoadReport", "Progress", "RemoteError", "load", "default_query_endpoint",
    "graph_param_for", "count_remote_triples", "PASSWORD_ENV", "TOKEN_ENV",
    "DEFAULT_CHUNK_TRIPLES", "MAX_UPDATE_TRIPLES", "load_command",
]

PASSWORD_ENV = "KG_BUILDER_PASSWORD"
TOKEN_ENV = "KG_BUILDER_TOKEN"
#: Triples per Graph Store Protocol request (Virtuoso: 100k-line chunks load fastest).
DEFAULT_CHUNK_TRIPLES = 50_000
#: Triples per SPARQL Update request (Virtuoso fails above about 2,000).
MAX_UPDATE_TRIPLES = 1_000
#: Graphs counted per verification query.
_VERIFY_BATCH = 100
#: Graphs in a row that may fail on an unreachable endpoint before the load gives up.
_UNREACHABLE_LIMIT = 3
#: Label used in reports for triples of the store's default graph.
DEFAULT_GRAPH_LABEL = "(default graph)"

_NT = "application/n-triples"
_FORM = "application/x-www-form-urlencoded"
_JSON_RESULTS = "application/sparql-results+json"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RemoteError(Exception):
    """A load cannot start (bad URL, missing credentials); the message is meant for the user."""


# ---------------------------------------------------------------------------------------------
# Credentials


@dataclass
class Auth:
    """Credentials for the remote store. ``scheme`` is ``basic``, ``digest`` or ``bearer``.

    The secret fields are left out of ``repr`` so that a logged or printed ``Auth`` shows none.
    """

    scheme: str = "basic"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.scheme not in ("basic", "digest", "bearer"):
            raise RemoteError(f"unknown authentication scheme {self.scheme!r} "
                              "(use basic, digest or bearer)")
        if self.scheme == "bearer" and not self.token:
            raise RemoteError("bearer authentication needs a token")
        if self.scheme in ("basic", "digest") and self.user is None:
            raise RemoteError(f"{self.scheme} authentication needs a user name")
        # Checked here because http.client would reject such a header with an exception
        # whose message quotes the header, credentials included.
        if self.user is not None and (_CONTROL.search(self.user) or '"' in self.user
                                      or (self.scheme == "basic" and ":" in self.user)):
            raise RemoteError("the user name must not contain control characters, quotes "
                              "or (for basic authentication) colons")
        if self.token is not None and re.search(r"[\s\x00-\x1f\x7f]", self.token):
            raise RemoteError("the bearer token contains spaces or control characters")
        if self.password is not None and _CONTROL.search(self.password):
            raise RemoteError("the password contains control characters (a trailing "
                              "newline?)")

    @classmethod
    def from_env(cls, user: str | None, scheme: str = "basic", *,
                 password_env: str = PASSWORD_ENV, token_env: str = TOKEN_ENV,
                 environ: Mapping[str, str] | None = None) -> Auth | None:
        """Credentials as the command line takes them: ``--user`` plus a password from the
        environment, else a bearer token from the environment, else none."""
        env = os.environ if environ is None else environ
        if user is not None:
            if password_env not in env:
                raise RemoteError(f"--user {user} needs the password in the environment "
                                  f"variable {password_env}")
            return cls(scheme=scheme, user=user, password=env[password_env])
        token = env.get(token_env)
        if token:
            return cls(scheme="bearer", token=token)
        return None

    def secrets(self) -> list[str]:
        """Every form in which a secret could show up in text: raw, URL-quoted, base64."""
        out: list[str] = []
        for secret in (self.password, self.token):
            if secret:
                out += [secret, urllib.parse.quote(secret, safe=""),
                        urllib.parse.quote_plus(secret)]
        if self.user is not None and self.password:
            out.append(base64.b64encode(f"{self.user}:{self.password}".encode()).decode())
        return sorted({s for s in out if len(s) >= 1}, key=len, reverse=True)


class _Redactor:
    """Masks secrets in any text before it leaves this module."""

    def __init__(self, auth: Auth | None) -> None:
        self._secrets = auth.secrets() if auth else []

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


# ---------------------------------------------------------------------------------------------
# Reports


@dataclass
class LoadReport:
    """What a load did. ``graphs_failed`` maps graph IRIs to a one-line reason."""

    graphs_ok: list[str] = field(default_factory=list)
    graphs_failed: dict[str, str] = field(default_factory=dict)
    triples_sent: int = 0
    seconds: float = 0.0
    requests: int = 0
    retries: int = 0
    verified: bool = False

    @property
    def ok(self) -> bool:
        """True when every graph arrived (and, with verification, was counted complete)."""
        return not self.graphs_failed


@dataclass(frozen=True)
class Progress:
    """A step of a load, for ``on_progress``.

    ``kind`` is ``graph-ok``, ``graph-failed``, ``retry``, ``verify-ok``, ``verify-failed``,
    ``aborted`` (the remaining graphs will not be sent) or ``warning``; ``done``/``total``
    count graphs handled so far.
    """

    kind: str
    graph: str | None
    done: int
    total: int
    message: str

    def __str__(self) -> str:
        where = f"[{self.done}/{self.total}] " if self.total else ""
        return f"{where}{self.message}"


# ---------------------------------------------------------------------------------------------
# HTTP


class _HttpFailure(Exception):
    """One request failed. ``transient`` failures are worth retrying."""

    def __init__(self, message: str, *, status: int | None = None, transient: bool = False,
                 unreachable: bool = False, auth: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.unreachable = unreachable
        self.auth = auth


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


def _check_url(url: str, what: str) -> str:
    # The URL itself is never repeated in these messages: it may hold a password.
    authority = url.split("://", 1)[-1].split("/", 1)[0]
    if "@" in authority:
        raise RemoteError(f"{what} must not contain credentials: use --user and the "
                          f"{PASSWORD_ENV} environment variable")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"{what} must be an http:// or https:// URL with a valid host "
                          "and port")
    if parts.username is not None or parts.password is not None:
        raise RemoteError(f"{what} must not contain credentials: use --user and the "
                          f"{PASSWORD_ENV} environment variable")
    if parts.fragment or "#" in url:
        raise RemoteError(f"{what} must not contain a fragment (#)")
    return url


def _parse_challenge(header: str) -> dict[str, str] | None:
    """The parameters of the Digest challenge in a WWW-Authenticate header, if any."""
    lower = header.lower()
    start = lower.find("digest ")
    if start < 0:
        return None
    items = urllib.request.parse_http_list(header[start + len("digest "):])
    params: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            continue
        key, value = item.split("=", 1)
        value = value.strip()
        if value[:1] == '"' == value[-1:] and len(value) >= 2:
            value = value[1:-1]
        params[key.strip().lower()] = value
    return params if "nonce" in params else None


class _Http:
    """A small HTTP client: keep-alive connections, Basic/Digest/Bearer auth, one try per call."""

    def __init__(self, auth: Auth | None, *, timeout: float, insecure: bool,
                 auth_origins: Iterable[tuple[str, str, int]]) -> None:
        self.auth = auth
        self.timeout = timeout
        self.redact = _Redactor(auth)
        self._auth_origins = set(auth_origins)
        self._conns: dict[tuple[str, str, int], http.client.HTTPConnection] = {}
        self._challenge: dict[tuple[str, str, int], dict[str, str]] = {}
        self._nc: dict[tuple[str, str, int], int] = {}
        self._ssl = ssl.create_default_context()
        if insecure:
            self._ssl.check_hostname = False
            self._ssl.verify_mode = ssl.CERT_NONE
        self.requests = 0

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()

    def _connection(self, origin: tuple[str, str, int], fresh: bool) -> http.client.HTTPConnection:
        conn = self._conns.get(origin)
        if conn is not None and not fresh:
            return conn
        if conn is not None:
            conn.close()
        scheme, host, port = origin
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self._ssl)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        self._conns[origin] = conn
        return conn

    # -- authentication
    def _sends_credentials(self, origin: tuple[str, str, int]) -> bool:
        return self.auth is not None and origin in self._auth_origins

    def _digest_header(self, origin, method: str, target: str) -> str | None:
        chal = self._challenge.get(origin)
        auth = self.auth
        if chal is None or auth is None or auth.user is None:
            return None
        algorithm = chal.get("algorithm", "MD5").upper()
        base_alg = algorithm.removesuffix("-SESS")
        hashers = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
        if base_alg not in hashers:
            raise _HttpFailure(f"the server asks for Digest algorithm {algorithm}, "
                               "which kg-builder does not support", auth=True)

        def h(text: str) -> str:
            return hashers[base_alg](text.encode("utf-8")).hexdigest()

        realm, nonce = chal.get("realm", ""), chal["nonce"]
        cnonce = _secrets.token_hex(8)
        ha1 = h(f"{auth.user}:{realm}:{auth.password or ''}")
        if algorithm.endswith("-SESS"):
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = h(f"{method}:{target}")
        qops = [q.strip() for q in chal.get("qop", "").split(",") if q.strip()]
        fields = [f'username="{auth.user}"', f'realm="{realm}"', f'nonce="{nonce}"',
                  f'uri="{target}"', f"algorithm={algorithm}"]
        if "auth" in qops:
            self._nc[origin] = self._nc.get(origin, 0) + 1
            nc = f"{self._nc[origin]:08x}"
            response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            fields += [f'response="{response}"', "qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        elif qops:
            raise _HttpFailure(f"the server asks for Digest qop={','.join(qops)}, which "
                               "kg-builder does not support", auth=True)
        else:
            fields.append(f'response="{h(f"{ha1}:{nonce}:{ha2}")}"')
        if "opaque" in chal:
            fields.append(f'opaque="{chal["opaque"]}"')
        return "Digest " + ", ".join(fields)

    def _auth_header(self, origin, method: str, target: str) -> str | None:
        if not self._sends_credentials(origin):
            return None
        auth = self.auth
        assert auth is not None
        if auth.scheme == "bearer":
            return f"Bearer {auth.token}"
        if auth.scheme == "basic":
            raw = f"{auth.user}:{auth.password or ''}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        return self._digest_header(origin, method, target)

    # -- one request
    def _send(self, method: str, url: str, body: bytes | None,
              headers: Mapping[str, str]) -> tuple[int, http.client.HTTPMessage, bytes]:
        origin = _origin(url)
        parts = urllib.parse.urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        all_headers = dict(headers)
        credential = self._auth_header(origin, method, target)
        if credential:
            all_headers["Authorization"] = credential
        if body is not None:
            all_headers["Content-Length"] = str(len(body))
        for fresh in (False, True):
            conn = self._connection(origin, fresh=fresh)
            reused = conn.sock is not None
            try:
                self.requests += 1
                conn.request(method, target, body=body, headers=all_headers)
                response = conn.getresponse()
                data = response.read()
                if response.will_close:
                    conn.close()
                return response.status, response.headers, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                conn.close()
                if reused and not fresh:
                    continue  # the server closed an idle keep-alive connection: reconnect once
                raise _HttpFailure(f"connection lost ({type(exc).__name__})", transient=True,
                                   unreachable=True) from None
            except ConnectionRefusedError:
                conn.close()
                raise _HttpFailure(f"connection refused by {origin[1]}:{origin[2]}",
                                   transient=True, unreachable=True) from None
            except TimeoutError:
                conn.close()
                raise _HttpFailure(f"no answer within {self.timeout:g} s", transient=True) from None
            except ssl.SSLError as exc:
                conn.close()
                raise _HttpFailure(f"TLS error: {exc.reason or exc} (--insecure skips "
                                   "certificate checks)") from None
            except ValueError:
                # http.client refusing a header: its message would quote the header
                conn.close()
                raise _HttpFailure("invalid request header (check the user name and "
                                   "token)") from None
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                raise _HttpFailure(f"cannot reach {origin[1]}:{origin[2]}: {reason}",
                                   transient=True, unreachable=True) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> bytes:
        """Send one request (answering a Digest challenge once); raise ``_HttpFailure``."""
        headers = dict(headers or {})
        origin = _origin(url)
        status, resp_headers, data = self._send(method, url, body, headers)
        if status == 401 and self._sends_credentials(origin) and self.auth.scheme == "digest":
            challenge = _parse_challenge(resp_headers.get("WWW-Authenticate", ""))
            had = self._challenge.get(origin)
            if challenge is not None and (had is None or challenge.get("stale", "").lower()
                                          == "true" or had.get("nonce") != challenge["nonce"]):
                self._challenge[origin] = challenge
                self._nc[origin] = 0
                status, resp_headers, data = self._send(method, url, body, headers)
        if 200 <= status < 300:
            return data
        raise self._failure(status, resp_headers, data)

    def prime_digest(self, url: str) -> None:
        """Fetch the Digest challenge with a body-less HEAD before the first upload."""
        origin = _origin(url)
        if not (self._sends_credentials(origin) and self.auth.scheme == "digest"):
            return
        if origin in self._challenge:
            return
        try:
            status, headers, _ = self._send("HEAD", url, None, {})
        except _HttpFailure:
            return  # the real request will report the problem
        if status == 401:
            challenge = _parse_challenge(headers.get("WWW-Authenticate", ""))
            if challenge is not None:
                self._challenge[origin] = challenge
                self._nc[origin] = 0

    def _failure(self, status: int, headers, data: bytes) -> _HttpFailure:
        text = data.decode("utf-8", "replace")
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        if "<" in first and ">" in first:  # an HTML error page: keep the words only
            first = " ".join(re.sub(r"<[^>]*>", " ", text).split())
        detail = self.redact(first[:200])
        if status in (401, 403):
            if self.auth is None:
                how = "the endpoint needs credentials (--user)"
            elif self.auth.scheme == "bearer":
                how = "check the token"
            else:
                how = "check --user, --auth and the password in the environment"
            label = "authentication failed" if status == 401 else "access denied"
            return _HttpFailure(f"{label} (HTTP {status}): {how}", status=status, auth=True)
        transient = status >= 500 or status in (408, 429)
        reason = http.client.responses.get(status, "")
        message = f"HTTP {status} {reason}".strip()
        if detail:
            message += f": {detail}"
        if status == 413:
            message += " (try a smaller --chunk-triples)"
        return _HttpFailure(message, status=status, transient=transient)


# ---------------------------------------------------------------------------------------------
# Endpoints


def graph_param_for(endpoint: str) -> str:
    """The Graph Store Protocol parameter naming the graph: ``graph``, or Virtuoso's
    ``graph-uri`` for its ``/sparql-graph-crud`` endpoints."""
    return "graph-uri" if "sparql-graph-crud" in urllib.parse.urlsplit(endpoint).path else "graph"


def _graph_url(endpoint: str, param: str, graph: str) -> str:
    joiner = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    return f"{endpoint}{joiner}{param}={urllib.parse.quote(graph, safe='')}"


def default_query_endpoint(endpoint: str | None = None,
                           update_endpoint: str | None = None) -> str | None:
    """Guess the SPARQL query endpoint that goes with a write endpoint.

    Oxigraph ``/store`` or ``/update`` → ``/query``; Virtuoso ``/sparql-graph-crud[-auth]`` or
    ``/sparql-auth`` → ``/sparql``; Fuseki ``/ds/data`` or ``/ds/update`` → ``/ds/query``;
    GraphDB/RDF4J ``/repositories/R/statements`` or ``/rdf-graphs/service`` → ``/repositories/R``.
    None when there is no telling.
    """
    for url in (endpoint, update_endpoint):
        if not url:
            continue
        parts = urllib.parse.urlsplit(url)
        path = parts.path.rstrip("/")
        head, _, last = path.rpartition("/")
        new: str | None = None
        if last in ("sparql-graph-crud", "sparql-graph-crud-auth", "sparql-auth"):
            new = f"{head}/sparql"
        elif last in ("store", "update", "data", "service"):
            if last == "service" and head.endswith("/rdf-graphs"):
                new = head.removesuffix("/rdf-graphs")
            elif "/repositories/" in path and last == "update":
                new = head
            else:
                new = f"{head}/query"
        elif last == "statements" and "/repositories/" in path:
            new = head
        if new is not None:
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new, "", ""))
    return None


# ---------------------------------------------------------------------------------------------
# Chunks


def _chunks(triples: list[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Split a graph's triples into chunks of at most ``size`` triples, keeping every set of
    triples connected through blank nodes in one chunk (a label means nothing across
    documents). Such a set larger than ``size`` becomes one oversized chunk."""
    size = max(1, size)

    def bnodes(t: ox.Triple) -> list[str]:
        return [term.value for term in (t.subject, t.object) if isinstance(term, ox.BlankNode)]

    if not any(bnodes(t) for t in triples):
        for start in range(0, len(triples), size):
            yield triples[start:start + size]
        return
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for t in triples:
        labels = bnodes(t)
        for other in labels[1:]:
            parent[find(other)] = find(labels[0])
        for label in labels:
            find(label)
    units: list[list[ox.Triple]] = []
    groups: dict[str, list[ox.Triple]] = {}
    for t in triples:
        labels = bnodes(t)
        if not labels:
            units.append([t])
            continue
        root = find(labels[0])
        if root not in groups:
            groups[root] = []
            units.append(groups[root])
        groups[root].append(t)
    chunk: list[ox.Triple] = []
    for unit in units:
        if chunk and len(chunk) + len(unit) > size:
            yield chunk
            chunk = []
        chunk.extend(unit)
    if chunk:
        yield chunk


def _ntriples(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def _has_bnode(triples: list[ox.Triple]) -> bool:
    return any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
               for t in triples)


def _update_text(graph: str, triples: list[ox.Triple], first: bool) -> str:
    g = str(ox.NamedNode(graph))
    body = _ntriples(triples).decode("utf-8")
    if _has_bnode(triples):
        insert = f"INSERT {{ GRAPH {g} {{\n{body}}} }} WHERE {{}}"
    else:
        insert = f"INSERT DATA {{ GRAPH {g} {{\n{body}}} }}"
    return f"DROP SILENT GRAPH {g} ;\n{insert}" if first else insert


# ---------------------------------------------------------------------------------------------
# Verification


def count_remote_triples(query_endpoint: str, graphs: list[str], *, auth: Auth | None = None,
                         timeout: float = 60.0, insecure: bool = False,
                         _http: _Http | None = None) -> dict[str, int]:
    """Triples per named graph at a SPARQL query endpoint (0 for a graph it does not have)."""
    client = _http or _Http(auth, timeout=timeout, insecure=insecure,
                            auth_origins=[_origin(query_endpoint)])
    counts = {g: 0 for g in graphs}
    try:
        for start in range(0, len(graphs), _VERIFY_BATCH):
            batch = graphs[start:start + _VERIFY_BATCH]
            values = " ".join(str(ox.NamedNode(g)) for g in batch)
            query = ("SELECT ?g (COUNT(*) AS ?n) WHERE { VALUES ?g { " + values + " } "
                     "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
            body = urllib.parse.urlencode({"query": query}).encode("ascii")
            data = client.request("POST", query_endpoint, body,
                                  {"Content-Type": _FORM, "Accept": _JSON_RESULTS})
            try:
                doc = json.loads(data)
                for row in doc["results"]["bindings"]:
                    counts[row["g"]["value"]] = int(row["n"]["value"])
            except (ValueError, KeyError, TypeError) as exc:
                raise _HttpFailure(f"unexpected answer from the query endpoint ({exc})") from None
    finally:
        if _http is None:
            client.close()
    return counts


# ---------------------------------------------------------------------------------------------
# Loading


_Graph = ox.NamedNode | ox.DefaultGraph


@dataclass
class _Job:
    """Graphs sent together: one per job for the Graph Store Protocol; for SPARQL Update,
    consecutive small graphs without blank nodes share a request (fewer round trips)."""

    graphs: list[tuple[str, list[ox.Triple]]]

    @property
    def triples(self) -> int:
        return sum(len(t) for _, t in self.graphs)


def _jobs(store: ox.Store, graphs: list[tuple[str, _Graph]], pack: int) -> Iterator[_Job]:
    """Read the store graph by graph (never all of it at once) into jobs of ≤ ``pack`` triples."""
    batch: list[tuple[str, list[ox.Triple]]] = []
    size = 0
    for iri, graph in graphs:
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, graph)]
        if pack <= 1 or len(triples) > pack or _has_bnode(triples):
            yield _Job([(iri, triples)])
            continue
        if batch and size + len(triples) > pack:
            yield _Job(batch)
            batch, size = [], 0
        batch.append((iri, triples))
        size += len(triples)
    if batch:
        yield _Job(batch)


def _gsp_requests(job: _Job, write_url: str, param: str, size: int):
    ((iri, triples),) = job.graphs
    url = _graph_url(write_url, param, iri)
    for i, chunk in enumerate(list(_chunks(triples, size)) or [[]]):
        yield "PUT" if i == 0 else "POST", url, _ntriples(chunk), {"Content-Type": _NT}


def _update_requests(job: _Job, write_url: str, size: int):
    if len(job.graphs) == 1:
        iri, triples = job.graphs[0]
        chunks = list(_chunks(triples, size))
        texts = ([_update_text(iri, chunk, first=i == 0) for i, chunk in enumerate(chunks)]
                 or [f"DROP SILENT GRAPH {ox.NamedNode(iri)}"])
    else:
        texts = [" ;\n".join(_update_text(iri, triples, first=True) if triples
                             else f"DROP SILENT GRAPH {ox.NamedNode(iri)}"
                             for iri, triples in job.graphs)]
    for text in texts:
        body = urllib.parse.urlencode({"update": text}).encode("ascii")
        yield "POST", write_url, body, {"Content-Type": _FORM}


def _graphs_to_send(store: ox.Store, default_graph: str | None) -> list[tuple[str, _Graph]]:
    graphs: list[tuple[str, _Graph]] = [
        (g.value, g) for g in article_graphs(store)]
    if default_graph is not None:
        graphs.append((default_graph, ox.DefaultGraph()))
    return graphs


def load(store: ox.Store, *, endpoint: str | None = None, update_endpoint: str | None = None,
         query_endpoint: str | None = None, auth: Auth | None = None, verify: bool = False,
         retries: int = 3, timeout: float = 60.0, chunk_triples: int = DEFAULT_CHUNK_TRIPLES,
         on_progress: Callable[[Progress], None] | None = None, graph_param: str | None = None,
         insecure: bool = False, backoff: float = 0.5, max_backoff: float = 30.0,
         default_graph: str | None = None, workers: int = 4) -> LoadReport:
    """Push every article graph of ``store`` to a remote store, replacing each graph there.

    Give ``endpoint`` (Graph Store Protocol) or ``update_endpoint`` (SPARQL Update), not both.
    ``retries`` is the number of further attempts per request after a transient failure, the
    n-th waiting ``backoff * 2**(n-1)`` seconds (at most ``max_backoff``). With ``verify`` the
    triples of each graph are counted at ``query_endpoint`` (default: derived from the write
    endpoint, see :func:`default_query_endpoint`) and a graph with a different count is
    reported failed. Triples in the store's default graph are sent to the named graph
    ``default_graph`` when given, else reported as not sent. ``workers`` requests are in
    flight at once (each graph's own chunks stay in order); ``on_progress`` may then be
    called from worker threads, one call at a time.
    """
    if bool(endpoint) == bool(update_endpoint):
        raise RemoteError("give either a Graph Store Protocol endpoint (--endpoint) or a "
                          "SPARQL Update endpoint (--update-endpoint)")
    write_url = _check_url(endpoint or update_endpoint or "", "--endpoint" if endpoint
                           else "--update-endpoint")
    if verify:
        query_endpoint = query_endpoint or default_query_endpoint(endpoint, update_endpoint)
        if not query_endpoint:
            raise RemoteError("cannot tell the query endpoint for --verify from the write "
                              "endpoint: give --query-endpoint")
    if query_endpoint:
        _check_url(query_endpoint, "--query-endpoint")
    if default_graph is not None:
        try:
            ox.NamedNode(default_graph)
        except ValueError:
            raise RemoteError(f"--default-graph {default_graph!r} is not an IRI") from None
    if retries < 0 or chunk_triples < 1 or workers < 1:
        raise RemoteError("retries must be ≥ 0, chunk size and workers ≥ 1")
    param = graph_param or graph_param_for(write_url)
    started = time.monotonic()
    report = LoadReport()
    redact = _Redactor(auth)
    graphs = _graphs_to_send(store, default_graph)
    order = {iri: i for i, (iri, _) in enumerate(graphs)}
    total = len(graphs)
    lock = threading.RLock()
    local = threading.local()
    clients: list[_Http] = []
    aborted = threading.Event()
    state = {"done": 0, "abort_reason": None, "unreachable_run": 0}

    def client() -> _Http:
        http_client = getattr(local, "client", None)
        if http_client is None:
            http_client = _Http(auth, timeout=timeout, insecure=insecure,
                                auth_origins=[_origin(write_url)])
            local.client = http_client
            with lock:
                clients.append(http_client)
        return http_client

    def emit(kind: str, graph: str | None, message: str) -> None:
        if on_progress is not None:
            with lock:
                on_progress(Progress(kind, graph, state["done"], total, redact(message)))

    if insecure and write_url.startswith("https:"):
        emit("warning", None, "TLS certificate verification is off (--insecure)")
    default_count = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    if default_graph is None and default_count:
        reason = (f"{default_count} triple(s) in the default graph were not sent: name a "
                  "target graph with --default-graph IRI")
        report.graphs_failed[DEFAULT_GRAPH_LABEL] = reason
        emit("warning", DEFAULT_GRAPH_LABEL, reason)

    def attempt(http_client: _Http, method: str, url: str, body: bytes, headers, label: str):
        for n in range(retries + 1):
            try:
                return http_client.request(method, url, body, headers)
            except _HttpFailure as exc:
                if not exc.transient or n == retries or aborted.is_set():
                    raise
                delay = min(backoff * 2 ** n, max_backoff)
                with lock:
                    report.retries += 1
                emit("retry", label, f"{label}: {exc}; retrying in {delay:g} s "
                     f"(attempt {n + 2} of {retries + 1})")
                time.sleep(delay)

    def run(job: _Job) -> _HttpFailure | None | bool:
        """Send one job; None when it arrived, the failure, or False when skipped."""
        if aborted.is_set():
            return False
        http_client = client()
        label = job.graphs[0][0] + (f" (+{len(job.graphs) - 1} more)" if len(job.graphs) > 1
                                    else "")
        http_client.prime_digest(_graph_url(write_url, param, job.graphs[0][0]) if endpoint
                                 else write_url)
        requests = (_gsp_requests(job, write_url, param, chunk_triples) if endpoint
                    else _update_requests(job, write_url, min(chunk_triples, MAX_UPDATE_TRIPLES)))
        try:
            for method, url, body, headers in requests:
                attempt(http_client, method, url, body, headers, label)
        except _HttpFailure as exc:
            return exc
        except Exception as exc:  # e.g. a term N-Triples cannot carry: report, go on
            return _HttpFailure(f"cannot send: {type(exc).__name__}: {exc}")
        return None

    def settle(job: _Job, outcome: _HttpFailure | None | bool) -> None:
        """Record a finished job (main thread only)."""
        for iri, triples in job.graphs:
            state["done"] += 1
            if outcome is None:
                report.graphs_ok.append(iri)
                report.triples_sent += len(triples)
                sent_counts[iri] = len(triples)
                emit("graph-ok", iri, f"{iri}: {len(triples)} triples")
            elif outcome is False:
                report.graphs_failed[iri] = f"not sent: {state['abort_reason']}"
            else:
                reason = redact(str(outcome))
                report.graphs_failed[iri] = reason
                emit("graph-failed", iri, f"{iri}: failed: {reason}")
        if isinstance(outcome, _HttpFailure):
            state["unreachable_run"] = state["unreachable_run"] + 1 if outcome.unreachable else 0
            reason = redact(str(outcome))
            if outcome.auth and not aborted.is_set():
                state["abort_reason"] = reason
            elif state["unreachable_run"] >= _UNREACHABLE_LIMIT and not aborted.is_set():
                state["abort_reason"] = (f"gave up after {state['unreachable_run']} graphs in "
                                         f"a row failed: {reason}")
            if state["abort_reason"] and not aborted.is_set():
                aborted.set()
                if state["done"] < total:
                    emit("aborted", None, f"stopping: {total - state['done']} more graph(s) "
                         f"not sent: {state['abort_reason']}")
        elif outcome is None:
            state["unreachable_run"] = 0

    sent_counts: dict[str, int] = {}
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kg-load") as pool:
            pending: dict[Future, _Job] = {}

            def drain(block_until: str) -> None:
                finished, _ = wait(list(pending), return_when=block_until)
                for future in sorted(finished, key=lambda f: order[pending[f].graphs[0][0]]):
                    settle(pending.pop(future), future.result())

            pack = min(chunk_triples, MAX_UPDATE_TRIPLES) if update_endpoint else 0
            for job in _jobs(store, graphs, pack):
                if aborted.is_set():
                    settle(job, False)
                    continue
                pending[pool.submit(run, job)] = job
                if len(pending) >= workers:
                    drain(FIRST_COMPLETED)
            while pending:
                drain(ALL_COMPLETED)
        report.graphs_ok.sort(key=order.__getitem__)
        if verify and report.graphs_ok:
            assert query_endpoint is not None
            _verify(report, query_endpoint, sent_counts, client(), emit)
    finally:
        for http_client in clients:
            http_client.close()
        report.requests = sum(c.requests for c in clients)
        report.seconds = time.monotonic() - started
    return report


def _verify(report: LoadReport, query_endpoint: str, sent: dict[str, int], client: _Http,
            emit: Callable[[str, str | None, str], None]) -> None:
    """Count each sent graph remotely; move graphs whose count differs to ``graphs_failed``."""
    graphs = list(report.graphs_ok)
    try:
        counts = count_remote_triples(query_endpoint, graphs, _http=client)
    except _HttpFailure as exc:
        reason = f"could not verify: {client.redact(str(exc))}"
        for g in graphs:
            report.graphs_failed[g] = reason
        report.graphs_ok = []
        emit("verify-failed", None, reason)
        return
    ok: list[str] = []
    for g in graphs:
        if counts.get(g, 0) == sent[g]:
            ok.append(g)
        else:
            reason = f"verify: sent {sent[g]} triples, the endpoint has {counts.get(g, 0)}"
            report.graphs_failed[g] = reason
            emit("verify-failed", g, f"{g}: {reason}")
    report.graphs_ok = ok
    report.verified = True
    emit("verify-ok", None, f"verified {len(ok)} of {len(graphs)} graph(s) by triple count")


# ---------------------------------------------------------------------------------------------
# Command line (registered by cli.py: ``main.add_command(load_command)``)

import click  # noqa: E402  (kept next to the command it serves)


@click.command("load")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
              help="Store folder to load from (default ./kg-store).")
@click.option("--endpoint", metavar="URL", default=None,
              help="SPARQL 1.1 Graph Store Protocol endpoint (Oxigraph: …/store; Virtuoso: "
                   "…/sparql-graph-crud-auth).")
@click.option("--update-endpoint", metavar="URL", default=None,
              help="SPARQL 1.1 Update endpoint, for stores without the Graph Store Protocol.")
@click.option("--query-endpoint", metavar="URL", default=None,
              help="SPARQL query endpoint for --verify (default: derived from the write "
                   "endpoint, e.g. …/query for Oxigraph, …/sparql for Virtuoso).")
@click.option("--verify", is_flag=True,
              help="Count the triples of each graph at the query endpoint afterwards.")
@click.option("--graph-param", default=None, metavar="NAME",
              help="Graph Store Protocol parameter naming the graph (default: graph, or "
                   "graph-uri for Virtuoso's sparql-graph-crud).")
@click.option("--user", default=None, help="User name; the password is read from the "
              f"environment variable named by --password-env (default {PASSWORD_ENV}).")
@click.option("--auth", "auth_scheme", type=click.Choice(["basic", "digest"]), default="basic",
              show_default=True, help="HTTP authentication for --user (Virtuoso's "
              "…-auth endpoints need digest).")
@click.option("--password-env", default=PASSWORD_ENV, show_default=True, metavar="NAME",
              help="Environment variable holding the password.")
@click.option("--token-env", default=TOKEN_ENV, show_default=True, metavar="NAME",
              help="Environment variable holding a bearer token (used when --user is not given).")
@click.option("--insecure", is_flag=True, help="Do not verify TLS certificates.")
@click.option("--retries", type=click.IntRange(0, 20), default=3, show_default=True,
              help="Further attempts after a transient failure (exponential back-off).")
@click.option("--timeout", type=click.FloatRange(0.1), default=60.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--chunk-triples", type=click.IntRange(1), default=DEFAULT_CHUNK_TRIPLES,
              show_default=True, help="Triples per request (SPARQL Update: at most "
              f"{MAX_UPDATE_TRIPLES}).")
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True,
              help="Requests in flight at once.")
@click.option("--default-graph", default=None, metavar="IRI",
              help="Named graph receiving the triples of the default graph (e.g. from .ttl files).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but failures.")
def load_command(files, store_dir, endpoint, update_endpoint, query_endpoint, verify,
                 graph_param, user, auth_scheme, password_env, token_env, insecure, retries,
                 timeout, chunk_triples, workers, default_graph, quiet) -> None:
    """Push the graph to a remote triple store, one named graph per article.

    Each article graph is replaced at the remote store, so loading again is safe.
    Exit code 0 when every graph arrived, 1 when some graph failed.

    \b
    Examples:
      kg-builder load --endpoint http://localhost:7878/store --verify
      KG_BUILDER_PASSWORD=… kg-builder load --user dba --auth digest \\
          --endpoint http://localhost:8890/sparql-graph-crud-auth --verify
      kg-builder load graph.trig --update-endpoint https://example.org/ds/update
    """
    import sys

    from .cli import EXIT_CHECK_FAILED, UserError
    from .store import StoreError, reader

    if store_dir and files:
        raise UserError("give either --store or FILE arguments, not both")
    try:
        auth = Auth.from_env(user, auth_scheme, password_env=password_env, token_env=token_env)
    except RemoteError as exc:
        raise UserError(str(exc)) from None

    def progress(event: Progress) -> None:
        if event.kind in ("graph-failed", "verify-failed", "aborted", "warning"):
            click.echo(f"kg-builder: {'warning' if event.kind == 'warning' else 'error'}: "
                       f"{event.message}", err=True)
        elif event.kind == "retry" and not quiet:
            click.echo(f"kg-builder: {event.message}", err=True)

    if insecure:
        click.echo("kg-builder: warning: TLS certificate verification is off (--insecure)",
                   err=True)
    try:
        with reader(store_dir, files) as store:
            report = load(store, endpoint=endpoint, update_endpoint=update_endpoint,
                          query_endpoint=query_endpoint, auth=auth, verify=verify,
                          retries=retries, timeout=timeout, chunk_triples=chunk_triples,
                          on_progress=progress, graph_param=graph_param, insecure=insecure,
                          default_graph=default_graph, workers=workers)
    except (RemoteError, StoreError) as exc:
        raise UserError(str(exc)) from None
    total = len(report.graphs_ok) + len(report.graphs_failed)
    if not quiet or not report.ok:
        checked = ", verified" if report.verified else ""
        click.echo(f"loaded {len(report.graphs_ok)} of {total} graph(s), {report.triples_sent} "
                   f"triples in {report.seconds:.1f} s ({report.requests} requests, "
                   f"{report.retries} retries{checked})", err=True)
    if not report.ok:
        sys.exit(EXIT_CHECK_FAILED)
