"""Headless analysis of a recorded case: the console's worker loop, run as fast as possible."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..engine.runner import run_engine
from ..errors import SessionError
from ..profile import Profile
from .case import Case, load_profile, open_replay, profile_text
from .results import encode, header
from .summary import Summary
from .write_behind import WriteBehind


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """What an analysis wrote and how long it took.

    Attributes:
        results: the results.jsonl file.
        summary: the summary.txt file.
        data_s: seconds of data analysed.
        wall_s: seconds it took.
        records: lines written.
    """

    results: Path
    summary: Path
    data_s: float
    wall_s: float
    records: int


def analyze(
    case: str | Path, profile: str | Path, out: str | Path, *, force: bool = False
) -> AnalysisResult:
    """Analyse a recorded case into ``out/results.jsonl`` and ``out/summary.txt``.

    Args:
        case: the XDF file.
        profile: profile id or path.
        out: output folder; must not exist (or be empty) unless ``force``.
        force: replace an existing output folder's results.

    Raises:
        SessionError: the output folder exists (without ``force``) or cannot be written.
        StreamError: the case cannot be read or does not match the profile's streams.
        ProfileError: the profile is missing, invalid, or does not fit the recorded stream.
    """
    out_dir = Path(out)
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise SessionError(
            f"{out_dir} exists and is not empty; choose another folder or add --force"
        )
    prof = load_profile(profile)
    c = open_replay(case, prof, speed=None)
    try:
        return _analyze(c, prof, Path(case), out_dir)
    finally:
        close = getattr(c.source, "close", None)
        if close is not None:
            close()  # the reader process, when one was used


def _analyze(c: Case, prof: Profile, case: Path, out_dir: Path) -> AnalysisResult:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SessionError(f"cannot create {out_dir}: {err.strerror or err}") from err
    results = out_dir / "results.jsonl"
    tmp = out_dir / "results.jsonl.partial"
    src = c.source
    # The case clock starts at the first data sample (records come later).
    summary = Summary(t0=getattr(src, "t_first", None))
    n_lines = 0
    start = time.perf_counter()
    # The results are written by a thread of their own: the engine never waits on the disk.
    with tmp.open("wb") as fh, WriteBehind(fh) as out:  # orjson's UTF-8 bytes as they are
        head = header(
            profile=prof.id,
            source=str(Path(case).resolve()),
            extra={
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "software": f"ionm-tui {__version__}",
                **profile_text(prof),
            },
        )
        out.write(b"".join(encode(line) + b"\n" for line in (head, *c.streams)))
        n_lines += 1 + len(c.streams)

        def sink(records: list[object]) -> None:
            nonlocal n_lines
            summary.add(records)
            out.write(b"".join(encode(r) + b"\n" for r in records))
            n_lines += len(records)

        run_engine(c.engine, c.source, publish=None, on_records=sink)
        for w in c.source.warnings:  # type: ignore[attr-defined]
            line = {"type": "quality", "t": None, "kind": "truncated", "detail": w}
            out.write(encode(line) + b"\n")
            n_lines += 1
    shutil.move(tmp, results)
    wall = time.perf_counter() - start
    t0, t_end = getattr(src, "t_first", None), getattr(src, "position_t", float("nan"))
    data_s = t_end - t0 if t0 is not None and t_end == t_end else 0.0
    speed = f"{data_s / wall:.0f}× real time" if wall > 0 and data_s > 0 else ""
    extra = [f"Note: {n}" for n in c.notes]
    if note := getattr(src, "reading_note", None):
        extra.append(f"Note: {note}.")
    extra += [f"Warning: {w}" for w in c.source.warnings]  # type: ignore[attr-defined]
    title = (
        f"Case {Path(case).name} — profile {prof.id} ({prof.name})\n"
        f"{data_s / 60:.1f} min of data analysed in {wall:.1f} s {speed}"
    )
    text = summary.text(title=title, test_ids=prof.test_ids, extra=extra)
    summary_path = out_dir / "summary.txt"
    summary_path.write_text(text, encoding="utf-8")
    return AnalysisResult(results, summary_path, data_s, wall, n_lines)
