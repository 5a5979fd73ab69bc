"""Time kg-builder's own per-article work without re-running spaCy every time.

Usage (from the project root)::

    python -m bench.writepath --n 300 --cache /tmp/ex300.pickle            # write path
    python -m bench.writepath --n 300 --cache /tmp/ex300.pickle --profile w.prof
    python -m bench.writepath --n 100 --extract                            # kg_extract alone

The write path (everything :func:`kg_builder.build.add_extraction` does: RDF mapping, event
merging, Oxigraph writes) is timed over extractions computed once and pickled to ``--cache``,
so a change to ``rdf.py``/``merge.py``/``store.py`` can be measured in seconds instead of a
full build. ``--extract`` parses the articles once with every component but ``kg_extract``,
then times the ``kg_extract`` component alone over those docs, ``--repeat`` times.

The printed ``digest`` is the SHA-256 of the store's N-Quads export (sorted lines): equal
digests mean the write path produced the same graph.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pickle
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import corpus as corpus_mod  # noqa: E402


def articles_for(n: int, seed: int):
    from kg_builder.model import Article
    from kg_builder.readers import parse_published

    out = []
    for rec in corpus_mod.generate(n, seed):
        day, moment = parse_published(rec["published"])
        out.append(Article(id=rec["id"], text=rec["text"], url=rec["url"], title=rec["title"],
                           published=day, published_datetime=moment, source=rec["source"]))
    return out


def extractions_for(n: int, seed: int, cache: str | None):
    """Extractions of the corpus, read from ``cache`` when it exists (else computed, saved)."""
    if cache and Path(cache).exists():
        with open(cache, "rb") as fh:
            return pickle.load(fh)
    from kg_builder.nlp import extract_docs, load_pipeline

    exs = list(extract_docs(load_pipeline(), articles_for(n, seed)))
    if cache:
        with open(cache, "wb") as fh:
            pickle.dump(exs, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return exs


def store_digest(store) -> str:
    """SHA-256 over the sorted N-Quads lines of the whole store."""
    import pyoxigraph as ox

    data = store.dump(format=ox.RdfFormat.N_QUADS)
    return hashlib.sha256(b"\n".join(sorted(data.splitlines()))).hexdigest()[:16]


def extraction_digest(exs) -> str:
    """SHA-256 over the sorted N-Quads of the extractions' graphs (sets inside an extraction
    have no stable order from one process to the next, their graphs do)."""
    from kg_builder import rdf

    if hasattr(rdf, "extraction_quads"):
        lines = sorted(str(q) for ex in exs for q in rdf.extraction_quads(ex)[1])
    else:  # older trees, for before/after comparisons
        from kg_builder.store import to_quads

        lines = sorted(str(q) for ex in exs for q in to_quads(*rdf.extraction_triples(ex)))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def write_path(exs, profile: str | None) -> None:
    from kg_builder import build
    from kg_builder.store import open_store

    n = len(exs)
    with tempfile.TemporaryDirectory(prefix="kg-writepath-", ignore_cleanup_errors=True) as tmp:
        store = open_store(Path(tmp) / "store")
        _, merger = build.prepare_store(store, build.BuildOptions())
        prof = cProfile.Profile() if profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if prof:
            prof.enable()
        quads = sum(build.add_extraction(store, ex, merger) for ex in exs)
        store.flush()
        if prof:
            prof.disable()
            prof.dump_stats(profile)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"add_extraction x {n}: {1000 * wall / n:.2f} ms/article wall, "
              f"{1000 * cpu / n:.2f} ms/article CPU, {quads:,} quads, "
              f"digest {store_digest(store)}")
        del store, merger  # close the store before its folder goes
    mapping = getattr(__import__("kg_builder.rdf", fromlist=["x"]), "extraction_quads", None)
    if mapping is None:
        from kg_builder.rdf import extraction_triples as mapping
    started = time.perf_counter()
    for ex in exs:
        mapping(ex)
    print(f"mapping ({mapping.__name__}) alone: "
          f"{1000 * (time.perf_counter() - started) / n:.2f} ms/article")


def extract_only(n: int, seed: int, repeat: int, profile: str | None = None) -> None:
    from kg_builder.nlp import load_pipeline
    from kg_builder.nlp.pipeline import _doc_for

    nlp = load_pipeline()
    articles = articles_for(n, seed)
    with nlp.select_pipes(disable=["kg_extract"]):
        docs = list(nlp.pipe((_doc_for(nlp, a) for a in articles), batch_size=32))
    component = nlp.get_pipe("kg_extract")
    digest = None
    for _ in range(repeat):
        prof = cProfile.Profile() if profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        out = [component(d)._.extraction for d in docs]
        if prof:
            prof.disable()
            prof.dump_stats(profile)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        digest = extraction_digest(out)
        print(f"kg_extract: {1000 * took / n:.2f} ms/article wall, {1000 * cpu / n:.2f} CPU, "
              f"digest {digest}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.writepath",
                                description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--cache", default=None, help="pickle of the extractions (made if missing)")
    p.add_argument("--profile", default=None,
                   help="cProfile the write path (or kg_extract) into this file")
    p.add_argument("--extract", action="store_true", help="time kg_extract instead")
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args(argv)
    if args.extract:
        extract_only(args.n, args.seed, args.repeat, args.profile)
    else:
        write_path(extractions_for(args.n, args.seed, args.cache), args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
