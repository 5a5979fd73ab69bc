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
from urllib.parse import quote

DEFAULT_BASE = "https://w3id.org/kg-builder/id/"

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def slug(text: str) -> str:
    """Normalise a name for use in an IRI path segment: ``"Assimi Goïta"`` → ``assimi-goita``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    s = _NON_WORD.sub("-", stripped.casefold()).strip("-")
    if not s:
        s = "h" + digest(text, 12)
    return quote(s, safe="-")


def digest(text: str, length: int = 16) -> str:
    """A short, stable hexadecimal digest of ``text``."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def check_base(base: str) -> str:
    """Validate a base IRI for instances; it must be absolute and end in ``/`` or ``#``."""
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", base):
        raise ValueError(f"base IRI {base!r} is not an absolute IRI")
    if not base.endswith(("/", "#")):
        base += "/"
    return base


def article_iri(base: str, article_id: str) -> str:
    return f"{base}article/{quote(article_id, safe='-._~')}"


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


def event_iri(base: str, article_id: str, event_type: str, start: int | str) -> str:
    return f"{base}event/{digest(f'{article_id}|{event_type}|{start}')}"
