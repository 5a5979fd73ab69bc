"""The grid of places by coordinates that screens merge candidates (kg_builder/nearby.py): it
may return a place too many, never one too few."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from kg_builder.namespaces import GEO, KG
from kg_builder.nearby import MARGIN_KM, NearbyPlaces, haversine_km

P = "https://w3id.org/kg-builder/id/place/"


def _random_places(rng: random.Random, n: int, near: tuple[float, float] | None = None):
    out = []
    for i in range(n):
        if near is None:
            lat, lon = rng.uniform(-90, 90), rng.uniform(-180, 180)
        else:
            lat = max(-90.0, min(90.0, near[0] + rng.uniform(-3, 3)))
            lon = (near[1] + rng.uniform(-6, 6) + 180) % 360 - 180
        out.append((f"{P}p{i}", lat, lon))
    return out


@pytest.mark.parametrize("centre", [None, (14.3, 2.1), (0.2, 179.8), (-0.3, -179.9),
                                    (89.7, 10.0), (-89.9, -120.0), (60.0, 0.0)])
def test_near_finds_every_place_within_the_radius(centre):
    rng = random.Random(str(centre))
    index = NearbyPlaces()
    places = _random_places(rng, 1500, centre)
    for iri, lat, lon in places:
        index.add_point(iri, lat, lon)
    for _ in range(20):
        lat, lon = centre or (rng.uniform(-90, 90), rng.uniform(-180, 180))
        lat = max(-90.0, min(90.0, lat + rng.uniform(-1, 1)))
        for radius in (0.0, 10.0, 25.0, 60.0, 300.0):
            want = {iri for iri, a, b in places if haversine_km((lat, lon), (a, b)) <= radius}
            got = index.near(lat, lon, radius)
            assert want <= got, (lat, lon, radius, want - got)
            # and not much more: nothing beyond the margin
            assert all(haversine_km((lat, lon), (a, b)) <= radius + MARGIN_KM
                       for iri, a, b in places if iri in got)


def test_relative_places_are_near_within_their_distance():
    index = NearbyPlaces()
    index.add_point(P + "anchor", 14.0, 2.0)
    index.add_relative(P + "r", P + "anchor", 40.0)   # "40 km from" an anchor at (14, 2)
    here = (14.0, 2.6)                               # ≈ 65 km from the anchor
    assert haversine_km(here, (14.0, 2.0)) == pytest.approx(64.7, abs=0.5)
    assert P + "r" in index.near(*here, 25.0)        # 65 - 40 <= 25
    assert P + "r" not in index.near(*here, 20.0)    # 65 - 40 > 20 + margin


def test_places_come_from_the_store_and_from_new_quads():
    g = ox.NamedNode("https://w3id.org/kg-builder/id/article/a")
    lat, long, rel, dist = (ox.NamedNode(str(x)) for x in (GEO.lat, GEO.long, KG.relativeTo,
                                                          KG.distanceKm))

    def dec(x: float) -> ox.Literal:
        return ox.Literal(str(x), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))

    town, rel_place = ox.NamedNode(P + "town"), ox.NamedNode(P + "20km-from-town")
    quads = [ox.Quad(town, lat, dec(14.0), g), ox.Quad(town, long, dec(2.0), g),
             ox.Quad(rel_place, rel, town, g), ox.Quad(rel_place, dist, dec(20.0), g),
             ox.Quad(ox.NamedNode(P + "bad"), lat, ox.Literal("north"), g)]
    store = ox.Store()
    store.extend(quads)
    loaded, told = NearbyPlaces(), NearbyPlaces()
    loaded.load(store)
    told.add_quads(quads)
    for index in (loaded, told):
        assert index.near(14.0, 2.1, 25.0) == {P + "town", P + "20km-from-town"}
        assert index.near(14.0, 2.35, 25.0) == {P + "20km-from-town"}  # 38 km; 38 - 20 <= 25
        assert index.near(14.0, 3.0, 25.0) == set()
