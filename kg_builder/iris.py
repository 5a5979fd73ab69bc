"""Minting stable IRIs from content.

The same input always yields the same IRIs (no counters, clocks or random numbers), so a rebuild
is isomorphic and a reload idempotent. Text that goes into an IRI is normalised (case folded,
accents stripped) and percent-encoded, so names with quotes, angle brackets, spaces or
non-Latin letters still give a valid IRI.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import quote

DEFAULT_BASE = "https://w3id.org/kg-builder/id/"

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def slug(text: str) -> str:
    """Normalise a name for use in an IRI path segment: ``"Assimi Goïta"`` → ``assimi-goita``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    s = _NON_WORD.sub("-", stripped.casefold()).strip("-")
    if not s:  # nothing but symbols: a digest of the canonical (NFC) spelling
        s = "h" + digest(unicodedata.normalize("NFC", text), 12)
    return quote(s, safe="-")


def digest(text: str, length: int = 16) -> str:
    """A short, stable hexadecimal digest of ``text``."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def check_base(base: str) -> str:
    """Validate a base IRI for instances: absolute, no fragment; a ``/`` is added at the end."""
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", base):
        raise ValueError(f"base IRI {base!r} is not an absolute IRI")
    if "#" in base:
        raise ValueError(f"base IRI {base!r} cannot hold '#': article IRIs get #char= fragments")
    if not base.endswith("/"):
        base += "/"
    try:
        import pyoxigraph

        pyoxigraph.NamedNode(base + "x")
    except ValueError as exc:
        raise ValueError(f"base IRI {base!r} is not an absolute IRI ({exc})") from None
    return base


def article_iri(base: str, article_id: str) -> str:
    """The article's graph IRI: the id percent-encoded as one path segment.

    The ids "." and ".." have their dots encoded too: RFC 3986 resolution removes dot
    segments, and parsers that resolve absolute IRIs when a base is set, or normalise them
    (RDF4J, hence GraphDB: w3c/rdf-turtle#89, eclipse-rdf4j/rdf4j#412), would read
    ``.../article/..`` as ``.../id/``. Oxigraph and rdflib keep IRIs verbatim."""
    segment = quote(article_id, safe="-._~")
    if segment in (".", ".."):
        segment = segment.replace(".", "%2E")
    return f"{base}article/{segment}"


def mention_iri(article: str, start: int, end: int) -> str:
    """RFC 5147 fragment identifying characters ``start``..``end`` of the article text."""
    return f"{article}#char={start},{end}"


def actor_iri(base: str, name: str, kind: str, wikidata: str | None = None) -> str:
    if wikidata:
        return f"{base}actor/{quote(wikidata, safe='')}"
    return f"{base}actor/{slug(kind)}/{slug(name)}"


def place_iri(base: str, name: str, geonames_id: int | None = None,
              country: str | None = None) -> str:
    if geonames_id is not None:
        return f"{base}place/geonames/{int(geonames_id)}"
    prefix = f"{slug(country)}/" if country else ""
    return f"{base}place/{prefix}{slug(name)}"


def relative_place_iri(base: str, anchor_iri: str, distance_km: float | None,
                       bearing: float | None, name: str) -> str:
    dist = "unknown" if distance_km is None else f"{distance_km:g}km"
    bear = "any" if bearing is None else f"{bearing:g}deg"
    return f"{base}place/rel/{digest(anchor_iri, 12)}/{dist}-{bear}-{slug(name)}"


def event_iri(base: str, article_id: str, event_type: str, start: int | str,
              variant: str = "") -> str:
    """An event as one article reports it: article, type, trigger offset and, when the article
    reports several events of that type on one trigger word ("mutinies in 2012 and 2020"), a
    variant from :func:`event_variants`. Everything here can be read back from the article's
    graph, so :mod:`kg_builder.merge` can recompute it after the event was merged."""
    text = f"{article_id}|{event_type}|{start}" + (f"|{variant}" if variant else "")
    return f"{base}event/{digest(text)}"


def event_variants(events: Sequence[tuple[str, int, str, str, str]]) -> list[str]:
    """Variants for :func:`event_iri`, one per ``(type, trigger start, earliest, latest,
    label)`` of an article's events (dates as ISO text or ""): empty for an event alone on its
    type and trigger, else its date bounds, and a rank when even those are shared."""
    groups: dict[tuple[str, int], list[int]] = {}
    for i, (etype, start, *_rest) in enumerate(events):
        groups.setdefault((etype, start), []).append(i)
    out = [""] * len(events)
    for members in groups.values():
        if len(members) == 1:
            continue
        seen: dict[str, int] = {}
        for i in sorted(members, key=lambda i: (events[i][2], events[i][3], events[i][4], i)):
            dates = f"{events[i][2]}/{events[i][3]}"
            n = seen.get(dates, 0)
            seen[dates] = n + 1
            out[i] = dates if n == 0 else f"{dates}/{n}"
    return out


def relation_iri(base: str, article_id: str, subject: str, predicate: str, obj: str) -> str:
    """The reified statement of one relation as one article states it."""
    return f"{base}relation/{digest(f'{article_id}|{subject}|{predicate}|{obj}')}"
