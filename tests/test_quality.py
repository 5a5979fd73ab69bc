"""Project hygiene that users rely on: CI runs the README's test command, every command has
help with an example, and the code is ruff-clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg_builder.cli import main

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_quick_start_has_two_commands_and_ci_runs_the_test_one():
    commands = quick_start_commands()
    assert len(commands) == 2
    build, tests = commands
    assert "kg-builder build examples/" in build and "python3 -m venv .venv" in build
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci


@pytest.mark.parametrize("command", main.list_commands(None))
def test_every_command_has_help_with_an_example(command):
    res = CliRunner().invoke(main, [command, "--help"])
    assert res.exit_code == 0
    assert "Usage:" in res.output
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")


def test_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (it is in the test extra)")
    res = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:]
