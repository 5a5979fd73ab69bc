"""The grid of places by coordinates that screens merge candidates (kg_builder/nearby.py): it
may return a place too many, never one too few."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from kg_builder.namespaces import GEO, KG, SEM
from kg_builder.nearby import MARGIN_KM, EventCounts, NearbyPlaces, haversine_km

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


def test_event_counts_come_from_the_store_and_from_new_quads():
    """Claims per place, per actor (as agent or target) and per day of each bound: counted
    alike from a store and from the quads of the articles as they are told."""
    rng = random.Random(3)
    date = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
    preds = {k: ox.NamedNode(str(v)) for k, v in (
        ("place", SEM.hasPlace), ("agent", KG.agent), ("target", KG.target),
        ("earliest", SEM.hasEarliestBeginTimeStamp), ("latest", SEM.hasLatestEndTimeStamp))}
    articles = []
    for a in range(30):
        g = ox.NamedNode(f"https://w3id.org/kg-builder/id/article/a{a}")
        quads = []
        for k in range(rng.randint(1, 4)):
            e = ox.NamedNode(f"https://w3id.org/kg-builder/id/event/a{a}-{k}")
            day = f"2022-07-{rng.randint(20, 24)}"
            quads += [ox.Quad(e, preds["place"], ox.NamedNode(f"{P}p{rng.randint(0, 5)}"), g),
                      ox.Quad(e, preds["earliest"], ox.Literal(day, datatype=date), g),
                      ox.Quad(e, preds["latest"], ox.Literal(day, datatype=date), g)]
            quads += [ox.Quad(e, preds[role], ox.NamedNode(f"{P}x{rng.randint(0, 3)}"), g)
                      for role in ("agent", "target") if rng.random() < 0.5]
        articles.append(quads)
    store = ox.Store()
    told = EventCounts()
    for quads in articles:
        store.extend(quads)
        told.add_quads(quads)
    loaded = EventCounts()
    loaded.load(store)
    everything = [q for quads in articles for q in quads]
    for counts in (loaded, told):
        for key, of in (("place", counts.places), ("earliest", counts.earliest),
                        ("latest", counts.latest)):
            want: dict[str, int] = {}
            for q in everything:
                if q.predicate == preds[key]:
                    want[q.object.value] = want.get(q.object.value, 0) + 1
            assert of == want
        assert counts.near([f"{P}p0", f"{P}p1"], [f"{P}x2"]) == sum(
            1 for q in everything
            if (q.predicate == preds["place"] and q.object.value in (f"{P}p0", f"{P}p1"))
            or (q.predicate in (preds["agent"], preds["target"])
                and q.object.value == f"{P}x2"))
        assert counts.dated(["2022-07-20"], ["2022-07-21", "2022-07-22"]) == sum(
            1 for q in everything
            if (q.predicate == preds["earliest"] and q.object.value == "2022-07-20")
            or (q.predicate == preds["latest"] and q.object.value in ("2022-07-21",
                                                                       "2022-07-22")))


def test_relative_places_anywhere_are_found_as_by_every_anchor():
    """Relative places whose anchors lie all over the map (and some anchors with no point):
    near() finds exactly those a look at every anchor finds, though it only looks at the
    anchors within reach of the farthest relative place."""
    rng = random.Random(17)
    index = NearbyPlaces()
    anchors = _random_places(rng, 400)
    for iri, lat, lon in anchors[:350]:          # the last 50 anchors have no point
        index.add_point(iri, lat, lon)
    relative = []
    for k in range(600):
        anchor = rng.choice(anchors)[0]
        km = rng.choice([5.0, 20.0, 40.0, 150.0])
        relative.append((f"{P}r{k}", anchor, km))
        index.add_relative(f"{P}r{k}", anchor, km)
    points = {iri: (lat, lon) for iri, lat, lon in anchors[:350]}

    def check() -> None:
        for _ in range(60):
            here = (rng.uniform(-90, 90), rng.uniform(-180, 180))
            if rng.random() < 0.5:  # next to an anchor
                a = points[rng.choice(anchors[:350])[0]]
                here = (max(-90.0, min(90.0, a[0] + rng.uniform(-1, 1))), a[1])
            for radius in (10.0, 25.0, 60.0):
                want = {iri for iri, anchor, km in relative if anchor in points
                        and haversine_km(here, points[anchor]) - radius - MARGIN_KM <= km}
                got = index.near(*here, radius) - {iri for iri, _, _ in anchors}
                assert got == want, (here, radius)

    check()
    # one place "20,000 km from" an anchor: the reach spans more places than there are
    # anchors, and every anchor is looked at
    relative.append((f"{P}far", anchors[0][0], 20000.0))
    index.add_relative(f"{P}far", anchors[0][0], 20000.0)
    check()
