"""XDF 1.0 constants, chunk framing, sample coding and header XML shared by reader and writer."""

from __future__ import annotations

import functools
import struct
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

MAGIC = b"XDF:"
#: Content of every Boundary chunk; readers search for it to resynchronise after damage.
BOUNDARY_UUID = bytes.fromhex("43a546dccbf5410fb30ed5467383cbe4")


class Tag(IntEnum):
    """Chunk tags of XDF 1.0 (tag 7, the XDF 1.1 samples chunk, is deliberately absent)."""

    FILE_HEADER = 1
    STREAM_HEADER = 2
    SAMPLES = 3
    CLOCK_OFFSET = 4
    BOUNDARY = 5
    STREAM_FOOTER = 6


_XML_DECL = b'<?xml version="1.0"?>'

#: Tags whose content starts with a uint32 StreamId.
TAGS_WITH_STREAM_ID = frozenset(
    {Tag.STREAM_HEADER, Tag.SAMPLES, Tag.CLOCK_OFFSET, Tag.STREAM_FOOTER}
)

#: Little-endian numpy dtype of each numeric channel format (XDF stores values little-endian).
NUMERIC_DTYPES: dict[str, np.dtype] = {
    "int8": np.dtype("<i1"),
    "int16": np.dtype("<i2"),
    "int32": np.dtype("<i4"),
    "int64": np.dtype("<i8"),
    "float32": np.dtype("<f4"),
    "double64": np.dtype("<f8"),
}
CHANNEL_FORMATS = frozenset([*NUMERIC_DTYPES, "string"])

_MAX_HEADER = 1 + 8 + 2 + 4  # length-size byte, longest length, tag, stream id
_BLOCK = 1 << 20


def tag_name(tag: int) -> str:
    """Human name of a chunk tag for messages, e.g. ``"Samples"`` or ``"unknown tag 9"``."""
    if tag == 7:
        return "XDF 1.1 Samples (tag 7, unsupported)"
    try:
        return Tag(tag).name.replace("_", " ").title().replace(" ", "")
    except ValueError:
        return f"unknown tag {tag}"


class XdfFormatError(ValueError):
    """The bytes at ``offset`` are not what XDF requires there.

    Args:
        offset: absolute byte offset in the file where the problem starts.
        expected: what should have been there, in words.
    """

    def __init__(self, offset: int, expected: str) -> None:
        super().__init__(f"at byte {offset}: expected {expected}")
        self.offset = offset
        self.expected = expected


class XdfTruncatedError(XdfFormatError):
    """The file ends inside the chunk that starts at ``offset``."""


@dataclass(frozen=True, slots=True)
class ChunkHeader:
    """Where one chunk lies in the file.

    Attributes:
        offset: byte where the chunk (its length-size byte) starts.
        tag: chunk tag (see :class:`Tag`).
        body_start: first byte after the tag and, for stream chunks, the StreamId.
        end: one past the chunk's last byte (the next chunk's offset).
        stream_id: the StreamId for tags 2, 3, 4 and 6, else None.
    """

    offset: int
    tag: int
    body_start: int
    end: int
    stream_id: int | None


def encode_varlen(value: int) -> bytes:
    """Encode a non-negative int as an XDF variable-length integer (1, 4 or 8 bytes + size byte)."""
    if value < 0:
        raise ValueError(f"varlen integers are unsigned, got {value}")
    if value < 1 << 8:
        return bytes((1, value))
    if value < 1 << 32:
        return b"\x04" + struct.pack("<I", value)
    return b"\x08" + struct.pack("<Q", value)


def decode_varlen(buf: bytes | memoryview, pos: int, base: int = 0) -> tuple[int, int]:
    """Decode a variable-length integer from ``buf`` at ``pos``.

    Args:
        buf: bytes holding the integer.
        pos: index of its size byte in ``buf``.
        base: file offset of ``buf[0]``, used only in error messages.

    Returns:
        ``(value, index just after the integer)``.

    Raises:
        XdfFormatError: invalid size byte or the buffer ends inside the integer.
    """
    if pos >= len(buf):
        raise XdfFormatError(base + pos, "a variable-length integer, found the end of the chunk")
    size = buf[pos]
    if size not in (1, 4, 8):
        raise XdfFormatError(base + pos, f"a varlen size byte of 1, 4 or 8, found {size}")
    end = pos + 1 + size
    if end > len(buf):
        raise XdfFormatError(base + pos, "a variable-length integer, found the end of the chunk")
    return int.from_bytes(buf[pos + 1 : end], "little"), end


def encode_chunk(tag: int, content: bytes, stream_id: int | None = None) -> bytes:
    """Frame ``content`` as one complete chunk: length, tag, optional StreamId, content."""
    head = struct.pack("<H", tag) if stream_id is None else struct.pack("<HI", tag, stream_id)
    return encode_varlen(len(head) + len(content)) + head + content


def _xml(root: ET.Element) -> bytes:
    return _XML_DECL + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def stream_header_xml(fields: dict[str, str], labels: Sequence[str], units: Sequence[str]) -> bytes:
    """StreamHeader XML: ``<info>`` with ``fields`` in order, then one ``desc/channels/channel``
    (label, unit, and the stream type) per label, as LSL tools expect."""
    root = ET.Element("info")
    for tag, text in fields.items():
        ET.SubElement(root, tag).text = text
    channels = ET.SubElement(ET.SubElement(root, "desc"), "channels")
    for label, unit in zip(labels, units, strict=True):
        ch = ET.SubElement(channels, "channel")
        for tag, text in (("label", label), ("unit", unit), ("type", fields.get("type", ""))):
            ET.SubElement(ch, tag).text = text
    return _xml(root)


def footer_xml(
    first: float, last: float, count: int, offsets: Sequence[tuple[float, float]]
) -> bytes:
    """StreamFooter XML as LabRecorder writes it: first/last timestamp (s), sample_count and
    every ``(collection_time, offset)`` clock offset (s)."""
    root = ET.Element("info")
    for tag, text in (
        ("first_timestamp", first),
        ("last_timestamp", last),
        ("sample_count", count),
    ):
        ET.SubElement(root, tag).text = repr(text)
    clock = ET.SubElement(root, "clock_offsets")
    for t, v in offsets:
        offset = ET.SubElement(clock, "offset")
        ET.SubElement(offset, "time").text = repr(t)
        ET.SubElement(offset, "value").text = repr(v)
    return _xml(root)


def parse_stream_header(xml: str) -> dict[str, Any]:
    """Parse StreamHeader XML into name, type, source_id, hostname (str, "" if absent),
    channel_count (int), nominal_srate (float, Hz), channel_format, labels and units (tuples,
    one per ``desc/channels/channel``) and can_drop_samples (bool).

    Raises:
        ValueError: invalid XML or missing/invalid count, rate or format.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:  # a SyntaxError, which callers should not need to know
        raise ValueError(str(exc)) from exc
    info: dict[str, Any] = {
        k: root.findtext(k) or "" for k in ("name", "type", "source_id", "hostname")
    }
    info["channel_count"] = count = int(root.findtext("channel_count") or "")
    info["nominal_srate"] = float(root.findtext("nominal_srate") or "")
    info["channel_format"] = fmt = root.findtext("channel_format") or ""
    if fmt not in CHANNEL_FORMATS or count < 0:
        raise ValueError(f"channel_format {fmt!r}, channel_count {count}")
    channels = root.findall("desc/channels/channel")
    info["labels"] = tuple(ch.findtext("label") or "" for ch in channels)
    info["units"] = tuple(ch.findtext("unit") or "" for ch in channels)
    drop = root.findtext("desc/synchronization/can_drop_samples") or ""
    info["can_drop_samples"] = drop.lower() == "true"
    return info


def parse_footer(xml: bytes) -> dict[str, Any]:
    """Parse StreamFooter XML into first_timestamp, last_timestamp (float s) and sample_count
    (int), each only if present.

    Raises:
        ValueError: invalid XML or numbers.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ValueError(str(exc)) from exc
    out: dict[str, Any] = {
        k: float(v) for k in ("first_timestamp", "last_timestamp") if (v := root.findtext(k))
    }
    if count := root.findtext("sample_count"):
        out["sample_count"] = int(count)
    return out


def read_chunk_header(f: BinaryIO, offset: int, file_size: int) -> ChunkHeader:
    """Read the framing of the chunk starting at ``offset`` without reading its content.

    Args:
        f: the file, opened in binary mode.
        offset: where the chunk starts; must be below ``file_size``.
        file_size: bytes in the file; a chunk reaching past it is truncated.

    Raises:
        XdfTruncatedError: the file ends inside this chunk.
        XdfFormatError: the framing is invalid (bad size byte, impossible length).
    """
    f.seek(offset)
    head = f.read(_MAX_HEADER)
    size = head[0]
    if size not in (1, 4, 8):
        raise XdfFormatError(offset, f"a chunk length size byte of 1, 4 or 8, found {size}")
    if len(head) < 1 + size + 2:
        raise XdfTruncatedError(offset, "a complete chunk header, found the end of the file")
    length = int.from_bytes(head[1 : 1 + size], "little")
    tag = int.from_bytes(head[1 + size : 3 + size], "little")
    body_start = offset + 3 + size
    stream_id = None
    if tag in TAGS_WITH_STREAM_ID:
        if length < 6:
            raise XdfFormatError(offset, f"a {tag_name(tag)} chunk of at least 6 bytes")
        if len(head) < 7 + size:
            raise XdfTruncatedError(offset, "a complete chunk header, found the end of the file")
        stream_id = int.from_bytes(head[3 + size : 7 + size], "little")
        body_start += 4
    elif length < 2:
        raise XdfFormatError(offset, f"a chunk length of at least 2, found {length}")
    end = offset + 1 + size + length
    if end > file_size:
        raise XdfTruncatedError(
            offset,
            f"{end - offset} bytes of a {tag_name(tag)} chunk, found {file_size - offset}",
        )
    return ChunkHeader(offset, tag, body_start, end, stream_id)


def scan_for_boundary(f: BinaryIO, start: int, stop: int) -> int | None:
    """Find the first Boundary UUID in ``[start, stop)`` and return the offset just after it."""
    pos = start
    while pos < stop:
        f.seek(pos)
        block = f.read(min(_BLOCK, stop - pos))
        hit = block.find(BOUNDARY_UUID)
        if hit >= 0:
            return pos + hit + len(BOUNDARY_UUID)
        if pos + len(block) >= stop:
            return None
        # Overlap blocks so a UUID split across two reads is still found.
        pos += len(block) - len(BOUNDARY_UUID) + 1
    return None


@functools.lru_cache(maxsize=64)
def sample_record(dtype: np.dtype, n_chan: int, stamped: bool) -> np.dtype:
    """Packed dtype of one numeric sample on disk: TimeStampBytes, [float64 stamp], values."""
    fields = [("f", "u1"), ("t", "<f8")] if stamped else [("f", "u1")]
    return np.dtype([*fields, ("v", dtype, (n_chan,))])


def _sample_timestamp(
    buf: bytes | bytearray | memoryview,
    pos: int,
    last_ts: float,
    tdiff: float,
    base: int,
    k: int,
    n: int,
) -> tuple[float, int]:
    """One sample's TimeStampBytes field: a float64 stamp (8) or deduced from the last (0).

    Returns:
        (timestamp s, position after the field).
    """
    flag = buf[pos] if pos < len(buf) else -1
    if flag == 8 and pos + 9 <= len(buf):
        return struct.unpack_from("<d", buf, pos + 1)[0], pos + 9
    if flag == 0:
        return last_ts + tdiff, pos + 1
    raise XdfFormatError(base + pos, f"TimeStampBytes 0 or 8 of sample {k + 1} of {n}")


def decode_numeric(
    buf: bytes | bytearray | memoryview,
    n: int,
    dtype: np.dtype,
    n_chan: int,
    last_ts: float,
    tdiff: float,
    base: int,
    out_dtype: np.dtype | None = None,
    *,
    copy: bool = True,
) -> tuple[NDArray[np.float64], NDArray]:
    """Decode ``n`` numeric samples (each: TimeStampBytes, optional float64, values).

    Timestamps the file omits (TimeStampBytes 0) are deduced as pyxdf does: the previous
    timestamp plus ``tdiff``, added one sample at a time.

    Args:
        buf: exactly the bytes of the ``n`` samples.
        n: number of samples in ``buf``.
        dtype: little-endian dtype of one value.
        n_chan: channels per sample.
        last_ts: timestamp (s) of the stream's previous sample, 0.0 before the first.
        tdiff: 1 / nominal rate (s), 0.0 for irregular streams.
        base: file offset of ``buf[0]``, for error messages.
        out_dtype: dtype of the returned values; None keeps the stream's own (native-endian).
            Asking for float64 here converts in the one copy out of ``buf`` instead of two.
        copy: False returns the values, when no conversion is needed and every sample has
            the same layout, as a read-only strided view into ``buf`` (no copy at all): ``buf``
            must then stay untouched while they are used.

    Returns:
        ``(timestamps (n,) float64 s, values (n, n_chan) out_dtype)``, new arrays that share
        no memory with ``buf`` (so ``buf`` may be reused at once) unless ``copy`` is False.

    Raises:
        XdfFormatError: TimeStampBytes other than 0 or 8, or the sizes do not add up.
    """
    ts, rec, starts = _numeric_layout(buf, n, dtype, n_chan, last_ts, tdiff, base)
    out = dtype.newbyteorder("=") if out_dtype is None else out_dtype
    if rec is not None:
        values = rec["v"]
        if not copy and values.dtype == out:
            values.flags.writeable = False  # a view of the caller's buffer: look, do not touch
            return ts, values
        return ts, values.astype(out)
    assert starts is not None
    sb = dtype.itemsize * n_chan
    raw = np.frombuffer(buf, dtype=np.uint8)[starts[:, None] + np.arange(sb)]
    return ts, raw.view(dtype).reshape(n, n_chan).astype(out)


def decode_numeric_timestamps(
    buf: bytes | bytearray | memoryview,
    n: int,
    dtype: np.dtype,
    n_chan: int,
    last_ts: float,
    tdiff: float,
    base: int,
) -> NDArray[np.float64]:
    """The timestamps (n,) float64 s of ``n`` numeric samples, never touching their values.

    Same arguments, checks and timestamps as :func:`decode_numeric` (for a pass that needs only
    the time axis, such as fitting the dejitter lines): the float64 stamps are read through a
    strided view of the records, so the cost is per sample, not per value.

    Raises:
        XdfFormatError: TimeStampBytes other than 0 or 8, or the sizes do not add up.
    """
    return _numeric_layout(buf, n, dtype, n_chan, last_ts, tdiff, base)[0]


def _numeric_layout(
    buf: bytes | bytearray | memoryview,
    n: int,
    dtype: np.dtype,
    n_chan: int,
    last_ts: float,
    tdiff: float,
    base: int,
) -> tuple[NDArray[np.float64], NDArray | None, NDArray[np.intp] | None]:
    """Check ``n`` numeric samples and find their timestamps and where their values are.

    Returns:
        ``(timestamps (n,) float64 s, records, starts)``: when every sample is stamped or none
        is, ``records`` is a structured view of ``buf`` (fields ``f``, [``t``,] ``v``) and
        ``starts`` None; for a mix, ``records`` is None and ``starts`` (n,) the byte offset of
        each sample's values in ``buf``.
    """
    sb = dtype.itemsize * n_chan
    size = len(buf)
    n_ts, rest = divmod(size - n * (1 + sb), 8)
    if rest or not 0 <= n_ts <= n:
        raise XdfFormatError(base, f"{n} samples of {sb} value bytes, found {size} bytes")
    if n_ts in (0, n):
        rec = np.frombuffer(buf, dtype=sample_record(dtype, n_chan, n_ts > 0), count=n)
        if (rec["f"] != (8 if n_ts else 0)).any():
            raise XdfFormatError(base, "TimeStampBytes of 0 or 8 before every sample")
        if n_ts:
            ts = rec["t"].astype(np.float64)
        else:
            ts = np.add.accumulate(np.r_[last_ts, np.full(n, tdiff)])[1:]
        return ts, rec, None
    # Mixed stamped and deduced samples: walk them one by one, as their offsets depend on it.
    ts = np.empty(n, dtype=np.float64)
    starts = np.empty(n, dtype=np.intp)
    pos = 0
    for k in range(n):
        last_ts, pos = _sample_timestamp(buf, pos, last_ts, tdiff, base, k, n)
        ts[k] = last_ts
        starts[k] = pos
        pos += sb
        if pos > size:
            raise XdfFormatError(base, f"{n} samples of {sb} value bytes in {size} bytes")
    return ts, None, starts


def decode_strings(
    buf: bytes, n: int, n_chan: int, last_ts: float, tdiff: float, base: int
) -> tuple[NDArray[np.float64], list[list[str]]]:
    """Decode ``n`` string samples (TimeStampBytes, optional float64, varlen length + UTF-8).

    Args:
        buf: exactly the bytes of the ``n`` samples.
        n: number of samples.
        n_chan: strings per sample.
        last_ts: previous timestamp (s) of this stream, 0.0 before the first.
        tdiff: 1 / nominal rate (s), 0.0 for irregular streams.
        base: file offset of ``buf[0]``, for error messages.

    Returns:
        ``(timestamps (n,) float64 s, n lists of n_chan strings)``; invalid UTF-8 is replaced.
    """
    ts = np.empty(n, dtype=np.float64)
    out: list[list[str]] = []
    pos = 0
    for k in range(n):
        last_ts, pos = _sample_timestamp(buf, pos, last_ts, tdiff, base, k, n)
        ts[k] = last_ts
        row = []
        for _ in range(n_chan):
            size, pos = decode_varlen(buf, pos, base)
            if pos + size > len(buf):
                raise XdfFormatError(base + pos, f"a string of {size} bytes inside the chunk")
            row.append(buf[pos : pos + size].decode("utf-8", errors="replace"))
            pos += size
        out.append(row)
    if pos != len(buf):
        raise XdfFormatError(base + pos, f"the end of the Samples chunk after {n} samples")
    return ts, out
