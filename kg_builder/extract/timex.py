"""Normalise English temporal expressions from news into date bounds.

News rarely gives an event's date outright: it says "on Friday", "last week", "earlier this
year" or "the following day", and only the article's publication date turns that into a
calendar day. SEM models event time as bounds (``sem:hasEarliestBeginTimeStamp`` ..
``sem:hasLatestEndTimeStamp``), so every expression here becomes a :class:`TimeBounds`: an
inclusive range of days, which is a single day when the text says exactly which day.

Three outcomes, kept apart on purpose because they mean different things downstream:

* ``TimeBounds(d1, d2)`` -- resolved; ``earliest <= latest`` always.
* ``TimeBounds(None, None)`` -- a date expression that cannot be resolved without more context
  (a weekday, "yesterday" or "August" when the publication date is unknown). Never guessed.
  Open ranges ("since 2015" with no publication date) keep the bound they know.
* ``None`` -- not a date expression at all ("about an hour", "6 a.m.", "decade-long", "two
  weeks"), or a narrative-relative expression ("the following day") with no previous event.

Conventions (all documented so that users of the graph can read the bounds):

* Weeks run Monday to Sunday (ISO 8601). Weekdays in past-tense news are the most recent such
  day on or before publication (a weekday equal to the publication weekday is the publication
  day); ``"last Friday"`` is strictly before it. With ``tense="future"`` a bare weekday is the
  next such day on or after publication, ``"next Friday"`` strictly after.
* A day and month without a year ("22 July") takes the most recent year in which that day is not
  later than publication + :data:`DATE_TOLERANCE_DAYS`; a month without a year ("August") is the
  most recent such month that has begun by publication (the whole month is returned).
* ``early`` / ``mid`` / ``late`` split a period into thirds: a year into Jan-Apr, May-Aug,
  Sep-Dec; a month into days 1-10, 11-20, 21-end; a decade into years 0-3, 4-6, 7-9; a week into
  Mon-Tue, Wed-Thu, Fri-Sun. ``beginning``/``start`` read as early, ``end`` as late.
* "N units ago" is a window one unit wide centred on publication - N units: exact for days,
  +/- 3 days for weeks, +/- 15 days for months, +/- 182 days for years (so "two weeks ago" on
  2022-07-22 is 2022-07-05..2022-07-11). Vague counts use ranges: "a couple" 2, "a few" 2-4,
  "several" 3-7, "some" 2-7, "many" 5-12, none ("days ago") 2-7.
* Rolling periods end at publication: "the past week" is publication - 7 days .. publication;
  "recent days" 7 days, "recent weeks" 28 days, "recent months" (and "recently") 3 months,
  "recent years" 5 years. "last week" / "last month" / "last year" are calendar periods.
* "this week/month/year" (past tense) run from the start of the period to publication; with
  ``tense="future"`` from publication to the end.
* Seasons are meteorological, northern hemisphere: spring Mar-May, summer Jun-Aug, autumn Sep-Nov,
  winter Dec-Feb (``"winter 2021"`` is Dec 2021 - Feb 2022).
* Numeric dates are day-first ("05/07/2022" is 5 July) unless the first number cannot be a month
  ("07/22/2022"). Two-digit years 00-69 are 20xx, 70-99 19xx.
* "the day before", "the previous day", "the eve" count back from ``previous`` when given, else
  from publication; forward expressions ("the next day", "two days later") need ``previous``.
* Open ranges keep one bound: "since 2015" and "after the 2012 coup" end at publication (open
  when it is unknown or earlier); "from 2015" alone has no end; "before 2015" has no start;
  "until 2015", "by the end of 2021", "as of Friday" give only the latest bound.
* A year inside a noun phrase counts after a preposition or article: "the 2012 coup", "since
  the March 2012 coup" (not "2000 soldiers").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

__all__ = [
    "DATE_TOLERANCE_DAYS",
    "TimeBounds",
    "find_year",
    "normalise",
]

Tense = Literal["past", "future"]

#: A day-month date without a year may lie this many days after publication and still be read
#: as the publication year (announced events, time-zone slack); later dates go to the year before.
DATE_TOLERANCE_DAYS = 7

#: Longer strings are not date expressions; the cap also bounds the work done on junk input.
_MAX_LEN = 200


@dataclass(frozen=True)
class TimeBounds:
    """Inclusive date bounds for when something happened; ``text`` is the source expression."""

    earliest: date | None
    latest: date | None
    text: str = ""

    @property
    def exact(self) -> bool:
        """True when the text pins down one known day."""
        return self.earliest is not None and self.earliest == self.latest

    @property
    def resolved(self) -> bool:
        """True when at least one bound is known."""
        return self.earliest is not None or self.latest is not None


# --------------------------------------------------------------------------- vocabulary

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "tues": 1, "wednesday": 2, "thursday": 3, "thurs": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}
_SMALL_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100, "a hundred": 100,
    "a dozen": 12, "dozen": 12, "half a dozen": 6, "a couple of": 2, "a couple": 2,
    "couple of": 2, "a pair of": 2,
}
#: Vague counts as (low, high) ranges of units.
_VAGUE_COUNTS = {
    "": (2, 7), "a few": (2, 4), "few": (2, 4), "several": (3, 7), "some": (2, 7),
    "many": (5, 12),
}
_UNIT_HALF_WIDTH = {"day": 0, "week": 3, "month": 15, "year": 182, "decade": 1826}
_RECENT_SPANS = {"day": ("day", 7), "week": ("week", 4), "month": ("month", 3), "year": ("year", 5)}
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_PARTS = {
    "early": "early", "earlier": None, "mid": "mid", "middle": "mid", "late": "late",
    "later": None, "beginning": "early", "start": "early", "end": "late", "close": "late",
}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "last": -1, "final": -1}


def _alt(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_MON = rf"(?:{_alt(_MONTHS)})\.?"
_WD = rf"(?:{_alt(_WEEKDAYS)})"
_YEAR = r"[12]\d{3}"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_PART_OF_DAY = r"(?:morning|afternoon|evening|night|overnight|midday|noon|lunchtime)"
_NUMWORD = (
    rf"(?:\d{{1,4}}|{_alt(_SMALL_NUMBERS)}"
    r"|(?:twenty|thirty|forty|fifty)[- ]?(?:one|two|three|four|five|six|seven|eight|nine))"
)
_VAGUE = rf"(?:{_alt(k for k in _VAGUE_COUNTS if k)})"
_UNIT = r"(?:day|week|month|year|decade|hour|minute)s?"


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# --------------------------------------------------------------------------- cleaning

_QUOTES = _c(r"[\"“”‘()\[\]{}]")
_DASHES = _c(r"\s*[–—‒]\s*")
_POSSESSIVE = _c(r"(?<=[a-z])'s?(?![a-z])")
_SPACES = _c(r"\s+")
#: Clock times and parts of a day finer than a date: removed before parsing the date.
_CLOCK = _c(
    r"(?:\b(?:at|around|about|approximately|shortly\s+(?:before|after)|just\s+(?:before|after)"
    r"|before|after|from|until|till|by|some\s+time\s+after)\s+)?"
    r"(?:\b\d{1,2}(?:[:.h]\d{2})?\s*(?:a\.?m\b\.?|p\.?m\b\.?)"
    r"(?:\s*(?:gmt|utc|local\s+time|\([a-z]+\)|[a-z]{2,4}t))?"
    r"|\b\d{1,2}[:h]\d{2}(?:\s*(?:gmt|utc|local\s+time|hrs|hours|[a-z]{2,4}t))?"
    r"|\b[0-2]\d[0-5]\d\s*(?:gmt|utc|z|hrs|hours|h|local\s+time)\b"
    r"|\b(?:noon|midday|midnight|dawn|daybreak|dusk|sunrise|sunset|nightfall|lunchtime)\b)"
    r"(?:\s+local\s+time)?"
)
_FILLER_ONLY = _c(
    r"^(?:(?:at|on|in|around|about|approximately|the|early|late|of|before|after|from|until|till"
    r"|by|shortly|just|some|time|local|,)\s*)*$"
)
_LEAD_FILLER = _c(
    r"^(?:on|in|at|during|over|of|around|about|approximately|circa|c\.|sometime(?:\s+(?:in|on))?"
    r"|some\s+time\s+(?:in|on)|as\s+early\s+as|throughout|within|back\s+in|dated"
    r"|(?:earlier|later)\s+in\s+the\s+day(?:\s+on)?)\s+"
)
_TRAIL_FILLER = _c(r"(?:,?\s+(?:local\s+time|this\s+time|or\s+so|alone|itself))+$")


def _clean(expr: str) -> str:
    s = expr.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    s = _QUOTES.sub(" ", s)
    s = _DASHES.sub("-", s)
    s = _POSSESSIVE.sub("", s)
    s = _SPACES.sub(" ", s).strip().lower()
    return s.strip(" ,;:!?.'")


# --------------------------------------------------------------------------- spans and helpers


class _NeedsPublished(Exception):
    """A relative expression met an unknown publication date: the result is unresolved."""


class _NeedsPrevious(Exception):
    """A narrative-relative expression ("the next day") met no previous event."""


@dataclass(frozen=True)
class _Span:
    start: date | None
    end: date | None
    clamp: bool = False  # a "this week/month/year": cut at publication by tense


@dataclass(frozen=True)
class _Spec:
    """A partly given calendar date: what the text says, before context fills the gaps."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    bare: int | None = None  # a lone number, meaningful only inside a range ("20-22 July")


@dataclass(frozen=True)
class _Ctx:
    published: date | None
    previous: TimeBounds | None
    tense: str

    @property
    def pub(self) -> date:
        if self.published is None:
            raise _NeedsPublished
        return self.published

    def prev(self) -> tuple[date, date]:
        if self.previous is None:
            raise _NeedsPrevious
        e, lt = self.previous.earliest, self.previous.latest
        if e is None and lt is None:
            raise _NeedsPublished
        return (e or lt, lt or e)  # type: ignore[return-value]

    def prev_or_pub(self) -> tuple[date, date]:
        if self.previous is not None:
            return self.prev()
        return (self.pub, self.pub)

    @property
    def future(self) -> bool:
        return self.tense == "future"


def _mkdate(y: int, m: int, d: int) -> date | None:
    if not (1 <= y <= 9999 and 1 <= m <= 12):
        return None
    if not 1 <= d <= calendar.monthrange(y, m)[1]:
        return None
    return date(y, m, d)


def _month_span(y: int, m: int) -> _Span:
    return _Span(date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]))


def _year_span(y: int) -> _Span:
    return _Span(date(y, 1, 1), date(y, 12, 31))


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year = d.year + y
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    month = m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _shift(d: date, n: int, unit: str) -> date:
    if unit == "day":
        return d + timedelta(days=n)
    if unit == "week":
        return d + timedelta(weeks=n)
    if unit == "month":
        return _add_months(d, n)
    if unit == "year":
        return _add_months(d, 12 * n)
    if unit == "decade":
        return _add_months(d, 120 * n)
    raise ValueError(unit)


def _week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _unit_name(word: str) -> str:
    w = word.lower()
    return w[:-1] if w.endswith("s") else w


def _count_range(word: str | None) -> tuple[int, int] | None:
    """A number or vague amount of units ("two", "21", "a few") as a (low, high) range."""
    w = _SPACES.sub(" ", (word or "").strip().lower()).replace("-", " ")
    if w in _VAGUE_COUNTS:
        return _VAGUE_COUNTS[w]
    if w.isdigit():
        n = int(w)
        return (n, n) if n <= 10000 else None
    if w in _SMALL_NUMBERS:
        n = _SMALL_NUMBERS[w]
        return (n, n)
    parts = w.split()
    if len(parts) == 2 and parts[0] in _SMALL_NUMBERS and parts[1] in _SMALL_NUMBERS:
        n = _SMALL_NUMBERS[parts[0]] + _SMALL_NUMBERS[parts[1]]
        return (n, n)
    return None


def _two_digit_year(yy: int) -> int:
    return 2000 + yy if yy < 70 else 1900 + yy


def find_year(text: str, lo: int = 1800, hi: int = 2199) -> int | None:
    """The first plausible year (``lo``..``hi``) written in ``text``, or None.

    Four digits standing alone count ("the 2012 coup", "2015-2018"); digits that are part of a
    larger number ("12,000", "20121"), a clock time ("1900 GMT") or a decimal do not.
    """
    for m in _YEAR_IN_TEXT.finditer(text):
        y = int(m.group(1))
        if lo <= y <= hi:
            return y
    return None


_YEAR_IN_TEXT = _c(
    r"(?<![\d.,:/])(?<!\d[ \u00a0])([12]\d{3})(?!\d|[.,:/]\d|\s*(?:gmt|utc|hrs|hours|h\b|z\b))"
)


# --------------------------------------------------------------------------- absolute specs

_ISO = _c(
    rf"^({_YEAR})[-/.](\d{{1,2}})[-/.](\d{{1,2}})"
    r"(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?$"
)
_ISO_MONTH = _c(rf"^({_YEAR})-(\d{{2}})$")
_NUMERIC = _c(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
_DAY_MONTH = _c(rf"^(?:the\s+)?({_DAY})\s+(?:of\s+)?({_MON})(?:,?\s+({_YEAR}))?$")
_MONTH_DAY = _c(rf"^({_MON})\s+(?:the\s+)?({_DAY})(?:(?:,\s*|\s+)({_YEAR}))?$")
_MONTH_YEAR = _c(rf"^({_MON}),?\s+(?:of\s+)?({_YEAR})$")
_MONTH_ONLY = _c(rf"^({_MON})$")
_YEAR_ONLY = _c(rf"^(?:the\s+year\s+(?:of\s+)?)?({_YEAR})$")
_DAY_ONLY = _c(rf"^the\s+({_DAY})$")
_BARE = _c(r"^(\d{1,2})$")
_BARE_YEAR = _c(rf"^({_DAY}),?\s+({_YEAR})$")  # the end of "March 27-31, 2022"


def _month_number(word: str) -> int:
    return _MONTHS[word.rstrip(".").lower()]


def _day_number(word: str) -> int:
    return int(re.match(r"\d+", word).group(0))  # type: ignore[union-attr]


def _spec(s: str, *, bare: bool = False) -> _Spec | None:
    """Parse an absolute or partly absolute calendar expression into what it states."""
    m = _ISO.match(s)
    if m:
        return _Spec(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _ISO_MONTH.match(s)
    if m:
        return _Spec(int(m.group(1)), int(m.group(2)))
    m = _NUMERIC.match(s)
    if m:
        a, b, y = int(m.group(1)), int(m.group(3)), m.group(4)
        year = int(y) if len(y) == 4 else _two_digit_year(int(y))
        day, month = (b, a) if a <= 12 < b else (a, b)
        return _Spec(year, month, day)
    m = _DAY_MONTH.match(s)
    if m:
        return _Spec(int(m.group(3)) if m.group(3) else None, _month_number(m.group(2)),
                     _day_number(m.group(1)))
    m = _MONTH_DAY.match(s)
    if m:
        return _Spec(int(m.group(3)) if m.group(3) else None, _month_number(m.group(1)),
                     _day_number(m.group(2)))
    m = _MONTH_YEAR.match(s)
    if m:
        return _Spec(int(m.group(2)), _month_number(m.group(1)))
    m = _MONTH_ONLY.match(s)
    if m:
        return _Spec(None, _month_number(m.group(1)))
    m = _YEAR_ONLY.match(s)
    if m:
        return _Spec(int(m.group(1)))
    m = _DAY_ONLY.match(s)
    if m:
        return _Spec(None, None, _day_number(m.group(1)))
    if bare:
        m = _BARE.match(s)
        if m:
            return _Spec(bare=int(m.group(1)))
        m = _BARE_YEAR.match(s)
        if m:
            return _Spec(int(m.group(2)), bare=_day_number(m.group(1)))
    return None


def _resolve_spec(sp: _Spec, ctx: _Ctx) -> _Span | None:
    """Turn a spec into a span, inferring a missing year or month from publication and tense."""
    if sp.bare is not None:
        return None
    y, m, d = sp.year, sp.month, sp.day
    if y is not None and (y < 1 or y > 9999):
        return None
    if m is not None and not 1 <= m <= 12:
        return None
    if y is not None and m is not None and d is not None:
        day = _mkdate(y, m, d)
        return _Span(day, day) if day else None
    if y is not None and m is not None:
        return _month_span(y, m)
    if y is not None and d is None:
        return _year_span(y)
    if m is not None and d is not None:
        if d > 31 or (m == 2 and d > 29) or d > calendar.monthrange(2000, m)[1]:
            return None
        pub = ctx.pub
        tol = timedelta(days=DATE_TOLERANCE_DAYS)
        # start one year out: with the tolerance, "1 January" can be next year on 28 December
        if ctx.future:
            years = range(pub.year - 1, pub.year + 9)
        else:
            years = range(pub.year + 1, pub.year - 9, -1)
        for year in years:
            day = _mkdate(year, m, d)
            if day is None:
                continue
            if (ctx.future and day >= pub - tol) or (not ctx.future and day <= pub + tol):
                return _Span(day, day)
        return None
    if m is not None:
        pub = ctx.pub
        if ctx.future:
            year = pub.year if m >= pub.month else pub.year + 1
        else:
            year = pub.year if m <= pub.month else pub.year - 1
        return _month_span(year, m)
    if d is not None:
        if d > 31:
            return None
        pub = ctx.pub
        tol = timedelta(days=DATE_TOLERANCE_DAYS)
        step = 1 if ctx.future else -1
        anchor = date(pub.year, pub.month, 1)
        for k in range(-1, 13):
            first = _add_months(anchor, step * k)
            day = _mkdate(first.year, first.month, d)
            if day is None:
                continue
            if (ctx.future and day >= pub - tol) or (not ctx.future and day <= pub + tol):
                return _Span(day, day)
        return None
    return None


# --------------------------------------------------------------------------- relative patterns

_TODAY = _c(
    r"^(?:(?:earlier|later)\s+)?(?:today|tonight|this\s+(?:morning|afternoon|evening)"
    r"|today\s+" + _PART_OF_DAY + r"|now|earlier\s+in\s+the\s+day|later\s+in\s+the\s+day)$"
)
_YESTERDAY = _c(r"^(?:yesterday(?:\s+" + _PART_OF_DAY + r")?|last\s+(?:night|evening))$")
_DAY_BEFORE_YESTERDAY = _c(r"^(?:the\s+)?day\s+before\s+yesterday$")
_TOMORROW = _c(r"^tomorrow(?:\s+" + _PART_OF_DAY + r")?$")
_DAY_AFTER_TOMORROW = _c(r"^(?:the\s+)?day\s+after\s+tomorrow$")
_OVERNIGHT = _c(r"^(?:overnight|last\s+overnight)$")
_PREV_BACK = _c(
    r"^(?:the\s+)?(?:(?:previous|preceding)\s+(?:day|night|evening|afternoon|morning)"
    r"|(?:day|night|evening)\s+before|eve(?:\s+of\s+.+)?)$"
)
_PREV_NEXT = _c(
    r"^(?:the\s+)?(?:(?:following|next|subsequent)\s+(?:day|morning|afternoon|evening|night)"
    r"|day\s+after(?:wards)?)$"
)
_PREV_SAME = _c(
    r"^(?:(?:later|earlier)\s+(?:that|the\s+same|in\s+the)\s+|that\s+|the\s+same\s+)"
    r"(?:day|morning|afternoon|evening|night)$"
)
_PREV_SOON = _c(
    r"^(?:(?:a\s+few|several|some|\d+|an?|one|two|three)\s+)?(?:hours?|minutes?)\s+"
    r"(?:later|after(?:wards)?)$"
    r"|^(?:shortly|soon|immediately|just|moments?)\s+(?:after(?:wards)?|later)$"
    r"|^(?:moments|minutes)\s+later$"
)
_PREV_UNIT = _c(
    r"^(?:the\s+(?:following|next|subsequent)|following|subsequent"
    r"|(?:the\s+)?(previous|preceding))\s+(week|month|year)$"
)
_PREV_SAME_UNIT = _c(r"^(?:later\s+|earlier\s+)?(?:that|the\s+same)\s+(week|month|year)$")
_PREV_OFFSET = _c(
    rf"^(?:({_NUMWORD}|{_VAGUE})\s+)?(day|week|month|year|decade)s?\s+"
    r"(later|after(?:wards)?|on|earlier|before|prior|previously)$"
)
_AGO = _c(rf"^(?:({_NUMWORD}|{_VAGUE})\s+)?(day|week|month|year|decade|hour|minute)s?\s+ago$")
_ROLLING = _c(
    rf"^(?:(?:the|these)\s+)?(?:(past|last|previous)\s+)({_NUMWORD}\s+|{_VAGUE}\s+)?"
    r"(day|week|month|year|decade|hour)s?$"
)
_RECENT = _c(r"^(?:the\s+)?(?:most\s+)?recent\s+(day|week|month|year)s$|^(recently|lately)$")
_CALENDAR = _c(
    r"^(?:the\s+)?(last|this|next|past|coming|current|previous|this\s+past|this\s+coming)\s+"
    r"(week|weekend|month|year|decade)$"
)
_EARLIER_THIS = _c(r"^(earlier|later)\s+(?:this|in\s+the|the)\s+(week|month|year|weekend)$")
_WEEKEND = _c(r"^(?:the\s+)?weekend$")
_NAMED_MONTH_REL = _c(rf"^(last|this|next|this\s+past|this\s+coming|coming|past)\s+({_MON})$")
_SEASON_YEAR = _c(rf"^(?:the\s+)?(spring|summer|autumn|fall|winter)\s+(?:of\s+)?({_YEAR})$")
_SEASON_REL = _c(
    r"^(?:the\s+)?(last|this|next|past|coming|previous)\s+(spring|summer|autumn|fall|winter)$"
)
_WEEKDAY = _c(
    rf"^(?:(last|this|next|past|coming|this\s+past|this\s+coming)\s+)?(?:overnight\s+)?({_WD})"
    rf"(?:\s+{_PART_OF_DAY}|\s+overnight)?$"
)
_WEEKDAY_PAIR = _c(
    rf"^(?:the\s+)?(?:(?:night|overnight)\s+(?:of|from)\s+|between\s+|from\s+|overnight\s+)?"
    rf"({_WD})(?:\s+night)?\s+(?:to|into|and|-|through|until)\s+({_WD})(?:\s+{_PART_OF_DAY})?$"
)
_WEEKDAY_DATE = _c(rf"^{_WD}(?:\s+{_PART_OF_DAY})?,?\s+(.+)$")
_DECADE = _c(r"^(?:the\s+)?([12]\d{2})0'?s$")
_PART_OF = _c(
    r"^(?:the\s+)?(?:very\s+)?(early|earlier|mid|middle|late|later|beginning|start|end|close)"
    r"(?:\s*-\s*|\s+)(?:(?:on|in|of)\s+)?(.+)$"
)
_HALF_OF = _c(r"^(?:the\s+)?(first|second|1st|2nd|latter)\s+half\s+of\s+(.+)$")
_ORDINAL_WORD = r"(first|second|third|fourth|last|final|1st|2nd|3rd|4th)"
_QUARTER_OF = _c(rf"^(?:the\s+)?{_ORDINAL_WORD}\s+quarter\s+of\s+(.+)$")
_QN = _c(rf"^(q[1-4]|h[12])\s*(?:of\s+)?({_YEAR}|this\s+year|last\s+year|next\s+year)$")
_WEEK_OF = _c(rf"^(?:the\s+)?{_ORDINAL_WORD}\s+week\s+of\s+(.+)$")
_HOURS_OF = _c(
    r"^(?:the\s+)?(?:(?:early|small|wee)\s+hours|morning|afternoon|evening|night|course)"
    r"\s+of\s+(.+)$"
)
_THIS_UNIT = _c(r"^(?:this|the|the\s+current)\s+(week|month|year)$")
_SINCE = _c(r"^(?:ever\s+)?since\s+(.+)$")
_BETWEEN = _c(r"^between\s+(.+?)\s+and\s+(.+)$")
_FROM_TO = _c(r"^from\s+(.+?)\s+(?:to|until|till|through|thru|-)\s+(.+)$")
_FROM_TO_HYPHEN = _c(r"^from\s+(.+?)-(.+)$")
_RANGE = _c(r"^(.+?)(?:\s*-\s*|\s+(?:to|until|till|through|thru)\s+)(.+)$")
_BEFORE_AFTER = _c(r"^(before|after|prior\s+to|following)\s+(.+)$")
_UNTIL = _c(
    r"^(?:until|till|til|up\s+to|up\s+until|through|by|no\s+later\s+than|as\s+of)\s+(.+)$"
)
_FROM_ONLY = _c(
    r"^(?:from|starting(?:\s+(?:in|on|from))?|beginning(?:\s+(?:in|on|from))?)\s+(.+)$"
)
_ANCHOR_CONTEXT = _c(r"^(?:the|in|during|since|after|before|of|from|until|by|following)\b")
_EMBEDDED = _c(
    rf"(?<![\w])(?:(?:{_DAY})\s+(?:of\s+)?{_MON},?\s+{_YEAR}|{_MON}\s+{_DAY},?\s+{_YEAR}"
    rf"|{_MON},?\s+{_YEAR}|{_YEAR})(?![\w])"
)
_DURATION_HINT = _c(r"-long\b|\blong\b|-old\b|\bold\b|-year\b|\byears?\s+old\b")


def _weekday_past(pub: date, wd: int, strict: bool = False) -> date:
    back = (pub.weekday() - wd) % 7
    if strict and back == 0:
        back = 7
    return pub - timedelta(days=back)


def _weekday_future(pub: date, wd: int, strict: bool = False) -> date:
    ahead = (wd - pub.weekday()) % 7
    if strict and ahead == 0:
        ahead = 7
    return pub + timedelta(days=ahead)


def _weekday(ctx: _Ctx, which: str | None, wd: int) -> date:
    pub = ctx.pub
    which = (which or "").replace(" ", "")
    if which in {"last", "past", "thispast"}:
        return _weekday_past(pub, wd, strict=True)
    if which == "next":
        return _weekday_future(pub, wd, strict=True)
    if which in {"coming", "thiscoming"}:
        return _weekday_future(pub, wd)
    if which == "this":
        return _weekday_future(pub, wd) if ctx.future else _weekday_past(pub, wd)
    return _weekday_future(pub, wd) if ctx.future else _weekday_past(pub, wd)


def _window(anchor_lo: date, anchor_hi: date, rng: tuple[int, int], unit: str,
            sign: int) -> _Span:
    """A window around anchor + sign * N units for N in ``rng`` (the "ago"/"later" rule)."""
    lo, hi = rng
    half = timedelta(days=_UNIT_HALF_WIDTH[unit])
    if sign < 0:
        return _Span(_shift(anchor_lo, -hi, unit) - half, _shift(anchor_hi, -lo, unit) + half)
    return _Span(_shift(anchor_lo, lo, unit) - half, _shift(anchor_hi, hi, unit) + half)


def _hours_to_days(rng: tuple[int, int], unit: str) -> tuple[int, int]:
    per_day = 24 if unit == "hour" else 24 * 60
    return (rng[0] // per_day, -(-rng[1] // per_day))


def _unit_span(d: date, unit: str) -> _Span:
    """The calendar week / month / year / decade containing ``d``."""
    if unit == "week":
        ws = _week_start(d)
        return _Span(ws, ws + timedelta(days=6))
    if unit == "month":
        return _month_span(d.year, d.month)
    if unit == "year":
        return _year_span(d.year)
    if unit == "decade":
        y = d.year - d.year % 10
        return _Span(date(max(y, 1), 1, 1), date(y + 9, 12, 31))
    if unit == "weekend":
        ws = _week_start(d)
        return _Span(ws + timedelta(days=5), ws + timedelta(days=6))
    return _Span(d, d)


def _next_unit(d: date, unit: str, n: int) -> date:
    """A day in the calendar unit ``n`` units after (negative: before) the one containing ``d``."""
    if unit in {"week", "weekend"}:
        return d + timedelta(weeks=n)
    if unit == "month":
        return _add_months(date(d.year, d.month, 1), n)
    if unit == "year":
        return date(d.year + n, 1, 1)
    if unit == "decade":
        return date(d.year - d.year % 10 + 10 * n, 1, 1)
    return d + timedelta(days=n)


def _season_span(season: str, year: int) -> _Span:
    start_month = _SEASONS[season]
    start = date(year, start_month, 1)
    end_first = _add_months(start, 2)
    return _Span(start, date(end_first.year, end_first.month,
                             calendar.monthrange(end_first.year, end_first.month)[1]))


def _split_sizes(n: int, ceil_first: bool) -> tuple[int, int, int]:
    if ceil_first:
        a = -(-n // 3)
        b = -(-(n - a) // 2)
        return a, b, n - a - b
    a = n // 3
    return a, a, n - 2 * a


def _part(span: _Span, part: str) -> _Span:
    """Early / mid / late third of a period, by years, months or days as the period allows."""
    s, e = span.start, span.end
    if s is None or e is None:
        return span
    if s.month == 1 and s.day == 1 and e.month == 12 and e.day == 31 and e.year - s.year >= 2:
        n = e.year - s.year + 1
        a, b, _ = _split_sizes(n, True)
        bounds = {"early": (s.year, s.year + a - 1), "mid": (s.year + a, s.year + a + b - 1),
                  "late": (s.year + a + b, e.year)}[part]
        return _Span(date(bounds[0], 1, 1), date(bounds[1], 12, 31), span.clamp)
    last_day = calendar.monthrange(e.year, e.month)[1]
    n_months = (e.year - s.year) * 12 + e.month - s.month + 1
    if s.day == 1 and e.day == last_day and n_months >= 3:
        a, b, _ = _split_sizes(n_months, True)
        offsets = {"early": (0, a - 1), "mid": (a, a + b - 1), "late": (a + b, n_months - 1)}[part]
        first = _add_months(s, offsets[0])
        last = _add_months(s, offsets[1])
        return _Span(first, date(last.year, last.month,
                                 calendar.monthrange(last.year, last.month)[1]), span.clamp)
    if _is_whole_month(span):  # days 1-10, 11-20, 21-end
        lo, hi = {"early": (1, 10), "mid": (11, 20), "late": (21, last_day)}[part]
        return _Span(s.replace(day=lo), s.replace(day=hi), span.clamp)
    n = (e - s).days + 1
    if n < 3:
        if part == "early":
            return _Span(s, s, span.clamp)
        if part == "late":
            return _Span(e, e, span.clamp)
        return span
    a, b, _ = _split_sizes(n, False)
    offsets = {"early": (0, a - 1), "mid": (a, a + b - 1), "late": (a + b, n - 1)}[part]
    return _Span(s + timedelta(days=offsets[0]), s + timedelta(days=offsets[1]), span.clamp)


def _half(span: _Span, which: int) -> _Span | None:
    s, e = span.start, span.end
    if s is None or e is None:
        return None
    n_months = (e.year - s.year) * 12 + e.month - s.month + 1
    if s.day == 1 and e.day == calendar.monthrange(e.year, e.month)[1] and n_months % 2 == 0:
        mid = _add_months(s, n_months // 2)
        return _Span(s, mid - timedelta(days=1)) if which == 1 else _Span(mid, e)
    n = (e - s).days + 1
    if n < 2:
        return None
    mid = s + timedelta(days=n // 2)
    return _Span(s, mid - timedelta(days=1)) if which == 1 else _Span(mid, e)


def _is_whole_year(span: _Span) -> bool:
    s, e = span.start, span.end
    return (s is not None and e is not None and s.year == e.year and (s.month, s.day) == (1, 1)
            and (e.month, e.day) == (12, 31))


def _is_whole_month(span: _Span) -> bool:
    s, e = span.start, span.end
    return (s is not None and e is not None and (s.year, s.month) == (e.year, e.month)
            and s.day == 1 and e.day == calendar.monthrange(e.year, e.month)[1])


# --------------------------------------------------------------------------- the parser


def _strip_clock(s: str) -> str | None:
    """Remove clock times; None when nothing but a time (or filler) was there."""
    if _ISO.match(s) or not _CLOCK.search(s):
        return s
    rest = _SPACES.sub(" ", _CLOCK.sub(" ", s)).strip(" ,;:")
    if _FILLER_ONLY.match(rest):
        return None
    return rest


def _parse(s: str, ctx: _Ctx, depth: int = 0) -> _Span | None:
    if depth > 12 or not s:
        return None
    s = s.strip(" ,;:")
    t = _TRAIL_FILLER.sub("", s)
    if t != s:
        return _parse(t, ctx, depth + 1)

    m = _SINCE.match(s)
    if m:
        base = _parse_anchor(m.group(1), ctx, depth)
        if base is None or base.start is None:
            return None
        end = ctx.published if ctx.published is not None and ctx.published >= base.start else None
        return _Span(base.start, end)

    m = _BEFORE_AFTER.match(s)
    if m:
        base = _parse_anchor(m.group(2), ctx, depth)
        backwards = m.group(1) == "before" or m.group(1).startswith("prior")
        if base is not None and backwards and base.start is not None:
            return _Span(None, base.start - timedelta(days=1))
        if base is not None and not backwards and base.end is not None:
            start = base.end + timedelta(days=1)
            end = ctx.published if ctx.published is not None and ctx.published >= start else None
            return _Span(start, end)

    m = _WEEKDAY_PAIR.match(s)
    if m:
        return _weekday_pair(ctx, _WEEKDAYS[m.group(1)], _WEEKDAYS[m.group(2)])

    for pattern in (_BETWEEN, _FROM_TO, _FROM_TO_HYPHEN):
        m = pattern.match(s)
        if m:
            span = _range(m.group(1), m.group(2), ctx, depth)
            if span is not None:
                return span
            return None

    m = _UNTIL.match(s)
    if m:  # "until 2015", "by the end of 2021": only the latest bound is known
        base = _parse_anchor(m.group(1), ctx, depth)
        return None if base is None or base.end is None else _Span(None, base.end)
    m = _FROM_ONLY.match(s)
    if m:  # "from 2015" with no end: only the earliest bound is known
        base = _parse_anchor(m.group(1), ctx, depth)
        return None if base is None or base.start is None else _Span(base.start, None)

    m = _LEAD_FILLER.match(s)
    if m:
        return _parse(s[m.end():], ctx, depth + 1)

    span = _parse_base(s, ctx, depth)
    if span is not None:
        return span

    m = _RANGE.match(s)
    if m and not s.startswith(("mid-", "mid ")):
        span = _range(m.group(1), m.group(2), ctx, depth)
        if span is not None:
            return span
    return None


def _parse_anchor(s: str, ctx: _Ctx, depth: int) -> _Span | None:
    """Parse the object of since/before/after, allowing a date inside a noun phrase."""
    span = _parse(s, ctx, depth + 1)
    if span is not None:
        return span
    return _embedded(s, ctx, depth)


def _embedded(s: str, ctx: _Ctx, depth: int) -> _Span | None:
    """A date written inside a noun phrase: "the 2012 coup", "the March 2012 elections"."""
    if _DURATION_HINT.search(s):
        return None
    for m in _EMBEDDED.finditer(s):
        if find_year(m.group(0)) is None:
            continue
        span = _parse(m.group(0), ctx, depth + 1)
        if span is not None:
            return span
    return None


def _range(left: str, right: str, ctx: _Ctx, depth: int) -> _Span | None:
    """Join two ends of a range, lending year/month from one side to the other."""
    left, right = left.strip(" ,"), right.strip(" ,")
    ls, rs = _spec(left, bare=True), _spec(right, bare=True)
    lsp = rsp = None
    borrowed = False
    if ls is not None and rs is not None:
        if ls.bare is not None and rs.bare is not None:
            return None
        if rs.bare is not None:  # "July 20-22", "2015-18", "March 27 and 31, 2022"
            if ls.year is not None and ls.month is None and rs.year is None \
                    and 0 <= rs.bare <= 99:
                century = ls.year - ls.year % 100
                rs = _Spec(century + rs.bare)
            elif ls.month is not None and ls.day is not None and rs.bare >= ls.day:
                rs = _Spec(ls.year if rs.year is None else rs.year, ls.month, rs.bare)
            else:
                return None
        if ls.bare is not None:  # "20-22 July 2022"
            if rs.month is None or rs.day is None:
                return None
            ls = _Spec(rs.year, rs.month, ls.bare)
        elif ls.year is None and rs.year is not None and (ls.month is not None):
            ls = _Spec(rs.year, ls.month, ls.day)
            borrowed = True
        if rs.year is None and ls.year is not None and rs.month is not None:
            rs = _Spec(ls.year, rs.month, rs.day)
        lsp, rsp = _resolve_spec(ls, ctx), _resolve_spec(rs, ctx)
        if lsp is not None and rsp is not None and borrowed and lsp.start and rsp.end \
                and lsp.start > rsp.end and ls.year is not None:
            lsp = _resolve_spec(_Spec(ls.year - 1, ls.month, ls.day), ctx)
    if lsp is None or rsp is None:
        lsp, rsp = _parse(left, ctx, depth + 1), _parse(right, ctx, depth + 1)
    if lsp is None or rsp is None or lsp.start is None or rsp.end is None:
        return None
    if lsp.start > rsp.end:
        return None
    return _Span(lsp.start, rsp.end)


def _weekday_pair(ctx: _Ctx, w1: int, w2: int) -> _Span:
    pub = ctx.pub
    d2 = _weekday_future(pub, w2) if ctx.future else _weekday_past(pub, w2)
    d1 = d2 - timedelta(days=(d2.weekday() - w1) % 7)
    if ctx.future and d1 < pub:
        d1, d2 = d1 + timedelta(weeks=1), d2 + timedelta(weeks=1)
    return _Span(d1, d2)


def _parse_base(s: str, ctx: _Ctx, depth: int) -> _Span | None:  # noqa: C901 - a flat dispatch
    sp = _spec(s)
    if sp is not None:
        return _resolve_spec(sp, ctx)

    m = _DECADE.match(s)
    if m:
        y = int(m.group(1)) * 10
        return _Span(date(y, 1, 1), date(y + 9, 12, 31))

    m = _SEASON_YEAR.match(s)
    if m:
        return _season_span(m.group(1), int(m.group(2)))

    m = _QN.match(s)
    if m:
        base = _parse(m.group(2), ctx, depth + 1)
        if base is None or not _is_whole_year(base):
            return None
        k = int(m.group(1)[1])
        y = base.start.year  # type: ignore[union-attr]
        if m.group(1)[0] == "q":
            return _Span(_month_span(y, 3 * k - 2).start, _month_span(y, 3 * k).end)
        if k == 1:
            return _Span(date(y, 1, 1), date(y, 6, 30))
        return _Span(date(y, 7, 1), date(y, 12, 31))

    # publication-relative days
    if _TODAY.match(s):
        if s.startswith(("earlier in", "later in")) and ctx.previous is not None:
            lo, hi = ctx.prev()
            return _Span(lo, hi)
        return _Span(ctx.pub, ctx.pub)
    if _YESTERDAY.match(s):
        d = ctx.pub - timedelta(days=1)
        return _Span(d, d)
    if _DAY_BEFORE_YESTERDAY.match(s):
        d = ctx.pub - timedelta(days=2)
        return _Span(d, d)
    if _TOMORROW.match(s):
        d = ctx.pub + timedelta(days=1)
        return _Span(d, d)
    if _DAY_AFTER_TOMORROW.match(s):
        d = ctx.pub + timedelta(days=2)
        return _Span(d, d)
    if _OVERNIGHT.match(s):
        return _Span(ctx.pub - timedelta(days=1), ctx.pub)

    # narrative-relative (the event before)
    m = _PREV_BACK.match(s)
    if m:
        if s.startswith(("eve of", "the eve of")):
            rest = re.sub(r"^(?:the\s+)?eve\s+of\s+", "", s)
            base = _parse(rest, ctx, depth + 1) or _embedded(rest, ctx, depth)
            if base is not None and base.start is not None:
                d = base.start - timedelta(days=1)
                return _Span(d, d)
        lo, hi = ctx.prev_or_pub()
        return _Span(lo - timedelta(days=1), hi - timedelta(days=1))
    if _PREV_NEXT.match(s):
        lo, hi = ctx.prev()
        return _Span(lo + timedelta(days=1), hi + timedelta(days=1))
    if _PREV_SAME.match(s):
        lo, hi = ctx.prev()
        return _Span(lo, hi)
    m = _PREV_SOON.match(s)
    if m:
        lo, hi = ctx.prev()
        return _Span(lo, hi + timedelta(days=1)) if "hour" in s else _Span(lo, hi)
    m = _PREV_UNIT.match(s)
    if m:
        unit = m.group(2)
        if m.group(1):  # the previous week / month / year
            lo, _ = ctx.prev_or_pub()
            return _unit_span(_next_unit(lo, unit, -1), unit)
        _, hi = ctx.prev()
        return _unit_span(_next_unit(hi, unit, 1), unit)
    m = _PREV_SAME_UNIT.match(s)
    if m:
        lo, hi = ctx.prev()
        a, b = _unit_span(lo, m.group(1)), _unit_span(hi, m.group(1))
        return _Span(a.start, b.end)
    m = _PREV_OFFSET.match(s)
    if m:
        rng = _count_range(m.group(1))
        if rng is None:
            return None
        unit, direction = m.group(2), m.group(3)
        lo, hi = ctx.prev()
        sign = 1 if direction.startswith(("later", "after", "on")) else -1
        return _window(lo, hi, rng, unit, sign)

    # publication-relative periods
    m = _AGO.match(s)
    if m:
        rng = _count_range(m.group(1))
        if rng is None:
            return None
        unit = m.group(2)
        pub = ctx.pub
        if unit in {"hour", "minute"}:
            lo_d, hi_d = _hours_to_days(rng, unit)
            return _Span(pub - timedelta(days=max(hi_d, 1)), pub - timedelta(days=lo_d))
        return _window(pub, pub, rng, unit, -1)
    m = _ROLLING.match(s)
    if m:
        which, count, unit = m.group(1), (m.group(2) or "").strip(), m.group(3)
        if not count and which == "last" and not s.startswith("the"):
            pass  # "last week" is a calendar week: handled below
        else:
            rng = _count_range(count) if count else (1, 1)
            if rng is None:
                return None
            pub = ctx.pub
            if unit == "hour":
                return _Span(pub - timedelta(days=max(-(-rng[1] // 24), 1)), pub)
            return _Span(_shift(pub, -rng[1], unit), pub)
    m = _RECENT.match(s)
    if m:
        unit, n = _RECENT_SPANS[m.group(1) or "month"]
        pub = ctx.pub
        return _Span(_shift(pub, -n, unit), pub)
    m = _EARLIER_THIS.match(s)
    if m:
        pub = ctx.pub
        unit = m.group(2)
        span = _unit_span(pub, unit) if unit != "weekend" else _this_weekend(ctx)
        if m.group(1) == "earlier":
            return _Span(min(span.start, pub), pub)  # type: ignore[type-var]
        return _Span(pub, max(span.end, pub))  # type: ignore[type-var]
    m = _CALENDAR.match(s)
    if m:
        return _calendar(ctx, m.group(1).replace(" ", ""), m.group(2), s.startswith("the "))
    if _WEEKEND.match(s):
        return _this_weekend(ctx)
    m = _NAMED_MONTH_REL.match(s)
    if m:
        return _named_month(ctx, m.group(1).replace(" ", ""), _month_number(m.group(2)))
    m = _SEASON_REL.match(s)
    if m:
        return _season_rel(ctx, m.group(1), m.group(2))
    m = _THIS_UNIT.match(s)
    if m:  # "the end of the month", "the week": the current period, whole
        return _unit_span(ctx.pub, m.group(1))

    # weekdays
    m = _WEEKDAY.match(s)
    if m:
        d = _weekday(ctx, m.group(1), _WEEKDAYS[m.group(2)])
        return _Span(d, d)
    m = _WEEKDAY_DATE.match(s)
    if m:
        rest = m.group(1)
        sp = _spec(rest)
        if sp is not None:
            return _resolve_spec(sp, ctx)
        return None

    # parts of periods
    m = _HOURS_OF.match(s)
    if m:
        return _parse(m.group(1), ctx, depth + 1)
    m = _HALF_OF.match(s)
    if m:
        base = _parse(m.group(2), ctx, depth + 1)
        if base is None:
            return None
        return _half(base, 1 if m.group(1) in {"first", "1st"} else 2)
    m = _QUARTER_OF.match(s)
    if m:
        base = _parse(m.group(2), ctx, depth + 1)
        if base is None or not _is_whole_year(base):
            return None
        k = _ORDINALS[m.group(1)]
        k = 4 if k < 0 else k
        y = base.start.year  # type: ignore[union-attr]
        return _Span(_month_span(y, 3 * k - 2).start, _month_span(y, 3 * k).end, base.clamp)
    m = _WEEK_OF.match(s)
    if m:
        base = _parse(m.group(2), ctx, depth + 1)
        if base is None or not _is_whole_month(base):
            return None
        k = _ORDINALS[m.group(1)]
        end = base.end
        if k < 0:
            return _Span(end - timedelta(days=6), end)  # type: ignore[operator]
        first = base.start + timedelta(days=7 * (k - 1))  # type: ignore[operator]
        return _Span(first, min(first + timedelta(days=6), end))  # type: ignore[type-var]
    m = _PART_OF.match(s)
    if m:
        part = _PARTS[m.group(1)]
        base = _parse(m.group(2), ctx, depth + 1)
        if base is None:
            return None
        return base if part is None else _part(base, part)
    return None


def _this_weekend(ctx: _Ctx) -> _Span:
    pub = ctx.pub
    ws = _week_start(pub)
    sat = ws + timedelta(days=5)
    if ctx.future:
        return _Span(sat, sat + timedelta(days=1), clamp=True)
    if pub < sat:
        sat -= timedelta(weeks=1)
    return _Span(sat, sat + timedelta(days=1), clamp=True)


def _calendar(ctx: _Ctx, which: str, unit: str, with_the: bool) -> _Span:
    pub = ctx.pub
    if which in {"this", "current"}:
        if unit == "weekend":
            return _this_weekend(ctx)
        span = _unit_span(pub, unit)
        return _Span(span.start, span.end, clamp=True)
    if which in {"last", "previous", "past", "thispast"}:
        if which == "past" or (with_the and which == "last"):
            if unit != "weekend":  # "the past week": rolling, ends at publication
                return _Span(_shift(pub, -1, unit), pub)
        return _unit_span(_next_unit(pub, unit, -1), unit)
    # next, coming, this coming
    if unit == "weekend" and which in {"coming", "thiscoming"}:
        return _this_weekend(_Ctx(pub, None, "future"))
    return _unit_span(_next_unit(pub, unit, 1), unit)


def _named_month(ctx: _Ctx, which: str, month: int) -> _Span:
    pub = ctx.pub
    if which in {"last", "past", "thispast"}:
        year = pub.year if month < pub.month else pub.year - 1
    elif which == "this":
        year = pub.year
    else:  # next, coming
        year = pub.year if month > pub.month else pub.year + 1
    return _month_span(year, month)


def _season_rel(ctx: _Ctx, which: str, season: str) -> _Span:
    pub = ctx.pub
    if which == "this":
        year = pub.year if not (season == "winter" and pub.month <= 2) else pub.year - 1
        span = _season_span(season, year)
        return _Span(span.start, span.end, clamp=True)
    if which in {"last", "past", "previous"}:
        year = pub.year
        while True:
            span = _season_span(season, year)
            if span.end < pub:  # type: ignore[operator]
                return span
            year -= 1
    year = pub.year - 1
    while True:
        span = _season_span(season, year)
        if span.start > pub:  # type: ignore[operator]
            return span
        year += 1


# --------------------------------------------------------------------------- public entry


def normalise(expr: str, published: date | None, *, previous: TimeBounds | None = None,
              tense: Tense = "past") -> TimeBounds | None:
    """Normalise a temporal expression against the article's publication date.

    ``previous`` is the time of the event narrated before this one, for "the following day";
    ``tense`` says whether the sentence looks back ("past", the news default) or forward
    ("future": "will meet on Friday"). Returns None for text that is not a date expression;
    ``TimeBounds(None, None)`` for a date expression that needs a publication date it lacks.
    Never raises on any string.
    """
    if tense not in ("past", "future"):
        raise ValueError(f"tense must be 'past' or 'future', not {tense!r}")
    if not isinstance(expr, str):
        return None
    text = expr.strip()
    s = _clean(expr)
    if not s or len(s) > _MAX_LEN:
        return None
    ctx = _Ctx(published, previous, tense)
    try:
        stripped = _strip_clock(s)
        if stripped is None:
            return None
        span = _parse(stripped, ctx)
        if span is None and _ANCHOR_CONTEXT.match(stripped):
            span = _embedded(stripped, ctx, 0)
    except _NeedsPublished:
        return TimeBounds(None, None, text)
    except _NeedsPrevious:
        return None
    except (OverflowError, ValueError):  # arithmetic beyond year 1..9999
        return TimeBounds(None, None, text)
    if span is None:
        return None
    start, end = span.start, span.end
    if span.clamp and published is not None and start is not None and end is not None:
        if tense == "future" and start < published <= end:
            start = published
        elif tense == "past" and start <= published < end:
            end = published
    if start is not None and end is not None and start > end:
        return None
    if start is None and end is None:
        return None
    return TimeBounds(start, end, text)
