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
  that distance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pyoxigraph as ox

from .namespaces import GEO, KG

_LAT, _LONG = ox.NamedNode(str(GEO.lat)), ox.NamedNode(str(GEO.long))
_RELATIVE, _DISTANCE = ox.NamedNode(str(KG.relativeTo)), ox.NamedNode(str(KG.distanceKm))
#: Mean Earth radius (km) of the great-circle distance.
EARTH_KM = 6371.0088
#: Kilometres per degree of latitude.
_KM_PER_DEGREE = EARTH_KM * math.pi / 180
#: Added to every radius: the screen must never drop a place that the exact test would keep,
#: whatever the rounding (the grid's cells are whole degrees, wider still).
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


def _float(term: object) -> float | None:
    try:
        value = float(term.value)  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return None
    return value if math.isfinite(value) else None


class NearbyPlaces:
    """Place IRIs in one-degree cells, and relative places with their anchors' points."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], dict[str, set[tuple[float, float]]]] = {}
        self.relative: dict[str, set[tuple[float, float, float]]] = {}

    def add_point(self, iri: str, lat: float, lon: float) -> None:
        if -90.0 <= lat <= 90.0:
            cell = (math.floor(lat), _wrap(math.floor(lon)))
            self.cells.setdefault(cell, {}).setdefault(iri, set()).add((lat, lon))

    def add_relative(self, iri: str, lat: float, lon: float, km: float) -> None:
        self.relative.setdefault(iri, set()).add((lat, lon, max(0.0, km)))

    def near(self, lat: float, lon: float, radius_km: float) -> set[str]:
        """IRIs of the places whose point may be within ``radius_km`` of ``(lat, lon)``."""
        radius = radius_km + MARGIN_KM
        here = radians((lat, lon))
        found: set[str] = set()
        for places in self._cells_near(lat, lon, radius):
            for iri, points in places.items():
                if iri not in found and any(great_circle(*here, *radians(p)) <= radius
                                            for p in points):
                    found.add(iri)
        for iri, anchors in self.relative.items():
            if iri not in found and any(great_circle(*here, *radians((a, b))) <= radius + km
                                        for a, b, km in anchors):
                found.add(iri)
        return found

    def _cells_near(self, lat: float, lon: float, radius: float) -> list[dict]:
        """The cells that may hold a point within ``radius`` km: the latitude band, and the
        longitudes that span at the band's most poleward latitude (all of them near a pole)."""
        dlat = radius / _KM_PER_DEGREE
        lat_lo, lat_hi = math.floor(lat - dlat), math.floor(lat + dlat)
        edge = max(abs(lat - dlat), abs(lat + dlat))
        dlon = 360.0 if edge >= 89.0 else radius / (_KM_PER_DEGREE * math.cos(math.radians(edge)))
        if dlon >= 180.0:
            return [places for (cell_lat, _), places in self.cells.items()
                    if lat_lo <= cell_lat <= lat_hi]
        columns = {_wrap(c) for c in range(math.floor(lon - dlon), math.floor(lon + dlon) + 1)}
        return [self.cells[(la, lo)] for la in range(lat_lo, lat_hi + 1) for lo in columns
                if (la, lo) in self.cells]

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Take in the places of an article graph about to be written."""
        lats: dict[tuple, list[float]] = {}
        longs: dict[tuple, list[float]] = {}
        anchors: dict[tuple, list[tuple]] = {}
        distances: dict[tuple, list[float]] = {}
        for q in quads:
            key = (q.graph_name, q.subject)
            if q.predicate == _LAT and (v := _float(q.object)) is not None:
                lats.setdefault(key, []).append(v)
            elif q.predicate == _LONG and (v := _float(q.object)) is not None:
                longs.setdefault(key, []).append(v)
            elif q.predicate == _RELATIVE:
                anchors.setdefault(key, []).append((q.graph_name, q.object))
            elif q.predicate == _DISTANCE and (v := _float(q.object)) is not None:
                distances.setdefault(key, []).append(v)
        for key, values in lats.items():
            for lat in values:
                for lon in longs.get(key, ()):
                    self.add_point(key[1].value, lat, lon)
        for key, targets in anchors.items():
            for anchor in targets:
                for lat in lats.get(anchor, ()):
                    for lon in longs.get(anchor, ()):
                        for km in distances.get(key) or [0.0]:
                            self.add_relative(key[1].value, lat, lon, km)

    def load(self, store: ox.Store) -> None:
        """Take in the places of every graph of ``store``."""
        for p, lat, lon in store.query(
                f"SELECT DISTINCT ?p ?lat ?long WHERE {{ GRAPH ?g {{ ?p {_LAT} ?lat ; "
                f"{_LONG} ?long }} }}"):
            a, b = _float(lat), _float(lon)
            if isinstance(p, ox.NamedNode) and a is not None and b is not None:
                self.add_point(p.value, a, b)
        for p, lat, lon, km in store.query(
                f"SELECT DISTINCT ?p ?lat ?long ?d WHERE {{ GRAPH ?g {{ ?p {_RELATIVE} ?a . "
                f"?a {_LAT} ?lat ; {_LONG} ?long OPTIONAL {{ ?p {_DISTANCE} ?d }} }} }}"):
            a, b = _float(lat), _float(lon)
            if isinstance(p, ox.NamedNode) and a is not None and b is not None:
                self.add_relative(p.value, a, b, _float(km) or 0.0)


def _wrap(lon_cell: int) -> int:
    """A one-degree column past ±180° as the column it is."""
    return (lon_cell + 180) % 360 - 180


__all__ = ["NearbyPlaces", "MARGIN_KM", "EARTH_KM", "great_circle", "haversine_km", "radians"]
