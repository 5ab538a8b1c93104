"""`ionm-tui profiles list | show | check`: output and exit status, through the command's run()."""

from __future__ import annotations

import argparse
import io
import shutil
from pathlib import Path

import pytest

from ionm_tui.profile import command, loads

DATA = Path(__file__).resolve().parents[1] / "data" / "profiles"
REPO = Path(__file__).resolve().parents[2]


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="ionm-tui profiles")
    command.configure(parser)
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    status = command.run(args, out, err)
    return status, out.getvalue(), err.getvalue()


def test_list_shows_user_then_shipped_with_shadowing(no_user_profiles: Path) -> None:
    """One line per profile: id, name, origin and path; a user copy hides the shipped one."""
    shutil.copy(REPO / "profiles" / "thyroidectomy.toml", no_user_profiles / "mine.toml")
    status, out, _ = run("list")
    lines = out.splitlines()
    assert status == 0
    assert len(lines) == 7
    assert lines[0].startswith("thyroidectomy ")
    assert f"user: {no_user_profiles}" in lines[0]
    shipped = [x for x in lines if x.startswith("thyroidectomy ") and "shipped:" in x]
    assert len(shipped) == 1
    assert "hidden by the user profile" in shipped[0]
    assert any(x.startswith("spine-deformity ") and "Posterior spinal fusion" in x for x in lines)


def test_show_by_id_prints_resolved_toml() -> None:
    """`show ID` prints every resolved value as TOML that loads back."""
    status, out, _ = run("show", "lumbar-instrumentation")
    assert status == 0
    assert "threshold_window = 20" in out
    assert 'name = "threshold_low_alarm"' in out
    assert loads(out).id == "lumbar-instrumentation"


def test_show_unknown_id_suggests_the_closest() -> None:
    """An unknown id exits 2 with a did-you-mean."""
    status, _, err = run("show", "thyroidectomie")
    assert status == 2
    assert 'did you mean "thyroidectomy"?' in err


def test_show_invalid_file_lists_its_problems() -> None:
    """`show` on an invalid file prints the problems (to stderr) and exits 2."""
    status, out, err = run("show", str(DATA / "bad_percentage.toml"))
    assert status == 2
    assert out == ""
    assert "1 problem" in err
    assert "found 120" in err


def test_check_valid_files_exit_0() -> None:
    """All valid: exit 0 and one ok line per file."""
    status, out, _ = run("check", str(DATA / "good_minimal.toml"), "spine-deformity")
    assert status == 0
    assert out.count(": ok — ") == 2


def test_check_reports_every_problem_per_file_and_exits_2() -> None:
    """Every problem of every file, each as FILE:LINE: KEY: MESSAGE; exit 2."""
    status, out, _ = run(
        "check",
        str(DATA / "bad_many_problems.toml"),
        str(DATA / "good_minimal.toml"),
        str(DATA / "bad_not_toml.toml"),
    )
    assert status == 2
    assert "bad_many_problems.toml: 4 problems" in out
    assert f"{DATA / 'bad_many_problems.toml'}:36: " in out
    assert "good_minimal.toml: ok" in out
    assert "bad_not_toml.toml: 1 problem" in out


def test_check_with_stream_labels_runs_the_stream_checks() -> None:
    """--stream-labels/--sfreq add the stream checks: a missing label fails with exit 2."""
    good = str(DATA / "good_minimal.toml")
    status, out, _ = run(
        "check", good, "--stream-labels", "C4p,Fz,C5S,FPz,APB_L", "--sfreq", "5000"
    )
    assert status == 0
    assert "fits the stream (5 channels, 5000 Hz)" in out
    status, out, _ = run("check", good, "--stream-labels", "C4p,Fz,C5S,FPz", "--sfreq", "5000")
    assert status == 2
    assert 'the stream has no channel "APB_L"' in out
    status, _, err = run("check", good, "--sfreq", "5000")
    assert status == 2
    assert "together" in err


def test_no_action_is_an_error() -> None:
    """`ionm-tui profiles` alone exits 2 and says what to choose."""
    status, _, err = run()
    assert status == 2
    assert "list, show or check" in err


@pytest.mark.parametrize("name", ["nope.toml", "no-such-profile"])
def test_check_missing_profile_exits_2(name: str) -> None:
    """A missing file or id is reported, not raised."""
    status, out, _ = run("check", name)
    assert status == 2
    assert name in out
