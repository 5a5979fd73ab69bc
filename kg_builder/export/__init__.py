"""Exports of a kg-builder store: network files for Gephi and friends, and RDF serialisations.

One entry point, :func:`export`, picks the writer by format name (the ``--to`` of
``kg-builder export``). The writers live in their own modules so each can be used and tested
alone:

========  =====================================  ==========================================
format    writer                                 output
========  =====================================  ==========================================
gexf      :func:`.gexf.write_gexf`               one ``.gexf`` file (GEXF 1.3, for Gephi)
graphml   :func:`.graphml.write_graphml`         one ``.graphml`` file (networkx, yEd, Cytoscape)
csv       :func:`.tables.write_csv`              ``nodes.csv`` + ``edges.csv`` (Gephi, pandas)
trig      :func:`.rdf.write_rdf`                 the article graphs as named graphs
nquads    :func:`.rdf.write_rdf`                 the same, one sorted line per quad
turtle    :func:`.rdf.write_rdf`                 the union of the article graphs
ntriples  :func:`.rdf.write_rdf`                 the union, one sorted line per triple
jsonld    :func:`.rdf.write_rdf`                 the union as JSON-LD with an inline ``@context``
========  =====================================  ==========================================

Network formats come in two views (:mod:`.network`): ``full`` (actors, events and places) and
``actors`` (actors joined by the events they share).

Every writer goes through :func:`atomic_output`: the data is written to a temporary file in the
destination folder and renamed into place only when complete, so a failure (a full disk, a
bad value, Ctrl-C) never leaves a half-written file where a previous good export was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

__all__ = [
    "ExportError", "NETWORK_FORMATS", "RDF_FORMATS", "FORMATS", "VIEWS",
    "export", "atomic_output", "check_view",
]

#: Formats that export a network built by :func:`.network.build_network`.
NETWORK_FORMATS: tuple[str, ...] = ("gexf", "graphml", "csv")
#: RDF serialisations (the view does not apply to them).
RDF_FORMATS: tuple[str, ...] = ("trig", "nquads", "turtle", "ntriples", "jsonld")
#: Every format name :func:`export` accepts, in the order shown to users.
FORMATS: tuple[str, ...] = NETWORK_FORMATS + RDF_FORMATS
#: The network views.
VIEWS: tuple[str, ...] = ("full", "actors")


class ExportError(Exception):
    """An export could not be made; the message names the problem and is meant for the user."""


def check_view(view: str) -> str:
    """Return ``view`` if it is a known network view, else raise :class:`ExportError`."""
    if view not in VIEWS:
        raise ExportError(f"unknown view {view!r} (use one of {', '.join(VIEWS)})")
    return view


def check_destination(path: Path) -> None:
    """Fail early, with the user's path in the message, when a file cannot be written there."""
    if path.is_dir():
        raise ExportError(f"{path}: is a folder, expected a file name")
    if not path.parent.is_dir():
        raise ExportError(f"{path}: folder {path.parent} does not exist")


@contextlib.contextmanager
def atomic_output(path: str | Path, mode: str = "wb", *,
                  encoding: str | None = None, newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it to ``path`` when the block succeeds.

    The temporary file is created with mode 0666 minus the umask (like ``open``), not 0600
    like :mod:`tempfile`, so the finished export has the permissions users expect. On any
    exception the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    check_destination(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise


def export(store: ox.Store, to: str, output: str | Path, view: str = "full") -> Path | list[Path]:
    """Export ``store`` in format ``to`` to ``output``; return the file(s) written.

    ``csv`` writes two files and returns both (see :func:`.tables.write_csv` for how
    ``output`` names them); every other format writes ``output`` itself. ``view`` applies to
    the network formats only; asking for another view with an RDF format is an error rather
    than silently ignored.
    """
    output = Path(output)
    if to not in FORMATS:
        raise ExportError(f"unknown export format {to!r} (use one of {', '.join(FORMATS)})")
    check_view(view)
    if to in RDF_FORMATS:
        if view != "full":
            raise ExportError(f"the view {view!r} applies to {', '.join(NETWORK_FORMATS)} only; "
                              f"{to} always exports the whole graph")
        from .rdf import write_rdf
        return write_rdf(store, output, to)
    if to == "gexf":
        from .gexf import write_gexf
        return write_gexf(store, output, view=view)
    if to == "graphml":
        from .graphml import write_graphml
        return write_graphml(store, output, view=view)
    from .tables import write_csv
    return write_csv(store, output, view=view)


def write_network(store: ox.Store, path: str | Path, view: str, lines) -> Path:
    """Build the ``view`` network and write the text ``lines(graph)`` yields, atomically."""
    from .network import build_network

    check_view(view)
    path = Path(path)
    graph = build_network(store, view)
    with atomic_output(path, "w", encoding="utf-8", newline="\n") as fh:
        for line in lines(graph):
            fh.write(line)
            fh.write("\n")
    return path
