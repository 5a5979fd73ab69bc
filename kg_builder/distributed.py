"""Extraction on a Dask distributed cluster (``kg-builder build --dask ADDRESS|local``).

Only the NLP step is distributed: it is where a build spends its time (spaCy's parser and NER),
and it is pure — an :class:`~kg_builder.model.Article` in, an
:class:`~kg_builder.model.Extraction` out, both plain picklable dataclasses. Writing stays in
the calling process, through the same :func:`kg_builder.build.build_into` code path as a local
build, because merging an article's events with the store's depends on every article written
before it. So extractions are handed back **in input order**: the output of a Dask build is the
output of a local build, quad for quad.

How: the input is read lazily in partitions of :data:`PARTITION_SIZE` articles; a sliding window
of at most two partitions per worker is in flight (running, queued or finished but not yet
written), so memory stays flat however long the input is and every worker always has the next
partition queued. Each worker process loads the spaCy pipeline once
(:func:`kg_builder.nlp.load_pipeline` is cached per process) and keeps it for every partition it
is given.

Dask is an optional extra (``pip install 'kg-builder[dask]'``); this module imports it only
when a Dask build starts, and :class:`DaskError` carries the one-line message the command line
prints when it is missing or the scheduler cannot be reached.

On a remote cluster every worker needs kg-builder, its spaCy model and any ``--gazetteer`` file
at the same path as the client; run workers with one thread each (``dask worker ADDRESS
--nthreads 1 --nworkers N``) — a worker with several threads shares one pipeline between them
under a lock.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import Article, Extraction

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildOptions

#: Seconds to wait for a scheduler to answer: an unreachable one is an error, not a hang.
CONNECT_TIMEOUT = 5.0
#: Seconds to wait for a remote scheduler to have at least one worker.
WORKER_TIMEOUT = 60.0
#: Partitions in flight per worker.
IN_FLIGHT_PER_WORKER = 2
#: Articles per partition at most (as the local pool's batches): small enough that the last
#: partitions do not leave workers idle, large enough that scheduling costs nothing next to spaCy.
PARTITION_SIZE = 8

MISSING_EXTRA = "--dask needs the dask extra: pip install 'kg-builder[dask]'"


class DaskError(Exception):
    """Dask is not installed, or the cluster cannot be used; the message is meant for the user."""


def require_dask() -> None:
    """Fail early (before a store is opened) when the dask extra is not installed."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise DaskError(MISSING_EXTRA) from None


# ----------------------------------------------------------------------------- worker side
_PIPELINE_LOCK = threading.Lock()


def extract_partition(articles: list[Article], model: str | None, gazetteers: tuple[str, ...],
                      batch_size: int) -> list[Extraction]:
    """Run on a worker: the extractions of one partition, in order.

    The pipeline is loaded on the first call in a worker process and cached there; the lock
    keeps a worker started with several threads from running one spaCy pipeline in two threads
    at once (spaCy makes no thread-safety promise)."""
    from .nlp import extract_docs, load_pipeline

    with _PIPELINE_LOCK:
        nlp = load_pipeline(model, gazetteers)
        return list(extract_docs(nlp, articles, batch_size=batch_size))


# ----------------------------------------------------------------------------- client side
def _partitions(articles: Iterable[Article], n: int) -> Iterator[list[Article]]:
    it = iter(articles)
    while part := list(islice(it, n)):
        yield part


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _connect(address: str, workers: int) -> tuple[Any, Any]:
    """A client of the scheduler at ``address``, or of a new loopback-only LocalCluster of
    ``workers`` single-threaded processes for ``local``; returns ``(client, cluster or None)``."""
    require_dask()
    from distributed import Client, LocalCluster

    if address == "local":
        try:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None,
                                   silence_logs=logging.ERROR)
        except Exception as exc:  # noqa: BLE001 - any failure to start is one message
            raise DaskError(f"cannot start a local Dask cluster: {_one_line(exc)}") from None
        try:
            return Client(cluster, timeout=CONNECT_TIMEOUT), cluster
        except Exception:
            cluster.close()
            raise
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ValueError for bad address
        raise DaskError(f"cannot reach the Dask scheduler at {address}: "
                        f"{_one_line(exc)}") from None
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except Exception:  # noqa: BLE001 - a TimeoutError from dask
        client.close()
        raise DaskError(f"the Dask scheduler at {address} has no workers "
                        f"(waited {WORKER_TIMEOUT:g} s)") from None
    return client, None


def extract_dask(articles: Iterable[Article], options: BuildOptions) -> Iterator[Extraction]:
    """Extractions in input order, computed on the Dask cluster ``options.dask``.

    A sliding window keeps at most :data:`IN_FLIGHT_PER_WORKER` partitions per worker
    submitted; the oldest is awaited and yielded before the next is submitted, so order is the
    input's and memory is bounded. The cluster (and a LocalCluster's processes) is closed when
    the caller stops iterating, normally or not."""
    assert options.dask
    client, cluster = _connect(options.dask, options.workers)
    window: deque = deque()
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        if cluster is not None:
            n_workers = max(n_workers, options.workers)
        limit = IN_FLIGHT_PER_WORKER * n_workers
        # Absolute paths: a worker's working directory need not be the client's.
        gazetteers = tuple(str(Path(g).resolve()) for g in options.gazetteers)
        size = max(1, min(options.batch_size, PARTITION_SIZE))
        parts = _partitions(articles, size)
        exhausted = False
        while True:
            while not exhausted and len(window) < limit:
                part = next(parts, None)
                if part is None:
                    exhausted = True
                    break
                window.append(client.submit(extract_partition, part, options.model,
                                            gazetteers, size, pure=False))
            if not window:
                return
            future = window.popleft()
            result = future.result()
            future.release()
            yield from result
    finally:
        for future in window:
            future.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


__all__ = ["CONNECT_TIMEOUT", "DaskError", "MISSING_EXTRA", "extract_dask", "extract_partition",
           "require_dask"]
