"""Layering: the engine is pure numpy/scipy; nothing outside app/ loads Textual or Rich."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded_after_import(module: str) -> set[str]:
    code = (
        "import sys, importlib; importlib.import_module(sys.argv[1]); "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, module], capture_output=True, text=True, check=True, timeout=60
    )
    return set(out.stdout.split())


def test_engine_loads_no_ui_and_no_lsl() -> None:
    """Importing ionm_tui.engine loads neither textual, rich nor pylsl."""
    loaded = _loaded_after_import("ionm_tui.engine")
    assert not loaded & {"textual", "rich", "pylsl", "pyxdf"}


@pytest.mark.parametrize("module", ["ionm_tui.engine.runner", "ionm_tui.errors"])
def test_headless_modules_load_no_ui(module: str) -> None:
    """Headless modules never load textual or rich."""
    assert not _loaded_after_import(module) & {"textual", "rich"}


def test_engine_imports_nothing_else_of_ours() -> None:
    """The engine package imports no other ionm_tui package (it is the bottom layer)."""
    code = (
        "import sys, ionm_tui.engine; "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('ionm_tui'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    others = {
        m for m in out.stdout.split() if not m.startswith("ionm_tui.engine") and m != "ionm_tui"
    }
    assert others == set()
