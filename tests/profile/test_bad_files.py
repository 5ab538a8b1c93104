"""One bad profile per failure mode: each names the file, the dotted key, the line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ionm_tui.errors import ProfileError
from ionm_tui.profile import InvalidProfile, check_file, load
from ionm_tui.profile.problems import Problem

DATA = Path(__file__).resolve().parents[1] / "data" / "profiles"

# file → (dotted key, line, words the message must contain)
CASES: dict[str, tuple[str, int | None, tuple[str, ...]]] = {
    "bad_not_toml.toml": ("", 2, ("this is not valid TOML", "column 1")),
    "bad_wrong_type.toml": (
        'test "ssep-ul-l".average.sweeps',
        18,
        ("expected a whole number of sweeps", 'found text "200"', "remove the quotes"),
    ),
    "bad_negative_window.toml": (
        'test "ssep-ul-l".window_ms',
        16,
        ("ends at -10 ms, at or before the stimulus (0 ms)", "must end after 0"),
    ),
    "bad_inverted_window.toml": (
        'test "ssep-ul-l".window_ms',
        16,
        ("the start (60 ms) must come before the end (-10 ms)", "did you mean [-10, 60]?"),
    ),
    "bad_percentage.toml": (
        'test "ssep-ul-l".alert.amplitude_drop_pct',
        25,
        ("expected a number of %", "at most 100", "found 120"),
    ),
    "bad_nyquist.toml": (
        'test "ssep-ul-l".bandpass_hz',
        19,
        ("1500 Hz is not below Nyquist (1000 Hz, half the stream's 2000 Hz)",),
    ),
    "bad_duplicate_id.toml": (
        'test "mep-apb-l".id',
        39,
        ('duplicate test id "mep-apb-l"', "test #2 (line 28) already uses it"),
    ),
    "bad_marker_conflict.toml": (
        'test "mep-ta-l".window_ms',
        43,
        (
            'conflicts with test "mep-apb-l" (line 27)',
            'shares marker "TCMEP_L"',
            "window_ms = [-10, 100]",
            "found [-10, 95]",
        ),
    ),
    "bad_unknown_key.toml": (
        'test "ssep-ul-l".alert.amplitude_drop_pc',
        25,
        ('unknown key "amplitude_drop_pc"', 'did you mean "amplitude_drop_pct"?'),
    ),
    "bad_missing_required.toml": (
        'test "ssep-ul-l".marker',
        11,
        ('missing required key "marker"', 'e.g. marker = "SSEP_LL_L"'),
    ),
    "bad_peak_outside_window.toml": (
        'test "ssep-ul-l".peaks "P25".search_ms',
        22,
        ("search_ms [55, 70] ms lies outside window_ms [-10, 60] ms",),
    ),
    "bad_unknown_modality.toml": (
        'test "ssep-ul-l".modality',
        13,
        ('found text "sep"', 'did you mean "ssep"?'),
    ),
    "bad_key_of_other_modality.toml": (
        'test "ssep-ul-l".response_ms',
        18,
        ("is not used here: it belongs to single-sweep (tcmep, temg, nerve) tests",),
    ),
    "bad_alert_without_criterion.toml": (
        'test "mep-apb-l".alert',
        36,
        ("sets no criterion", "write alert = false"),
    ),
    "bad_warn_alarm_order.toml": (
        'test "temg-ta-l".alert.threshold_below_ma.alarm',
        46,
        ("alarm (8) must lie below warn (4)",),
    ),
    "bad_threshold_unit.toml": (
        'test "temg-ta-l".alert.threshold_rise_v',
        46,
        ("intensities are in mA", 'use "threshold_rise_ma"'),
    ),
    "bad_latency_without_peaks.toml": (
        'test "ssep-ul-l".alert.latency_rise_pct',
        20,
        ("a latency criterion needs at least one peak",),
    ),
    "bad_window_exceeds_buffer.toml": (
        'test "mep-apb-l".window_ms',
        35,
        ("spans 110 ms", "keeps only 0.08 s of data (engine.buffer_s)"),
    ),
    "bad_baseline_after_stimulus.toml": (
        'test "ssep-ul-l".baseline_ms',
        18,
        ("must end at or before the stimulus (0 ms)",),
    ),
    "bad_defaults_shared.toml": (
        "defaults.tcmep.present_uv",
        15,
        ("expected a number of µV, more than 0", "found -50"),
    ),
    "bad_no_marker_stream.toml": (
        "streams",
        7,
        ('tests "ssep-ul-l", "mep-apb-l" are started by stimulus markers', "[streams.markers]"),
    ),
    "bad_single_test_table.toml": ("test", 11, ("write [[test]] (double brackets)",)),
    "bad_generic_quantity.toml": (
        'test "mep-apb-l".alert.criterion "area_drop".quantity',
        42,
        ('"area_uv" is not a quantity', 'did you mean "area_uvms"?'),
    ),
    "bad_channel_expression.toml": (
        'test "ssep-ul-l".channels',
        15,
        ('"C4p--Fz" is not a channel expression',),
    ),
}


def _problems(name: str) -> tuple[Problem, ...]:
    profile, problems = check_file(DATA / name)
    assert profile is None
    return problems


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_names_file_key_line_and_fix(name: str) -> None:
    """Each seeded mistake is the file's only problem, located and worded for a technologist."""
    key, line, words = CASES[name]
    problems = _problems(name)
    assert len(problems) == 1, "\n".join(map(str, problems))
    p = problems[0]
    assert p.file == str(DATA / name)
    assert (p.key, p.line) == (key, line)
    for w in words:
        assert w in p.message, f"{w!r} not in {p.message!r}"
    assert str(p).startswith(f"{DATA / name}:{line}: ")


def test_every_bad_file_has_a_case() -> None:
    """No bad_*.toml sits in tests/data/profiles without its assertions."""
    files = {p.name for p in DATA.glob("bad_*.toml")}
    own_tests = {"bad_stream_lacks_channel.toml", "bad_many_problems.toml"}
    assert files - set(CASES) == own_tests


def test_many_problems_are_reported_at_once_in_file_order() -> None:
    """Four mistakes in one file give four problems, sorted by line."""
    problems = _problems("bad_many_problems.toml")
    assert [(p.key, p.line) for p in problems] == [
        ('test "ssep-ul-l".average.sweeps', 18),
        ('test "ssep-ul-l".alert.amplitude_drop_pct', 25),
        ('test "mep-apb-l".window_ms', 32),
        ('test "mep-apb-l".alert.los_of_response', 36),
    ]
    assert 'did you mean "loss_of_response"?' in problems[3].message


def test_load_raises_profile_error_holding_every_problem() -> None:
    """The console never starts with a half-valid profile: load raises with all problems."""
    with pytest.raises(ProfileError) as info:
        load(DATA / "bad_many_problems.toml")
    err = info.value
    assert isinstance(err, InvalidProfile)
    assert len(err.problems) == 4
    assert err.message.startswith("4 problems in the profile:")
    assert "found 120" in err.message


def test_stream_lacking_a_channel_names_it_and_lists_the_stream() -> None:
    """The file is valid; attaching a stream without C4p names the label and lists the stream's."""
    profile = load(DATA / "bad_stream_lacks_channel.toml")
    labels = ("C3p", "Fz", "C5S", "FPz", "APB_L")
    problems = profile.check_stream(labels, 5000.0)
    assert len(problems) == 1
    p = problems[0]
    assert (p.key, p.line) == ('test "ssep-ul-l".channels #1', 15)
    assert 'channel "C4p-Fz": the stream has no channel "C4p"' in p.message
    assert 'did you mean "C3p"?' in p.message
    assert "the stream has: C3p, Fz, C5S, FPz, APB_L" in p.message
    with pytest.raises(InvalidProfile, match='no channel "C4p"'):
        profile.engine_spec(labels, 5000.0)


def test_stream_rate_checks_use_the_actual_rate() -> None:
    """A 1 kHz stream puts the 1000 Hz band-pass edge above Nyquist: named with file and line."""
    profile = load(DATA / "good_minimal.toml")
    labels = ("C4p", "Fz", "C5S", "FPz", "APB_L")
    assert profile.check_stream(labels, 5000.0) == ()
    problems = profile.check_stream(labels, 1000.0)
    assert [(p.key, p.line) for p in problems] == [('test "ssep-ul-l".bandpass_hz', 19)]
    assert "1000 Hz is not below Nyquist (500 Hz" in problems[0].message


def test_missing_and_unreadable_files(tmp_path) -> None:
    """A missing file and a binary file are problems too, never tracebacks."""
    _, problems = check_file(tmp_path / "nope.toml")
    assert [p.message for p in problems] == ["no such file"]
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"[profile]\n\xff\xfe\x00")
    _, problems = check_file(binary)
    assert problems[0].line == 2
    assert "not a text file" in problems[0].message
