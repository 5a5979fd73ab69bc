"""Score what the pipeline built against hand-made gold annotations.

The extracted side is read back from the Oxigraph store the pipeline wrote (one named graph per
article, the model in ``docs/ARCHITECTURE.md``), not from the in-memory extraction result, so the
numbers measure what users actually get from their graph: a fact lost in RDF mapping counts as
missed.

Matching rules (they follow ``corpus/README.md``; deviations are marked):

* **Names.** Actors and places match when any normalised name or alias of one equals any of the
  other. Normalising case folds, strips accents, drops possessive ``'s`` and apostrophes, turns
  hyphens, dashes and other punctuation into spaces, drops a leading "the" and collapses spaces,
  so "the Kati base", "Kati-base" and "KATI BASE" are one name.
* **One-to-one.** Every gold item is matched to at most one extracted item and vice versa. The
  pairing is a maximum-weight bipartite assignment (the Hungarian algorithm): first as many pairs
  as possible, then the best ones. Greedy pairing could pair A with the only partner of B and lose
  a true positive; the assignment never does.
* **Events.** An extracted event can match a gold event when its place matches (a shared
  normalised name or alias, or coordinates within 25 km, haversine) and its date range overlaps
  the gold range. Among such candidates the assignment prefers the same type, then more overlap
  between the extracted evidence sentence and the gold ``evidence``, then shared agents.
* **Missing values.** A null date bound on either side is open (unbounded); an event with no
  dates at all therefore satisfies the date condition. *Deviation:* a gold event whose place is
  null matches any extracted place, including none, because the README's place condition cannot
  be met by a place the annotators did not give; the date condition still applies.
* **On matched events.** Type accuracy; agent and target recall (gold participants found among
  the extracted ones, by name, micro-averaged over participants); fatality, injured and certainty
  accuracy, each over the matched events where the gold value or the extracted value is given
  (both null is skipped, one null counts as wrong).
* **Averages.** Per article and overall; overall sums TP/FP/FN (and correct/total) over articles
  (micro-average). Precision with nothing extracted, or recall with nothing in gold, is undefined
  and shown as ``-`` (``null`` in JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import iris
from .model import ACTOR_KINDS, EVENT_TYPES, Article
from .namespaces import PREFIXES

__all__ = [
    "GoldActor", "GoldPlace", "GoldEvent", "GoldArticle", "GoldError", "GoldWarning",
    "ExtractedActor", "ExtractedPlace", "ExtractedEvent", "ExtractedArticle",
    "Counts", "Ratio", "Scores", "ArticleReport", "Report", "NOTES", "MAX_DISTANCE_KM",
    "load_gold", "extracted_from_store", "evaluate_article", "evaluate_articles", "evaluate_dir",
    "format_report", "format_details", "normalise_name", "haversine_km", "class_to_snake",
]

#: Coordinates closer than this make two event places the same place.
MAX_DISTANCE_KM = 25.0

#: The rules a reader of the numbers needs, printed with every report.
NOTES = (
    "events match on place (shared name/alias or coordinates within 25 km) and overlapping dates;"
    " matching is one-to-one",
    "a gold event with no place matches any extracted place (or none); null date bounds are open",
    "fatality/injured/certainty accuracy count matched events where gold or extracted gives a"
    " value (both null skipped)",
    "overall = micro-average (TP/FP/FN and correct/total summed over articles); '-' = undefined",
)

KG_NS = PREFIXES["kg"]
WIKIDATA_NS = PREFIXES["wd"]
_QUERY_PREFIXES = {k: PREFIXES[k] for k in ("kg", "sem", "rdfs", "skos", "owl", "geo", "schema")}

#: Class local names whose snake-case form differs from the generic conversion.
_CLASS_TO_GOLD = {
    "Statement": "statement_threat",
    "OtherEvent": "other",
    "InternationalOrganization": "international_org",
    "Organization": "other_org",
}


class GoldError(ValueError):
    """A gold file or folder cannot be used; the message names the file and the problem."""


class GoldWarning(UserWarning):
    """A gold file was skipped (for instance a plain article without a ``gold`` key)."""


# --------------------------------------------------------------------------------------------
# Normalisation and geometry
# --------------------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({c: "'" for c in "\u2019\u2018\u02bc\u00b4`\u2032"})
_POSSESSIVE = re.compile(r"'s\b")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_LEADING_THE = re.compile(r"^the\s+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalise_name(name: str) -> str:
    """The comparison key of a name: ``"The Kati-Base's"`` → ``"kati base"``.

    Apostrophes are dropped rather than spaced so that "Jama'at" equals "Jamaat".
    """
    s = _fold(name).translate(_APOSTROPHES)
    s = _POSSESSIVE.sub("", s).replace("'", "")
    s = _NON_WORD.sub(" ", s).strip()
    return _LEADING_THE.sub("", s)


def _names(*groups: Iterable[str | None]) -> frozenset[str]:
    out = set()
    for group in groups:
        for name in group:
            if name:
                key = normalise_name(name)
                if key:
                    out.add(key)
    return frozenset(out)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (mean Earth radius 6371.0088 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def class_to_snake(local_name: str) -> str:
    """``ArmedAttack`` → ``armed_attack``; ``Statement`` → ``statement_threat`` (gold spelling)."""
    if local_name in _CLASS_TO_GOLD:
        return _CLASS_TO_GOLD[local_name]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local_name).lower()


_WORD = re.compile(r"\w{3,}", re.UNICODE)


def _evidence_overlap(a: str | None, b: str | None) -> float:
    """Share of the shorter text's words found in the other (0..1); gold evidence is often a
    clause of the sentence the extractor cites, so the overlap coefficient suits it best."""
    if not a or not b:
        return 0.0
    wa, wb = set(_WORD.findall(_fold(a))), set(_WORD.findall(_fold(b)))
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


# --------------------------------------------------------------------------------------------
# One-to-one assignment
# --------------------------------------------------------------------------------------------

def _hungarian_min(cost: list[list[int]]) -> list[int]:
    """Minimum-cost assignment of every row to a distinct column (rows <= columns).

    Returns ``col_of_row``. The classic O(n²m) potentials algorithm, in integers so ties are
    exact and the result is deterministic.
    """
    n, m = len(cost), len(cost[0])
    inf = float("inf")
    u = [0] * (n + 1)
    v = [0] * (m + 1)
    p = [0] * (m + 1)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            row = cost[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    col_of_row = [-1] * n
    for j in range(1, m + 1):
        if p[j]:
            col_of_row[p[j] - 1] = j - 1
    return col_of_row


def assign(weights: Sequence[Sequence[int | None]]) -> list[tuple[int, int]]:
    """Pairs ``(row, column)`` of a one-to-one matching that first maximises the number of
    pairs and then their total weight. ``None`` marks a pair that may not match; weights are
    non-negative integers."""
    rows = len(weights)
    cols = len(weights[0]) if rows else 0
    if not rows or not cols:
        return []
    allowed = [w for r in weights for w in r if w is not None]
    if not allowed:
        return []
    big = sum(allowed) + 1  # one more pair always beats any gain in weight
    transpose = rows > cols
    if transpose:
        grid = [[weights[r][c] for r in range(rows)] for c in range(cols)]
    else:
        grid = [list(r) for r in weights]
    cost = [[0 if w is None else -(big + w) for w in r] for r in grid]
    pairs = []
    for i, j in enumerate(_hungarian_min(cost)):
        if j >= 0 and grid[i][j] is not None:
            pairs.append((j, i) if transpose else (i, j))
    return sorted(pairs)


# --------------------------------------------------------------------------------------------
# Gold
# --------------------------------------------------------------------------------------------

@dataclass
class GoldActor:
    name: str
    aliases: list[str] = field(default_factory=list)
    kind: str | None = None
    country: str | None = None
    wikidata: str | None = None

    @property
    def names(self) -> frozenset[str]:
        return _names([self.name], self.aliases)


@dataclass
class GoldPlace:
    name: str
    aliases: list[str] = field(default_factory=list)
    country: str | None = None
    kind: str | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def names(self) -> frozenset[str]:
        return _names([self.name], self.aliases)


@dataclass
class GoldEvent:
    type: str
    earliest: dt.date | None = None
    latest: dt.date | None = None
    place: str | None = None
    agents: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    fatalities: int | None = None
    injured: int | None = None
    certainty: str | None = None
    source_of_claim: str | None = None
    evidence: str | None = None


@dataclass
class GoldArticle:
    """A gold file: the article as the pipeline reads it, plus its annotations."""

    article: Article
    actors: list[GoldActor] = field(default_factory=list)
    places: list[GoldPlace] = field(default_factory=list)
    events: list[GoldEvent] = field(default_factory=list)
    path: Path | None = None

    @property
    def id(self) -> str:
        return self.article.id


def _date_or_none(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise GoldError(f"{where}: {value!r} is not an ISO date") from None


def _int_or_none(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise GoldError(f"{where}: {value!r} is not an integer")
    return value


def _float_or_none(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GoldError(f"{where}: {value!r} is not a number")
    return float(value)


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GoldError(f"{where}: expected a list of strings")
    return list(value)


def _article_from(data: dict[str, Any], path: Path) -> Article:
    art_id = data.get("id") or path.stem
    text = data.get("text")
    if not isinstance(text, str):
        raise GoldError(f"{path}: no 'text' string")
    published = data.get("published")
    pub_date: dt.date | None = None
    pub_dt: dt.datetime | None = None
    if published:
        try:
            if "T" in str(published):
                pub_dt = dt.datetime.fromisoformat(str(published))
                pub_date = pub_dt.date()
            else:
                pub_date = dt.date.fromisoformat(str(published))
        except ValueError:
            raise GoldError(f"{path}: 'published' {published!r} is not an ISO date") from None
    return Article(id=str(art_id), text=text, url=data.get("url"), title=data.get("title"),
                   published=pub_date, published_datetime=pub_dt,
                   source=data.get("outlet") or data.get("source"), origin=str(path))


def _gold_from(data: dict[str, Any], path: Path) -> GoldArticle:
    gold = data["gold"]
    if not isinstance(gold, dict):
        raise GoldError(f"{path}: 'gold' is not an object")
    where = str(path)
    try:
        actors = [GoldActor(name=a["name"], aliases=_str_list(a.get("aliases"), where),
                            kind=a.get("kind"), country=a.get("country"),
                            wikidata=a.get("wikidata"))
                  for a in gold.get("actors") or []]
        places = [GoldPlace(name=p["name"], aliases=_str_list(p.get("aliases"), where),
                            country=p.get("country"), kind=p.get("kind"),
                            lat=_float_or_none(p.get("lat"), where),
                            lon=_float_or_none(p.get("lon"), where))
                  for p in gold.get("places") or []]
        events = []
        for n, e in enumerate(gold.get("events") or []):
            w = f"{path}: event {n + 1}"
            events.append(GoldEvent(
                type=e["type"],
                earliest=_date_or_none(e.get("date_earliest"), w),
                latest=_date_or_none(e.get("date_latest"), w),
                place=e.get("place") or None,
                agents=_str_list(e.get("agents"), w), targets=_str_list(e.get("targets"), w),
                fatalities=_int_or_none(e.get("fatalities"), w),
                injured=_int_or_none(e.get("injured"), w),
                certainty=e.get("certainty"), source_of_claim=e.get("source_of_claim"),
                evidence=e.get("evidence")))
    except (KeyError, TypeError, AttributeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
        raise GoldError(f"{path}: malformed gold annotation ({problem})") from None
    return GoldArticle(article=_article_from(data, path), actors=actors, places=places,
                       events=events, path=path)


def load_gold(directory: Path | str,
              warn: Callable[[str], None] | None = None) -> list[GoldArticle]:
    """Read every ``*.json`` under ``directory`` (recursively, sorted) that has a ``gold`` key.

    A JSON file without ``gold`` is skipped with a message to ``warn`` (by default a
    :class:`GoldWarning`), so a folder can mix plain articles and gold. Unreadable or malformed
    gold, and two files with the same article id, raise :class:`GoldError`: scoring on half the
    gold would give misleading numbers. A single file may be given instead of a folder.
    """
    root = Path(directory)
    if warn is None:
        def warn(message: str) -> None:
            warnings.warn(message, GoldWarning, stacklevel=3)
    if root.is_file():
        files = [root]
    elif root.is_dir():
        files = sorted(p for p in root.rglob("*.json") if p.is_file())
    else:
        raise GoldError(f"{root}: no such file or folder")
    out: list[GoldArticle] = []
    seen: dict[str, Path] = {}
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise GoldError(f"{path}: cannot read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}: not valid JSON: {exc}") from None
        if not isinstance(data, dict) or "gold" not in data:
            warn(f"{path}: no 'gold' annotations; skipped")
            continue
        gold = _gold_from(data, path)
        if gold.id in seen:
            raise GoldError(f"{path}: article id {gold.id!r} already used by {seen[gold.id]}")
        seen[gold.id] = path
        out.append(gold)
    return out


# --------------------------------------------------------------------------------------------
# Extracted (read from the store)
# --------------------------------------------------------------------------------------------

@dataclass
class ExtractedActor:
    iri: str
    label: str
    aliases: list[str] = field(default_factory=list)
    kind: str | None = None          # gold spelling: armed_group, state_force, ...
    wikidata: str | None = None      # Q-id

    @property
    def names(self) -> frozenset[str]:
        return _names([self.label], self.aliases)


@dataclass
class ExtractedPlace:
    iri: str
    label: str
    aliases: list[str] = field(default_factory=list)
    lat: float | None = None
    lon: float | None = None
    relative_to: str | None = None   # label of the anchor place of a relative location

    @property
    def names(self) -> frozenset[str]:
        return _names([self.label], self.aliases)


@dataclass
class ExtractedEvent:
    iri: str
    type: str                        # gold spelling: armed_attack, statement_threat, other, ...
    earliest: dt.date | None = None
    latest: dt.date | None = None
    places: list[ExtractedPlace] = field(default_factory=list)
    agents: list[ExtractedActor] = field(default_factory=list)
    targets: list[ExtractedActor] = field(default_factory=list)
    fatalities: int | None = None
    injured: int | None = None
    certainty: str | None = None     # asserted, reported, alleged, denied, hypothetical
    evidence: str | None = None

    @property
    def place(self) -> ExtractedPlace | None:
        return self.places[0] if self.places else None


@dataclass
class ExtractedArticle:
    iri: str
    actors: list[ExtractedActor] = field(default_factory=list)
    places: list[ExtractedPlace] = field(default_factory=list)
    events: list[ExtractedEvent] = field(default_factory=list)
    found: bool = True               # False when the store has no such graph


_Q_ACTORS = """
SELECT ?g ?a ?label ?cls ?same WHERE { GRAPH ?g {
  ?a a sem:Actor .
  OPTIONAL { ?a rdfs:label ?label }
  OPTIONAL { ?a a ?cls FILTER(STRSTARTS(STR(?cls), STR(kg:))) }
  OPTIONAL { ?a owl:sameAs ?same }
} }"""
_Q_ALT = "SELECT ?g ?s ?alt WHERE { GRAPH ?g { ?s skos:altLabel ?alt } }"
_Q_PLACES = """
SELECT ?g ?p ?label ?lat ?long ?rel WHERE { GRAPH ?g {
  ?p a sem:Place .
  OPTIONAL { ?p rdfs:label ?label }
  OPTIONAL { ?p geo:lat ?lat ; geo:long ?long }
  OPTIONAL { ?p kg:relativeTo ?rel }
} }"""
_Q_EVENTS = """
SELECT ?g ?e ?cls ?earliest ?latest ?fat ?inj ?cert ?evidence WHERE { GRAPH ?g {
  ?e a sem:Event .
  OPTIONAL { ?e a ?cls FILTER(STRSTARTS(STR(?cls), STR(kg:))) }
  OPTIONAL { ?e sem:hasEarliestBeginTimeStamp ?earliest }
  OPTIONAL { ?e sem:hasLatestEndTimeStamp ?latest }
  OPTIONAL { ?e kg:fatalities ?fat }
  OPTIONAL { ?e kg:injured ?inj }
  OPTIONAL { ?e kg:certainty ?cert }
  OPTIONAL { ?e kg:evidence ?m . ?m kg:anchorOf ?evidence }
} }"""
_Q_EVENT_LINKS = """
SELECT ?g ?e ?role ?x WHERE { GRAPH ?g {
  VALUES ?role { sem:hasPlace kg:agent kg:target }
  ?e a sem:Event ; ?role ?x .
} }"""
_Q_ARTICLES = """
SELECT ?g ?id WHERE { GRAPH ?g { ?a a schema:NewsArticle ; schema:identifier ?id } }"""


def _select(store: ox.Store, query: str, graph: ox.NamedNode | None = None
            ) -> list[ox.QuerySolution]:
    subs = {ox.Variable("g"): graph} if graph is not None else None
    return list(store.query(query, prefixes=_QUERY_PREFIXES, substitutions=subs))


def _value(term: Any) -> str | None:
    return None if term is None else term.value


def _local(iri: str) -> str:
    return iri[len(KG_NS):] if iri.startswith(KG_NS) else iri.rsplit("/", 1)[-1]


def _lit_date(term: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(term.value[:10]) if term is not None else None
    except ValueError:
        return None


def _lit_int(term: Any) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except ValueError:
        return None


def _lit_float(term: Any) -> float | None:
    try:
        return float(term.value) if term is not None else None
    except ValueError:
        return None


def _pick_label(labels: set[str], iri: str) -> tuple[str, list[str]]:
    if not labels:
        return _local(iri), []
    ordered = sorted(labels)
    return ordered[0], ordered[1:]


def extracted_from_store(store: ox.Store, article_iri: str) -> ExtractedArticle:
    """Read the actors, places and events of one article's named graph.

    Kinds and types come back in the gold spelling (``kg:ArmedAttack`` → ``armed_attack``,
    ``kg:Statement`` → ``statement_threat``, ``kg:OtherEvent`` → ``other``,
    ``kg:InternationalOrganization`` → ``international_org``, ``kg:Organization`` →
    ``other_org``), certainty as a lower-case word, so they compare directly with the gold.
    """
    graph = ox.NamedNode(article_iri)
    out = ExtractedArticle(iri=article_iri, found=store.contains_named_graph(graph))
    if not out.found:
        return out

    alt: dict[str, set[str]] = {}
    for row in _select(store, _Q_ALT, graph):
        alt.setdefault(row["s"].value, set()).add(row["alt"].value)

    actor_rows: dict[str, dict[str, set[str]]] = {}
    for row in _select(store, _Q_ACTORS, graph):
        d = actor_rows.setdefault(row["a"].value, {"label": set(), "cls": set(), "same": set()})
        for key in ("label", "cls", "same"):
            if row[key] is not None:
                d[key].add(row[key].value)
    actors: dict[str, ExtractedActor] = {}
    for a_iri, d in sorted(actor_rows.items()):
        label, extra = _pick_label(d["label"], a_iri)
        locals_ = sorted(_local(c) for c in d["cls"])
        kind_local = next((c for c in locals_ if c in ACTOR_KINDS), locals_[0] if locals_ else None)
        wd = next((s[len(WIKIDATA_NS):] for s in sorted(d["same"]) if s.startswith(WIKIDATA_NS)),
                  None)
        actors[a_iri] = ExtractedActor(
            iri=a_iri, label=label, aliases=sorted(set(extra) | alt.get(a_iri, set())),
            kind=class_to_snake(kind_local) if kind_local else None, wikidata=wd)

    place_rows: dict[str, dict[str, Any]] = {}
    for row in _select(store, _Q_PLACES, graph):
        d = place_rows.setdefault(row["p"].value,
                                  {"label": set(), "lat": None, "long": None, "rel": None})
        if row["label"] is not None:
            d["label"].add(row["label"].value)
        if row["lat"] is not None and d["lat"] is None:
            d["lat"], d["long"] = _lit_float(row["lat"]), _lit_float(row["long"])
        if row["rel"] is not None:
            d["rel"] = row["rel"].value
    places: dict[str, ExtractedPlace] = {}
    for p_iri, d in sorted(place_rows.items()):
        label, extra = _pick_label(d["label"], p_iri)
        places[p_iri] = ExtractedPlace(iri=p_iri, label=label,
                                       aliases=sorted(set(extra) | alt.get(p_iri, set())),
                                       lat=d["lat"], lon=d["long"], relative_to=d["rel"])
    for place in places.values():
        if place.relative_to is not None and place.relative_to in places:
            place.relative_to = places[place.relative_to].label

    event_rows: dict[str, dict[str, Any]] = {}
    for row in _select(store, _Q_EVENTS, graph):
        d = event_rows.setdefault(row["e"].value, {"cls": set()})
        if row["cls"] is not None:
            d["cls"].add(_local(row["cls"].value))
        for key in ("earliest", "latest", "fat", "inj", "cert", "evidence"):
            if row[key] is not None and d.get(key) is None:
                d[key] = row[key]
    links: dict[str, dict[str, list[str]]] = {}
    for row in _select(store, _Q_EVENT_LINKS, graph):
        role = _local(row["role"].value)
        links.setdefault(row["e"].value, {}).setdefault(role, []).append(row["x"].value)
    events = []
    for e_iri, d in sorted(event_rows.items()):
        classes = sorted(d["cls"])
        type_local = next((c for c in classes if c in EVENT_TYPES), None)
        if type_local is None:  # a subclass the scorer does not know yet: use it as it is
            type_local = next((c for c in classes if c not in ACTOR_KINDS), "OtherEvent")
        ln = links.get(e_iri, {})
        cert = d.get("cert")
        events.append(ExtractedEvent(
            iri=e_iri, type=class_to_snake(type_local),
            earliest=_lit_date(d.get("earliest")), latest=_lit_date(d.get("latest")),
            places=[places[p] for p in sorted(set(ln.get("hasPlace", []))) if p in places],
            agents=[actors[a] for a in sorted(set(ln.get("agent", []))) if a in actors],
            targets=[actors[a] for a in sorted(set(ln.get("target", []))) if a in actors],
            fatalities=_lit_int(d.get("fat")), injured=_lit_int(d.get("inj")),
            certainty=_local(cert.value).lower() if cert is not None else None,
            evidence=_value(d.get("evidence"))))

    out.actors = list(actors.values())
    out.places = list(places.values())
    out.events = events
    return out


def article_graphs_by_id(store: ox.Store) -> dict[str, str]:
    """Article id (``schema:identifier``) → named graph IRI, for every article in the store."""
    out: dict[str, str] = {}
    for row in _select(store, _Q_ARTICLES):
        out.setdefault(row["id"].value, row["g"].value)
    return out


# --------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------

def _div(a: int, b: int) -> float | None:
    return a / b if b else None


@dataclass
class Counts:
    """True positives, false positives and false negatives of one kind of item."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return _div(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return _div(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        """2·TP / (2·TP + FP + FN): the harmonic mean of P and R, and 0 when TP is 0."""
        return _div(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


@dataclass
class Ratio:
    """``correct`` out of ``total`` (an accuracy or a recall on matched events)."""

    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return _div(self.correct, self.total)

    def add(self, ok: bool) -> None:
        self.total += 1
        self.correct += int(ok)

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.correct + other.correct, self.total + other.total)

    def as_dict(self) -> dict[str, Any]:
        return {"correct": self.correct, "total": self.total, "value": self.value}


_RATIOS = ("event_type", "agents", "targets", "fatalities", "injured", "certainty", "actor_kind")


@dataclass
class Scores:
    """All numbers of one article, or summed over articles (micro-average)."""

    actors: Counts = field(default_factory=Counts)
    places: Counts = field(default_factory=Counts)
    events: Counts = field(default_factory=Counts)
    event_type: Ratio = field(default_factory=Ratio)   # same type, over matched events
    agents: Ratio = field(default_factory=Ratio)       # gold agents found, over matched events
    targets: Ratio = field(default_factory=Ratio)      # gold targets found, over matched events
    fatalities: Ratio = field(default_factory=Ratio)   # equal counts where either is given
    injured: Ratio = field(default_factory=Ratio)
    certainty: Ratio = field(default_factory=Ratio)
    actor_kind: Ratio = field(default_factory=Ratio)   # same kind, over matched actors

    def __add__(self, other: Scores) -> Scores:
        return Scores(
            actors=self.actors + other.actors, places=self.places + other.places,
            events=self.events + other.events,
            **{k: getattr(self, k) + getattr(other, k) for k in _RATIOS})

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: getattr(self, k).as_dict() for k in ("actors", "places", "events")}
        d.update({k: getattr(self, k).as_dict() for k in _RATIOS})
        return d


@dataclass
class ArticleReport:
    """Scores of one article and what went wrong, for developers."""

    id: str
    graph: str
    found: bool
    scores: Scores
    actors_missed: list[dict[str, Any]] = field(default_factory=list)
    actors_spurious: list[dict[str, Any]] = field(default_factory=list)
    actors_matched: list[dict[str, Any]] = field(default_factory=list)
    places_missed: list[dict[str, Any]] = field(default_factory=list)
    places_spurious: list[dict[str, Any]] = field(default_factory=list)
    places_matched: list[dict[str, Any]] = field(default_factory=list)
    events_missed: list[dict[str, Any]] = field(default_factory=list)
    events_spurious: list[dict[str, Any]] = field(default_factory=list)
    events_matched: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "graph": self.graph, "found": self.found,
            "scores": self.scores.as_dict(),
            "actors": {"missed": self.actors_missed, "spurious": self.actors_spurious,
                       "matched": self.actors_matched},
            "places": {"missed": self.places_missed, "spurious": self.places_spurious,
                       "matched": self.places_matched},
            "events": {"missed": self.events_missed, "spurious": self.events_spurious,
                       "matched": self.events_matched},
        }


@dataclass
class Report:
    articles: list[ArticleReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: tuple[str, ...] = NOTES

    @property
    def overall(self) -> Scores:
        total = Scores()
        for a in self.articles:
            total = total + a.scores
        return total

    def as_dict(self) -> dict[str, Any]:
        return {"overall": self.overall.as_dict(),
                "articles": [a.as_dict() for a in self.articles],
                "notes": list(self.notes), "warnings": list(self.warnings)}


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------

def _name_score(gold_name: str, gold_names: frozenset[str], ex_label: str,
                ex_names: frozenset[str]) -> int | None:
    """3 canonical = canonical, 2 canonical = alias, 1 alias = alias, None no shared name."""
    if not gold_names & ex_names:
        return None
    g, e = normalise_name(gold_name), normalise_name(ex_label)
    if g == e:
        return 3
    if g in ex_names or e in gold_names:
        return 2
    return 1


def _match_actors(gold: list[GoldActor], ex: list[ExtractedActor]) -> list[tuple[int, int]]:
    weights = []
    for g in gold:
        row: list[int | None] = []
        for e in ex:
            s = _name_score(g.name, g.names, e.label, e.names)
            if s is not None:
                s = s * 4 + 2 * (g.kind is not None and g.kind == e.kind) + (
                    g.wikidata is not None and g.wikidata == e.wikidata)
            row.append(s)
        weights.append(row)
    return assign(weights)


def _match_places(gold: list[GoldPlace], ex: list[ExtractedPlace]) -> list[tuple[int, int]]:
    weights = []
    for g in gold:
        row: list[int | None] = []
        for e in ex:
            s = _name_score(g.name, g.names, e.label, e.names)
            if s is not None:
                s = s * 2 + _near(g.lat, g.lon, e.lat, e.lon)
            row.append(s)
        weights.append(row)
    return assign(weights)


def _near(lat1: float | None, lon1: float | None, lat2: float | None, lon2: float | None) -> bool:
    if None in (lat1, lon1, lat2, lon2):
        return False
    return haversine_km(lat1, lon1, lat2, lon2) <= MAX_DISTANCE_KM  # type: ignore[arg-type]


def _overlaps(a0: dt.date | None, a1: dt.date | None, b0: dt.date | None,
              b1: dt.date | None) -> bool:
    lo = max(a0 or dt.date.min, b0 or dt.date.min)
    hi = min(a1 or dt.date.max, b1 or dt.date.max)
    return lo <= hi


@dataclass
class _GoldPlaceRef:
    name: str
    names: frozenset[str]
    lat: float | None
    lon: float | None


class _GoldIndex:
    """Resolves the names used inside gold events to the article's gold actors and places."""

    def __init__(self, gold: GoldArticle):
        self.actors: dict[str, GoldActor] = {}
        for a in gold.actors:
            for n in a.names:
                self.actors.setdefault(n, a)
        self.places: dict[str, GoldPlace] = {}
        for p in gold.places:
            for n in p.names:
                self.places.setdefault(n, p)

    def actor_names(self, name: str) -> frozenset[str]:
        a = self.actors.get(normalise_name(name))
        return a.names | _names([name]) if a else _names([name])

    def place(self, name: str) -> _GoldPlaceRef:
        p = self.places.get(normalise_name(name))
        if p is None:
            return _GoldPlaceRef(name, _names([name]), None, None)
        return _GoldPlaceRef(name, p.names | _names([name]), p.lat, p.lon)


def _place_ok(ref: _GoldPlaceRef | None, places: list[ExtractedPlace]) -> bool:
    if ref is None:
        return True  # deviation documented in the module docstring and NOTES
    return any(ref.names & p.names or _near(ref.lat, ref.lon, p.lat, p.lon) for p in places)


def _participants_found(gold_names: list[frozenset[str]], ex: list[ExtractedActor]) -> list[bool]:
    """For each gold participant, whether a distinct extracted participant shares a name."""
    if not gold_names:
        return []
    weights = [[1 if g & e.names else None for e in ex] for g in gold_names]
    found = [False] * len(gold_names)
    for i, _ in assign(weights):
        found[i] = True
    return found


def _match_events(gold: list[GoldEvent], ex: list[ExtractedEvent],
                  index: _GoldIndex) -> list[tuple[int, int]]:
    weights = []
    for g in gold:
        ref = index.place(g.place) if g.place else None
        agent_names = [index.actor_names(a) for a in g.agents]
        row: list[int | None] = []
        for e in ex:
            if not (_place_ok(ref, e.places) and _overlaps(g.earliest, g.latest,
                                                            e.earliest, e.latest)):
                row.append(None)
                continue
            shared = sum(_participants_found(agent_names, e.agents))
            share = shared / len(agent_names) if agent_names else 0.0
            # Lexicographic preference: type (1000) > evidence (0..100) > agents (0..10).
            row.append(1000 * (g.type == e.type)
                       + round(100 * _evidence_overlap(g.evidence, e.evidence))
                       + round(10 * share))
        weights.append(row)
    return assign(weights)


def _date_text(a: dt.date | None, b: dt.date | None) -> str:
    return f"{a.isoformat() if a else '?'}..{b.isoformat() if b else '?'}"


def _gold_event_dict(g: GoldEvent) -> dict[str, Any]:
    return {"type": g.type, "date": _date_text(g.earliest, g.latest), "place": g.place,
            "agents": g.agents, "targets": g.targets, "fatalities": g.fatalities,
            "injured": g.injured, "certainty": g.certainty, "evidence": g.evidence}


def _ex_event_dict(e: ExtractedEvent) -> dict[str, Any]:
    return {"iri": e.iri, "type": e.type, "date": _date_text(e.earliest, e.latest),
            "place": e.place.label if e.place else None,
            "agents": [a.label for a in e.agents], "targets": [a.label for a in e.targets],
            "fatalities": e.fatalities, "injured": e.injured, "certainty": e.certainty,
            "evidence": e.evidence}


def _compare_value(ratio: Ratio, g: Any, e: Any) -> bool | None:
    if g is None and e is None:
        return None
    ratio.add(g == e)
    return g == e


def evaluate_article(gold: GoldArticle, ex: ExtractedArticle) -> ArticleReport:
    """Score one article's extraction against its gold."""
    s = Scores()
    rep = ArticleReport(id=gold.id, graph=ex.iri, found=ex.found, scores=s)

    pairs = _match_actors(gold.actors, ex.actors)
    s.actors = Counts(len(pairs), len(ex.actors) - len(pairs), len(gold.actors) - len(pairs))
    mg, me = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, j in pairs:
        g, e = gold.actors[i], ex.actors[j]
        ok = _compare_value(s.actor_kind, g.kind, e.kind)
        rep.actors_matched.append({"gold": g.name, "extracted": e.label, "iri": e.iri,
                                   "gold_kind": g.kind, "kind": e.kind, "kind_ok": ok})
    rep.actors_missed = [{"name": a.name, "aliases": a.aliases, "kind": a.kind}
                         for i, a in enumerate(gold.actors) if i not in mg]
    rep.actors_spurious = [{"label": a.label, "aliases": a.aliases, "kind": a.kind, "iri": a.iri}
                           for j, a in enumerate(ex.actors) if j not in me]

    pairs = _match_places(gold.places, ex.places)
    s.places = Counts(len(pairs), len(ex.places) - len(pairs), len(gold.places) - len(pairs))
    mg, me = {i for i, _ in pairs}, {j for _, j in pairs}
    rep.places_matched = [{"gold": gold.places[i].name, "extracted": ex.places[j].label,
                           "iri": ex.places[j].iri} for i, j in pairs]
    rep.places_missed = [{"name": p.name, "aliases": p.aliases, "lat": p.lat, "lon": p.lon}
                         for i, p in enumerate(gold.places) if i not in mg]
    rep.places_spurious = [{"label": p.label, "aliases": p.aliases, "lat": p.lat, "lon": p.lon,
                            "relative_to": p.relative_to, "iri": p.iri}
                           for j, p in enumerate(ex.places) if j not in me]

    index = _GoldIndex(gold)
    pairs = _match_events(gold.events, ex.events, index)
    s.events = Counts(len(pairs), len(ex.events) - len(pairs), len(gold.events) - len(pairs))
    mg, me = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, j in pairs:
        g, e = gold.events[i], ex.events[j]
        s.event_type.add(g.type == e.type)
        found_a = _participants_found([index.actor_names(a) for a in g.agents], e.agents)
        found_t = _participants_found([index.actor_names(t) for t in g.targets], e.targets)
        for ok in found_a:
            s.agents.add(ok)
        for ok in found_t:
            s.targets.add(ok)
        rep.events_matched.append({
            "gold": _gold_event_dict(g), "extracted": _ex_event_dict(e),
            "type_ok": g.type == e.type,
            "agents_missed": [a for a, ok in zip(g.agents, found_a, strict=True) if not ok],
            "targets_missed": [t for t, ok in zip(g.targets, found_t, strict=True) if not ok],
            "fatalities_ok": _compare_value(s.fatalities, g.fatalities, e.fatalities),
            "injured_ok": _compare_value(s.injured, g.injured, e.injured),
            "certainty_ok": _compare_value(s.certainty, g.certainty, e.certainty),
        })
    rep.events_missed = [_gold_event_dict(g) for i, g in enumerate(gold.events) if i not in mg]
    rep.events_spurious = [_ex_event_dict(e) for j, e in enumerate(ex.events) if j not in me]
    return rep


def evaluate_articles(gold: list[GoldArticle], store: ox.Store,
                      article_iri_for: Callable[[str], str] | None = None) -> Report:
    """Score every gold article against its named graph in ``store``.

    ``article_iri_for`` maps an article id to its graph IRI. By default the graph is found by
    the article's ``schema:identifier`` in the store (whatever base IRI the build used), falling
    back to the default base. An article with no graph scores as nothing extracted, with a
    warning.
    """
    if article_iri_for is None:
        by_id = article_graphs_by_id(store)

        def article_iri_for(article_id: str) -> str:
            return by_id.get(article_id) or iris.article_iri(iris.DEFAULT_BASE, article_id)

    report = Report()
    for g in gold:
        ex = extracted_from_store(store, article_iri_for(g.id))
        if not ex.found:
            report.warnings.append(f"{g.id}: no graph <{ex.iri}> in the store; scored as empty")
        report.articles.append(evaluate_article(g, ex))
    return report


def evaluate_dir(gold_dir: Path | str, build: Callable[[list[Article]], ox.Store],
                 article_iri_for: Callable[[str], str] | None = None) -> Report:
    """Load the gold under ``gold_dir``, build its articles with ``build`` and score them.

    ``build`` is the same pipeline ``kg-builder build`` runs, returning the store it filled.
    Skipped files are listed in ``Report.warnings``. Raises :class:`GoldError` when there is
    no gold at all.
    """
    skipped: list[str] = []
    gold = load_gold(gold_dir, warn=skipped.append)
    if not gold:
        raise GoldError(f"{gold_dir}: no JSON file with 'gold' annotations")
    store = build([g.article for g in gold])
    report = evaluate_articles(gold, store, article_iri_for)
    report.warnings[:0] = skipped
    return report


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------

def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


_COLUMNS = ("article", "act P", "act R", "act F1", "plc P", "plc R", "plc F1", "evt P",
            "evt R", "evt F1", "type", "agent", "target", "fatal", "cert")


def _row(name: str, s: Scores) -> list[str]:
    cells = [name]
    for c in (s.actors, s.places, s.events):
        cells += [_num(c.precision), _num(c.recall), _num(c.f1)]
    cells += [_num(r.value) for r in (s.event_type, s.agents, s.targets, s.fatalities,
                                      s.certainty)]
    return cells


def format_report(report: Report, fmt: str = "table") -> str:
    """The report as an aligned text table (one row per article, then ``overall``) or JSON.

    JSON carries every count behind the numbers and, per article, the unmatched gold items
    (``missed``), the unmatched extracted ones (``spurious``) and the matched pairs.
    """
    if fmt == "json":
        return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
    if fmt != "table":
        raise ValueError(f"unknown report format {fmt!r} (use table or json)")
    rows = [list(_COLUMNS)] + [_row(a.id, a.scores) for a in report.articles]
    rows.append(_row("overall", report.overall))
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]

    def line(r: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()

    out = [line(rows[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows[1:-1]]
    out += ["  ".join("-" * w for w in widths), line(rows[-1]), ""]
    o = report.overall
    out.append(f"counts: actors {o.actors.tp}/{o.actors.fp}/{o.actors.fn}, "
               f"places {o.places.tp}/{o.places.fp}/{o.places.fn}, "
               f"events {o.events.tp}/{o.events.fp}/{o.events.fn} (TP/FP/FN)")
    out += [f"note: {n}" for n in report.notes]
    out += [f"warning: {w}" for w in report.warnings]
    return "\n".join(out) + "\n"


def _event_line(d: dict[str, Any]) -> str:
    parts = [d["type"], d["date"], f"at {d['place'] or '(no place)'}"]
    if d["agents"]:
        parts.append("by " + ", ".join(d["agents"]))
    if d["targets"]:
        parts.append("against " + ", ".join(d["targets"]))
    text = " ".join(parts)
    if d.get("evidence"):
        ev = d["evidence"] if len(d["evidence"]) <= 100 else d["evidence"][:97] + "..."
        text += f' | "{ev}"'
    return text


def _given(value: Any) -> str:
    return "not given" if value is None else str(value)


def format_details(report: Report) -> str:
    """What went wrong, article by article: missed and spurious items, and the faults of
    matched events (wrong type, missing participants, wrong counts or certainty).

    Report warnings are not repeated here: :func:`format_report` prints them.
    """
    out: list[str] = []
    for a in report.articles:
        out.append(f"== {a.id}  <{a.graph}>" + ("" if a.found else "  (no graph in store)"))
        sections = [
            ("missed actors", [f"{x['name']} ({x['kind']})" for x in a.actors_missed]),
            ("spurious actors", [f"{x['label']} ({x['kind']})" for x in a.actors_spurious]),
            ("actor kind differs", [f"{x['gold']}: {x['gold_kind']} vs {x['kind']}"
                                    for x in a.actors_matched if x["kind_ok"] is False]),
            ("missed places", [x["name"] for x in a.places_missed]),
            ("spurious places", [x["label"] for x in a.places_spurious]),
            ("missed events", [_event_line(x) for x in a.events_missed]),
            ("spurious events", [_event_line(x) for x in a.events_spurious]),
        ]
        faults = []
        for m in a.events_matched:
            g, e = m["gold"], m["extracted"]
            problems = []
            if not m["type_ok"]:
                problems.append(f"type {e['type']} (gold {g['type']})")
            if m["agents_missed"]:
                problems.append("agents missed: " + ", ".join(m["agents_missed"]))
            if m["targets_missed"]:
                problems.append("targets missed: " + ", ".join(m["targets_missed"]))
            for key in ("fatalities", "injured", "certainty"):
                if m[f"{key}_ok"] is False:
                    problems.append(f"{key} {_given(e[key])} (gold {_given(g[key])})")
            if problems:
                faults.append(f"{_event_line(g)}\n      -> " + "; ".join(problems))
        sections.append(("matched events with faults", faults))
        for title, items in sections:
            if items:
                out.append(f"  {title}:")
                out += [f"    - {item}" for item in items]
        if all(not items for _, items in sections):
            out.append("  no misses")
    return "\n".join(out) + "\n"
