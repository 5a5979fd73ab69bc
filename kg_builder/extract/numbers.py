"""Counts of people in English news: "six", "at least 300", "dozens", "1.5 million".

Casualty figures go into the graph as ``kg:fatalities`` and ``kg:injured`` (``xsd:integer``), so
every way news writes a number of people must become one integer, or none when the text does not
say. The conventions follow ACLED's, so that counts here can be compared with ACLED data:

* A stated floor or ceiling is recorded as stated: "at least 300" is 300, "more than 100" and
  "over 100" are 100 (no one is added: ACLED records the number given), "up to 50" and "fewer
  than 50" are 50, "nearly/about/around/some 40" are 40. All of these are ``approximate``.
* A range takes its lower end, the most conservative estimate: "between 20 and 30" is 20.
* Plural round numbers count as one of the unit: "tens" 10, "dozens" 12, "scores" 20 (a score is
  twenty, by the same rule as ACLED's "dozens"), "hundreds" 100, "thousands" 1,000, "tens of
  thousands" 10,000, "hundreds of thousands" 100,000. "several hundred" and "a few dozen" keep the
  unit (100, 12) unless :data:`VAGUE_DEFAULTS` gives the vague word a value.
* Amounts with no number at all ("several", "a few", "some", "many", "numerous", "a number of",
  "a handful of") have no value (``Count(None, True, ...)``, ``parse_number`` → None) unless
  :data:`VAGUE_DEFAULTS` maps the word to one. :data:`ACLED_VAGUE_DEFAULTS` holds the values
  ACLED's coders use for unspecified plural fatalities; install them with
  ``VAGUE_DEFAULTS.update(ACLED_VAGUE_DEFAULTS)``.
* "a"/"an"/"one"/"a single" are 1; "no one", "nobody", "none", "no", "zero" are 0.
* Digits: "1,200" is 1200; "1.200" (a dot before exactly three digits, common in text translated
  from French) is also 1200; a decimal is only a count with a scale word ("1.5 million").

:func:`find_casualties` finds "six people were killed", "killing one soldier and wounding 15" and
the like in a plain sentence with regular expressions. The spaCy-based event extractor reads the
dependency tree instead; this is its text-level fallback and a test oracle for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

__all__ = [
    "ACLED_VAGUE_DEFAULTS",
    "COLLECTIVE_NOUNS",
    "PERPETRATOR_NOUNS",
    "VAGUE_DEFAULTS",
    "CasualtyMention",
    "Count",
    "find_casualties",
    "parse_count",
    "parse_number",
]

#: Values for amounts that state no number ("several": 3). Empty by default: such amounts are
#: unknown (None). Keys are the vague words as written, lower case: several, a few, few, some,
#: many, numerous, a number of, a handful of, countless.
VAGUE_DEFAULTS: dict[str, int] = {}

#: ACLED codes plural fatalities reported without a number ("several", "many") as 10; opt in with
#: ``VAGUE_DEFAULTS.update(ACLED_VAGUE_DEFAULTS)``.
ACLED_VAGUE_DEFAULTS: dict[str, int] = {
    "several": 10, "many": 10, "numerous": 10, "a number of": 10, "countless": 10,
}

#: Nouns for attackers: victims so named are counted as perpetrator fatalities, not as victims.
PERPETRATOR_NOUNS = (
    "attacker", "assailant", "militant", "terrorist", "jihadist", "jihadi", "insurgent",
    "gunman", "gunmen", "bomber", "suicide bomber", "raider", "kidnapper", "extremist",
)

#: Singular nouns of a group: "killed a family" does not say how many died.
COLLECTIVE_NOUNS = frozenset({
    "family", "group", "crowd", "army", "force", "unit", "patrol", "convoy", "village",
    "population", "community", "delegation", "team", "battalion", "company", "platoon",
    "brigade", "squad", "couple", "household", "people", "public", "police", "staff", "crew",
    "column", "militia", "gang", "cell",
})


@dataclass(frozen=True)
class Count:
    """A count of people: ``value`` (None when the text gives no number) and whether it is
    approximate (qualified, ranged or vague). ``text`` is the expression it was read from."""

    value: int | None
    approximate: bool
    text: str


@dataclass(frozen=True)
class CasualtyMention:
    """People killed or injured, as a sentence states them.

    ``start``/``end`` are offsets into the sentence string covering the whole phrase ("six
    people were killed"); ``who`` is the victim noun phrase when given ("people"); ``perpetrator``
    is True when those killed or injured were the attackers ("two assailants neutralized").
    """

    kind: Literal["killed", "injured"]
    count: Count
    start: int
    end: int
    who: str | None
    perpetrator: bool


# --------------------------------------------------------------------------- vocabulary

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9,
}
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_GROUPS = {"dozen": 12, "score": 20}
_PLURALS = {
    "tens": 10, "dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1_000,
    "millions": 1_000_000,
}
_VAGUE_WORDS = (
    "several", "a few", "few", "some", "many", "numerous", "a number of", "a number",
    "a handful of", "a handful", "countless", "a couple of", "a couple", "a pair of", "a pair",
)
_FIXED_VAGUE = {"a couple": 2, "a pair": 2}
_ZERO = {"no one", "no-one", "nobody", "none", "no", "zero", "nil", "not one", "not a single"}
_ONE = {"a", "an", "one", "a single", "single", "a lone", "lone"}

#: Qualifiers before a number, and whether they make it approximate.
_QUALIFIERS = {
    "at least": True, "at minimum": True, "a minimum of": True, "no fewer than": True,
    "no less than": True, "not less than": True, "more than": True, "over": True,
    "upwards of": True, "in excess of": True, "up to": True, "as many as": True,
    "at most": True, "no more than": True, "nearly": True, "almost": True, "about": True,
    "around": True, "approximately": True, "approx.": True, "roughly": True, "some": True,
    "an estimated": True, "estimated": True, "close to": True, "just over": True,
    "just under": True, "well over": True, "well above": True, "fewer than": True,
    "less than": True, "under": True, "below": True, "above": True, "perhaps": True,
    "possibly": True, "potentially": True, "reportedly": True, "a reported": True,
    "a total of": False, "a further": False, "another": False, "an additional": False,
    "only": False, "just": False, "officially": False, "exactly": False, "all": False,
    "all of the": False, "all the": False,
}


def _alt(words) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len,
                                                                          reverse=True))


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_NUMBER_WORDS = [*_UNITS, *_TEENS, *_TENS, "hundred", *_SCALES, *_GROUPS]
_WORD = rf"(?:{_alt(_NUMBER_WORDS)})"
_SCALE_WORD = r"(?:hundred|thousand|million|billion)"
_AFTER_SCALE = r"(?:(?<=hundred)|(?<=thousand)|(?<=million)|(?<=billion))"
#: Number words joined by spaces or hyphens; "and" only after a scale ("one hundred and five").
_WORDS = (
    rf"\b(?:an?\s+(?=(?:{_SCALE_WORD}|dozen|score)\b))?{_WORD}"
    rf"(?:(?:\s+|-){_WORD}|{_AFTER_SCALE}\s+and\s+{_WORD}|{_AFTER_SCALE},\s+{_WORD}){{0,12}}\b"
)
_DIGITS = (
    r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+(?![\d])|\d{1,3}(?:\.\d{3})+(?![.\d])"
    rf"|\d+(?:[.,]\d+)?(?=\s*{_SCALE_WORD}s?\b)|\d+(?![.,]?\d))"
    rf"(?:\s*{_SCALE_WORD}\b)?"
)
_PLURAL = rf"\b(?:{_alt(_PLURALS)})(?:\s+of\s+(?:thousands|millions))?\b"
_VAGUE = (
    rf"\b(?:(?:{_alt(_VAGUE_WORDS)})(?:\s+(?:dozen|hundred|thousand|million)s?)?"
    r"|half\s+an?\s+(?:dozen|hundred|thousand|million))\b"
)
_ZERO_RE = r"\b(?:no[\s-]one|nobody|none|no|not\s+a\s+single|not\s+one)\b"
_ONE_RE = r"\b(?:an?\s+single|a\s+lone|an?)\b"
_CORE = rf"(?:{_DIGITS}|{_WORDS}|{_PLURAL}|{_VAGUE}|{_ZERO_RE}|{_ONE_RE})"
_RANGE_CORE = rf"(?:{_DIGITS}|{_WORDS})"
_QUAL = rf"(?:{_alt(_QUALIFIERS)})"
#: A count expression inside running text.
_COUNT = (
    rf"(?:\b{_QUAL}\s+){{0,3}}(?:between\s+{_RANGE_CORE}\s+and\s+{_RANGE_CORE}"
    rf"|{_RANGE_CORE}(?:\s*-\s*|\s+to\s+|\s+or\s+){_RANGE_CORE}|{_CORE})"
    r"(?:\s+or\s+so|-odd|\s+odd|\+|-plus)?"
)

# --------------------------------------------------------------------------- parsing

_SPACES = _c(r"\s+")
_GROUP_SPACE = _c(r"(?<=\d)[\u00a0\u202f](?=\d{3}\b)")
_TRAIL = _c(r"(?:\s+or\s+so|-odd|\s+odd|\+|-plus|\s+plus)$")
_OF_TAIL = _c(r"\s+of(?:\s+(?:the|them|those|whom|us))?$")
_QUAL_HEAD = _c(rf"^({_QUAL})\s+")
_BETWEEN = _c(r"^(?:between|from)\s+(.+?)\s+(?:and|to|-)\s+(.+)$")
_RANGE_SPLIT = _c(r"^(.+?)(?:\s*-\s*|\s+to\s+|\s+or\s+)(.+)$")
_INT_GROUPED = _c(r"^\d{1,3}(?:,\d{3})+$")
_INT_DOTTED = _c(r"^\d{1,3}(?:\.\d{3})+$")
_INT = _c(r"^\d+$")
_DEC_SCALE = _c(rf"^(\d+(?:[.,]\d+)?|\d{{1,3}}(?:,\d{{3}})+)\s*({_SCALE_WORD}|dozen|score)s?$")
_PLURAL_FULL = _c(rf"^({_alt(_PLURALS)})(?:\s+of\s+(thousands|millions))?$")
_VAGUE_FULL = _c(rf"^({_alt(_VAGUE_WORDS)})(?:\s+(dozen|hundred|thousand|million)s?)?$")
_HALF = _c(r"^half\s+an?\s+(dozen|hundred|thousand|million)$")


def _clean(text: str) -> str:
    s = _GROUP_SPACE.sub("", text)
    s = s.replace("–", "-").replace("—", "-").replace("’", "'")
    s = _SPACES.sub(" ", s).strip().lower()
    return s.strip(" ,;:!?()\"'")


def _words_value(s: str) -> int | None:
    """Value of English number words ("one hundred and five", "two dozen"), strictly parsed.

    Strict so that running text is not misread: "one two" or "five and six" are not numbers.
    """
    tokens = [t for t in re.split(r"[\s-]+|,\s*", s) if t]
    total = 0
    group = 0
    prev: str | None = None  # None, a, unit, teen, tens, hundred, scale, group
    last_scale: int | None = None
    for i, tok in enumerate(tokens):
        if tok == "and":
            if prev not in {"hundred", "scale"} or i == len(tokens) - 1:
                return None
            continue
        if tok in {"a", "an"}:
            if i != 0 or len(tokens) == 1:
                return None
            group, prev = 1, "a"
            continue
        if tok == "zero":
            return 0 if len(tokens) == 1 else None
        if tok in _UNITS:
            if prev not in {None, "tens", "hundred", "scale"}:
                return None
            group += _UNITS[tok]
            prev = "unit"
        elif tok in _TEENS or tok in _TENS:
            if prev not in {None, "hundred", "scale"}:
                return None
            group += _TEENS.get(tok) or _TENS[tok]
            prev = "teen" if tok in _TEENS else "tens"
        elif tok == "hundred":
            if prev not in {None, "a", "unit", "teen", "tens"} or group >= 100:
                return None
            group = (group or 1) * 100
            prev = "hundred"
        elif tok in _SCALES:
            scale = _SCALES[tok]
            if prev == "scale" or (last_scale is not None and scale >= last_scale):
                return None
            total += (group or 1) * scale
            group, prev, last_scale = 0, "scale", scale
        elif tok in _GROUPS:
            if i != len(tokens) - 1 or prev not in {None, "a", "unit", "teen", "tens"}:
                return None
            group = (group or 1) * _GROUPS[tok]
            prev = "group"
        else:
            return None
    if prev in {None, "a"}:
        return None
    return total + group


def _digits_value(s: str) -> int | None:
    if _INT.match(s):
        return int(s)
    if _INT_GROUPED.match(s) or _INT_DOTTED.match(s):
        return int(s.replace(",", "").replace(".", ""))
    m = _DEC_SCALE.match(s)
    if m:
        num, scale = m.group(1), m.group(2)
        if "," in num and not _INT_GROUPED.match(num):
            num = num.replace(",", ".")  # "1,5 million": a decimal comma
        else:
            num = num.replace(",", "")
        try:
            value = Decimal(num) * (_SCALES.get(scale) or {"hundred": 100}.get(scale)
                                    or _GROUPS[scale])
        except (InvalidOperation, KeyError):
            return None
        if value != value.to_integral_value():
            return None
        return int(value)
    return None


def _single(s: str) -> tuple[int | None, bool] | None:
    """One amount (no qualifier, no range): (value, approximate), or None if not an amount."""
    s = _OF_TAIL.sub("", s).strip()
    if not s:
        return None
    if s in _ZERO:
        return 0, False
    if s in _ONE:
        return 1, False
    if s[0].isdigit():
        v = _digits_value(s)
        return None if v is None else (v, False)
    m = _HALF.match(s)
    if m:
        unit = m.group(1)
        full = {"dozen": 12, "hundred": 100}.get(unit) or _SCALES[unit]
        return full // 2, True
    m = _PLURAL_FULL.match(s)
    if m:
        value = _PLURALS[m.group(1)] * (_PLURALS[m.group(2)] if m.group(2) else 1)
        return value, True
    m = _VAGUE_FULL.match(s)
    if m:
        word = _SPACES.sub(" ", m.group(1)).removesuffix(" of")
        base = VAGUE_DEFAULTS.get(word, VAGUE_DEFAULTS.get(word + " of", _FIXED_VAGUE.get(word)))
        if m.group(2):
            unit = {"dozen": 12, "hundred": 100}.get(m.group(2)) or _SCALES[m.group(2)]
            return (base or 1) * unit, True
        return base, True
    v = _words_value(s)
    return None if v is None else (v, False)


def parse_count(text: str) -> Count | None:
    """Read a count of people; None when ``text`` is not a number expression.

    ``Count.value`` is None for an amount with no number ("several") unless
    :data:`VAGUE_DEFAULTS` gives one; ``approximate`` is True for qualified, ranged and vague
    amounts.
    """
    if not isinstance(text, str):
        return None
    original = text.strip()
    s = _clean(text)
    if not s or len(s) > 120:
        return None
    approximate = False
    while True:
        m = _QUAL_HEAD.match(s)
        if not m:
            break
        q = _SPACES.sub(" ", m.group(1))
        rest = s[m.end():]
        if q in {"some", "all"} and _single(rest) is None and not _RANGE_SPLIT.match(rest):
            break  # "some" on its own is vague, not a qualifier
        approximate = approximate or _QUALIFIERS.get(q, True)
        s = rest
    t = _TRAIL.sub("", s)
    if t != s:
        approximate, s = True, t.strip()
    m = _BETWEEN.match(s)
    parts = [m.group(1), m.group(2)] if m else None
    if parts is None and _single(s) is None:
        m = _RANGE_SPLIT.match(s)
        parts = [m.group(1), m.group(2)] if m else None
    if parts is not None:
        values = [_single(p.strip()) for p in parts]
        if any(v is None or v[0] is None for v in values):
            return None
        return Count(min(v[0] for v in values), True, original)  # type: ignore[index,type-var]
    one = _single(s)
    if one is None:
        return None
    value, vague = one
    return Count(value, approximate or vague, original)


def parse_number(text: str) -> int | None:
    """The integer a count expression stands for (ACLED conventions), or None."""
    c = parse_count(text)
    return None if c is None else c.value


# --------------------------------------------------------------------------- casualties

_STOP = (
    r"(?:and|or|but|in|on|at|of|by|for|with|from|to|into|during|after|before|when|while|as|"
    r"including|were|was|are|is|have|has|had|been|being|be|got|get|will|would|also|all|"
    r"reportedly|allegedly|the|a|an|this|that|these|those|which|who|whom|whose|it|they|"
    r"killed|killing|dead|died|dying|deaths?|wounded|wounding|injured|injuring|hurt|slain|"
    r"neutrali[sz]ed|eliminated|executed|murdered|massacred|perished|fatalit(?:y|ies)|"
    r"days?|weeks?|months?|years?|hours?|minutes?|times?|ago|earlier|later|left|leaving|"
    r"more|less|than|least|about|nearly|almost|some|over|up|per|percent|km|kilometres?|"
    r"kilometers?|miles?|metres?|meters?|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|yesterday|today|tonight|overnight|near|outside|inside|around|across|last|this|"
    r"next|there|here|so|then|because|despite|according|said|says|say|told|not|no)"
)
_WHO_WORD = rf"(?!{_STOP}\b)(?!{_WORD}\b)(?:\d+-[a-z][\w'’-]*|[a-z][\w'’-]*(?:\.[a-z][\w'’-]*)*)"
_WHO = rf"(?:of\s+(?:the\s+|its\s+|their\s+)?)?(?P<who>{_WHO_WORD}(?:\s+{_WHO_WORD}){{0,2}})"
_AUX = (
    r"(?:were|was|are|is|have\s+been|has\s+been|had\s+been|been|being|got|get|will\s+be|"
    r"would\s+be|are\s+feared|were\s+feared|are\s+believed\s+to\s+have\s+been|"
    r"were\s+believed\s+to\s+have\s+been|were\s+reported|are\s+reported|were\s+confirmed|"
    r"are\s+confirmed)"
)
_ADV = r"(?:reportedly|also|all|allegedly|later|subsequently|initially|either|each)"
_INJ_ADV = r"(?:seriously|severely|critically|slightly|lightly|badly|gravely|mortally)"
_KILL_PASS = (
    r"(?P<kverb>killed|shot\s+dead|slain|massacred|executed|murdered|beheaded|burned\s+alive|"
    r"burnt\s+alive|neutrali[sz]ed|eliminated|fatally\s+(?:wounded|injured|shot)|dead|died|"
    r"perished|lost\s+their\s+lives|lost\s+(?:his|her)\s+life|deaths?|fatalities|fatality)"
)
_INJ_PASS = rf"(?P<iverb>(?:{_INJ_ADV}\s+)?(?:wounded|injured|hurt|maimed))"
_KILL_ACT = (
    r"(?P<kverb>killed|killing|kills|kill|slew|slaying|slays|massacred|massacring|executed|"
    r"executing|murdered|murdering|neutrali[sz]ed|neutrali[sz]ing|eliminated|eliminating|"
    r"(?:claimed|claiming|claims|took|taking)\s+the\s+lives?\s+of)"
)
_INJ_ACT = r"(?P<iverb>wounded|wounding|wounds|injured|injuring|injures|hurt|hurting|maimed)"

_COUNT_G = rf"(?P<count>{_COUNT})"
_PASSIVE = _c(
    rf"(?<![\w$£€.,-]){_COUNT_G}(?:\s+{_WHO})?(?:\s*,?\s+{_AUX})?(?:\s+{_ADV})*\s+"
    rf"(?:{_KILL_PASS}|{_INJ_PASS})\b"
)
_ACTIVE = _c(rf"\b(?:{_KILL_ACT}|{_INJ_ACT})\s+{_COUNT_G}(?:\s+{_WHO})?")
_LEFT = _c(
    rf"\b(?:left|leaving|leaves|leave)\s+{_COUNT_G}(?:\s+{_WHO})?\s+"
    r"(?:(?P<kverb>dead|killed)|(?P<iverb>wounded|injured|hurt))\b"
)
_TOLL = _c(
    rf"\b(?:death\s+)?toll\b(?:\s+[\w'-]+){{0,8}}?\s+(?:to|at|of|reached|hit|is|was|stands\s+at|"
    rf"stood\s+at)\s+{_COUNT_G}(?:\s+{_WHO})?"
)
_BODIES = _c(rf"\b(?:the\s+)?(?:bodies|corpses|remains)\s+of\s+{_COUNT_G}(?:\s+{_WHO})?")
_PERP = _c(rf"\b(?:{_alt(PERPETRATOR_NOUNS)})s?\b")
_NEUTRALISE = _c(r"neutrali[sz]|eliminat")
_MONTH_BEFORE = _c(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s*$"
)
_TEMPORAL_BEFORE = _c(
    r"(?:\b(?:in|on|since|during|until|by|from|of|year|early|late|mid|before|after)\s*,?\s*$)"
    r"|(?:\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s*$)"
)


@dataclass
class _Hit:
    start: int
    end: int
    kind: str
    count: Count
    who: str | None
    verb_start: int
    active: bool
    perpetrator: bool


def _hits(sentence: str, pattern: re.Pattern[str], *, active: bool, kind: str | None = None
          ) -> list[_Hit]:
    out = []
    for m in pattern.finditer(sentence):
        groups = m.groupdict()
        count_text = m.group("count")
        count = parse_count(count_text)
        if count is None:
            continue
        if _looks_like_date(sentence, m.start("count"), count_text):
            continue
        if kind is not None:
            k = kind
            verb_start = m.start()
        elif groups.get("kverb"):
            k, verb_start = "killed", m.start("kverb")
        else:
            k, verb_start = "injured", m.start("iverb")
        who = groups.get("who")
        end = m.end()
        if who is not None:
            who = who.strip()
        if count_text.strip().lower() in {"a", "an"} and (
            not who or who.split()[-1].lower() in COLLECTIVE_NOUNS
        ):
            continue  # "a" is a count only before a noun, and not of a group ("a family")
        verb = (groups.get("kverb") or "").lower()
        perp = bool(who and _PERP.search(who)) or bool(_NEUTRALISE.match(verb))
        out.append(_Hit(m.start(), end, k, count, who or None, verb_start, active, perp))
    return out


def _looks_like_date(sentence: str, start: int, count_text: str) -> bool:
    """A year or a day of the month that happens to stand before "killed" ("in 2012 killed")."""
    digits = count_text.strip()
    if not digits.isdigit():
        return False
    before = sentence[max(0, start - 16):start]
    if len(digits) == 4 and 1800 <= int(digits) <= 2199:
        return bool(_TEMPORAL_BEFORE.search(before))
    return int(digits) <= 31 and bool(_MONTH_BEFORE.search(before))


def find_casualties(text: str) -> list[CasualtyMention]:
    """People killed or injured stated in a sentence, in order of appearance.

    Recognises passive and bare forms ("six people were killed", "20 killed", "over 100 dead",
    "15 wounded", "two assailants neutralized"), active forms ("killed 20", "killing one soldier
    and wounding 15"), "left 12 dead", "the death toll rose to 30" and "the bodies of 10 people".
    Offsets slice ``text`` to the whole phrase.
    """
    if not isinstance(text, str) or not text:
        return []
    hits = (
        _hits(text, _PASSIVE, active=False)
        + _hits(text, _ACTIVE, active=True)
        + _hits(text, _LEFT, active=True)
        + _hits(text, _TOLL, active=True, kind="killed")
        + _hits(text, _BODIES, active=True, kind="killed")
    )
    # an active reading wins over a bare passive one on the same verb ("2 gunmen killed 12")
    active_verbs = {h.verb_start for h in hits if h.active}
    hits = [h for h in hits if h.active or h.verb_start not in active_verbs]
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[_Hit] = []
    for h in hits:
        if kept and h.start < kept[-1].end:
            continue
        kept.append(h)
    return [
        CasualtyMention(h.kind, h.count, h.start, h.end, h.who, h.perpetrator)  # type: ignore[arg-type]
        for h in kept
    ]
