"""docs/profiles.md carries the reference generated from the schema, up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ionm_tui.profile import docs

REPO = Path(__file__).resolve().parents[2]


def test_reference_in_docs_is_up_to_date() -> None:
    """Regenerating the reference changes nothing (run `python -m ionm_tui.profile.docs`)."""
    text = (REPO / "docs" / "profiles.md").read_text(encoding="utf-8")
    assert docs.updated(text) == text, "run: python -m ionm_tui.profile.docs"


def test_reference_documents_every_key() -> None:
    """Every criterion key and every rule appears in the generated reference."""
    from ionm_tui.profile.rules import RULES
    from ionm_tui.profile.schema_alert import CRITERION_KEYS

    ref = docs.reference()
    for c in CRITERION_KEYS:
        assert f"`{c.key}`" in ref
    for name, _ in RULES:
        assert f"**{name}**" in ref


def test_profile_package_loads_no_ui() -> None:
    """Importing the profile loader and command loads neither textual nor rich."""
    code = (
        "import sys, ionm_tui.profile.loader, ionm_tui.profile.command, ionm_tui.profile.show; "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert not set(out.stdout.split()) & {"textual", "rich"}


def test_command_module_stays_light() -> None:
    """The CLI imports profile.command to build its parser: that must not load numpy or scipy."""
    code = (
        "import sys, ionm_tui.profile.command; "
        "print('numpy' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["False", "False"]
