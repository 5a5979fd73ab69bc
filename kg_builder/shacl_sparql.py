"""SHACL validation compiled to SPARQL: all article graphs of a store checked in one pass per check.

Why: pySHACL validates one graph at a time (tens of milliseconds per article graph even through
Oxigraph), so a store of 10,000 articles takes minutes. Here each shape's constraint becomes one
SPARQL query that Oxigraph evaluates over *all* graphs at once, with every pattern wrapped in
``GRAPH ?g { … }`` so that a triple in one article graph never satisfies or violates a constraint
for another (the same isolation as validating graphs one by one).

Why the results are the same as pySHACL's, not just similar: the SPARQL side only has to be
*conservative*. For each value-level constraint it computes "surely conforms" with a test that is
stricter than pySHACL's (canonical lexical forms, ASCII-only strings for regular expressions,
strict numeric comparisons, ...); every row that is not surely conforming is handed to Python,
which applies pySHACL's own rules to the rdflib term that pySHACL would have seen (the same
``to_rdf`` conversion, rdflib's literal normalisation, pySHACL's ``compare_literal``). Only
constraints whose SPARQL form is exact (sh:class, sh:nodeKind, sh:minCount 1) are decided in
SPARQL alone. Messages, result paths and values are filled the way pySHACL fills them.

What is not supported raises :class:`UnsupportedShapes` at compile time (or, for data pySHACL
itself would reject, at run time) so that the caller falls back to pySHACL for the whole run:
a constraint is never silently skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox
from pyshacl.graph_abstraction import to_ox as _pyshacl_to_ox
from pyshacl.graph_abstraction import to_rdf
from pyshacl.rdfutil import stringify_node
from pyshacl.rdfutil.compare import compare_literal
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

__all__ = ["UnsupportedShapes", "Check", "RawResult", "compile_shapes", "run_checks"]

_STRING_TYPES = (None, RDF.langString, XSD.string)
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_TYPE = f"<{RDF.type}>"
_SUBCLASS = f"<{RDFS.subClassOf}>"


class UnsupportedShapes(Exception):
    """The shapes (or, rarely, the data) use something this engine does not compile; use pySHACL."""


# --------------------------------------------------------------------------------------------
# Terms
# --------------------------------------------------------------------------------------------

def _sparql_term(node: Node) -> str:
    """A shapes-graph term written as SPARQL (N-Triples syntax, which SPARQL accepts)."""
    if isinstance(node, BNode):
        raise UnsupportedShapes(f"blank node {node} used as a constant")
    return str(_pyshacl_to_ox(node))


def term_text(term: Node | None) -> str | None:
    """A report term as text: blank nodes as ``_:label``, others as their lexical form."""
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _ok(expr: str) -> str:
    """An error-free boolean: SPARQL errors inside FILTER would silently drop a candidate row."""
    return f"COALESCE(({expr}), false)"


# --------------------------------------------------------------------------------------------
# Value constraints: a conservative SPARQL test and pySHACL's exact rule in Python
# --------------------------------------------------------------------------------------------

@dataclass
class _ValueRule:
    """One constraint on each value node.

    ``sparql_ok(var)`` is an expression true only for values that surely conform; when ``exact``
    is set it is also false only for values that surely do not, and ``py_ok`` is never called.
    ``generic`` is pySHACL's default message (None: pySHACL's depends on the data graph).
    """

    name: str
    sparql_ok: Callable[[str], str]
    py_ok: Callable[[Node], bool] | None
    generic: str | None
    exact: bool = False
    cls: Node | None = None  # sh:class rules are run as their own anti-join query
    key: str = ""  # the constraint and its parameters: equal keys, equal rules


_MONTH_DAY = ("((01|03|05|07|08|10|12)-(0[1-9]|[12][0-9]|3[01])|(04|06|09|11)-(0[1-9]|[12][0-9]|30)"
              "|02-(0[1-9]|1[0-9]|2[0-8]))")
#: Lexical forms that rdflib surely parses into a value of the datatype (stricter than XSD).
_SAFE_LEXICAL = {
    XSD.integer: "^[+-]?[0-9]+$",
    XSD.decimal: "^[+-]?[0-9]+([.][0-9]+)?$",
    XSD.date: f"^[1-9][0-9]{{3}}-{_MONTH_DAY}$",
    XSD.dateTime: (f"^[1-9][0-9]{{3}}-{_MONTH_DAY}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
                   "([.][0-9]{1,6})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])?$"),
    XSD.boolean: "^(true|false)$",
}


def _actual_datatype(value: Node, rule: URIRef) -> bool:
    """pySHACL's ``_assert_actual_datatype``."""
    import datetime as dt

    v = value.value  # type: ignore[union-attr]
    if rule in (XSD.string, RDF.langString):
        return isinstance(v, (str, bytes))
    checks = {XSD.integer: int, XSD.float: float, XSD.decimal: Decimal, XSD.boolean: bool,
              XSD.date: dt.date, XSD.time: dt.time, XSD.dateTime: dt.datetime}
    kind = checks.get(rule)
    return True if kind is None else isinstance(v, kind)


def _datatype_rule(dt: URIRef, sg: Graph) -> _ValueRule:
    def py_ok(v: Node) -> bool:  # pySHACL's DatatypeConstraintComponent.evaluate, per value
        if not isinstance(v, Literal):
            return False
        if v.datatype == dt:
            return False if getattr(v, "ill_typed", None) is True else _actual_datatype(v, dt)
        if dt == RDFS.Literal:
            return True
        if dt == RDFS.Datatype and v.datatype:
            return True
        if v.datatype is None and v.language is None and dt == XSD.string:
            return _actual_datatype(v, dt)
        if dt == RDF.langString and v.language:
            return _actual_datatype(v, dt)
        return False

    # Oxigraph decodes a term anew for each mention of its variable in an expression (a lookup
    # for every IRI and long string): each test below names ``x`` as few times as it can. No
    # isLiteral() before DATATYPE(): DATATYPE of anything else is an error, read as false.
    if dt == XSD.string:
        def sparql_ok(x: str) -> str:
            return f"DATATYPE({x}) = <{XSD.string}>"
        exact = True
    elif dt == RDFS.Literal:
        def sparql_ok(x: str) -> str:
            return f"isLiteral({x})"
        exact = True
    elif dt in _SAFE_LEXICAL:
        pattern = _SAFE_LEXICAL[dt]

        def sparql_ok(x: str) -> str:
            return f"DATATYPE({x}) = <{dt}> && REGEX(STR({x}), {_string(pattern)})"
        exact = False
    else:
        def sparql_ok(x: str) -> str:
            return "false"
        exact = False
    return _ValueRule("datatype", sparql_ok, py_ok,
                      f"Value is not Literal with datatype {stringify_node(sg, dt)}", exact,
                      key=f"datatype {dt}")


_NODE_KINDS = {
    SH.IRI: ("isIRI({x})", (URIRef,)), SH.Literal: ("isLiteral({x})", (Literal,)),
    SH.BlankNode: ("isBlank({x})", (BNode,)),
    SH.BlankNodeOrIRI: ("!isLiteral({x})", (BNode, URIRef)),
    SH.BlankNodeOrLiteral: ("!isIRI({x})", (BNode, Literal)),
    SH.IRIOrLiteral: ("!isBlank({x})", (URIRef, Literal)),
}


def _node_kind_rule(kind: Node, sg: Graph) -> _ValueRule:
    if kind not in _NODE_KINDS:
        raise UnsupportedShapes(f"sh:nodeKind {kind}")
    expr, _ = _NODE_KINDS[kind]
    return _ValueRule("nodeKind", lambda x: expr.format(x=x), _node_kind_py(kind),
                      f"Value is not of Node Kind {stringify_node(sg, kind)}", True,
                      key=f"nodeKind {kind}")


def _node_kind_py(kind: Node) -> Callable[[Node], bool]:
    """pySHACL's node kind test as a predicate (for sh:or members, decided in Python)."""
    ok_types = _NODE_KINDS[kind][1]

    def py_ok(v: Node) -> bool:
        if isinstance(v, BNode):
            return BNode in ok_types
        if isinstance(v, Literal):
            return Literal in ok_types
        return URIRef in ok_types
    return py_ok


_SAFE_REGEX_TOKEN = re.compile(
    r"\\[sSd.\-/\\#$^()\[\]{}?*+|]|\{\d+(,\d*)?\}|\(\?:"
    r"|[A-Za-z0-9 _,;:!\"'%&=<>@`~#.^$*+?()|\[\]\-/]")
# Strings on which Python's and Oxigraph's regex engines may disagree go to Python.
_SUSPICIOUS = "[^\\u0020-\\u007E]"


def _safe_regex(pattern: str) -> bool:
    """Whether ``pattern`` means the same in Python's ``re`` and Oxigraph on printable ASCII."""
    pos = 0
    while pos < len(pattern):
        m = _SAFE_REGEX_TOKEN.match(pattern, pos)
        if not m:
            return False
        pos = m.end()
    return "[[" not in pattern and "[:" not in pattern and "&&" not in pattern \
        and "--" not in pattern and "~~" not in pattern


def _string(text: str) -> str:
    """A SPARQL string literal."""
    return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                  .replace("\r", "\\r")) + '"'


def _pattern_rule(patterns: list[Node], flags: Node | None) -> _ValueRule:
    re_flags = 0
    sparql_flags = ""
    if flags is not None:
        text = str(flags.value).lower()  # type: ignore[union-attr]
        if "i" in text:
            re_flags |= re.I
            sparql_flags += "i"
        if "m" in text:
            re_flags |= re.M
            sparql_flags += "m"
    compiled = []
    for p in patterns:
        if not isinstance(p, Literal):
            raise UnsupportedShapes("sh:pattern that is not a literal")
        source = str(p.value) if p.value is not None and len(p.value) > 1 else str(p)
        compiled.append((source, re.compile(source, re_flags)))

    def py_ok(v: Node) -> bool:  # pySHACL's PatternConstraintComponent, all patterns
        if isinstance(v, BNode):
            return False
        if isinstance(v, Literal) and v.value is not None and v.datatype in _STRING_TYPES:
            s = str(v.value)
        else:
            s = str(v)
        return all(rx.match(s) or rx.search(s) for _, rx in compiled)

    safe = all(_safe_regex(src) for src, _ in compiled)
    # An IRI in the store is a valid IRI: no spaces, line breaks or control characters, so the
    # two engines can only disagree on its non-ASCII characters, and only through \d \s \S or
    # case folding. Most patterns have none of those: their IRI values need no second regex.
    iri_needs_check = bool(re_flags & re.I) or any(
        re.search(r"\\[dsS]", src) for src, _ in compiled)

    def sparql_ok(x: str) -> str:
        if not safe:
            return "false"
        flag_arg = f", {_string(sparql_flags)}" if sparql_flags else ""
        tests = " && ".join(f"REGEX(STR({x}), {_string(src)}{flag_arg})" for src, _ in compiled)
        plain = f"!REGEX(STR({x}), \"{_SUSPICIOUS}\")"
        iri = f"(isIRI({x}) && {plain})" if iri_needs_check else f"isIRI({x})"
        # A string literal of plain ASCII: REGEX accepts exactly the string literals (xsd:string
        # or language-tagged) and is an error on anything else, so one test names x once where
        # isLiteral, DATATYPE and LANG named it three times (Oxigraph decodes x at each).
        literal = f"!REGEX({x}, \"{_SUSPICIOUS}\")"
        return f"({iri} || {literal}) && {tests}"

    if len(compiled) < 2:
        generic = f"Value does not match pattern '{compiled[0][0]}'"
    else:
        generic = "Value does not match every pattern in ('{}')".format(
            "', '".join(str(p.value) for p in patterns))  # type: ignore[union-attr]
    return _ValueRule("pattern", sparql_ok, py_ok, generic,
                      key=f"pattern {[src for src, _ in compiled]!r} {re_flags}")


def _in_rule(values: list[Node]) -> _ValueRule:
    allowed = set(values)
    constants = [_sparql_term(v) for v in values]

    def sparql_ok(x: str) -> str:
        if not constants:
            return "false"
        if all(isinstance(v, URIRef) for v in values):  # = is sameTerm on IRIs; x named once
            return f"{x} IN ({', '.join(constants)})"
        return " || ".join(f"sameTerm({x}, {c})" for c in constants)

    return _ValueRule("in", sparql_ok, lambda v: v in allowed, None,
                      key=f"in {sorted(map(repr, values))!r}")


_RANGES = {  # predicate: (pass when compare_literal(v, m) ..., SPARQL operator, generic symbol)
    SH.minExclusive: (lambda c: c > 0, ">", ">"),
    SH.minInclusive: (lambda c: c >= 0, ">", ">="),
    SH.maxExclusive: (lambda c: c < 0, "<", "<"),
    SH.maxInclusive: (lambda c: c <= 0, "<", "<="),
}
_NUMERIC_LEXICAL = "^[+-]?[0-9]+([.][0-9]+)?$"


def _range_rule(pred: URIRef, bounds: list[Node], sg: Graph) -> _ValueRule:
    passes, op, symbol = _RANGES[pred]
    for m in bounds:
        if not isinstance(m, Literal):
            raise UnsupportedShapes(f"{pred} with a value that is not a literal")

    def one(v: Node, m: Literal) -> bool:  # pySHACL's _evaluate_min_rule / _evaluate_max_rule
        if not isinstance(v, Literal):
            return False
        m_is_string = isinstance(m.value, str)
        v_is_string = isinstance(v.value, str)
        if m_is_string != v_is_string:
            return False
        try:
            return passes(compare_literal(v, m))
        except (TypeError, NotImplementedError):
            return False

    def py_ok(v: Node) -> bool:
        return all(one(v, m) for m in bounds)  # type: ignore[arg-type]

    def sparql_ok(x: str) -> str:
        parts = []
        for m in bounds:
            if m.datatype not in (XSD.integer, XSD.decimal) or m.value is None:  # type: ignore[union-attr]
                return "false"
            c = _sparql_term(m)
            same = f" || (DATATYPE({x}) = <{m.datatype}> && {x} = {c})" if "=" in symbol else ""  # type: ignore[union-attr]
            parts.append(f"({x} {op} {c}{same})")
        return (f"DATATYPE({x}) IN (<{XSD.integer}>, <{XSD.decimal}>) && "
                f"REGEX(STR({x}), {_string(_NUMERIC_LEXICAL)}) && " + " && ".join(parts))

    if len(bounds) < 2:
        generic = f"Value is not {symbol} {stringify_node(sg, bounds[0])}"
    else:
        generic = "Value is not {} in ({})".format(
            symbol, ", ".join(stringify_node(sg, c) for c in bounds))
    return _ValueRule(pred.split("#")[-1], sparql_ok, py_ok, generic,
                      key=f"{pred} {sorted(map(repr, bounds))!r}")


def _class_rule(classes: list[Node], sg: Graph) -> list[_ValueRule]:
    """sh:class: one rule per class (pySHACL reports each failing class separately)."""
    rules = []
    for c in classes:
        const = _sparql_term(c)

        def sparql_ok(x: str, const: str = const) -> str:
            return f"EXISTS {{ {x} {_TYPE}/{_SUBCLASS}* {const} }}"

        if len(classes) < 2:
            generic = f"Value does not have class {stringify_node(sg, classes[0])}"
        else:
            generic = "Value class is not in classes ({})".format(
                ", ".join(stringify_node(sg, k) for k in classes))
        rules.append(_ValueRule("class", sparql_ok, None, generic, True, c))
    return rules


# Predicates a value-only shape (sh:or member) may carry.
_MEMBER_OK = {RDF.type, SH.datatype, SH.nodeKind, SH.pattern, SH.flags, SH["in"], SH.minInclusive,
              SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.message, SH.name,
              SH.description, RDFS.label, RDFS.comment, SH.severity}


def _member_rules(sg: Graph, node: Node) -> list[_ValueRule]:
    """The constraints of an sh:or member shape, each decidable on one value (no graph)."""
    preds = set(sg.predicates(node))
    extra = preds - _MEMBER_OK
    if extra:
        raise UnsupportedShapes(f"sh:or member {node} uses {sorted(map(str, extra))}")
    if (node, RDF.type, SH.PropertyShape) in sg:
        raise UnsupportedShapes("sh:or member that is a property shape")
    rules = _value_rules(sg, node)
    for r in rules:
        if r.py_ok is None:
            raise UnsupportedShapes(f"sh:{r.name} inside sh:or")
    return rules


def _or_rule(sg: Graph, lists: list[Node]) -> list[_ValueRule]:
    rules = []
    for lst in lists:
        members = [_member_rules(sg, m) for m in Collection(sg, lst)]
        if not members:
            raise UnsupportedShapes("empty sh:or list")

        def py_ok(v: Node, members: list[list[_ValueRule]] = members) -> bool:
            return any(all(r.py_ok(v) for r in rs) for rs in members)  # type: ignore[misc]

        def sparql_ok(x: str, members: list[list[_ValueRule]] = members) -> str:
            alts = ["(" + (" && ".join(f"({r.sparql_ok(x)})" for r in rs) or "true") + ")"
                    for rs in members]
            return " || ".join(alts)

        rules.append(_ValueRule("or", sparql_ok, py_ok, None,
                                key="or " + " | ".join(",".join(r.key for r in rs)
                                                       for rs in members)))
    return rules


def _value_rules(sg: Graph, shape: Node) -> list[_ValueRule]:
    rules: list[_ValueRule] = []
    classes = list(sg.objects(shape, SH["class"]))
    if classes:
        rules.extend(_class_rule(classes, sg))
    dts = list(sg.objects(shape, SH.datatype))
    if len(dts) > 1:
        raise UnsupportedShapes("several sh:datatype on one shape")
    if dts:
        rules.append(_datatype_rule(dts[0], sg))  # type: ignore[arg-type]
    kinds = list(sg.objects(shape, SH.nodeKind))
    if len(kinds) > 1:
        raise UnsupportedShapes("several sh:nodeKind on one shape")
    if kinds:
        rules.append(_node_kind_rule(kinds[0], sg))
    patterns = list(sg.objects(shape, SH.pattern))
    if patterns:
        rules.append(_pattern_rule(patterns, next(iter(sg.objects(shape, SH.flags)), None)))
    for lst in sg.objects(shape, SH["in"]):
        rules.append(_in_rule(list(Collection(sg, lst))))
    for pred in _RANGES:
        bounds = list(sg.objects(shape, pred))
        if bounds:
            rules.append(_range_rule(pred, bounds, sg))
    ors = list(sg.objects(shape, SH["or"]))
    if ors:
        rules.extend(_or_rule(sg, ors))
    return rules


# --------------------------------------------------------------------------------------------
# SPARQL text: a small tokenizer, enough to rewrite SELECT queries of shapes safely
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<str>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
        |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()\[\];,.]*)?|:[^\s{}()\[\];,]*|_:[^\s{}()\[\];,]*)
  | (?P<punct>.)
""", re.X | re.S)


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        out.append((kind, m.group()))
    return out


@dataclass
class _Select:
    prefixes: dict[str, str]  # PREFIX declarations written in the query itself
    projection: list[str]  # variable names without ? or $ ("*" for SELECT *)
    body: list[tuple[str, str]]  # tokens between the outer braces of WHERE


_BODY_FORBIDDEN = {"GRAPH", "SERVICE", "MINUS", "VALUES", "SELECT", "FROM", "LOAD", "BASE"}
#: A SPARQL target is run on its own, never with $this pre-bound, so MINUS and VALUES in it mean
#: the same inside this engine's ``GRAPH ?g`` as in pySHACL's graph-by-graph run (and MINUS is
#: how a target anti-joins by hash instead of one lookup per row, as FILTER NOT EXISTS does).
_TARGET_FORBIDDEN = _BODY_FORBIDDEN - {"MINUS", "VALUES"}


def _parse_select(text: str, forbidden: set[str] = _BODY_FORBIDDEN) -> _Select:
    toks = [t for t in _tokens(text) if t[0] not in ("comment",)]
    i = 0
    prologue: dict[str, str] = {}

    def skip_ws(j: int) -> int:
        while j < len(toks) and toks[j][0] == "ws":
            j += 1
        return j

    i = skip_ws(i)
    while i < len(toks) and toks[i][0] == "word" and toks[i][1].upper().startswith("PREFIX"):
        i = skip_ws(i + 1)
        name = toks[i][1] if i < len(toks) else ""
        i = skip_ws(i + 1)
        if not name.endswith(":") or i >= len(toks) or toks[i][0] != "iri":
            raise UnsupportedShapes("malformed PREFIX in a SPARQL query")
        prologue[name[:-1]] = toks[i][1][1:-1]
        i = skip_ws(i + 1)
    if i >= len(toks) or toks[i][1].upper() != "SELECT":
        raise UnsupportedShapes("a SPARQL query of the shapes is not a SELECT")
    i = skip_ws(i + 1)
    if toks[i][1].upper() in ("DISTINCT", "REDUCED"):
        i = skip_ws(i + 1)
    projection: list[str] = []
    while i < len(toks) and toks[i][1] != "{" and toks[i][1].upper() != "WHERE":
        kind, val = toks[i]
        if kind == "var":
            projection.append(val[1:])
        elif val == "*":
            projection.append("*")
        elif kind != "ws":
            raise UnsupportedShapes(f"SELECT clause with {val!r} (expressions, FROM)")
        i += 1
    if i < len(toks) and toks[i][1].upper() == "WHERE":
        i = skip_ws(i + 1)
    if i >= len(toks) or toks[i][1] != "{":
        raise UnsupportedShapes("SELECT without a WHERE group")
    depth = 0
    start = i
    for j in range(i, len(toks)):
        if toks[j][1] == "{":
            depth += 1
        elif toks[j][1] == "}":
            depth -= 1
            if depth == 0:
                body = toks[start + 1:j]
                rest = [t for t in toks[j + 1:] if t[0] != "ws"]
                if rest:
                    raise UnsupportedShapes("solution modifiers (GROUP BY, ORDER BY, LIMIT, ...)")
                for kind, val in body:
                    if kind == "word" and val.upper() in forbidden:
                        raise UnsupportedShapes(f"{val} inside a SPARQL query of the shapes")
                    if kind == "word" and val.startswith("_:"):
                        raise UnsupportedShapes("blank node labels inside a SPARQL query")
                return _Select(prologue, projection, body)
    raise UnsupportedShapes("unbalanced braces in a SPARQL query")


def _text(tokens: Iterable[tuple[str, str]]) -> str:
    return "".join(v for _, v in tokens)


def _rename_vars(tokens: list[tuple[str, str]], prefix: str, keep: set[str]) -> str:
    """Rename every variable but ``keep`` so that inlined target patterns cannot collide."""
    return "".join(
        (f"?{prefix}{v[1:]}" if k == "var" and v[1:] not in keep else v) for k, v in tokens)


def _flat_outside_exists(tokens: list[tuple[str, str]]) -> bool:
    """True when every nested group of ``tokens`` is the group of an EXISTS / NOT EXISTS.

    Pre-binding ``$this`` (what pySHACL does) and joining the focus nodes into the query's group
    (what this engine does) agree exactly for such bodies: the group's filters and BINDs see
    ``?this`` bound, and EXISTS substitutes it from each solution.
    """
    depth = 0
    exists_depths: list[int] = []
    last_word = ""
    for kind, val in tokens:
        if kind in ("ws", "comment"):
            continue
        if val == "{":
            if last_word == "EXISTS":
                exists_depths.append(depth)
            elif not exists_depths:
                return False
            depth += 1
        elif val == "}":
            depth -= 1
            if exists_depths and exists_depths[-1] == depth:
                exists_depths.pop()
        last_word = val.upper() if kind == "word" else ""
    return True


# --------------------------------------------------------------------------------------------
# Shapes → checks
# --------------------------------------------------------------------------------------------

_SH_NON_CONSTRAINT = {
    SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group,
    SH.defaultValue, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
    SH.target, SH.property, SH.deactivated, SH.flags, SH.prefixes, SH.declare,
}
_SH_SUPPORTED = _SH_NON_CONSTRAINT | {
    SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH["in"], SH.minInclusive,
    SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.minCount, SH.maxCount,
    SH.lessThanOrEquals, SH.lessThan, SH["or"], SH.sparql,
}
_SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape)


@dataclass
class _Targets:
    classes: list[Node] = field(default_factory=list)
    subjects_of: list[Node] = field(default_factory=list)
    objects_of: list[Node] = field(default_factory=list)
    #: (sh:prefixes, query) of each SPARQL target
    sparql: list[tuple[dict[str, str], _Select]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.classes or self.subjects_of or self.objects_of or self.sparql)


@dataclass
class Check:
    """One compiled query and how to turn its rows into results.

    ``kind`` is ``values`` (rows ?g ?this ?value plus one ?okN per rule), ``min``/``max``
    (rows ?g ?this: candidate focus nodes for a cardinality), ``pair`` (?g ?this ?value ?other
    for sh:lessThan[OrEquals]) or ``sparql`` (an sh:sparql constraint's own variables).
    """

    kind: str
    query: str
    shape: Node
    severity: str
    path: URIRef | None
    messages: list[Literal]
    rules: list[_ValueRule] = field(default_factory=list)
    count: int = 0
    compare: URIRef | None = None
    strict: bool = False
    projected: list[str] = field(default_factory=list)
    extra_messages: list[Literal] = field(default_factory=list)
    generic: str | None = None
    targets: _Targets | None = None


def _prefixes_of(sg: Graph, node: Node) -> dict[str, str]:
    """sh:prefixes of a SPARQL node, collected the way pySHACL's query helper does."""
    prefixes: dict[str, str] = {}
    vals = set(sg.objects(node, SH.prefixes))
    if not vals:
        return prefixes
    g_name = sg.identifier
    ng_declares = set(sg.objects(g_name, SH.declare)) if g_name else set()
    onts = set(sg.subjects(RDF.type, OWL.Ontology))
    ont_declares: set[Node] = set()
    for o in onts:
        ont_declares.update(sg.objects(o, SH.declare))
    global_declares = ng_declares | ont_declares
    for val in vals:
        own = set(sg.objects(val, SH.declare))
        declares = own | ng_declares if own and val in onts else global_declares | own
        for dec in declares:
            prefix = next(iter(sg.objects(dec, SH.prefix)), None)
            ns = next(iter(sg.objects(dec, SH.namespace)), None)
            if prefix is None or ns is None:
                raise UnsupportedShapes("malformed sh:declare")
            prefixes[str(prefix.value)] = str(ns.value)  # type: ignore[union-attr]
    return prefixes


def _merge_prefixes(*maps: dict[str, str]) -> str:
    merged: dict[str, str] = {}
    for m in maps:
        for p, ns in m.items():
            if merged.get(p, ns) != ns:
                raise UnsupportedShapes(f"prefix {p}: declared with two namespaces")
            merged[p] = ns
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in merged.items())


def _targets(sg: Graph, shape: Node) -> _Targets:
    t = _Targets(list(sg.objects(shape, SH.targetClass)),
                 list(sg.objects(shape, SH.targetSubjectsOf)),
                 list(sg.objects(shape, SH.targetObjectsOf)))
    if any(True for _ in sg.objects(shape, SH.targetNode)):
        raise UnsupportedShapes("sh:targetNode")
    if (shape, RDF.type, RDFS.Class) in sg or (shape, RDF.type, OWL.Class) in sg:
        raise UnsupportedShapes("implicit class targets (a shape that is also a class)")
    for target in sg.objects(shape, SH.target):
        types = set(sg.objects(target, RDF.type))
        selects = list(sg.objects(target, SH.select))
        if types - {SH.SPARQLTarget} or len(selects) != 1:
            raise UnsupportedShapes("sh:target other than an sh:SPARQLTarget with one sh:select")
        if any(True for _ in sg.objects(target, SH.ask)):
            raise UnsupportedShapes("sh:ask in a SPARQL target")
        query = _parse_select(str(selects[0]), _TARGET_FORBIDDEN)
        if "this" not in query.projection:
            raise UnsupportedShapes("SPARQL target that does not select ?this")
        t.sparql.append((_prefixes_of(sg, target), query))
    return t


def _target_group(t: _Targets, subclasses: bool) -> tuple[list[dict[str, str]], str]:
    """(prefix maps, a group pattern binding ?this to the focus nodes, inside ``GRAPH ?g``)."""
    alts = []
    type_path = f"{_TYPE}/{_SUBCLASS}*" if subclasses else _TYPE
    if t.classes:
        values = " ".join(_sparql_term(c) for c in t.classes)
        alts.append(f"VALUES ?kgt_c {{ {values} }} ?this {type_path} ?kgt_c .")
    if t.subjects_of:
        values = " ".join(_sparql_term(c) for c in t.subjects_of)
        alts.append(f"VALUES ?kgt_p {{ {values} }} ?this ?kgt_p ?kgt_o .")
    if t.objects_of:
        values = " ".join(_sparql_term(c) for c in t.objects_of)
        alts.append(f"VALUES ?kgt_q {{ {values} }} ?kgt_s ?kgt_q ?this .")
    prefix_maps = []
    for n, (prefixes, q) in enumerate(t.sparql):
        prefix_maps.extend([prefixes, q.prefixes])
        alts.append(_rename_vars(q.body, f"kgt{n}_", {"this"}))
    return prefix_maps, " UNION ".join("{ " + a + " }" for a in alts)


def _shape_text(sg: Graph, shape: Node) -> str:
    return term_text(shape) or ""


class _Compiler:
    def __init__(self, sg: Graph) -> None:
        self.sg = sg
        # (text template, kind, ...) — queries are rendered at run time, once it is known whether
        # the data uses rdfs:subClassOf (the cheap `?this a C` pattern is exact otherwise).
        self.templates: list[tuple[Check, Callable[[bool, str], str]]] = []

    def check_shape_graph(self) -> None:
        sg = self.sg
        for bad in (SH.rule, SH.entailment, SH.shapesGraph, SH.parameter, SH.js, SH.jsLibrary):
            if any(True for _ in sg.subject_objects(bad)):
                raise UnsupportedShapes(f"{bad} in the shapes")
        for bad_type in (SH.ConstraintComponent, SH.SPARQLFunction, SH.JSConstraint,
                         SH.SPARQLRule, SH.TripleRule, SH.SPARQLTargetType):
            if any(True for _ in sg.subjects(RDF.type, bad_type)):
                raise UnsupportedShapes(f"{bad_type} in the shapes")

    def roots(self) -> list[Node]:
        sg = self.sg
        found: set[Node] = set()
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
                  SH.target):
            found.update(sg.subjects(p, None))
        for cls in (RDFS.Class, OWL.Class):
            for s in sg.subjects(RDF.type, cls):
                if any((s, RDF.type, st) in sg for st in _SHAPE_TYPES):
                    found.add(s)
        return sorted(found, key=str)

    def deactivated(self, shape: Node) -> bool:
        return any(bool(getattr(d, "value", d)) for d in self.sg.objects(shape, SH.deactivated))

    def compile(self) -> list[tuple[Check, Callable[[bool, str], str]]]:
        self.check_shape_graph()
        for root in self.roots():
            if self.deactivated(root):
                continue
            targets = _targets(self.sg, root)
            if not targets:
                continue
            self.compile_shape(root, targets)
            for prop in self.sg.objects(root, SH.property):
                if not self.deactivated(prop):
                    if any(True for _ in self.sg.objects(prop, SH.property)):
                        raise UnsupportedShapes("sh:property inside a property shape")
                    self.compile_shape(prop, targets)
        return self.templates

    def compile_shape(self, shape: Node, targets: _Targets) -> None:
        sg = self.sg
        for p in set(sg.predicates(shape)):
            if str(p).startswith(str(SH)) and p not in _SH_SUPPORTED:
                raise UnsupportedShapes(f"{p} on shape {shape}")
        paths = list(sg.objects(shape, SH.path))
        if len(paths) > 1:
            raise UnsupportedShapes("several sh:path on one shape")
        path = paths[0] if paths else None
        if path is not None and not isinstance(path, URIRef):
            raise UnsupportedShapes(f"complex sh:path on {shape} (only predicate IRIs compile)")
        severity_node = next(iter(sg.objects(shape, SH.severity)), SH.Violation)
        severity = _SEVERITIES.get(severity_node, str(severity_node))  # type: ignore[call-overload]
        messages = [m for m in sg.objects(shape, SH.message)]
        for m in messages:
            if not isinstance(m, Literal):
                raise UnsupportedShapes("sh:message that is not a literal")
        base = dict(shape=shape, severity=severity, path=path, messages=messages)

        rules = _value_rules(sg, shape)
        if rules:
            if not messages and any(r.generic is None for r in rules):
                raise UnsupportedShapes(f"{shape}: a default message that names data nodes "
                                        "(give the shape an sh:message)")
            for rule in rules:
                if rule.cls is not None:
                    check = Check("class", "", rules=[rule], targets=targets,
                                  **base)  # type: ignore[arg-type]
                    self.templates.append((check, self._class_query(targets, path, rule.cls)))
            filters = [r for r in rules if r.cls is None]
            if filters:
                check = Check("values", "", rules=filters, targets=targets,
                              **base)  # type: ignore[arg-type]
                self.templates.append((check, self._values_query(targets, path, filters)))
        for pred, kind in ((SH.minCount, "min"), (SH.maxCount, "max")):
            for n in sg.objects(shape, pred):
                if path is None:
                    raise UnsupportedShapes(f"{pred} on a node shape")
                if not messages:
                    raise UnsupportedShapes(f"{shape}: {pred} without sh:message")
                count = int(n.value)  # type: ignore[union-attr]
                check = Check(kind, "", count=count, targets=targets,
                              **base)  # type: ignore[arg-type]
                self.templates.append((check, self._count_query(targets, path, kind, count)))
        for pred, strict in ((SH.lessThanOrEquals, False), (SH.lessThan, True)):
            for other in sg.objects(shape, pred):
                if path is None or not isinstance(other, URIRef):
                    raise UnsupportedShapes(f"{pred} on a node shape or with a complex path")
                if not messages:
                    raise UnsupportedShapes(f"{shape}: {pred} without sh:message")
                check = Check("pair", "", compare=other, strict=strict, **base)  # type: ignore[arg-type]
                self.templates.append((check, self._pair_query(targets, path, other, strict)))
        for node in sg.objects(shape, SH.sparql):
            self.compile_sparql(shape, node, targets, path, base)

    # --- query templates ---------------------------------------------------------------------

    # Every query finds *candidates* first, from scans by predicate (cheap: no lookup per
    # triple), and only then joins them with the focus nodes of the shape, in the same graph.
    # Anti-joins are written as MINUS over patterns that bind ?g and ?this (so MINUS means
    # exactly NOT EXISTS here) because Oxigraph evaluates MINUS as a hash anti-join.

    @staticmethod
    def _values_query(targets: _Targets, path: URIRef | None,
                      rules: list[_ValueRule]) -> Callable[[bool, str], str]:
        def render(subclasses: bool, flt: str) -> str:
            maps, tgt = _target_group(targets, subclasses)
            binds = " ".join(f"BIND({_ok(r.sparql_ok('?value'))} AS ?ok{i})"
                             for i, r in enumerate(rules))
            cols = " ".join(f"?ok{i}" for i in range(len(rules)))
            keep = " && ".join(f"?ok{i}" for i in range(len(rules)))
            if path is None:
                where = (f" GRAPH ?g {{\n  {tgt}\n  BIND(?this AS ?value) {binds}\n"
                         f"  FILTER(!({keep}))\n }}")
            else:
                where = (f" {{ GRAPH ?g {{ ?this <{path}> ?value . {binds}\n"
                         f"  FILTER(!({keep})) }} }}\n GRAPH ?g {{\n  {tgt}\n }}")
            return (f"{_merge_prefixes(*maps)}SELECT DISTINCT ?g ?this ?value {cols} WHERE {{\n"
                    f"{where}{flt}\n}}")
        return render

    @staticmethod
    def _class_query(targets: _Targets, path: URIRef | None,
                     cls: Node) -> Callable[[bool, str], str]:
        const = _sparql_term(cls)

        def render(subclasses: bool, flt: str) -> str:
            maps, tgt = _target_group(targets, subclasses)
            type_path = f"{_TYPE}/{_SUBCLASS}*" if subclasses else _TYPE
            if path is None:
                where = (f" {{ GRAPH ?g {{\n  {tgt}\n }} }} MINUS {{ GRAPH ?g {{ ?this {type_path} "
                         f"{const} }} }}\n BIND(?this AS ?value)")
            else:
                where = (f" {{ {{ GRAPH ?g {{ ?this <{path}> ?value }} }}\n"
                         f"   MINUS {{ GRAPH ?g {{ ?value {type_path} {const} }} }} }}\n"
                         f" GRAPH ?g {{\n  {tgt}\n }}")
            return (f"{_merge_prefixes(*maps)}SELECT DISTINCT ?g ?this ?value WHERE {{\n"
                    f"{where}{flt}\n}}")
        return render

    @staticmethod
    def _count_query(targets: _Targets, path: URIRef, kind: str,
                     n: int) -> Callable[[bool, str], str]:
        def render(subclasses: bool, flt: str) -> str:
            maps, tgt = _target_group(targets, subclasses)
            head = _merge_prefixes(*maps)
            if kind == "min" and n <= 1:
                if n < 1:
                    return ""
                return (f"{head}SELECT DISTINCT ?g ?this WHERE {{\n {{ GRAPH ?g {{\n  {tgt}\n }} }}"
                        f"\n MINUS {{ GRAPH ?g {{ ?this <{path}> ?kgv }} }}{flt}\n}}")
            counts = (f"SELECT ?g ?this WHERE {{ GRAPH ?g {{ ?this <{path}> ?kgv }} }} "
                      f"GROUP BY ?g ?this HAVING ")
            if kind == "min":  # rdflib may merge literals that Oxigraph keeps apart: recount those
                surely = (f"{counts}(COUNT(DISTINCT ?kgv) >= {n} && "
                          f"SUM(IF(isLiteral(?kgv), 1, 0)) <= 1)")
                return (f"{head}SELECT DISTINCT ?g ?this WHERE {{\n {{ GRAPH ?g {{\n  {tgt}\n }} }}"
                        f"\n MINUS {{ {surely} }}{flt}\n}}")
            return (f"{head}SELECT DISTINCT ?g ?this WHERE {{\n"
                    f" {{ {counts}(COUNT(DISTINCT ?kgv) > {n}) }}\n"
                    f" GRAPH ?g {{\n  {tgt}\n }}{flt}\n}}")
        return render

    @staticmethod
    def _pair_query(targets: _Targets, path: URIRef, other: URIRef,
                    strict: bool) -> Callable[[bool, str], str]:
        date = _string(_SAFE_LEXICAL[XSD.date])
        op = "<" if strict else "<="

        def render(subclasses: bool, flt: str) -> str:
            maps, tgt = _target_group(targets, subclasses)
            surely = _ok(f"isLiteral(?value) && isLiteral(?other) && "
                         f"DATATYPE(?value) = <{XSD.date}> && DATATYPE(?other) = <{XSD.date}> && "
                         f"REGEX(STR(?value), {date}) && REGEX(STR(?other), {date}) && "
                         f"STR(?value) {op} STR(?other)")
            return (f"{_merge_prefixes(*maps)}SELECT DISTINCT ?g ?this ?value ?other WHERE {{\n"
                    f" {{ GRAPH ?g {{ ?this <{path}> ?value . ?this <{other}> ?other .\n"
                    f"  FILTER(!{surely}) }} }}\n GRAPH ?g {{\n  {tgt}\n }}{flt}\n}}")
        return render

    def compile_sparql(self, shape: Node, node: Node, targets: _Targets, path: URIRef | None,
                       base: dict) -> None:
        sg = self.sg
        if self.deactivated(node):
            return
        selects = list(sg.objects(node, SH.select))
        if len(selects) != 1 or any(True for _ in sg.objects(node, SH.ask)):
            raise UnsupportedShapes("sh:sparql without exactly one sh:select")
        text = str(selects[0])
        # $PATH is substituted in the text, exactly as pySHACL does it.
        path_rx = re.compile(r"([\s{}()])[\$\?]PATH", flags=re.M)
        if path is not None:
            text = path_rx.sub(rf"\g<1><{path}>", text)
        elif path_rx.search(text):
            raise UnsupportedShapes("$PATH in a constraint of a node shape")
        if not re.search(r"([\s{}()])[\$\?]this", text, flags=re.M):
            raise UnsupportedShapes("SPARQL constraint without $this")
        for var in ("currentShape", "shapesGraph", "failure"):
            if re.search(rf"[\$\?]{var}\b", text):
                raise UnsupportedShapes(f"${var} in a SPARQL constraint")
        if re.search(r"[^\w]+AS[\s]+[\$\?](this)\b", text, flags=re.I):
            raise UnsupportedShapes("AS ?this in a SPARQL constraint")
        query = _parse_select(text)
        if "*" in query.projection:
            raise UnsupportedShapes("SELECT * in a SPARQL constraint")
        if not _flat_outside_exists(query.body):
            raise UnsupportedShapes("nested groups (OPTIONAL, UNION, {...}) in a SPARQL constraint")
        messages = [m for m in sg.objects(node, SH.message)]
        own_prefixes = _prefixes_of(sg, node)
        projected = [v for v in dict.fromkeys(query.projection)]
        body = _text(query.body)
        cols = " ".join(f"?{v}" for v in projected if v != "this")

        def render(subclasses: bool, flt: str) -> str:
            maps, tgt = _target_group(targets, subclasses)
            head = _merge_prefixes(*maps, own_prefixes, query.prefixes)
            return (f"{head}SELECT DISTINCT ?g ?this {cols} WHERE {{\n GRAPH ?g {{\n"
                    f"  {tgt}\n  {body}\n }}{flt}\n}}")

        check = Check("sparql", "", projected=projected, extra_messages=messages,
                      targets=targets, **base)
        self.templates.append((check, render))


def compile_shapes(shapes: Graph) -> list[tuple[Check, Callable[[bool, str], str]]]:
    """Compile a shapes graph into checks; raise :class:`UnsupportedShapes` for what is not covered.

    Each item is a check and a function that renders its query (given whether the data holds
    rdfs:subClassOf triples, which decides the cheaper type pattern).
    """
    return _Compiler(shapes).compile()


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RawResult:
    """One result, with every field as the text pySHACL's report would give."""

    graph: Node
    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str


def _message_text(msgs: Iterable[str]) -> str:
    return " ".join(sorted(msgs)) or "(no message)"


def _format(msg: str, bound: dict[str, Node]) -> str:
    """pySHACL's ``_format_sparql_based_result_message`` (including its re.sub quirks)."""
    for var, val in bound.items():
        msg = re.sub(f"{{[?$]{var}}}", str(val), msg)
    return msg


def run_checks(store: ox.Store, checks: list[tuple[Check, Callable[[bool, str], str]]], *,
               exclude: Iterable[ox.NamedNode] = (), threads: int = 1) -> list[RawResult]:
    """Run compiled checks over every named graph of ``store`` (but ``exclude``).

    Value constraints on a property are run as one scan of that property for all the shapes
    that constrain it (every term is decoded once, which is most of the cost on disk); only
    the rows that fail are then matched against each shape's focus nodes. ``threads > 1`` runs
    independent queries side by side (Oxigraph evaluates them without holding the GIL).
    Returns raw results, possibly repeated (the caller deduplicates as it does pySHACL's
    report). Raises :class:`UnsupportedShapes` when the data makes pySHACL itself fail (say,
    sh:lessThan on a blank node) so that the caller lets pySHACL report it.
    """
    tasks = _plan(store, checks, exclude)
    if threads <= 1:
        return [r for _, task in tasks for r in task()]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return [r for found in pool.map(lambda item: item[1](), tasks) for r in found]


def _plan(store: ox.Store, checks: list[tuple[Check, Callable[[bool, str], str]]],
          exclude: Iterable[ox.NamedNode] = ()) -> list[tuple[str, Callable[[], list[RawResult]]]]:
    """The independent tasks of a run, each named (for profiling) and ready to call."""
    names = list(exclude)
    flt = f" FILTER({' && '.join(f'?g != {n}' for n in names)})" if names else ""
    subclasses = bool(store.query(f"ASK {{ GRAPH ?g {{ ?a {_SUBCLASS} ?b }}{flt} }}"))
    scans: dict[tuple[URIRef, tuple[str, ...]], list[tuple[Check, Callable]]] = {}
    classes: dict[tuple[URIRef, Node], list[tuple[Check, Callable]]] = {}
    tasks: list[tuple[str, Callable[[], list[RawResult]]]] = []
    maxima: dict[tuple[URIRef, int], list[tuple[Check, Callable]]] = {}
    minima: dict[URIRef, list[tuple[Check, Callable]]] = {}
    for check, render in checks:
        if check.kind == "min" and check.count == 1 and check.targets is not None:
            minima.setdefault(check.path, []).append((check, render))  # type: ignore[arg-type]
        elif check.kind == "values" and check.path is not None:
            signature = tuple(r.key for r in check.rules)
            scans.setdefault((check.path, signature), []).append((check, render))
        elif check.kind == "max":
            maxima.setdefault((check.path, check.count), []).append(  # type: ignore[arg-type]
                (check, render))
        elif check.kind == "class" and check.path is not None:
            classes.setdefault((check.path, check.rules[0].cls), []).append(  # type: ignore[arg-type]
                (check, render))
        else:
            text = render(subclasses, flt)
            if text:
                check.query = text
                tasks.append((f"{check.kind} {term_text(check.shape)}",
                              lambda check=check: list(_run(store, check, subclasses, flt))))
    for (path, _), group in scans.items():
        tasks.append((f"scan {path} x{len(group)}", lambda path=path, group=group: list(
            _run_scan(store, path, group, subclasses, flt))))
    for (path, n), group in maxima.items():
        tasks.append((f"max {n} {path} x{len(group)}", lambda path=path, n=n, group=group: list(
            _run_max(store, path, n, group, subclasses, flt))))
    for path, group in minima.items():
        tasks.append((f"min 1 {path} x{len(group)}", lambda path=path, group=group: list(
            _run_min(store, path, group, subclasses, flt))))
    for (path, cls), group in classes.items():
        tasks.append((f"class {path} {cls} x{len(group)}",
                      lambda path=path, cls=cls, group=group: list(
                          _run_class(store, path, cls, group, subclasses, flt))))
    return tasks


def _run_group_if(store: ox.Store, ask: str, group: list[tuple[Check, Callable]],
                  subclasses: bool, flt: str) -> Iterator[RawResult]:
    """Run each shape's own query of ``group`` only when the shared ``ask`` finds a suspect."""
    if not store.query(ask):
        return
    for check, render in group:
        check.query = render(subclasses, flt)
        yield from _run(store, check)


def _run_max(store: ox.Store, path: URIRef, n: int, group: list[tuple[Check, Callable]],
             subclasses: bool, flt: str) -> Iterator[RawResult]:
    """sh:maxCount ``n`` on ``path`` for every shape in ``group``: one count over all subjects
    (Oxigraph's term identity); only when some exceed it does each shape join its focus nodes
    and recount with rdflib's (which can only merge values, never split them)."""
    query = (f"ASK {{ {{ SELECT ?g ?this WHERE {{ GRAPH ?g {{ ?this <{path}> ?kgv }}{flt} }}\n"
             f" GROUP BY ?g ?this HAVING (COUNT(DISTINCT ?kgv) > {n}) }} }}")
    yield from _run_group_if(store, query, group, subclasses, flt)


def _run_min(store: ox.Store, path: URIRef, group: list[tuple[Check, Callable]],
             subclasses: bool, flt: str) -> Iterator[RawResult]:
    """sh:minCount 1 on ``path`` for every shape in ``group``: one anti-join of all their focus
    nodes with the subjects of ``path`` (one hash table of ``path``, not one per shape); only
    when some focus node has no value does each shape run its own query."""
    maps: list[dict[str, str]] = []
    alts = []
    for check, _ in group:
        m, tgt = _target_group(check.targets, subclasses)  # type: ignore[arg-type]
        maps.extend(m)
        alts.append(f"{{ {tgt} }}")
    query = (f"{_merge_prefixes(*maps)}ASK {{\n {{ GRAPH ?g {{\n  {' UNION '.join(alts)}\n }} }}\n"
             f" MINUS {{ GRAPH ?g {{ ?this <{path}> ?kgv }} }}{flt}\n}}")
    yield from _run_group_if(store, query, group, subclasses, flt)


def _run_class(store: ox.Store, path: URIRef, cls: Node, group: list[tuple[Check, Callable]],
               subclasses: bool, flt: str) -> Iterator[RawResult]:
    """sh:class on ``path`` for every shape in ``group``: one anti-join over all values; only
    when it finds some does each shape run its own query, joined with its focus nodes."""
    type_path = f"{_TYPE}/{_SUBCLASS}*" if subclasses else _TYPE
    query = (f"ASK {{\n {{ GRAPH ?g {{ ?this <{path}> ?value }} }}\n"
             f" MINUS {{ GRAPH ?g {{ ?value {type_path} {_sparql_term(cls)} }} }}{flt}\n}}")
    yield from _run_group_if(store, query, group, subclasses, flt)


def _run_scan(store: ox.Store, path: URIRef, group: list[tuple[Check, Callable]],
              subclasses: bool, flt: str) -> Iterator[RawResult]:
    """The value rules shared by every shape of ``group`` on ``path``, in one scan.

    The scan does not look at focus nodes at all; only when some value fails does each shape
    run its own query, which joins the failing values with its focus nodes.
    """
    rules = group[0][0].rules
    exprs: dict[str, int] = {}
    for r in rules:
        exprs.setdefault(_ok(r.sparql_ok("?value")), len(exprs))
    columns = [exprs[_ok(r.sparql_ok("?value"))] for r in rules]
    binds = " ".join(f"BIND({e} AS ?ok{k})" for e, k in exprs.items())
    cols = " ".join(f"?ok{k}" for k in range(len(exprs)))
    keep = " && ".join(f"?ok{k}" for k in range(len(exprs)))
    query = (f"SELECT ?value {cols} WHERE {{\n GRAPH ?g {{ ?this <{path}> ?value .\n"
             f"  {binds}\n  FILTER(!({keep})) }}{flt}\n}}")
    checked: set = set()  # a value repeated across graphs (a common name) goes to Python once
    for row in store.query(query):
        if row[0] in checked:
            continue
        checked.add(row[0])
        if _failing_rules(row[0], [row[1 + c] for c in columns], rules):
            break
    else:
        return
    for check, render in group:
        check.query = render(subclasses, flt)
        yield from _run(store, check)


def _failing_rules(value: ox.NamedNode | ox.BlankNode | ox.Literal, oks: list,
                   rules: list[_ValueRule]) -> list[_ValueRule]:
    """The rules a value fails: SPARQL said "not surely ok", and pySHACL's rule agrees."""
    failing = []
    converted: Node | None = None
    for ok, rule in zip(oks, rules, strict=True):
        if ok is not None and ok.value == "true":
            continue
        if not rule.exact and rule.py_ok is not None:
            converted = to_rdf(value) if converted is None else converted
            if rule.py_ok(converted):
                continue
        failing.append(rule)
    return failing


def _shape_messages(check: Check) -> list[str]:
    return [str(m) for m in check.messages]


def _has_focus_nodes(store: ox.Store, targets: _Targets, subclasses: bool, flt: str) -> bool:
    maps, tgt = _target_group(targets, subclasses)
    return bool(store.query(f"{_merge_prefixes(*maps)}ASK {{ GRAPH ?g {{\n  {tgt}\n }}{flt} }}"))


def _run(store: ox.Store, check: Check, subclasses: bool = False,
         flt: str = "") -> Iterator[RawResult]:
    shape = term_text(check.shape) or ""
    if check.kind == "sparql" and check.targets is not None and not _has_focus_nodes(
            store, check.targets, subclasses, flt):
        # SHACL-SPARQL shapes usually target only offending nodes: most often there are none,
        # and asking is much cheaper than joining the constraint's own patterns first.
        return
    path = str(check.path) if check.path is not None else None
    own = _shape_messages(check)
    solutions = store.query(check.query)
    if check.kind == "class":
        msg = _message_text(own or [check.rules[0].generic or ""])
        for row in solutions:
            yield RawResult(row[0], term_text(to_rdf(row[1])) or "", path,
                            term_text(to_rdf(row[2])), msg, check.severity, shape)
        return
    if check.kind == "values":
        for row in solutions:
            oks = [row[3 + i] for i in range(len(check.rules))]
            for rule in _failing_rules(row[2], oks, check.rules):
                msg = _message_text(own or [rule.generic or ""])
                yield RawResult(row[0], term_text(to_rdf(row[1])) or "", path,
                                term_text(to_rdf(row[2])), msg, check.severity, shape)
        return
    if check.kind in ("min", "max"):
        for row in solutions:
            g, this = row[0], row[1]
            if check.count > 1 or check.kind == "max":
                values = {to_rdf(q.object) for q in store.quads_for_pattern(
                    this, ox.NamedNode(path), None, g)}  # type: ignore[arg-type]
                n = len(values)
                if (check.kind == "min" and n >= check.count) or (
                        check.kind == "max" and n <= check.count):
                    continue
            yield RawResult(g, term_text(to_rdf(this)) or "", path, None, _message_text(own),
                            check.severity, shape)
        return
    if check.kind == "pair":
        for row in solutions:
            g, this, value, other = row[0], to_rdf(row[1]), to_rdf(row[2]), to_rdf(row[3])
            if not _pair_fails(value, other, check.strict):
                continue
            yield RawResult(g, term_text(this) or "", path, term_text(value), _message_text(own),
                            check.severity, shape)
        return
    # sh:sparql: map rows the way pySHACL's SPARQLBasedConstraint does.
    names = ["g", "this"] + [v for v in check.projected if v != "this"]
    extra = [str(m.value) for m in check.extra_messages]  # type: ignore[union-attr]
    for row in solutions:
        g = row[0]
        f = to_rdf(row[1])
        bound = {n: to_rdf(row[i]) for i, n in enumerate(names) if i > 1 and row[i] is not None}
        t = f if "this" in check.projected else None
        p = bound.pop("path", None)
        v = bound.pop("value", None)
        if p is None and v is None and t is None:
            continue
        if v is None:
            v = None if check.path is not None else f
        fdict = dict(bound)
        if t is not None:
            fdict["this"] = t
        if p is not None:
            fdict["path"] = p
        if v is not None:
            fdict["value"] = v
        texts = [_format(m, fdict) for m in extra if m not in own]
        texts += [_format(m, fdict) for m in own]
        result_path = p if p is not None else check.path
        yield RawResult(g, term_text(t or f) or "",
                        str(result_path) if isinstance(result_path, URIRef) else None,
                        term_text(v), _message_text(set(texts)), check.severity, shape)


def _pair_fails(value: Node, other: Node, strict: bool) -> bool:
    """pySHACL's ``_compare_lt`` / ``_compare_ltoe`` for one pair."""
    if isinstance(value, BNode) or isinstance(other, BNode):
        raise UnsupportedShapes("sh:lessThan on a blank node (pySHACL reports the error)")
    a: object = value
    b: object = other
    a_str = b_str = False
    if isinstance(value, URIRef):
        a, a_str = str(value), True
    elif isinstance(value, Literal) and isinstance(value.value, str):
        a, a_str = value.value, True
    if isinstance(other, URIRef):
        b, b_str = str(other), True
    elif isinstance(other, Literal) and isinstance(other.value, str):
        b, b_str = other.value, True
    if a_str != b_str:
        return True
    return not (a < b) if strict else not (a <= b)  # type: ignore[operator]
