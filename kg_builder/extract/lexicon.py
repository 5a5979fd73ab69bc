"""Word lists the extractors use, loaded from data files in ``kg_builder/data/``.

Triggers and actor nouns are data so that analysts can read and extend them; the small closed
classes below (reporting verbs, titles, compass words) are English grammar, not domain knowledge.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..resources import data_file


@dataclass(frozen=True)
class Trigger:
    words: tuple[str, ...]
    pos: str
    event_type: str


@dataclass(frozen=True)
class ActorNoun:
    lemma: str
    kind: str
    flag: str


def _rows(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append([c.strip() for c in line.split("\t")])
    return rows


@lru_cache(maxsize=1)
def triggers() -> dict[str, list[Trigger]]:
    """Triggers indexed by their first word's lemma."""
    out: dict[str, list[Trigger]] = {}
    for lemma, pos, etype in _rows(data_file("event_triggers.tsv")):
        words = tuple(lemma.lower().split())
        out.setdefault(words[0], []).append(Trigger(words, pos.upper(), etype))
    for items in out.values():
        items.sort(key=lambda t: -len(t.words))
    return out


@lru_cache(maxsize=1)
def actor_nouns() -> dict[str, ActorNoun]:
    return {
        r[0].lower(): ActorNoun(r[0].lower(), r[1], r[2] if len(r) > 2 else "group")
        for r in _rows(data_file("actor_nouns.tsv"))
    }


#: Verbs that report speech or belief: a fact under them is Reported, according to their subject.
REPORTING = frozenset(
    {
        "say",
        "tell",
        "report",
        "state",
        "announce",
        "believe",
        "confirm",
        "add",
        "suggest",
        "indicate",
        "explain",
        "write",
        "note",
        "insist",
        "quote",
        "tweet",
        "document",
        "estimate",
        "describe",
        "warn",
        "think",
        "fear",
        "suspect",
        "record",
        "count",
        "claim",
        "assert",
        "maintain",
        "testify",
        "recount",
        "witness",
        "show",
        "reveal",
        "find",
        "conclude",
    }
)
#: Verbs and words that mark an allegation.
ALLEGING = frozenset(
    {
        "allege",
        "alleged",
        "allegedly",
        "accuse",
        "purported",
        "purportedly",
        "reportedly",
        "suspected",
    }
)
#: Verbs that deny what is under them.
DENYING = frozenset({"deny", "reject", "dismiss", "refute"})
#: Verbs and modals that make what is under them planned, possible or promised.
HYPOTHETICAL = frozenset(
    {
        "plan",
        "intend",
        "promise",
        "pledge",
        "vow",
        "aim",
        "seek",
        "want",
        "expect",
        "schedule",
        "postpone",
        "propose",
        "prepare",
        "hope",
        "agree",
        "decide",
        "threaten",
        "call",
        "urge",
        "consider",
        "delay",
        "could",
        "would",
        "will",
        "may",
        "might",
        "should",
        "shall",
        "must",
        "intention",
        "bid",
        "prospect",
        "possibility",
    }
)
#: Verbs whose object noun names an event done by their subject ("staged an attack").
LIGHT_VERBS = frozenset(
    {
        "stage",
        "launch",
        "carry",
        "conduct",
        "mount",
        "perpetrate",
        "commit",
        "claim",
        "lead",
        "orchestrate",
        "unleash",
        "wage",
        "organize",
        "organise",
        "hold",
        "plan",
        "begin",
        "start",
        "order",
        "undertake",
        "impose",
        "sign",
        "repel",
        "repulse",
        "foil",
        "thwart",
        "suffer",
        "survive",
    }
)
#: Light verbs whose subject suffered (is the target of) the event rather than did it.
SUFFERING_VERBS = frozenset({"suffer", "survive", "repel", "repulse", "foil", "thwart"})
#: Titles stripped from people's names ("Colonel Assimi Goita" → "Assimi Goita").
TITLES = frozenset(
    {
        "president",
        "colonel",
        "col",
        "col.",
        "general",
        "gen",
        "gen.",
        "lieutenant",
        "lt",
        "lt.",
        "captain",
        "capt",
        "capt.",
        "major",
        "maj",
        "maj.",
        "sergeant",
        "sgt",
        "commander",
        "minister",
        "prime",
        "premier",
        "mr",
        "mr.",
        "mrs",
        "mrs.",
        "ms",
        "ms.",
        "dr",
        "dr.",
        "sheikh",
        "imam",
        "king",
        "queen",
        "prince",
        "emir",
        "chief",
        "leader",
        "interim",
        "transitional",
        "junta",
        "former",
        "late",
        "senator",
        "governor",
        "mayor",
        "ambassador",
        "secretary",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "journalist",
        "reporter",
        "lieutenant-colonel",
        "brigadier",
        "marshal",
        "admiral",
        "defence",
        "defense",
        "foreign",
        "army",
        "military",
        "rebel",
        "militia",
        "colonel-major",
        "vice",
        "deputy",
        "head",
    }
)
#: Nouns naming a leader of the group in their "of" phrase.
LEADER_NOUNS = frozenset(
    {
        "leader",
        "head",
        "chief",
        "commander",
        "president",
        "chairman",
        "founder",
        "emir",
        "boss",
        "ruler",
        "spokesman",
        "premier",
    }
)
#: Nouns naming a military installation: an attack on one targets the force that holds it.
MILITARY_SITES = frozenset(
    {
        "base",
        "camp",
        "barracks",
        "post",
        "outpost",
        "garrison",
        "position",
        "checkpoint",
        "headquarters",
        "airbase",
        "fort",
        "station",  # with "police" or "gendarmerie" before it, as every site here needs
        "brigade",
    }
)
#: Nouns naming people who carried out attacks (their deaths are perpetrators' fatalities).
PERPETRATOR_NOUNS = frozenset(
    {
        "militant",
        "assailant",
        "attacker",
        "terrorist",
        "jihadist",
        "insurgent",
        "gunman",
        "rebel",
        "fighter",
        "bandit",
        "extremist",
        "raider",
    }
)
#: Compass words → bearing in degrees clockwise from north.
BEARINGS: dict[str, float] = {
    "north": 0,
    "northeast": 45,
    "north-east": 45,
    "east": 90,
    "southeast": 135,
    "south-east": 135,
    "south": 180,
    "southwest": 225,
    "south-west": 225,
    "west": 270,
    "northwest": 315,
    "north-west": 315,
    "northern": 0,
    "eastern": 90,
    "southern": 180,
    "western": 270,
    "north-northeast": 22.5,
    "east-northeast": 67.5,
    "east-southeast": 112.5,
    "south-southeast": 157.5,
    "south-southwest": 202.5,
    "west-southwest": 247.5,
    "west-northwest": 292.5,
    "north-northwest": 337.5,
}
#: Pronouns that may refer back to a person or to a group.
PERSON_PRONOUNS = frozenset({"he", "him", "his", "she", "her", "hers"})
GROUP_PRONOUNS = frozenset({"it", "its", "they", "them", "their"})


def lemma_in(tok, words: frozenset[str] | set[str]) -> bool:
    """Whether a token's lemma is in ``words``, forgiving the small model's lemmatiser
    ("staged" → "stag"): the inflected form with -ed/-d/-s/-ing removed also counts."""
    lemma = tok.lemma_.lower()
    if lemma in words:
        return True
    low = tok.lower_
    for suffix in ("ing", "ed", "d", "s"):
        if low.endswith(suffix) and low[: -len(suffix)] in words:
            return True
    return low in words
