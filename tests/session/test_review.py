"""Review: a case's records turned back into the engine's snapshots at any moment, read-only."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import orjson
import pytest
from review_case import (
    FS,
    HOSTILE,
    LAG_S,
    PROFILE,
    T0,
    TEST,
    TIMES_MS,
    case_records,
    point,
    wave,
    write_case,
)

from ionm_tui.cli import main
from ionm_tui.commands.review import parse_case_time
from ionm_tui.engine import (
    AlertEvent,
    AnnotationRecord,
    AverageRecord,
    BaselineRecord,
    design_bandpass,
    zero_phase,
)
from ionm_tui.errors import ProfileError, SessionError
from ionm_tui.session.case import load_profile
from ionm_tui.session.results import dumps, header
from ionm_tui.session.review import ReviewCase, find_results
from ionm_tui.session.review_index import read_index


def at(seconds: float) -> float:
    """When an update of stimulus time T0 + ``seconds`` showed: once its sweep window (to 60 ms)
    had passed; records after it in the file show no earlier."""
    return T0 + seconds + LAG_S


@pytest.fixture
def case(tmp_path: Path) -> ReviewCase:
    return ReviewCase.open(write_case(tmp_path / "results.jsonl", case_records()))


def test_snapshot_at_the_end_is_the_final_state(case: ReviewCase) -> None:
    snap = case.snapshot_at(math.inf)
    assert snap.t == pytest.approx(at(91.0))  # the newest record, once shown
    view = next(v for v in snap.tests if v.spec.id == TEST)
    assert view.latest is not None
    assert view.latest.seq == 9
    assert view.trend_t.tolist() == [T0 + 10.0 * s for s in range(1, 10)]
    assert view.accepted == 900
    assert view.rejected == (("peak_to_peak", 9),)
    assert view.baseline == "auto"
    assert set(view.baselines) == {"auto", "post-exposure"}
    assert len(view.waterfall) == 9  # fewer than the profile's waterfall depth
    assert [a.seq for a in view.waterfall] == list(range(1, 10))
    assert snap.alerts == ()  # cleared at +90
    assert snap.quality.gaps == 1


def test_average_is_band_passed_as_the_engine_measured_it(case: ReviewCase) -> None:
    """Unfiltered values in the file; the view shows them through the test's band-pass."""
    view = next(v for v in case.snapshot_at(at(30.0)).tests if v.spec.id == TEST)
    spec = load_profile(PROFILE).test(TEST)
    expected = zero_phase(design_bandpass(spec.bandpass_hz, FS), wave(3))
    assert view.average_uv is not None
    np.testing.assert_allclose(view.average_uv, expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(view.waterfall[-1].values_uv, wave(3), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(view.times_ms, TIMES_MS)


def test_non_finite_samples_come_back_as_nan(case: ReviewCase) -> None:
    view = next(v for v in case.snapshot_at(at(20.0)).tests if v.spec.id == TEST)
    assert math.isnan(view.waterfall[-1].values_uv[10, 2])


def test_alerts_replay_raised_confirmed_acknowledged_cleared(case: ReviewCase) -> None:
    def active(t: float) -> list[tuple[str, str, bool]]:
        return [(a.state, a.priority, a.acknowledged) for a in case.snapshot_at(at(t)).alerts]

    assert active(49.0) == []
    assert active(50.0) == [("raised", "low", False)]  # unconfirmed alerts are low priority
    assert active(60.0) == [("confirmed", "high", False)]
    assert active(66.0) == [("confirmed", "high", True)]
    assert active(89.9) == [("confirmed", "high", True)]
    assert active(90.0) == []


def test_baselines_in_force_and_their_waveforms(case: ReviewCase) -> None:
    def view(t: float):
        return next(v for v in case.snapshot_at(at(t)).tests if v.spec.id == TEST)

    early = view(15.0)
    assert early.baseline == "auto"
    assert early.baselines == ("auto",)
    mid = view(45.0)
    assert mid.baseline == "post-exposure"
    assert mid.baseline_uv is not None
    spec = load_profile(PROFILE).test(TEST)
    sos = design_bandpass(spec.bandpass_hz, FS)
    np.testing.assert_allclose(mid.baseline_uv, zero_phase(sos, wave(3)), atol=1e-9)
    late = view(75.0)
    assert late.baseline == "auto"
    np.testing.assert_allclose(late.baseline_uv, zero_phase(sos, wave(1)), atol=1e-9)


def test_before_the_first_update_views_are_empty_but_present(case: ReviewCase) -> None:
    snap = case.snapshot_at(T0)  # clamped to the first update
    assert snap.t == pytest.approx(at(10.0))
    assert len(snap.tests) == len(load_profile(PROFILE).tests)
    emg = next(v for v in snap.tests if v.spec.id.startswith("emg"))
    assert emg.latest is None
    assert emg.average_uv is None
    assert emg.trend_t.size == 0


def test_cursor_steps(case: ReviewCase) -> None:
    end = case.clamp(math.inf)
    assert end == pytest.approx(at(91.0))
    # Back from the end: the update before the one on show (+90 is on show).
    assert case.step(end, "update", -1, TEST) == pytest.approx(at(80.0))
    assert case.step(at(80.0), "update", 1, TEST) == pytest.approx(at(90.0))
    assert case.step(at(90.0), "update", 1, TEST) == pytest.approx(at(90.0))  # no further
    assert case.step(at(10.0), "update", -1, TEST) == pytest.approx(at(10.0))  # none before
    assert case.step(at(10.0), "update", 1) == pytest.approx(at(11.0))  # any test: ssep-ul-r
    # Events: alert transitions and annotations, not baselines or quality.
    assert case.step(end, "event", -1) == pytest.approx(at(90.0))
    assert case.step(at(90.0), "event", -1) == pytest.approx(T0 + 65.0)  # a command: no lag
    assert case.step(at(10.0), "event", 1) == pytest.approx(T0 + 40.0)  # the note
    assert case.step(at(40.0), "event", 2) == pytest.approx(at(60.0))
    assert case.step(T0 + 30.0, "minutes", 5) == end
    assert case.step(T0 + 30.0, "minutes", -5) == pytest.approx(at(10.0))
    assert case.step(T0 + 50.0, "start") == pytest.approx(at(10.0))
    assert case.step(T0 + 50.0, "end") == end
    with pytest.raises(ValueError, match="how must be one of"):
        case.step(T0, "sideways")


def test_events_until_and_annotation_kept_literally(case: ReviewCase) -> None:
    events = case.events_until(T0 + 45.0)
    notes = [e for e in events if isinstance(e, AnnotationRecord)]
    assert [n.text for n in notes] == [HOSTILE]
    assert all(e.t <= T0 + 45.0 for e in events)
    assert len(case.events_until(math.inf, limit=3)) == 3
    assert [e.state for e in case.alert_events_until(T0 + 70.0, TEST)] == [
        "raised",
        "confirmed",
        "acknowledged",
    ]


def test_crashed_journal_torn_last_line_is_skipped(tmp_path: Path) -> None:
    """A console killed mid-write leaves half a line: review shows everything before it."""
    path = write_case(tmp_path / "journal.jsonl", case_records(), torn='{"type":"average","t":')
    case = ReviewCase.open(tmp_path)  # a case folder: its journal.jsonl
    assert case.notes == []
    view = next(v for v in case.snapshot_at(math.inf).tests if v.spec.id == TEST)
    assert view.latest is not None
    assert view.latest.seq == 9
    assert path.name == "journal.jsonl"


def test_bad_lines_in_the_middle_are_skipped_and_named(tmp_path: Path) -> None:
    recs = [dumps(r) for r in case_records()]
    recs[3] = "this is not json"
    recs[5] = '{"type":"alert","test":"ssep-ul-l","state":"raised","priority":"urgent"}'
    head = dumps(header(profile=PROFILE, source="test"))
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join([head, *recs]) + "\n", encoding="utf-8")
    case = ReviewCase.open(path)
    assert any("line 5 skipped: not JSON" in n for n in case.notes)
    assert any("line 7 skipped" in n and "urgent" in n for n in case.notes)
    assert case.snapshot_at(math.inf).tests  # the rest still shows


def test_records_of_tests_not_in_the_profile_are_named(tmp_path: Path) -> None:
    recs = [*case_records(), point("no-such-test", 1, T0 + 5.0, 1.0, None, "auto")]
    case = ReviewCase.open(write_case(tmp_path / "r.jsonl", recs))
    assert any("'no-such-test'" in n and PROFILE in n for n in case.notes)


def test_profile_stored_in_header_wins_over_installed(tmp_path: Path) -> None:
    text = (load_profile(PROFILE).source and Path(load_profile(PROFILE).source).read_text()) or ""
    text = text.replace('label = "Left median SSEP"', 'label = "Stored label"')
    head = header(profile="not-installed", source="t", extra={"profile_toml": text})
    path = tmp_path / "r.jsonl"
    path.write_text(
        "\n".join([dumps(head), *(dumps(r) for r in case_records())]) + "\n", encoding="utf-8"
    )
    case = ReviewCase.open(path)
    assert case.profile.test(TEST).label == "Stored label"


def test_missing_profile_says_how_to_give_one(tmp_path: Path) -> None:
    path = write_case(tmp_path / "r.jsonl", case_records(), profile="not-installed")
    with pytest.raises(SessionError, match=r"not-installed.*--profile"):
        ReviewCase.open(path)
    case = ReviewCase.open(path, PROFILE)  # --profile fixes it
    assert case.profile.id == PROFILE
    with pytest.raises(ProfileError):
        ReviewCase.open(path, tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d, "no journal.jsonl or results.jsonl"),
        (lambda d: d / "nope", "does not exist"),
        (lambda d: (d / "case.xdf").write_bytes(b"XDF:") and d / "case.xdf", "analyze"),
    ],
)
def test_nothing_reviewable_is_explained(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(SessionError, match=message):
        find_results(make(tmp_path))


def test_folder_with_only_a_recording_suggests_analyze(tmp_path: Path) -> None:
    (tmp_path / "recording.xdf").write_bytes(b"XDF:")
    with pytest.raises(SessionError, match=r"ionm-tui analyze .*recording\.xdf"):
        find_results(tmp_path)


def test_not_a_results_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(SessionError, match="holds no ionm-tui records"):
        read_index(path)


def test_average_changed_under_review_is_a_clear_error(tmp_path: Path) -> None:
    path = write_case(tmp_path / "r.jsonl", case_records())
    index = read_index(path)
    ref = index.averages[TEST][0]
    path.write_text("", encoding="utf-8")
    with pytest.raises(SessionError, match="changed while it was open"):
        index.average(ref)


def test_index_reads_average_heads_without_parsing_them(tmp_path: Path) -> None:
    """The fast path (a regular expression on the line's start) agrees with a full parse."""
    path = write_case(tmp_path / "r.jsonl", case_records())
    index = read_index(path)
    refs = index.averages[TEST]
    assert [(r.seq, r.t) for r in refs] == [(s, T0 + 10.0 * s) for s in range(1, 10)]
    for ref in refs:
        avg = index.average(ref)
        assert (avg.test, avg.seq, avg.t) == (ref.test, ref.seq, ref.t)


@pytest.mark.parametrize(
    ("text", "seconds"), [("01:02:03", 3723.0), ("2:30", 150.0), ("45", 45.0), ("0:00.5", 0.5)]
)
def test_case_time_forms(text: str, seconds: float) -> None:
    assert parse_case_time(text) == seconds


@pytest.mark.parametrize("text", ["", "1:2:3:4", "ten", "-5", "1:-2", "nan", "inf"])
def test_bad_case_time_is_named(text: str) -> None:
    with pytest.raises(ValueError, match="--at"):
        parse_case_time(text)


def test_cli_explains_what_it_cannot_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    path = write_case(tmp_path / "results.jsonl", case_records())
    assert main(["review", str(path), "--at", "ten"]) == 2
    assert "--at 'ten'" in capsys.readouterr().err


# --- hostile and odd files (found in review) -----------------------------------------------------


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_a_bad_average_is_skipped_with_a_note_not_fatal(tmp_path: Path) -> None:
    """The index reads only an average's head: a bad body shows up when it is read back."""
    path = write_case(tmp_path / "r.jsonl", case_records())
    lines = _lines(path)
    i = next(i for i, x in enumerate(lines) if x.startswith('{"type":"average"') and '"seq":5' in x)
    d = orjson.loads(lines[i])
    d["values_uv"] = d["values_uv"][:-1]  # one row short
    lines[i] = orjson.dumps(d).decode()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    case = ReviewCase.open(path)
    view = next(v for v in case.snapshot_at(at(50.0)).tests if v.spec.id == TEST)
    assert view.latest is not None
    assert view.latest.seq == 5
    assert view.average_uv is None
    assert [a.seq for a in view.waterfall] == [1, 2, 3, 4]
    assert any("average 5 of ssep-ul-l not shown" in n and "values_uv" in n for n in case.notes)


@pytest.mark.parametrize(
    ("record", "why"),
    [
        ({"type": "trend", "test": TEST, "seq": 99, "t": 1.0, "peaks": [1, 2]}, "skipped"),
        ({"type": "trend", "test": TEST, "seq": 99, "t": 1.0, "values": [1]}, "skipped"),
        ({"type": "quality", "t": 1.0, "kind": "gap", "test": [1]}, "expected a string"),
        (
            {"type": "average", "t": 1.0, "test": TEST, "seq": 99, "times_ms": [[0, 1], [1, 2]],
             "channels": ["a", "b"], "values_uv": [[0, 1], [1, 2]]},
            "times_ms",
        ),
        ({"type": "alert", "t": 1.0, "test": TEST, "criterion": "x", "state": "raised",
          "priority": 3}, "priority"),
    ],
)  # fmt: skip
def test_malformed_records_are_named_and_skipped(tmp_path: Path, record: dict, why: str) -> None:
    path = write_case(tmp_path / "r.jsonl", case_records())
    lines = _lines(path)
    lines.insert(3, orjson.dumps(record).decode())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    case = ReviewCase.open(path)
    snap = case.snapshot_at(math.inf)
    for v in snap.tests:  # every view can be drawn: no odd arrays reach it
        assert v.times_ms.ndim == 1
    if record["type"] == "average":  # the fast index path: caught when read back
        case.snapshot_at(T0)
        return
    assert any("line 4 skipped" in n and why in n for n in case.notes), case.notes


def test_stream_record_with_a_string_time_is_ignored(tmp_path: Path) -> None:
    path = write_case(tmp_path / "r.jsonl", case_records())
    lines = _lines(path)
    lines[1] = orjson.dumps({"type": "stream", "t": "0", "kind": "data"}).decode()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    case = ReviewCase.open(path)
    assert math.isfinite(case.case_start_t)


def test_baseline_waveform_is_the_update_written_before_the_capture(tmp_path: Path) -> None:
    """A late update (stimulus before the capture, written after it) must not become the
    captured baseline, even though it shows at the same moment."""
    recs: list[object] = []
    chans = ("C4p-Fz", "C5S-FPz", "EpL-EpR")
    for seq, t in ((1, 10.0), (2, 20.0)):
        recs += [
            AverageRecord(TEST, seq, T0 + t, TIMES_MS, chans, wave(seq), wave(seq), 200.0, "ewma"),
            point(TEST, seq, T0 + t, 5.0 / seq, None, "auto"),
        ]
    recs.append(BaselineRecord(TEST, "post", "captured", T0 + 30.0, 2.5, 19.2))
    recs += [
        AverageRecord(TEST, 3, T0 + 29.99, TIMES_MS, chans, wave(3), wave(3), 200.0, "ewma"),
        point(TEST, 3, T0 + 29.99, 1.0, None, "post"),
    ]
    case = ReviewCase.open(write_case(tmp_path / "r.jsonl", recs))
    view = next(v for v in case.snapshot_at(math.inf).tests if v.spec.id == TEST)
    assert view.baseline == "post"
    sos = design_bandpass(load_profile(PROFILE).test(TEST).bandpass_hz, FS)
    np.testing.assert_allclose(view.baseline_uv, zero_phase(sos, wave(2)), atol=1e-9)


def test_gap_counts_once_the_data_resume(case: ReviewCase) -> None:
    assert case.snapshot_at(T0 + 58.0).quality.gaps == 0  # the console did not know yet
    assert case.snapshot_at(T0 + 59.0).quality.gaps == 1


def test_note_before_the_first_sample_goes_to_the_start(tmp_path: Path) -> None:
    recs = [AnnotationRecord(-math.inf, "patient in room", ()), *case_records()]
    case = ReviewCase.open(write_case(tmp_path / "r.jsonl", recs))
    t, note = case.marks()[0]
    assert isinstance(note, AnnotationRecord)
    assert case.clamp(t) == case.start_t


def test_alerts_of_tests_not_in_the_profile_are_left_out_and_named(tmp_path: Path) -> None:
    ev = AlertEvent("nope", "amplitude_drop", "raised", "low", T0 + 20, T0 + 20, 1.0, 2.0,
                    -50.0, 50.0, "auto", "x", "amplitude_uv")  # fmt: skip
    case = ReviewCase.open(write_case(tmp_path / "r.jsonl", [*case_records(), ev]))
    assert all(a.test != "nope" for a in case.snapshot_at(math.inf).alerts)
    assert any("'nope'" in n for n in case.notes)
