"""Finding profiles by path or id: the user's folder first, then the shipped ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ionm_tui.errors import ProfileError
from ionm_tui.profile import find_profile, list_profiles, shipped_dir, user_dir

REPO = Path(__file__).resolve().parents[2]


def test_user_folder_comes_from_the_environment(no_user_profiles: Path) -> None:
    """$IONM_TUI_PROFILES names the user folder."""
    assert user_dir() == no_user_profiles


def test_default_user_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without the variable: $XDG_CONFIG_HOME/ionm-tui/profiles."""
    monkeypatch.delenv("IONM_TUI_PROFILES")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert user_dir() == tmp_path / "ionm-tui" / "profiles"


def test_find_by_id_path_and_header(no_user_profiles: Path) -> None:
    """An id finds the shipped file; a user file with that id wins; a path is taken as is."""
    assert find_profile("thyroidectomy") == shipped_dir() / "thyroidectomy.toml"
    mine = no_user_profiles / "thyroidectomy.toml"
    shutil.copy(REPO / "profiles" / "thyroidectomy.toml", mine)
    assert find_profile("thyroidectomy") == mine
    renamed = no_user_profiles / "other-name.toml"
    renamed.write_text('[profile]\nid = "my-case"\nname = "Mine"\n', encoding="utf-8")
    assert find_profile("my-case") == renamed
    assert find_profile(str(renamed)) == renamed


def test_unknown_id_and_missing_path_raise_profile_error() -> None:
    """Not found: ProfileError naming the ids there are, with a did-you-mean."""
    with pytest.raises(ProfileError, match='did you mean "spine-deformity"'):
        find_profile("spine-deformaty")
    with pytest.raises(ProfileError, match="no profile file"):
        find_profile("./missing.toml")


def test_list_reports_unreadable_files(no_user_profiles: Path) -> None:
    """A broken user file is listed with the reason, not hidden and not fatal."""
    (no_user_profiles / "broken.toml").write_text("[profile\n", encoding="utf-8")
    entries = list_profiles()
    broken = [e for e in entries if e.path.name == "broken.toml"]
    assert broken
    assert broken[0].error.startswith("unreadable")
    assert {e.id for e in entries if e.origin == "shipped"} >= {"spine-deformity"}
