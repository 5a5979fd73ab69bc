"""Events: triggers typed into the ontology's classes, with roles, place, time, counts and
attribution read off spaCy's dependency parse.

Each rule is meant to be one sentence about English news writing:
- the subject of an active trigger verb did it (agent); its object had it done (target); a
  passive turns these round and "by X" is the agent;
- a trigger noun's agent is "by X", "X's" or an actor compound ("militant attack"); its target
  "on/against X"; the object noun of a light verb ("staged an attack") takes that verb's subject;
- the place is an actor-free prepositional phrase ("at/in/near X") on the trigger or its verb,
  else the most specific place of the sentence, else the article's main country;
- the time is the date expression nearest the trigger in the tree, else in the sentence; with
  none, the event happened no later than publication;
- a fact under a reporting verb is Reported, according to that verb's subject; "allegedly" makes
  it Alleged, "deny" Denied, a plan, a promise, a modal or a future date Hypothetical;
- a participle clause of killing or wounding ("…, killing one soldier") gives counts to the
  event it hangs on, and a casualty report with no place or time of its own continues the
  event just told;
- a definite noun trigger with nothing new ("the attack") refers back to the last event of its type.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from ..model import Article, Event
from ..model import Span as TextSpan
from . import lexicon
from .entities import EntityIndex, doc_text, doc_tokens, span_ents
from .numbers import COLLECTIVE_NOUNS, find_casualties, parse_count
from .timex import TimeBounds, normalise

_PLACE_PREPS = {
    "in",
    "at",
    "near",
    "outside",
    "on",
    "around",
    "across",
    "inside",
    "into",
    "from",
    "towards",
    "toward",
    "throughout",
    "within",
    "of",
    "between",
}
_SPECIFICITY = {
    "site": 0,
    "village": 1,
    "town": 1,
    "city": 2,
    "region": 3,
    "admin1": 3,
    "country": 5,
    None: 2,
}
#: Actors whose votes are decisions, not elections.
_BODIES = {"InternationalOrganization", "Government", "Organization"}
_DATE_PREPS = {"since", "from", "until", "till", "before", "after", "between", "by"}
#: Event types of political violence: a story about one incident tells its parts in turn.
_VIOLENT = {"ArmedAttack", "ArmedClash", "Bombing", "Killing", "Abduction"}
#: Event types whose participants act together: the subject of "came to power in a coup" did it.
_COLLECTIVE = {"Coup", "Mutiny", "Protest", "Election", "Deployment", "Withdrawal", "Agreement"}
#: Verbs that end an abduction: their hostages are no new one.
_RELEASE_VERBS = {"release", "free", "rescue", "liberate", "swap", "exchange", "return"}
#: Words before a site ("military base", "police station") that make it a state force's.
_POLICE = {"police", "gendarmerie", "gendarme"}
_SITE_HOLDERS = {"military", "army", *_POLICE}
#: Fighting, where "between X and Y" / "with Y" names an agent and its opponents.
_FIGHTING = {"ArmedClash"}
#: Verbs of a relative clause by which a coup puts someone in power ("the coup that brought X
#: to power", "that saw X rise to power").
_TO_POWER = {"bring", "put", "install", "sweep", "see", "carry"}
#: Verbs whose subject joins the event named by their "in" phrase ("took part in" too).
_JOINING_VERBS = {"participate", "engage", "involve", "join"}

_ATTEMPT = {"attempt", "plot", "bid", "try", "d'état", "d'etat", "d’état", "état", "etat"}
_KILL = {"kill", "massacre", "execute", "murder", "slaughter", "behead", "assassinate", "shoot",
         "gun"}  # "gun" as in "gunned down"
_WOUND = {"wound", "injure", "hurt"}
_LABEL = {
    "ArmedAttack": "attack",
    "ArmedClash": "clash",
    "Bombing": "bombing",
    "Killing": "killing",
    "Abduction": "abduction",
    "Coup": "coup",
    "Mutiny": "mutiny",
    "Protest": "protest",
    "Election": "election",
    "Agreement": "agreement",
    "Deployment": "deployment",
    "Withdrawal": "withdrawal",
    "Arrest": "arrest",
    "Sanction": "sanction",
    "Statement": "statement",
    "OtherEvent": "event",
}


@dataclass
class _Found:
    event: Event
    token: Token
    sent: Span
    own_time: bool = True
    own_place: bool = True


def _tspan(doc: Doc, start: int, end: int) -> TextSpan:
    return TextSpan(start, end, doc_text(doc)[start:end])


def _tok_span(tok: Token) -> TextSpan:
    return TextSpan(tok.idx, tok.idx + len(tok.text), tok.text)


def _sentence_span(sent: Span) -> TextSpan:
    # ``sent.text`` sliced from the text built once (spaCy joins the tokens again each time)
    text = doc_text(sent.doc)[sent.start_char : sent.end_char]
    stripped = text.rstrip()
    lead = len(text) - len(text.lstrip())
    return TextSpan(sent.start_char + lead, sent.start_char + len(stripped), stripped[lead:])


def is_caption(sent: Span) -> bool:
    """Photo captions and credit lines ("…, Mali May 25, 2021. Reuters / Name") are not news."""
    text = doc_text(sent.doc)
    para_start = text.rfind("\n", 0, sent.start_char) + 1
    para_end = text.find("\n", sent.end_char)
    para = text[para_start : para_end if para_end >= 0 else len(text)]
    if re.search(r"\b(REUTERS|Reuters|AFP|AP|EPA|Getty Images|Photo|File photo)\s*/\s*\w+", para):
        return True
    if re.match(r"^\s*(FILE PHOTO|File photo|Photo:|PHOTO:)", para):
        return True
    nxt = text[para_end + 1 : para_end + 1 + len(para)] if para_end >= 0 else ""
    return bool(para.strip()) and nxt.startswith(para.strip()) and len(para) < 300


class EventExtractor:
    def __init__(self) -> None:
        self.triggers = lexicon.triggers()
        self._idx: EntityIndex | None = None

    # ---------------------------------------------------------------- triggers
    def _match(self, tok: Token, defer: bool = True) -> tuple[str, Token] | None:
        lemma = tok.lemma_.lower()
        cands = self.triggers.get(lemma) or self.triggers.get(tok.lower_)
        if not cands:
            return None
        for trig in cands:
            if trig.pos == "VERB" and tok.pos_ not in {"VERB"}:
                continue
            if trig.pos == "NOUN" and tok.pos_ not in {"NOUN", "PROPN"}:
                continue
            if trig.pos == "ANY" and tok.pos_ not in {"VERB", "NOUN", "PROPN"}:
                continue
            if len(trig.words) > 1:
                rest = trig.words[1:]
                nxt = [t for t in tok.doc[tok.i + 1 : tok.i + 1 + 3 * len(rest)] if not t.is_punct]
                lemmas = [t.lemma_.lower() for t in nxt]
                if not _contains_in_order(lemmas, rest):
                    continue
            if defer and tok.pos_ == "VERB" and any(
                c.dep_ in {"dobj", "obj", "nsubj", "nsubjpass"} and c.pos_ in {"NOUN", "PROPN"}
                and (m := self._match(c, defer=False) or self._compound_match(c)) is not None
                and m[0] == trig.event_type
                for c in tok.children
            ):
                # "signed a peace agreement", "a roadside bomb exploded", "an agreement was
                # signed": one event, told by its noun
                return None
            return trig.event_type, tok
        # two-word noun triggers keyed by their modifier ("air strike", "drone strike")
        return None

    def _compound_match(self, tok: Token) -> tuple[str, Token] | None:
        etype = self._compound_trigger(tok)
        return (etype, tok) if etype is not None else None

    def _compound_trigger(self, tok: Token) -> str | None:
        if tok.i == 0 or tok.pos_ not in {"NOUN", "PROPN"}:
            return None
        prev = doc_tokens(tok.doc)[tok.i - 1]
        if prev.dep_ != "compound" and self._match(prev, defer=False) is not None:
            return None  # "seized power" was already found at "seized"
        for trig in self.triggers.get(prev.lemma_.lower(), []) + self.triggers.get(prev.lower_, []):
            if len(trig.words) == 2 and trig.pos == "NOUN" and \
                    trig.words[1] in {tok.lemma_.lower(), tok.lower_}:
                return trig.event_type
        return None

    # ---------------------------------------------------------------- main
    def extract(self, doc: Doc, article: Article, idx: EntityIndex) -> list[Event]:
        self._idx = idx  # for the count rules, which see only tokens
        found: list[_Found] = []
        previous_time: TimeBounds | None = None
        for n_sent, sent in enumerate(doc.sents):
            tokens = doc_tokens(doc)[sent.start : sent.end]
            if is_caption(sent) or not any(t.is_alpha for t in tokens):
                continue
            if _is_headline(sent) and (n_sent == 0 or len(sent) <= 8):
                continue  # a headline or a section heading ("Battle", "Background")
            dates = self._dates(sent, article.published, _anchor(previous_time))
            if dates:
                previous_time = dates[-1][1]
            skip: set[int] = set()
            for tok in tokens:
                if tok.i in skip:
                    continue
                etype = self._compound_trigger(tok)
                trig_tok = tok
                if etype is not None:
                    skip.add(tok.i)
                    trig_span = tok.doc[tok.i - 1 : tok.i + 1]
                else:
                    m = self._match(tok)
                    if m is None:
                        continue
                    etype, trig_tok = m
                    if tok.dep_ == "compound" and tok.head.lemma_.lower() not in _ATTEMPT:
                        continue  # "election delays", "attack helicopter": a modifier, no event
                    if tok.dep_ == "amod" or (
                        tok.pos_ == "NOUN"
                        and tok.dep_ == "compound"
                        and tok.head.lower_
                        in {
                            "helicopter",
                            "helicopters",
                            "aircraft",
                            "drone",
                            "drones",
                            "jet",
                            "jets",
                            "dog",
                        }
                    ):
                        continue
                    trig_span = tok.doc[tok.i : tok.i + 1]
                if self._is_casualty_clause(trig_tok, found, sent) or _negated(trig_tok):
                    continue
                ev = self._build(doc, article, idx, sent, trig_tok, trig_span, etype, dates, found)
                if ev is not None:
                    found.append(ev)
        self._split_coordinated_dates(doc, article, found)
        return sorted((f.event for f in found), key=lambda e: (e.trigger.start, e.key))

    # ---------------------------------------------------------------- pieces
    def _dates(
        self, sent: Span, published: dt.date | None, previous: TimeBounds | None
    ) -> list[tuple[Span, TimeBounds]]:
        out = []
        dateline_end = _dateline_end(sent.doc)
        for ent in span_ents(sent):
            # (the model calls "the early hours of Saturday" and "Monday night" times; a time
            # with no day in it, "11 a.m.", normalises to nothing and is skipped below)
            if ent.label_ not in {"DATE", "TIME"} or ent.start_char < dateline_end:
                continue  # "KHARTOUM, April 16 (Reuters) -": when it was filed, not happened
            if _not_a_year(ent):
                continue  # "deployed 1100 troops", "at 2100 on Tuesday": not the years 1100, 2100
            text = ent.text + _range_end(ent, sent)
            before = ent.doc[ent.start - 1] if ent.start > 0 else None
            after = ent.doc[ent.end] if ent.end < len(ent.doc) else None
            # "the toll from Sunday's attack": "from" is the toll's, not the date's
            possessive = after is not None and after.tag_ == "POS"
            if before is not None and before.lower_ in _DATE_PREPS and not possessive:
                text = f"{before.text} {text}"
            try:
                tb = normalise(text, published, previous=previous)
            except Exception:  # the normaliser is total by contract; never lose an article
                tb = None
            if tb is not None and (tb.earliest is not None or tb.latest is not None):
                out.append((ent, tb))
                previous = tb
        return out

    def _is_casualty_clause(self, tok: Token, found: list[_Found], sent: Span) -> bool:
        """ "…, killing one soldier and wounding 15" adds counts to the event it hangs on."""
        if tok.lemma_.lower() not in _KILL or tok.pos_ != "VERB":
            return False
        head = tok.head
        while head.dep_ in {"conj"} and head.head != head:
            head = head.head
        if tok.dep_ in {"advcl", "xcomp", "conj", "acl", "relcl", "pcomp"} or tok.tag_ == "VBG":
            for f in reversed(found):
                if f.sent == sent and (
                    f.token == head or f.token in head.subtree or f.token.head == head
                ):
                    self._counts(tok, f.event, sent, only_here=True)
                    return True
        ancestors = set(tok.ancestors)
        for f in reversed(found):  # "massacres against civilian areas that killed hundreds"
            if f.sent == sent and f.token in ancestors and f.event.type in _VIOLENT:
                self._counts(tok, f.event, sent, only_here=True)
                return True
        subj = [c for c in tok.children if c.dep_ == "nsubj"]
        if subj:
            for f in reversed(found):
                if f.sent == sent and f.token in subj[0].subtree:
                    self._counts(tok, f.event, sent, only_here=True)
                    return True
        return False

    def _build(
        self,
        doc: Doc,
        article: Article,
        idx: EntityIndex,
        sent: Span,
        tok: Token,
        trig_span: Span,
        etype: str,
        dates,
        found: list[_Found],
    ) -> _Found | None:
        if (
            tok.pos_ in {"NOUN", "PROPN"}
            and tok.dep_ == "pobj"
            and tok.head.lower_ in {"in", "during"}
        ):
            verbs = [tok.head.head]
            while verbs[-1].dep_ == "conj" and verbs[-1].head != verbs[-1]:
                # "two soldiers were killed and five wounded in an ambush": the phrase hangs
                # on the last of the coordinated verbs
                verbs.append(verbs[-1].head)
            for f in reversed(found):  # "killed nine villagers in an attack": one event
                if f.sent == sent and f.token in verbs:
                    f.event.mentions.append(_tspan(doc, trig_span.start_char, trig_span.end_char))
                    return None
        if etype == "Abduction" and tok.pos_ in {"NOUN", "PROPN"} \
                and tok.head.lemma_.lower() in _RELEASE_VERBS:
            return None  # "kidnappers released 12 hostages": the end of one, not an abduction
        agents, targets = self._roles(tok, idx, etype)
        if (joined := self._same_incident(tok, etype, found, sent)) is not None:
            # "15 people were killed when militants attacked a mosque": one incident, the
            # attack with the killing's count, not two events with 15 deaths each
            ev = joined.event
            if ev.type == "Killing" and etype != "Killing":
                ev.type = etype
                ev.label = _event_label(ev, idx)
            ev.agents.extend(a for a in agents if a not in ev.agents and a not in ev.targets)
            ev.targets.extend(t for t in targets if t not in ev.targets and t not in ev.agents)
            ev.mentions.append(_tspan(doc, trig_span.start_char, trig_span.end_char))
            return None
        if not agents and etype in _VIOLENT and tok.pos_ == "VERB" and any(
            c.dep_ == "nsubj" and c.lower_ == "they" for c in tok.children
        ):
            # "Gunmen killed seven people in Djibo. The next day, they attacked Arbinda."
            for f in reversed(found):
                if f.sent.start < sent.start - 80:
                    break
                if f.event.type in _VIOLENT and f.event.agents:
                    agents = [a for a in f.event.agents if a not in targets]
                    break
        if etype == "Election" and tok.lemma_.lower() == "vote" and any(
            idx.actors[a].kind in _BODIES for a in agents
        ):
            return None  # "the Security Council voted to end the mission": not an election
        place = self._place(tok, sent, idx)
        bounds = self._time(tok, dates)
        # A definite noun phrase with nothing new refers back to the last event of its type.
        own_date = any(ent.root.i in {x.i for x in tok.subtree} for ent, _ in dates)
        if (
            tok.pos_ in {"NOUN", "PROPN"}
            and any(c.lower_ in {"the", "this", "that"} for c in tok.lefts)
            and not agents
            and not own_date
        ):
            for f in reversed(found):
                if f.event.type == etype:
                    f.event.mentions.append(_tspan(doc, trig_span.start_char, trig_span.end_char))
                    return None
        # A casualty report with no time or place of its own continues the event just told.
        if (
            etype == "Killing"
            and tok.pos_ == "VERB"
            and not agents
            and bounds is None
            and place is None
            and found
            and found[-1].event.type in {"Killing", "ArmedAttack", "Bombing", "ArmedClash"}
            and found[-1].sent.start >= sent.start - 80
        ):
            prev = found[-1].event
            self._counts(tok, prev, sent)
            cert, source = self._certainty(tok, sent, idx, article, None)
            if cert != "Asserted":
                prev.certainty, prev.according_to = cert, source or prev.according_to
            for t in targets:
                if t not in prev.targets:
                    prev.targets.append(t)
            prev.mentions.append(_tspan(doc, trig_span.start_char, trig_span.end_char))
            return None
        own_place, own_time = place is not None, bounds is not None
        habitual = any(
            c.lower_ in {"have", "has", "repeatedly", "regularly", "often"} for c in tok.children
        )  # "have repeatedly attacked": a pattern, no incident
        story = (
            None
            if (own_place and own_time) or habitual
            else self._story_event(doc, sent, etype, found)
        )
        if story is not None:
            # The story goes on: an incident told with no time or place of its own happened
            # where and when the event it follows did.
            place = place if own_place else story.event.place
            if not own_time and story.own_time:
                bounds = TimeBounds(story.event.earliest, story.event.latest)
        if place is None and idx.main_country:
            country = [
                k
                for k, p in idx.places.items()
                if p.feature == "country" and p.country_code == idx.main_country
            ]
            place = country[0] if country else None
        earliest = latest = None
        if bounds is not None:
            earliest, latest = bounds.earliest, bounds.latest
        elif article.published is not None:
            latest = article.published
        ev = Event(
            key=f"e{trig_span.start_char}",
            type=etype,
            trigger=_tspan(doc, trig_span.start_char, trig_span.end_char),
            sentence=_sentence_span(sent),
            label="",
            agents=agents,
            targets=targets,
            place=place,
            earliest=earliest,
            latest=latest,
        )
        self._counts(tok, ev, sent)
        ev.certainty, ev.according_to = self._certainty(tok, sent, idx, article, ev)
        if ev.according_to in ev.agents and ev.certainty == "Reported" and etype != "Statement":
            pass
        ev.label = _event_label(ev, idx)
        return _Found(ev, tok, sent, own_time=own_time, own_place=own_place)

    @staticmethod
    def _same_incident(tok: Token, etype: str, found: list[_Found], sent: Span) -> _Found | None:
        """The event already found that a killing and an attack joined by "when", "after" or
        "as" both tell: "15 people were killed when militants attacked a mosque" (the attack
        after the killing) or "as gunmen stormed the village, 12 people were killed"."""
        if tok.pos_ != "VERB" or etype not in _VIOLENT:
            return None

        def joined(clause: Token) -> bool:
            return clause.dep_ == "advcl" and any(
                c.dep_ in {"mark", "advmod"} and c.lower_ in {"when", "after", "as"}
                for c in clause.children)

        def killed(verb: Token) -> bool:
            # a killing told without its author ("were killed", "died"): "soldiers killed
            # three suspects after militants attacked" is two actions, by two sides
            return verb.lemma_.lower() in _KILL and not any(
                c.dep_ == "nsubj" for c in verb.children)

        if joined(tok) and killed(tok.head):
            other = tok.head  # the killing, told first
        elif etype == "Killing" and killed(tok):
            clauses = [c for c in tok.children if joined(c)]
            if not clauses:
                return None
            other = clauses[0]  # the attack, told first
        else:
            return None
        for f in reversed(found):
            if f.sent == sent and f.token == other and f.event.type in _VIOLENT:
                return f
        return None

    @staticmethod
    def _story_event(doc: Doc, sent: Span, etype: str, found: list[_Found]) -> _Found | None:
        """The incident a placeless violent event continues: the last violent event of the same
        paragraph that had a place of its own."""
        if etype not in _VIOLENT:
            return None
        para_start = doc_text(doc).rfind("\n", 0, sent.start_char)
        same_para = [
            f
            for f in found
            if f.own_place and f.event.type in _VIOLENT and f.sent.start_char > para_start
        ]
        return same_para[-1] if same_para else None

    # roles ------------------------------------------------------------------
    def _actor_in(self, tok: Token, idx: EntityIndex) -> list[str]:
        """Actors a noun phrase names: its head, coordinated heads, and "members of X"."""
        out: list[str] = []
        for t in [tok, *[c for c in tok.conjuncts]]:
            key = idx.actor_of(t)
            also: list[str] = []
            if key is None:
                for c in t.children:
                    if c.dep_ == "prep" and c.lower_ in {"of", "from"}:
                        for p in c.children:
                            if p.dep_ == "pobj" and idx.actor_of(p):
                                key = idx.actor_of(p)
                                # "dozens of Malian soldiers and Russian mercenaries": each
                                also = [k for q in p.conjuncts if (k := idx.actor_of(q))]
                    if c.dep_ == "appos" and idx.actor_of(c):
                        key = idx.actor_of(c)
                if key is None:
                    for c in t.subtree:
                        if (
                            c.dep_ in {"compound", "poss", "amod", "nmod"}
                            and c.head == t
                            and idx.actor_of(c)
                        ):
                            key = idx.actor_of(c)
                            break
            if key is not None and not also:
                # "Al-Qaeda in the Islamic Maghreb and Katiba Macina": the parser hangs the
                # second name on the last word of the first
                also = [k for u in t.subtree if idx.actor_of(u) == key
                        for c in u.conjuncts if (k := idx.actor_of(c)) and k != key]
            for k in (key, *also):
                if k is not None and k not in out:
                    out.append(k)
        return out

    def _roles(self, tok: Token, idx: EntityIndex, etype: str) -> tuple[list[str], list[str]]:
        agents: list[str] = []
        targets: list[str] = []

        def add(lst: list[str], keys: list[str]) -> None:
            for k in keys:
                if k not in lst:
                    lst.append(k)

        if tok.pos_ == "VERB":
            passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in tok.children)
            for c in tok.children:
                if c.dep_ == "nsubj":
                    add(agents, self._actor_in(c, idx))
                elif c.dep_ == "nsubjpass":
                    add(targets, self._actor_in(c, idx))
                elif c.dep_ in {"dobj", "obj"}:
                    add(targets, self._actor_in(c, idx))
                elif c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ == "by" and passive):
                    for p in c.children:
                        if p.dep_ == "pobj":
                            add(agents, self._actor_in(p, idx))
                elif c.dep_ == "prep" and c.lower_ in {"against", "on", "with"}:
                    for p in c.children:
                        if p.dep_ == "pobj":
                            add(
                                targets if c.lower_ != "with" or etype != "ArmedClash" else targets,
                                self._actor_in(p, idx),
                            )
            if not agents and tok.dep_ in {"xcomp", "conj", "advcl"} and not passive:
                # "X is believed / said / thought to have killed": the raised subject did it
                raised = {"nsubj", "nsubjpass"} if tok.dep_ == "xcomp" else {"nsubj"}
                for c in tok.head.children:
                    if c.dep_ in raised:
                        add(agents, self._actor_in(c, idx))
            if not agents and tok.dep_ == "relcl" and idx.actor_of(tok.head):
                add(agents, [idx.actor_of(tok.head)])
        else:
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ == "by":
                    for p in c.children:
                        if p.dep_ == "pobj":
                            add(agents, self._actor_in(p, idx))
                elif c.dep_ == "prep" and c.lower_ in {"on", "against", "targeting", "of"}:
                    for p in c.children:
                        if p.dep_ == "pobj":
                            keys = self._actor_in(p, idx)
                            if c.lower_ == "of" and etype in {
                                "Coup",
                                "Mutiny",
                                "Protest",
                                "Deployment",
                                "Withdrawal",
                            }:
                                add(agents, keys)
                            else:
                                add(targets, keys)
                elif c.dep_ == "prep" and c.lower_ in {"between", "with"}:
                    self._parties(c, etype, idx, agents, targets)
                elif c.dep_ in {"poss", "compound", "amod", "nmod"} and idx.actor_of(c):
                    add(agents, [idx.actor_of(c)])
                elif c.dep_ == "relcl" and etype in {"Coup", "Mutiny"}:
                    add(agents, self._brought_to_power(c, idx))
            head = tok.head
            if tok.dep_ == "nsubj" and head.pos_ == "VERB" and etype in _FIGHTING:
                # "Fighting broke out between the army and militants", "clashes erupted
                # with ...": the parties hang on the verb the event is the subject of
                for c in head.children:
                    if c.dep_ == "prep" and c.lower_ in {"between", "with"}:
                        self._parties(c, etype, idx, agents, targets)
            if tok.dep_ in {"dobj", "nsubjpass", "obj", "attr"} and head.pos_ in {"VERB", "AUX"}:
                if lexicon.lemma_in(head, lexicon.LIGHT_VERBS) or head.lemma_ == "be":
                    passive = tok.dep_ == "nsubjpass"
                    # "JNIM did not claim the attack": not its author
                    negated = _negated(head)
                    for c in head.children:
                        if c.dep_ == "nsubj" and not passive and head.lemma_ != "be" \
                                and not negated:
                            add(
                                targets
                                if lexicon.lemma_in(head, lexicon.SUFFERING_VERBS)
                                else agents,
                                self._actor_in(c, idx),
                            )
                        elif c.dep_ == "agent" or (
                            passive and c.dep_ == "prep" and c.lower_ == "by"
                        ):
                            for p in c.children:
                                if p.dep_ == "pobj":
                                    add(agents, self._actor_in(p, idx))
                        elif c.dep_ == "prep" and c.lower_ in {"against", "on"}:
                            for p in c.children:
                                if p.dep_ == "pobj":
                                    add(targets, self._actor_in(p, idx))
            elif tok.dep_ == "pobj" and head.dep_ == "prep" and head.lower_ == "under" \
                    and head.head.pos_ == "VERB":
                # "the convoy came under attack": who comes under it is its target
                for c in head.head.children:
                    if c.dep_ == "nsubj":
                        add(targets, self._actor_in(c, idx))
            elif tok.dep_ == "pobj" and head.dep_ == "prep" and head.lower_ == "in" and (
                (head.head.pos_ == "VERB" and _joins(head.head))
                or (head.head.lemma_ == "part" and head.head.head.lemma_ == "take")
            ):
                # "JNIM said it took part in the fighting", "troops participated in the raid",
                # "militants were involved in the attack": the one who joins it did it
                verb = head.head if head.head.pos_ == "VERB" else head.head.head
                for c in verb.children:
                    if c.dep_ in {"nsubj", "nsubjpass"}:
                        add(agents, self._actor_in(c, idx))
            elif tok.dep_ == "pobj" and head.dep_ == "prep" and head.head.pos_ == "VERB":
                verb = head.head
                passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in verb.children)
                for c in verb.children:
                    if c.dep_ == "nsubj" and not passive and etype in _COLLECTIVE:
                        add(agents, self._actor_in(c, idx))  # "the junta came to power in a coup"
                    elif c.dep_ == "nsubjpass" and passive and etype not in _COLLECTIVE:
                        add(targets, self._actor_in(c, idx))  # "soldiers were killed in an attack"
        claim = _claimed_by(tok) if tok.pos_ != "VERB" else None
        if claim is not None and not agents:
            # "IS claimed responsibility for the attack": whoever claims it is taken as its
            # author (as ACLED codes claimed attacks); the certainty rules still see the claim
            passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in claim.children)
            for c in claim.children:
                if c.dep_ == "nsubj" and not passive:
                    add(agents, self._actor_in(c, idx))
                elif c.dep_ == "agent" or (passive and c.dep_ == "prep" and c.lower_ == "by"):
                    for p in c.children:
                        if p.dep_ == "pobj":
                            add(agents, self._actor_in(p, idx))
        if etype in {"ArmedAttack", "Bombing"} and not targets:
            targets.extend(self._military_site_target(tok, idx, agents))
        if etype == "Mutiny" and not agents:  # a mutiny is by definition soldiers rising
            agents.extend(self._state_force(idx))
        targets = [t for t in targets if t not in agents]
        return agents, targets

    def _brought_to_power(self, clause: Token, idx: EntityIndex) -> list[str]:
        """Who a coup put in power is its author: "the coup that brought Colonel X to power",
        "which put X in power", "the coup that saw X rise to power"."""
        window = clause.doc[clause.i : min(len(clause.doc), clause.right_edge.i + 4)]
        if clause.lemma_ not in _TO_POWER or not any(t.lemma_ == "power" for t in window):
            return []
        for c in clause.children:
            if c.dep_ == "dobj" and clause.lemma_ != "see":
                return self._actor_in(c, idx)
            if c.dep_ in {"ccomp", "xcomp"} and clause.lemma_ == "see":
                return [k for d in c.children if d.dep_ == "nsubj" for k in self._actor_in(d, idx)]
        return []

    def _parties(self, prep: Token, etype: str, idx: EntityIndex, agents: list[str],
                 targets: list[str]) -> None:
        """The parties a "between"/"with" phrase names. In fighting, as in "X clashed with Y"
        and as ACLED's actor 1 and actor 2, the first named is the agent and the others are
        targets ("clashes between X and Y", "a clash with Y" after an agent); in anything else
        ("an agreement between X and Y") all are agents."""
        keys = [k for p in prep.children if p.dep_ == "pobj" for k in self._actor_in(p, idx)]
        keys = [k for k in keys if k not in agents and k not in targets]
        if etype not in _FIGHTING:
            agents.extend(keys)
        elif prep.lower_ == "between" and not agents:
            agents.extend(keys[:1])
            targets.extend(keys[1:])
        else:
            targets.extend(keys)

    @staticmethod
    def _state_force(idx: EntityIndex) -> list[str]:
        forces = [
            k
            for k, a in idx.actors.items()
            if a.kind == "StateForce" and a.country is not None and a.country == idx.main_country
        ]
        return forces[:1]

    def _military_site_target(self, tok: Token, idx: EntityIndex, agents: list[str]) -> list[str]:
        """An attack on a military base or camp targets the state force holding it."""
        scope = list(tok.sent)  # "gunfire at the main military base … was an attack by militants"
        for t in scope:
            if (
                (
                    t.lemma_.lower() in lexicon.MILITARY_SITES
                    or t.lower_.rstrip("s") in lexicon.MILITARY_SITES
                    or t.lower_[:-2] in lexicon.MILITARY_SITES
                )
                and any(
                    c.lower_ in _SITE_HOLDERS or c.lemma_.lower() in _SITE_HOLDERS
                    for c in t.children
                )
                or t.lemma_.lower() in {"barracks", "garrison"}
            ):
                # a police or gendarmerie site is the country's own; a base may be an ally's
                national = any(c.lemma_.lower() in _POLICE for c in t.children)
                forces = [
                    k
                    for k, a in idx.actors.items()
                    if a.kind == "StateForce"
                    and (a.country == idx.main_country if national
                         else a.country is None or a.country == idx.main_country)
                ]
                forces = [k for k in forces if k not in agents]
                if forces:
                    return forces[:1]
        return []

    # place ------------------------------------------------------------------
    def _place(self, tok: Token, sent: Span, idx: EntityIndex) -> str | None:
        def best(keys: list[str]) -> str | None:
            if not keys:
                return None
            return min(
                keys,
                key=lambda k: (
                    0 if idx.places[k].anchor else 1,
                    _SPECIFICITY.get(idx.places[k].feature, 2),
                ),
            )

        def places_under(t: Token) -> list[str]:
            return [idx.place_of(x) for x in t.subtree if idx.place_of(x) and not idx.actor_of(x)]

        scopes = [tok]
        if tok.pos_ == "VERB":  # "attacked an army post near the town of X"
            scopes += [c for c in tok.children if c.dep_ in {"dobj", "nsubjpass"}]
        if tok.dep_ in {"dobj", "nsubjpass", "attr", "pobj"} and tok.head.pos_ in {
            "VERB",
            "AUX",
            "ADP",
        }:
            scopes.append(tok.head if tok.head.pos_ != "ADP" else tok.head.head)
        keys: list[str] = []
        origins: list[str] = []  # "a convoy from Boghassa heading to Tinzaouaten"
        for scope in scopes:
            if scope is not tok and scope.dep_ == "dobj" and idx.place_of(scope) \
                    and not idx.actor_of(scope):
                # "attacked Diffa, in southeastern Niger"; "attacked the village of Karma,
                # about 60 km from Ouahigouya" (the distance places it)
                keys += places_under(scope)
            for c in scope.children:
                if c.dep_ == "prep" and c.lower_ == "from":
                    under = places_under(c)  # "60 km from X" places the event; "from X" alone
                    keys += [k for k in under if idx.places[k].anchor]  # is where it came from
                    origins += [k for k in under if not idx.places[k].anchor]
                elif c.dep_ == "prep" and c.lower_ in _PLACE_PREPS:
                    keys += places_under(c)
                elif c.dep_ in {"compound", "nmod", "npadvmod"} and idx.place_of(c):
                    keys.append(idx.place_of(c))
            if keys and scope is tok and any(idx.places[k].feature != "country" for k in keys):
                break
        if keys:
            return best(keys)
        in_sent = []
        for t in doc_tokens(sent.doc)[sent.start : sent.end]:
            key = idx.place_of(t)
            if key and not idx.actor_of(t):
                in_sent.append((abs(t.i - tok.i), key))
        if in_sent:
            specific = [
                k
                for _, k in in_sent
                if (idx.places[k].feature != "country" or idx.places[k].anchor) and k not in origins
            ]
            return best(specific) if specific else best([k for _, k in in_sent])
        return best(origins)

    # time -------------------------------------------------------------------
    def _time(self, tok: Token, dates: list[tuple[Span, TimeBounds]]) -> TimeBounds | None:
        if not dates:
            return None
        scope = set(x.i for x in tok.subtree)
        direct = [(abs(ent.root.i - tok.i), tb) for ent, tb in dates if ent.root.i in scope]
        if direct:
            return min(direct, key=lambda x: x[0])[1]
        head = tok.head
        if tok.dep_ in {"dobj", "nsubjpass", "attr", "pobj", "nsubj"}:
            hs = set(x.i for x in head.subtree)
            near = [
                tb
                for ent, tb in dates
                if ent.root.i in hs
                and not (
                    ent.root.head.lemma_.lower() in lexicon.REPORTING and ent.root.head != head
                )
            ]
            if near:
                return near[0]
        non_report = [
            (abs(ent.root.i - tok.i), tb)
            for ent, tb in dates
            if ent.root.head.lemma_.lower() not in lexicon.REPORTING
        ]
        if non_report:
            return min(non_report, key=lambda x: x[0])[1]
        return dates[-1][1]

    # counts -----------------------------------------------------------------
    def _counts(self, tok: Token, ev: Event, sent: Span, only_here: bool = False) -> None:
        """Killed and injured counts from the trigger's own arguments or the sentence."""
        lemma = tok.lemma_.lower()
        if lemma in _KILL | _WOUND and tok.pos_ == "VERB":
            passive = any(c.dep_ == "auxpass" for c in tok.children)
            has_killer = any(c.dep_ == "nsubj" for c in tok.children) and not passive
            victims = [
                c for c in tok.children if c.dep_ in ({"nsubjpass"} if passive else {"dobj"})
            ]
            if tok.dep_ == "acl" and tok.tag_ == "VBN":  # "civilians summarily executed by …"
                victims = [tok.head]
            if passive and not victims and tok.dep_ == "xcomp":
                # "300 civilians are alleged to have been killed": the raised subject
                victims = [c for c in tok.head.children if c.dep_ in {"nsubjpass", "nsubj"}]
            for c in victims:
                # "22 soldiers and 15 civilians were killed": 37, each group a target
                totals: dict[bool, int] = {}
                for noun in (c, *c.conjuncts):
                    count, perp = _noun_count(noun)
                    perp = perp and not has_killer  # "FAMA killed 20 rebels": 20 fatalities
                    if count is not None:
                        totals[perp] = totals.get(perp, 0) + count
                    victim = self._idx.actor_of(noun) if self._idx is not None else None
                    if victim and victim not in ev.agents and victim not in ev.targets:
                        ev.targets.append(victim)  # "…, killing four soldiers": the army was hit
                for perp, total in totals.items():
                    self._set_count(ev, "killed" if lemma in _KILL else "injured", total, perp)
            for c in tok.conjuncts:
                if c.lemma_.lower() in _KILL | _WOUND:
                    for d in c.children:
                        if d.dep_ in {"dobj", "nsubjpass"}:
                            count, perp = _noun_count(d)
                            if count is not None:
                                self._set_count(
                                    ev,
                                    "killed" if c.lemma_.lower() in _KILL else "injured",
                                    count,
                                    perp,
                                )
            if only_here:
                return
        if ev.type not in _VIOLENT:
            return  # a coup or a statement has no casualties of its own
        rel = tok.idx - sent.start_char
        for cm in find_casualties(sent.text):
            if cm.count.value is None:
                continue
            if only_here and not (cm.start <= rel + 60 and cm.end >= rel - 5):
                continue
            self._set_count(ev, cm.kind, cm.count.value, cm.perpetrator, overwrite=False)

    @staticmethod
    def _set_count(
        ev: Event, kind: str, value: int, perpetrator: bool, overwrite: bool = True
    ) -> None:
        if perpetrator:
            if overwrite or ev.perpetrator_fatalities is None:
                ev.perpetrator_fatalities = value if kind == "killed" else ev.perpetrator_fatalities
            return
        if kind == "killed" and (overwrite or ev.fatalities is None):
            ev.fatalities = value
        elif kind == "injured" and (overwrite or ev.injured is None):
            ev.injured = value

    # certainty --------------------------------------------------------------
    def _certainty(
        self, tok: Token, sent: Span, idx: EntityIndex, article: Article, ev: Event | None
    ) -> tuple[str, str | None]:
        certainty = "Asserted"
        source: str | None = None
        chain = [tok]
        t = tok
        while t.head != t and len(chain) < 12:
            t = t.head
            chain.append(t)
        words = {c.lower_ for x in chain[:2] for c in x.children}
        if any(c.dep_ == "neg" for c in tok.children):
            certainty = "Denied"
        coordinated = {chain[i + 1].i for i, x in enumerate(chain[:-1]) if x.dep_ == "conj"}
        for i, x in enumerate(chain):
            if x.i in coordinated:
                continue  # a coordinated clause is not governed by its first conjunct's verb
            lemma = x.lemma_.lower()
            if i > 0 and lemma in lexicon.DENYING:
                return "Denied", self._subject_actor(x, idx)
            if lemma in lexicon.ALLEGING or x.lower_ in lexicon.ALLEGING:
                certainty, source = "Alleged", self._subject_actor(x, idx) or source
            elif i > 0 and lemma in lexicon.HYPOTHETICAL and certainty == "Asserted":
                certainty = "Hypothetical"
            elif (
                i > 0
                and lexicon.lemma_in(x, lexicon.REPORTING)
                and certainty in {"Asserted", "Reported"}
                and source is None
            ):
                certainty = "Reported"
                source = self._subject_actor(x, idx)
            if (
                i > 0
                and x.lemma_.lower() == "claim"
                and any(c.lower_ == "responsibility" for c in x.children)
            ):
                certainty, source = "Reported", self._subject_actor(x, idx)
            for c in x.children:
                if (
                    c.dep_ == "aux"
                    and c.lower_ in {"will", "would", "'ll", "shall"}
                    and certainty == "Asserted"
                ):
                    certainty = "Hypothetical"
                if c.lower_ in lexicon.ALLEGING and c.dep_ in {"advmod", "amod"}:
                    certainty = "Alleged"
        if words & {"alleged", "allegedly", "purported", "reported", "reportedly", "suspected"}:
            certainty = "Alleged"
        for t2 in sent:
            if (
                t2.lower_ == "according"
                and t2.i + 1 < len(sent.doc)
                and sent.doc[t2.i + 1].lower_ == "to"
            ):
                for p in sent.doc[t2.i + 1].children:
                    if p.dep_ == "pobj":
                        key = idx.actor_of(p) or next(
                            (idx.actor_of(x) for x in p.subtree if idx.actor_of(x)), None
                        )
                        if key:
                            source = key
                            if certainty == "Asserted":
                                certainty = "Reported"
        if (
            ev is not None
            and ev.earliest is not None
            and article.published is not None
            and ev.earliest > article.published
        ):
            certainty = "Hypothetical"
        return certainty, source

    @staticmethod
    def _subject_actor(verb: Token, idx: EntityIndex) -> str | None:
        for c in verb.children:
            if c.dep_ in {"nsubj", "nsubjpass"}:
                for x in [c, *c.subtree]:
                    key = idx.actor_of(x)
                    if key:
                        return key
        return None

    # dates ------------------------------------------------------------------
    def _split_coordinated_dates(self, doc: Doc, article: Article, found: list[_Found]) -> None:
        """ "mutinies in 2012 and 2020": a plural trigger over coordinated dates is one event
        per date."""
        extra: list[_Found] = []
        for f in found:
            tok = f.token
            if tok.tag_ not in {"NNS", "NNPS"}:
                continue
            dates = [e for e in span_ents(f.sent) if e.label_ == "DATE"]
            clause = tok
            while clause.pos_ not in {"VERB", "AUX"} and clause.head != clause:
                clause = clause.head
            scope = {x.i for x in clause.subtree}
            mine = [e for e in dates if e.root.i in scope]
            coord = [
                e
                for e in mine
                if any(x.dep_ == "conj" for x in e)
                or e.root.dep_ == "conj"
                or any(c.dep_ == "conj" for c in e.root.children)
            ]
            if len(coord) < 2:
                continue
            bounds = [normalise(e.text, article.published) for e in coord]
            bounds = [b for b in bounds if b is not None and b.earliest is not None]
            if len(bounds) < 2:
                continue
            f.event.earliest, f.event.latest = bounds[0].earliest, bounds[0].latest
            for n, b in enumerate(bounds[1:], 1):
                ev = Event(
                    **{
                        **f.event.__dict__,
                        "key": f"{f.event.key}-{n}",
                        "earliest": b.earliest,
                        "latest": b.latest,
                        "agents": list(f.event.agents),
                        "targets": list(f.event.targets),
                        "mentions": list(f.event.mentions),
                    }
                )
                ev.label = re.sub(r"\(\d{4}\)", f"({b.earliest.year})", ev.label)
                extra.append(_Found(ev, tok, f.sent))
            f.event.label = re.sub(r"\(\d{4}.*\)$", f"({bounds[0].earliest.year})", f.event.label)
        found.extend(extra)
        # "mutinies in 2012 and 2020 that led to coups": an event told in a relative clause of
        # another takes that event's dates (one event per date when those were split).
        for f in list(found):
            parents = _cause_events(f, found)
            if not parents:
                continue
            first, *others = parents
            f.event.earliest, f.event.latest = first.event.earliest, first.event.latest
            for n, g in enumerate(others, 1):
                ev = Event(
                    **{
                        **f.event.__dict__,
                        "key": f"{f.event.key}-r{n}",
                        "earliest": g.event.earliest,
                        "latest": g.event.latest,
                        "agents": list(f.event.agents),
                        "targets": list(f.event.targets),
                        "mentions": list(f.event.mentions),
                    }
                )
                found.append(_Found(ev, f.token, f.sent))


_CAUSING = {"trigger", "spark", "cause", "prompt", "provoke", "precipitate", "bring"}


def _cause_events(f: _Found, found: list[_Found]) -> list[_Found]:
    """Events that the sentence says led to ``f`` ("mutinies … that led to coups", "an attack
    that sparked protests"): ``f`` happened when they did."""
    tok = f.token
    verb = None
    if (
        tok.dep_ == "pobj"
        and tok.head.lower_ in {"to", "in"}
        and tok.head.head.lemma_.lower() in {"lead", "result"}
    ):
        verb = tok.head.head
    elif tok.dep_ == "dobj" and tok.head.lemma_.lower() in _CAUSING:
        verb = tok.head
    if verb is None:
        return []
    earlier = [
        g
        for g in found
        if g.sent == f.sent and g.token.i < tok.i and g is not f and g.event.earliest is not None
    ]
    if not earlier:
        return []
    first = earlier[-1].token
    return [g for g in earlier if g.token == first]


_DATELINE = re.compile(
    r"\s*[A-Z][A-Z .'’-]{1,40}(?:,\s*[A-Z][A-Za-z .]{1,30})?,\s*"
    r"(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8})(?:,?\s*\d{4})?\s*"
    r"(?:\([^)]{1,40}\))?\s*[-–—]+\s"
)


def _claimed_by(tok: Token) -> Token | None:
    """The verb of "claimed responsibility for" this event noun, unless negated.

    ("claimed the attack" and "the attack was claimed by" need no rule of their own: "claim"
    is a light verb.)
    """
    if tok.dep_ != "pobj" or tok.head.lower_ != "for":
        return None
    resp = tok.head.head
    if resp.lemma_.lower() != "responsibility" or resp.dep_ not in {"dobj", "obj"}:
        return None
    verb = resp.head
    if verb.lemma_.lower() != "claim" or verb.pos_ != "VERB":
        return None
    if any(c.dep_ == "neg" for c in verb.children):
        return None
    return verb


_RANGE_WORDS = {"to", "and", "-", "–"}


def _range_end(ent: Span, sent: Span) -> str:
    """The end of a range the model left out of the date's span, with its joining word.

    "the night of March 3 to" | "4" and "the night of March 3" | "to 4" give " 4" and " to 4":
    a day number right after the span, joined by to/and/-, that counts nothing ("to 4
    soldiers" is not a day), is the range's last day.
    """
    doc = ent.doc

    def day(i: int) -> bool:
        t = doc[i]
        return t.text.isdigit() and 1 <= int(t.text) <= 31 and t.dep_ != "nummod"

    i = ent.end
    if ent[-1].lower_ in _RANGE_WORDS and i < sent.end and day(i):
        return f" {doc[i].text}"
    if i + 1 < sent.end and doc[i].lower_ in _RANGE_WORDS and day(i + 1):
        return f" {doc[i].text} {doc[i + 1].text}"
    return ""


def _not_a_year(ent: Span) -> bool:
    """A bare four-digit number the tagger calls a date but that is not a year.

    "deployed 1100 troops", "2000 soldiers were sent": the number modifies a noun directly,
    with no article or preposition before it. "at 2100 on Tuesday", "at 0600 GMT": a clock
    time (no year is written "at 2012"). A year inside a noun phrase comes after an article or
    preposition ("the 2012 coup", "a 2019 report", "in 2015") and stays a date.
    """
    tok = ent[0]
    if not (tok.text.isdigit() and len(tok.text) == 4):
        return False
    before = tok.doc[tok.i - 1] if tok.i > 0 else None
    if before is not None and before.lower_ == "at":
        return True
    if len(ent) != 1:
        return False
    if tok.dep_ != "nummod" or tok.head.pos_ not in {"NOUN", "PROPN"} or tok.head.i < tok.i:
        return False
    return before is None or before.pos_ not in {"DET", "ADP", "PRON"} and before.tag_ != "POS"


def _dateline_end(doc: Doc) -> int:
    """End offset of a wire dateline ("KHARTOUM, April 16 (Reuters) - "), else 0."""
    cached = doc.user_data.get("kg_dateline_end")
    if cached is None:
        m = _DATELINE.match(doc_text(doc))
        cached = doc.user_data["kg_dateline_end"] = m.end() if m else 0
    return cached


def _anchor(previous: TimeBounds | None) -> TimeBounds | None:
    """What "the next year" counts from: the start of a "since …" span, else the whole time."""
    if previous is not None and previous.text.lower().startswith("since") and previous.earliest:
        return TimeBounds(previous.earliest, previous.earliest, previous.text)
    return previous


def _is_headline(sent: Span) -> bool:
    """A first line standing alone without a full stop is a headline: it restates the story."""
    text = doc_text(sent.doc)
    line_end = text.find("\n", sent.start_char)
    line = text[sent.start_char : line_end if line_end >= 0 else len(text)].strip()
    return line_end >= 0 and bool(line) and line[-1] not in ".!?\"'”’" and len(line) < 200


def _negated(tok: Token) -> bool:
    """ "did not attack", "did not appear to be fighting": a negated trigger is no event
    (unless a denial verb governs it, which the certainty rule handles)."""
    t = tok
    for _ in range(3):
        if any(c.dep_ == "neg" for c in t.children):
            return True
        if t.dep_ not in {"xcomp", "ccomp"} or t.head == t:
            return False
        t = t.head
        if t.lemma_.lower() in lexicon.DENYING:
            return False
    return False


def _joins(verb: Token) -> bool:
    """A verb by which its subject takes part in what its "in" phrase names."""
    return verb.lemma_ in _JOINING_VERBS or (
        verb.lemma_ == "take" and any(c.dep_ == "dobj" and c.lower_ == "part"
                                      for c in verb.children))


def _event_label(ev: Event, idx: EntityIndex) -> str:
    """ "Attack in Sévaré (2025-03-11)": the type, the place, and the day or year when known."""
    place_name = idx.places[ev.place].name if ev.place else None
    earliest, latest = ev.earliest, ev.latest
    label = (
        _LABEL.get(ev.type, "event")
        + (f" in {place_name}" if place_name else "")
        + (
            f" ({earliest.isoformat()})"
            if earliest and earliest == latest
            else f" ({earliest.year})"
            if earliest and latest and earliest.year == latest.year
            else ""
        )
    )
    return label[0].upper() + label[1:]


def _contains_in_order(seq: list[str], want: tuple[str, ...]) -> bool:
    it = iter(seq)
    return all(any(x == w for x in it) for w in want)


def _noun_count(tok: Token) -> tuple[int | None, bool]:
    """The number a victim noun phrase states ("one soldier", "six people", "15")."""
    perp = tok.lemma_.lower() in lexicon.PERPETRATOR_NOUNS
    if tok.like_num:
        c = parse_count(tok.text)
        return (c.value if c else None), False
    nums = [c for c in tok.children if c.dep_ in {"nummod", "quantmod"} or c.like_num]
    if nums:
        num = nums[0]
        # the number's whole phrase first: "two dozen" hangs "dozen" to the right of "two"
        whole = tok.doc[num.left_edge.i : num.right_edge.i + 1].text
        text = tok.doc[num.left_edge.i : num.i + 1].text
        c = parse_count(whole) or parse_count(text) or parse_count(num.text)
        return (c.value if c else None), perp
    if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.pos_ == "NOUN":
        outer = tok.head.head  # "71 cases of civilians", "the bodies of 10 people"
        nums = [c for c in outer.children if c.dep_ in {"nummod", "quantmod"} or c.like_num]
        if nums:
            c = parse_count(tok.doc[nums[0].left_edge.i : nums[0].i + 1].text) or parse_count(
                nums[0].text
            )
            return (c.value if c else None), perp
    for c in tok.children:  # "dozens of people"
        if (
            c.dep_ == "prep"
            and c.lower_ == "of"
            and tok.lower_ in {"dozens", "hundreds", "thousands", "scores"}
        ):
            cnt = parse_count(tok.text)
            return (cnt.value if cnt else None), False
    if (
        tok.tag_ == "NN"
        and tok.lemma_.lower() not in COLLECTIVE_NOUNS
        and any(c.dep_ in {"det", "poss"} and c.lower_ not in {"no", "every", "each", "any"}
                for c in tok.children)
    ):
        return 1, perp  # "killed the village chief", "a teacher", "his son": one person
    return None, perp
