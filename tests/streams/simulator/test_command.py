"""The ``ionm-tui simulate`` glue: --list, --truth, --xdf and unknown scenarios."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from ionm_tui.streams.simulator import command, list_scenarios


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ionm-tui simulate")
    command.configure(parser)
    return command.run(parser.parse_args(argv))


def test_list_prints_name_profile_description(capsys: pytest.CaptureFixture[str]) -> None:
    """--list prints one scenario per line: name, profile=ID, then the description."""
    assert _run(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    infos = list_scenarios()
    assert len(lines) == len(infos)
    for line, info in zip(lines, infos, strict=True):
        name, profile, *rest = line.split()
        assert (name, profile) == (info.name, f"profile={info.profile}")
        assert " ".join(rest) == info.description


def test_truth_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--truth prints the ground truth document as JSON."""
    assert _run(["thyroid-lost-signal", "--truth"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["profile"] == "thyroidectomy"
    assert any(e["kind"] == "loss" and e["tests"] == ["vagus-l"] for e in doc["events"])


def test_unknown_scenario_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown scenario exits 2 with a message listing the shipped ones."""
    assert _run(["nope"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err
    assert "demo" in err
    assert "Traceback" not in err


def test_bad_file_exits_1_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken scenario file exits 1 and says which file and key."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nprofile = "x"\nduration = 5\n', encoding="utf-8")
    assert _run([str(bad), "--truth"]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err
    assert "scenario.profile" in err


def test_xdf_writes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--duration and --xdf write the file and print where and how big."""
    out = tmp_path / "case.xdf"
    assert _run(["thyroid-lost-signal", "--duration", "00:03", "--xdf", str(out)]) == 0
    text = capsys.readouterr().out
    assert out.exists()
    assert str(out) in text
    assert "MB" in text
    assert _run(["thyroid-lost-signal", "--duration", "3", "--xdf", str(out)]) == 1  # exists
    assert _run(["thyroid-lost-signal", "--duration", "3", "--xdf", str(out), "--overwrite"]) == 0
