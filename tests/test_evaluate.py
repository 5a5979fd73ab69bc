"""Tests for the gold scorer (``kg_builder.evaluate``).

The fixtures in ``tests/fixtures/gold/`` are made up: two gold articles, one plain article that
must be skipped, and ``extracted.trig``, a hand-written store content with deliberate errors
whose expected counts are listed at its top and asserted here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg_builder import evaluate as ev
from kg_builder import iris
from kg_builder.evaluate import (
    ExtractedActor,
    ExtractedArticle,
    ExtractedEvent,
    ExtractedPlace,
    GoldActor,
    GoldArticle,
    GoldError,
    GoldEvent,
    GoldPlace,
    GoldWarning,
)
from kg_builder.model import (
    ACTOR_KINDS,
    EVENT_TYPES,
    Actor,
    Article,
    Event,
    Extraction,
    Place,
    Span,
)
from kg_builder.rdf import extraction_triples
from kg_builder.store import replace_graph

FIXTURES = Path(__file__).parent / "fixtures" / "gold"
TRIG = FIXTURES / "extracted.trig"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
VELMORA = "https://w3id.org/kg-builder/id/article/velmora-raid"
BREL = "https://example.org/kg/article/brel-protest"


def fixture_store() -> ox.Store:
    store = ox.Store()
    store.load(path=str(TRIG), format=ox.RdfFormat.TRIG)
    return store


def load_fixture_gold() -> list[GoldArticle]:
    with pytest.warns(GoldWarning, match="plain-article.json"):
        return ev.load_gold(FIXTURES)


@pytest.fixture(scope="module")
def report() -> ev.Report:
    with pytest.warns(GoldWarning):
        gold = ev.load_gold(FIXTURES)
    return ev.evaluate_articles(gold, fixture_store())


def by_id(report: ev.Report) -> dict[str, ev.ArticleReport]:
    return {a.id: a for a in report.articles}


# ------------------------------------------------------------------------------------------
# Normalisation, geometry, assignment
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [
    ("Hélène Varga", "HELENE varga"),
    ("the Kati base", "Kati-Base"),
    ("Mali's junta", "Mali junta"),
    ("Jama\u2019at Nasr al-Islam", "Jamaat Nasr al Islam"),
    ("Algeria–Mali border", "algeria mali  border"),
    ("The Army", "army"),
    ("Ségou", "Segou"),
])
def test_normalise_name_equates_variants(a: str, b: str) -> None:
    assert ev.normalise_name(a) == ev.normalise_name(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Mali", "Malian army"), ("Niger", "Nigeria"), ("Theodore", "odore"), ("Kesel", "Kessel"),
])
def test_normalise_name_keeps_different_names_apart(a: str, b: str) -> None:
    assert ev.normalise_name(a) != ev.normalise_name(b)


def test_haversine_known_distances() -> None:
    assert ev.haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(111.195, abs=0.01)
    assert ev.haversine_km(10.0, 3.0, 10.0, 3.0) == 0.0
    # Paris - London, about 344 km
    assert ev.haversine_km(48.8566, 2.3522, 51.5074, -0.1278) == pytest.approx(343.5, abs=1.0)


@pytest.mark.parametrize(("local", "snake"), [
    ("ArmedAttack", "armed_attack"), ("Statement", "statement_threat"), ("OtherEvent", "other"),
    ("InternationalOrganization", "international_org"), ("Organization", "other_org"),
    ("StateForce", "state_force"), ("Coup", "coup"),
])
def test_class_to_snake(local: str, snake: str) -> None:
    assert ev.class_to_snake(local) == snake


def _brute_force(weights: list[list[int | None]]) -> tuple[int, int]:
    """Best (number of pairs, total weight) over every one-to-one matching."""
    rows, cols = len(weights), len(weights[0])
    best = (0, 0)
    for k in range(min(rows, cols) + 1):
        for rs in itertools.combinations(range(rows), k):
            for cs in itertools.permutations(range(cols), k):
                ws = [weights[r][c] for r, c in zip(rs, cs, strict=True)]
                if all(w is not None for w in ws):
                    best = max(best, (k, sum(ws)))  # type: ignore[arg-type]
    return best


def test_assign_is_optimal_and_one_to_one() -> None:
    rng = random.Random(5147)
    for _ in range(300):
        rows, cols = rng.randint(1, 4), rng.randint(1, 4)
        weights = [[rng.choice([None, None, rng.randint(0, 9)]) for _ in range(cols)]
                   for _ in range(rows)]
        pairs = ev.assign(weights)
        assert len({r for r, _ in pairs}) == len(pairs) == len({c for _, c in pairs})
        assert all(weights[r][c] is not None for r, c in pairs)
        got = (len(pairs), sum(weights[r][c] for r, c in pairs))  # type: ignore[misc]
        assert got == _brute_force(weights), weights


def test_assign_prefers_more_pairs_to_heavier_pairs() -> None:
    # Greedy would take (0,0) with weight 9 and leave row 1 unmatched.
    assert ev.assign([[9, 1], [5, None]]) == [(0, 1), (1, 0)]
    assert ev.assign([]) == []
    assert ev.assign([[None, None]]) == []


# ------------------------------------------------------------------------------------------
# Loading gold
# ------------------------------------------------------------------------------------------

def test_load_gold_reads_recursively_and_skips_plain_articles() -> None:
    gold = load_fixture_gold()
    assert [g.id for g in gold] == ["brel-protest", "velmora-raid"]
    velmora = gold[1]
    art = velmora.article
    assert isinstance(art, Article)
    assert art.url == "https://example.org/news/velmora-raid"
    assert art.title == "Gunmen attack army post in Velmora"
    assert art.published == dt.date(2023, 3, 10)
    assert art.source == "Example Wire"
    assert art.text.startswith("Gunmen from the Red Dune Brigade attacked")
    assert [a.name for a in velmora.actors][:2] == ["Red Dune Brigade", "Norland Defence Forces"]
    assert velmora.places[1] == GoldPlace("Ostrava Wells", ["40 km north of Velmora"], "NL",
                                          "site", 10.86, 3.2)
    statement = velmora.events[3]
    assert statement.type == "statement_threat"
    assert statement.place is None
    assert (statement.earliest, statement.latest) == (None, dt.date(2023, 3, 10))
    assert velmora.events[0].fatalities == 4


def test_load_gold_collects_warnings_when_asked() -> None:
    seen: list[str] = []
    gold = ev.load_gold(FIXTURES, warn=seen.append)
    assert len(gold) == 2
    assert len(seen) == 1 and "plain-article.json" in seen[0] and "skipped" in seen[0]


def test_load_gold_accepts_a_single_file() -> None:
    gold = ev.load_gold(FIXTURES / "brel-protest.json")
    assert [g.id for g in gold] == ["brel-protest"]


def test_load_gold_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match="no such file"):
        ev.load_gold(tmp_path / "missing")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(GoldError, match=r"bad\.json: not valid JSON"):
        ev.load_gold(tmp_path)
    bad.write_text(json.dumps({"id": "x", "text": "t", "gold": {"events": [
        {"type": "coup", "date_earliest": "2020-13-45"}]}}), encoding="utf-8")
    with pytest.raises(GoldError, match=r"bad\.json: event 1: '2020-13-45' is not an ISO date"):
        ev.load_gold(tmp_path)
    bad.write_text(json.dumps({"id": "x", "text": "t", "gold": {"actors": [{"kind": "person"}]}}),
                   encoding="utf-8")
    with pytest.raises(GoldError, match=r"bad\.json: malformed gold annotation"):
        ev.load_gold(tmp_path)


def test_load_gold_rejects_duplicate_ids(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "brel-protest.json", tmp_path / "a.json")
    shutil.copy(FIXTURES / "brel-protest.json", tmp_path / "b.json")
    with pytest.raises(GoldError, match=r"b\.json: article id 'brel-protest' already used"):
        ev.load_gold(tmp_path)


# ------------------------------------------------------------------------------------------
# Reading the store
# ------------------------------------------------------------------------------------------

def test_extracted_from_store_reads_the_graph_model() -> None:
    ex = ev.extracted_from_store(fixture_store(), VELMORA)
    assert ex.found
    actors = {a.label: a for a in ex.actors}
    assert set(actors) == {"Red Dune Brigade", "Norland army", "helene VARGA", "The Army",
                           "Kessel", "Friday"}
    assert actors["Red Dune Brigade"].aliases == ["the brigade"]
    assert actors["Red Dune Brigade"].kind == "armed_group"
    assert actors["Kessel"].kind == "other_org"
    places = {p.label: p for p in ex.places}
    rel = places["40 km north of Velmora"]
    assert rel.relative_to == "Velmora"
    assert (rel.lat, rel.lon) == (pytest.approx(10.859725), pytest.approx(3.2))
    assert places["Velmora"].relative_to is None
    events = {e.iri.rsplit("/", 1)[-1]: e for e in ex.events}
    assert [e.iri.rsplit("/", 1)[-1] for e in ex.events] == [
        "0a-clash", "1a-attack", "2a-abduction", "3a-coup", "4a-statement"]
    attack = events["1a-attack"]
    assert attack.type == "armed_attack"
    assert (attack.earliest, attack.latest) == (dt.date(2023, 3, 10), dt.date(2023, 3, 10))
    assert attack.place is not None and attack.place.label == "Velmora"
    assert [a.label for a in attack.agents] == ["Red Dune Brigade"]
    assert [a.label for a in attack.targets] == ["Norland army"]
    assert attack.fatalities == 4 and attack.injured is None
    assert attack.certainty == "reported"
    assert attack.evidence is not None and attack.evidence.endswith("officials said.")
    statement = events["4a-statement"]
    assert statement.type == "statement_threat"
    assert statement.places == [] and statement.place is None
    assert events["3a-coup"].fatalities == 0


def test_extracted_from_store_missing_graph() -> None:
    ex = ev.extracted_from_store(fixture_store(), "https://w3id.org/kg-builder/id/article/none")
    assert not ex.found
    assert ex.actors == ex.places == ex.events == []


def test_article_graphs_found_by_identifier() -> None:
    assert ev.article_graphs_by_id(fixture_store()) == {"velmora-raid": VELMORA,
                                                        "brel-protest": BREL}


# ------------------------------------------------------------------------------------------
# Scores on the fixtures (numbers listed in extracted.trig)
# ------------------------------------------------------------------------------------------

def test_velmora_counts(report: ev.Report) -> None:
    s = by_id(report)["velmora-raid"].scores
    assert (s.actors.tp, s.actors.fp, s.actors.fn) == (3, 3, 2)
    assert s.actors.precision == 0.5
    assert s.actors.recall == 0.6
    assert s.actors.f1 == pytest.approx(6 / 11)
    assert (s.places.tp, s.places.fp, s.places.fn) == (3, 1, 1)
    assert (s.events.tp, s.events.fp, s.events.fn) == (3, 2, 1)
    assert s.events.precision == 0.6 and s.events.recall == 0.75
    assert s.events.f1 == pytest.approx(2 / 3)
    assert (s.event_type.correct, s.event_type.total) == (3, 3)
    assert (s.agents.correct, s.agents.total) == (3, 3)
    assert (s.targets.correct, s.targets.total) == (1, 2)
    assert (s.fatalities.correct, s.fatalities.total) == (1, 2)   # 4=4; null vs 0 is wrong
    assert (s.injured.correct, s.injured.total) == (0, 0)
    assert s.injured.value is None
    assert (s.certainty.correct, s.certainty.total) == (2, 3)
    assert (s.actor_kind.correct, s.actor_kind.total) == (3, 3)


def test_brel_is_perfect_despite_accents_case_and_another_base(report: ev.Report) -> None:
    a = by_id(report)["brel-protest"]
    assert a.graph == BREL
    s = a.scores
    for c in (s.actors, s.places, s.events):
        assert (c.precision, c.recall, c.f1) == (1.0, 1.0, 1.0)
    assert {m["gold"]: m["extracted"] for m in a.actors_matched}["Union des Étudiants"] == \
        "UNION DES ETUDIANTS"
    assert a.places_matched[0]["extracted"] == "Saint Brel"


def test_overall_is_micro_averaged(report: ev.Report) -> None:
    o = report.overall
    assert (o.actors.tp, o.actors.fp, o.actors.fn) == (7, 3, 2)
    assert o.actors.precision == 0.7
    assert o.actors.recall == pytest.approx(7 / 9)
    assert o.actors.f1 == pytest.approx(14 / 19)
    assert (o.places.precision, o.places.recall, o.places.f1) == (0.8, 0.8, 0.8)
    assert (o.events.tp, o.events.fp, o.events.fn) == (5, 2, 1)
    assert o.events.f1 == pytest.approx(10 / 13)
    assert o.targets.value == pytest.approx(2 / 3)
    assert o.certainty.value == 0.8
    assert o.fatalities.value == 0.5


def test_event_matching_is_one_to_one_and_prefers_same_type(report: ev.Report) -> None:
    a = by_id(report)["velmora-raid"]
    pairs = {m["gold"]["type"]: m["extracted"]["iri"].rsplit("/", 1)[-1]
             for m in a.events_matched}
    # Both extracted events on the attack sentence qualify; the one of the gold's type wins,
    # and the gold statement (no place) takes the statement, not the spare clash.
    assert pairs == {"armed_attack": "1a-attack", "coup": "3a-coup",
                     "statement_threat": "4a-statement"}
    assert [e["type"] for e in a.events_spurious] == ["armed_clash", "abduction"]
    # Two extracted actors carry names of the army; only one is matched.
    army = [m for m in a.actors_matched if m["gold"] == "Norland Defence Forces"]
    assert len(army) == 1
    assert "The Army" in {x["label"] for x in a.actors_spurious}


def test_coordinates_within_25_km_match_event_place_but_not_place_list(
        report: ev.Report) -> None:
    a = by_id(report)["velmora-raid"]
    coup = next(m for m in a.events_matched if m["gold"]["type"] == "coup")
    assert coup["extracted"]["place"] == "Kesel"
    assert [p["name"] for p in a.places_missed] == ["Kessel"]
    assert [p["label"] for p in a.places_spurious] == ["Kesel"]


def test_wrong_week_does_not_match(report: ev.Report) -> None:
    a = by_id(report)["velmora-raid"]
    assert [(e["type"], e["date"]) for e in a.events_missed] == [
        ("abduction", "2023-02-27..2023-03-05")]


# ------------------------------------------------------------------------------------------
# Rules on hand-built objects
# ------------------------------------------------------------------------------------------

def _gold(events: list[GoldEvent], places: list[GoldPlace] | None = None,
          actors: list[GoldActor] | None = None) -> GoldArticle:
    return GoldArticle(article=Article(id="t", text="..."), actors=actors or [],
                       places=places or [], events=events)


def _place(label: str, lat: float | None = None, lon: float | None = None) -> ExtractedPlace:
    return ExtractedPlace(iri=f"urn:p:{label}", label=label, lat=lat, lon=lon)


def _event(type_: str = "armed_attack", place: ExtractedPlace | None = None,
           earliest: dt.date | None = dt.date(2022, 7, 22),
           latest: dt.date | None = dt.date(2022, 7, 22), **kw: object) -> ExtractedEvent:
    return ExtractedEvent(iri=f"urn:e:{type_}:{id(kw)}", type=type_, earliest=earliest,
                          latest=latest, places=[place] if place else [], **kw)  # type: ignore


def _events_tp(gold: GoldArticle, events: list[ExtractedEvent]) -> int:
    return ev.evaluate_article(gold, ExtractedArticle(iri="urn:a", events=events)).scores.events.tp


@pytest.mark.parametrize(("dlat", "matches"), [(0.0, True), (0.2, True), (0.22, True),
                                               (0.23, False), (0.25, False), (1.0, False)])
def test_event_place_25_km_rule(dlat: float, matches: bool) -> None:
    # 0.22 degrees of latitude is 24.5 km, 0.23 is 25.6 km.
    gold = _gold([GoldEvent("armed_attack", dt.date(2022, 7, 22), dt.date(2022, 7, 22), "Ardon")],
                 [GoldPlace("Ardon", lat=12.0, lon=-8.0)])
    assert _events_tp(gold, [_event(place=_place("Elsewhere", 12.0 + dlat, -8.0))]) == matches


def test_event_place_by_alias_without_coordinates() -> None:
    gold = _gold([GoldEvent("killing", None, None, "Ardon")],
                 [GoldPlace("Ardon", aliases=["the Ardon checkpoint"])])
    assert _events_tp(gold, [_event("killing", _place("Ardon Checkpoint"))]) == 1
    assert _events_tp(gold, [_event("killing", _place("Bardon"))]) == 0
    assert _events_tp(gold, [_event("killing", None)]) == 0


@pytest.mark.parametrize(("earliest", "latest", "matches"), [
    (dt.date(2022, 7, 17), dt.date(2022, 7, 17), True),    # last day of the gold week
    (dt.date(2022, 7, 18), dt.date(2022, 7, 24), False),   # the week after
    (dt.date(2022, 7, 10), dt.date(2022, 7, 10), False),   # the day before
    (dt.date(2022, 1, 1), dt.date(2022, 12, 31), True),    # the whole year contains it
    (None, dt.date(2022, 7, 11), True),                    # open start
    (dt.date(2022, 7, 18), None, False),                   # open end, starts after
    (None, None, True),                                    # no dates: unbounded
])
def test_date_overlap_rule(earliest: dt.date | None, latest: dt.date | None,
                           matches: bool) -> None:
    gold = _gold([GoldEvent("killing", dt.date(2022, 7, 11), dt.date(2022, 7, 17), "Ardon")],
                 [GoldPlace("Ardon")])
    got = _events_tp(gold, [_event("killing", _place("Ardon"), earliest, latest)])
    assert got == matches


def test_gold_null_dates_and_null_place_match_anything() -> None:
    gold = _gold([GoldEvent("election")])
    assert _events_tp(gold, [_event("election", _place("Anywhere"), dt.date(1999, 1, 1),
                                    dt.date(1999, 1, 1))]) == 1
    assert _events_tp(gold, [_event("election", None)]) == 1


def test_null_place_event_still_needs_date_overlap() -> None:
    gold = _gold([GoldEvent("statement_threat", dt.date(2023, 6, 30), dt.date(2023, 6, 30))])
    assert _events_tp(gold, [_event("statement_threat", None, dt.date(2023, 7, 1),
                                    dt.date(2023, 7, 1))]) == 0


def test_type_mismatch_still_matches_but_costs_type_accuracy() -> None:
    gold = _gold([GoldEvent("killing", None, None, "Ardon")], [GoldPlace("Ardon")])
    rep = ev.evaluate_article(gold, ExtractedArticle(
        iri="urn:a", events=[_event("armed_attack", _place("Ardon"))]))
    assert rep.scores.events.tp == 1
    assert (rep.scores.event_type.correct, rep.scores.event_type.total) == (0, 1)
    assert "type armed_attack (gold killing)" in ev.format_details(ev.Report(articles=[rep]))


def test_evidence_decides_between_events_of_the_same_type() -> None:
    gold = _gold([GoldEvent("armed_attack", None, None, "Ardon",
                            evidence="militants attacked the Ardon garrison at dawn")],
                 [GoldPlace("Ardon")])
    wrong = _event(place=_place("Ardon"), evidence="Ardon was quiet for years, residents said.")
    right = _event(place=_place("Ardon"),
                   evidence="On Friday militants attacked the Ardon garrison at dawn.")
    wrong.iri, right.iri = "urn:e:1", "urn:e:2"
    rep = ev.evaluate_article(gold, ExtractedArticle(iri="urn:a", events=[wrong, right]))
    assert rep.events_matched[0]["extracted"]["iri"] == "urn:e:2"


def test_participants_use_gold_aliases_and_count_once() -> None:
    army = GoldActor("Norland Defence Forces", ["the army"], "state_force")
    gold = _gold([GoldEvent("armed_clash", None, None, "Ardon", agents=["the army"],
                            targets=["Red Dune Brigade", "Norland Defence Forces"])],
                 [GoldPlace("Ardon")], [army, GoldActor("Red Dune Brigade")])
    soldiers = ExtractedActor("urn:x:army", "Norland Defence Forces")
    rep = ev.evaluate_article(gold, ExtractedArticle(iri="urn:a", events=[
        _event("armed_clash", _place("Ardon"), agents=[soldiers], targets=[soldiers])]))
    s = rep.scores
    assert (s.agents.correct, s.agents.total) == (1, 1)
    assert (s.targets.correct, s.targets.total) == (1, 2)
    assert rep.events_matched[0]["targets_missed"] == ["Red Dune Brigade"]


def test_counts_accuracy_skips_events_where_both_are_null() -> None:
    gold = _gold([GoldEvent("killing", None, None, "A", fatalities=6, certainty="asserted"),
                  GoldEvent("protest", None, None, "B", certainty="reported"),
                  GoldEvent("arrest", None, None, "C", injured=2)],
                 [GoldPlace("A"), GoldPlace("B"), GoldPlace("C")])
    rep = ev.evaluate_article(gold, ExtractedArticle(iri="urn:a", events=[
        _event("killing", _place("A"), fatalities=6, certainty="asserted"),
        _event("protest", _place("B"), certainty="alleged"),
        _event("arrest", _place("C"), certainty="asserted")]))
    s = rep.scores
    assert (s.fatalities.correct, s.fatalities.total) == (1, 1)
    assert (s.injured.correct, s.injured.total) == (0, 1)
    # the arrest has no gold certainty but an extracted one: compared, and wrong
    assert (s.certainty.correct, s.certainty.total) == (1, 3)


def test_nothing_extracted_gives_undefined_precision_and_zero_recall() -> None:
    gold = _gold([GoldEvent("coup")], actors=[GoldActor("Junta")])
    rep = ev.evaluate_article(gold, ExtractedArticle(iri="urn:a", found=False))
    c = rep.scores.actors
    assert (c.tp, c.fp, c.fn) == (0, 0, 1)
    assert (c.precision, c.recall, c.f1) == (None, 0.0, 0.0)
    assert ev.Counts().f1 is None
    row = next(line for line in ev.format_report(ev.Report(articles=[rep])).splitlines()
               if line.startswith("t "))
    assert row.split()[1:4] == ["-", "0.00", "0.00"]


def test_actor_matching_prefers_canonical_names() -> None:
    gold = _gold([], actors=[GoldActor("Malian army", ["the army", "soldiers"], "state_force"),
                             GoldActor("soldiers", [], "state_force")])
    ex = ExtractedArticle(iri="urn:a", actors=[
        ExtractedActor("urn:1", "Soldiers", ["the army"], "state_force"),
        ExtractedActor("urn:2", "The Army", [], "state_force")])
    rep = ev.evaluate_article(gold, ex)
    assert rep.scores.actors.tp == 2
    assert {m["gold"]: m["extracted"] for m in rep.actors_matched} == {
        "Malian army": "The Army", "soldiers": "Soldiers"}


# ------------------------------------------------------------------------------------------
# Output formats and evaluate_dir
# ------------------------------------------------------------------------------------------

def test_table_format(report: ev.Report) -> None:
    text = ev.format_report(report, "table")
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["article", "act", "P", "act"]
    rows = {line.split()[0]: line.split()[1:] for line in lines if line[:1].isalpha()}
    assert rows["velmora-raid"] == ["0.50", "0.60", "0.55", "0.75", "0.75", "0.75", "0.60",
                                    "0.75", "0.67", "1.00", "1.00", "0.50", "0.50", "0.67"]
    assert rows["overall"] == ["0.70", "0.78", "0.74", "0.80", "0.80", "0.80", "0.71", "0.83",
                               "0.77", "1.00", "1.00", "0.67", "0.50", "0.80"]
    assert "counts: actors 7/3/2, places 4/1/1, events 5/2/1 (TP/FP/FN)" in text
    assert "a gold event with no place matches any extracted place" in text


def test_json_format(report: ev.Report) -> None:
    data = json.loads(ev.format_report(report, "json"))
    assert set(data) == {"overall", "articles", "notes", "warnings"}
    assert data["overall"]["events"] == {"tp": 5, "fp": 2, "fn": 1,
                                         "precision": pytest.approx(5 / 7),
                                         "recall": pytest.approx(5 / 6),
                                         "f1": pytest.approx(10 / 13)}
    assert data["overall"]["injured"] == {"correct": 0, "total": 0, "value": None}
    velmora = next(a for a in data["articles"] if a["id"] == "velmora-raid")
    assert velmora["graph"] == VELMORA
    assert [a["name"] for a in velmora["actors"]["missed"]] == ["traders", "Norland government"]
    assert sorted(a["label"] for a in velmora["actors"]["spurious"]) == ["Friday", "Kessel",
                                                                         "The Army"]
    assert velmora["events"]["missed"][0]["place"] == "Ostrava Wells"
    assert [e["type"] for e in velmora["events"]["spurious"]] == ["armed_clash", "abduction"]
    coup = next(m for m in velmora["events"]["matched"] if m["gold"]["type"] == "coup")
    assert coup["targets_missed"] == ["Norland government"]
    assert coup["fatalities_ok"] is False and coup["certainty_ok"] is True
    with pytest.raises(ValueError, match="unknown report format"):
        ev.format_report(report, "csv")


def test_details_text(report: ev.Report) -> None:
    text = ev.format_details(report)
    assert "== brel-protest" in text and "no misses" in text
    velmora = text.split("== velmora-raid", 1)[1]
    assert "missed actors:\n    - traders (civilians)\n    - Norland government (government)" \
        in velmora
    assert "- abduction 2023-02-27..2023-03-05 at Ostrava Wells by the brigade" in velmora
    assert "targets missed: Norland government; fatalities 0 (gold not given)" in velmora
    assert "certainty reported (gold asserted)" in velmora


def test_evaluate_dir_passes_articles_to_build_and_reports_skips() -> None:
    seen: list[Article] = []

    def build(articles: list[Article]) -> ox.Store:
        seen.extend(articles)
        return fixture_store()

    rep = ev.evaluate_dir(FIXTURES, build)
    assert [a.id for a in seen] == ["brel-protest", "velmora-raid"]
    assert seen[0].text.endswith("Police arrested 30 protesters.")
    assert rep.overall.events.tp == 5
    assert len(rep.warnings) == 1 and "plain-article.json" in rep.warnings[0]


def test_evaluate_dir_warns_about_articles_missing_from_the_store() -> None:
    rep = ev.evaluate_dir(FIXTURES, lambda articles: ox.Store())
    assert rep.overall.events.tp == 0 and rep.overall.events.fn == 6
    assert any("velmora-raid: no graph" in w for w in rep.warnings)
    assert "warning: velmora-raid: no graph" in ev.format_report(rep)


def test_evaluate_dir_without_gold(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "notes" / "plain-article.json", tmp_path)
    with pytest.raises(GoldError, match="no JSON file with 'gold' annotations"):
        ev.evaluate_dir(tmp_path, lambda articles: ox.Store())


# ------------------------------------------------------------------------------------------
# The gold itself, written by the project's own RDF mapping, scores perfectly
# ------------------------------------------------------------------------------------------

_KIND_CLASS = {ev.class_to_snake(k): k for k in ACTOR_KINDS}
_TYPE_CLASS = {ev.class_to_snake(t): t for t in EVENT_TYPES}


def gold_as_extraction(gold: GoldArticle) -> Extraction:
    """An extraction that says exactly what the gold says (an oracle extractor)."""
    text = gold.article.text
    ex = Extraction(article=gold.article)
    actor_key: dict[str, str] = {}
    for a in gold.actors:
        ex.actors[a.name] = Actor(key=a.name, name=a.name, kind=_KIND_CLASS[a.kind or "other_org"],
                                  aliases=set(a.aliases), wikidata=a.wikidata, country=a.country)
        for n in a.names:
            actor_key.setdefault(n, a.name)
    place_key: dict[str, str] = {}
    for p in gold.places:
        ex.places[p.name] = Place(key=p.name, name=p.name, aliases=set(p.aliases),
                                  lat=p.lat, lon=p.lon, country_code=p.country)
        for n in p.names:
            place_key.setdefault(n, p.name)
    for n, g in enumerate(gold.events):
        start = text.find(g.evidence) if g.evidence else -1
        sentence = (Span(start, start + len(g.evidence), g.evidence) if start >= 0 and g.evidence
                    else Span(0, 1, text[:1]))
        trigger = Span(sentence.start + n % max(1, sentence.end - sentence.start),
                       sentence.start + n % max(1, sentence.end - sentence.start) + 1, "x")

        def keys(names: list[str]) -> list[str]:
            return [actor_key[ev.normalise_name(x)] for x in names
                    if ev.normalise_name(x) in actor_key]

        ex.events.append(Event(
            key=f"e{n}", type=_TYPE_CLASS[g.type], trigger=trigger, sentence=sentence,
            label=g.type, agents=keys(g.agents), targets=keys(g.targets),
            place=place_key.get(ev.normalise_name(g.place)) if g.place else None,
            earliest=g.earliest, latest=g.latest, fatalities=g.fatalities, injured=g.injured,
            certainty=(g.certainty or "asserted").capitalize()))
    return ex


def oracle_store(gold: list[GoldArticle]) -> ox.Store:
    store = ox.Store()
    for g in gold:
        graph, triples = extraction_triples(gold_as_extraction(g))
        replace_graph(store, graph, triples)
    return store


def assert_perfect(report: ev.Report) -> None:
    for a in report.articles:
        s = a.scores
        for name in ("actors", "places", "events"):
            c = getattr(s, name)
            assert c.fp == 0 and c.fn == 0, (a.id, name, ev.format_details(report))
        for name in ("event_type", "agents", "targets", "fatalities", "injured", "certainty",
                     "actor_kind"):
            r = getattr(s, name)
            assert r.correct == r.total, (a.id, name, ev.format_details(report))


def test_gold_written_by_the_rdf_mapping_scores_perfectly() -> None:
    gold = {g.id: g for g in ev.load_gold(FIXTURES, warn=lambda message: None)}

    def build(articles: list[Article]) -> ox.Store:
        return oracle_store([gold[a.id] for a in articles])

    rep = ev.evaluate_dir(FIXTURES, build)
    assert_perfect(rep)
    assert rep.articles[1].graph == iris.article_iri(iris.DEFAULT_BASE, "velmora-raid")
    assert rep.overall.events.tp == 6


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_gold_loads_and_scores_perfectly_against_itself() -> None:
    seen: list[str] = []
    gold = ev.load_gold(CORPUS, warn=seen.append)
    assert len(gold) >= 7 and not seen
    for g in gold:
        for e in g.events:
            assert e.evidence is None or e.evidence in g.article.text
    rep = ev.evaluate_articles(gold, oracle_store(gold))
    assert_perfect(rep)
    rep = ev.evaluate_articles(gold, ox.Store())
    assert rep.overall.events.recall == 0.0 and rep.overall.events.precision is None
