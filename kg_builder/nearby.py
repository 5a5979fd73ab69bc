"""Which places of a store lie near a point: an in-memory grid of place IRIs by coordinates.

Matching a new report against stored ones (:mod:`kg_builder.merge`) needs the stored claims
whose place is within a few tens of kilometres. Every article graph repeats the coordinates of
the places it names, but Oxigraph has no spatial index, so the merger keeps this one for the
length of a build: loaded once from the store (:meth:`NearbyPlaces.load`), then told of each
new article's places (:meth:`NearbyPlaces.add_quads`). It only ever grows (a dropped graph may
leave a place behind), which is safe: it is a screen, and a place too many costs a scan of its
events, never a missed match.

Two kinds of place are kept, as :func:`kg_builder.merge.read_claim` reads them:

* a place with coordinates of its own (``geo:lat``/``geo:long``; every pair a graph gives);
* a relative place (``kg:relativeTo`` an anchor with coordinates), whose point is the anchor's,
  uncertain by its ``kg:distanceKm``: it is near when the anchor is within the radius plus
  that distance. They are kept by anchor (a few towns anchor most of them), so each anchor's
  distance is computed once per question.

:class:`EventCounts` counts, for the same length of build, the stored claims at each place,
naming each actor and bounded by each day. The merger uses the counts to choose how to look up
a busy day's candidates: from the events near the new claims (a lookup of each one's dates),
or from the events of the days (a scan of the day index), whichever reads fewer rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pyoxigraph as ox

from .namespaces import GEO, KG, SEM

_LAT, _LONG = ox.NamedNode(str(GEO.lat)), ox.NamedNode(str(GEO.long))
_PLACE = ox.NamedNode(str(SEM.hasPlace))
_AGENT, _TARGET = ox.NamedNode(str(KG.agent)), ox.NamedNode(str(KG.target))
_EARLIEST = ox.NamedNode(str(SEM.hasEarliestBeginTimeStamp))
_LATEST = ox.NamedNode(str(SEM.hasLatestEndTimeStamp))
_RELATIVE, _DISTANCE = ox.NamedNode(str(KG.relativeTo)), ox.NamedNode(str(KG.distanceKm))
#: Mean Earth radius (km) of the great-circle distance.
EARTH_KM = 6371.0088
#: Kilometres per degree of latitude.
_KM_PER_DEGREE = EARTH_KM * math.pi / 180
#: Side of a cell of the grid, in degrees: a little more than the default merge distance
#: (25 km ≈ 0.22° of latitude), so a question looks at three or four cells a side.
CELL = 0.25
#: Added to every radius: the screen must never drop a place that the exact test would keep,
#: whatever the rounding (the grid's cells are wider still).
MARGIN_KM = 1.0


def radians(point: tuple[float, float]) -> tuple[float, float, float]:
    """A point in radians and the cosine of its latitude, as :func:`great_circle` takes it."""
    lat, lon = math.radians(point[0]), math.radians(point[1])
    return lat, lon, math.cos(lat)


def great_circle(lat1: float, lon1: float, cos1: float, lat2: float, lon2: float,
                 cos2: float) -> float:
    """Great-circle km between points in radians, with their latitudes' cosines given
    (computed once per point when one point is compared with many)."""
    h = math.sin((lat2 - lat1) / 2) ** 2 + cos1 * cos2 * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle km between two (latitude, longitude) points in degrees."""
    return great_circle(*radians(a), *radians(b))


def finite_float(term: object) -> float | None:
    """A literal's value as a finite float, else None (a "NaN" or "INF" coordinate is no
    coordinate: it would pass every distance test, or fail every one)."""
    try:
        value = float(term.value)  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return None
    return value if math.isfinite(value) else None


class NearbyPlaces:
    """Place IRIs in cells of :data:`CELL` degrees by their points; relative places by anchor."""

    def __init__(self) -> None:
        self.points: dict[str, set[tuple[float, float]]] = {}
        # the same points in radians, with their latitudes' cosines (:func:`radians`)
        self._radians: dict[str, list[tuple[float, float, float]]] = {}
        self.cells: dict[tuple[int, int], set[str]] = {}
        # anchor IRI → {relative place IRI: its largest distance from the anchor}
        self.relative: dict[str, dict[str, float]] = {}
        self._farthest = 0.0  # the largest of those distances
        self._asked: dict[tuple[float, float, float], set[str]] = {}

    def add_point(self, iri: str, lat: float, lon: float) -> None:
        if -90.0 <= lat <= 90.0 and (lat, lon) not in self.points.get(iri, ()):
            self.points.setdefault(iri, set()).add((lat, lon))
            self._radians.setdefault(iri, []).append(radians((lat, lon)))
            self.cells.setdefault(_cell(lat, lon), set()).add(iri)
            self._asked.clear()

    def add_relative(self, iri: str, anchor: str, km: float) -> None:
        of_anchor = self.relative.setdefault(anchor, {})
        if of_anchor.get(iri, -1.0) < km:
            of_anchor[iri] = max(0.0, km)
            self._farthest = max(self._farthest, km)
            self._asked.clear()

    def near(self, lat: float, lon: float, radius_km: float) -> set[str]:
        """IRIs of the places whose point may be within ``radius_km`` of ``(lat, lon)``: a
        point of their own, or an anchor's within the radius plus their distance from it."""
        key = (lat, lon, radius_km)
        if key not in self._asked:
            radius = radius_km + MARGIN_KM
            here = radians((lat, lon))
            points = self._radians

            def distance(iri: str) -> float:
                return min((great_circle(*here, *p) for p in points.get(iri, ())),
                           default=math.inf)

            found = {iri for cell in self._cells_near(lat, lon, radius) for iri in cell
                     if distance(iri) <= radius}
            # anchors with a point (none is near without one) within reach of the farthest
            # relative place, looked up in the grid rather than all anchors of the store
            # (unless that reach spans more places than there are anchors)
            relative = self.relative
            cells = self._cells_near(lat, lon, radius + self._farthest)
            anchors: Iterable[str] = relative.keys()
            if sum(map(len, cells)) < len(relative):
                anchors = {iri for cell in cells for iri in cell if iri in relative}
            for anchor in anchors:
                d = distance(anchor) - radius
                found.update(iri for iri, km in relative[anchor].items() if d <= km)
            self._asked[key] = found
        return self._asked[key]

    def _cells_near(self, lat: float, lon: float, radius: float) -> list[set[str]]:
        """The cells that may hold a point within ``radius`` km: the latitude band, and the
        longitudes that span at the band's most poleward latitude (all of them near a pole)."""
        dlat = radius / _KM_PER_DEGREE
        lat_lo, lat_hi = math.floor((lat - dlat) / CELL), math.floor((lat + dlat) / CELL)
        edge = max(abs(lat - dlat), abs(lat + dlat))
        dlon = 360.0 if edge >= 89.0 else radius / (_KM_PER_DEGREE * math.cos(math.radians(edge)))
        if dlon >= 180.0:
            return [places for (cell_lat, _), places in self.cells.items()
                    if lat_lo <= cell_lat <= lat_hi]
        columns = {_wrap(c) for c in range(math.floor((lon - dlon) / CELL),
                                           math.floor((lon + dlon) / CELL) + 1)}
        return [self.cells[(la, lo)] for la in range(lat_lo, lat_hi + 1) for lo in columns
                if (la, lo) in self.cells]

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Take in the places of an article graph about to be written."""
        lats: dict[str, list[float]] = {}
        longs: dict[str, list[float]] = {}
        anchors: dict[str, list[str]] = {}
        distances: dict[str, list[float]] = {}
        for q in quads:
            s, p, o = q.subject, q.predicate, q.object
            if not isinstance(s, ox.NamedNode):
                continue
            if p == _LAT and (v := finite_float(o)) is not None:
                lats.setdefault(s.value, []).append(v)
            elif p == _LONG and (v := finite_float(o)) is not None:
                longs.setdefault(s.value, []).append(v)
            elif p == _RELATIVE and isinstance(o, ox.NamedNode):
                anchors.setdefault(s.value, []).append(o.value)
            elif p == _DISTANCE and (v := finite_float(o)) is not None:
                distances.setdefault(s.value, []).append(v)
        for iri, values in lats.items():
            for lat in values:
                for lon in longs.get(iri, ()):
                    self.add_point(iri, lat, lon)
        for iri, targets in anchors.items():
            for anchor in targets:
                self.add_relative(iri, anchor, max(distances.get(iri) or [0.0]))

    def load(self, store: ox.Store) -> None:
        """Take in the places of every graph of ``store``.

        Each property is read distinct by place before any IRI is decoded (a place is named in
        many graphs); pairing a latitude of one graph with a longitude of another only adds
        points, which a screen allows."""
        for p, lat, lon in store.query(
                f"SELECT ?p ?lat ?long WHERE {{ "
                f"{{ SELECT DISTINCT ?p ?lat WHERE {{ GRAPH ?g {{ ?p {_LAT} ?lat }} }} }} "
                f"{{ SELECT DISTINCT ?p ?long WHERE {{ GRAPH ?g {{ ?p {_LONG} ?long }} }} }} }}"):
            a, b = finite_float(lat), finite_float(lon)
            if isinstance(p, ox.NamedNode) and a is not None and b is not None:
                self.add_point(p.value, a, b)
        for p, anchor, km in store.query(
                f"SELECT DISTINCT ?p ?a ?d WHERE {{ GRAPH ?g {{ ?p {_RELATIVE} ?a "
                f"OPTIONAL {{ ?p {_DISTANCE} ?d }} }} }}"):
            if isinstance(p, ox.NamedNode) and isinstance(anchor, ox.NamedNode):
                self.add_relative(p.value, anchor.value, finite_float(km) or 0.0)


class EventCounts:
    """How many stored claims are at each place, name each actor as agent or target, and
    begin or end on each day (by IRI, or by the date's ISO text).

    Like :class:`NearbyPlaces`, loaded once (:meth:`load`) and told of each new article
    (:meth:`add_quads`); a dropped graph leaves its counts behind. They only choose between
    two lookups that find the same claims, so a count that is off costs time, never a match.
    """

    def __init__(self) -> None:
        self.places: dict[str, int] = {}
        self.actors: dict[str, int] = {}
        self.earliest: dict[str, int] = {}
        self.latest: dict[str, int] = {}
        self._of = {_PLACE: self.places, _AGENT: self.actors, _TARGET: self.actors,
                    _EARLIEST: self.earliest, _LATEST: self.latest}

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Count the claims of an article graph about to be written."""
        of = self._of
        for q in quads:
            counts = of.get(q.predicate)
            if counts is not None:
                key = q.object.value  # type: ignore[union-attr]
                counts[key] = counts.get(key, 0) + 1

    def load(self, store: ox.Store) -> None:
        """Count the claims of every graph of ``store`` (one grouped scan per property, the
        values decoded once each)."""
        for predicate, counts in self._of.items():
            for value, n in store.query(f"SELECT ?x (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ "
                                        f"?e {predicate} ?x }} }} GROUP BY ?x"):
                key = value.value
                counts[key] = counts.get(key, 0) + int(n.value)

    def near(self, places: Iterable[str], actors: Iterable[str]) -> int:
        """Claims at any of ``places`` or naming any of ``actors`` (counted once per place
        and actor: an upper bound)."""
        return (sum(self.places.get(p, 0) for p in places)
                + sum(self.actors.get(a, 0) for a in actors))

    def dated(self, earliest: Iterable[str], latest: Iterable[str]) -> int:
        """Claims whose earliest bound is one of the days ``earliest`` plus those whose latest
        bound is one of ``latest``: the rows a scan of those days reads."""
        return (sum(self.earliest.get(d, 0) for d in earliest)
                + sum(self.latest.get(d, 0) for d in latest))


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL), _wrap(math.floor(lon / CELL))


def _wrap(column: int) -> int:
    """A column of cells past ±180° as the column it is."""
    half = round(180 / CELL)
    return (column + half) % (2 * half) - half


__all__ = ["NearbyPlaces", "EventCounts", "MARGIN_KM", "EARTH_KM", "finite_float", "great_circle",
           "haversine_km", "radians"]
