"""The README's Quick start and CI run the same commands; the tree stays ruff-clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _quick_start_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if line.strip().startswith("pip install")]


def test_ci_runs_the_readme_test_command() -> None:
    """The last line of .ci/run is the README's Quick-start test command, verbatim."""
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    ci_lines = [ln for ln in (REPO / ".ci" / "run").read_text().splitlines() if ln.strip()]
    assert ci_lines[-1].strip() == commands[1]


def test_readme_says_it_is_not_a_medical_device() -> None:
    """The README states plainly that this is not a cleared medical device."""
    assert "not a cleared medical device" in (REPO / "README.md").read_text(encoding="utf-8")


def _ruff() -> str:
    exe = Path(sys.executable).with_name("ruff")
    found = str(exe) if exe.exists() else shutil.which("ruff")
    if not found:
        pytest.skip("ruff is not installed (it is in the test extra)")
    return found


def test_ruff_lint_clean() -> None:
    """ruff check reports nothing."""
    out = subprocess.run(
        [_ruff(), "check", "--quiet", "."], cwd=REPO, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format_clean() -> None:
    """ruff format --check finds nothing to reformat."""
    out = subprocess.run(
        [_ruff(), "format", "--check", "--quiet", "."], cwd=REPO, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
