"""Messages from the feed's worker thread to the UI (posted with the thread-safe post_message)."""

from __future__ import annotations

from textual.message import Message

from ..engine import EngineSnapshot, Record


class SnapshotReady(Message, bubble=False):
    """A new engine snapshot arrived; a newer one waiting in the queue replaces it.

    Args:
        snapshot: the frozen snapshot.
        case_start_t: LSL seconds of the first data the feed saw (the case clock's zero).
    """

    def __init__(self, snapshot: EngineSnapshot, case_start_t: float) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.case_start_t = case_start_t

    def can_replace(self, message: Message) -> bool:
        """Only the newest snapshot matters: a slow terminal never builds a backlog."""
        return isinstance(message, SnapshotReady)


class RecordsReady(Message, bubble=False):
    """Records for the event log arrived (alerts, annotations, baselines, quality); never dropped.

    Args:
        records: the records, in the order the engine emitted them.
    """

    def __init__(self, records: tuple[Record, ...]) -> None:
        super().__init__()
        self.records = records
