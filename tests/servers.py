"""Real servers for end-to-end tests: Oxigraph server, Virtuoso Open Source 7, headless Chromium.

Each helper finds (or, for Debian packages, installs) its program and, when that is impossible,
raises :class:`Unavailable` with a reason that the fixtures turn into a pytest skip. Servers
listen on free loopback ports only, keep their data in a temporary folder and are stopped at
teardown, so tests never touch a system service.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


class Unavailable(Exception):
    """The program a test needs is missing and cannot be installed here."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A loopback port with no server behind it (connections are refused)."""
    return free_port()


def wait_http(url: str, proc: subprocess.Popen | None, timeout: float, log: Path | None = None,
              ) -> None:
    """Poll ``url`` until it answers 200, the process dies or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"server exited with code {proc.returncode} before it was ready:"
                               f"\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
                last = f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout} s ({last})")


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def ensure_debian_package(binary: str, package: str) -> str:
    """Path of ``binary``; installs the Debian ``package`` with apt-get when it is missing and
    we are root. Raises :class:`Unavailable` with the reason otherwise."""
    found = shutil.which(binary)
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        raise Unavailable(f"{binary} is not installed and apt-get is not available "
                          f"(install the Debian package {package})")
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        raise Unavailable(f"{binary} is not installed and installing {package} needs root")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in ([apt, "update", "-q"],
                [apt, "install", "-y", "-q", "--no-install-recommends", package]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0 and cmd[1] == "install":
            raise Unavailable(f"apt-get install {package} failed: "
                              f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    found = shutil.which(binary)
    if not found:
        raise Unavailable(f"{package} was installed but {binary} is still not on PATH")
    return found


# ---------------------------------------------------------------------------------------------
# Oxigraph server


def oxigraph_binary() -> str:
    """The ``oxigraph`` command of the PyPI package ``oxigraph`` (next to this Python first)."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise Unavailable("the oxigraph command is missing: pip install oxigraph "
                      "(it belongs in the test extra)")


class OxigraphServer:
    """``oxigraph serve`` on a free loopback port with its data in ``workdir``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.store_url = f"{self.base}/store"
        self.query_url = f"{self.base}/query"
        self.update_url = f"{self.base}/update"
        self.proc: subprocess.Popen | None = None

    def start(self) -> OxigraphServer:
        binary = oxigraph_binary()
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.workdir / "oxigraph.log"
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [binary, "serve", "--location", str(self.workdir / "data"),
             "--bind", f"127.0.0.1:{self.port}"],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_http(f"{self.query_url}?query=ASK%7B%7D", self.proc, 30, log)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self._log.close()
            self.proc = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# ---------------------------------------------------------------------------------------------
# Virtuoso Open Source 7

_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = {dir}
ResultSetMaxRows = 1000000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
HttpTimeout = 300
MaxClientConnections = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


class VirtuosoServer:
    """``virtuoso-t`` with a private ``virtuoso.ini`` in ``workdir``, HTTP and SQL ports on
    127.0.0.1. ``password`` becomes the ``dba`` password (for Digest auth on the ``-auth``
    endpoints); ``grant_anonymous_update`` lets the unauthenticated ``/sparql-graph-crud``
    and ``/sparql`` endpoints write."""

    def __init__(self, workdir: Path, password: str = "dba",
                 grant_anonymous_update: bool = False) -> None:
        self.workdir = Path(workdir)
        self.password = password
        self.grant_anonymous_update = grant_anonymous_update
        self.http_port = free_port()
        self.sql_port = free_port()
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.sparql_url = f"{self.base}/sparql"
        self.gsp_auth_url = f"{self.base}/sparql-graph-crud-auth"
        self.gsp_url = f"{self.base}/sparql-graph-crud"
        self.update_auth_url = f"{self.base}/sparql-auth"
        self.proc: subprocess.Popen | None = None
        self._current_password = "dba"

    def start(self) -> VirtuosoServer:
        binary = ensure_debian_package("virtuoso-t", "virtuoso-opensource-7-bin")
        self._isql = shutil.which("isql-vt")
        if self._isql is None:
            raise Unavailable("virtuoso-t is installed but isql-vt is missing")
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "virtuoso.lck").unlink(missing_ok=True)
        ini = self.workdir / "virtuoso.ini"
        ini.write_text(_VIRTUOSO_INI.format(dir=self.workdir, sql_port=self.sql_port,
                                            http_port=self.http_port))
        log = self.workdir / "stdout.log"
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([binary, "+configfile", str(ini), "+foreground"],
                                     cwd=self.workdir, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_http(f"{self.sparql_url}?query=ASK%7B%7D", self.proc, 90, log)
            if self.password != "dba":
                self.isql(f"user_set_password('dba', '{self.password}');")
                self._current_password = self.password
            if self.grant_anonymous_update:
                self.isql('GRANT SPARQL_UPDATE TO "SPARQL";')
        except BaseException:
            self.stop()
            raise
        return self

    def isql(self, sql: str) -> str:
        """Run SQL through isql-vt; raise when Virtuoso reports an error (isql exits 0 anyway)."""
        done = subprocess.run(
            [self._isql, f"127.0.0.1:{self.sql_port}", "dba", self._current_password,
             f"EXEC={sql}"], capture_output=True, text=True, timeout=60)
        out = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in out:
            raise RuntimeError(f"isql failed: {out[-500:]}")
        return out

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            subprocess.run([self._isql, f"127.0.0.1:{self.sql_port}", "dba",
                            self._current_password, "-K"], capture_output=True, timeout=30)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                pass
        _stop(self.proc)
        self._log.close()
        self.proc = None

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# ---------------------------------------------------------------------------------------------
# Headless Chromium

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage", "--no-default-browser-check"]


def chromium_binary() -> str:
    """Debian's ``chromium`` (installed with apt-get when missing and possible)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return ensure_debian_package("chromium", "chromium")


def dump_dom(url: str, *, budget_ms: int = 5000, timeout: float = 60.0) -> str:
    """The DOM of ``url`` after ``budget_ms`` of virtual time, as headless Chromium sees it."""
    binary = chromium_binary()
    with tempfile.TemporaryDirectory(prefix="kg-chromium-") as profile:
        done = subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             f"--virtual-time-budget={budget_ms}", "--dump-dom", url],
            capture_output=True, text=True, timeout=timeout,
            env=dict(os.environ, HOME=profile))
    if done.returncode != 0 and not done.stdout:
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-1000:]}")
    return done.stdout
