"""Headless analysis: results.jsonl carries MNE-C's averages, gaps, truncation, clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ionm_tui.errors import SessionError, StreamError
from ionm_tui.session.analyze import analyze
from ionm_tui.streams.xdf_writer import XdfWriter

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "mne_sample" / "mne_eeg_oracle.npz"


@pytest.fixture(scope="module")
def mne() -> dict[str, np.ndarray]:
    """The converted MNE-C fixture (tests/data/mne_sample/PROVENANCE.md)."""
    with np.load(FIXTURE) as z:
        return {k: z[k] for k in z.files}


def _mne_case(
    tmp: Path, mne: dict[str, np.ndarray], *, cut: float | None = None
) -> tuple[Path, Path]:
    """The raw EEG + STI 014 as an XDF case (volts, as recorded) and a profile for it."""
    names = [str(n) for n in mne["eeg_names"]]
    volts = mne["eeg_int"].astype(np.float64) * mne["eeg_scale_v"]
    x = np.column_stack((volts, mne["stim"].astype(np.float64)))
    fs = float(mne["sfreq_hz"])
    ts = (int(mne["first_samp"]) + np.arange(x.shape[0])) / fs
    case = tmp / "mne.xdf"
    with XdfWriter(case) as w:
        sid = w.add_stream(
            "mne-raw", "EEG", x.shape[1], fs, "double64", "mne-raw-1",
            labels=[*names, "STI 014"], units=["V"] * len(names) + [""],
        )  # fmt: skip
        for i in range(0, x.shape[0], 600):
            w.write_samples(sid, ts[i : i + 600], x[i : i + 600])
    if cut is not None:
        data = case.read_bytes()
        case.write_bytes(data[: int(len(data) * cut)])
    channels = ", ".join(f'"{n}"' for n in names)
    tests = "\n".join(
        f"""
[[test]]
id = "code{c}"
modality = "ssep"
marker = "{c}"
channels = [{channels}]
window_ms = [-200, 500]
average = {{ mode = "block", sweeps = {n} }}
"""
        for c, n in zip(mne["oracle_codes"], mne["oracle_nave"], strict=True)
    )
    profile = tmp / "mne-sample.toml"
    profile.write_text(
        f"""
[profile]
id = "mne-sample"
name = "MNE sample auditory/visual"
mains_hz = 60

[streams]
data = {{ name = "mne-raw", stim_channel = "STI 014" }}
{tests}"""
    )
    return case, profile


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_results_carry_mne_c_averages(tmp_path: Path, mne: dict[str, np.ndarray]) -> None:
    """analyze on the MNE recording writes averages equal to MNE-C's within 1e-10 V (bipolar)."""
    case, profile = _mne_case(tmp_path, mne)
    res = analyze(case, profile, tmp_path / "out")
    recs = _records(res.results)
    assert recs[0]["type"] == "header"
    assert recs[0]["format"] == "ionm-tui-results"
    assert recs[1]["type"] == "stream"
    averages = {r["test"]: r for r in recs if r["type"] == "average"}
    assert sorted(averages) == ["code1", "code2", "code3", "code4"]
    for k, code in enumerate(mne["oracle_codes"]):
        a = averages[f"code{code}"]
        assert a["sweeps"] == mne["oracle_nave"][k]
        ours = np.asarray(a["values_uv"]) * 1e-6  # (421, 60) in volts
        oracle = mne["oracle_eeg_v"][k]
        np.testing.assert_allclose(
            ours[:, 1:] - ours[:, :1], oracle[:, 1:] - oracle[:, :1], rtol=0, atol=1e-10
        )
    trends = [r for r in recs if r["type"] == "trend"]
    assert {t["test"] for t in trends} == set(averages)
    assert "code1" in res.summary.read_text()


def test_existing_output_is_refused_without_force(
    tmp_path: Path, mne: dict[str, np.ndarray]
) -> None:
    """A non-empty output folder is refused with a message naming --force; --force replaces."""
    case, profile = _mne_case(tmp_path, mne)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(SessionError, match="--force"):
        analyze(case, profile, out)
    assert analyze(case, profile, out, force=True).results.exists()


def test_truncated_case_is_analysed_up_to_where_it_ends(
    tmp_path: Path, mne: dict[str, np.ndarray]
) -> None:
    """A case cut at 70 % is analysed as far as it goes and the results say where it ended."""
    case, profile = _mne_case(tmp_path, mne, cut=0.7)
    res = analyze(case, profile, tmp_path / "out")
    recs = _records(res.results)
    truncated = [r for r in recs if r["type"] == "quality" and r["kind"] == "truncated"]
    assert truncated
    assert "byte" in truncated[0]["detail"]
    # 24 s recorded; the first ~70 % of it analysed (chunks are whole, so a little less).
    assert 14.0 < res.data_s < 17.0
    assert "Warning" in res.summary.read_text()


def test_streams_that_do_not_match_the_profile_are_listed(
    tmp_path: Path, mne: dict[str, np.ndarray]
) -> None:
    """A profile naming a stream the file lacks fails with a listing of the file's streams."""
    case, profile = _mne_case(tmp_path, mne)
    profile.write_text(profile.read_text().replace('name = "mne-raw"', 'name = "amplifier-7"'))
    with pytest.raises(StreamError, match=r"(?s)name='amplifier-7'.*name='mne-raw'"):
        analyze(case, profile, tmp_path / "out")


def test_a_data_gap_is_reported_as_quality(tmp_path: Path) -> None:
    """A 20 s hole in the data stream appears as one gap quality record of 20 s."""
    fs = 500.0
    ts = np.concatenate((np.arange(0, 30, 1 / fs), np.arange(50, 80, 1 / fs))) + 100.0
    x = np.random.default_rng(0).normal(0, 5, (ts.size, 1))
    case = tmp_path / "gap.xdf"
    with XdfWriter(case) as w:
        sid = w.add_stream("amp", "EEG", 1, fs, "float32", "amp-gap", labels=["Cz"], units=["uV"])
        for i in range(0, ts.size, 250):
            w.write_samples(sid, ts[i : i + 250], x[i : i + 250])
    profile = tmp_path / "p.toml"
    profile.write_text(
        """
[profile]
id = "gap"
name = "gap"
mains_hz = 50
[streams]
data = { name = "amp" }
[[test]]
id = "eeg-cz"
modality = "eeg"
channels = ["Cz"]
"""
    )
    res = analyze(case, profile, tmp_path / "out")
    gaps = [r for r in _records(res.results) if r["type"] == "quality" and r["kind"] == "gap"]
    assert len(gaps) == 1
    assert gaps[0]["duration_s"] == pytest.approx(20.0, abs=0.01)
    assert "gap at 00:00:29" in res.summary.read_text()


def _body(path: Path) -> list[dict]:
    return [r for r in _records(path) if r["type"] != "header"]


def test_the_reader_process_changes_no_record(
    tmp_path: Path, mne: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Analysis reads a large case in a second process where it can; the records are the very
    same as when this process reads it, and the same when that process cannot even start (the
    summary then says why the file was read in-process)."""
    from ionm_tui.streams import xdf_prefetch, xdf_replay

    case, profile = _mne_case(tmp_path, mne)
    assert xdf_prefetch.prefetch_available()
    monkeypatch.setattr(xdf_replay, "PREFETCH_MIN_BYTES", 0)  # this case is small
    two = analyze(case, profile, tmp_path / "two")
    with monkeypatch.context() as m:
        m.setattr(xdf_replay, "prefetch_available", lambda: False)
        one = analyze(case, profile, tmp_path / "one")
    with monkeypatch.context() as m:
        m.setattr(xdf_prefetch.sys, "executable", "/nonexistent/python")
        failed = analyze(case, profile, tmp_path / "failed")
    assert _body(two.results) == _body(one.results) == _body(failed.results)
    assert len(_body(one.results)) > 10
    assert "was read by this process instead" in failed.summary.read_text()
    assert "this process instead" not in two.summary.read_text()
