"""Tests for kg_builder.extract.numbers: counts of people and casualty mentions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg_builder.extract import numbers
from kg_builder.extract.numbers import (
    ACLED_VAGUE_DEFAULTS,
    CasualtyMention,
    Count,
    find_casualties,
    parse_count,
    parse_number,
)

# ---------------------------------------------------------------- a tiny number-to-words

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _below_thousand(n: int, british: bool) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        parts.append(f"{_ONES[hundreds]} hundred")
    if rest:
        if rest < 20:
            tail = _ONES[rest]
        else:
            tens, ones = divmod(rest, 10)
            tail = _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
        parts.append(("and " if hundreds and british else "") + tail)
    return " ".join(parts)


def words(n: int, british: bool = True) -> str:
    """English words for 0 <= n < 1,000,000 ("nine hundred and ninety-nine thousand ...")."""
    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    parts = []
    if thousands:
        parts.append(f"{_below_thousand(thousands, british)} thousand")
    if rest:
        if thousands and rest < 100 and british:
            parts.append("and " + _below_thousand(rest, False))
        else:
            parts.append(_below_thousand(rest, british))
    return " ".join(parts)


def test_words_helper() -> None:
    assert words(105) == "one hundred and five"
    assert words(21) == "twenty-one"
    assert words(999_999) == "nine hundred and ninety-nine thousand nine hundred and ninety-nine"
    assert words(3_005) == "three thousand and five"
    assert words(120, british=False) == "one hundred twenty"


# ---------------------------------------------------------------- parse_number / parse_count tables

NUMBER_CASES = [
    ("0", 0), ("7", 7), ("15", 15), ("1,200", 1200), ("12,000", 12000), ("1,200,000", 1200000),
    ("1.200", 1200), ("12.000", 12000), ("1\u202f200", 1200), ("1\u00a0200", 1200),
    ("1.5 million", 1_500_000), ("2 million", 2_000_000), ("1,5 million", 1_500_000),
    ("3.2 thousand", 3200), ("20 thousand", 20_000), ("2.25 million", 2_250_000),
    ("six", 6), ("Six", 6), ("twelve", 12), ("twenty-one", 21), ("twenty one", 21),
    ("one hundred and five", 105), ("one hundred five", 105), ("a hundred", 100),
    ("hundred", 100), ("three thousand", 3000), ("a thousand", 1000),
    ("fifteen hundred", 1500), ("two hundred thousand", 200_000), ("one million", 1_000_000),
    ("a dozen", 12), ("dozen", 12), ("two dozen", 24), ("half a dozen", 6), ("a score", 20),
    ("dozens", 12), ("dozens of", 12), ("scores", 20), ("tens", 10), ("hundreds", 100),
    ("thousands", 1000), ("tens of thousands", 10_000), ("hundreds of thousands", 100_000),
    ("several hundred", 100), ("a few dozen", 12), ("several thousand", 1000),
    ("at least 300", 300), ("more than 100", 100), ("over 100", 100), ("up to 50", 50),
    ("nearly 40", 40), ("about 40", 40), ("around 40", 40), ("some 40", 40),
    ("almost forty", 40), ("an estimated 2,000", 2000), ("fewer than ten", 10),
    ("at least a dozen", 12), ("more than two dozen", 24), ("at least six", 6),
    ("between 20 and 30", 20), ("between thirty and twenty", 20), ("20 to 30", 20),
    ("20-30", 20), ("20 – 30", 20), ("one or two", 1), ("two or three", 2), ("from 5 to 8", 5),
    ("40-odd", 40), ("40 or so", 40), ("100+", 100),
    ("a", 1), ("an", 1), ("one", 1), ("a single", 1),
    ("no one", 0), ("nobody", 0), ("none", 0), ("no", 0), ("zero", 0),
    ("a total of 12", 12), ("another 5", 5), ("a further three", 3),
]


@pytest.mark.parametrize(("text", "value"), NUMBER_CASES)
def test_parse_number(text: str, value: int) -> None:
    assert parse_number(text) == value


NOT_NUMBERS = ["", "   ", "soldiers", "1.5", "2.75", "21st", "first", "one two", "five and six",
               "hundred hundred", "thousand million", "dozen dozen", "-5", "1,20", "twenty twenty",
               "a a", "the", "abc123", "12abc", "zero one", "one and", "between 5 and soldiers"]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_not_numbers(text: str) -> None:
    assert parse_count(text) is None
    assert parse_number(text) is None


@pytest.mark.parametrize("text", ["several", "a few", "few", "some", "many", "numerous",
                                  "a number of", "a handful of", "countless"])
def test_vague_amounts_have_no_value_by_default(text: str) -> None:
    assert parse_count(text) == Count(None, True, text)
    assert parse_number(text) is None


def test_vague_defaults_can_be_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numbers, "VAGUE_DEFAULTS", {"several": 3, "a few": 3})
    assert parse_number("several") == 3
    assert parse_number("a few") == 3
    assert parse_number("several hundred") == 300
    assert parse_number("many") is None
    monkeypatch.setattr(numbers, "VAGUE_DEFAULTS", dict(ACLED_VAGUE_DEFAULTS))
    assert parse_number("several") == 10
    assert parse_number("many") == 10
    assert parse_count("numerous") == Count(10, True, "numerous")


@pytest.mark.parametrize(
    ("text", "approximate"),
    [("six", False), ("1,200", False), ("at least 300", True), ("more than 100", True),
     ("about 40", True), ("between 20 and 30", True), ("dozens", True), ("hundreds", True),
     ("several", True), ("a total of 12", False), ("another 5", False), ("only two", False),
     ("no one", False), ("a dozen", False), ("40-odd", True)],
)
def test_approximate_flag(text: str, approximate: bool) -> None:
    c = parse_count(text)
    assert c is not None and c.approximate is approximate and c.text == text


def test_count_text_is_stripped_original() -> None:
    assert parse_count("  At least 300 ") == Count(300, True, "At least 300")


# ---------------------------------------------------------------- properties of numbers


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_digits_round_trip(n: int) -> None:
    assert parse_number(str(n)) == n
    assert parse_number(f"{n:,}") == n


@settings(max_examples=1500, deadline=None)
@given(st.integers(min_value=0, max_value=999_999), st.booleans())
def test_words_round_trip(n: int, british: bool) -> None:
    assert parse_number(words(n, british)) == n
    assert parse_number(words(n, british).upper()) == n


def test_words_round_trip_exhaustive_below_ten_thousand() -> None:
    for n in range(10_000):
        assert parse_number(words(n)) == n, words(n)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=999_999),
       st.sampled_from(["at least", "more than", "over", "up to", "nearly", "about", "around",
                        "some", "approximately", "as many as"]))
def test_qualified_numbers_keep_the_stated_number(n: int, qualifier: str) -> None:
    assert parse_count(f"{qualifier} {n:,}") == Count(n, True, f"{qualifier} {n:,}")
    assert parse_number(f"{qualifier} {words(n)}") == n


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_ranges_take_the_lower_end(a: int, b: int) -> None:
    assert parse_number(f"between {a} and {b}") == min(a, b)
    assert parse_number(f"{a} to {b}") == min(a, b)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_parse_count_never_raises(text: str) -> None:
    c = parse_count(text)
    assert c is None or (isinstance(c, Count) and (c.value is None or c.value >= 0))


# ---------------------------------------------------------------- find_casualties: table


def mentions(sentence: str) -> list[tuple[str, int | None, str, str | None, bool]]:
    """(kind, value, matched text, who, perpetrator) per mention, checking the offsets."""
    out = []
    for m in find_casualties(sentence):
        assert isinstance(m, CasualtyMention)
        span = sentence[m.start:m.end]
        assert m.count.text in span
        assert span == span.strip()
        out.append((m.kind, m.count.value, span, m.who, m.perpetrator))
    return out


CASUALTY_CASES = [
    ("Gunmen stormed the camp, killing one soldier and wounding 15, the army said.",
     [("killed", 1, "killing one soldier", "soldier", False),
      ("injured", 15, "wounding 15", None, False)]),
    ("Six people were killed in the raid.",
     [("killed", 6, "Six people were killed", "people", False)]),
    ("At least 300 civilians were killed in the massacre, residents said.",
     [("killed", 300, "At least 300 civilians were killed", "civilians", False)]),
    ("The fighting left over 100 dead.",
     [("killed", 100, "left over 100 dead", None, False)]),
    ("Over 100 dead after clashes in the north.",
     [("killed", 100, "Over 100 dead", None, False)]),
    ("The militants killed 20 in the village.",
     [("killed", 20, "killed 20", None, False)]),
    ("20 killed, 15 wounded in market blast",
     [("killed", 20, "20 killed", None, False), ("injured", 15, "15 wounded", None, False)]),
    ("The explosion left 12 dead and 30 injured.",
     [("killed", 12, "left 12 dead", None, False), ("injured", 30, "30 injured", None, False)]),
    ("The death toll rose to 30 on Saturday.",
     [("killed", 30, "death toll rose to 30", None, False)]),
    ("The toll has risen to at least 45 people.",
     [("killed", 45, "toll has risen to at least 45 people", "people", False)]),
    ("Officials said some 10 people were injuring during the stampede.", []),
    ("The army said five people were injured and two assailants neutralized.",
     [("injured", 5, "five people were injured", "people", False),
      ("killed", 2, "two assailants neutralized", "assailants", True)]),
    ("Five attackers were killed when troops returned fire.",
     [("killed", 5, "Five attackers were killed", "attackers", True)]),
    ("Troops killed 20 terrorists near the border.",
     [("killed", 20, "killed 20 terrorists", "terrorists", True)]),
    ("Three suspected jihadists were shot dead.",
     [("killed", 3, "Three suspected jihadists were shot dead", "suspected jihadists", True)]),
    ("Villagers recovered the bodies of 10 people.",
     [("killed", 10, "the bodies of 10 people", "people", False)]),
    ("Dozens of people were killed and hundreds wounded.",
     [("killed", 12, "Dozens of people were killed", "people", False),
      ("injured", 100, "hundreds wounded", None, False)]),
    ("No one was injured in the incident.",
     [("injured", 0, "No one was injured", None, False)]),
    ("A soldier was killed a day after the attack.",
     [("killed", 1, "A soldier was killed", "soldier", False)]),
    ("A dozen soldiers were killed on Friday.",
     [("killed", 12, "A dozen soldiers were killed", "soldiers", False)]),
    ("One of the soldiers was killed.",
     [("killed", 1, "One of the soldiers was killed", "soldiers", False)]),
    ("12 soldiers were killed and 15 others were seriously wounded.",
     [("killed", 12, "12 soldiers were killed", "soldiers", False),
      ("injured", 15, "15 others were seriously wounded", "others", False)]),
    ("Between 20 and 30 people were killed overnight.",
     [("killed", 20, "Between 20 and 30 people were killed", "people", False)]),
    ("The attack killed at least 12 people, including three children.",
     [("killed", 12, "killed at least 12 people", "people", False)]),
    ("Four gunmen killed 12 villagers.",
     [("killed", 12, "killed 12 villagers", "villagers", False)]),
    ("Thirty people died and 1,200 were displaced.",
     [("killed", 30, "Thirty people died", "people", False)]),
    ("Several soldiers were wounded.",
     [("injured", None, "Several soldiers were wounded", "soldiers", False)]),
    ("Attacks in 2021 killed 300 people.",
     [("killed", 300, "killed 300 people", "people", False)]),
    ("Since July 22 killed means nothing here.", []),
    ("In 2012 killed was a common word.", []),
    ("The army lost ground; nobody was hurt.",
     [("injured", 0, "nobody was hurt", None, False)]),
    ("The blast killed a 30-year-old man.",
     [("killed", 1, "killed a 30-year-old man", "30-year-old man", False)]),
    ("There were no casualties.", []),
    ("", []),
]


@pytest.mark.parametrize(("sentence", "expected"), CASUALTY_CASES)
def test_find_casualties(sentence: str, expected: list) -> None:
    assert mentions(sentence) == expected


def test_casualty_count_detail() -> None:
    (m,) = find_casualties("At least 300 civilians were killed.")
    assert m.count == Count(300, True, "At least 300")
    assert (m.start, m.end) == (0, 34)


# ---------------------------------------------------------------- find_casualties: properties

VICTIMS = ["people", "civilians", "soldiers", "villagers", "peacekeepers", "police officers"]
PERPS = ["attackers", "assailants", "militants", "terrorists", "jihadists", "insurgents", "gunmen"]


def _render(n: int, style: int) -> str:
    if style == 0:
        return str(n)
    if style == 1:
        return f"{n:,}"
    return words(n)


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 999_999), st.integers(0, 2), st.sampled_from(VICTIMS + PERPS),
       st.sampled_from(["were killed", "have been killed", "died", "were injured",
                        "were wounded", "killed", "wounded"]),
       st.sampled_from(["", "Officials said ", "On Friday, "]),
       st.sampled_from(["", " in the attack", ", the army said."]))
def test_generated_passive_sentences(n: int, style: int, who: str, verb: str, head: str,
                                     tail: str) -> None:
    number = _render(n, style)
    phrase = f"{number} {who} {verb}"
    sentence = f"{head}{phrase}{tail}"
    (m,) = find_casualties(sentence)
    assert sentence[m.start:m.end] == phrase
    assert m.count.value == n and m.count.text == number
    assert m.kind == ("killed" if ("kill" in verb or verb == "died") else "injured")
    assert m.who == who
    assert m.perpetrator is (who in PERPS)


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 999_999), st.integers(0, 2), st.sampled_from(VICTIMS + PERPS),
       st.sampled_from(["killing", "killed", "wounding", "injuring"]),
       st.sampled_from(["at least ", "", "more than "]))
def test_generated_active_sentences(n: int, style: int, who: str, verb: str, qual: str) -> None:
    number = _render(n, style)
    phrase = f"{verb} {qual}{number} {who}"
    sentence = f"Gunmen opened fire, {phrase} near the market."
    (m,) = find_casualties(sentence)
    assert sentence[m.start:m.end] == phrase
    assert m.count.value == n and m.count.approximate is bool(qual)
    assert m.kind == ("killed" if verb.startswith("kill") else "injured")
    assert m.perpetrator is (who in PERPS)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=120))
def test_find_casualties_never_raises_and_offsets_slice(text: str) -> None:
    last_end = -1
    for m in find_casualties(text):
        assert 0 <= m.start < m.end <= len(text)
        assert m.start >= last_end  # in order, not overlapping
        last_end = m.end
        assert m.count.text in text[m.start:m.end]
        assert m.kind in ("killed", "injured")


@pytest.mark.parametrize("text", ["one " * 1000, "1 " * 1000, "a " * 1000 + "killed",
                                  "at least " * 300 + "5 killed", "killed " * 500])
def test_no_catastrophic_backtracking(text: str) -> None:
    import time

    start = time.perf_counter()
    find_casualties(text)
    parse_count(text)
    assert time.perf_counter() - start < 5.0  # cubic backtracking once took > 30 s here
