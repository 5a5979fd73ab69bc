"""Fuzzing: random and mutated articles through the readers, the extractor and the RDF mapping.

What must hold for every input, however mangled:

- the readers raise nothing: bad bytes become one-line problems, the rest are articles whose
  text has words;
- the extractor (``extract_docs``) raises nothing, and every mention, trigger and sentence
  offset slices the article text exactly;
- the mapped graph (``extraction_triples``) converts to Oxigraph terms (valid IRIs and literals)
  and conforms to the SHACL shapes (``validate_graph``). A violation here is an extraction or
  mapping bug, not bad input: the shapes describe what kg-builder promises to write.

The mutations are seeded (``KG_FUZZ_SEED``, default fixed) so a failure reproduces; the report
names the seed, the case and the text. Bounded to well under a minute.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg_builder.model import Article, Extraction
from kg_builder.readers import InputProblem, read_inputs
from kg_builder.store import to_ox

SEED = int(os.environ.get("KG_FUZZ_SEED", "20240301"))
#: Article cases through extraction, mapping and validation; byte-level cases through readers.
ARTICLE_CASES = int(os.environ.get("KG_FUZZ_ARTICLES", "400"))
READER_CASES = int(os.environ.get("KG_FUZZ_FILES", "600"))
#: Hard stop on the time spent (seconds), whatever the counts.
BUDGET = float(os.environ.get("KG_FUZZ_SECONDS", "45"))

# Wire-style texts written for these tests: attacks with counts and relative places, a coup,
# a protest, attributed and denied claims, an abduction, a clash, an election, sanctions.
SEED_TEXTS = [
    "Suspected jihadists attacked an army post near Sevare on Tuesday, killing 4 soldiers and "
    "wounding 7, the army said in a statement. The attackers fled towards a forest 30 km east "
    "of Mopti, residents said.",
    "Soldiers seized power in Niamey on Wednesday and detained the president, state television "
    "reported. The African Union condemned the coup.",
    "Thousands of people marched in Bamako on Friday to protest against the presence of French "
    "troops, police said. No one was hurt.",
    "JNIM claimed responsibility for the ambush of a convoy near Djibo last week in which at "
    "least 12 people were killed, according to a statement seen by reporters. The army denied "
    "the toll.",
    "Gunmen abducted two aid workers in Menaka on Thursday, a local official told reporters. "
    "It was not clear who was behind the kidnapping.",
    "Fighters of the Islamic State clashed with JNIM militants near Gao between March and May "
    "2023, leaving dozens dead, residents said.",
    "Voters in Ouagadougou went to the polls on Sunday in an election observers said was "
    "largely peaceful.\n\nECOWAS imposed sanctions on the junta in 2022.",
    "Wagner Group mercenaries and Malian soldiers killed about 300 civilians in Moura in March "
    "2022, the United Nations said. The government rejected the report.",
]

# "NaN" and "Infinity" once reached the graph as distances (see the reproducer at the end).
_NUMBERS = ["1" + "0" * 40, "9" * 400, "1e400", "-7", "0", "3.5 million", "1,000,000,000,000",
            "a thousand thousand", "∞", "١٢", "½", "12.5e3", "0x1F", "2³²", "000000007",
            "NaN", "Infinity", "inf", "-0"]
_DATES = ["on 31 February 2024", "in 99999", "between 2025 and 1990", "on 0 January 0",
          "last week", "next year", "in the 1990s", "on Friday 13", "since 1 BC", "in 0001",
          "on 9999-12-31", "on 29 February 2023", "yesterday and tomorrow"]
_BRACKETS = "([{<«\"'"
_CLOSERS = ")]}>»\"'"
_UNICODE_POOLS = [
    (0x0000, 0x001F), (0x007F, 0x009F), (0x0300, 0x036F), (0x0590, 0x05FF), (0x0600, 0x06FF),
    (0x200B, 0x200F), (0x2028, 0x202E), (0x2066, 0x2069), (0xFE00, 0xFE0F), (0xFFF0, 0xFFFF),
    (0x1F300, 0x1F6FF), (0x1F1E6, 0x1F1FF), (0xE000, 0xE0FF), (0x4E00, 0x4E80), (0x0041, 0x007A),
    (0x10FFF0, 0x10FFFF),
]
_PUBLISHED = [None, dt.date(2024, 3, 1), dt.date(2022, 7, 22), dt.date(1, 1, 1),
              dt.date(9999, 12, 31), dt.date(2000, 2, 29)]
_BASES = ["https://w3id.org/kg-builder/id/", "http://example.org/kg/", "urn:x-kg:/"]


def random_unicode(rnd: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        lo, hi = rnd.choice(_UNICODE_POOLS)
        out.append(chr(rnd.randint(lo, hi)))
    return "".join(out)


def mutate(rnd: random.Random, text: str) -> str:
    """Apply one to four random edits that keep the text a str (no surrogates)."""
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(13)
        at = rnd.randint(0, len(text))
        if op == 0:      # random Unicode, controls, marks, bidi, emoji, private use
            text = text[:at] + random_unicode(rnd, rnd.randint(1, 30)) + text[at:]
        elif op == 1:    # a sentence repeated
            sentences = [s for s in text.split(". ") if s] or [text]
            s = rnd.choice(sentences)
            text = text + (" " + s + ".") * rnd.randint(2, 25)
        elif op == 2:    # a number made huge, negative, non-ASCII, spelt out...
            digits = [i for i, c in enumerate(text) if c.isdigit()]
            number = rnd.choice(_NUMBERS)
            if digits:
                i = rnd.choice(digits)
                j = i
                while j < len(text) and (text[j].isdigit() or text[j] in ",."):
                    j += 1
                text = text[:i] + number + text[j:]
            else:
                text = text[:at] + f" killing {number} people " + text[at:]
        elif op == 3:    # nested (and unbalanced) brackets around a stretch
            end = min(len(text), at + rnd.randint(1, 40))
            k = rnd.randint(1, 12)
            opens = "".join(rnd.choice(_BRACKETS) for _ in range(k))
            closes = "".join(rnd.choice(_CLOSERS) for _ in range(rnd.randint(0, k)))
            text = text[:at] + opens + text[at:end] + closes + text[end:]
        elif op == 4:    # truncated
            text = text[:at]
        elif op == 5:    # a stretch deleted
            text = text[:at] + text[at + rnd.randint(1, 60):]
        elif op == 6:    # SHOUTED, or all lower case
            text = text.upper() if rnd.random() < 0.5 else text.lower()
        elif op == 7:    # spaces become newlines, or disappear
            text = text.replace(" ", rnd.choice(["\n", "", "\r\n", "\u00a0", "\t", "  \n\n "]))
        elif op == 8:    # zero-width and combining characters inside words
            text = "".join(c + (rnd.choice(["\u200b", "\u200d", "\u0301", "\u0327", "\ufe0f"])
                                if c.isalpha() and rnd.random() < 0.2 else "") for c in text)
        elif op == 9:    # odd or impossible dates
            text = text[:at] + " " + rnd.choice(_DATES) + " " + text[at:]
        elif op == 10:   # distances and bearings that are not numbers, or are huge
            bearing = rnd.choice(["north", "south-east", "west", "northern"])
            anchor = rnd.choice(["Gao", "Bamako", "Mopti", "Timbuktu"])
            text = f"{text[:at]} {rnd.choice(_NUMBERS)} km {bearing} of {anchor} {text[at:]}"
        elif op == 11:   # a very long token
            text = text[:at] + rnd.choice("a9-_.") * rnd.randint(200, 3000) + text[at:]
        else:            # two texts run together without a break
            text = text[:at] + rnd.choice(SEED_TEXTS) + text[at:]
    return text


def mutate_bytes(rnd: random.Random, data: bytes) -> bytes:
    """Byte-level damage: flipped bits, truncation, inserted junk, BOMs and NULs, re-encoding."""
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 5)):
        op = rnd.randrange(7)
        at = rnd.randint(0, len(buf))
        if op == 0 and buf:
            i = rnd.randrange(len(buf))
            buf[i] ^= 1 << rnd.randrange(8)
        elif op == 1:
            del buf[at:]
        elif op == 2:
            buf[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 12)))
        elif op == 3:
            buf[at:at] = rnd.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00", b"\n\n",
                                     b"\r", b"\xc3", b"\xed\xa0\x80", b"\\ud800"])
        elif op == 4:
            lines = bytes(buf).split(b"\n")
            if lines:
                line = rnd.choice(lines)
                buf[at:at] = b"\n" + line * rnd.randint(1, 3) + b"\n"
        elif op == 5:
            buf = bytearray(bytes(buf).decode("utf-8", "replace").encode(
                rnd.choice(["utf-16", "utf-16-le", "utf-32", "utf-8-sig"])))
        else:
            del buf[at:at + rnd.randint(1, 20)]
    return bytes(buf)


def jsonl_of(rnd: random.Random, n: int) -> bytes:
    records = []
    for i in range(n):
        text = rnd.choice(SEED_TEXTS)
        day = rnd.choice(_PUBLISHED[1:])
        records.append({"id": f"f-{i}", "url": f"https://news.example.org/{i}",
                        "title": text[:30], "published": day.isoformat(), "text": text})
    return "".join(json.dumps(r, ensure_ascii=rnd.random() < 0.5) + "\n"
                   for r in records).encode("utf-8")


def spans_of(ex: Extraction):
    for a in ex.actors.values():
        yield from a.mentions
    for p in ex.places.values():
        yield from p.mentions
    for e in ex.events:
        yield from (e.trigger, e.sentence, *e.mentions)
    for r in ex.relations:
        yield from r.mentions


@pytest.fixture(scope="module")
def nlp():
    from kg_builder.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="module")
def shapes():
    from kg_builder.validate import load_shapes

    return load_shapes()


@pytest.mark.slow
def test_fuzzed_files_through_the_readers():
    """Damaged .jsonl/.json/.txt bytes: no exception; articles have words; problems are one
    line; each line of a JSON Lines file is an article or an error, never lost."""
    rnd = random.Random(SEED)
    started = time.monotonic()
    seen_articles = seen_problems = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in range(READER_CASES):
            if time.monotonic() - started > BUDGET / 3:
                break
            suffix = rnd.choice([".jsonl", ".jsonl", ".json", ".txt"])
            if suffix == ".jsonl":
                data = jsonl_of(rnd, rnd.randint(1, 6))
            elif suffix == ".json":
                data = json.dumps({"text": rnd.choice(SEED_TEXTS), "id": "j"}).encode()
            else:
                data = rnd.choice(SEED_TEXTS).encode("utf-8")
            data = mutate_bytes(rnd, data)
            path = Path(tmp) / f"case-{case}{suffix}"
            path.write_bytes(data)
            problems: list[InputProblem] = []
            try:
                articles = list(read_inputs([str(path)], on_problem=problems.append))
            except Exception as exc:  # noqa: BLE001 - the point is that nothing escapes
                pytest.fail(f"seed {SEED} case {case}: readers raised {exc!r} on {data!r}")
            for a in articles:
                assert any(c.isalnum() for c in a.text), (SEED, case, data)
                a.text.encode("utf-8")
            for p in problems:
                assert "\n" not in str(p) and "\r" not in str(p), (SEED, case, str(p))
            seen_articles += len(articles)
            seen_problems += len(problems)
    assert seen_articles > 50 and seen_problems > 50   # the mutations did both


def _article_cases(rnd: random.Random, n: int) -> list[Article]:
    cases = []
    for i in range(n):
        kind = rnd.random()
        if kind < 0.1:        # pure noise with at least one letter
            text = random_unicode(rnd, rnd.randint(1, 300)) + "x"
        elif kind < 0.2:      # several seed texts, mutated
            text = mutate(rnd, " ".join(rnd.sample(SEED_TEXTS, rnd.randint(2, 4))))
        else:
            text = mutate(rnd, rnd.choice(SEED_TEXTS))
        if not any(c.isalnum() for c in text):  # the readers reject texts without words
            text += " Gao"
        text = text.encode("utf-8", "replace").decode("utf-8")
        published = rnd.choice(_PUBLISHED)
        cases.append(Article(id=f"fuzz-{SEED}-{i}", text=text, published=published,
                             url=rnd.choice([None, f"https://news.example.org/{i}"]),
                             title=rnd.choice([None, text[:40]]), origin=f"case {i}"))
    return cases


@pytest.mark.slow
def test_fuzzed_articles_extract_map_and_validate(nlp, shapes):
    """Mutated articles: extraction raises nothing, offsets slice the text, the mapped graph
    converts to Oxigraph and conforms to the shapes."""
    from kg_builder.nlp import extract_docs
    from kg_builder.rdf import extraction_triples
    from kg_builder.validate import validate_graph

    rnd = random.Random(SEED + 1)
    cases = _article_cases(rnd, ARTICLE_CASES)
    started = time.monotonic()
    failures: list[str] = []
    done = 0
    for start in range(0, len(cases), 16):
        if time.monotonic() - started > BUDGET or len(failures) >= 5:
            break
        batch = cases[start:start + 16]
        try:
            extractions = list(extract_docs(nlp, batch))
        except Exception:  # noqa: BLE001 - find the article that breaks it
            extractions = []
            for article in batch:
                try:
                    [ex] = extract_docs(nlp, [article])
                except Exception as exc:  # noqa: BLE001
                    failures.append(f"{article.origin}: extraction raised {exc!r}\n"
                                    f"  text={article.text!r}\n  published={article.published}")
                    continue
                extractions.append(ex)
        for ex in extractions:
            done += 1
            text = ex.article.text
            bad = [s for s in spans_of(ex) if text[s.start:s.end] != s.text]
            if bad:
                failures.append(f"{ex.article.origin}: offsets do not slice the text: {bad[:3]}"
                                f"\n  text={text!r}")
                continue
            base = rnd.choice(_BASES)
            try:
                _, triples = extraction_triples(ex, base)
                store = ox.Store()
                store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples)
            except Exception as exc:  # noqa: BLE001
                failures.append(f"{ex.article.origin}: mapping raised {exc!r}\n  text={text!r}"
                                f"\n  published={ex.article.published}")
                continue
            violations = validate_graph(store, shapes)
            if violations:
                shown = "\n    ".join(f"{v.focus} {v.path} {v.value!r}: {v.message}"
                                      for v in violations[:4])
                failures.append(f"{ex.article.origin}: {len(violations)} SHACL violation(s)\n"
                                f"    {shown}\n  text={text!r}\n  published="
                                f"{ex.article.published}")
    assert not failures, f"seed {SEED}:\n" + "\n\n".join(failures)
    assert done >= min(ARTICLE_CASES, 100), f"only {done} cases in {BUDGET} s"


# --------------------------------------------------------------------------- found by fuzzing

def _violations(nlp, shapes, text: str) -> list[str]:
    from kg_builder.nlp import extract_docs
    from kg_builder.rdf import extraction_triples
    from kg_builder.validate import validate_graph

    [ex] = extract_docs(nlp, [Article(id="repro", text=text, published=dt.date(2024, 3, 1))])
    _, triples = extraction_triples(ex)
    store = ox.Store()
    store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples)
    return [f"{v.path} {v.value}" for v in validate_graph(store, shapes)]


@pytest.mark.parametrize("text", ["They fled. NaN km north of Gao, they regrouped.",
                                  "They fled. Infinity km north of Gao, they regrouped."])
def test_non_numbers_as_distances_do_not_reach_the_graph(nlp, shapes, text):
    assert _violations(nlp, shapes, text) == []
