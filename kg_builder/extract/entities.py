"""Actors and places: named entities and salient unnamed actors, resolved against gazetteers.

Input is a parsed spaCy ``Doc`` whose entities already went through the gazetteer entity ruler;
output is an :class:`EntityIndex`: the article's actors and places (model dataclasses) plus a map
from token index to actor/place key, which the event and relation extractors use to read roles
off the dependency tree.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from spacy.attrs import ORTH
from spacy.strings import hash_string
from spacy.tokens import Doc, Span, Token

from ..gazetteer import ActorGazetteer, PlaceGazetteer
from ..iris import slug
from ..model import Actor, Place
from ..model import Span as TextSpan
from . import lexicon
from .numbers import parse_number

_ACTOR_LABELS = {"PERSON", "ORG", "NORP"}
_PLACE_LABELS = {"GPE", "LOC", "FAC"}
_DET_LIKE = {"det", "poss", "nummod", "predet", "quantmod", "case", "punct", "cc", "prep"}
_ARMED_MODIFIERS = {
    "armed",
    "unidentified",
    "unknown",
    "masked",
    "suspected",
    "heavily",
    "gun",
    "jihadist",
    "islamist",
    "terrorist",
    "militant",
    "rebel",
}
#: Time zones and units the small model takes for organisations.
_NOT_ACTORS = {
    "GMT",
    "UTC",
    "CET",
    "CEST",
    "EST",
    "EDT",
    "PST",
    "PDT",
    "BST",
    "WAT",
    "EAT",
    "CAT",
    "AM",
    "PM",
    "KM",
    "MPH",
}
#: Words of quantity that are no part of a group's name ("several government officials").
_QUANTIFIERS = {"several", "many", "some", "few", "numerous", "various", "dozens", "hundreds",
                "thousands", "scores", "other", "more", "most", "all", "both", "at", "least"}
#: Prepositions that introduce a location ("in Moura", "near the border").
_LOCATIVE = {
    "in",
    "at",
    "near",
    "outside",
    "inside",
    "around",
    "across",
    "from",
    "to",
    "into",
    "towards",
    "toward",
    "between",
    "through",
    "throughout",
    "within",
    "along",
    "on",
}
#: Nouns of a settlement or an area whose "of" names a place: "the village of Karma".
_SETTLEMENT_NOUNS = {"village", "town", "city", "commune", "locality", "hamlet", "district",
                     "municipality", "region", "province", "department", "prefecture", "county",
                     "area", "camp", "neighbourhood", "neighborhood", "suburb", "outskirts"}
_HEDGES = (
    "about",
    "around",
    "some",
    "nearly",
    "almost",
    "roughly",
    "approximately",
    "just",
    "only",
    "barely",
    "more than",
    "over",
    "less than",
    "under",
)
_VAGUE_DISTANCE = {"several", "some", "a few", "few", "many", "hundreds", "dozens"}
_DIST_RE = re.compile(
    r"(?P<dist>(?:about|around|some|nearly|almost|roughly|approximately|more than|over|"
    r"less than|under|just|only|barely)?\s*(?:\d[\d,.]*|[a-z]+(?:[ -][a-z]+)?)\s*"
    r"(?:km|kilometres|kilometers|kms|miles|mi)\b\.?)"
    r"(?:\s*\([^)]{0,40}\))?\s*"
    r"(?P<bearing>(?:north|south|east|west)(?:[- ]?(?:north|south|east|west))?(?:ern)?\s+)?"
    r"(?:of|from|outside|away from)\s+(?:the\s+)?(?:\w+'s\s+)?"
    r"(?:capital\s+|city\s+of\s+|town\s+of\s+)?$",
    re.IGNORECASE,
)
#: ``ORTH`` values (string hashes, the same in every vocabulary) of "(" and ")".
_ORTH_OPEN, _ORTH_CLOSE = hash_string("("), hash_string(")")
_UNIT_RE = re.compile(r"(km|kilometres|kilometers|kms|miles|mi)\b", re.IGNORECASE)


def state_actor(gaz: ActorGazetteer, country: str, kind: str):
    """The gazetteer's state force or government of a country ("the army" in a Malian story)."""
    if kind == "Government":
        return gaz.government_of(country)
    if kind == "StateForce":
        return gaz.armed_forces_of(country)
    return None


@dataclass
class EntityIndex:
    """The article's actors and places and which tokens refer to them."""

    actors: dict[str, Actor] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    token_actor: dict[int, str] = field(default_factory=dict)
    token_place: dict[int, str] = field(default_factory=dict)
    countries: Counter[str] = field(default_factory=Counter)
    #: (inner actor key, outer actor key, relation, span) found inside noun phrases
    inner_relations: list[tuple[str, str, str, Span]] = field(default_factory=list)

    @property
    def main_country(self) -> str | None:
        """The article's dominant country: named clearly more often than any other."""
        if not self.countries:
            return None
        (top, n), *rest = self.countries.most_common(2) + [(None, 0)]
        return top if n >= 2 * rest[0][1] or n >= rest[0][1] + 3 else None

    def actor_of(self, token: Token) -> str | None:
        return self.token_actor.get(token.i)

    def place_of(self, token: Token) -> str | None:
        return self.token_place.get(token.i)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _strip_det(span: Span) -> Span:
    """Drop leading determiners, possessives and numbers from a noun-phrase span."""
    start = span.start
    doc = span.doc
    while start < span.end - 1 and (
        doc[start].dep_ in {"det", "predet", "nummod", "quantmod", "poss", "case"}
        or doc[start].pos_ in {"DET", "NUM", "PUNCT"}
        or doc[start].lower_ in {"'s", "’s"} | _QUANTIFIERS
    ):
        start += 1
    return doc[start : span.end]


def _text_span(span: Span) -> TextSpan:
    return TextSpan(span.start_char, span.end_char, span.text)


def _clean_ent(ent: Span) -> Span | None:
    """Trim entity spans that cross a line break or carry stray punctuation."""
    doc = ent.doc
    toks = doc_tokens(doc)
    start, end = ent.start, ent.end
    for i in range(ent.start, ent.end):
        if "\n" in toks[i].text or "\n" in toks[i].whitespace_:
            if i > start:
                end = i + 1 if "\n" in toks[i].whitespace_ and "\n" not in toks[i].text else i
                break
            start = i + 1
    while start < end and (toks[start].is_punct or toks[start].lower_ in {"the", "a", "an"}):
        start += 1
    while end > start and (toks[end - 1].is_punct or toks[end - 1].lower_ in {"'s", "’s"}):
        end -= 1
    if start >= end:
        return None
    span = doc[start:end]
    span.label_ = ent.label_
    # a name has a capital letter: "is" and "who" are not Islamic State and the WHO
    return span if any(c.isupper() for c in span.text) else None


class EntityExtractor:
    """Finds actors and places in one parsed article."""

    def __init__(self, places: PlaceGazetteer, actors: ActorGazetteer):
        self.gaz_places = places
        self.gaz_actors = actors
        self.nouns = lexicon.actor_nouns()

    # ---------------------------------------------------------------- places
    def _add_place(self, idx: EntityIndex, span: Span, entry, name: str | None = None) -> str:
        if entry is not None:
            key = (
                f"gn:{entry.geonames_id}"
                if entry.geonames_id
                else f"p:{slug(entry.name)}|{entry.country_code}"
            )
            place = idx.places.get(key)
            if place is None:
                place = idx.places[key] = Place(
                    key=key,
                    name=entry.name,
                    geonames_id=entry.geonames_id,
                    lat=entry.lat,
                    lon=entry.lon,
                    country_code=entry.country_code,
                    feature=entry.feature,
                )
        else:
            label = name or _norm(span.text)
            key = f"p:{slug(label)}"
            place = idx.places.get(key)
            if place is None:
                place = idx.places[key] = Place(key=key, name=label)
        place.mentions.append(_text_span(span))
        if span.text != place.name:
            place.aliases.add(_norm(span.text))
        for tok in span:
            idx.token_place[tok.i] = key
        return key

    def _lookup_place(self, text: str, countries: list[str]):
        return self.gaz_places.lookup(text, countries)

    # ---------------------------------------------------------------- actors
    def _add_actor(
        self,
        idx: EntityIndex,
        span: Span,
        name: str,
        kind: str,
        *,
        wikidata: str | None = None,
        country: str | None = None,
        alias_span: Span | None = None,
        tokens: Span | None = None,
    ) -> str:
        key = f"wd:{wikidata}" if wikidata else f"{kind}:{slug(name)}"
        actor = idx.actors.get(key)
        if actor is None:
            actor = idx.actors[key] = Actor(
                key=key, name=name, kind=kind, wikidata=wikidata, country=country
            )
        shown = alias_span if alias_span is not None else span
        actor.mentions.append(_text_span(shown))
        surface = _norm(shown.text)
        if (
            surface
            and surface != actor.name
            and surface.lower() not in lexicon.PERSON_PRONOUNS | lexicon.GROUP_PRONOUNS
        ):
            actor.aliases.add(surface)
        for tok in tokens if tokens is not None else span:
            idx.token_actor.setdefault(tok.i, key)
        return key

    def _gaz_actor(
        self, idx: EntityIndex, span: Span, entry, alias_span: Span | None = None
    ) -> str:
        if entry.kind == "Person" and alias_span is None:
            alias_span = _with_titles(span)  # "Colonel Assimi Goita" is kept as a name seen
            if alias_span is not span:
                self._add_entry(idx, span, entry)
        return self._add_entry(idx, span, entry, alias_span=alias_span)

    def _add_entry(self, idx: EntityIndex, span: Span, entry, **kw) -> str:
        """Add a mention of a gazetteer actor under its canonical name, kind and links."""
        return self._add_actor(idx, span, entry.name, entry.kind, wikidata=entry.wikidata,
                               country=entry.country, **kw)

    def _state_actor(
        self,
        idx: EntityIndex,
        span: Span,
        kind: str,
        country: str | None,
        fallback_name: str,
        tokens: Span | None = None,
    ) -> str:
        """A state force or government of ``country`` (from the gazetteer when it has one)."""
        entry = state_actor(self.gaz_actors, country, kind) if country else None
        if entry is not None:
            return self._add_entry(idx, span, entry, tokens=tokens)
        return self._add_actor(idx, span, fallback_name, kind, country=country, tokens=tokens)

    # ---------------------------------------------------------------- main
    def extract(self, doc: Doc) -> EntityIndex:
        idx = EntityIndex()
        ents = [e for e in (_clean_ent(e) for e in doc.ents) if e is not None]
        # First pass: countries named or implied by demonyms, to resolve ambiguous places.
        for ent in ents:
            if ent.label_ in _PLACE_LABELS | {"PERSON", "ORG"}:
                entry = self._lookup_place(ent.text, [])
                if entry is not None and entry.feature == "country":
                    idx.countries[entry.country_code] += 1
            elif ent.label_ == "NORP":
                cc = self.gaz_places.country_of_demonym(ent.text)
                if cc:
                    idx.countries[cc] += 1
        countries = [c for c, _ in idx.countries.most_common()]
        for ent in ents:
            self._entity(idx, ent, countries)
        self._acronyms(idx, doc, ents)
        self._surnames(idx, doc)
        for ent in ents:  # places resolved in the second pass count towards countries too
            key = idx.token_place.get(ent.start)
            if key and idx.places[key].feature != "country" and idx.places[key].country_code:
                idx.countries[idx.places[key].country_code] += 1
        self._relative_places(idx, doc)
        self._generic_actors(idx, doc)
        self._pronouns(idx, doc)
        return idx

    def _entity(self, idx: EntityIndex, ent: Span, countries: list[str]) -> None:
        text = ent.text
        label = ent.label_
        doc = ent.doc
        if (
            ent.end + 1 < len(doc)
            and doc[ent.end].text in {"-", "–"}
            and doc[ent.end + 1].lower_ in {"based", "born", "registered", "headquartered"}
        ):
            return  # "US-based Human Rights Watch": an origin, not a place of the story
        if any(c.isdigit() for c in text) and label in {"ORG", "PERSON"}:
            return  # "S/RES/2690(2023)": a document number, not an actor
        if label == "NORP":
            entry = self.gaz_actors.lookup(text)
            if entry is not None and ent.root.dep_ not in {"amod", "compound", "nmod", "poss"}:
                self._gaz_actor(idx, ent, entry)
            return
        if label not in _ACTOR_LABELS | _PLACE_LABELS:
            return
        actor_entry = self.gaz_actors.lookup(text)
        place_entry = self._lookup_place(text, countries)
        if place_entry is not None and (actor_entry is None or actor_entry.kind == "Government"):
            if place_entry.feature == "country" and self._acts(ent):
                gov = state_actor(self.gaz_actors, place_entry.country_code, "Government")
                if gov is not None:
                    self._add_entry(idx, ent, gov)
                else:
                    self._add_actor(
                        idx, ent, place_entry.name, "Government", country=place_entry.country_code
                    )
                return
            self._add_place(idx, ent, place_entry)
            return
        if actor_entry is not None:
            self._gaz_actor(idx, ent, actor_entry)
            return
        root = ent.root
        if (
            root.dep_ == "pobj"
            and root.head.lower_ == "of"
            and root.head.head.lemma_.lower() in _SETTLEMENT_NOUNS
            and ent[0].is_title
        ):
            # "the village of Karma": a place whatever the model calls it (it often says ORG
            # or PERSON for a village it does not know)
            self._add_place(idx, ent, None)
            return
        if label in _PLACE_LABELS:
            root = ent.root
            locative = root.dep_ == "pobj" and root.head.lower_ in _LOCATIVE
            if label == "FAC" or (ent[0].is_title and locative):
                self._add_place(idx, ent, None)
            return
        root = ent.root
        if (
            len(ent) == 1
            and root.dep_ == "pobj"
            and root.head.lower_ in {"from", "in", "at", "near", "to"}
            and root.head.head.pos_ in {"VERB", "NOUN"}
            and ent[0].is_title
        ):
            self._add_place(idx, ent, None)  # "a convoy from Boghassa": the model's ORG is a town
            return
        if label == "PERSON":
            self._person(idx, ent)
        elif label == "ORG":
            self._organisation(idx, ent)

    @staticmethod
    def _acts(ent: Span) -> bool:
        """A country name that is the subject of a verb acts as a state ("France joined")."""
        root = ent.root
        if (
            root.dep_ == "nsubj"
            and root.head.pos_ in {"VERB", "AUX"}
            and not any(c.dep_ == "auxpass" for c in root.head.children)
        ):
            return (
                root.head.lemma_ not in {"be", "have", "remain", "become", "lie", "border"}
                or root.dep_ == "nsubj"
                and root.head.lemma_ == "have"
                and any(c.dep_ in {"xcomp", "ccomp"} for c in root.head.children)
            )
        if root.dep_ == "pobj" and root.head.lower_ == "by" and root.head.head.pos_ == "VERB":
            return True
        return False

    def _person(self, idx: EntityIndex, ent: Span) -> None:
        doc = ent.doc
        toks = [
            t for t in ent if not (t.lower_.rstrip(".") in lexicon.TITLES and t.i < ent.end - 1)
        ]
        if not toks or len(toks[0].text) < 2 or not toks[0].text[0].isupper():
            return
        core = doc[toks[0].i : toks[-1].i + 1]
        if core.text.lower() in lexicon.PERSON_PRONOUNS:
            return
        alias = _with_titles(ent)
        self._add_actor(idx, alias, _norm(core.text), "Person", tokens=alias)

    def _organisation(self, idx: EntityIndex, ent: Span) -> None:
        words = [t.lower_ for t in ent]
        kind = "Organization"
        last = ent[-1].lemma_.lower()
        if last in self.nouns and self.nouns[last].kind not in {"Civilians"}:
            kind = self.nouns[last].kind
        if (
            any(
                w
                in {
                    "front",
                    "movement",
                    "brigade",
                    "battalion",
                    "katiba",
                    "army",
                    "militia",
                    "jihad",
                    "mujahideen",
                    "ansar",
                    "boko",
                    "al-qaeda",
                    "qaeda",
                    "islamic",
                }
                for w in words
            )
            and kind == "Organization"
        ):
            kind = "ArmedGroup"
        if (
            any(w in {"party", "rally", "union", "alliance", "congress"} for w in words[-2:])
            and kind == "Organization"
        ):
            kind = "PoliticalParty" if "party" in words else kind
        if (
            any(
                w in {"nations", "council", "mission", "commission", "community", "bank"}
                for w in words
            )
            and kind == "Organization"
        ):
            kind = (
                "InternationalOrganization"
                if ent[0].lower_ in {"united", "european", "african", "international", "world"}
                else kind
            )
        if ent.text.upper() in _NOT_ACTORS:
            return
        self._add_actor(idx, ent, _norm(ent.text), kind)

    def _acronyms(self, idx: EntityIndex, doc: Doc, ents: list[Span]) -> None:
        """Join "Full Name (ACR)" and later uses of ACR to the full name's actor."""
        acr_to_key: dict[str, str] = {}
        # Token objects are costly to make: find the "( X )" triples in the ORTH array first.
        orth = doc.to_array(ORTH)
        opening, closing = np.uint64(_ORTH_OPEN), np.uint64(_ORTH_CLOSE)
        for i in np.flatnonzero((orth[:-2] == opening) & (orth[2:] == closing)).tolist():
            acr = doc[i + 1]
            prev = i - 1
            if (
                acr.text.isupper()
                and len(acr.text) >= 2
                and prev >= 0
                and prev in idx.token_actor
            ):
                key = idx.token_actor[prev]
                acr_to_key[acr.text] = key
                old = idx.token_actor.get(acr.i)
                idx.token_actor[acr.i] = key
                idx.actors[key].aliases.add(acr.text)
                if old and old != key:
                    self._merge_actor(idx, old, key)
        for tok in doc_tokens(doc) if acr_to_key else ():
            if tok.text in acr_to_key:
                key = acr_to_key[tok.text]
                old = idx.token_actor.get(tok.i)
                if old != key:
                    idx.token_actor[tok.i] = key
                    idx.actors[key].mentions.append(
                        TextSpan(tok.idx, tok.idx + len(tok.text), tok.text)
                    )
                    if old:
                        self._merge_actor(idx, old, key)

    def _merge_actor(self, idx: EntityIndex, old: str, new: str) -> None:
        if old == new or old not in idx.actors:
            return
        a, b = idx.actors.pop(old), idx.actors[new]
        b.mentions.extend(a.mentions)
        b.aliases |= a.aliases | {a.name}
        b.aliases.discard(b.name)
        for i, k in list(idx.token_actor.items()):
            if k == old:
                idx.token_actor[i] = new

    def _surnames(self, idx: EntityIndex, doc: Doc) -> None:
        """A one-word mention that is the last word of a fuller name of the same kind joins it:
        "Goita" → "Assimi Goita", "the Council" → "the Security Council"."""
        actors = list(idx.actors.values())
        for a in actors:
            if len(a.name.split()) != 1 or a.wikidata or a.key not in idx.actors:
                continue
            match = {
                f.key
                for f in actors
                if f.key != a.key
                and any(
                    len(n.split()) > 1 and n.split()[-1].casefold() == a.name.casefold()
                    for n in (f.name, *f.aliases)
                )
                and (
                    f.kind == a.kind
                    or a.kind == "Organization"
                    or f.kind == "Government"
                    and a.name.casefold() == "government"
                )
            }
            if len(match) == 1:
                self._merge_actor(idx, a.key, match.pop())

    def _relative_places(self, idx: EntityIndex, doc: Doc) -> None:
        """ "70 km east of Bamako" → a place of its own relative to the anchor place."""
        seen_anchor_starts: set[int] = set()
        tokens = doc_tokens(doc)
        for i, tok in enumerate(tokens):
            key = idx.token_place.get(i)
            if (
                key is None
                or i in seen_anchor_starts
                or (i > 0 and idx.token_place.get(i - 1) == key)
            ):
                continue
            seen_anchor_starts.add(i)
            window_start = max(0, tok.idx - 90)
            before = doc_text(doc)[window_start : tok.idx]
            # _DIST_RE needs a unit word; the cheap search for one skips its slow backtracking
            m = _DIST_RE.search(before) if _UNIT_RE.search(before) else None
            if not m:
                continue
            dist_text = m.group("dist").strip()
            start_char = (
                window_start
                + m.start("dist")
                + (len(m.group("dist")) - len(m.group("dist").lstrip()))
            )
            anchor = idx.places[key]
            end_tok = i
            while end_tok + 1 < len(doc) and idx.token_place.get(end_tok + 1) == key:
                end_tok += 1
            end_char = tokens[end_tok].idx + len(tokens[end_tok].text)
            text = doc_text(doc)[start_char:end_char]
            distance = _distance_km(dist_text)
            bearing = None
            if m.group("bearing"):
                bearing = lexicon.BEARINGS.get(m.group("bearing").strip().lower().replace(" ", "-"))
            name = _relative_name(text)
            rkey = f"rel:{slug(name)}"
            place = idx.places.get(rkey)
            if place is None:
                lat = lon = None
                if distance is not None and bearing is not None and anchor.lat is not None:
                    lat, lon = _destination(anchor.lat, anchor.lon, distance, bearing)
                place = idx.places[rkey] = Place(
                    key=rkey,
                    name=name,
                    anchor=key,
                    distance_km=distance,
                    bearing=bearing,
                    lat=lat,
                    lon=lon,
                    country_code=anchor.country_code,
                    feature="site",
                )
            place.mentions.append(TextSpan(start_char, end_char, text))
            span = doc.char_span(start_char, end_char, alignment_mode="expand")
            if span is not None:
                for t in span:
                    if t.i < i:
                        idx.token_place[t.i] = rkey

    # ---------------------------------------------------------------- unnamed actors
    def _generic_actors(self, idx: EntityIndex, doc: Doc) -> None:
        last_of_kind: dict[str, str] = {}
        named = set(idx.actors)  # actors named in the text (entity pass)
        for tok in doc_tokens(doc):
            if (
                tok.pos_ not in {"NOUN", "PROPN"}
                or tok.i in idx.token_actor
                or tok.i in idx.token_place
            ):
                continue
            noun = self.nouns.get(tok.lemma_.lower()) or self.nouns.get(tok.lower_)
            if noun is None or tok.dep_ == "compound":
                continue
            left = [c for c in tok.lefts if c.dep_ not in _DET_LIKE]
            # an adjective before the count belongs to the verb ("shot dead two protesters",
            # "burned alive three villagers"): in a noun phrase the count comes first
            counts = [c.i for c in tok.lefts if c.dep_ == "nummod"]
            if counts:
                left = [c for c in left if c.i > min(counts)]
            mods = {t.lower_ for c in left for t in c.subtree}
            if noun.flag == "armed" and not (mods & _ARMED_MODIFIERS):
                continue
            if noun.flag == "victims":
                continue
            start = min([t.i for c in left for t in c.subtree] + [tok.i])
            span = _strip_det(doc[start : tok.i + 1])
            # "residents of the camp": keep a short "of" complement in the name
            of = [c for c in tok.rights if c.dep_ == "prep" and c.lower_ == "of"]
            canonical = None
            if of and noun.kind == "Civilians":
                obj = [c for c in of[0].children if c.dep_ == "pobj"]
                if obj and obj[0].i - tok.i <= 4 and obj[0].i not in idx.token_place:
                    span = doc[span.start : obj[0].i + 1]
                    if len(list(obj[0].children)) <= 1 and span.start == tok.i:
                        canonical = f"{obj[0].text} {tok.text}"  # "residents of the camp"
            full = doc[
                min(
                    span.start, tok.left_edge.i if tok.left_edge.i >= span.start - 3 else span.start
                ) : span.end
            ]
            alias = full
            while len(alias) > 1 and (
                alias[0].dep_ in {"det", "predet", "nummod", "quantmod"}
                or alias[0].pos_ in {"DET", "NUM"}
            ):
                alias = alias[1:]
            inner = {idx.token_actor[t.i] for t in span if t.i in idx.token_actor}
            if noun.kind == "Civilians" and not _participant(tok):
                continue  # "the protection of civilians": a topic, not a participant
            owner = self._owner(idx, tok, span, named)
            if owner is not None:  # "VDP auxiliaries", "mercenaries from the Wagner Group"
                a = idx.actors[owner]
                self._add_actor(idx, alias, a.name, a.kind, wikidata=a.wikidata, tokens=full)
                last_of_kind[noun.kind] = owner
                continue
            if noun.flag == "state":
                country = self._country_of(idx, tok)
                if noun.kind == "StateForce" and not country and mods & {"islamist", "jihadist"}:
                    continue
                key = self._state_actor(
                    idx,
                    alias,
                    noun.kind,
                    country or idx.main_country,
                    _norm(span.text),
                    tokens=full,
                )
            else:
                name = canonical or _norm(span.text)
                before = self._last_actor_of_kind(idx, noun.kind, tok.i)
                if (
                    len(span) == 1
                    and span[0].tag_ in {"NNS", "NNPS"}
                    and before is not None
                    and any(c.lower_ == "the" for c in tok.lefts)
                ):
                    key = before  # "the insurgents" refers back to the last group named
                    self._add_actor(
                        idx,
                        alias,
                        idx.actors[key].name,
                        idx.actors[key].kind,
                        wikidata=idx.actors[key].wikidata,
                        tokens=full,
                    )
                else:
                    key = self._add_actor(
                        idx, alias, name, noun.kind, country=self._country_of(idx, tok), tokens=span
                    )
            last_of_kind[noun.kind] = key
            for other in inner - {key}:
                self._inner_relation(idx, doc, span, other, key)

    @staticmethod
    def _last_actor_of_kind(idx: EntityIndex, kind: str, before: int) -> str | None:
        best = None
        for i, key in idx.token_actor.items():
            if i < before and key in idx.actors and idx.actors[key].kind == kind:
                if best is None or i > best[0]:
                    best = (i, key)
        return best[1] if best else None

    @staticmethod
    def _owner(idx: EntityIndex, tok: Token, span: Span, named: set[str]) -> str | None:
        """The named group a member noun belongs to: a name modifying it ("JNIM fighters",
        "VDP auxiliaries") or "from/of" the group ("mercenaries from the Wagner Group")."""
        if re.search(
            r"-(linked|affiliated|aligned|allied|inspired|loyal|backed|supported|led)\b",
            span.text.lower(),
        ):
            return None
        for c in tok.children:
            if c.dep_ in {"compound", "nmod"} and idx.token_actor.get(c.i) in named:
                key = idx.token_actor[c.i]
                if idx.actors[key].kind not in {"Person", "Civilians", "Government"}:
                    return key
            if c.dep_ == "prep" and c.lower_ in {"from", "of"}:
                for p in c.children:
                    key = idx.token_actor.get(p.i)
                    if (
                        p.dep_ == "pobj"
                        and key in named
                        and idx.actors[key].kind in {"ArmedGroup", "Mercenary", "StateForce"}
                    ):
                        return key
        return None

    def _inner_relation(
        self, idx: EntityIndex, doc: Doc, span: Span, inner: str, outer: str
    ) -> None:
        """ "al Qaeda-linked militants" → militants affiliatedWith al Qaeda."""
        text = span.text.lower()
        rel = None
        if re.search(r"-(linked|affiliated|aligned|allied|inspired|loyal)\b", text):
            rel = "affiliatedWith"
        elif re.search(r"-(backed|supported|trained|armed|funded)\b", text):
            rel = "alliedWith"
        elif re.search(r"-(led|commanded)\b", text):
            rel = "memberOf"
        if rel is not None and idx.actors[inner].kind not in {"Civilians"}:
            idx.inner_relations.append((outer, inner, rel, span))

    def _country_of(self, idx: EntityIndex, tok: Token) -> str | None:
        """The country a noun belongs to by demonym ("Malian"), possessive or compound."""
        for child in tok.children:
            if child.dep_ in {"amod", "compound", "poss", "nmod"}:
                cc = self.gaz_places.country_of_demonym(child.text)
                if cc:
                    return cc
                key = idx.token_place.get(child.i)
                if key and idx.places[key].feature == "country":
                    return idx.places[key].country_code
                akey = idx.token_actor.get(child.i)
                if akey and idx.actors[akey].kind == "Government" and idx.actors[akey].country:
                    return idx.actors[akey].country
        return None

    def _pronouns(self, idx: EntityIndex, doc: Doc) -> None:
        """ "he/his" → the one person named in this or the previous sentence; "it/its" →
        the previous sentence's non-person subject."""
        sents = list(doc.sents)
        for n, sent in enumerate(sents):
            window = sents[max(0, n - 1) : n + 1]
            for tok in doc_tokens(doc)[sent.start : sent.end]:
                low = tok.lower_
                if tok.pos_ != "PRON" and low not in {"his", "its", "their"}:
                    continue
                if low in lexicon.PERSON_PRONOUNS and not (
                    tok.dep_ == "nsubj" and tok.head.dep_ == "ccomp"
                ):
                    people = []
                    for s in window:
                        for t in s:
                            if t.i >= tok.i:
                                break
                            key = idx.token_actor.get(t.i)
                            if key and idx.actors[key].kind == "Person" and key not in people:
                                people.append(key)
                    if len(people) == 1:
                        idx.token_actor[tok.i] = people[0]
                if (
                    tok.dep_ == "nsubj"
                    and tok.head.dep_ == "ccomp"
                    and lexicon.lemma_in(tok.head.head, lexicon.REPORTING)
                ):
                    # "FAMA claimed that it killed 20 rebels": the claimant; but not a speaker
                    # named after the pronoun ("They attacked a camp, residents said")
                    speaker = [
                        idx.token_actor.get(c.i)
                        for c in tok.head.head.children
                        if c.dep_ == "nsubj" and c.i < tok.i and idx.token_actor.get(c.i)
                    ]
                    if speaker:
                        idx.token_actor[tok.i] = speaker[0]
                        continue
                if low in {"it", "its"} and tok.i not in idx.token_actor:
                    # "The Council adopted conclusions in which it condemned …": this sentence's
                    # subject when it comes first, else the previous sentence's subject
                    own = [t for t in sent if t.i < tok.i and t.dep_ == "nsubj"
                           and t.head.dep_ == "ROOT" and tok.head != t.head]
                    before = sents[n - 1] if n > 0 else []
                    prev_subj = own + [
                        t
                        for t in before
                        if t.dep_ in {"nsubj", "nsubjpass"} and t.head.dep_ == "ROOT"
                    ]
                    for t in prev_subj:
                        key = idx.token_actor.get(t.i)
                        if key and idx.actors[key].kind != "Person":
                            idx.token_actor[tok.i] = key
                            break


def _with_titles(span: Span) -> Span:
    """Widen a name to the capitalised titles before it: "Colonel Assimi Goita"."""
    doc = span.doc
    start = span.start
    while (
        start > 0
        and doc[start - 1].lower_.rstrip(".") in lexicon.TITLES
        and doc[start - 1].is_title
    ):
        start -= 1
    return span if start == span.start else doc[start : span.end]


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once: spaCy rebuilds it from every token on each access."""
    text = doc.user_data.get("kg_text")
    if text is None:
        text = doc.user_data["kg_text"] = doc.text
    return text


def doc_tokens(doc: Doc) -> list[Token]:
    """The doc's tokens as one list, made once: iterating a doc or indexing it makes a new
    ``Token`` object every time, and the rules walk each doc many times."""
    tokens = doc.user_data.get("kg_tokens")
    if tokens is None:
        tokens = doc.user_data["kg_tokens"] = list(doc)
    return tokens


#: ``user_data`` keys of the per-doc caches that hold spaCy objects (dropped after extraction).
OBJECT_CACHES = ("kg_tokens", "kg_ents")


def span_ents(span: Span) -> list[Span]:
    """``span.ents`` (the entities wholly inside ``span``), from the doc's entities built once:
    spaCy builds a ``Span`` for every entity of the whole doc on each ``span.ents``. The loop
    is spaCy's own, started at the first entity that can qualify."""
    doc = span.doc
    cached = doc.user_data.get("kg_ents")
    if cached is None:
        ents = tuple(doc.ents)
        cached = doc.user_data["kg_ents"] = (ents, [e.start for e in ents])
    ents, starts = cached
    out = []
    end = span.end
    for ent in ents[bisect_left(starts, span.start):]:
        if ent.end <= end:
            out.append(ent)
        else:
            break
    return out


def _participant(tok: Token) -> bool:
    """A noun that takes part in the clause: subject, object, agent, victim or apposition."""
    t = tok
    while t.dep_ == "conj" and t.head != t:
        t = t.head
    if t.dep_ in {"nsubj", "nsubjpass", "dobj", "obj", "appos", "attr", "ROOT"}:
        return True
    if t.dep_ == "pobj" and t.head.lower_ == "of" and t.head.head != t.head:
        # "a convoy of pilgrims", "dozens of civilians": as much a participant as the
        # group or number they fill
        holder = t.head.head
        if holder.lemma_.lower() in _HOLDERS or holder.like_num or holder.pos_ == "NUM":
            return _participant(holder)
    return t.dep_ == "pobj" and t.head.lower_ in {
        "by",
        "against",
        "on",
        "among",
        "including",
        "targeting",
        "at",
        "between",  # "clashes between herders and farmers"
        "with",  # "a clash with protesters"
    }


#: Nouns for a group or number of people ("a convoy of pilgrims", "dozens of civilians").
_HOLDERS = frozenset({
    "convoy", "group", "crowd", "column", "family", "bus", "busload", "truck", "vehicle", "boat",
    "dozen", "dozens", "hundred", "hundreds", "thousand", "thousands", "score", "scores",
    "number", "lot", "many", "some", "several", "most", "all", "none", "handful",
})


def _relative_name(text: str) -> str:
    """ "just 70 km east of Bamako" → "70 km east of Bamako"; "15 km (10 miles) from X" →
    "15 km from X": hedges and unit conversions stay in the mention, not in the name."""
    name = re.sub(r"\s*\([^)]*\)", "", _norm(text))
    low = name.lower()
    for hedge in _HEDGES:
        if low.startswith(hedge + " "):
            name = name[len(hedge) + 1 :]
            break
    return name


def _distance_km(text: str) -> float | None:
    """ "15 km" → 15.0; "10 miles" → 16.09; "several hundred kilometres" → None."""
    low = text.lower()
    unit = _UNIT_RE.search(low)
    if unit is None:
        return None
    amount = low[: unit.start()].strip()
    for q in _HEDGES:
        if amount.startswith(q + " "):
            amount = amount[len(q) + 1 :]
    if not amount or any(amount.startswith(v) for v in _VAGUE_DISTANCE):
        return None
    try:
        value = float(amount.replace(",", ""))
    except ValueError:
        n = parse_number(amount)
        if n is None:
            return None
        value = float(n)
    if unit.group(1).startswith("mi"):
        value *= 1.609344
    if not math.isfinite(value) or not 0 <= value <= 20_040:  # "NaN km"; half the equator
        return None
    return round(value, 3)


def _destination(lat: float, lon: float, km: float, bearing: float) -> tuple[float, float]:
    """Great-circle destination point from a start, distance and bearing (spherical Earth)."""
    r = 6371.0088
    d = km / r
    b = math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return round(math.degrees(p2), 5), round((math.degrees(l2) + 540) % 360 - 180, 5)
