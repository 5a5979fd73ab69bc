"""The plain-Python extraction result.

These dataclasses are what the NLP layer hands to the RDF layer. They know nothing of RDF
(no rdflib import here) so that extraction can be tested, pickled between worker processes and
scored without building a graph. Offsets are Python string indices (code points) into
``Article.text``, which is exactly what RFC 5147 ``char=`` fragments count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Actor kinds: local names of ``kg:`` classes that are subclasses of ``sem:Actor``.
ACTOR_KINDS = (
    "Person", "ArmedGroup", "StateForce", "Government", "Mercenary",
    "InternationalOrganization", "PoliticalParty", "Civilians", "Organization",
)
#: Event types: local names of ``kg:`` classes that are subclasses of ``sem:Event``.
EVENT_TYPES = (
    "ArmedAttack", "ArmedClash", "Bombing", "Killing", "Abduction", "Coup", "Mutiny", "Protest",
    "Election", "Agreement", "Deployment", "Withdrawal", "Arrest", "Sanction", "Statement",
    "OtherEvent",
)
#: Certainty values: local names of ``kg:`` individuals of class ``kg:Certainty``.
CERTAINTIES = ("Asserted", "Reported", "Alleged", "Denied", "Hypothetical")
#: Relations between actors: local names of ``kg:`` object properties.
RELATIONS = ("leaderOf", "memberOf", "affiliatedWith", "alliedWith")


@dataclass(frozen=True, order=True)
class Span:
    """A stretch of article text: ``text == article.text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass
class Article:
    """One input article, as read from a file or stream.

    ``origin`` names where it came from (``file`` or ``file:line``) for error messages.
    """

    id: str
    text: str
    url: str | None = None
    title: str | None = None
    published: dt.date | None = None
    published_datetime: dt.datetime | None = None
    source: str | None = None
    origin: str = "<input>"


@dataclass
class Actor:
    """An actor within one article: canonical name, kind, aliases and every mention."""

    key: str
    name: str
    kind: str
    aliases: set[str] = field(default_factory=set)
    mentions: list[Span] = field(default_factory=list)
    wikidata: str | None = None
    country: str | None = None


@dataclass
class Place:
    """A place within one article, resolved to the gazetteer when possible.

    A relative location ("70 km east of Bamako") has ``anchor`` (the key of the anchor place),
    ``distance_km`` and ``bearing`` (compass degrees, 0 = north) and approximate coordinates.
    """

    key: str
    name: str
    mentions: list[Span] = field(default_factory=list)
    aliases: set[str] = field(default_factory=set)
    geonames_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    country_code: str | None = None
    feature: str | None = None
    anchor: str | None = None
    distance_km: float | None = None
    bearing: float | None = None


@dataclass
class Event:
    """An event within one article, with the sentence it is reported in.

    Dates are bounds: ``earliest``..``latest``; ``exact`` means both are the same known day.
    ``fatalities`` and ``injured`` follow ACLED's conventions (None = not stated).
    ``perpetrator_fatalities`` counts attackers killed where the text says so.
    """

    key: str
    type: str
    trigger: Span
    sentence: Span
    label: str
    agents: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    place: str | None = None
    earliest: dt.date | None = None
    latest: dt.date | None = None
    fatalities: int | None = None
    injured: int | None = None
    perpetrator_fatalities: int | None = None
    certainty: str = "Asserted"
    according_to: str | None = None
    mentions: list[Span] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.earliest is not None and self.earliest == self.latest


@dataclass
class Relation:
    """A relation between two actors of the same article (``subject predicate object``)."""

    subject: str
    predicate: str
    object: str
    mentions: list[Span] = field(default_factory=list)


@dataclass
class Extraction:
    """Everything extracted from one article. Keys in events/relations refer to actors/places."""

    article: Article
    actors: dict[str, Actor] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
