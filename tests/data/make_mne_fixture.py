"""Convert MNE-Python's test_raw/test-eve/test-nf-ave FIF files into an mne-free npz oracle."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

DEFAULT_SRC = Path("/work/shared/data/mne")
OUT_DIR = Path(__file__).resolve().parent / "mne_sample"
OUT_NAME = "mne_eeg_oracle.npz"

STIM_NAME = "STI 014"
ORACLE_CODES = (1, 2, 3, 4)
EXPECTED_NAVE = (7, 8, 7, 6)
TMIN_SAMPLES = -120
TMAX_SAMPLES = 300  # inclusive: 421 samples per sweep
TOLERANCE_V = 1e-10


def build_arrays(src: Path) -> dict[str, np.ndarray]:
    """Read the three FIF files with mne and return the arrays to store.

    Args:
        src: Folder holding test_raw.fif, test-eve.fif and test-nf-ave.fif.

    Returns:
        The npz contents, keyed by name; time is axis 0 of every time series.

    Raises:
        RuntimeError: If a lossless conversion is not possible or the files disagree.
    """
    import mne  # only needed to regenerate the fixture, never by the test suite

    raw = mne.io.read_raw_fif(src / "test_raw.fif", preload=True, verbose=False)
    eeg_picks = mne.pick_types(raw.info, meg=False, eeg=True, exclude=[])
    eeg_names = [raw.ch_names[i] for i in eeg_picks]
    eeg_v = raw.get_data(picks=eeg_picks)  # (n_channels, n_times), float64 volts

    # The file stores 16-bit integers (orig_format "short"); MNE multiplies each by the
    # per-channel factor range * cal. Store the integers and that factor; verify bit-exactness.
    scale = np.array([raw.info["chs"][i]["range"] * raw.info["chs"][i]["cal"] for i in eeg_picks])
    ints = np.rint(eeg_v / scale[:, None])
    if ints.min() < np.iinfo(np.int16).min or ints.max() > np.iinfo(np.int16).max:
        raise RuntimeError("EEG counts do not fit in int16")
    eeg_int = np.ascontiguousarray(ints.astype(np.int16).T)  # (n_times, n_channels)
    if not np.array_equal(eeg_int * scale, eeg_v.T):
        raise RuntimeError("int16 counts × scale do not reproduce raw.get_data() bit-exactly")

    stim_f = raw.get_data(picks=[STIM_NAME])[0]
    stim = stim_f.astype(np.int16)
    if not np.array_equal(stim, stim_f):
        raise RuntimeError("STI 014 is not a small integer channel")

    events = mne.read_events(src / "test-eve.fif").astype(np.int64)

    # MNE-C's averages. The file stores float32 values in units of each channel's `cal`;
    # mne returns float32 × cal as float64 volts. We keep those float64 volts as read, so the
    # oracle is bit-identical to Evoked.data (float32 × cal is not representable in float32).
    evokeds = mne.read_evokeds(src / "test-nf-ave.fif", proj=False, verbose=False)
    oracle = np.empty((len(ORACLE_CODES), TMAX_SAMPLES - TMIN_SAMPLES + 1, len(eeg_names)))
    nave = np.empty(len(ORACLE_CODES), dtype=np.int64)
    oracle_bads: set[str] = set()
    for k, evoked in enumerate(evokeds):
        if (evoked.first, evoked.last) != (TMIN_SAMPLES, TMAX_SAMPLES):
            raise RuntimeError(f"average {k} spans {evoked.first}…{evoked.last} samples")
        rows = [evoked.ch_names.index(name) for name in eeg_names]  # match by name
        oracle[k] = evoked.data[rows].T
        nave[k] = evoked.nave
        oracle_bads.update(evoked.info["bads"])
    if len(evokeds) != len(ORACLE_CODES) or tuple(nave) != EXPECTED_NAVE:
        raise RuntimeError(f"unexpected averages: nave = {nave.tolist()}")

    return {
        "eeg_int": eeg_int,
        "eeg_scale_v": scale,
        "eeg_names": np.array(eeg_names, dtype=str),
        "stim": stim,
        "sfreq_hz": np.float64(raw.info["sfreq"]),
        "first_samp": np.int64(raw.first_samp),
        "raw_bads": np.array(raw.info["bads"], dtype=str),
        "raw_proj_names": np.array([p["desc"] for p in raw.info["projs"]], dtype=str),
        "events": events,
        "oracle_codes": np.array(ORACLE_CODES, dtype=np.int64),
        "oracle_nave": nave,
        "oracle_tmin_samples": np.int64(TMIN_SAMPLES),
        "oracle_tmax_samples": np.int64(TMAX_SAMPLES),
        "oracle_eeg_v": oracle,
        "oracle_bads": np.array(sorted(oracle_bads), dtype=str),
        "oracle_proj_names": np.array([p["desc"] for p in evokeds[0].info["projs"]], dtype=str),
    }


def self_check(path: Path) -> float:
    """Re-average the stored raw EEG with plain numpy and compare bipolar derivations.

    Args:
        path: The npz written by this script.

    Returns:
        The largest absolute error over all bipolar pairs (EEG i − EEG j), in volts.

    Raises:
        RuntimeError: If events, sweep counts or averages disagree with the oracle.
    """
    with np.load(path) as npz:
        data = {key: npz[key] for key in npz.files}
    eeg = data["eeg_int"] * data["eeg_scale_v"]  # (n_times, n_channels) volts
    stim = data["stim"].astype(np.int64)
    first_samp = int(data["first_samp"])
    tmin, tmax = int(data["oracle_tmin_samples"]), int(data["oracle_tmax_samples"])

    onsets = np.flatnonzero((stim[:-1] == 0) & (stim[1:] != 0)) + 1
    codes = stim[onsets]
    if not np.array_equal(np.column_stack([onsets + first_samp, codes]), data["events"][:, [0, 2]]):
        raise RuntimeError("rising edges of STI 014 differ from test-eve.fif")

    worst = 0.0
    for k, code in enumerate(data["oracle_codes"]):
        starts = onsets[codes == code] + tmin
        starts = starts[(starts >= 0) & (starts + (tmax - tmin) < len(eeg))]  # drop cut windows
        if len(starts) != data["oracle_nave"][k]:
            raise RuntimeError(
                f"code {code}: {len(starts)} sweeps, oracle has {data['oracle_nave'][k]}"
            )
        mine = np.mean([eeg[s : s + tmax - tmin + 1] for s in starts], axis=0)
        oracle = data["oracle_eeg_v"][k]
        # All pairs i − j: the oracle has an average EEG reference applied, which cancels in a
        # difference (its 3 SSP vectors span MEG channels only and leave EEG untouched).
        err = np.abs(
            (mine[:, :, None] - mine[:, None, :]) - (oracle[:, :, None] - oracle[:, None, :])
        )
        vs_first = np.abs((mine - mine[:, :1]) - (oracle - oracle[:, :1])).max()
        print(
            f"code {code}: {len(starts)} sweeps, max |error| {err.max():.3g} V "
            f"(EEG i − {data['eeg_names'][0]}: {vs_first:.3g} V)"
        )
        worst = max(worst, float(err.max()))
    if worst > TOLERANCE_V:
        raise RuntimeError(f"bipolar max |error| {worst:.3g} V exceeds {TOLERANCE_V:g} V")
    return worst


def main() -> None:
    """Write the fixture, then verify it from the npz alone."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="folder of the FIF files")
    parser.add_argument("--out", type=Path, default=OUT_DIR / OUT_NAME, help="npz to write")
    args = parser.parse_args()

    import mne

    arrays = build_arrays(args.src)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) with mne {mne.__version__}")
    for key, value in arrays.items():
        print(f"  {key}: {value.dtype} {value.shape}")
    worst = self_check(args.out)
    print(f"self-check passed: bipolar max |error| {worst:.3g} V (tolerance {TOLERANCE_V:g} V)")


if __name__ == "__main__":
    main()
