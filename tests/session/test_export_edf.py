"""EDF+ export: one file per test, one data record per average, annotations at their records.

Every file is read back with pyedflib (and MNE when it is installed): samples within ½ LSB of the
JSON, record duration and sample rate from ``times_ms``, labels, header, annotations at the right
onsets with the right text, and hostile user text that cannot break the file.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyedflib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ionm_tui.cli import main
from ionm_tui.engine import AlertEvent, AnnotationRecord, AverageRecord, BaselineRecord
from ionm_tui.errors import SessionError
from ionm_tui.session.analyze import analyze
from ionm_tui.session.export_edf import ANNOTATION_BYTES, clean_text, export_edf, pieces
from ionm_tui.session.results import dumps, header
from ionm_tui.streams.simulator import load_scenario, write_xdf

T0 = 1000.0
SSEP_CHANNELS = ("CPz-FPz", "Fpz-(M1+M2)/2 linked", "Fpz-(M1+M2)/2 linked-b", "Cz’-Fz")
SSEP_TIMES = np.round(np.arange(551) * 0.2 - 10.0, 10)  # 5 kHz, -10 … 100 ms
HOSTILE = (
    "\x1b]0;owned\x07\x1b[31mred\x1b[0m line1\nline2\r\ttab x\x14y\x15z\x00w 50 µV "
    + "\u202eevil\u200b "
    + "long " * 100
)


def _wave(seed: int, n: int, n_ch: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 2.0, size=(n, n_ch)) + np.linspace(-1.0, 3.0, n_ch)


def _average(test: str, seq: int, t: float, times: np.ndarray, channels: tuple[str, ...]):
    values = _wave(seq, len(times), len(channels))
    return AverageRecord(test, seq, t, times, channels, values, values * 0.1, 60.0 * seq, "ewma")


def _alert(test: str, t: float, message: str) -> AlertEvent:
    return AlertEvent(
        test, "amplitude_drop", "confirmed", "high", t, t - 20.0, 0.5, 1.5, -66.7, 50.0, "auto",
        message, "amplitude_uv",
    )  # fmt: skip


def _synthetic(tmp: Path) -> Path:
    """A small results file: an SSEP test (4 channels, averages out of order, one NaN), a MEP test
    at 4.8 kHz whose window changes once, notes, alerts and a baseline."""
    nan_avg = _average("ssep-ll-l", 3, T0 + 180.0, SSEP_TIMES, SSEP_CHANNELS)
    nan_avg.values_uv.flags.writeable = True
    nan_avg.values_uv[5, 1] = np.nan
    mep_times = np.arange(529) / 4.8 - 10.0  # 529 samples at 4.8 kHz: 110.2083… ms
    mep_times2 = np.arange(481) / 4.8 - 10.0
    records: list[object] = [
        header(profile="spine-deformity", source="secret-patient-name.xdf")
        | {"created": "2024-05-01T12:34:56+00:00"},
        {
            "type": "stream", "t": T0, "name": "amp", "kind": "data", "source_id": "a",
            "hostname": "h", "sfreq_hz": 5000.0, "channels": ["CPz"], "units": ["uV"],
        },
        AnnotationRecord(T0 + 5.0, "prone", ("positioning",)),
        _average("ssep-ll-l", 2, T0 + 120.0, SSEP_TIMES, SSEP_CHANNELS),
        _average("ssep-ll-l", 1, T0 + 60.0, SSEP_TIMES, SSEP_CHANNELS),
        BaselineRecord("ssep-ll-l", "auto", "captured", T0 + 60.0, 1.5, 38.0),
        _alert("ssep-ll-l", T0 + 130.0, "ssep-ll-l: confirmed: amplitude, 0.50 µV"),
        _alert("mep-ta-l", T0 + 131.0, "mep-ta-l: not for the SSEP file"),
        nan_avg,
        AnnotationRecord(T0 + 200.0, HOSTILE, ("bolus", "bp_drop")),
        _average("ssep-ll-l", 4, T0 + 240.0, SSEP_TIMES, SSEP_CHANNELS),
        _average("mep-ta-l", 1, T0 + 61.0, mep_times, ("TA_L",)),
        _average("mep-ta-l", 2, T0 + 121.0, mep_times, ("TA_L",)),
        _average("mep-ta-l", 3, T0 + 181.0, mep_times2, ("TA_L",)),
        _average("a/b c", 1, T0 + 62.0, SSEP_TIMES, ("CPz-FPz",)),
    ]  # fmt: skip
    path = tmp / "results.jsonl"
    path.write_text("".join(dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    tmp = tmp_path_factory.mktemp("edf")
    src = _synthetic(tmp)
    return src, export_edf(src, tmp / "edf")


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """30 s of the thyroid scenario through ``analyze`` (60 single-sweep averages), exported."""
    tmp = tmp_path_factory.mktemp("analysed")
    write_xdf(load_scenario("thyroid-lost-signal"), tmp / "case.xdf", duration_s=30.0)
    res = analyze(tmp / "case.xdf", "thyroidectomy", tmp / "out")
    return res.results, export_edf(res.results, tmp / "edf")


def _json_averages(src: Path, test: str) -> list[dict]:
    recs = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines()]
    avgs = [r for r in recs if r["type"] == "average" and r["test"] == test]
    return sorted(avgs, key=lambda r: r["t"])


def _values(avg: dict) -> np.ndarray:
    return np.nan_to_num(np.asarray(avg["values_uv"], dtype=np.float64), nan=0.0)


def _records(reader: object, n_times: int) -> Iterator[np.ndarray]:
    """(records, n_times, n_signals) physical samples of an open EdfReader."""
    sig = np.stack([reader.readSignal(c) for c in range(reader.signals_in_file)], axis=-1)
    yield from sig.reshape(-1, n_times, reader.signals_in_file)


def _annotations(path: Path) -> list[tuple[float, str]]:
    with pyedflib.EdfReader(str(path)) as r:
        onsets, _, texts = r.readAnnotations()
    return [(float(o), str(t)) for o, t in zip(onsets, texts, strict=True)]


def _check_round_trip(src: Path, path: Path, test: str) -> None:
    """Samples within ½ LSB of the JSON (so within one LSB = range / 65535), record by record."""
    avgs = _json_averages(src, test)
    n = len(avgs[0]["times_ms"])
    with pyedflib.EdfReader(str(path)) as r:
        assert r.datarecords_in_file == len(avgs)
        span = [r.getPhysicalMaximum(c) - r.getPhysicalMinimum(c) for c in range(r.signals_in_file)]
        lsb = np.array(span) / 65535
        for avg, got in zip(avgs, _records(r, n), strict=True):
            err = np.abs(got - _values(avg)) / lsb
            assert err.max() <= 0.5 + 1e-6, f"{test} seq {avg['seq']}: {err.max():.3f} LSB"
            assert err.max() <= 1.0  # the brief: within one LSB


def test_one_file_per_test_and_layout(synthetic: tuple[Path, list[Path]]) -> None:
    """A file per test (ids made safe), and a second one when a test's window changes."""
    _, paths = synthetic
    assert [p.name for p in paths] == [
        "averages-ssep-ll-l.edf",
        "averages-mep-ta-l.edf",
        "averages-mep-ta-l-2.edf",
        "averages-a_b_c.edf",
    ]
    assert not list(paths[0].parent.glob(".*partial"))


def test_samples_round_trip_within_half_an_lsb(synthetic: tuple[Path, list[Path]]) -> None:
    """Every average's samples read back equal values_uv (NaN → 0) within ½ LSB."""
    src, paths = synthetic
    _check_round_trip(src, paths[0], "ssep-ll-l")
    _check_round_trip(src, paths[3], "a/b c")


def test_record_duration_rate_labels_and_limits(synthetic: tuple[Path, list[Path]]) -> None:
    """Record = one 551-sample window at 5 kHz; labels ≤ 16 ASCII and unique; limits hold 0."""
    src, paths = synthetic
    with pyedflib.EdfReader(str(paths[0])) as r:
        assert r.datarecord_duration == pytest.approx(0.1102, abs=1e-12)
        assert list(r.getSampleFrequencies()) == [5000.0] * 4
        assert list(r.getNSamples()) == [551 * 4] * 4
        labels = r.getSignalLabels()
        assert labels == ["CPz-FPz", "Fpz-(M1+M2)/2 li", "Fpz-(M1+M2)/2~2", "Cz-Fz"]
        assert r.getTransducer(1) == "Fpz-(M1+M2)/2 linked"
        assert r.getPhysicalDimension(0) == "uV"
        data = np.stack([_values(a) for a in _json_averages(src, "ssep-ll-l")])
        for c in range(4):
            lo, hi = r.getPhysicalMinimum(c), r.getPhysicalMaximum(c)
            assert lo <= min(data[..., c].min(), 0.0) < max(data[..., c].max(), 0.0) <= hi
            assert (hi - lo) < 1.5 * (data[..., c].max() - data[..., c].min())  # a small margin


def test_header_is_anonymous_and_dated_from_created(synthetic: tuple[Path, list[Path]]) -> None:
    """No patient data (X), equipment ionm-tui <version>, start = the header's ``created``."""
    _, paths = synthetic
    with pyedflib.EdfReader(str(paths[0])) as r:
        assert r.getPatientName() in ("", "X")
        assert r.getPatientCode() in ("", "X")
        assert r.getEquipment().replace("_", " ").startswith("ionm-tui ")
        assert r.getRecordingAdditional() == "test=ssep-ll-l"
        assert r.getStartdatetime().isoformat() == "2024-05-01T12:34:56"
    raw = paths[0].read_bytes()[:256]
    assert raw[8:88].split() == [b"X", b"X", b"X", b"X"]
    assert b"secret" not in paths[0].read_bytes()


def test_update_annotations_at_each_record(synthetic: tuple[Path, list[Path]]) -> None:
    """Each record starts with its update (case time, seq, mode, sweeps), in time order."""
    _, paths = synthetic
    notes = _annotations(paths[0])
    updates = [(o, t) for o, t in notes if " avg " in t]
    assert updates == [
        (0.0, "00:01:00 avg 1 ewma n=60"),
        (pytest.approx(0.1102), "00:02:00 avg 2 ewma n=120"),
        (pytest.approx(0.2204), "00:03:00 avg 3 ewma n=180"),
        (pytest.approx(0.3306), "00:04:00 avg 4 ewma n=240"),
    ]
    assert (0.0, "each record: -10 to 100 ms") in notes
    assert (0.0, "signal Cz-Fz = Cz’-Fz") in notes
    assert (pytest.approx(0.2204), "non-finite → 0 µV: Fpz-(M1+M2)/2 li") in notes


def test_notes_alerts_baselines_at_the_newest_average_before_them(
    synthetic: tuple[Path, list[Path]],
) -> None:
    """A note before any average goes to record 0; others to the newest average at or before
    them; only this test's alerts and baselines."""
    _, paths = synthetic
    notes = _annotations(paths[0])
    at = {t: o for o, t in notes}
    assert at["00:00:05 note [positioning] prone"] == 0.0
    assert at["00:01:00 baseline captured: auto 1.50"] == 0.0  # same time as average 1
    assert at["…µV 38.0 ms"] == 0.0
    alert = [o for o, t in notes if t.startswith("00:02:10 alert confirmed high:")]
    assert alert == [pytest.approx(0.1102)]
    assert not any("not for the SSEP" in t for _, t in notes)
    assert any("not for the SSEP" in t for _, t in _annotations(paths[1]))
    assert any("prone" in t for _, t in _annotations(paths[3]))  # notes go to every file


def test_hostile_note_is_cleaned_split_and_harmless(synthetic: tuple[Path, list[Path]]) -> None:
    """Escapes, newlines, TAL delimiters and NULs cannot break the file; µ survives; the long
    text is split into ≤ 40-byte pieces at its record and capped with …"""
    _, paths = synthetic
    notes = _annotations(paths[0])
    parts = [(o, t) for o, t in notes if o == pytest.approx(0.2204) and " avg " not in t]
    parts = [(o, t) for o, t in parts if not t.startswith("non-finite")]
    texts = [t for _, t in parts]
    assert len(texts) == 8
    assert texts[-1].endswith("…")
    joined = " ".join([texts[0], *(t.removeprefix("…") for t in texts[1:])])
    assert joined.startswith(
        "00:03:20 note [bolus bp_drop] ]0;owned [31mred [0m line1 line2 tab x y z w 50 µV evil long"
    )
    for t in texts:
        assert len(t.encode("utf-8")) <= ANNOTATION_BYTES
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in t)


def test_window_not_a_whole_10_us_is_rounded_and_said(synthetic: tuple[Path, list[Path]]) -> None:
    """529 samples at 4.8 kHz last 110.2083 ms: stored as 110.21 ms, the rate noted at 0 s."""
    _, paths = synthetic
    with pyedflib.EdfReader(str(paths[1])) as r:
        assert r.datarecords_in_file == 2
        assert r.datarecord_duration == pytest.approx(0.11021, abs=1e-12)
        assert r.getSampleFrequency(0) == pytest.approx(529 / 0.11021)
    assert (0.0, "sample rate 4800 Hz stored as 4799.93 Hz") in _annotations(paths[1])
    with pyedflib.EdfReader(str(paths[2])) as r:
        assert r.datarecords_in_file == 1
        assert r.getNSamples()[0] == 481
    notes = _annotations(paths[2])
    assert (0.0, "00:03:01 avg 3 ewma n=180") in notes
    assert (0.0, "each record: -10 to 90 ms") in notes


def test_analyze_output_round_trips(analysed: tuple[Path, list[Path]]) -> None:
    """A real analysis: 30 single-sweep averages per vagus test, each within ½ LSB."""
    src, paths = analysed
    assert [p.name for p in paths] == ["averages-vagus-l.edf", "averages-vagus-r.edf"]
    for path, test in zip(paths, ("vagus-l", "vagus-r"), strict=True):
        _check_round_trip(src, path, test)
        with pyedflib.EdfReader(str(path)) as r:
            assert r.getSampleFrequency(0) == 5000.0
            assert r.getSignalLabels() == [_json_averages(src, test)[0]["channels"][0]]
        updates = [t for _, t in _annotations(path) if " avg " in t]
        assert len(updates) == 30
        assert updates[0].endswith("avg 1 single n=1")


def test_mne_opens_the_file(synthetic: tuple[Path, list[Path]]) -> None:
    """MNE reads the same samples (in volts) and the annotations."""
    mne = pytest.importorskip("mne")
    src, paths = synthetic
    raw = mne.io.read_raw_edf(paths[0], preload=True, verbose="error")
    assert raw.info["sfreq"] == pytest.approx(5000.0)
    assert raw.n_times == 4 * 551
    first = _values(_json_averages(src, "ssep-ll-l")[0])
    np.testing.assert_allclose(raw.get_data()[0, :551] * 1e6, first[:, 0], atol=1e-3)
    assert "00:01:00 avg 1 ewma n=60" in raw.annotations.description


def test_existing_file_is_refused_without_force(tmp_path: Path) -> None:
    """An EDF file in the way is kept unless --force; nothing is half-written."""
    src = _synthetic(tmp_path)
    out = tmp_path / "edf"
    out.mkdir()
    (out / "averages-mep-ta-l.edf").write_bytes(b"keep")
    with pytest.raises(SessionError, match=r"averages-mep-ta-l\.edf exists.*--force"):
        export_edf(src, out)
    assert (out / "averages-mep-ta-l.edf").read_bytes() == b"keep"
    assert not (out / "averages-ssep-ll-l.edf").exists()
    assert len(export_edf(src, out, force=True)) == 4


def test_results_without_averages_are_refused(tmp_path: Path) -> None:
    """Nothing to draw: a clear error that points at --csv."""
    src = tmp_path / "results.jsonl"
    src.write_text(dumps(header(profile="p", source="s")) + "\n", encoding="utf-8")
    with pytest.raises(SessionError, match=r"no averages.*--csv"):
        export_edf(src, tmp_path / "edf")
    assert not (tmp_path / "edf").exists()
    with pytest.raises(SessionError, match="cannot read"):
        export_edf(tmp_path / "missing.jsonl", tmp_path / "edf")


def test_too_many_notes_are_capped_but_updates_stay(tmp_path: Path) -> None:
    """edflib stores 64 annotations per record: long notes keep their first piece, then the
    overflow is said, not silently lost, and every record keeps its update."""
    times = np.arange(50) * 0.2
    lines = [
        header(profile="p", source="s"),
        _average("t", 1, T0, times, ("A",)),
        *(AnnotationRecord(T0 + i, f"note number {i} " + "x" * 40, ()) for i in range(150)),
        _average("t", 2, T0 + 200.0, times, ("A",)),
    ]
    src = tmp_path / "results.jsonl"
    src.write_text("".join(dumps(r) + "\n" for r in lines), encoding="utf-8")
    (path,) = export_edf(src, tmp_path / "edf")
    notes = _annotations(path)
    assert len(notes) == 2 * 64
    assert notes[-1] == (0.01, "26 more notes: see the results file")
    assert (0.01, "00:03:20 avg 2 ewma n=120") in notes
    assert notes[2][1].endswith("…")


def test_file_names_never_clash() -> None:
    """Ids that sanitise alike, or look like another test's second layout, get a suffix."""
    from ionm_tui.session.export_edf import _plan_paths

    tests = {"x": [None, None], "x-2": [None], "X": [None], "a b": [None], "a_b": [None]}
    plan = _plan_paths(Path("out"), tests)  # type: ignore[arg-type]
    names = [p.name for p in plan.values()]
    assert names == [
        "averages-x.edf", "averages-x-2.edf", "averages-x-2_2.edf", "averages-X_2.edf",
        "averages-a_b.edf", "averages-a_b_2.edf",
    ]  # fmt: skip


def test_cli_writes_csv_and_edf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``export --csv DIR --edf DIR`` writes both; either alone works; neither is a usage error."""
    src = _synthetic(tmp_path)
    assert (
        main(["export", str(src), "--csv", str(tmp_path / "csv"), "--edf", str(tmp_path / "e")])
        == 0
    )
    out = capsys.readouterr().out
    assert "trends.csv" in out
    assert "averages-ssep-ll-l.edf" in out
    assert main(["export", str(src), "--edf", str(tmp_path / "e")]) == 2  # exists, no --force
    assert "--force" in capsys.readouterr().err
    assert main(["export", str(src), "--edf", str(tmp_path / "e"), "--force"]) == 0
    with pytest.raises(SystemExit) as exc:
        main(["export", str(src)])
    assert exc.value.code == 2
    assert "--csv DIR, --edf DIR or both" in capsys.readouterr().err


@given(st.text(max_size=400))
def test_any_text_becomes_safe_pieces(text: str) -> None:
    """Whatever users type: pieces of ≤ 40 UTF-8 bytes, no control or format characters."""
    for p in pieces(clean_text(text)):
        assert 0 < len(p.encode("utf-8")) <= ANNOTATION_BYTES
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in p)
