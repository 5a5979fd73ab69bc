"""SHACL validation of kg-builder graphs, one article graph at a time, with readable reports.

Why per article graph: every graph kg-builder writes is one article's facts, and the shapes in
``shapes/`` describe one such graph (an event is derived from exactly one article, its mentions
point into that article). Validating graphs one by one keeps each check small (pySHACL's cost
grows faster than linearly with graph size), tells the analyst *which article* is broken, and
lets the work spread over processes.

Why an in-memory Oxigraph store per graph: pySHACL (0.30+) accepts a ``pyoxigraph.Store`` as
the data graph and then runs the shapes' SPARQL through Oxigraph. rdflib's own SPARQL engine
parses every query anew (tens of milliseconds each), which made a 300-triple graph take a few
hundred milliseconds; through Oxigraph the same graph takes a few tens. Copying one graph's
quads into a fresh store needs no term conversion at all.

Shapes are applied with ``inference="none"`` (graphs state every type explicitly, by contract)
and ``advanced=True`` (the shapes use SPARQL targets so that valid graphs stay cheap).

Two engines give the same results. ``engine="sparql"`` (the default) compiles the shapes into
SPARQL queries that Oxigraph runs once over all article graphs (:mod:`kg_builder.shacl_sparql`),
each pattern scoped to one graph; it is what makes a 10,000-article store take seconds instead of
minutes. When the shapes use a feature that compiler does not cover, the whole run falls back to
pySHACL (``engine="pyshacl"``, the reference), so custom ``--shapes`` keep working.
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from . import iris, shacl_sparql
from .namespaces import PREFIXES, SCHEMA
from .resources import resource_dir
from .store import INTERNAL_GRAPHS, article_graphs, to_ox

__all__ = [
    "Violation", "ValidationResult", "ShapesError", "load_shapes", "validate_graph",
    "validate_store", "format_report", "DEFAULT_GRAPH_LABEL", "ENGINES",
]

#: Validation engines: SPARQL compiled from the shapes (falls back to pySHACL), or pySHACL.
ENGINES = ("sparql", "pyshacl")

#: How the default graph is named in results (it has no IRI).
DEFAULT_GRAPH_LABEL = "(default graph)"
#: Shape name used for the check, done here rather than in SHACL, that a graph holds its article.
GRAPH_ARTICLE_SHAPE = "kg-builder:graph-describes-its-article"

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


class ShapesError(Exception):
    """The shapes could not be read; the message names the file and is meant for the user."""


@dataclass(frozen=True)
class Violation:
    """One SHACL result, as plain strings.

    ``graph`` is the article graph's IRI (or :data:`DEFAULT_GRAPH_LABEL`); ``focus`` the node that
    fails (an IRI, or ``_:id`` for a blank node); ``path`` the property IRI when the shape has a
    simple path; ``value`` the offending value (an IRI, or a literal's lexical form); ``severity``
    is ``Violation``, ``Warning`` or ``Info``; ``shape`` the IRI of the shape that failed.
    """

    graph: str
    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str


@dataclass
class ValidationResult:
    """The outcome of validating a store: ``conforms`` is False when any result is a Violation."""

    conforms: bool
    graphs_checked: int
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0
    #: The engine that produced the results ("sparql" or "pyshacl").
    engine: str = field(default="pyshacl", compare=False)
    #: Why the SPARQL engine was not used although asked for (None when it was, or not asked).
    fallback_reason: str | None = field(default=None, compare=False)

    @property
    def violation_count(self) -> int:
        """Results of severity Violation (warnings and infos do not fail validation)."""
        return sum(1 for v in self.violations if v.severity == "Violation")


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------

_SHAPES_CACHE: dict[tuple[str, ...], Graph] = {}


def _shape_files(paths: Iterable[Path | str] | None) -> list[Path]:
    if paths is None:
        folder = resource_dir("shapes")
        files = sorted(folder.glob("*.ttl"))
        if not files:
            raise ShapesError(f"{folder}: no shapes (*.ttl) found")
        return files
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files.extend(sorted(path.glob("*.ttl")))
        else:
            files.append(path)
    if not files:
        raise ShapesError("no shapes files given")
    return files


def load_shapes(paths: list[Path] | None = None) -> Graph:
    """Load SHACL shapes (default: every ``.ttl`` in the bundled ``shapes/`` folder).

    The graph is cached per list of files, so repeated calls cost nothing; treat it as read-only.
    A folder in ``paths`` stands for the ``.ttl`` files in it. Raises :class:`ShapesError` with the
    file name when a file is missing or is not valid Turtle.
    """
    files = _shape_files(paths)
    key = tuple(str(f.resolve()) for f in files)
    cached = _SHAPES_CACHE.get(key)
    if cached is not None:
        return cached
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    for f in files:
        try:
            graph.parse(f, format="turtle")
        except FileNotFoundError:
            raise ShapesError(f"{f}: no such shapes file") from None
        except Exception as exc:  # rdflib raises several unrelated types for bad syntax
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ShapesError(f"{f}: not valid Turtle: {first}") from None
    _SHAPES_CACHE[key] = graph
    return graph


# --------------------------------------------------------------------------------------------
# Validating one graph
# --------------------------------------------------------------------------------------------

@contextmanager
def _quiet_rdflib() -> Iterator[None]:
    """Silence rdflib's per-literal warnings while validating.

    An ill-typed literal (``"2022-13-45"^^xsd:date``) makes rdflib log a full traceback each time
    it is read; SHACL reports the literal properly, so the log lines are only noise.
    """
    logger = logging.getLogger("rdflib.term")
    old = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            # rdflib compares ill-typed literals through NotImplemented (a DeprecationWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        logger.setLevel(old)


_term_text = shacl_sparql.term_text


def _results(report: Graph, graph_name: str) -> list[Violation]:
    """Read the top-level results of a pySHACL report graph into Violations (deduplicated).

    Only results linked by ``sh:result`` from the report are read: nested results (``sh:detail``)
    repeat the same problem. One property shape can fail several ways on one value (say both
    sh:nodeKind and sh:pattern); those share a message and are reported once.
    """
    out: dict[tuple, Violation] = {}
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        for r in report.objects(report_node, SH.result):
            path = report.value(r, SH.resultPath)
            severity = report.value(r, SH.resultSeverity)
            messages = sorted(str(m) for m in report.objects(r, SH.resultMessage))
            v = Violation(
                graph=graph_name,
                focus=_term_text(report.value(r, SH.focusNode)) or "",
                path=str(path) if isinstance(path, URIRef) else None,
                value=_term_text(report.value(r, SH.value)),
                message=" ".join(messages) or "(no message)",
                severity=_SEVERITIES.get(severity, str(severity)),
                shape=_term_text(report.value(r, SH.sourceShape)) or "",
            )
            out.setdefault((v.focus, v.path, v.value, v.message, v.shape), v)
    return sorted(out.values(), key=lambda v: (v.focus, v.path or "", v.value or "", v.shape))


def _validate_ox(data: ox.Store, shapes: Graph, graph_name: str) -> list[Violation]:
    """Validate the default graph of an in-memory store (which pySHACL may use in place)."""
    with _quiet_rdflib():
        conforms, report, text = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", advanced=True, inplace=True,
        )
    if not isinstance(report, Graph):  # pySHACL returns a ValidationFailure for broken shapes
        raise ShapesError(f"the shapes could not be applied: {text}")
    if conforms:
        return []
    return _results(report, graph_name)


def validate_graph(graph: Graph | ox.Store, shapes: Graph | None = None, *,
                   graph_name: str = DEFAULT_GRAPH_LABEL) -> list[Violation]:
    """Validate one graph's triples and return its results (empty when it conforms).

    ``graph`` is an rdflib Graph (its triples are copied into an Oxigraph store for speed) or a
    pyoxigraph Store (its default graph is validated; pass a throwaway store, it may be used in
    place). ``graph_name`` is copied into each Violation.
    """
    shapes = load_shapes() if shapes is None else shapes
    if isinstance(graph, ox.Store):
        data = graph
    else:
        data = ox.Store()
        data.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph)
    return _validate_ox(data, shapes, graph_name)


# --------------------------------------------------------------------------------------------
# Validating a store, graph by graph
# --------------------------------------------------------------------------------------------

def _graph_article_check(data: ox.Store, graph_iri: str) -> list[Violation]:
    """An article graph must describe its own article: ``<g> a schema:NewsArticle`` inside ``g``.

    This ties the per-graph shapes together (events are derived from *this* article); SHACL
    cannot say it because the shapes never see the graph's name.
    """
    g = ox.NamedNode(graph_iri)
    if any(data.quads_for_pattern(g, ox.NamedNode(str(RDF.type)),
                                  ox.NamedNode(str(SCHEMA.NewsArticle)), ox.DefaultGraph())):
        return []
    return [Violation(
        graph=graph_iri, focus=graph_iri, path=str(RDF.type), value=None,
        message=("An article's named graph must describe that article: the graph's own IRI "
                 "should be typed schema:NewsArticle inside it (with its identifier, URL, "
                 "headline and date)."),
        severity="Violation", shape=GRAPH_ARTICLE_SHAPE,
    )]


def _check_serialized(graph_name: str, ntriples: bytes, shapes: Graph,
                      is_article: bool) -> list[Violation]:
    data = ox.Store()
    data.load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    found = _graph_article_check(data, graph_name) if is_article else []
    return found + _validate_ox(data, shapes, graph_name)


_WORKER_SHAPES: Graph | None = None


def _init_worker(paths: list[str] | None, shapes_nt: bytes | None) -> None:
    """Process-pool initializer: read the shapes once per worker process."""
    global _WORKER_SHAPES
    if shapes_nt is not None:
        _WORKER_SHAPES = Graph().parse(data=shapes_nt, format="nt")
    else:
        _WORKER_SHAPES = load_shapes([Path(p) for p in paths] if paths else None)


def _worker(job: tuple[str, bytes, bool]) -> list[Violation]:
    assert _WORKER_SHAPES is not None, "worker not initialised"
    return _check_serialized(job[0], job[1], _WORKER_SHAPES, job[2])


def _jobs(store: ox.Store) -> Iterator[tuple[str, bytes, bool]]:
    """(graph name, N-Triples of the graph, is an article graph) for each graph to check."""
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        yield (DEFAULT_GRAPH_LABEL,
               store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), False)
    for g in article_graphs(store):
        data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
        if isinstance(g, ox.NamedNode):
            yield g.value, data, True
        else:  # a blank graph name cannot be an article's IRI; check its content only
            yield f"_:{g.value}", data, False


def _batches(jobs: Iterator[tuple[str, bytes, bool]], size: int,
             ) -> Iterator[list[tuple[str, bytes, bool]]]:
    """Group jobs so that only ``size`` serialised graphs are held in memory at once."""
    batch: list[tuple[str, bytes, bool]] = []
    for job in jobs:
        batch.append(job)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def validate_store(store: ox.Store, *, workers: int = 1, shapes: Graph | None = None,
                   shapes_paths: list[Path] | None = None,
                   engine: str = "sparql") -> ValidationResult:
    """Validate each article graph of ``store`` on its own, and the default graph if it has triples.

    Shapes: ``shapes`` (a loaded graph, e.g. from :func:`load_shapes`), else the files or folders
    in ``shapes_paths``, else the bundled ``shapes/``. ``engine="sparql"`` runs the shapes as
    SPARQL over all graphs at once and falls back to pySHACL (``result.fallback_reason`` says
    why) when the shapes use something it does not compile; ``engine="pyshacl"`` validates graph
    by graph with pySHACL, with ``workers > 1`` in a pool of processes that each read the shapes
    once. Both give the same violations. Raises :class:`ShapesError` when the shapes cannot be
    read or applied.
    """
    started = time.perf_counter()
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r} (expected one of {ENGINES})")
    if shapes is None:
        shapes = load_shapes(shapes_paths)  # fail early, in this process, on unreadable shapes
    reason = None
    if engine == "sparql":
        try:
            with _quiet_rdflib():
                violations, checked = _validate_store_sparql(store, shapes, threads=max(2, workers))
        except shacl_sparql.UnsupportedShapes as exc:
            reason = str(exc)
            logging.getLogger(__name__).info("SPARQL validation not possible (%s): using pySHACL",
                                             reason)
        else:
            conforms = not any(v.severity == "Violation" for v in violations)
            return ValidationResult(conforms=conforms, graphs_checked=checked,
                                    violations=violations, engine="sparql",
                                    seconds=time.perf_counter() - started)
    # Workers re-read shapes from their files when they came from files, else from N-Triples.
    files = next((list(key) for key, g in _SHAPES_CACHE.items() if g is shapes), None)
    violations: list[Violation] = []
    checked = 0
    if workers <= 1:
        for name, data, is_article in _jobs(store):
            violations.extend(_check_serialized(name, data, shapes, is_article))
            checked += 1
    else:
        custom = None if files else shapes.serialize(format="nt", encoding="utf-8")
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                 initargs=(files, custom)) as pool:
            for batch in _batches(_jobs(store), size=workers * 32):
                chunk = max(1, len(batch) // (workers * 4))
                for found in pool.map(_worker, batch, chunksize=chunk):
                    violations.extend(found)
                checked += len(batch)
    conforms = not any(v.severity == "Violation" for v in violations)
    return ValidationResult(conforms=conforms, graphs_checked=checked, violations=violations,
                            seconds=time.perf_counter() - started, engine="pyshacl",
                            fallback_reason=reason)


# --------------------------------------------------------------------------------------------
# Validating a store with SPARQL compiled from the shapes
# --------------------------------------------------------------------------------------------

_COMPILED: dict[int, tuple[Graph, list]] = {}
#: Where the default graph's triples are put so that ``GRAPH ?g`` patterns can see them.
_DEFAULT_STANDIN = ox.NamedNode("urn:kg-builder:validate:default-graph")


def _compiled(shapes: Graph) -> list:
    """The compiled checks of a shapes graph (cached while the graph object lives)."""
    hit = _COMPILED.get(id(shapes))
    if hit is not None and hit[0] is shapes:
        return hit[1]
    checks = shacl_sparql.compile_shapes(shapes)
    _COMPILED[id(shapes)] = (shapes, checks)
    return checks


def _graph_label(g: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    if g == _DEFAULT_STANDIN or isinstance(g, ox.DefaultGraph):
        return DEFAULT_GRAPH_LABEL
    if isinstance(g, ox.BlankNode):
        return f"_:{g.value}"
    return g.value


def _dedup_sorted(raw: Iterable[shacl_sparql.RawResult], graph: str) -> list[Violation]:
    """As :func:`_results` does with a pySHACL report: one result per key, sorted the same way."""
    out: dict[tuple, Violation] = {}
    for r in raw:
        v = Violation(graph=graph, focus=r.focus, path=r.path, value=r.value, message=r.message,
                      severity=r.severity, shape=r.shape)
        out.setdefault((v.focus, v.path, v.value, v.message, v.shape), v)
    return sorted(out.values(),
                  key=lambda v: (v.focus, v.path or "", v.value or "", v.shape, v.message))


def _validate_store_sparql(store: ox.Store, shapes: Graph, *,
                           threads: int = 2) -> tuple[list[Violation], int]:
    """All article graphs (and the default graph) checked by compiled SPARQL; same order as
    the graph-by-graph engine: default graph first, then graphs by name, the article check
    before the SHACL results of each graph."""
    checks = _compiled(shapes)
    try:
        return _run_compiled(store, checks, threads)
    except SyntaxError as exc:  # a query pySHACL might still run (its SPARQL goes through rdflib)
        raise shacl_sparql.UnsupportedShapes(f"a compiled query was rejected: {exc}") from None


def _run_compiled(store: ox.Store, checks: list, threads: int) -> tuple[list[Violation], int]:
    by_graph: dict[str, list[shacl_sparql.RawResult]] = {}
    order: list[tuple[str, ox.NamedNode | None]] = []
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        standin = ox.Store()
        standin.extend(ox.Quad(q.subject, q.predicate, q.object, _DEFAULT_STANDIN)
                       for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        for r in shacl_sparql.run_checks(standin, checks, threads=threads):
            by_graph.setdefault(DEFAULT_GRAPH_LABEL, []).append(r)
        order.append((DEFAULT_GRAPH_LABEL, None))
    for g in article_graphs(store):
        order.append((_graph_label(g), g if isinstance(g, ox.NamedNode) else None))
    own = sorted(INTERNAL_GRAPHS, key=str)
    for r in shacl_sparql.run_checks(store, checks, exclude=own, threads=threads):
        by_graph.setdefault(_graph_label(r.graph), []).append(r)
    violations: list[Violation] = []
    rdf_type, article = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(SCHEMA.NewsArticle))
    for label, g in order:
        if g is not None and next(iter(store.quads_for_pattern(g, rdf_type, article, g)),
                                  None) is None:
            violations.extend(_graph_article_check(ox.Store(), label))
        if label in by_graph:
            violations.extend(_dedup_sorted(by_graph.pop(label), label))
    return violations, len(order)


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------

_IRI_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\"<>]+$")
_MAX_VALUE = 60
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# Longest namespaces first, so that e.g. "rdfs" wins over "rdf" where both could match.
_PREFIX_ORDER = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def _base_of(graph_name: str) -> str | None:
    """The instance base IRI, recovered from an article graph IRI ``{base}article/{id}``."""
    head, sep, _ = graph_name.rpartition("article/")
    return head if sep else None


def _short(iri: str, base: str | None) -> str:
    """A prefixed name (``kg:fatalities``) or a base-relative path (``event/3f2a…``)."""
    for b in (base, iris.DEFAULT_BASE):
        if b and iri.startswith(b) and len(iri) > len(b):
            return iri[len(b):]
    for prefix, ns in _PREFIX_ORDER:
        if iri.startswith(ns):
            local = iri[len(ns):]
            if re.fullmatch(r"[A-Za-z_][\w.-]*", local or "-"):
                return f"{prefix}:{local}"
    return f"<{iri}>"


def _value_text(value: str, base: str | None) -> str:
    if _IRI_LIKE.match(value) and "://" in value:
        return _short(value, base)
    if _NUMBER.match(value):
        return value
    if len(value) > _MAX_VALUE:  # a whole sentence would drown the message
        value = value[:_MAX_VALUE - 1].rstrip() + "…"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _line(v: Violation, base: str | None) -> str:
    parts = [_short(v.focus, base) if not v.focus.startswith("_:") else v.focus]
    if v.path:
        parts.append(_short(v.path, base))
    head = " ".join(parts)
    value = f"value {_value_text(v.value, base)}: " if v.value is not None else ""
    return f"  {head}: {value}{v.message} ({v.severity})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def format_report(result: ValidationResult, *, max_violations: int | None = 50) -> str:
    """A plain-text report: results grouped by article graph, one per line, then a summary.

    Lines look like ``  event/5f21… kg:fatalities: value -1: The number of people killed …
    (Violation)``. Vocabulary IRIs are written as prefixed names and instance IRIs relative to
    the base. At most ``max_violations`` lines are listed (``None`` lists all); the summary
    always counts everything.
    """
    lines: list[str] = []
    by_graph: dict[str, list[Violation]] = {}
    for v in result.violations:
        by_graph.setdefault(v.graph, []).append(v)
    shown = 0
    hidden = 0
    for graph_name in sorted(by_graph):
        found = by_graph[graph_name]
        base = _base_of(graph_name)
        if max_violations is not None and shown >= max_violations:
            hidden += len(found)
            continue
        plain = graph_name == DEFAULT_GRAPH_LABEL or graph_name.startswith("_:")
        title = graph_name if plain else _short(graph_name, base)
        lines.append(f"{title} ({_plural(len(found), 'problem')})")
        for v in found:
            if max_violations is not None and shown >= max_violations:
                hidden += 1
                continue
            lines.append(_line(v, base))
            shown += 1
    if hidden:
        lines.append(f"… {hidden} more not shown")
    n_viol = result.violation_count
    others = len(result.violations) - n_viol
    summary = f"{_plural(result.graphs_checked, 'graph')} checked, {_plural(n_viol, 'violation')}"
    if others:
        summary += f", {_plural(others, 'warning')}"
    if result.conforms:
        summary += ": conforms"
    lines.append(summary)
    return "\n".join(lines)
