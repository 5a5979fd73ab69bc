"""Robustness and security end to end: bad input, crashes, concurrent writers and hostile values.

The reader-level cases are in ``test_readers.py``; here the same cases go through the command
line at once (``kg-builder build``), and the store is inspected afterwards: every bad record gives
one located line on stderr, every good one becomes exactly one named graph, the exit code says
whether anything was rejected. Then a build is killed with SIGKILL mid-way and resumed, a second
writer is turned away, output files are shown to be atomic, and values chosen to break
serialisers (quotes, ``>``, ``}``, newlines, control characters, emoji, right-to-left text) are
pushed through every output format and read back with strict parsers.

All texts here are written for these tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from lxml import etree

from kg_builder.cli import main
from kg_builder.iris import DEFAULT_BASE

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = DEFAULT_BASE + "article/"

# --------------------------------------------------------------------------- helpers


def run(*args: str, input: str | None = None):
    """Invoke the command line in this process (the spaCy pipeline is loaded once per process)."""
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def article_graphs(store_dir: Path) -> set[str]:
    store = ox.Store.read_only(str(store_dir))
    return {g.value for g in store.named_graphs() if g.value.startswith(ARTICLE)}


def sorted_nquads(store: ox.Store) -> list[str]:
    """Every quad of the store (metadata graph included) as sorted N-Quads lines."""
    return sorted(str(q) for q in store)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("kg-builder: error: ")]


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("kg-builder: warning: ")]


def one_line_naming(lines: list[str], where: str, *needles: str) -> str:
    """The single line of ``lines`` that names ``where`` (a file, or file:line); it must
    contain every needle."""
    found = [line for line in lines if f" {where}: " in line]
    assert len(found) == 1, (where, lines)
    for needle in needles:
        assert needle in found[0], (needle, found[0])
    return found[0]


@pytest.fixture(scope="module")
def pipeline():
    """Load the pipeline before anything is timed or measured (cached for the process)."""
    from kg_builder.nlp import load_pipeline

    return load_pipeline()


# --------------------------------------------------------------------------- generated news

_PLACES = ["Bamako", "Gao", "Mopti", "Kidal", "Timbuktu", "Niamey", "Ouagadougou", "Sevare",
           "Menaka", "Segou", "Kayes", "Tillaberi", "Djibo", "Dori"]
_AGENTS = ["Suspected jihadists", "Gunmen", "JNIM fighters", "Islamic State militants",
           "Unidentified armed men", "Wagner Group mercenaries", "Malian soldiers"]
_TARGETS = ["an army post", "a village", "a convoy", "a market", "a checkpoint", "a military camp"]
_DAYS = ["on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday",
         "last week", "overnight"]
_SOURCES = ["the army said", "local officials said", "residents told reporters",
            "a security source said", "the government said in a statement"]
_FILLER = ["The region has seen repeated violence since 2012.",
           "Aid groups said thousands of people had fled their homes.",
           "Talks between the government and armed groups stalled last year.",
           "Schools in the area have been closed for months.",
           "Prices of food have risen sharply in local markets."]


def generated_articles(n: int, seed: int = 7) -> list[dict]:
    """``n`` short wire-style articles with varied places, actors, counts and dates; a few
    report the same event as an earlier one (so cross-article merging is exercised)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        day = dt.date(2024, 3, 1) + dt.timedelta(days=rnd.randrange(40))
        if i >= 5 and i % 7 == 0:  # a second report of an earlier event, other wording
            earlier = out[i - 5]
            day = dt.date.fromisoformat(earlier["published"])
            place = earlier["place"]
        else:
            place = rnd.choice(_PLACES)
        dead, hurt = rnd.randrange(1, 40), rnd.randrange(0, 20)
        lead = (f"{rnd.choice(_AGENTS)} attacked {rnd.choice(_TARGETS)} near {place} "
                f"{rnd.choice(_DAYS)}, killing {dead} people and wounding {hurt}, "
                f"{rnd.choice(_SOURCES)}.")
        if rnd.random() < 0.4:
            lead += (f" Soldiers clashed with the attackers "
                     f"{rnd.randrange(5, 90)} km north of {rnd.choice(_PLACES)}.")
        body = " ".join(rnd.sample(_FILLER, 2))
        out.append({"id": f"gen-{i:03d}", "url": f"https://news.example.org/{day}/{i}",
                    "title": f"Attack near {place}", "published": day.isoformat(),
                    "text": f"{lead}\n\n{body}\n", "place": place})
    return out


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


# --------------------------------------------------------------------------- 1. bad input


def test_every_kind_of_bad_input_through_the_cli(tmp_path, monkeypatch, pipeline):
    """One build over a folder holding every bad-input case of the input contract.

    Each rejected file or record gives exactly one ``kg-builder: error:`` line naming the file
    (and line); odd-but-usable input gives a warning; every good record becomes one named graph;
    the exit code is 2 because something was rejected.

    The 20 MB article is read, hashed and stored whole, and analysed up to the pipeline's
    ``MAX_CHARS`` (100,000 characters) with a warning; peak memory and time stay bounded (about
    350 MB and 7 s here, nearly all of it spaCy parsing those 100,000 characters).
    """
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()

    (inbox / "a-empty.txt").write_bytes(b"")
    (inbox / "b-binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (inbox / "c-latin1.txt").write_bytes(
        "Gunmen attacked a caf\xe9 in Bamako on Monday.".encode("latin-1"))
    utf16_text = "Gunmen attacked a market in Gao on Monday, killing 3 people, officials said.\n"
    (inbox / "d-utf16.txt").write_bytes(utf16_text.encode("utf-16"))  # with BOM
    (inbox / "e-punctuation.txt").write_text("?! ... --- ;;; (( )) !!!\n", encoding="utf-8")
    good = {"id": "good-1", "url": "https://news.example.org/good-1", "title": "Good",
            "published": "2024-03-05",
            "text": "Gunmen killed 4 villagers near Mopti on Sunday, local officials said."}
    lines = [
        json.dumps(good),                                                      # 1 built
        '{"id": "broken", "text": "Gunmen attacked Gao."',                     # 2 malformed
        '["a JSON array", "not an object"]',                                   # 3 not an object
        json.dumps({"id": "no-text", "title": "Missing text"}),                # 4 missing text
        json.dumps({"id": "bad-date", "published": "last Tuesday",             # 5 not a date
                    "text": "Troops arrived in Kidal."}),
        json.dumps({"id": "future", "published": future,                       # 6 warning only
                    "text": "Soldiers clashed with rebels near Kidal on Friday."}),
        json.dumps({"id": "bad-url", "url": "news.example.org/no scheme",      # 7 warning only
                    "published": "2024-03-06",
                    "text": "Protesters marched in Niamey on Saturday, police said."}),
        json.dumps({**good, "text": "A different text with the same id."}),    # 8 duplicate id
        json.dumps({"id": "punct", "text": "... !!! ???"}),                    # 9 no words
    ]
    (inbox / "f-dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    big_head = ("Suspected jihadists attacked an army post near Sevare on Tuesday, killing 4 "
                "soldiers, the army said.\n\n")
    filler = "The committee met again and discussed the budget at length before lunch.\n"
    big_text = big_head + filler * ((20_000_000 - len(big_head)) // len(filler))
    (inbox / "g-big.txt").write_text(big_text, encoding="utf-8")
    secret = inbox / "h-secret.txt"
    secret.write_text("Gunmen attacked Gao on Monday.", encoding="utf-8")
    os.symlink(inbox, inbox / "sub" / "loop")                  # a folder loop
    os.symlink(inbox / "i-self.txt", inbox / "i-self.txt")     # a file that links to itself
    (inbox / "sub" / "z-fine.txt").write_text(
        "Unidentified gunmen abducted two aid workers in Menaka on Thursday, the UN said.",
        encoding="utf-8")
    del big_text

    # Unreadable file: chmod 000 does not stop root, so open() itself refuses (as in
    # test_readers.py).
    real_open = open

    def guarded(file, *args, **kwargs):
        if str(file) == str(secret):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded)
    store = tmp_path / "store"
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    res = run("build", str(inbox), "--store", str(store), "--published", "2024-03-07")
    seconds = time.perf_counter() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    monkeypatch.setattr("builtins.open", real_open)

    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    errors, warnings = error_lines(res.stderr), warning_lines(res.stderr)
    dump = inbox / "f-dump.jsonl"
    one_line_naming(errors, str(inbox / "a-empty.txt"), "empty file")
    one_line_naming(errors, f"{inbox / 'b-binary.txt'}:3", "binary file")  # line of the NUL
    one_line_naming(errors, f"{inbox / 'c-latin1.txt'}:1", "not UTF-8", "0xe9", "offset 21")
    one_line_naming(errors, str(inbox / "e-punctuation.txt"), "no words")
    one_line_naming(errors, f"{dump}:2", "malformed JSON")
    one_line_naming(errors, f"{dump}:3", "array", "not an article object")
    one_line_naming(errors, f"{dump}:4", "missing 'text'")
    one_line_naming(errors, f"{dump}:5", "'published'", "last Tuesday")
    one_line_naming(errors, f"{dump}:8", "duplicate id 'good-1'", f"{dump}:1")
    one_line_naming(errors, f"{dump}:9", "no words")
    one_line_naming(errors, str(secret), "permission denied")
    one_line_naming(errors, str(inbox / "i-self.txt"), "symbolic link loop")
    assert len(errors) == 12, errors
    one_line_naming(warnings, f"{dump}:6", "in the future")
    one_line_naming(warnings, f"{dump}:7", "not a valid IRI", "url dropped")
    one_line_naming(warnings, str(inbox / "sub" / "loop"), "symbolic link loop")
    big_warnings = [w for w in warnings if f" {inbox / 'g-big.txt'}: " in w]
    assert any("very long article" in w for w in big_warnings), warnings
    assert any("only the first 100,000 were analysed" in w for w in big_warnings), warnings
    assert "rejected 12" in res.stderr

    built = article_graphs(store)
    assert built == {ARTICLE + a for a in ("d-utf16", "good-1", "future", "bad-url", "g-big",
                                           "z-fine")}
    ro = ox.Store.read_only(str(store))

    def values(article: str, prop: str) -> list[str]:
        g = ox.NamedNode(ARTICLE + article)
        return [q.object.value for q in ro.quads_for_pattern(
            g, ox.NamedNode(f"https://schema.org/{prop}"), None, g)]

    assert values("future", "datePublished") == [future]          # kept as written
    assert values("bad-url", "url") == [] and values("good-1", "url") == [good["url"]]
    assert values("good-1", "headline") == ["Good"]
    # the UTF-16 file was decoded: its mentions slice the decoded text
    anchors = {q.object.value for q in ro.quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/kg-builder/ontology#anchorOf"), None,
        ox.NamedNode(ARTICLE + "d-utf16"))}
    assert "Gao" in anchors
    # the big article: its own graph, with the event from its first paragraph
    big_events = list(ro.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode("https://w3id.org/kg-builder/ontology#ArmedAttack"),
        ox.NamedNode(ARTICLE + "g-big")))
    assert len(big_events) == 1
    # sane resources for a 20 MB input: spaCy on 100,000 characters and a few copies of the
    # text, not the whole text analysed (that would take gigabytes and minutes)
    assert grown_mb < 800, f"peak memory grew by {grown_mb:.0f} MB"
    assert seconds < 60, f"build took {seconds:.1f} s"


def test_warnings_alone_exit_0(tmp_path, pipeline):
    """A future date and a URL that is not an IRI are warnings: built, exit 0."""
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    dump = write_jsonl(tmp_path / "w.jsonl", [
        {"id": "w1", "published": future, "text": "Troops arrived in Gao on Monday."},
        {"id": "w2", "url": "http://exa mple.org/x", "text": "Troops left Kidal on Monday."},
    ])
    res = run("build", str(dump), "--store", str(tmp_path / "s"))
    assert res.exit_code == 0, res.output
    assert error_lines(res.stderr) == []
    assert len(warning_lines(res.stderr)) == 2
    assert article_graphs(tmp_path / "s") == {ARTICLE + "w1", ARTICLE + "w2"}


_ALARM = signal.SIGALRM


def _within(seconds: float, fn, *args):
    """Run ``fn(*args)``, raising TimeoutError if it takes longer than ``seconds`` (so a
    test of something quadratic fails fast instead of running for minutes)."""

    def expire(signum, frame):
        raise TimeoutError

    old = signal.signal(_ALARM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args)
    except TimeoutError:
        pass  # raised again below, outside Cython frames that pytest cannot format
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(_ALARM, old)
    raise TimeoutError(f"{getattr(fn, '__name__', fn)} still running after {seconds} s")


def test_extraction_time_grows_linearly_with_sentences(pipeline):
    """500 one-line sentences naming a place: parsing takes about a second; extraction takes a
    fraction of that. (It once took several seconds, and 100,000 characters over a minute,
    because spaCy rebuilds Doc.text from the tokens on every access and it was read per
    sentence and per place token.)"""
    from kg_builder.model import Article

    text = "Troops left Mopti.\n" * 500
    with pipeline.select_pipes(disable=["kg_extract"]):
        doc = pipeline(text)
    doc._.article = Article(id="lines", text=text, published=dt.date(2024, 3, 1))
    extract = pipeline.get_pipe("kg_extract")
    doc = _within(1.5, extract, doc)
    assert "Mopti" in {p.name for p in doc._.extraction.places.values()}


def test_paragraph_splitting_is_linear(pipeline):
    """16,000 tokens on 5,000 lines: marking sentence starts takes milliseconds. (Setting
    ``token.is_sent_start`` one token at a time scans the whole Doc each time: quadratic.)"""
    from kg_builder.nlp.pipeline import kg_paragraphs

    doc = pipeline.make_doc("Rain fell.\n" * 5_000)
    doc = _within(1.0, kg_paragraphs, doc)
    assert sum(1 for t in doc if t.is_sent_start) == 5_000


# --------------------------------------------------------------------------- 2. crash safety


def _subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _count_graphs(store_dir: Path) -> int:
    """Article graphs visible to a read-only opening (works while a writer holds the store)."""
    try:
        store = ox.Store.read_only(str(store_dir))
    except Exception:  # noqa: BLE001 - still being created, or a log being written: poll again
        return 0
    return sum(1 for g in store.named_graphs() if g.value.startswith(ARTICLE))


def test_sigkill_mid_build_then_resume_equals_a_clean_build(tmp_path, pipeline):
    """Kill a build with SIGKILL at a random moment while it writes; the store opens and
    validates, a second writer meanwhile got a one-line "store is in use", and re-running the
    build completes it with exactly the quads of an uninterrupted build (no article twice, none
    half-written)."""
    records = generated_articles(40)
    folder = tmp_path / "news"
    folder.mkdir()
    write_jsonl(folder / "wire.jsonl", [{k: v for k, v in r.items() if k != "place"}
                                        for r in records])

    clean = tmp_path / "clean"
    res = run("build", str(folder), "--store", str(clean))
    assert res.exit_code == 0, res.output
    expected = sorted_nquads(ox.Store.read_only(str(clean)))
    assert len(article_graphs(clean)) == 40

    seed = int(time.time() * 1000) % 100_000
    rnd = random.Random(seed)
    # Articles are extracted 32 at a time and then written one by one, so graphs appear in
    # bursts: kill once some are visible, after a random moment that may fall mid-transaction.
    kill_after = rnd.randint(1, 24)
    extra_delay = rnd.uniform(0, 0.1)
    why = f"seed {seed}: kill after {kill_after} graphs + {extra_delay:.2f} s"

    store = tmp_path / "crashed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg_builder", "build", str(folder), "--store", str(store), "-q"],
        cwd=tmp_path, env=_subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (store / "CURRENT").exists():   # RocksDB writes CURRENT after taking its lock
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the build never opened its store"
            time.sleep(0.05)
        # A second writer on the same store is turned away with one line, exit 2.
        second = run("build", str(folder), "--store", str(store))
        assert second.exit_code == 2, second.output
        assert second.stderr.strip().splitlines() == [
            f"kg-builder: error: {store}: store is in use by another kg-builder process"]
        while _count_graphs(store) < kill_after:
            assert proc.poll() is None, (why, proc.communicate())
            assert time.monotonic() < deadline, f"{why}: the build made no progress"
            time.sleep(0.05)
        time.sleep(extra_delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, why

    # The store opens for writing (its write-ahead log is replayed) and conforms.
    ox.Store(str(store)).flush()
    partial = article_graphs(store)
    # Nearly always fewer than 40 (the last 8 need an extraction batch of their own); a build
    # that won the race still has to pass every check below.
    assert kill_after <= len(partial) <= 40, why
    res = run("validate", "--store", str(store))
    assert res.exit_code == 0, (why, res.output)
    # Every article graph that is there is whole: the article node with its content hash.
    ro = ox.Store.read_only(str(store))
    hash_pred = ox.NamedNode("https://w3id.org/kg-builder/ontology#contentHash")
    for g in partial:
        node = ox.NamedNode(g)
        assert len(list(ro.quads_for_pattern(node, hash_pred, None, node))) == 1, (why, g)
    del ro

    res = run("build", str(folder), "--store", str(store))
    assert res.exit_code == 0, (why, res.output)
    assert f"built {40 - len(partial)} article(s), skipped {len(partial)} unchanged" in res.stderr
    assert sorted_nquads(ox.Store.read_only(str(store))) == expected, why


# --------------------------------------------------------------------------- atomic outputs

EXAMPLE_JSONL = ROOT / "examples" / "sahel-example.jsonl"


@pytest.fixture(scope="module")
def example_store(tmp_path_factory, pipeline) -> Path:
    store = tmp_path_factory.mktemp("atomic") / "store"
    assert run("build", str(EXAMPLE_JSONL), "--store", str(store), "-q").exit_code == 0
    return store


def _disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_failed_export_leaves_previous_files_and_no_temporary(example_store, tmp_path,
                                                              monkeypatch):
    """A write that fails half-way (disk full) is a one-line error; the previous export is
    untouched and no temporary file is left behind. For CSV, neither of the two files is
    replaced when the second fails."""
    import kg_builder.export.gexf as gexf_module
    import kg_builder.export.tables as tables_module

    out = tmp_path / "out"
    out.mkdir()
    (out / "net.gexf").write_text("previous gexf", encoding="utf-8")
    real_iter = gexf_module.iter_gexf

    def half_then_full(graph):
        for i, line in enumerate(real_iter(graph)):
            if i == 20:
                _disk_full()
            yield line

    monkeypatch.setattr(gexf_module, "iter_gexf", half_then_full)
    res = run("export", "--to", "gexf", "--store", str(example_store),
              "--output", str(out / "net.gexf"))
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        f"kg-builder: error: {out / 'net.gexf'}: cannot write: No space left on device"]
    assert (out / "net.gexf").read_text(encoding="utf-8") == "previous gexf"

    tables = out / "tables"
    tables.mkdir()
    for name in ("nodes.csv", "edges.csv"):
        (tables / name).write_text(f"previous {name}", encoding="utf-8")
    real_writer = tables_module.csv.writer
    calls = []

    class FailingSecond:
        def __init__(self, fh):
            self.inner = real_writer(fh)
            calls.append(fh)

        def writerows(self, rows):
            rows = list(rows)
            self.inner.writerows(rows[:3])
            if len(calls) == 2:
                _disk_full()
            self.inner.writerows(rows[3:])

    monkeypatch.setattr(tables_module.csv, "writer", FailingSecond)
    res = run("export", "--to", "csv", "--store", str(example_store), "--output", str(tables))
    assert res.exit_code == 2 and "No space left on device" in res.stderr
    for name in ("nodes.csv", "edges.csv"):
        assert (tables / name).read_text(encoding="utf-8") == f"previous {name}"
    monkeypatch.undo()

    # Ctrl-C half-way: aborted (exit 1), the previous file still whole.
    def interrupted(graph):
        yield from list(real_iter(graph))[:5]
        raise KeyboardInterrupt

    monkeypatch.setattr(gexf_module, "iter_gexf", interrupted)
    res = run("export", "--to", "gexf", "--store", str(example_store),
              "--output", str(out / "net.gexf"))
    assert res.exit_code == 1 and "aborted" in res.stderr
    assert (out / "net.gexf").read_text(encoding="utf-8") == "previous gexf"
    assert sorted(p.name for p in out.iterdir()) == ["net.gexf", "tables"]
    assert sorted(p.name for p in tables.iterdir()) == ["edges.csv", "nodes.csv"]


@pytest.mark.parametrize("fmt", ["trig", "jsonld"])
def test_failed_build_output_leaves_previous_file(tmp_path, monkeypatch, fmt, pipeline):
    """``build --output``: a failing write leaves the previous file whole, no temporary."""
    import kg_builder.export.rdf as rdf_module

    target = tmp_path / f"graph.{fmt}"
    target.write_text("previous graph", encoding="utf-8")
    if fmt == "jsonld":
        def half(doc, fh):
            fh.write('{"@context": {')
            _disk_full()

        monkeypatch.setattr(rdf_module, "_dump_jsonld", half)
    else:
        real_serialize = ox.serialize

        def half(data, output=None, *args, **kwargs):
            output.write(real_serialize(data, None, *args, **kwargs)[:100])
            _disk_full()

        monkeypatch.setattr(rdf_module.ox, "serialize", half)
    res = CliRunner().invoke(main, ["build", str(EXAMPLE_JSONL), "--output", str(target), "-q"])
    assert res.exit_code != 0
    assert "No space left on device" in res.output + repr(res.exception)   # failed writing
    assert target.read_text(encoding="utf-8") == "previous graph"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_build_output_to_a_missing_folder_is_a_one_line_error(tmp_path, pipeline):
    res = CliRunner().invoke(main, ["build", str(EXAMPLE_JSONL), "-q",
                                    "--output", str(tmp_path / "no-such-folder" / "g.trig")])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip().splitlines() == [
        f"kg-builder: error: {tmp_path / 'no-such-folder' / 'g.trig'}: folder "
        f"{tmp_path / 'no-such-folder'} does not exist"]


# --------------------------------------------------------------------------- 3. injection

#: Characters that are not allowed anywhere in an IRI (RFC 3987), besides controls and spaces.
_IRI_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f<>\"{}|\\^`\u202a-\u202e\u2066-\u2069]")

HOSTILE_ACTORS = [
    {"name": 'Front "Alpha" <Beta> {Gamma} \\ `x` |y| ^z ]]> &amp; }> .', "kind": "ArmedGroup",
     "aliases": ["Alpha Front"]},
    {"name": "جبهة التحرير ✊🏽 Liberation", "aliases": ["Zetaland Liberators"],
     "kind": "ArmedGroup", "country": "ML"},
    {"name": "Nul\u0000Bell\u0007 Line\nBreak\tBrigade \u202eevil\u202c", "kind": "ArmedGroup",
     "aliases": ["Omega Brigade"]},
]
HOSTILE_PLACES = [('Qu"ote>Town}', "Quotetown", "14.1", "-3.2"),
                  ("קריית 😀 Village", "Emojiville", "", "")]
HOSTILE_RECORDS = [
    {"id": ' inj "1" <x> {y} |z| ^ ` \\ #?/%41 \n\t\u0001\u007f\u0085 😀 עברית \u202e ',
     "url": "https://example.org/ünï/(a)'b'!*;=@,$+/خبر?q=1&r=%20#frag",
     "title": 'Title "with" <tags> {braces} </gexf>]]> \\"\nnewline \u0001 \u0000 😀 עברית \u202e',
     "source": '"Wire" & <Co> \u0007', "published": "2024-05-02",
     "text": ("Alpha Front fighters attacked Quotetown on Tuesday, killing 3 soldiers 🙂, the army "
              "said.\nZetaland Liberators clashed with Omega Brigade near Emojiville "
              "\u202bמלחמה\u202c; 2 people died.\n\"Quoted\" > {braced} ]]> \u0001\u0002 text "
              "with ✊🏽 and e\u0301 marks in Bamako.")},
    {"id": "..", "url": 'https://bad.example/a b"c>',  # not an IRI: dropped with a warning
     "title": "}\n.", "published": "2024-05-03",
     "text": "Gunmen killed 5 villagers near Gao on Monday, officials said."},
]


def _nodes(terms) -> list[str]:
    return [t.value for t in terms if isinstance(t, ox.NamedNode)]


def test_hostile_values_survive_every_output_format(tmp_path):
    """URLs, titles, ids and entity names full of serialiser-breaking characters: every output
    format reads back with a strict parser, the values come back exactly (or, where XML cannot
    hold a character, without it), and every IRI minted from text is a valid IRI."""
    actors = write_jsonl(tmp_path / "actors.jsonl", HOSTILE_ACTORS)
    places = tmp_path / "places.tsv"
    places.write_text("name\taliases\tcountry\tfeature\tlat\tlon\n" + "".join(
        f"{n}\t{a}\tML\ttown\t{lat}\t{lon}\n" for n, a, lat, lon in HOSTILE_PLACES),
        encoding="utf-8")
    dump = write_jsonl(tmp_path / "hostile.jsonl", HOSTILE_RECORDS)
    common = [str(dump), "--gazetteer", str(actors), "--gazetteer", str(places)]

    parsed: dict[str, list[ox.Quad]] = {}
    for fmt, rdf_format in (("trig", ox.RdfFormat.TRIG), ("nquads", ox.RdfFormat.N_QUADS),
                            ("turtle", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD)):
        out = tmp_path / f"graph.{fmt}"
        res = run("build", *common, "--output", str(out), "--format", fmt)
        assert res.exit_code == 0, res.output
        assert len(warning_lines(res.stderr)) == 1 and "not a valid IRI" in res.stderr
        parsed[fmt] = list(ox.parse(path=str(out), format=rdf_format))
    quads = set(parsed["trig"])
    assert quads == set(parsed["nquads"])
    union = {q.triple for q in quads}
    assert union == {q.triple for q in parsed["turtle"]} == {q.triple for q in parsed["jsonld"]}

    # Every IRI is valid: Oxigraph's strict parser accepted it; none holds forbidden characters.
    iris = {v for q in quads for v in _nodes((q.subject, q.predicate, q.object, q.graph_name))}
    assert iris
    for iri in iris:
        assert ox.NamedNode(iri).value == iri
        assert not _IRI_FORBIDDEN.search(iri), iri

    first, second = HOSTILE_RECORDS
    graph = ox.NamedNode(ARTICLE + "inj%20%221%22%20%3Cx%3E%20%7By%7D%20%7Cz"
                         "%7C%20%5E%20%60%20%5C%20%23%3F%2F%2541%20%0A%09%01%7F%C2%85%20"
                         "%F0%9F%98%80%20%D7%A2%D7%91%D7%A8%D7%99%D7%AA%20%E2%80%AE")
    assert graph in {q.graph_name for q in quads}

    def objects(subject, prop: str) -> list[str]:
        return sorted(q.object.value for q in quads
                      if q.subject == subject and q.predicate.value == prop)

    schema = "https://schema.org/"
    assert objects(graph, schema + "identifier") == [first["id"].strip()]
    assert objects(graph, schema + "headline") == [first["title"].strip()]
    assert objects(graph, schema + "publisher") == [first["source"].strip()]
    assert objects(graph, schema + "url") == [first["url"]]
    dots = ox.NamedNode(ARTICLE + "%2E%2E")  # not a dot segment, which resolution removes
    assert objects(dots, schema + "headline") == ["}\n."]
    assert objects(dots, schema + "url") == []
    labels = {q.object.value for q in quads
              if q.predicate.value == "http://www.w3.org/2000/01/rdf-schema#label"}
    names = {a["name"] for a in HOSTILE_ACTORS} | {p[0] for p in HOSTILE_PLACES}
    assert names <= labels, names - labels
    # mentions still slice the text, whatever surrounds them
    text = first["text"]
    for q in quads:
        if q.predicate.value.endswith("#anchorOf") and q.graph_name == graph:
            b, e = map(int, re.search(r"#char=(\d+),(\d+)$", q.subject.value).groups())
            assert text[b:e] == q.object.value

    # Network formats, exported from a store.
    store = tmp_path / "store"
    assert run("build", *common, "--store", str(store), "-q").exit_code == 0
    from kg_builder.export.gexf import gexf_schema_errors, gexf_semantic_errors

    def xml_text(name: str) -> str:  # what XML 1.0 can hold of a name
        return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", name)

    def one_line(name: str) -> str:  # GEXF labels are one line
        return re.sub(r"\s+", " ", xml_text(name)).strip()

    gexf = tmp_path / "net.gexf"
    res = run("export", "--to", "gexf", "--store", str(store), "--output", str(gexf))
    assert res.exit_code == 0, res.output
    root = etree.parse(str(gexf), etree.XMLParser(recover=False)).getroot()
    gexf_labels = {n.get("label") for n in root.iter("{*}node")}
    assert {one_line(n) for n in names} <= gexf_labels
    assert gexf_semantic_errors(gexf) == []
    try:
        assert gexf_schema_errors(gexf) == []
    except FileNotFoundError:
        pass  # the XSD is a development check (../shared/specs); the parse above is strict

    graphml = tmp_path / "net.graphml"
    assert run("export", "--to", "graphml", "--store", str(store),
               "--output", str(graphml)).exit_code == 0
    root = etree.parse(str(graphml), etree.XMLParser(recover=False)).getroot()
    graphml_labels = {d.text for d in root.iter("{*}data") if d.get("key") == "n_label"}
    assert {xml_text(n) for n in names} <= graphml_labels
    graphml_iris = {d.text for d in root.iter("{*}data") if d.get("key") == "n_iri"}
    assert graphml_iris and graphml_iris <= iris

    tables = tmp_path / "tables"
    res = run("export", "--to", "csv", "--store", str(store), "--output", str(tables))
    assert res.exit_code == 0, res.output
    with open(tables / "nodes.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, strict=True))
    assert names <= {r["Label"] for r in rows}           # CSV keeps every character
    assert {r["Id"] for r in rows} <= iris
    with open(tables / "edges.csv", newline="", encoding="utf-8") as fh:
        edges = list(csv.DictReader(fh, strict=True))
    ids = {r["Id"] for r in rows}
    assert edges and all(e["Source"] in ids and e["Target"] in ids for e in edges)
