"""Crash-safe incremental XDF 1.0 writer: every call appends whole chunks, readable at once."""

from __future__ import annotations

import os
import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import TracebackType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ionm_tui.errors import StreamError
from ionm_tui.streams.xdf_format import (
    BOUNDARY_UUID,
    CHANNEL_FORMATS,
    MAGIC,
    NUMERIC_DTYPES,
    Tag,
    encode_chunk,
    encode_varlen,
    footer_xml,
    sample_record,
    stream_header_xml,
)

# XML 1.0 cannot carry these code points even escaped; a header holding one would be unreadable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class _Stream:
    """What the writer tracks per stream for deduced timestamps and the footer."""

    n_chan: int
    dtype: np.dtype | None  # None for string streams
    tdiff: float
    count: int = 0
    first_ts: float | None = None
    last_ts: float = 0.0  # readers deduce omitted timestamps from this, starting at 0.0
    offsets: list[tuple[float, float]] = field(default_factory=list)


def _text(value: object, what: str) -> str:
    text = str(value)
    if _XML_INVALID.search(text):
        raise ValueError(f"{what} {text!r} contains a control character XML cannot hold")
    return text


class XdfWriter:
    """Append streams, samples and clock offsets to a new XDF 1.0 file as they arrive.

    Each call writes complete chunks with single ``os.write`` calls, so a file cut at any
    point (power loss, crash) loads in pyxdf and :class:`XdfReader` up to its last complete
    chunk. ``flush()`` adds ``os.fsync``; a Boundary chunk (and an fsync) follows every
    ``boundary_interval`` seconds of writing; ``close()`` writes the StreamFooter chunks.
    Thread-safe: one lock serialises all writes.

    Args:
        path: the file to create.
        overwrite: replace an existing file instead of raising StreamError.
        boundary_interval: seconds of writing between Boundary chunks.
        max_chunk_bytes: larger ``write_samples`` calls are split into chunks of about this
            size, which bounds the memory any reader needs per chunk.

    Raises:
        StreamError: the file exists (and not ``overwrite``) or cannot be created.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        boundary_interval: float = 10.0,
        max_chunk_bytes: int = 1 << 20,
    ) -> None:
        self.path = os.fspath(path)
        self._boundary_interval = boundary_interval
        self._max_chunk = max(1, max_chunk_bytes)
        self._streams: dict[int, _Stream] = {}
        self._lock = threading.Lock()
        self.bytes_written = 0
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
        try:
            self._fd: int | None = os.open(self.path, flags | getattr(os, "O_BINARY", 0), 0o644)
        except OSError as exc:
            raise StreamError(
                f"Cannot create XDF file {self.path}: {exc.strerror or exc}."
            ) from exc
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        header = (
            f'<?xml version="1.0"?><info><version>1.0</version><datetime>{now}</datetime></info>'
        )
        self._last_boundary = time.monotonic()
        try:
            self._write(MAGIC + encode_chunk(Tag.FILE_HEADER, header.encode()))
        except StreamError:
            os.close(self._fd)
            raise

    def __enter__(self) -> XdfWriter:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def add_stream(
        self,
        name: str,
        type: str,  # the XDF/LSL field name, though it shadows the builtin
        channel_count: int,
        nominal_srate: float,
        channel_format: str,
        source_id: str,
        labels: Sequence[str] | None = None,
        units: Sequence[str] | None = None,
        hostname: str | None = None,
    ) -> int:
        """Write a StreamHeader chunk and return the new stream's id (1, 2, …).

        Args:
            name, type, source_id: LSL stream fields (type e.g. "EMG", "Markers").
            channel_count: values per sample (≥ 1).
            nominal_srate: Hz; 0 for irregular (marker) streams.
            channel_format: "float32", "double64", "int8", "int16", "int32", "int64", "string".
            labels, units: one per channel, written to ``desc/channels/channel``.
            hostname: defaults to this machine's name.

        Raises:
            ValueError: invalid format, count, rate, or labels/units of the wrong length.
        """
        if channel_format not in CHANNEL_FORMATS:
            raise ValueError(f"channel_format must be one of {sorted(CHANNEL_FORMATS)}")
        if channel_count < 1 or not np.isfinite(nominal_srate) or nominal_srate < 0:
            raise ValueError(f"invalid channel_count {channel_count} or rate {nominal_srate}")
        for what, seq in (("labels", labels), ("units", units)):
            if seq is not None and len(seq) != channel_count:
                raise ValueError(f"{what} has {len(seq)} entries for {channel_count} channels")
        fields = {
            "name": name, "type": type, "channel_count": channel_count,
            "nominal_srate": repr(float(nominal_srate)), "channel_format": channel_format,
            "source_id": source_id, "version": "1.1000000000000001", "uid": uuid.uuid4(),
            "hostname": socket.gethostname() if hostname is None else hostname,
        }  # fmt: skip
        xml = stream_header_xml(
            {tag: _text(value, tag) for tag, value in fields.items()},
            [_text(x, "label") for x in labels or [f"ch{i + 1}" for i in range(channel_count)]],
            [_text(x, "unit") for x in units or [""] * channel_count],
        )
        with self._lock:
            sid = len(self._streams) + 1
            tdiff = 1.0 / nominal_srate if nominal_srate > 0 else 0.0
            self._emit(encode_chunk(Tag.STREAM_HEADER, xml, sid))
            self._streams[sid] = _Stream(channel_count, NUMERIC_DTYPES.get(channel_format), tdiff)
        return sid

    def write_samples(
        self,
        stream_id: int,
        timestamps: ArrayLike | None,
        samples: ArrayLike | Sequence[str] | Sequence[Sequence[str]],
    ) -> None:
        """Append samples as one or more Samples chunks (tag 3).

        Args:
            stream_id: from :meth:`add_stream`.
            timestamps: shape (n,), float64 s (LSL clock); None writes TimeStampBytes 0 and
                lets readers deduce previous + 1/nominal_srate.
            samples: numeric streams (n, channel_count) (or (n,) for one channel);
                string streams n strings (one channel) or n sequences of channel_count strings.

        Raises:
            ValueError: unknown stream, shapes that disagree, non-finite timestamps, values
                that cannot be cast to the stream's format.
        """
        st = self._stream(stream_id)
        rows = self._rows(st, samples)
        n = len(rows)
        if timestamps is not None:
            ts = np.asarray(timestamps, dtype=np.float64)
            if ts.shape != (n,) or not np.isfinite(ts).all():
                raise ValueError(f"timestamps must be {n} finite floats, got shape {ts.shape}")
        if n == 0:
            return
        with self._lock:
            if timestamps is None:
                ts = np.add.accumulate(np.r_[st.last_ts, np.full(n, st.tdiff)])[1:]
            chunks = self._encode(stream_id, st, ts, rows, timestamps is not None)
            self._emit(*chunks)
            st.first_ts = float(ts[0]) if st.first_ts is None else st.first_ts
            st.last_ts = float(ts[-1])
            st.count += n

    def write_clock_offset(self, stream_id: int, collection_time: float, offset: float) -> None:
        """Append a ClockOffset chunk: at ``collection_time`` (s, recorder clock), ``offset`` s
        had to be added to the stream's timestamps to map them onto the recorder's clock (the
        value of LSL's ``inlet.time_correction()``)."""
        st = self._stream(stream_id)
        with self._lock:
            body = struct.pack("<dd", collection_time, offset)
            self._emit(encode_chunk(Tag.CLOCK_OFFSET, body, stream_id))
            st.offsets.append((float(collection_time), float(offset)))

    def flush(self) -> None:
        """Force everything written so far onto the disk (``os.fsync``)."""
        with self._lock:
            self._sync()

    def close(self) -> None:
        """Write a Boundary and one StreamFooter per stream, fsync and close; idempotent."""
        with self._lock:
            if self._fd is None:
                return
            chunks = [encode_chunk(Tag.BOUNDARY, BOUNDARY_UUID)]
            for sid, st in self._streams.items():
                first = st.first_ts if st.first_ts is not None else 0.0
                last = st.last_ts if st.count else 0.0
                xml = footer_xml(first, last, st.count, st.offsets)
                chunks.append(encode_chunk(Tag.STREAM_FOOTER, xml, sid))
            try:
                self._write(b"".join(chunks))
                self._sync()
            finally:
                os.close(self._fd)
                self._fd = None

    # -- internals ----------------------------------------------------------------------

    def _stream(self, stream_id: int) -> _Stream:
        if self._fd is None:
            raise ValueError(f"XDF file {self.path} is already closed")
        if stream_id not in self._streams:
            raise ValueError(f"no stream {stream_id} in {self.path}; call add_stream first")
        return self._streams[stream_id]

    @staticmethod
    def _rows(st: _Stream, samples: object) -> NDArray | list[list[bytes]]:
        if st.dtype is None:
            if isinstance(samples, (str, bytes)) or not isinstance(samples, Sequence):
                raise ValueError("string samples must be a list with one entry per sample")
            rows = [[s] if isinstance(s, str) else s for s in samples]
            if not all(
                isinstance(r, (list, tuple))
                and len(r) == st.n_chan
                and all(isinstance(v, str) for v in r)
                for r in rows
            ):
                raise ValueError(f"string samples must be {st.n_chan} str per sample")
            return [[v.encode("utf-8") for v in r] for r in rows]
        x = np.asarray(samples)
        if x.ndim == 1 and st.n_chan == 1:
            x = x[:, np.newaxis]
        if x.ndim != 2 or x.shape[1] != st.n_chan:
            raise ValueError(f"samples must have shape (n, {st.n_chan}), got {x.shape}")
        try:
            return x.astype(st.dtype, casting="same_kind", copy=False)
        except TypeError as exc:
            raise ValueError(f"samples of dtype {x.dtype} do not fit {st.dtype}: {exc}") from exc

    def _encode(
        self, sid: int, st: _Stream, ts: NDArray, rows: NDArray | list, stamped: bool
    ) -> list[bytes]:
        flag = b"\x08" if stamped else b"\x00"
        if st.dtype is None:
            out, body, count = [], [], 0
            for t, row in zip(ts.tolist(), rows, strict=True):
                stamp = flag + struct.pack("<d", t) if stamped else flag
                body.append(stamp + b"".join(encode_varlen(len(s)) + s for s in row))
                count += len(body[-1])
                if count >= self._max_chunk:
                    out.append(
                        encode_chunk(Tag.SAMPLES, encode_varlen(len(body)) + b"".join(body), sid)
                    )
                    body, count = [], 0
            if body:
                out.append(
                    encode_chunk(Tag.SAMPLES, encode_varlen(len(body)) + b"".join(body), sid)
                )
            return out
        rec = np.empty(len(ts), dtype=sample_record(st.dtype, st.n_chan, stamped))
        rec["f"] = flag[0]
        if stamped:
            rec["t"] = ts
        rec["v"] = rows
        step = max(1, self._max_chunk // rec.dtype.itemsize)
        return [
            encode_chunk(Tag.SAMPLES, encode_varlen(len(part)) + part.tobytes(), sid)
            for part in (rec[k : k + step] for k in range(0, len(rec), step))
        ]

    def _emit(self, *chunks: bytes) -> None:
        if self._fd is None:
            raise ValueError(f"XDF file {self.path} is already closed")
        if time.monotonic() - self._last_boundary >= self._boundary_interval:
            chunks = (encode_chunk(Tag.BOUNDARY, BOUNDARY_UUID), *chunks)
            self._last_boundary = time.monotonic()
            self._sync()
        for chunk in chunks:
            self._write(chunk)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:  # os.write may write less than asked (signals, pipes)
                written = os.write(self._fd, view)  # type: ignore[arg-type]
                view = view[written:]
                self.bytes_written += written
        except OSError as exc:
            raise StreamError(f"Cannot write XDF file {self.path}: {exc.strerror or exc}.") from exc

    def _sync(self) -> None:
        if self._fd is None:
            return
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise StreamError(f"Cannot sync XDF file {self.path}: {exc.strerror or exc}.") from exc
