"""Property tests (hypothesis) for what must hold for *any* input: minted IRIs, mention offsets,
and the readers' promise that nothing is lost and nothing but text gets in.

Not here: the date normaliser and the number parser (``test_timex.py``, ``test_numbers.py``) and
the JSON record round trip (``test_readers.py``) have their own property tests.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg_builder import iris
from kg_builder.model import ACTOR_KINDS, EVENT_TYPES, Article, Extraction, Span
from kg_builder.readers import InputProblem, id_from_url, iri_problem, read_inputs

#: Characters no IRI may hold (RFC 3987): controls, space, the delimiters below, bidi controls.
IRI_FORBIDDEN = re.compile(
    r"[\x00-\x20\x7f-\x9f<>\"{}|\\^`\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: A slug: lowercase ASCII letters, digits, inner hyphens and %-escapes (uppercase hex).
_UNIT = r"(?:[a-z0-9]|%[0-9A-F]{2})"
SLUG = re.compile(rf"{_UNIT}(?:(?:{_UNIT}|-)*{_UNIT})?")

bases = st.sampled_from([iris.DEFAULT_BASE, "http://example.org/kg/", "urn:x-kg:",
                         "https://例え.jp/グラフ/"]).map(iris.check_base)
names = st.text(max_size=60)
#: Names with something to say: the slug is made of their letters and digits.
wordy_names = st.tuples(names, st.characters(categories=["Lu", "Ll", "Lo", "Nd"]), names).map(
    "".join)


def assert_valid_iri(iri: str) -> None:
    assert ox.NamedNode(iri).value == iri   # Oxigraph's parser is RFC 3987-strict
    assert not IRI_FORBIDDEN.search(iri), iri


# --------------------------------------------------------------------------- IRI minting

@settings(max_examples=300, deadline=None)
@given(text=st.text())
@example(text="")
@example(text="-_-")
@example(text="Assimi Goïta")
@example(text="🇲🇱 «»\u202e\u0000")
def test_slug_is_a_safe_path_segment(text):
    slug = iris.slug(text)
    assert SLUG.fullmatch(slug), slug
    assert slug == iris.slug(text)               # no clock, counter or randomness
    assert_valid_iri(iris.DEFAULT_BASE + "actor/person/" + slug)


@settings(max_examples=200, deadline=None)
@given(text=wordy_names)
def test_canonically_equivalent_names_get_one_slug(text):
    """"Goïta" typed with a precomposed ï or with i + U+0308 is the same name, one IRI."""
    nfc, nfd = unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)
    assert iris.slug(nfc) == iris.slug(nfd) == iris.slug(text)


def test_name_without_letters_gets_one_slug_for_equivalent_spellings():
    precomposed, decomposed = "\u2605\u0301\u0327", "\u2605\u0327\u0301"  # star + two accents
    assert unicodedata.normalize("NFC", precomposed) == unicodedata.normalize("NFC", decomposed)
    assert iris.slug(precomposed) == iris.slug(decomposed)


@settings(max_examples=300, deadline=None)
@given(base=bases, name=names, kind=st.sampled_from(ACTOR_KINDS),
       wikidata=st.none() | st.integers(1, 10**9).map(lambda n: f"Q{n}"))
def test_actor_iri_is_valid_and_stable(base, name, kind, wikidata):
    iri = iris.actor_iri(base, name, kind, wikidata)
    assert_valid_iri(iri)
    assert iri.startswith(base + "actor/")
    assert iri == iris.actor_iri(base, name, kind, wikidata)
    if wikidata:
        assert iri == f"{base}actor/{wikidata}"   # linked actors: one IRI whatever the name


@settings(max_examples=300, deadline=None)
@given(base=bases, name=names, geonames=st.none() | st.integers(0, 10**10),
       country=st.none() | st.text(max_size=4))
def test_place_iri_is_valid_and_stable(base, name, geonames, country):
    iri = iris.place_iri(base, name, geonames, country)
    assert_valid_iri(iri)
    assert iri == iris.place_iri(base, name, geonames, country)
    if geonames is not None:
        assert iri == f"{base}place/geonames/{geonames}"


@settings(max_examples=200, deadline=None)
@given(base=bases, name=names, anchor=names,
       distance=st.none() | st.floats(allow_nan=True, allow_infinity=True),
       bearing=st.none() | st.floats(-720, 720))
def test_relative_place_iri_is_valid(base, name, anchor, distance, bearing):
    anchor_iri = iris.place_iri(base, anchor)
    assert_valid_iri(iris.relative_place_iri(base, anchor_iri, distance, bearing, name))


@settings(max_examples=300, deadline=None)
@example(base="https://w3id.org/kg-builder/id/", article_id="..", start=0, length=1,
         event_type=EVENT_TYPES[0], variant="")
@example(base="https://w3id.org/kg-builder/id/", article_id=".", start=0, length=1,
         event_type=EVENT_TYPES[0], variant="")
@given(base=bases, article_id=st.text(min_size=1), start=st.integers(0, 10**7),
       length=st.integers(0, 10**4), event_type=st.sampled_from(EVENT_TYPES),
       variant=st.text(max_size=30))
def test_article_mention_and_event_iris_are_valid_and_ids_never_collide(
        base, article_id, start, length, event_type, variant):
    article = iris.article_iri(base, article_id)
    assert_valid_iri(article)
    # percent-encoding is reversible: two ids never share a graph IRI
    segment = article[len(base + "article/"):]
    assert unquote(segment) == article_id
    # and never a dot segment, which IRI resolution in other tools would remove
    assert segment not in (".", "..")
    assert_valid_iri(iris.mention_iri(article, start, start + length))
    assert_valid_iri(iris.event_iri(base, article_id, event_type, start, variant))


@pytest.mark.parametrize("base", ["http://example.org/\x00/", "http://example.org/%zz/",
                                  "http://[example.org/", "http://example.org:port/"])
def test_check_base_rejects_what_cannot_be_an_iri(base):
    with pytest.raises(ValueError):
        iris.check_base(base)


def test_a_base_the_checker_accepts_gives_valid_mention_iris():
    try:
        base = iris.check_base("http://example.org/kg#")
    except ValueError:
        return
    article = iris.article_iri(base, "a")
    assert_valid_iri(iris.mention_iri(article, 0, 4))


# --------------------------------------------------------------------------- readers

def collect(path: Path) -> tuple[list[Article], list[InputProblem]]:
    problems: list[InputProblem] = []
    return list(read_inputs([str(path)], on_problem=problems.append)), problems


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".txt", ".json", ".jsonl"]))
@example(data=b"\xff\xfe" + "Words".encode("utf-16-le") + b"\x00", suffix=".txt")
@example(data=b"\xef\xbb\xbf{\"text\": \"a\"}\n\x80", suffix=".jsonl")
def test_any_bytes_give_text_articles_or_one_line_problems(data, suffix):
    """Whatever the bytes, the reader raises nothing; what it yields is text with words, and
    each problem is one line naming the file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        articles, problems = collect(path)
    for a in articles:
        assert isinstance(a.text, str) and any(c.isalnum() for c in a.text)
        a.text.encode("utf-8")                      # no lone surrogates
        assert "\x00" not in a.text
    for p in problems:
        line = str(p)
        assert line.startswith(str(path)) and "\n" not in line and "\r" not in line, line
    if suffix != ".jsonl":
        assert len(articles) + sum(p.fatal for p in problems) == 1   # one article per file


_record_text = st.text(min_size=1).filter(lambda t: any(c.isalnum() for c in t))
_good = st.fixed_dictionaries({"text": _record_text},
                              optional={"title": st.text(), "url": st.text(max_size=30),
                                        "published": st.dates().map(dt.date.isoformat)})
_garbage = st.one_of(
    st.text(max_size=40).filter(lambda t: "\n" not in t and "\x00" not in t),  # NUL: binary
    st.binary(max_size=40).filter(lambda b: b"\n" not in b and b"\x00" not in b),
    st.sampled_from(['{"text": 3}', "[]", "null", '{"text": "!!!"}', '{"id": {}, "text": "a"}',
                     '{"text": "a", "published": "soon"}', '{"text": "\\ud800 lone"}', "{", "}"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.one_of(_good.map(lambda r: ("good", r)),
                                _garbage.map(lambda g: ("garbage", g))), max_size=12))
def test_every_json_line_is_an_article_or_one_error(lines):
    """Nothing lost: each non-blank line of a JSON Lines file is either an article or exactly
    one error naming that line, never both, never neither."""
    raw = [b'{"text": "First record."}']  # a clean first line keeps the encoding UTF-8
    for kind, value in lines:
        if kind == "good":
            raw.append(json.dumps(value, ensure_ascii=False).encode("utf-8"))
        else:
            raw.append(value.encode("utf-8") if isinstance(value, str) else value)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dump.jsonl"
        path.write_bytes(b"\n".join(raw) + b"\n")
        articles, problems = collect(path)
    records = []
    for number, line in enumerate(raw, 1):
        try:
            blank = not line.decode("utf-8").strip()
        except UnicodeDecodeError:
            blank = False
        if not blank:
            records.append(number)
    errors = [p for p in problems if p.fatal]
    where = [int(p.origin.rsplit(":", 1)[1]) for p in errors]
    built = [int(a.origin.rsplit(":", 1)[1]) for a in articles]
    assert len(where) == len(set(where))                # one error per line at most
    assert sorted(where + built) == records             # every record accounted for, once


_texts = st.text(min_size=1).filter(
    lambda t: any(c.isalnum() for c in t) and "\x00" not in t and not t.startswith("\ufeff"))


@settings(max_examples=150, deadline=None)
@given(text=_texts, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le",
                                              "utf-16-be", "utf-32"]),
       suffix=st.sampled_from([".txt", ".jsonl"]))
def test_text_comes_back_exactly_in_every_supported_encoding(text, encoding, suffix):
    """Offsets index the text, so it must come back exactly: no newline conversion, no
    normalisation, no stripping — in UTF-8 with or without BOM, UTF-16/32 with BOM."""
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(encoding, "")
    body = text if suffix == ".txt" else json.dumps({"text": text}, ensure_ascii=False) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"a{suffix}"
        path.write_bytes((bom + body).encode(encoding))
        articles, problems = collect(path)
    assert [p for p in problems if p.fatal] == []
    assert [a.text for a in articles] == [text]


_url_like = st.one_of(
    st.text(max_size=40),
    st.tuples(st.sampled_from(["http://", "https://", "urn:", "mailto:", "a:"]),
              st.text(max_size=40)).map("".join),
)


@settings(max_examples=500, deadline=None)
@given(url=_url_like)
@example(url="http://[::1")
@example(url="https://example.org/a#b#c")
@example(url="https://example.org/\ue000")
@example(url="https://example.org/\u202egnp.exe")
def test_a_url_the_reader_keeps_is_an_iri(url):
    """A url that passes the reader is an IRI the store (and any RDF tool) accepts, and the
    id derived from it mints a valid article IRI."""
    if iri_problem(url) is None:
        assert_valid_iri(url)
        article_id = id_from_url(url)
        assert re.fullmatch(r"[a-z0-9-]+", article_id)
        assert article_id == id_from_url(url)
        assert_valid_iri(iris.article_iri(iris.DEFAULT_BASE, article_id))


@pytest.mark.parametrize("url, why", [
    ("http://[::1", "invalid character '[' in host"),
    ("https://example.org/a#b#c", "invalid IRI code point '#'"),
    ("https://example.org/\ue000", "invalid IRI code point 'U+E000'"),
    ("https://example.org/\u202egnp.exe", "contains bidirectional formatting character U+202E"),
])
def test_urls_that_only_an_iri_parser_rejects_are_dropped_with_a_reason(tmp_path, url, why):
    path = tmp_path / "u.jsonl"
    path.write_text(json.dumps({"id": "a", "url": url, "text": "Words."}) + "\n",
                    encoding="utf-8")
    [a], problems = collect(path)
    assert a.url is None
    [p] = problems
    assert not p.fatal and p.message == f"'url' {url!r} is not a valid IRI ({why}); url dropped"


# --------------------------------------------------------------------------- offsets

@pytest.fixture(scope="module")
def nlp():
    from kg_builder.nlp import load_pipeline

    return load_pipeline()


_decor = st.lists(st.sampled_from([
    "😀", "🇲🇱", "👩🏽‍⚕️", "\u0301", "\u0327\u0301", "e\u0301", "ñ", "\u200d", "عربي", "עברית",
    "\u202e", "\u2066", "𝔘𝔫𝔦", "—", "«", "»", "\t", "\r\n", "\n", "\u2028", "ẞ", "ﬁ",
]), max_size=6).map("".join)
_around = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
                  max_size=80)


def all_spans(ex: Extraction) -> list[Span]:
    spans: list[Span] = []
    for a in ex.actors.values():
        spans += a.mentions
    for p in ex.places.values():
        spans += p.mentions
    for e in ex.events:
        spans += [e.trigger, e.sentence, *e.mentions]
    for r in ex.relations:
        spans += r.mentions
    return spans


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_around, at=st.integers(0, 80), left=_decor, right=_decor)
@example(text="Gunmen attacked a camp near  on Monday, killing 3 people.", at=28,
         left="😀\u0301", right="🇲🇱")
def test_mention_offsets_slice_the_text_whatever_surrounds_them(nlp, text, at, left, right):
    """A place name dropped anywhere into any text, with emoji, combining marks and
    right-to-left text around it: the place is found exactly where it was put, and every
    mention, trigger and sentence offset of the extraction slices the text exactly."""
    from kg_builder.nlp import extract_docs

    at = min(at, len(text))
    before = text[:at] + left + " "
    full = before + "Bamako" + " ;" + right + " " + text[at:]
    [ex] = extract_docs(nlp, [Article(id="p", text=full, published=dt.date(2024, 3, 1))])
    for span in all_spans(ex):
        assert full[span.start:span.end] == span.text, span
    bamako = [m for p in ex.places.values() for m in p.mentions if m.text == "Bamako"]
    assert Span(len(before), len(before) + 6, "Bamako") in bamako
