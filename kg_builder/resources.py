"""Locate the project's data folders (ontology, shapes, queries, examples).

In a wheel they are copied into ``kg_builder/_resources/`` (see ``pyproject.toml``); in a source
checkout or an editable install they are the top-level folders of the repository. Looking in
both places keeps one copy of each file in the repository.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder ``name`` (``ontology``, ``shapes``, ``queries``, ``examples``)."""
    for candidate in (_PKG / "_resources" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"kg-builder resource folder {name!r} is missing from the install")


def data_file(name: str) -> Path:
    """Return a bundled data file from ``kg_builder/data/`` (gazetteers)."""
    return _PKG / "data" / name
