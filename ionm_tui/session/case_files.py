"""The files of a monitored case: the journal of records and the XDF recording, in one folder."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from .. import __version__
from ..errors import SessionError
from ..streams.recording import RecordingSource
from .case import Case, profile_text
from .journal import Journal
from .results import dumps, header


def default_folder(profile_id: str, root: Path | None = None) -> Path:
    """``./ionm-cases/<UTC date-time>-<profile>``: a new folder per case, never reused."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return (root or Path.cwd() / "ionm-cases") / f"{stamp}-{profile_id}"


class CaseFiles:
    """Journal every record and record every input stream of a live case.

    After construction ``case.source`` records what it hands to the engine (when ``record`` is
    set). Feed :meth:`on_records` every record; show :meth:`status`; call :meth:`close` at the end.

    Args:
        folder: the case folder to create (it must not exist).
        case: the case (its source is wrapped).
        source_name: what the header says the input was.
        record: also record the input streams as ``recording.xdf``.

    Raises:
        SessionError: the folder exists or cannot be created.
    """

    def __init__(self, folder: Path, case: Case, *, source_name: str, record: bool = True) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=False)
        except FileExistsError as err:
            raise SessionError(f"{folder} exists; a case folder is never reused") from err
        except OSError as err:
            raise SessionError(
                f"cannot create the case folder {folder}: {err.strerror or err}"
            ) from err
        self.folder = folder
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        head = header(
            profile=case.profile.id,
            source=source_name,
            extra={
                "created": created,
                "software": f"ionm-tui {__version__}",
                **profile_text(case.profile),
            },
        )
        self.journal = Journal(folder / "journal.jsonl", header=head)
        self.journal.write(case.streams)
        self.recording: RecordingSource | None = None
        if record:
            data = next(s for s in case.streams if s["kind"] == "data")
            markers = next((s for s in case.streams if s["kind"] == "markers"), None)
            self.recording = RecordingSource(
                case.source, folder / "recording.xdf", data=data, markers=markers
            )
            case.source = self.recording

    def on_records(self, records: list[object]) -> None:
        """Every record, as it happens (called in the engine worker thread)."""
        lines = [dumps(r) for r in records]
        self.journal.write_lines(lines)
        if self.recording is not None:
            times = [float(getattr(r, "t", math.nan)) for r in records]
            self.recording.write_results(list(zip(times, lines, strict=True)))

    def status(self) -> str:
        """For the status bar: loud when anything fails."""
        j = self.journal.status()
        if j.error:
            return j.error
        if self.recording is not None:
            return self.recording.status()
        return f"journal {self.journal.path.name}"

    def close(self) -> None:
        """Flush and close both files (the wrapped source too)."""
        if self.recording is not None:
            self.recording.close()
        self.journal.close()
