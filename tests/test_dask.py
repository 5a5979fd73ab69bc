"""``kg-builder build --dask``: extraction on a Dask cluster gives the local build's graph.

The build on a LocalCluster of two worker processes, with partitions of two articles so that
several partitions are in flight at once, must write exactly the N-Quads a plain build writes —
including the events two articles report and the build merges, which depends on the order the
articles are written in. The error paths (extra not installed, scheduler unreachable) are one
line and exit 2, and the missing extra is reported before a store is created.
"""

from __future__ import annotations

import importlib.util
import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg_builder import build, distributed
from kg_builder.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_JSONL = ROOT / "examples" / "sahel-example.jsonl"

HAS_DASK = (importlib.util.find_spec("dask") is not None
            and importlib.util.find_spec("distributed") is not None)
needs_dask = pytest.mark.skipif(not HAS_DASK, reason="dask[distributed] is not installed "
                                                    "(pip install 'kg-builder[dask]')")

#: Short articles written for this test. The first two report one attack (same town, same
#: day) and so must be merged into one event, whichever process extracted them.
ARTICLES = [
    {"id": "dask-djibo-1", "url": "https://example.org/test/djibo-attack",
     "published": "2024-05-07", "title": "Gunmen kill villagers near Djibo",
     "text": "Gunmen attacked a village near Djibo in northern Burkina Faso on Monday, "
             "killing nine civilians, a local official said.\n\nThe attackers arrived on "
             "motorbikes and set fire to the market before fleeing."},
    {"id": "dask-djibo-2", "url": "https://example.org/test/djibo-attack-update",
     "published": "2024-05-07", "title": "Death toll rises after attack near Djibo",
     "text": "Armed men killed nine civilians in an attack on a village near Djibo, Burkina "
             "Faso, on Monday, residents said on Tuesday."},
    {"id": "dask-kaya-protest", "url": "https://example.org/test/kaya-protest",
     "published": "2024-05-09", "title": "Traders protest in Kaya",
     "text": "Hundreds of traders protested in Kaya on Thursday against rising fuel prices, "
             "witnesses said."},
    {"id": "dask-niono-clash", "url": "https://example.org/test/niono-clash",
     "published": "2024-06-02", "title": "Soldiers clash with militants near Niono",
     "text": "Malian soldiers clashed with militants near Niono in central Mali on Saturday, "
             "the army said, adding that three soldiers were wounded."},
    {"id": "dask-empty-day", "published": "2024-06-03", "title": "Quiet market day",
     "text": "Nothing of note happened at the weekly market."},
]


def _write_input(path: Path) -> list[str]:
    """The example's articles followed by this test's; returns their ids in input order."""
    lines = EXAMPLE_JSONL.read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if line.strip()]
    lines += [json.dumps(a) for a in ARTICLES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [json.loads(line)["id"] for line in lines]


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_dask
def test_dask_local_build_writes_the_local_builds_quads(tmp_path, monkeypatch):
    source = tmp_path / "articles.jsonl"
    ids = _write_input(source)
    a, b = tmp_path / "a.nq", tmp_path / "b.nq"
    # Partitions of two: four partitions, all in flight on two workers at once.
    monkeypatch.setattr(distributed, "PARTITION_SIZE", 2)
    # The order articles are written in: the input's, whichever worker finished first.
    written: list[str] = []
    add_extraction = build.add_extraction

    def recording(store, ex, *args, **kwargs):
        written.append(ex.article.id)
        return add_extraction(store, ex, *args, **kwargs)

    monkeypatch.setattr(build, "add_extraction", recording)

    dask_run = _invoke("build", str(source), "--dask", "local", "--workers", "2",
                       "--output", str(a))
    assert dask_run.exit_code == 0, dask_run.stderr
    assert written == ids
    local_run = _invoke("build", str(source), "--output", str(b))
    assert local_run.exit_code == 0, local_run.stderr

    quads_a = sorted(a.read_text(encoding="utf-8").splitlines())
    quads_b = sorted(b.read_text(encoding="utf-8").splitlines())
    assert quads_a == quads_b
    # Real content: every article has its graph, and the two Djibo reports were merged.
    for article_id in ids:
        assert any(f"/article/{article_id}>" in q for q in quads_a), article_id
    assert len(quads_a) > 300
    summary_a = [ln for ln in dask_run.stderr.splitlines() if ln.startswith("built ")]
    summary_b = [ln for ln in local_run.stderr.splitlines() if ln.startswith("built ")]
    assert summary_a and summary_a[0].startswith(f"built {len(ids)} article(s)")
    assert "; 1 events merged" in summary_a[0]
    # Same counts, not counting the time taken.
    assert summary_a[0].split(" into ")[0] == summary_b[0].split(" into ")[0]
    # Dask's own logging stays out of the user's terminal.
    noise = [ln for ln in dask_run.stderr.splitlines()
             if not ln.startswith(("built ", "kg-builder: warning:"))]
    assert noise == []


def test_missing_dask_extra_is_one_line_before_any_store(tmp_path, monkeypatch):
    source = tmp_path / "articles.jsonl"
    _write_input(source)
    for name in ("dask", "distributed"):
        monkeypatch.setitem(__import__("sys").modules, name, None)  # import raises ImportError
    store = tmp_path / "store"
    result = _invoke("build", str(source), "--dask", "local", "--store", str(store))
    assert result.exit_code == 2
    assert result.stderr == ("kg-builder: error: --dask needs the dask extra: "
                             "pip install 'kg-builder[dask]'\n")
    assert not store.exists()


@needs_dask
@pytest.mark.parametrize("address", ["tcp://127.0.0.1:{port}", "nosuchscheme://127.0.0.1:1"])
def test_unreachable_scheduler_is_one_line(tmp_path, monkeypatch, address):
    source = tmp_path / "articles.jsonl"
    _write_input(source)
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 1.0)
    address = address.format(port=_free_port())
    result = _invoke("build", str(source), "--dask", address, "--output",
                     str(tmp_path / "out.nq"))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"kg-builder: error: cannot reach the Dask scheduler at {address}: ")
    assert not (tmp_path / "out.nq").exists()
