"""Bounded-memory XDF 1.0 reader whose samples and timestamps match ``pyxdf.load_xdf``.

The constructor scans chunk headers only (seeking past sample payloads) to learn the streams,
clock offsets, footers and sample counts. :meth:`XdfReader.iter_chunks` then streams the samples
in file order, at most ``max_samples`` per block, so memory depends on the block and chunk size,
never on the file size.

Timestamps equal pyxdf's with the same options. Defaults are pyxdf's own defaults
(``synchronize_clocks=True, handle_clock_resets=True, dejitter_timestamps=True``): ``dejitter``
defaults to True. Dejitter needs each break-free segment's least-squares line before the first
sample can be corrected, so when it is on, the first ``iter_chunks`` call makes one extra pass
that reads timestamps only and keeps a few numbers per segment (:mod:`.xdf_timing`). The fit is
the same line pyxdf computes with ``np.linalg.lstsq``, evaluated in centred form, so dejittered
timestamps agree with pyxdf to rounding (~1e-9 s), not bit for bit; with ``dejitter=False`` they
are bit-identical. That pass is done in two spans of the file (:meth:`XdfReader.fit_spans`) whose
sums are then joined, always the same way, so two processes can read the spans at once
(:mod:`.xdf_prefetch`) and get exactly the timestamps one process gets.

A file cut short (a crash mid-recording) is read up to its last complete chunk and reported in
:attr:`XdfReader.truncated_at` and :attr:`XdfReader.warnings`.
"""

from __future__ import annotations

import contextlib
import copy
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from ionm_tui.errors import StreamError
from ionm_tui.streams.xdf_format import (
    MAGIC,
    NUMERIC_DTYPES,
    ChunkHeader,
    Tag,
    XdfFormatError,
    XdfTruncatedError,
    decode_numeric,
    decode_numeric_timestamps,
    decode_strings,
    decode_varlen,
    parse_footer,
    parse_stream_header,
    read_chunk_header,
    scan_for_boundary,
    tag_name,
)
from ionm_tui.streams.xdf_timing import (
    ClockCorrector,
    JitterFitter,
    JitterModel,
    last_offset_anomalous,
)

#: Samples of one block: (n, ch) array, or n strings, or n lists of ch strings.
Samples = NDArray | list[str] | list[list[str]]
#: One block: stream id, timestamps (n,) float64 s, samples.
Block = tuple[int, NDArray[np.float64], Samples]
_TIMING_BLOCK = 16384  # samples per block in the timestamp-only pass
# The header scan hints the OS to fetch where the next few Samples chunks' headers probably are:
# chunks of a stream tend to have one size, so they are guessed one chunk length apart.
_HINT_MIN_CHUNK = 64 << 10  # smaller chunks share pages (and read-ahead) with their neighbours
_HINT_CHUNKS_AHEAD = 3  # more outstanding guesses only delay the read the scan waits for
_HINT_BYTES = 8192  # a header guessed a few bytes off still falls in these two pages


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of the file's chunks, for fitting timestamps piecewise.

    Attributes:
        start, stop: byte offsets; the chunks starting in [start, stop) belong to the span.
        first_index: stream id -> index of that stream's first sample in the span.
    """

    start: int
    stop: int
    first_index: dict[int, int]


@dataclass(frozen=True, slots=True)
class XdfStreamInfo:
    """What the file says about one stream (header, footer, clock offsets, counts).

    Attributes:
        stream_id: the XDF StreamId.
        name, type, source_id, hostname: header fields, "" when absent.
        channel_count: values per sample.
        nominal_srate: Hz, 0.0 for irregular (marker) streams.
        channel_format: "float32", "double64", "int8/16/32/64" or "string".
        labels, units: from ``desc/channels/channel/{label,unit}``, one per channel found.
        sample_count: samples :meth:`XdfReader.iter_chunks` yields for this stream.
        clock_offsets: ``(collection_time, offset)`` pairs in s, as used for synchronisation.
        first_timestamp, last_timestamp, footer_sample_count: from the footer, None if absent.
        header_xml: the stream header's XML, for anything not parsed here.
    """

    stream_id: int
    name: str
    type: str
    channel_count: int
    nominal_srate: float
    channel_format: str
    source_id: str
    hostname: str
    labels: tuple[str, ...]
    units: tuple[str, ...]
    sample_count: int
    clock_offsets: tuple[tuple[float, float], ...]
    first_timestamp: float | None
    last_timestamp: float | None
    footer_sample_count: int | None
    header_xml: str = field(repr=False)


@dataclass
class _Stream:
    """Mutable per-stream facts gathered by the header pass."""

    info: dict
    dtype: np.dtype | None
    tdiff: float
    can_drop: bool
    count: int = 0
    clock: list[tuple[float, float]] = field(default_factory=list)
    footer: dict = field(default_factory=dict)
    limit: int | None = None
    corrector: ClockCorrector | None = None


class _ReadBuffer:
    """One growable byte buffer that fixed-size sample reads go into, instead of a new ``bytes``
    object (and its page faults) per block."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def view(self, n: int) -> memoryview:
        """A writable view of the first ``n`` bytes (previous views must not be used again)."""
        if len(self._buf) < n:
            self._buf = bytearray(n)  # a new object: a view still held elsewhere stays valid
        return memoryview(self._buf)[:n]


class XdfReader:
    """Scan an XDF file's structure now; stream its samples later with :meth:`iter_chunks`.

    Args:
        path: the .xdf file.
        synchronize_clocks: add each stream's fitted clock offset (pyxdf default True).
        handle_clock_resets: split the offset fit at clock resets (pyxdf default True).
        dejitter: replace regular streams' timestamps by per-segment straight lines
            (pyxdf's ``dejitter_timestamps``, default True).

    Attributes:
        path: the file.
        size: its size in bytes when scanned.
        end: byte offset after the last chunk that is read (``size`` for an intact file).
        truncated_at: offset of the incomplete or damaged chunk where reading stops, or None.
        file_header_xml: the FileHeader chunk's XML ("" if absent).

    Raises:
        StreamError: the file cannot be opened, is not XDF, or a complete chunk is invalid.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronize_clocks: bool = True,
        handle_clock_resets: bool = True,
        dejitter: bool = True,
    ) -> None:
        self.path = Path(path)
        self._sync, self._dejitter = synchronize_clocks, dejitter
        self._streams: dict[int, _Stream] = {}
        self._skips: dict[int, int] = {}  # damaged chunk offset -> offset after next Boundary
        self._jitter: dict[int, JitterModel] = {}
        self._warnings: list[str] = []
        self.truncated_at: int | None = None
        self.file_header_xml = ""
        # Where the file splits in two for the timestamp pass (see fit_spans): the first Samples
        # chunk past half the file, and each stream's sample count before it. Streams with
        # samples before it must restart with an explicit timestamp after it, since a deduced
        # one needs the previous sample's; they are checked as the scan reaches them.
        self._split: Span | None = None
        self._split_unchecked: set[int] = set()
        self._split_ok = True
        self._hinted = 0  # the furthest offset the scan has asked the OS to fetch ahead
        try:
            self.size = self.path.stat().st_size
            with open(self.path, "rb") as f:
                if f.read(4) != MAGIC:
                    raise StreamError(
                        f"{self.path} is not an XDF file: it does not start with 'XDF:'."
                    )
                self.end = self._scan(f)
        except OSError as exc:
            raise StreamError(f"Cannot read XDF file {self.path}: {exc.strerror or exc}.") from exc
        for sid, st in self._streams.items():
            self._prepare(sid, st, handle_clock_resets)

    @property
    def streams(self) -> tuple[XdfStreamInfo, ...]:
        """Every stream in the order its header appears in the file."""
        return tuple(self._info(sid, st) for sid, st in self._streams.items())

    @property
    def warnings(self) -> tuple[str, ...]:
        """Human-readable notes on damage, truncation and skipped data, in file order."""
        return tuple(self._warnings)

    def iter_chunks(
        self,
        stream_ids: Iterable[int] | None = None,
        max_samples: int = 4096,
        *,
        values_dtype: np.dtype | type | None = None,
        zero_copy: bool = False,
    ) -> Iterator[Block]:
        """Yield ``(stream_id, timestamps, samples)`` blocks in file order.

        Args:
            stream_ids: streams to read; None reads all.
            max_samples: most samples per block (≥ 1).
            values_dtype: dtype of numeric streams' sample arrays; None keeps each stream's
                own. A consumer that wants float64 anyway gets it in the one copy out of the
                file's bytes (the values are the same as converting afterwards).
            zero_copy: numeric samples that need no conversion (the stream's own dtype is the
                one asked for) come as read-only strided views into each block's own bytes,
                not copies. For a consumer that copies them anyway (the engine's ring does): it
                saves a full pass over the data.

        Yields:
            stream id; timestamps, shape (n,), float64 s after synchronisation and dejitter;
            samples: numeric streams an (n, channel_count) array of the stream's dtype (or
            ``values_dtype``), string streams a list of n strings (one channel) or n lists of
            strings. Every array is new: nothing yielded is overwritten later.

        Raises:
            ValueError: unknown stream id or ``max_samples`` < 1.
            StreamError: a sample chunk's content is damaged.
        """
        ids = set(self._streams) if stream_ids is None else set(stream_ids)
        if unknown := ids - set(self._streams):
            raise ValueError(f"{self.path} has no stream with id {sorted(unknown)}")
        if max_samples < 1:
            raise ValueError(f"max_samples must be at least 1, got {max_samples}")
        out = None if values_dtype is None else np.dtype(values_dtype)
        # not a generator itself, so errors raise here
        return self._iter(ids, max_samples, out, zero_copy)

    def _iter(
        self, ids: set[int], max_samples: int, out: np.dtype | None, zero_copy: bool
    ) -> Iterator[Block]:
        self._fit_jitter(ids)
        correctors = {s: copy.copy(self._streams[s].corrector) for s in ids}
        for sid, first, ts, values in self._blocks(ids, max_samples, out, zero_copy=zero_copy):
            if sid in self._jitter:
                ts = self._jitter[sid](first, len(ts))
            elif (corrector := correctors[sid]) is not None:
                ts = corrector(ts)
            yield sid, ts, values

    # -- header pass ----------------------------------------------------------------------

    def _scan(self, f: BinaryIO) -> int:
        pos = len(MAGIC)
        while pos < self.size:
            try:
                head = read_chunk_header(f, pos, self.size)
                self._scan_chunk(f, head)
                pos = head.end
            except XdfTruncatedError as exc:
                self.truncated_at = pos
                self._warnings.append(
                    f"{self.path} ends at byte {self.size} inside a chunk that starts at byte "
                    f"{pos} ({exc}); data up to byte {pos} is used — the recording was probably "
                    "interrupted."
                )
                return pos
            except XdfFormatError as exc:
                resume = scan_for_boundary(f, pos + 1, self.size)
                if resume is None and pos == len(MAGIC):
                    raise StreamError(
                        f"{self.path} is damaged {exc}; nothing is readable."
                    ) from exc
                if resume is None:
                    self.truncated_at = pos
                    self._warnings.append(
                        f"{self.path} is damaged {exc}; no Boundary chunk follows, so data after "
                        f"byte {pos} is ignored."
                    )
                    return pos
                self._skips[pos] = resume
                self._warnings.append(
                    f"{self.path} is damaged {exc}; skipped to the Boundary chunk ending at byte "
                    f"{resume}."
                )
                pos = resume
        return pos

    def _hint_ahead(self, f: BinaryIO, h: ChunkHeader) -> None:
        """Ask the OS to fetch the pages where the next Samples chunks' headers should be.

        On a cold file the scan is bound by waiting for one small read per chunk, each at an
        address known only once the previous header is read. Guessing a few chunks ahead lets
        those reads overlap: the cold scan of a 60-minute 32-channel case took 0.29 s instead
        of 0.50 s (2-core VM). A wrong guess costs one small read; nothing depends on it.
        """
        length = h.end - h.offset
        if length < _HINT_MIN_CHUNK or not hasattr(os, "posix_fadvise"):
            return
        for j in range(1, _HINT_CHUNKS_AHEAD + 1):
            at = h.end + j * length
            if at >= self.size:
                break
            if at > self._hinted:
                self._hinted = at
                with contextlib.suppress(OSError):  # only a hint
                    page = at - at % 4096
                    os.posix_fadvise(f.fileno(), page, _HINT_BYTES, os.POSIX_FADV_WILLNEED)

    def _scan_chunk(self, f: BinaryIO, h: ChunkHeader) -> None:
        f.seek(h.body_start)
        if h.tag == Tag.SAMPLES:
            self._hint_ahead(f, h)
            st = self._known(h)
            if st is not None:
                if self._split is None and h.offset >= self.size // 2:
                    counts = {sid: s.count for sid, s in self._streams.items()}
                    self._split = Span(h.offset, self.size, counts)
                    self._split_unchecked = {sid for sid, c in counts.items() if c}
                n, start = self._sample_count(f, h)
                if st.dtype is None:  # strings: walk them now, so damage shows up here
                    body = f.read(h.end - start)
                    decode_strings(body, n, st.info["channel_count"], 0.0, 0.0, start)
                    flag = body[:1]
                else:  # numeric: the sizes must add up for some number of stamped samples
                    sample_bytes = st.dtype.itemsize * st.info["channel_count"]
                    n_ts, rest = divmod(h.end - start - n * (1 + sample_bytes), 8)
                    if rest or not 0 <= n_ts <= n:
                        raise XdfFormatError(start, f"{n} samples filling the Samples chunk")
                    flag = f.read(1)
                # (Only a valid chunk with samples counts: an empty or damaged one is no sample.)
                if n and h.stream_id in self._split_unchecked:
                    self._split_unchecked.discard(h.stream_id)  # type: ignore[arg-type]
                    self._split_ok &= flag == b"\x08"
                st.count += n
        elif h.tag == Tag.CLOCK_OFFSET:
            body = f.read(h.end - h.body_start)
            if len(body) != 16:
                raise XdfFormatError(h.body_start, "16 bytes of ClockOffset content")
            if (st := self._known(h)) is not None:
                st.clock.append(struct.unpack("<dd", body))
        elif h.tag == Tag.STREAM_HEADER:
            self._add_stream(h, f.read(h.end - h.body_start).decode("utf-8", "replace"))
        elif h.tag == Tag.STREAM_FOOTER:
            if (st := self._known(h)) is not None:
                st.footer = self._parse_footer(h, f.read(h.end - h.body_start))
        elif h.tag == Tag.FILE_HEADER:
            self.file_header_xml = f.read(h.end - h.body_start).decode("utf-8", "replace")
        elif h.tag != Tag.BOUNDARY:
            self._warnings.append(
                f"{self.path}: skipped a chunk of type {tag_name(h.tag)} at byte {h.offset}."
            )

    def _sample_count(self, f: BinaryIO, h: ChunkHeader) -> tuple[int, int]:
        f.seek(h.body_start)
        n, used = decode_varlen(f.read(min(9, h.end - h.body_start)), 0, h.body_start)
        f.seek(h.body_start + used)
        return n, h.body_start + used

    def _known(self, h: ChunkHeader) -> _Stream | None:
        st = self._streams.get(h.stream_id)  # type: ignore[arg-type]
        if st is None:
            self._warnings.append(
                f"{self.path}: skipped a {tag_name(h.tag)} chunk at byte {h.offset} for stream "
                f"{h.stream_id}, which has no header before it."
            )
        return st

    def _add_stream(self, h: ChunkHeader, xml: str) -> None:
        try:
            info = parse_stream_header(xml)
        except ValueError as exc:
            raise StreamError(
                f"{self.path} is damaged at byte {h.offset}: expected a StreamHeader with valid "
                f"XML, channel_count, nominal_srate and channel_format ({exc})."
            ) from exc
        if h.stream_id in self._streams:
            self._warnings.append(f"{self.path}: ignored a second header at byte {h.offset}.")
            return
        info["xml"] = xml
        srate = info["nominal_srate"]
        dtype = NUMERIC_DTYPES.get(info["channel_format"])
        tdiff = 1.0 / srate if srate > 0 else 0.0
        self._streams[h.stream_id] = _Stream(info, dtype, tdiff, info["can_drop_samples"])  # type: ignore[index]

    def _parse_footer(self, h: ChunkHeader, body: bytes) -> dict:
        try:
            return parse_footer(body)
        except ValueError:
            self._warnings.append(
                f"{self.path}: ignored an unreadable StreamFooter at byte {h.offset}."
            )
            return {}

    def _prepare(self, sid: int, st: _Stream, handle_resets: bool) -> None:
        if not self._sync:
            return
        footer_count = st.footer.get("sample_count")
        # pyxdf drops the extra sample and garbage offset of the pylsl#67 bug; so do we.
        if footer_count is not None and st.count > footer_count and len(st.clock) >= 3:
            times, values = zip(*st.clock, strict=True)
            if last_offset_anomalous(times, values):
                st.clock.pop()
                st.limit = footer_count
                self._warnings.append(
                    f"{self.path}: stream {sid} has {st.count - footer_count} sample(s) beyond its "
                    "footer's count and an anomalous last clock offset (pylsl#67); both dropped."
                )
        if st.clock and st.count:
            times, values = zip(*st.clock, strict=True)
            st.corrector = ClockCorrector(times, values, handle_resets)

    def _info(self, sid: int, st: _Stream) -> XdfStreamInfo:
        i = st.info
        return XdfStreamInfo(
            sid, i["name"], i["type"], i["channel_count"], i["nominal_srate"], i["channel_format"],
            i["source_id"], i["hostname"], i["labels"], i["units"],
            st.count if st.limit is None else min(st.count, st.limit), tuple(st.clock),
            st.footer.get("first_timestamp"), st.footer.get("last_timestamp"),
            st.footer.get("sample_count"), i["xml"],
        )  # fmt: skip

    # -- sample passes --------------------------------------------------------------------

    def fit_spans(self) -> tuple[Span, ...]:
        """The spans the timestamp pass fits separately and joins in order: the file's two
        halves (split at a Samples chunk), or the whole file when it cannot be split safely
        (one Samples chunk, a stream whose first sample after the split has no timestamp of
        its own, or a clock reset). Depends on the file only, so every reader of it splits it
        the same way."""
        sp = self._split
        # (A stream still unchecked when the scan ended has no sample after the split.) A
        # stream whose clock was reset is fitted whole: which clock range its samples belong to
        # is decided sample by sample from the start, so a span cannot begin in the middle.
        resets = any(
            st.corrector is not None and st.corrector.n_ranges > 1 for st in self._streams.values()
        )
        if sp is None or not self._split_ok or sp.start >= self.end or resets:
            return (Span(len(MAGIC), self.end, {}),)
        first = {  # samples past a pylsl#67 limit are never read: they do not count
            sid: n if self._streams[sid].limit is None else min(n, self._streams[sid].limit)
            for sid, n in sp.first_index.items()
        }
        return (Span(len(MAGIC), sp.start, {}), Span(sp.start, self.end, first))

    def needs_fit(self, ids: Iterable[int]) -> set[int]:
        """The streams among ``ids`` whose timestamps are dejittered and not yet fitted."""
        return {
            s for s in ids
            if self._dejitter and s not in self._jitter and self._streams[s].tdiff > 0
            and not self._streams[s].can_drop and self._streams[s].count > 0
        }  # fmt: skip

    def fit_span(self, ids: Iterable[int], span: Span) -> dict[int, JitterFitter]:
        """Least-squares sums of the timestamps of ``ids`` in one span (reads timestamps only).

        Raises:
            StreamError: a sample chunk in the span is damaged.
        """
        todo = set(ids)
        fitters = {
            s: JitterFitter(self._streams[s].tdiff, span.first_index.get(s, 0)) for s in todo
        }
        # A fresh corrector per span finds its clock range from the timestamps themselves.
        correctors = {s: copy.copy(self._streams[s].corrector) for s in todo}
        # Only the time axis is needed here: the values are never decoded (see _decode).
        blocks = self._blocks(todo, _TIMING_BLOCK, None, timestamps_only=True, span=span)
        for sid, _, ts, _ in blocks:
            corrector = correctors[sid]
            fitters[sid].add(ts if corrector is None else corrector(ts))
        return fitters

    def use_fits(self, parts: list[dict[int, JitterFitter]]) -> None:
        """Dejitter with the fits of :meth:`fit_spans`' spans, given in file order."""
        joined = parts[0]
        for part in parts[1:]:
            for sid, fitter in part.items():
                joined[sid].extend(fitter)
        self._jitter.update({s: fitter.finish() for s, fitter in joined.items()})

    def _fit_jitter(self, ids: set[int]) -> None:
        todo = self.needs_fit(ids)
        if todo:
            self.use_fits([self.fit_span(todo, span) for span in self.fit_spans()])

    def _blocks(
        self,
        ids: set[int],
        max_samples: int,
        out: np.dtype | None,
        *,
        timestamps_only: bool = False,
        zero_copy: bool = False,
        span: Span | None = None,
    ) -> Iterator[tuple[int, int, NDArray[np.float64], Samples | None]]:
        """Raw (unsynchronised) timestamps and samples of ``ids``, in file order.

        Args:
            span: read only this span's chunks (default: the whole file).

        Yields:
            stream id, index of the block's first sample in its stream, raw timestamps (n,)
            float64 s, and the samples (None for numeric streams when ``timestamps_only``).
        """
        span = span or Span(len(MAGIC), self.end, {})
        last = dict.fromkeys(ids, 0.0)  # previous raw timestamp, for deduced ones
        done = {s: span.first_index.get(s, 0) for s in ids}  # samples before this block
        buf = _ReadBuffer()  # reused for every fixed-stride read: nothing yielded points into it
        try:
            with open(self.path, "rb") as f:
                if hasattr(os, "posix_fadvise"):  # a hint for larger read-ahead: a cold case
                    # read in two halves took 1.21 s instead of 1.57 s (medians of 9, 2-core VM)
                    os.posix_fadvise(
                        f.fileno(), span.start, span.stop - span.start, os.POSIX_FADV_SEQUENTIAL
                    )
                pos = span.start
                while pos < span.stop:
                    if pos in self._skips:
                        pos = self._skips[pos]
                        continue
                    h = read_chunk_header(f, pos, self.size)
                    pos = h.end
                    if h.tag != Tag.SAMPLES or h.stream_id not in ids:
                        continue
                    sid = h.stream_id
                    st = self._streams[sid]
                    blocks = self._decode(
                        f, h, st, last[sid], max_samples, buf, out, timestamps_only, zero_copy
                    )
                    for ts, values in blocks:
                        last[sid] = float(ts[-1])
                        keep = len(ts) if st.limit is None else min(len(ts), st.limit - done[sid])
                        if keep > 0:
                            yield (
                                sid,
                                done[sid],
                                ts[:keep],
                                None if values is None else values[:keep],
                            )
                            done[sid] += keep
        except XdfFormatError as exc:
            raise StreamError(f"{self.path} is damaged {exc}.") from exc
        except OSError as exc:
            raise StreamError(f"Cannot read XDF file {self.path}: {exc.strerror or exc}.") from exc

    def _decode(
        self,
        f: BinaryIO,
        h: ChunkHeader,
        st: _Stream,
        last: float,
        max_samples: int,
        buf: _ReadBuffer,
        out: np.dtype | None,
        timestamps_only: bool,
        zero_copy: bool = False,
    ) -> Iterator[tuple[NDArray[np.float64], Samples | None]]:
        """One Samples chunk as blocks of at most ``max_samples``: (raw timestamps, samples).

        Fixed-size samples are read ``max_samples`` at a time into ``buf`` (reused: the decoded
        arrays are copies), so memory never depends on the chunk size. With
        ``timestamps_only``, numeric values are skipped (None): only the stamps are copied out.
        With ``zero_copy``, each block is read into bytes of its own and its values may stay
        views of them (see :meth:`iter_chunks`).
        """
        n, start = self._sample_count(f, h)
        n_chan = st.info["channel_count"]
        values: Samples | None
        if st.dtype is None:
            ts, rows = decode_strings(f.read(h.end - start), n, n_chan, last, st.tdiff, start)
            values = [r[0] for r in rows] if n_chan == 1 else rows
        else:
            stride, rest = divmod(h.end - start, n) if n else (0, 0)
            sb = st.dtype.itemsize * n_chan
            if n and not rest and stride in (1 + sb, 9 + sb):
                # Every sample has the same size: read max_samples at a time, never the whole chunk.
                for k in range(0, n, max_samples):
                    m = min(max_samples, n - k)
                    base = start + k * stride
                    if zero_copy and not timestamps_only:
                        # This block's own bytes: the values may stay views of them.
                        data: bytes | memoryview = f.read(m * stride)
                    else:
                        view = buf.view(m * stride)
                        data = view[: f.readinto(view)]  # a short read fails the size check
                    if timestamps_only:
                        ts = decode_numeric_timestamps(
                            data, m, st.dtype, n_chan, last, st.tdiff, base
                        )
                        vals = None
                    else:
                        ts, vals = decode_numeric(
                            data, m, st.dtype, n_chan, last, st.tdiff, base, out, copy=not zero_copy
                        )
                    last = float(ts[-1])
                    yield ts, vals
                return
            body = f.read(h.end - start)
            if timestamps_only:
                ts = decode_numeric_timestamps(body, n, st.dtype, n_chan, last, st.tdiff, start)
                values = None
            else:
                ts, values = decode_numeric(body, n, st.dtype, n_chan, last, st.tdiff, start, out)
        for k in range(0, n, max_samples):
            yield ts[k : k + max_samples], None if values is None else values[k : k + max_samples]
