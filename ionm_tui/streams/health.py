"""A stream's health: the frozen snapshot for the status bar and the watchdog that makes it."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

HealthState = Literal["connected", "stale", "lost", "waiting"]
"""``waiting``: open, no sample yet; ``stale``: samples stopped for a short while;
``lost``: stopped for long, or the stream is gone from the network; ``connected``: flowing."""


@dataclass(frozen=True, slots=True)
class StreamHealth:
    """How one stream is doing at one moment (published by its acquisition thread).

    Attributes:
        name: the LSL stream name.
        source_id: the LSL source_id ("" if the sender set none: such a stream cannot be
            recovered by liblsl).
        hostname: the machine the stream comes from.
        kind: ``"data"`` (regular numeric) or ``"markers"`` (irregular strings).
        connected: True iff ``state == "connected"``.
        state: see :data:`HealthState`.
        last_sample_age_s: seconds since the last sample arrived (local monotonic clock);
            None before the first one.
        nominal_srate_hz: the rate the stream declares (0.0 for markers).
        effective_srate_hz: samples (or markers) received per second over the last few
            seconds; None before the first sample.
        samples_received: samples (or markers) received since the inlet opened.
        chunks_dropped: queue items (chunks or markers) discarded because the consumer was
            too slow; the oldest go first.
        chunks_queued: items waiting in the queue now.
        clock_offset_s: the latest LSL clock correction (sender to local), None until known.
        reconnects: times the stream came back after being lost or restarted by its sender.
        message: one sentence for the status bar.
    """

    name: str
    source_id: str
    hostname: str
    kind: Literal["data", "markers"]
    connected: bool
    state: HealthState
    last_sample_age_s: float | None
    nominal_srate_hz: float
    effective_srate_hz: float | None
    samples_received: int
    chunks_dropped: int
    chunks_queued: int
    clock_offset_s: float | None
    reconnects: int
    message: str


_PRESENCE_GRACE_S = 3.0  # the continuous resolver's first answer takes ~0.5 s (measured)
_RATE_WINDOW_S = 5.0


class HealthTracker:
    """The stale/lost watchdog and counters of one stream, fed by its acquisition thread.

    Not thread-safe: one thread feeds it and publishes the frozen :meth:`snapshot`.

    A reconnect is counted when the stream becomes ``connected`` after being ``lost``, or
    after a new outlet instance (new LSL uid) with the same identity was seen, whichever is
    noticed first; the other sign of the same restart within ``absorb_s`` is not counted again.

    Args:
        name, source_id, hostname, kind, nominal_srate_hz: copied into every snapshot.
        stale_after_s: data only: no samples for this long → ``"stale"``.
        lost_after_s: data only: no samples for this long → ``"lost"``.
        uid: the LSL uid of the outlet instance first attached to.
        now: local monotonic seconds at open.
        absorb_s: how late the presence resolver may report a restart already counted.
    """

    def __init__(
        self,
        *,
        name: str,
        source_id: str,
        hostname: str,
        kind: Literal["data", "markers"],
        nominal_srate_hz: float,
        stale_after_s: float,
        lost_after_s: float,
        uid: str,
        now: float,
        absorb_s: float = 5.0,
    ) -> None:
        if not 0 < stale_after_s < lost_after_s:
            raise ValueError("HealthTracker: need 0 < stale_after_s < lost_after_s")
        self._ident = (name, source_id, hostname)
        self._kind: Literal["data", "markers"] = kind
        self._srate = nominal_srate_hz
        self._stale_s, self._lost_s, self._absorb_s = stale_after_s, lost_after_s, absorb_s
        self._opened, self._last = now, None
        self._present, self._seen_once = True, False
        self._uids = {uid}
        self._restart_pending, self._absorb_until = False, 0.0
        self._was_lost, self._reconnects = False, 0
        self._inlet_ok, self._lost_reason, self._fatal = True, "", ""
        self._received = 0
        self._rate_log: deque[tuple[float, int]] = deque()
        self.clock_offset_s: float | None = None
        self.note = ""
        self.new_instance = False
        """Set when the presence resolver sees a new outlet uid; the inlet thread clears it."""

    @property
    def has_samples(self) -> bool:
        """True once any sample has arrived."""
        return self._last is not None

    def samples(self, now: float, n: int) -> None:
        """``n`` > 0 samples (or markers) arrived at local monotonic time ``now``."""
        self._last = now
        self._received += n
        self._rate_log.append((now, n))

    def presence(self, now: float, uids: set[str]) -> None:
        """The uids the presence resolver currently reports for this stream's identity."""
        self._seen_once |= bool(uids)
        # Before the resolver's first answer an empty result means "not asked yet".
        self._present = bool(uids) or (
            not self._seen_once and now - self._opened < _PRESENCE_GRACE_S
        )
        if uids - self._uids:  # a new outlet instance: the sender restarted
            self._uids |= uids
            self.new_instance = True
            if now >= self._absorb_until:
                self._restart_pending = True

    def idle(self, now: float) -> bool:
        """True when rebuilding the inlet loses nothing: data silent, or markers were gone."""
        if self._kind == "markers":
            return self._was_lost
        return self._last is None or now - self._last >= self._stale_s

    def inlet_lost(self, reason: str) -> None:
        """The inlet was destroyed (liblsl gave up); ``reason`` ends up in the message."""
        self._inlet_ok, self._lost_reason = False, reason

    def inlet_rebuilt(self, now: float, uid: str) -> None:
        """A new inlet was built at ``now``, attached to outlet instance ``uid``."""
        self._inlet_ok = True
        self.presence(now, {uid})

    def failed(self, message: str) -> None:
        """The acquisition thread died; the stream stays ``lost`` with this message."""
        self._fatal = message

    def _state(self, now: float) -> tuple[HealthState, str]:
        name = self._ident[0]
        if self._fatal:
            return "lost", f"{name}: {self._fatal}"
        if self._kind == "markers":  # silent by nature: only presence tells
            if not self._inlet_ok or not self._present:
                return "lost", f"{name}: marker stream gone; waiting for it to return"
            return "connected", f"{name}: {self._received} markers received"
        if not self._inlet_ok:
            return "lost", f"{name}: lost ({self._lost_reason}); retrying every second"
        where = "still announced" if self._present else "gone from the network"
        if self._last is None:
            if now - self._opened > self._lost_s and not self._present:
                return "lost", f"{name}: no samples yet and {where}"
            return "waiting", f"{name}: connected, waiting for the first sample"
        age = now - self._last
        if age <= self._stale_s:
            return "connected", f"{name}: receiving (nominal {self._srate:g} Hz)"
        if age <= self._lost_s:
            return "stale", f"{name}: no samples for {age:.1f} s ({where})"
        return "lost", f"{name}: no samples for {age:.1f} s ({where}); waiting for it to return"

    def snapshot(self, now: float, dropped: int, queued: int) -> StreamHealth:
        """Advance the watchdog to ``now`` and return a frozen snapshot.

        Args:
            now: local monotonic seconds.
            dropped: queue items dropped so far.
            queued: queue items waiting now.
        """
        state, message = self._state(now)
        if state == "lost":
            self._was_lost = True
        elif state == "connected" and (self._was_lost or self._restart_pending):
            self._reconnects += 1
            # The presence resolver may report the new outlet after the data resumed.
            self._absorb_until = 0.0 if self._restart_pending else now + self._absorb_s
            self._was_lost = self._restart_pending = False
        while self._rate_log and self._rate_log[0][0] < now - _RATE_WINDOW_S:
            self._rate_log.popleft()
        rate = None
        if self._last is not None:
            span = min(_RATE_WINDOW_S, max(now - self._opened, 1e-3))
            rate = sum(n for _, n in self._rate_log) / span
        if dropped:
            message += f"; {dropped} chunks dropped (consumer too slow)"
        name, source_id, hostname = self._ident
        return StreamHealth(
            name=name,
            source_id=source_id,
            hostname=hostname,
            kind=self._kind,
            connected=state == "connected",
            state=state,
            last_sample_age_s=None if self._last is None else now - self._last,
            nominal_srate_hz=self._srate,
            effective_srate_hz=rate,
            samples_received=self._received,
            chunks_dropped=dropped,
            chunks_queued=queued,
            clock_offset_s=self.clock_offset_s,
            reconnects=self._reconnects,
            message=message + self.note,
        )
