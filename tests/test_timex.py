"""Tests for kg_builder.extract.timex: temporal expressions to date bounds.

The reference publication date is Friday 22 July 2022 (the convention examples in DESIGN.md use
it): "on Friday" in an article of that day is that day, "last week" is Mon 11 - Sun 17 July.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from kg_builder.extract.timex import DATE_TOLERANCE_DAYS, TimeBounds, find_year, normalise

PUB = date(2022, 7, 22)  # a Friday
assert PUB.weekday() == 4


def d(s: str) -> date:
    return date.fromisoformat(s)


def bounds(expr: str, published: date | None = PUB, **kw) -> tuple[date | None, date | None] | None:
    tb = normalise(expr, published, **kw)
    return None if tb is None else (tb.earliest, tb.latest)


# ------------------------------------------------- table: past-tense news, Friday 22 July 2022

CASES = [
    # weekdays: most recent on or before publication; the publication weekday is that day
    ("Friday", "2022-07-22", "2022-07-22"),
    ("friday", "2022-07-22", "2022-07-22"),
    ("on Friday", "2022-07-22", "2022-07-22"),
    ("early on Friday", "2022-07-22", "2022-07-22"),
    ("late on Thursday", "2022-07-21", "2022-07-21"),
    ("on Monday night", "2022-07-18", "2022-07-18"),
    ("Saturday", "2022-07-16", "2022-07-16"),
    ("Sunday morning", "2022-07-17", "2022-07-17"),
    ("on Wednesday evening", "2022-07-20", "2022-07-20"),
    ("overnight Tuesday", "2022-07-19", "2022-07-19"),
    ("last Friday", "2022-07-15", "2022-07-15"),
    ("last Thursday", "2022-07-21", "2022-07-21"),
    ("this past Monday", "2022-07-18", "2022-07-18"),
    ("Thursday's", "2022-07-21", "2022-07-21"),
    ("in the early hours of Friday", "2022-07-22", "2022-07-22"),
    ("the night of Thursday to Friday", "2022-07-21", "2022-07-22"),
    ("overnight Sunday to Monday", "2022-07-17", "2022-07-18"),
    ("between Tuesday and Thursday", "2022-07-19", "2022-07-21"),
    ("Friday, July 22, 2022", "2022-07-22", "2022-07-22"),
    ("Tuesday 12 July", "2022-07-12", "2022-07-12"),
    ("earlier in the day on Friday", "2022-07-22", "2022-07-22"),
    # times of day are dropped when a day is given
    ("6 a.m. on Friday", "2022-07-22", "2022-07-22"),
    ("Friday at 6 a.m.", "2022-07-22", "2022-07-22"),
    ("around 0600 GMT on Thursday", "2022-07-21", "2022-07-21"),
    ("at dawn on Saturday", "2022-07-16", "2022-07-16"),
    # days around publication
    ("today", "2022-07-22", "2022-07-22"),
    ("tonight", "2022-07-22", "2022-07-22"),
    ("this morning", "2022-07-22", "2022-07-22"),
    ("earlier today", "2022-07-22", "2022-07-22"),
    ("earlier in the day", "2022-07-22", "2022-07-22"),
    ("yesterday", "2022-07-21", "2022-07-21"),
    ("yesterday afternoon", "2022-07-21", "2022-07-21"),
    ("last night", "2022-07-21", "2022-07-21"),
    ("overnight", "2022-07-21", "2022-07-22"),
    ("the day before yesterday", "2022-07-20", "2022-07-20"),
    ("the day before", "2022-07-21", "2022-07-21"),
    ("on the eve", "2022-07-21", "2022-07-21"),
    ("on the eve of the election", "2022-07-21", "2022-07-21"),
    ("tomorrow", "2022-07-23", "2022-07-23"),
    ("the day after tomorrow", "2022-07-24", "2022-07-24"),
    # calendar periods
    ("last week", "2022-07-11", "2022-07-17"),
    ("this week", "2022-07-18", "2022-07-22"),
    ("earlier this week", "2022-07-18", "2022-07-22"),
    ("next week", "2022-07-25", "2022-07-31"),
    ("last weekend", "2022-07-16", "2022-07-17"),
    ("over the weekend", "2022-07-16", "2022-07-17"),
    ("last month", "2022-06-01", "2022-06-30"),
    ("this month", "2022-07-01", "2022-07-22"),
    ("earlier this month", "2022-07-01", "2022-07-22"),
    ("last year", "2021-01-01", "2021-12-31"),
    ("this year", "2022-01-01", "2022-07-22"),
    ("earlier this year", "2022-01-01", "2022-07-22"),
    ("late last year", "2021-09-01", "2021-12-31"),
    ("early last month", "2022-06-01", "2022-06-10"),
    ("the end of last year", "2021-09-01", "2021-12-31"),
    ("last decade", "2010-01-01", "2019-12-31"),
    ("last March", "2022-03-01", "2022-03-31"),
    ("last summer", "2021-06-01", "2021-08-31"),
    ("the third quarter of last year", "2021-07-01", "2021-09-30"),
    # ago: one unit wide around publication - N units
    ("three days ago", "2022-07-19", "2022-07-19"),
    ("a week ago", "2022-07-12", "2022-07-18"),
    ("two weeks ago", "2022-07-05", "2022-07-11"),
    ("a month ago", "2022-06-07", "2022-07-07"),
    ("two years ago", "2020-01-22", "2021-01-20"),
    ("a few days ago", "2022-07-18", "2022-07-20"),
    ("hours ago", "2022-07-21", "2022-07-22"),
    # rolling periods ending at publication
    ("the past week", "2022-07-15", "2022-07-22"),
    ("the past two weeks", "2022-07-08", "2022-07-22"),
    ("in the past few days", "2022-07-18", "2022-07-22"),
    ("the past 24 hours", "2022-07-21", "2022-07-22"),
    ("recent days", "2022-07-15", "2022-07-22"),
    ("in recent days", "2022-07-15", "2022-07-22"),
    ("in recent weeks", "2022-06-24", "2022-07-22"),
    ("in recent months", "2022-04-22", "2022-07-22"),
    ("recent years", "2017-07-22", "2022-07-22"),
    # absolute
    ("2012", "2012-01-01", "2012-12-31"),
    ("in 2012", "2012-01-01", "2012-12-31"),
    ("the year 2012", "2012-01-01", "2012-12-31"),
    ("August 2020", "2020-08-01", "2020-08-31"),
    ("in August 2020", "2020-08-01", "2020-08-31"),
    ("Aug. 2020", "2020-08-01", "2020-08-31"),
    ("22 July 2022", "2022-07-22", "2022-07-22"),
    ("July 22, 2022", "2022-07-22", "2022-07-22"),
    ("July 22nd, 2022", "2022-07-22", "2022-07-22"),
    ("the 22nd of July 2022", "2022-07-22", "2022-07-22"),
    ("on 3 March 2019", "2019-03-03", "2019-03-03"),
    ("22/07/2022", "2022-07-22", "2022-07-22"),
    ("05/07/2022", "2022-07-05", "2022-07-05"),  # day first
    ("07/22/2022", "2022-07-22", "2022-07-22"),  # cannot be day first
    ("22.07.22", "2022-07-22", "2022-07-22"),
    ("2022-07-22", "2022-07-22", "2022-07-22"),
    ("2022-07-22T10:30:00Z", "2022-07-22", "2022-07-22"),
    ("2021-03", "2021-03-01", "2021-03-31"),
    # a month or day without a year: the most recent one
    ("August", "2021-08-01", "2021-08-31"),
    ("in August", "2021-08-01", "2021-08-31"),
    ("July", "2022-07-01", "2022-07-31"),
    ("in March", "2022-03-01", "2022-03-31"),
    ("July 22", "2022-07-22", "2022-07-22"),
    ("22 July", "2022-07-22", "2022-07-22"),
    ("on July 25", "2022-07-25", "2022-07-25"),  # within the tolerance: announced, this year
    ("on August 15", "2021-08-15", "2021-08-15"),  # beyond it: last year
    ("December 30", "2021-12-30", "2021-12-30"),
    ("the 3rd", "2022-07-03", "2022-07-03"),
    ("on the 28th", "2022-07-28", "2022-07-28"),  # within the tolerance
    ("on the 30th", "2022-06-30", "2022-06-30"),
    # parts of periods
    ("mid-2021", "2021-05-01", "2021-08-31"),
    ("in mid-2021", "2021-05-01", "2021-08-31"),
    ("early 2020", "2020-01-01", "2020-04-30"),
    ("late 2019", "2019-09-01", "2019-12-31"),
    ("the end of 2019", "2019-09-01", "2019-12-31"),
    ("the beginning of 2020", "2020-01-01", "2020-04-30"),
    ("mid-July", "2022-07-11", "2022-07-20"),
    ("late June 2021", "2021-06-21", "2021-06-30"),
    ("early February 2020", "2020-02-01", "2020-02-10"),
    ("the first half of 2021", "2021-01-01", "2021-06-30"),
    ("the second half of 2021", "2021-07-01", "2021-12-31"),
    ("the first quarter of 2021", "2021-01-01", "2021-03-31"),
    ("Q4 2020", "2020-10-01", "2020-12-31"),
    ("the first week of July", "2022-07-01", "2022-07-07"),
    ("the last week of June 2022", "2022-06-24", "2022-06-30"),
    ("summer 2021", "2021-06-01", "2021-08-31"),
    ("winter 2021", "2021-12-01", "2022-02-28"),
    # decades
    ("the 1990s", "1990-01-01", "1999-12-31"),
    ("the 2010s", "2010-01-01", "2019-12-31"),
    ("in the 1990's", "1990-01-01", "1999-12-31"),
    ("the early 1990s", "1990-01-01", "1993-12-31"),
    ("the mid-1990s", "1994-01-01", "1996-12-31"),
    ("the late 1990s", "1997-01-01", "1999-12-31"),
    # ranges
    ("between 2015 and 2018", "2015-01-01", "2018-12-31"),
    ("from 2015 to 2018", "2015-01-01", "2018-12-31"),
    ("2015-2018", "2015-01-01", "2018-12-31"),
    ("2015-18", "2015-01-01", "2018-12-31"),
    ("from March to May 2021", "2021-03-01", "2021-05-31"),
    ("from December 2020 to March 2021", "2020-12-01", "2021-03-31"),
    ("from December to March", "2021-12-01", "2022-03-31"),
    ("between 20 and 22 July 2022", "2022-07-20", "2022-07-22"),
    ("20-22 July 2022", "2022-07-20", "2022-07-22"),
    ("July 18-20", "2022-07-18", "2022-07-20"),
    # the year after the second day belongs to the whole range
    ("between March 27 and 31, 2021", "2021-03-27", "2021-03-31"),
    ("from March 27 to 31, 2021", "2021-03-27", "2021-03-31"),
    ("March 27-31, 2021", "2021-03-27", "2021-03-31"),
    ("March 27th - 31st 2021", "2021-03-27", "2021-03-31"),
    # open ranges
    ("since 2015", "2015-01-01", "2022-07-22"),
    ("since March", "2022-03-01", "2022-07-22"),
    ("since Monday", "2022-07-18", "2022-07-22"),
    ("since the 2012 coup", "2012-01-01", "2022-07-22"),
    ("ever since the March 2012 coup", "2012-03-01", "2022-07-22"),
    ("after the 2012 coup", "2013-01-01", "2022-07-22"),
    ("before 2015", None, "2014-12-31"),
    ("until 2015", None, "2015-12-31"),
    ("by the end of 2021", None, "2021-12-31"),
    ("till Thursday", None, "2022-07-21"),
    ("from 2015", "2015-01-01", None),
    ("starting in March 2021", "2021-03-01", None),
    # a year inside a noun phrase, after a preposition or article
    ("the 2012 coup", "2012-01-01", "2012-12-31"),
    ("during the 2020 elections", "2020-01-01", "2020-12-31"),
]


@pytest.mark.parametrize(("expr", "earliest", "latest"), CASES)
def test_expressions(expr: str, earliest: str | None, latest: str | None) -> None:
    tb = normalise(expr, PUB)
    assert tb is not None, expr
    want = (d(earliest) if earliest else None, d(latest) if latest else None)
    assert (tb.earliest, tb.latest) == want, expr
    assert tb.text == expr


NOT_DATES = [
    "about an hour", "an hour", "6 a.m.", "6 a.m", "0600 GMT", "at 1900 GMT", "around 10:30",
    "noon", "decade", "a decade-long", "decade-long", "several years", "two weeks", "for two weeks",
    "24 hours", "the 10-year-old", "", "   ", "the army", "Bamako", "killed", "a long time",
    "some time", "the following", "since the coup", "Friday prayers?x", "2,000 people",
]


@pytest.mark.parametrize("expr", NOT_DATES)
def test_not_date_expressions(expr: str) -> None:
    assert normalise(expr, PUB) is None


# ---------------------------------------------------------------- exactness and text


def test_exact_property() -> None:
    assert normalise("Friday", PUB).exact  # type: ignore[union-attr]
    assert not normalise("last week", PUB).exact  # type: ignore[union-attr]
    assert not TimeBounds(None, None).exact
    assert TimeBounds(PUB, PUB).exact
    assert not TimeBounds(PUB, None).exact


def test_case_and_whitespace_insensitive() -> None:
    assert bounds("  EARLY   ON  friday ") == (PUB, PUB)
    assert bounds("Last Week") == (d("2022-07-11"), d("2022-07-17"))
    assert bounds("“last week”") == (d("2022-07-11"), d("2022-07-17"))


def test_publication_day_other_weekdays() -> None:
    monday = date(2022, 7, 25)
    assert bounds("Friday", monday) == (d("2022-07-22"),) * 2
    assert bounds("Monday", monday) == (monday, monday)
    assert bounds("last Monday", monday) == (d("2022-07-18"),) * 2
    assert bounds("last weekend", monday) == (d("2022-07-23"), d("2022-07-24"))
    assert bounds("over the weekend", monday) == (d("2022-07-23"), d("2022-07-24"))
    assert bounds("this week", monday) == (monday, monday)
    sunday = date(2022, 7, 24)
    assert bounds("last week", sunday) == (d("2022-07-11"), d("2022-07-17"))
    assert bounds("this week", sunday) == (d("2022-07-18"), sunday)
    assert bounds("the weekend", sunday) == (d("2022-07-23"), sunday)  # cut at publication


def test_month_and_year_boundaries() -> None:
    jan = date(2023, 1, 3)
    assert bounds("last month", jan) == (d("2022-12-01"), d("2022-12-31"))
    assert bounds("last year", jan) == (d("2022-01-01"), d("2022-12-31"))
    assert bounds("December 30", jan) == (d("2022-12-30"),) * 2
    assert bounds("December", jan) == (d("2022-12-01"), d("2022-12-31"))
    assert bounds("last week", jan) == (d("2022-12-26"), d("2023-01-01"))
    assert bounds("yesterday", jan) == (d("2023-01-02"),) * 2
    assert bounds("a month ago", date(2022, 3, 31)) == (d("2022-02-13"), d("2022-03-15"))


def test_leap_day_without_year() -> None:
    assert bounds("29 February", date(2022, 7, 22)) == (d("2020-02-29"),) * 2
    assert bounds("29 February", date(2024, 3, 1)) == (d("2024-02-29"),) * 2
    assert normalise("30 February", PUB) is None
    assert normalise("30 February 2020", PUB) is None
    assert normalise("31/04/2022", PUB) is None


# ---------------------------------------------------------------- future tense


def test_future_tense() -> None:
    assert bounds("Friday", tense="future") == (PUB, PUB)
    assert bounds("next Friday") == (d("2022-07-29"),) * 2
    assert bounds("next Friday", tense="future") == (d("2022-07-29"),) * 2
    assert bounds("on Monday", tense="future") == (d("2022-07-25"),) * 2
    assert bounds("this coming Sunday") == (d("2022-07-24"),) * 2
    assert bounds("August", tense="future") == (d("2022-08-01"), d("2022-08-31"))
    assert bounds("March", tense="future") == (d("2023-03-01"), d("2023-03-31"))
    assert bounds("15 August", tense="future") == (d("2022-08-15"),) * 2
    assert bounds("this week", tense="future") == (PUB, d("2022-07-24"))
    assert bounds("later this month") == (PUB, d("2022-07-31"))
    assert bounds("this year", tense="future") == (PUB, d("2022-12-31"))
    assert bounds("next month") == (d("2022-08-01"), d("2022-08-31"))
    assert bounds("next year") == (d("2023-01-01"), d("2023-12-31"))
    assert bounds("next weekend") == (d("2022-07-30"), d("2022-07-31"))
    with pytest.raises(ValueError):
        normalise("Friday", PUB, tense="present")  # type: ignore[arg-type]


# ---------------------------------------------------------------- relative to the previous event

PREV_DAY = TimeBounds(d("2022-07-14"), d("2022-07-14"), "on 14 July")
PREV_RANGE = TimeBounds(d("2022-07-11"), d("2022-07-17"), "last week")


@pytest.mark.parametrize(
    ("expr", "prev", "earliest", "latest"),
    [
        ("the following day", PREV_DAY, "2022-07-15", "2022-07-15"),
        ("the next day", PREV_DAY, "2022-07-15", "2022-07-15"),
        ("the next morning", PREV_DAY, "2022-07-15", "2022-07-15"),
        ("a day later", PREV_DAY, "2022-07-15", "2022-07-15"),
        ("two days later", PREV_DAY, "2022-07-16", "2022-07-16"),
        ("three days after", PREV_DAY, "2022-07-17", "2022-07-17"),
        ("a week later", PREV_DAY, "2022-07-18", "2022-07-24"),
        ("days later", PREV_DAY, "2022-07-16", "2022-07-21"),
        ("hours later", PREV_DAY, "2022-07-14", "2022-07-15"),
        ("later that day", PREV_DAY, "2022-07-14", "2022-07-14"),
        ("the same day", PREV_DAY, "2022-07-14", "2022-07-14"),
        ("earlier in the day", PREV_DAY, "2022-07-14", "2022-07-14"),
        ("the day before", PREV_DAY, "2022-07-13", "2022-07-13"),
        ("the previous day", PREV_DAY, "2022-07-13", "2022-07-13"),
        ("on the eve", PREV_DAY, "2022-07-13", "2022-07-13"),
        ("two days earlier", PREV_DAY, "2022-07-12", "2022-07-12"),
        ("the following week", PREV_DAY, "2022-07-18", "2022-07-24"),
        ("the previous week", PREV_DAY, "2022-07-04", "2022-07-10"),
        ("that week", PREV_DAY, "2022-07-11", "2022-07-17"),
        ("the following day", PREV_RANGE, "2022-07-12", "2022-07-18"),
    ],
)
def test_relative_to_previous(expr: str, prev: TimeBounds, earliest: str, latest: str) -> None:
    assert bounds(expr, previous=prev) == (d(earliest), d(latest))
    assert bounds(expr, None, previous=prev) == (d(earliest), d(latest))  # no publication needed


@pytest.mark.parametrize("expr", ["the following day", "the next day", "two days later",
                                  "later that day", "a week later", "the following week"])
def test_forward_relative_needs_previous(expr: str) -> None:
    assert normalise(expr, PUB) is None
    assert normalise(expr, PUB, previous=TimeBounds(None, None)) == TimeBounds(None, None, expr)


# ---------------------------------------------------------------- no publication date

RELATIVE = [
    "Friday", "on Monday night", "yesterday", "last night", "today", "tomorrow", "last week",
    "this week", "earlier this month", "last month", "last year", "this year", "two weeks ago",
    "three days ago", "recent days", "August", "in August", "July 22", "22 July", "the 3rd",
    "last weekend", "mid-July", "since March", "last summer", "the past week", "the day before",
    "the night of Thursday to Friday", "July 18-20", "from December to March",
]


@pytest.mark.parametrize("expr", RELATIVE)
def test_relative_unresolved_without_publication(expr: str) -> None:
    assert normalise(expr, None) == TimeBounds(None, None, expr)
    tb = normalise(expr, PUB)
    assert tb is not None and tb.earliest is not None and tb.latest is not None


def test_absolute_resolved_without_publication() -> None:
    assert bounds("in 2012", None) == (d("2012-01-01"), d("2012-12-31"))
    assert bounds("22 July 2022", None) == (PUB, PUB)
    assert bounds("since 2015", None) == (d("2015-01-01"), None)  # open end kept open
    assert bounds("since the 2012 coup", None) == (d("2012-01-01"), None)


def test_since_future_start_leaves_end_open() -> None:
    assert bounds("since 2025") == (d("2025-01-01"), None)


# ---------------------------------------------------------------- find_year


@pytest.mark.parametrize(
    ("text", "year"),
    [("the 2012 coup", 2012), ("since 2015-2018", 2015), ("12,000 people", None),
     ("at 1900 GMT", None), ("20121 items", None), ("in 1066", None), ("3.2012", None),
     ("no year here", None), ("March 2012 and 2013", 2012)],
)
def test_find_year(text: str, year: int | None) -> None:
    assert find_year(text) == year


def test_find_year_range_argument() -> None:
    assert find_year("in 1066", lo=1000) == 1066


# ---------------------------------------------------------------- properties

dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
realistic = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
bounds_st = st.one_of(
    st.none(),
    st.builds(lambda a, b: TimeBounds(min(a, b), max(a, b)), dates, dates),
    st.just(TimeBounds(None, None)),
)
WORDS = [
    "on", "in", "at", "the", "of", "since", "between", "and", "from", "to", "-", "early",
    "late", "mid", "mid-", "earlier", "later", "last", "this", "next", "past", "recent",
    "ago", "days", "day", "weeks", "week", "month", "months", "year", "years", "decade",
    "weekend", "friday", "monday", "night", "morning", "yesterday", "today", "tomorrow",
    "following", "previous", "before", "after", "eve", "july", "august", "feb", "december",
    "1", "3", "22", "29", "31", "99", "2012", "1990s", "0600", "gmt", "6", "a.m.", "two",
    "a", "few", "several", "hours", "half", "first", "quarter", "q1", "summer", "winter",
    "overnight", "that", "same", "2022-07-22", "22/07/2022", "9999", "1000", "0001", ",",
]
phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=7).map(" ".join)


def _check(expr: str, published: date | None, previous: TimeBounds | None, tense: str) -> None:
    tb = normalise(expr, published, previous=previous, tense=tense)  # type: ignore[arg-type]
    assert tb is None or isinstance(tb, TimeBounds)
    if tb is not None and tb.earliest is not None and tb.latest is not None:
        assert tb.earliest <= tb.latest, (expr, published, tb)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60), st.one_of(st.none(), dates), bounds_st,
       st.sampled_from(["past", "future"]))
@example("since 0001", date(1, 1, 1), None, "past")
@example("last year", date(1, 1, 1), None, "past")
@example("next year", date(9999, 12, 31), None, "future")
@example("two years ago", date(1, 3, 1), None, "past")
@example("the following week", None, TimeBounds(date(9999, 12, 30), date(9999, 12, 31)), "past")
def test_never_raises_on_any_text(expr: str, published: date | None,
                                  previous: TimeBounds | None, tense: str) -> None:
    _check(expr, published, previous, tense)


@settings(max_examples=1500, deadline=None)
@given(phrases, st.one_of(st.none(), dates), bounds_st, st.sampled_from(["past", "future"]))
def test_never_raises_on_date_like_phrases(expr: str, published: date | None,
                                           previous: TimeBounds | None, tense: str) -> None:
    _check(expr, published, previous, tense)


MONTH_NAMES = [calendar.month_name[i] for i in range(1, 13)]
years = st.integers(min_value=1000, max_value=2999)


@settings(max_examples=300, deadline=None)
@given(years, st.integers(1, 12), st.integers(1, 31), realistic, realistic)
def test_absolute_dates_ignore_publication(y: int, m: int, day: int, p1: date, p2: date) -> None:
    assume(day <= calendar.monthrange(y, m)[1])
    want = date(y, m, day)
    name = MONTH_NAMES[m - 1]
    for expr in (f"{day} {name} {y}", f"{name} {day}, {y}", f"on {name} {day} {y}",
                 f"{y}-{m:02d}-{day:02d}", f"the {day}th of {name} {y}"):
        assert bounds(expr, p1) == (want, want), expr
        assert bounds(expr, p2) == (want, want), expr
        assert bounds(expr, None) == (want, want), expr


@settings(max_examples=300, deadline=None)
@given(years, st.integers(1, 12), st.one_of(st.none(), realistic))
def test_absolute_years_and_months_ignore_publication(y: int, m: int, pub: date | None) -> None:
    name = MONTH_NAMES[m - 1]
    last = calendar.monthrange(y, m)[1]
    assert bounds(f"in {y}", pub) == (date(y, 1, 1), date(y, 12, 31))
    assert bounds(str(y), pub) == (date(y, 1, 1), date(y, 12, 31))
    assert bounds(f"{name} {y}", pub) == (date(y, m, 1), date(y, m, last))
    assert bounds(f"in {name[:3]} {y}", pub) == (date(y, m, 1), date(y, m, last))


@settings(max_examples=300, deadline=None)
@given(realistic, st.sampled_from(list(calendar.day_name)),
       st.sampled_from(["", "on ", "early on ", "late on "]))
def test_weekday_is_most_recent_on_or_before(pub: date, name: str, prefix: str) -> None:
    tb = normalise(prefix + name, pub)
    assert tb is not None and tb.exact
    assert tb.earliest.strftime("%A") == name  # type: ignore[union-attr]
    assert 0 <= (pub - tb.earliest).days <= 6  # type: ignore[operator]
    fut = normalise(name, pub, tense="future")
    assert fut is not None and 0 <= (fut.earliest - pub).days <= 6  # type: ignore[operator]
    last = normalise("last " + name, pub)
    assert last is not None and 1 <= (pub - last.earliest).days <= 7  # type: ignore[operator]


@settings(max_examples=300, deadline=None)
@given(realistic, st.integers(1, 12), st.integers(1, 28))
def test_day_month_without_year_is_most_recent(pub: date, m: int, day: int) -> None:
    tb = normalise(f"{day} {MONTH_NAMES[m - 1]}", pub)
    assert tb is not None and tb.exact
    got = tb.earliest
    assert (got.month, got.day) == (m, day)  # type: ignore[union-attr]
    limit = pub + timedelta(days=DATE_TOLERANCE_DAYS)
    assert got <= limit  # type: ignore[operator]
    assert date(got.year + 1, m, day) > limit  # type: ignore[union-attr]


@settings(max_examples=300, deadline=None)
@given(realistic, st.integers(1, 12))
def test_month_without_year_is_most_recent_begun(pub: date, m: int) -> None:
    tb = normalise(MONTH_NAMES[m - 1], pub)
    assert tb is not None and tb.earliest is not None and tb.latest is not None
    assert tb.earliest.day == 1 and tb.earliest.month == m
    assert tb.earliest <= pub
    assert date(tb.earliest.year + 1, m, 1) > pub
    assert tb.latest == date(tb.earliest.year, m, calendar.monthrange(tb.earliest.year, m)[1])


@settings(max_examples=200, deadline=None)
@given(realistic, st.integers(0, 400))
def test_days_ago_is_exact(pub: date, n: int) -> None:
    assert bounds(f"{n} days ago", pub) == (pub - timedelta(days=n),) * 2


@settings(max_examples=200, deadline=None)
@given(realistic, st.integers(1, 52))
def test_weeks_ago_is_a_seven_day_window(pub: date, n: int) -> None:
    centre = pub - timedelta(weeks=n)
    assert bounds(f"{n} weeks ago", pub) == (centre - timedelta(days=3), centre + timedelta(days=3))


@settings(max_examples=200, deadline=None)
@given(realistic)
def test_calendar_periods_contain_or_precede_publication(pub: date) -> None:
    lw = normalise("last week", pub)
    assert lw is not None and lw.earliest.weekday() == 0 and lw.latest.weekday() == 6  # type: ignore[union-attr]
    assert 1 <= (pub - lw.latest).days <= 7  # type: ignore[operator]
    tw = normalise("this week", pub)
    assert tw is not None and tw.earliest.weekday() == 0 and tw.latest == pub  # type: ignore[union-attr]
    lm = normalise("last month", pub)
    assert lm is not None and lm.latest + timedelta(days=1) == pub.replace(day=1)  # type: ignore[operator]
    ty = normalise("this year", pub)
    assert ty == TimeBounds(date(pub.year, 1, 1), pub, "this year")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(RELATIVE), bounds_st)
def test_relative_never_guessed_without_publication(expr: str, previous: TimeBounds | None) -> None:
    tb = normalise(expr, None, previous=previous)
    if expr == "the day before" and previous is not None and previous.resolved:
        assert tb is not None and tb.resolved  # counts back from the previous event
    else:
        assert tb == TimeBounds(None, None, expr)
