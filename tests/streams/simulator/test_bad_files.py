"""Bad scenario files give a StreamError naming the file, the key and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from ionm_tui.errors import StreamError
from ionm_tui.streams.simulator import UnknownScenarioError, load_scenario, read_scenario

HEAD = '[scenario]\nprofile = "spine-deformity"\nduration = "10:00"\n'
EVENT = '[[event]]\nat = "05:00"\nkind = "response"\ntests = ["ssep-ll-l"]\namplitude_pct = -60\n'


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("this is [not toml", "", "not valid TOML"),
        (HEAD.replace("spine-deformity", "spine"), "scenario.profile", "spine-deformity"),
        (HEAD.replace('"10:00"', '"ten minutes"'), "scenario.duration", "mm:ss"),
        (HEAD + "mains_hz = 55\n", "scenario.mains_hz", "50 or 60"),
        (HEAD + "[signal]\neeg_uvv = 3\n", "signal.eeg_uvv", "did you mean 'eeg_uv'"),
        (HEAD + "[stimulation]\nssep_rate_hz = 10\n", "stimulation.ssep_rate_hz", "sub-harmonic"),
        (HEAD + EVENT.replace('"response"', '"explosion"'), "event[1].kind", "response"),
        (HEAD + EVENT.replace('"05:00"', '"11:00"'), "event[1].at", "beyond the scenario"),
        (HEAD + EVENT.replace("ssep-ll-l", "ssep-lt"), "event[1].tests", "ssep-ll-l"),
        (HEAD + EVENT.replace("amplitude_pct = -60", "amplitude = -60"), "event[1].amplitude",
         "amplitude_pct"),
        (HEAD + EVENT.replace("-60", '"lots"'), "event[1].amplitude_pct", "a number"),
        (HEAD + '[[event]]\nat = 60\nkind = "electrode_off"\nchannels = ["C9"]\n',
         "event[1].channels", "no channel 'C9'"),
        (HEAD + '[[event]]\nat = 60\nkind = "cautery"\n', "event[1].duration", "missing"),
        (HEAD + '[[event]]\nat = 590\nkind = "cautery"\nduration = 20\n', "event[1].at", "beyond"),
        (HEAD + '[[event]]\nat = 60\nkind = "neurotonic_train"\nchannels = ["Cz"]\nduration = 2\n',
         "event[1].channels", "not a muscle channel"),
        (HEAD + '[[event]]\nat = 60\nkind = "screw_test"\nsite = "L4_L"\n', "event[1].kind",
         "no triggered-EMG"),
        (HEAD + '[[event]]\nat = 60\nkind = "loss"\ntests = ["emg-ta-l"]\n', "event[1].tests",
         "neurotonic_train"),
    ],
)  # fmt: skip
def test_bad_file_is_explained(tmp_path: Path, text: str, key: str, expected: str) -> None:
    """Each broken file raises StreamError naming the file, the key and the expectation."""
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StreamError) as info:
        read_scenario(path)
    message = info.value.message
    assert str(path) in message
    assert f"'{key}'" in message or not key
    assert expected in message


def test_unknown_scenario_lists_the_shipped_ones() -> None:
    """An unknown name raises UnknownScenarioError listing every shipped scenario."""
    with pytest.raises(UnknownScenarioError) as info:
        load_scenario("no-such-scenario")
    assert "demo" in info.value.message
    assert "stable-spine" in info.value.message


def test_scenario_file_by_path(tmp_path: Path) -> None:
    """A valid file loads by path; its name defaults to the file stem and times parse."""
    path = tmp_path / "my-case.toml"
    path.write_text(HEAD + EVENT, encoding="utf-8")
    sc = load_scenario(path)
    assert sc.name == "my-case"
    assert sc.duration_s == 600.0
    assert sc.events[0].at_s == 300.0
    assert sc.events[0].params["amplitude_pct"] == -60.0
