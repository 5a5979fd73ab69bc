"""The kg-builder benchmark: build N generated articles, and compare with spaCy alone.

Usage (from the project root)::

    python -m bench.run --n 100 --n 1000 --workers 1 --workers 2 --out-json bench.json

For each N a corpus is generated (:mod:`bench.corpus`, seeded). For each worker count, in this
order and in fresh processes:

1. spaCy alone: ``spacy.load(model)`` then ``nlp.pipe(texts, batch_size, n_process=workers)``
   on the same texts — the ceiling kg-builder is measured against;
2. kg-builder: exactly what ``kg-builder build corpus.jsonl --store DIR --workers W`` does
   (``read_inputs`` → ``build_into`` → ``Store.flush``), in a child process that reports a
   timestamp after every batch written, so that start-up (loading the model and the
   gazetteers) is measured apart from steady-state throughput.

Then, on the store built with the first worker count: the real command lines ``kg-builder
validate``, ``kg-builder query events`` and ``kg-builder export --to gexf`` (wall time,
including the interpreter's start), and every named query timed in-process.

Why child processes: peak memory and start-up cost are per process, and a second build in the
same interpreter would find the pipeline cached. Peak RSS is sampled from ``/proc`` over the
child and all its descendants (pool workers, spaCy's processes) every 0.2 s, and each child
also reports its own ``getrusage`` maxima. The machine's load average is recorded with every
measurement, because other programs running at the same time slow everything down.

Throughput is given two ways: *steady* (articles between the first and the last batch,
divided by the time between them: what a long build achieves) and *overall* (all articles
divided by the wall time of the child, start-up included).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if str(ROOT) not in sys.path:  # `python bench/run.py` as well as `python -m bench.run`
    sys.path.insert(0, str(ROOT))

from bench import corpus as corpus_mod  # noqa: E402

DEFAULT_BATCH = 32


# --------------------------------------------------------------------------------------------
# Process supervision: run a child, sample the RSS of its process tree


def _children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: the fields follow the last ")"
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> tuple[int, int]:
    """(sum of RSS over ``pid`` and its descendants, number of processes), in KiB."""
    tree = _children_of()
    total, count, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss_kb(p)
        count += 1
        todo.extend(tree.get(p, ()))
    return total, count


@dataclass
class ChildRun:
    """A finished child: its JSON answer, wall time, sampled peak RSS and the load average."""

    answer: dict
    wall_s: float
    peak_tree_rss_mb: float
    max_processes: int
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    cpu_s: float = 0.0  # user + system time of the child and every descendant it waited for
    stderr_tail: str = ""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_child(args: list[str], *, expect_json: bool = True, stdout_file: str | None = None,
              interval: float = 0.2) -> ChildRun:
    """Run ``python ARGS`` from the project root; sample its tree's RSS until it exits."""
    load_before = os.getloadavg()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = usage.ru_utime + usage.ru_stime
    out = open(stdout_file, "wb") if stdout_file else subprocess.PIPE
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=_env(), stdout=out,
                            stderr=subprocess.PIPE)
    peak, most = 0, 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, most
        while not stop.is_set():
            rss, n = tree_rss_kb(proc.pid)
            peak, most = max(peak, rss), max(most, n)
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    if stdout_file:
        out.close()  # type: ignore[union-attr]
    err = stderr.decode("utf-8", "replace")
    if proc.returncode not in (0, 1) or (expect_json and proc.returncode != 0):
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{err[-3000:]}")
    answer: dict = {"returncode": proc.returncode}
    if expect_json:
        answer = json.loads(stdout.decode().strip().splitlines()[-1])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ChildRun(answer, wall, peak / 1024, most, load_before, os.getloadavg(),
                    usage.ru_utime + usage.ru_stime - cpu_before, err[-2000:])


# --------------------------------------------------------------------------------------------
# Children


def _rss_mb() -> float:
    """This process's resident memory now, in MB."""
    return _rss_kb(os.getpid()) / 1024


def _maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def child_spacy(corpus: str, workers: int, batch_size: int, model: str | None) -> dict:
    """spaCy alone on the corpus texts: load time, and a timestamp after every batch."""
    t0 = time.perf_counter()
    import spacy

    from kg_builder.nlp.pipeline import MAX_CHARS, resolve_model

    name = resolve_model(model)
    texts = []
    with open(corpus, encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"][:MAX_CHARS])
    t_import = time.perf_counter() - t0
    nlp = spacy.load(name)
    t_loaded = time.perf_counter() - t0
    start_mark = (t_loaded, 0, time.process_time(), _rss_mb())
    marks: list[tuple[float, int, float, float]] = []
    tokens = 0
    for i, doc in enumerate(nlp.pipe(texts, batch_size=batch_size, n_process=workers), 1):
        tokens += len(doc)
        if i % batch_size == 0 or i == len(texts):
            marks.append((time.perf_counter() - t0, i, time.process_time(), _rss_mb()))
    return {"model": name, "pipe_names": nlp.pipe_names, "import_s": t_import,
            "start_mark": start_mark,
            "startup_s": t_loaded, "marks": marks, "docs": len(texts), "tokens": tokens,
            "total_s": time.perf_counter() - t0, "maxrss_self_mb": _maxrss_mb(resource.RUSAGE_SELF),
            "maxrss_children_mb": _maxrss_mb(resource.RUSAGE_CHILDREN)}


def child_build(corpus: str, store_dir: str, workers: int, batch_size: int,
                model: str | None) -> dict:
    """What ``kg-builder build CORPUS --store DIR --workers W`` does, with timestamps."""
    t0 = time.perf_counter()
    from kg_builder.build import BuildOptions, build_into
    from kg_builder.nlp.pipeline import resolve_model
    from kg_builder.readers import read_inputs
    from kg_builder.store import open_store

    t_import = time.perf_counter() - t0
    startup = start_mark = None
    if workers <= 1:
        # The build would load it on its first article; loading it here separates the cost.
        from kg_builder.nlp import load_pipeline

        load_pipeline(model)
        startup = time.perf_counter() - t0
        start_mark = (startup, 0, time.process_time(), _rss_mb())
    problems: list[str] = []
    articles = read_inputs([corpus], on_problem=lambda p: problems.append(str(p)))
    options = BuildOptions(model=model, workers=workers, batch_size=batch_size)
    marks: list[tuple[float, int, float, float]] = []
    warnings: list[str] = []
    store = open_store(store_dir)
    report = build_into(store, articles, options, on_warning=warnings.append,
                        on_progress=lambda r: marks.append(
                            (time.perf_counter() - t0, r.built, time.process_time(), _rss_mb())))
    store.flush()
    built_s = time.perf_counter() - t0
    store.optimize()  # as `kg-builder build` does after filling an empty store
    total = time.perf_counter() - t0
    return {"model": resolve_model(model), "import_s": t_import, "startup_s": startup,
            "compact_s": total - built_s, "summary_s": report.summary_seconds,
            "start_mark": start_mark,
            "marks": marks, "built": report.built, "skipped": report.skipped,
            "triples": report.triples, "events": report.events, "actors": report.actors,
            "places": report.places, "build_s": report.seconds, "total_s": total,
            "warnings": len(warnings), "problems": problems[:10],
            "maxrss_self_mb": _maxrss_mb(resource.RUSAGE_SELF),
            "maxrss_children_mb": _maxrss_mb(resource.RUSAGE_CHILDREN)}


_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_GEO_LAT = "http://www.w3.org/2003/01/geo/wgs84_pos#lat"


def _busiest_label(store, predicate: str, need: str | None = None) -> str | None:
    """The label of the node that is most often the object of ``predicate`` (and has ``need``).

    Counted by IRI first and labelled afterwards: joining labels in SPARQL over the union of
    the article graphs multiplies rows by the number of graphs repeating each label.
    """
    import pyoxigraph as ox

    answer = store.query(f"SELECT ?o (COUNT(*) AS ?n) WHERE {{ ?s <{predicate}> ?o }} "
                         "GROUP BY ?o ORDER BY DESC(?n) ?o LIMIT 20",
                         use_default_graph_as_union=True)
    for row in answer:
        node = row[0]
        if need and next(store.quads_for_pattern(node, ox.NamedNode(need), None), None) is None:
            continue
        label = next(store.quads_for_pattern(node, ox.NamedNode(_RDFS_LABEL), None), None)
        if label is not None:
            return label.object.value
    return None


def child_queries(store_dir: str) -> dict:
    """Every named query, timed in-process on the store (opened read-only, as the CLI does).

    Queries with a required or centre parameter get the busiest actor and place of the store;
    ``events`` is also timed filtered to each of them (what an analyst runs on a big store).
    """
    from kg_builder.query import list_queries, run_query
    from kg_builder.store import open_store

    t0 = time.perf_counter()
    store = open_store(store_dir, read_only=True)
    open_s = time.perf_counter() - t0
    actor = _busiest_label(store, "https://w3id.org/kg-builder/ontology#agent")
    place = _busiest_label(store, "http://semanticweb.cs.vu.nl/2009/11/sem/hasPlace", _GEO_LAT)
    params = {"actor-profile": {"actor": actor or "x"},
              "events-near": {"place": place or "x", "radius": "100"}}
    queries = list_queries()
    runs = [(q, q.name, params.get(q.name, {})) for q in queries]
    runs += [(q, f"events {key}=", {key: value}) for q in queries if q.name == "events"
             for key, value in (("place", place), ("actor", actor)) if value]
    timings = {}
    for q, name, p in runs:
        started = time.perf_counter()
        result = run_query(store, q, p)
        timings[name] = {"s": time.perf_counter() - started, "rows": len(result.rows),
                         "params": p}
        print(f"    {name:<20} {timings[name]['s']:7.3f} s {len(result.rows):7,d} rows",
              file=sys.stderr, flush=True)
    return {"open_s": open_s, "queries": timings, "quads": len(store)}


# --------------------------------------------------------------------------------------------
# The driver


def steady_rate(marks: list[list[float]], per_article: list[int] | None = None, *,
                clock: int = 0, start: list[float] | None = None
                ) -> tuple[float | None, float | None, float | None]:
    """(articles/s, words/s, seconds) between the first and the last mark.

    ``marks`` are ``(wall seconds since start, articles done, CPU seconds of the process,
    RSS MB)``;
    ``clock`` picks the wall (0) or the CPU time (2). ``per_article`` are the words of each
    article in input order (articles are processed and reported in that order). With a single
    mark (fewer articles than a batch) the ``start`` mark, taken when the model was loaded,
    stands for the first.
    """
    if len(marks) < 2 and start is not None:
        marks = [start, *marks]
    if len(marks) < 2:
        return None, None, None
    first, last = marks[0], marks[-1]
    t1, t2, n1, n2 = first[clock], last[clock], int(first[1]), int(last[1])
    if t2 <= t1:
        return None, None, None
    articles = (n2 - n1) / (t2 - t1)
    words = sum(per_article[n1:n2]) / (t2 - t1) if per_article else None
    return articles, words, t2 - t1


def dir_size_mb(path: str | Path, suffix: str = "") -> float:
    """Size of the files under ``path`` (only those ending in ``suffix``), in MB."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            if f.endswith(suffix):
                try:
                    total += os.path.getsize(os.path.join(dirpath, f))
                except OSError:
                    pass
    return total / 1e6


@dataclass
class Result:
    """One row of the table: one N, one worker count."""

    n: int
    workers: int
    words: int
    articles_per_s: float | None = None
    words_per_s: float | None = None
    overall_articles_per_s: float | None = None
    startup_s: float | None = None
    spacy_words_per_s: float | None = None
    spacy_startup_s: float | None = None
    ratio: float | None = None
    #: one worker only: words per CPU-second of the process, less sensitive to a busy machine
    words_per_cpu_s: float | None = None
    spacy_words_per_cpu_s: float | None = None
    cpu_ratio: float | None = None
    build_cpu_s: float | None = None
    spacy_cpu_s: float | None = None
    peak_rss_mb: float | None = None
    peak_rss_main_mb: float | None = None
    peak_rss_worker_mb: float | None = None
    spacy_peak_rss_mb: float | None = None
    store_mb: float | None = None
    store_sst_mb: float | None = None
    store_wal_mb: float | None = None
    validate_s: float | None = None
    validate_workers_s: dict[str, float] = field(default_factory=dict)
    #: ``validate --changed``: the first run (records every graph), then after appending
    #: ``append_n`` more articles of the same corpus; graphs checked in the second run
    changed_first_s: float | None = None
    append_s: float | None = None
    append_n: int = 0
    changed_after_append_s: float | None = None
    changed_graphs_checked: int | None = None
    events_query_s: float | None = None
    gexf_s: float | None = None
    slowest_query: str | None = None
    slowest_query_s: float | None = None
    load: list[float] = field(default_factory=list)
    spacy_load: list[float] = field(default_factory=list)
    build: dict = field(default_factory=dict)
    spacy: dict = field(default_factory=dict)
    queries: dict = field(default_factory=dict)
    #: with ``--repeat``: every round's figures (the row shows the median round)
    rounds: list[dict] = field(default_factory=list)


def _cli(store: str, *args: str, stdout_file: str | None = None) -> ChildRun:
    return run_child(["-m", "kg_builder", *args], expect_json=False, stdout_file=stdout_file)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_n(n: int, workers_list: list[int], args: argparse.Namespace, work: Path,
            results: list[Result]) -> None:
    """Measure one corpus size for each worker count; append a Result per worker count."""
    corpus = work / f"corpus-{n}.jsonl"
    stats = corpus_mod.write_jsonl(corpus, n, args.seed)
    per_article = [len(json.loads(line)["text"].split())
                   for line in corpus.read_text(encoding="utf-8").splitlines()]
    _log(f"N={n}: corpus {stats.words:,} words (sha256 {stats.sha256[:12]})")
    first_store: Path | None = None
    for w in workers_list:
        rounds = []
        for r in range(args.repeat):
            if args.repeat > 1:
                _log(f"  round {r + 1} of {args.repeat}, {w} worker(s)")
            rounds.append(Result(n=n, workers=w, words=stats.words))
            store = work / f"store-{n}-w{w}"
            _measure_pair(rounds[-1], corpus, per_article, store, args)
        res = median_round(rounds)
        results.append(res)
        if len(rounds) > 1:
            res.rounds = [round_summary(r) for r in rounds]
            _log(f"  median of {len(rounds)} rounds: ratio {_fmt(res.ratio, '.2f')} "
                 f"(rounds: {', '.join(_fmt(r.ratio, '.2f') for r in rounds)})")
        if first_store is None:
            first_store = store
            if not args.skip_queries:
                try:
                    _read_side(res, store, args, work)
                except RuntimeError as exc:  # one failed command must not lose the build
                    _log(f"  read side failed: {exc}")
        elif not args.keep_stores:
            shutil.rmtree(store, ignore_errors=True)
    if first_store is not None and not args.keep_stores:
        shutil.rmtree(first_store, ignore_errors=True)


def median_round(rounds: list[Result]) -> Result:
    """The round with the median kg-builder/spaCy ratio (the lower middle one of an even
    number; rounds without a ratio last). On a shared machine one run's ratio moves by ±20 %:
    rounds alternate the two measurements so that each pair sees the same machine."""
    ranked = sorted((r for r in rounds if r.ratio is not None), key=lambda r: r.ratio or 0.0)
    return ranked[(len(ranked) - 1) // 2] if ranked else rounds[0]


def round_summary(r: Result) -> dict:
    """What the JSON keeps of each round."""
    return {"ratio": r.ratio, "cpu_ratio": r.cpu_ratio, "words_per_s": r.words_per_s,
            "spacy_words_per_s": r.spacy_words_per_s, "build_cpu_s": r.build_cpu_s,
            "spacy_cpu_s": r.spacy_cpu_s, "peak_rss_mb": r.peak_rss_mb, "load": r.load}


def _measure_pair(res: Result, corpus: Path, per_article: list[int], store: Path,
                  args: argparse.Namespace) -> None:
    """spaCy alone, then kg-builder into ``store`` (replaced), on the same corpus with
    ``res.workers``; fills ``res``."""
    n, w = res.n, res.workers
    if not args.skip_spacy:
        run = run_child(["-m", "bench.run", "_spacy", "--corpus", str(corpus),
                         "--workers", str(w), "--batch-size", str(args.batch_size)]
                        + (["--model", args.model] if args.model else []))
        sp = run.answer
        _, words_s, _ = steady_rate(sp["marks"], per_article, start=sp["start_mark"])
        res.spacy_words_per_s = words_s
        res.spacy_cpu_s = run.cpu_s
        if w == 1:
            res.spacy_words_per_cpu_s = steady_rate(sp["marks"], per_article, clock=2,
                                                    start=sp["start_mark"])[1]
        res.spacy_startup_s = sp["startup_s"]
        res.spacy_peak_rss_mb = run.peak_tree_rss_mb
        res.spacy_load = [*run.load_before, *run.load_after]
        res.spacy = {**sp, "wall_s": run.wall_s}
        _log(f"  spaCy alone, {w} process(es): {words_s or 0:,.0f} words/s steady, "
             f"startup {sp['startup_s']:.1f} s, load {run.load_before[0]:.1f}")
    shutil.rmtree(store, ignore_errors=True)
    run = run_child(["-m", "bench.run", "_build", "--corpus", str(corpus),
                     "--store", str(store), "--workers", str(w),
                     "--batch-size", str(args.batch_size)]
                    + (["--model", args.model] if args.model else []))
    b = run.answer
    arts_s, words_s, _ = steady_rate(b["marks"], per_article, start=b["start_mark"])
    res.articles_per_s, res.words_per_s = arts_s, words_s
    res.overall_articles_per_s = n / run.wall_s
    res.build_cpu_s = run.cpu_s
    if w == 1:
        res.words_per_cpu_s = steady_rate(b["marks"], per_article, clock=2,
                                          start=b["start_mark"])[1]
        if res.spacy_words_per_cpu_s and res.words_per_cpu_s:
            res.cpu_ratio = res.words_per_cpu_s / res.spacy_words_per_cpu_s
    if b["startup_s"] is not None:
        res.startup_s = b["startup_s"]
    elif b["marks"] and arts_s:  # workers load the pipeline: time to the first batch,
        t1, n1 = b["marks"][0][:2]  # less what that batch took at the steady rate
        res.startup_s = t1 - n1 / arts_s
    res.peak_rss_mb = run.peak_tree_rss_mb
    res.peak_rss_main_mb = b["maxrss_self_mb"]
    res.peak_rss_worker_mb = b["maxrss_children_mb"] or None
    res.store_mb = dir_size_mb(store)
    res.store_sst_mb = dir_size_mb(store, ".sst")  # the data; RocksDB's write-ahead
    res.store_wal_mb = dir_size_mb(store, ".log")  # log (*.log) is recycled later
    res.load = [*run.load_before, *run.load_after]
    res.build = {**b, "wall_s": run.wall_s, "processes": run.max_processes}
    if res.spacy_words_per_s and words_s:
        res.ratio = words_s / res.spacy_words_per_s
    _log(f"  kg-builder, {w} worker(s): {arts_s or 0:.1f} articles/s, {words_s or 0:,.0f} "
         f"words/s steady; startup {res.startup_s or 0:.1f} s; event summary "
         f"{b.get('summary_s', 0):.1f} s; compaction "
         f"{b.get('compact_s', 0):.1f} s; wall {run.wall_s:.1f} s; "
         f"peak RSS {run.peak_tree_rss_mb:.0f} MB; load {run.load_before[0]:.1f}")
    if b["built"] != n:
        _log(f"  warning: built {b['built']} of {n} ({b['problems']})")


def _read_side(res: Result, store: Path, args: argparse.Namespace, work: Path) -> None:
    """validate, query events and export gexf through the real command line; named queries."""
    for vw in args.validate_workers:
        if vw <= 0:  # --validate-workers 0: skip validation
            continue
        run = _cli(str(store), "validate", "--store", str(store), "--workers", str(vw),
                   stdout_file=str(work / "validate.txt"))
        res.validate_workers_s[str(vw)] = run.wall_s
        if res.validate_s is None:
            res.validate_s = run.wall_s
        tail = (work / "validate.txt").read_text(encoding="utf-8").strip().splitlines()[-1:]
        _log(f"  validate --workers {vw}: {run.wall_s:.1f} s ({' '.join(tail)}), "
             f"load {run.load_before[0]:.1f}")
    run = _cli(str(store), "query", "events", "--store", str(store), "--format", "csv",
               stdout_file=str(work / "events.csv"))
    res.events_query_s = run.wall_s
    rows = max(0, len((work / "events.csv").read_text(encoding="utf-8").splitlines()) - 1)
    _log(f"  query events (CLI): {run.wall_s:.2f} s, {rows} rows")
    gexf = work / "graph.gexf"
    run = _cli(str(store), "export", "--to", "gexf", "--store", str(store), "--output", str(gexf))
    res.gexf_s = run.wall_s
    _log(f"  export --to gexf (CLI): {run.wall_s:.2f} s, {gexf.stat().st_size / 1e6:.1f} MB")
    run = run_child(["-m", "bench.run", "_queries", "--store", str(store)])
    res.queries = run.answer
    slowest = max(run.answer["queries"].items(), key=lambda kv: kv[1]["s"])
    res.slowest_query, res.slowest_query_s = slowest[0], slowest[1]["s"]
    _log(f"  named queries in-process: slowest {slowest[0]} {slowest[1]['s']:.3f} s")
    if any(vw > 0 for vw in args.validate_workers):
        _incremental(res, store, args, work)


def _incremental(res: Result, store: Path, args: argparse.Namespace, work: Path) -> None:
    """``validate --changed`` once (a full run that records every graph), append a few more
    articles of the same corpus (the next indices: new articles whose events merge with stored
    ones), and ``validate --changed`` again: what a daily append costs to validate. Last on
    the store, because it changes it."""
    first = _cli(str(store), "validate", "--store", str(store), "--changed",
                 stdout_file=str(work / "changed-1.txt"))
    res.changed_first_s = first.wall_s
    extra = work / "append.jsonl"
    n = 10
    with open(extra, "w", encoding="utf-8", newline="\n") as fh:
        for rec in corpus_mod.generate(n, args.seed, start=res.n):
            fh.write(corpus_mod.dumps(rec) + "\n")
    added = _cli(str(store), "build", str(extra), "--store", str(store), "--quiet")
    res.append_s, res.append_n = added.wall_s, n
    second = _cli(str(store), "validate", "--store", str(store), "--changed",
                  stdout_file=str(work / "changed-2.txt"))
    res.changed_after_append_s = second.wall_s
    report = (work / "changed-2.txt").read_text(encoding="utf-8")
    found = re.search(r"^([\d,]+) graphs? checked", report, re.M)
    res.changed_graphs_checked = int(found[1].replace(",", "")) if found else None
    _log(f"  validate --changed: first {first.wall_s:.1f} s; after appending {n} articles "
         f"({added.wall_s:.1f} s) {second.wall_s:.1f} s, "
         f"{res.changed_graphs_checked} graphs checked")


def git_state() -> dict | None:
    """The commit benchmarked and the files of the package that differ from it (if a checkout)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "kg_builder", "queries",
                                "shapes", "ontology"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        # a snapshot (`git archive`) made as bench/README.md says records its commit here
        marker = ROOT / "COMMIT"
        return {"commit": marker.read_text().strip(), "dirty": []} if marker.is_file() else None
    return {"commit": head, "dirty": dirty}


def _fmt(value: float | None, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def table(results: list[Result]) -> str:
    """The results as a Markdown table (the README's format)."""
    head = ("| N | workers | articles/s | words/s | spaCy-alone words/s | ratio | startup s | "
            "peak RSS MB | store MB (SST) | validate s | events query s | gexf s | "
            "slowest named query s | load avg |")
    lines = [head, "|" + "---|" * 14]
    for r in results:
        load = f"{r.load[0]:.1f}–{r.load[3]:.1f}" if r.load else "–"
        slowest = (f"{r.slowest_query_s:.2f} ({r.slowest_query})"
                   if r.slowest_query_s is not None else "–")
        cpu = f" (CPU {r.cpu_ratio:.2f})" if r.cpu_ratio is not None else ""
        ratios = sorted(x["ratio"] for x in r.rounds if x["ratio"] is not None)
        if len(ratios) > 1:
            cpu += f"; median of {len(ratios)}, {ratios[0]:.2f}–{ratios[-1]:.2f}"
        validate = "–" if not r.validate_workers_s else " / ".join(
            f"{s:.1f}" for s in r.validate_workers_s.values())
        lines.append(
            f"| {r.n:,} | {r.workers} | {_fmt(r.articles_per_s, '.1f')} | "
            f"{_fmt(r.words_per_s, ',.0f')} | {_fmt(r.spacy_words_per_s, ',.0f')} | "
            f"{_fmt(r.ratio, '.2f')}{cpu} | {_fmt(r.startup_s, '.1f')} | "
            f"{_fmt(r.peak_rss_mb, '.0f')} | "
            f"{_fmt(r.store_mb, '.0f')} ({_fmt(r.store_sst_mb, '.0f')}) | {validate} | "
            f"{_fmt(r.events_query_s, '.2f')} | "
            f"{_fmt(r.gexf_s, '.2f')} | {slowest} | {load} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Benchmark kg-builder against spaCy alone on a generated corpus.")
    p.add_argument("--n", type=int, action="append", help="articles (repeatable; default 100)")
    p.add_argument("--workers", type=int, action="append",
                   help="worker processes (repeatable; default 1)")
    p.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH,
                   help=f"articles per batch, for kg-builder and spaCy (default {DEFAULT_BATCH})")
    p.add_argument("--model", default=None, help="spaCy model (default: kg-builder's default)")
    p.add_argument("--skip-spacy", action="store_true", help="do not measure spaCy alone")
    p.add_argument("--skip-queries", action="store_true",
                   help="do not time validate, queries and export")
    p.add_argument("--validate-workers", type=int, action="append",
                   help="worker counts for validate (repeatable; default 1; 0 skips it)")
    p.add_argument("--out-json", default=None, help="write every measurement here")
    p.add_argument("--workdir", default=None, help="folder for corpora and stores (default: temp)")
    p.add_argument("--keep-stores", action="store_true", help="keep the built stores")
    p.add_argument("--repeat", type=int, default=1,
                   help="rounds of spaCy alone then kg-builder per N and worker count; the "
                        "table shows the round with the median ratio (default 1)")
    args = p.parse_args(argv)
    args.n = args.n or [100]
    args.workers = args.workers or [1]
    args.validate_workers = args.validate_workers or [1]
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0].startswith("_"):
        return _child_main(argv)
    args = parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    _log(f"kg-builder benchmark in {work}; {os.cpu_count()} CPUs; load average "
         f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; code {git_state()}")
    results: list[Result] = []
    try:
        for n in args.n:
            bench_n(n, args.workers, args, work, results)
    finally:
        print(table(results))
        if args.out_json:
            meta = {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "seed": args.seed, "batch_size": args.batch_size,
                    "corpus_inputs_sha256": corpus_mod.pools_digest(), "git": git_state(),
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            Path(args.out_json).write_text(json.dumps(
                {"meta": meta, "results": [asdict(r) for r in results]}, indent=1) + "\n",
                encoding="utf-8")
        if not args.workdir and not args.keep_stores:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _child_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog=f"bench child {argv[0]}")
    p.add_argument("--corpus")
    p.add_argument("--store")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    p.add_argument("--model", default=None)
    a = p.parse_args(argv[1:])
    if argv[0] == "_spacy":
        answer = child_spacy(a.corpus, a.workers, a.batch_size, a.model)
    elif argv[0] == "_build":
        answer = child_build(a.corpus, a.store, a.workers, a.batch_size, a.model)
    elif argv[0] == "_queries":
        answer = child_queries(a.store)
    else:
        raise SystemExit(f"unknown child {argv[0]}")
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
