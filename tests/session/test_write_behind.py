"""WriteBehind: everything given is written in order by its thread; a file error is not lost."""

from __future__ import annotations

import errno
import io
import threading

import pytest

from ionm_tui.session.write_behind import WriteBehind


class _FullDisk(io.BytesIO):
    """A file that takes ``room`` writes, then fails like a full disk."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room
        self.threads: set[str] = set()

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.threads.add(threading.current_thread().name)
        if self.room == 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= 1
        return super().write(data)


def test_pieces_are_written_in_order_by_another_thread_and_the_file_stays_open() -> None:
    fh = _FullDisk(room=10_000)
    pieces = [f"line {k}\n".encode() * (k % 7 + 1) for k in range(2000)]
    with WriteBehind(fh) as out:
        for p in pieces:
            out.write(p)
    assert fh.getvalue() == b"".join(pieces)
    assert threading.current_thread().name not in fh.threads
    assert not fh.closed


def _write_until_refused(out: WriteBehind, n: int) -> OSError:
    for k in range(n):
        try:
            out.write(b"%d\n" % k)
        except OSError as exc:
            return exc
    raise AssertionError("the full disk was never reported")


def test_a_full_disk_is_raised_by_a_later_write_or_by_close_and_nothing_after_it_is_written() -> (
    None
):
    fh = _FullDisk(room=3)
    out = WriteBehind(fh)
    # The thread fails on the 4th piece; a later write says so (the queue is bounded, so the
    # thread gets there long before 10 000 pieces).
    assert _write_until_refused(out, 10_000).errno == errno.ENOSPC
    with pytest.raises(OSError, match="No space"):  # close says it again: it cannot be missed
        out.close()
    assert fh.getvalue() == b"0\n1\n2\n"


def test_close_raises_an_error_that_happened_after_the_last_write() -> None:
    fh = _FullDisk(room=0)
    out = WriteBehind(fh)
    out.write(b"x")
    with pytest.raises(OSError, match="No space"):
        out.close()


def test_writing_after_close_is_refused() -> None:
    out = WriteBehind(io.BytesIO())
    out.close()
    out.close()  # closing twice is harmless
    with pytest.raises(ValueError, match="closed"):
        out.write(b"late")


def test_an_error_in_the_with_block_is_the_one_reported_even_when_the_disk_failed_too() -> None:
    fh = _FullDisk(room=0)

    def engine_fails() -> None:
        with WriteBehind(fh) as out:
            out.write(b"x")
            raise KeyError("the engine failed first")

    with pytest.raises(KeyError, match="engine failed first"):
        engine_fails()
