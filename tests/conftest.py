"""Fixtures that start real servers (see tests/servers.py); skipped with the reason when the
program is missing and cannot be installed."""

from __future__ import annotations

import pytest
from servers import OxigraphServer, Unavailable, VirtuosoServer, chromium_binary

#: A password distinctive enough that finding it in any output means it leaked.
VIRTUOSO_PASSWORD = "Pw-7qZ!x9#leak-canary"


@pytest.fixture
def oxigraph_server(tmp_path):
    """A fresh, empty Oxigraph server for one test."""
    try:
        server = OxigraphServer(tmp_path / "oxigraph").start()
    except Unavailable as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """One Virtuoso for the session (it takes seconds to start); its dba password is
    :data:`VIRTUOSO_PASSWORD`."""
    try:
        server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"),
                                password=VIRTUOSO_PASSWORD).start()
    except Unavailable as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    """Path of a headless-capable Chromium."""
    try:
        return chromium_binary()
    except Unavailable as exc:
        pytest.skip(str(exc))
