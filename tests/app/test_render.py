"""Pure render functions: values in, text out, no UI (sparkline, braille, table, banner, …)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from app_scenario import HEALTHY, Scenario, health
from rich.text import Text

from ionm_tui.app.render import format as fmt
from ionm_tui.app.render.banner import alert_values, banner_model, banner_text
from ionm_tui.app.render.braille import Canvas, column_ranges, raster
from ionm_tui.app.render.events import event_text, health_text
from ionm_tui.app.render.sanitize import literal, literal_text
from ionm_tui.app.render.sparkline import BARS, GAP, sparkline
from ionm_tui.app.render.status import status_model, status_text, stream_line
from ionm_tui.app.render.table import (
    build_row,
    header_cells,
    layout_for,
    order_views,
    row_cells,
    to_strip,
)
from ionm_tui.app.render.trend import trend_model, trend_text
from ionm_tui.app.render.waveform import (
    WaveformModel,
    measured_channel,
    nice_ceiling,
    render_waveform,
    waveform_model,
)
from ionm_tui.engine import AlertEvent, AnnotationRecord, QualityEvent

# --- Sanitiser ---------------------------------------------------------------------------------

HOSTILE = [
    "[red]x[/red]",
    "[@click=quit]press[/]",
    "[bold magenta]ALERT",
    "\x1b]0;pwned\x07",
    "\x1b[2J\x1b[H",
    "line\nbreak\rreturn",
    "nul\x00del\x7fc1\x9b",
    "bidi \u202eevil\u202c zero\u200bwidth",
    "lone \ud800 surrogate",
]


class TestSanitise:
    @pytest.mark.parametrize("value", HOSTILE)
    def test_no_control_character_survives(self, value: str) -> None:
        """Every control, bidi and surrogate character becomes a visible escape."""
        out = literal(value)
        assert all(ch.isprintable() or ch == " " for ch in out), repr(out)
        assert "\x1b" not in out
        assert "\\x1b" in out or "\x1b" not in value

    @pytest.mark.parametrize("value", HOSTILE)
    def test_markup_is_kept_literally(self, value: str) -> None:
        """Square brackets stay as typed: the Text shows exactly the escaped string."""
        text = literal_text(value)
        assert isinstance(text, Text)
        assert text.plain == literal(value)
        assert not text.spans

    def test_escapes_are_readable(self) -> None:
        """Controls turn into the \\xNN form people can read and report."""
        assert literal("a\x1b[31mb") == "a\\x1b[31mb"
        assert literal("tab\there") == "tab here"
        assert literal("x\u202ey") == "x\\u202ey"

    def test_long_text_is_cut_with_an_ellipsis(self) -> None:
        """max_len bounds the result."""
        assert literal("x" * 50, max_len=10) == "x" * 9 + "…"
        assert literal("x" * 50, max_len=None) == "x" * 50

    def test_non_strings_are_shown(self) -> None:
        """Any object is shown through str()."""
        assert literal(3.5) == "3.5"
        assert literal(None) == "None"


# --- Formatting --------------------------------------------------------------------------------


class TestFormat:
    @pytest.mark.parametrize("bad", [None, math.nan, math.inf, -math.inf, "x", True])
    def test_missing_values_show_a_dash(self, bad: object) -> None:
        """None, NaN, ±inf and non-numbers are "—" everywhere."""
        for f in (fmt.amplitude, fmt.latency, fmt.percent, fmt.number, fmt.count, fmt.rate):
            assert f(bad) == fmt.MISSING
        assert fmt.duration(bad) == fmt.MISSING
        assert fmt.clock(bad) == "--:--:--"

    def test_amplitude_switches_to_millivolts(self) -> None:
        """From 1000 µV amplitudes read in mV; small ones get two decimals."""
        assert fmt.amplitude(0.4213) == "0.42 µV"
        assert fmt.amplitude(12.34) == "12.3 µV"
        assert fmt.amplitude(999.4) == "999 µV"
        assert fmt.amplitude(1520.0) == "1.52 mV"
        assert fmt.amplitude(-2.5) == "−2.50 µV"

    def test_signs_and_times(self) -> None:
        """Changes carry a true minus or a plus; durations and clocks are compact."""
        assert fmt.percent(-68.2) == "−68 %"
        assert fmt.percent(12.0) == "+12 %"
        assert fmt.duration(134) == "2m14s"
        assert fmt.duration(3725) == "1h02m"
        assert fmt.clock(3725.9) == "01:02:05"
        assert fmt.rate(5000.0) == "5.00 kHz"

    def test_modality_measures_take_their_unit_from_the_name(self) -> None:
        """Threshold in V, train time in s, relative alpha bare."""
        assert fmt.measure("threshold_v", 300.0) == "thr 300 V"
        assert fmt.measure("train_time_s", 3.21) == "train 3.21 s"
        assert fmt.measure("relative_alpha", 0.314) == "rel α 0.31"
        assert fmt.measure("odd_thing", math.nan) == "odd thing —"


# --- Sparkline ---------------------------------------------------------------------------------


class TestSparkline:
    def test_width_is_exact_and_newest_is_right(self) -> None:
        """The string is always ``width`` cells; fewer points are right-aligned."""
        line = sparkline([1.0, 2.0, 4.0], 8)
        assert len(line) == 8
        assert line.startswith("     ")
        assert line[-1] == BARS[-1]

    def test_only_the_last_points_are_drawn(self) -> None:
        """More points than cells: the newest win."""
        assert sparkline(list(range(100)), 5) == sparkline(list(range(95, 100)), 5)

    @pytest.mark.parametrize("values", [[], (), np.array([]), np.array([], dtype=float).reshape(0)])
    def test_empty_is_blank(self, values: object) -> None:
        """No data draws spaces."""
        assert sparkline(values, 6) == " " * 6  # type: ignore[arg-type]

    def test_non_finite_points_are_gaps(self) -> None:
        """NaN, ±inf and None draw a gap and do not spoil the scale."""
        line = sparkline([1.0, math.nan, math.inf, None, -math.inf, 2.0], 6)
        assert line[1:5] == GAP * 4
        assert line[-1] == BARS[-1]
        assert sparkline([math.nan, math.nan], 3) == " " + GAP * 2

    def test_constant_data_is_a_flat_line(self) -> None:
        """A constant series is drawn at one level (no division by zero)."""
        assert len(set(sparkline([0.0] * 5, 5))) == 1
        assert len(set(sparkline([3.3] * 5, 5, zero_based=False))) == 1
        assert len(set(sparkline([3.3] * 5, 5))) == 1

    def test_numpy_arrays_and_zero_width(self) -> None:
        """A numpy array works as input; width 0 gives an empty string."""
        assert len(sparkline(np.linspace(0, 1, 50), 10)) == 10
        assert sparkline([1.0], 0) == ""

    def test_a_halved_amplitude_looks_half_as_high(self) -> None:
        """Zero-based scaling: a 50 % drop lands mid-height."""
        line = sparkline([2.0, 1.0], 2)
        assert BARS.index(line[0]) == len(BARS) - 1
        assert BARS.index(line[1]) in (3, 4)


# --- Braille waveform --------------------------------------------------------------------------


def _model(**kw: object) -> WaveformModel:
    t = np.linspace(-5.0, 60.0, 131)
    y = 2.0 * np.exp(-(((t - 20) / 2) ** 2)) - 1.5 * np.exp(-(((t - 26) / 3) ** 2))
    base = dict(
        label="ssep-ul-l",
        channel="C4p-Fz",
        channel_index=0,
        n_channels=3,
        times_ms=t,
        current=y,
        baseline=1.2 * y,
        baseline_name="auto",
        peaks=(("N20", 20.0, 2.0), ("P25", 26.0, -1.5)),
        waterfall=tuple(y * (1 - 0.1 * k) for k in range(6)),
        sweeps=200.0,
        zoom=0,
        waiting="waiting",
    )
    base.update(kw)
    return WaveformModel(**base)  # type: ignore[arg-type]


class TestBraille:
    @pytest.mark.parametrize(("w", "h"), [(1, 1), (7, 3), (40, 10), (113, 29)])
    def test_canvas_cells_have_the_canvas_shape(self, w: int, h: int) -> None:
        """A w×h-cell canvas is 2w×4h pixels and yields (h, w) codes."""
        c = Canvas(w, h, 2)
        assert c.pixels.shape == (2, 4 * h, 2 * w)
        c.trace(0, [0.0, 1.0], [0.0, 1.0], (0.0, 1.0), (0.0, 1.0))
        codes, layer = c.cells()
        assert codes.shape == layer.shape == (h, w)
        assert codes.max() <= 0xFF

    def test_a_line_is_continuous(self) -> None:
        """A steep ramp fills every pixel column, each joined to the next."""
        px = raster(np.array([0.0, 10.0, 20.0]), np.array([0.0, 10.0, 20.0]), 24)
        assert px.any(axis=0).all()
        rows = [np.flatnonzero(px[:, c]) for c in range(3)]
        assert rows[0].max() + 1 >= rows[1].min()
        assert rows[1].max() + 1 >= rows[2].min()

    def test_decimation_keeps_the_excursion(self) -> None:
        """Many samples per column: min and max survive (a 1-sample spike is not lost)."""
        t = np.arange(1000.0)
        y = np.zeros(1000)
        y[500] = 10.0
        lo, hi = column_ranges(t, y, (0.0, 1000.0), 10)
        assert hi[5] == 10.0
        assert lo[5] == 0.0

    def test_non_finite_samples_are_skipped(self) -> None:
        """NaN/inf samples draw nothing and break nothing."""
        lo, hi = column_ranges([0.0, 1.0, 2.0], [math.nan, math.inf, math.nan], (0.0, 2.0), 4)
        assert np.isnan(lo).all()
        assert np.isnan(hi).all()
        c = Canvas(4, 2, 1)
        c.trace(0, [0.0, 1.0, 2.0], [math.nan, 1.0, -math.inf], (0.0, 2.0), (-1.0, 1.0))
        assert c.cells()[0].shape == (2, 4)

    @pytest.mark.parametrize(("w", "h"), [(1, 1), (20, 3), (59, 8), (60, 6), (120, 30)])
    def test_panel_is_exactly_the_requested_size(self, w: int, h: int) -> None:
        """render_waveform returns h strips of w cells, narrow or wide, with or without data."""
        for model in (_model(), _model(current=None, baseline=None, waterfall=()), None):
            strips = render_waveform(model, w, h)
            assert len(strips) == h
            assert all(s.cell_length == w for s in strips)

    def test_peaks_and_waterfall_are_labelled(self) -> None:
        """Peak names appear at their latency; the waterfall says how many averages it stacks."""
        text = "\n".join(s.text for s in render_waveform(_model(), 100, 14))
        assert "N20" in text
        assert "P25" in text
        assert "waterfall: 6 averages, newest ↓" in text
        assert "±2.5 µV" in text

    def test_zoom_doubles_the_gain(self) -> None:
        """Each zoom step halves the full scale shown in the title."""
        assert "±1.25 µV" in render_waveform(_model(zoom=1), 80, 10)[0].text

    def test_waiting_note_without_an_average(self) -> None:
        """Before the first average the panel says what it waits for."""
        strips = render_waveform(_model(current=None, baseline=None, waiting="waiting 3/10"), 40, 8)
        assert any("waiting 3/10" in s.text for s in strips)

    def test_nice_ceiling(self) -> None:
        """Full scales are 1, 2, 2.5 or 5 × 10^k."""
        assert nice_ceiling(2.1) == 2.5
        assert nice_ceiling(0.42) == 0.5
        assert nice_ceiling(math.nan) == 1.0

    def test_model_from_a_real_view(self, scenario: Scenario) -> None:
        """The measured channel is the amplitude peak's; peaks and waterfall come along."""
        view = scenario.final.tests[0]
        i = measured_channel(view)
        assert view.spec.channels[i] == "C4p-Fz"
        m = waveform_model(view, i, 0)
        assert {p[0] for p in m.peaks} == {"N20", "P25"}
        assert len(m.waterfall) == len(view.waterfall)
        assert m.current is not None
        assert m.current.shape == view.times_ms.shape
        m2 = waveform_model(view, i + 1, 0)
        assert {p[0] for p in m2.peaks} == {"N13"}


# --- Table -------------------------------------------------------------------------------------


class TestTable:
    def test_rows_are_grouped_by_modality_then_side(self, scenario: Scenario) -> None:
        """SSEP first (left before right), then MEP, then EEG."""
        ids = [v.spec.id for v in order_views(scenario.final.tests)]
        assert ids == ["ssep-ul-l", "ssep-ll-l", "ssep-ul-r", "ssep-ll-r", "mep-apb-l", "eeg-f3p3"]

    @pytest.mark.parametrize("width", [60, 80, 100, 120, 200])
    def test_every_row_fills_the_width(self, scenario: Scenario, width: int) -> None:
        """Cells tile the row with no gap or overlap at every width."""
        layout = layout_for(width)
        for view in scenario.final.tests:
            for state in ("live", "stale", "lost", "waiting"):
                cells = row_cells(build_row(view, state, "ionm-sim-data"), layout, True)
                x = 0
                for cx, text, _ in cells:
                    assert cx == x
                    x += len(text)
                assert x == width
                assert to_strip(cells, width).cell_length == width
        assert sum(len(t) for _, t, _ in header_cells(layout)) == width

    def test_narrow_tables_drop_optional_columns_first(self) -> None:
        """At 80 columns the detail column goes; the sparkline keeps a few cells."""
        keys = [c.key for c in layout_for(80).columns]
        assert "detail" not in keys
        assert "status" in keys
        assert layout_for(80).spark_width >= 8
        assert "detail" in [c.key for c in layout_for(120).columns]

    def test_status_words(self, scenario: Scenario) -> None:
        """ALERT with priority marks, LOST hides values, STALE dims them, PAUSED, ACK, WAIT."""
        views = {v.spec.id: v for v in scenario.final.tests}
        alert = build_row(views["ssep-ll-l"], "live", "")
        assert (alert.status, alert.priority) == ("ALERT", "high")
        lost = build_row(views["ssep-ll-l"], "lost", "ionm-sim-data")
        assert lost.status == "LOST"
        assert lost.message == "SIGNAL LOST · ionm-sim-data"
        text = "".join(t for _, t, _ in row_cells(lost, layout_for(120), False))
        assert "SIGNAL LOST" in text
        assert "1.17" not in text  # the old amplitude is not shown as live
        stale = build_row(views["ssep-ul-l"], "stale", "data clock")
        assert (stale.status, stale.dim) == ("STALE", True)
        paused = build_row(dataclasses.replace(views["ssep-ul-l"], paused=True), "live", "")
        assert paused.status == "PAUSED"
        acked = dataclasses.replace(
            views["ssep-ll-l"],
            alerts=tuple(
                dataclasses.replace(a, acknowledged=True) for a in views["ssep-ll-l"].alerts
            ),
        )
        assert build_row(acked, "live", "").status == "ACK"
        fresh = dataclasses.replace(views["ssep-ul-l"], latest=None)
        row = build_row(fresh, "live", "")
        assert row.status == "WAIT"
        assert "first average in" in row.message

    def test_modality_rows_show_their_measures(self, scenario: Scenario) -> None:
        """MEP: amplitude in mV and threshold; EEG: relative alpha, NaN/inf shown as —."""
        views = {v.spec.id: v for v in scenario.final.tests}
        mep = build_row(views["mep-apb-l"], "live", "")
        assert mep.cell("amp") == "1.52 mV"
        assert mep.cell("detail") == "thr 300 V"
        eeg = build_row(views["eeg-f3p3"], "live", "")
        assert eeg.cell("amp") == eeg.cell("lat") == fmt.MISSING
        assert eeg.cell("detail").startswith("rel α 0.31")
        assert eeg.trend[1] is None

    def test_detail_puts_primary_and_threshold_first(self, scenario: Scenario) -> None:
        """In the real trackers' value order, the detail shows the threshold (not "present")
        for an MEP and the trended train time (not raw event times) for free-run EMG."""
        views = {v.spec.id: v for v in scenario.final.tests}
        base = views["mep-apb-l"]
        assert base.latest is not None
        mep_values = (
            ("present", 1.0),
            ("area_uvms", 12.0),
            ("intensity_v", 300.0),
            ("threshold_v", 250.0),
        )
        mep = dataclasses.replace(base, latest=dataclasses.replace(base.latest, values=mep_values))
        assert build_row(mep, "live", "").cell("detail") == "thr 250 V  area 12.0 µV·ms"
        emg_values = (("events_per_min", 3.0), ("event_start_t", 1234.5), ("train_time_s", 2.5))
        emg_point = dataclasses.replace(base.latest, values=emg_values, primary="train_time_s")
        emg = dataclasses.replace(base, latest=emg_point)
        assert build_row(emg, "live", "").cell("detail").startswith("train 2.50 s")
        assert "1234" not in build_row(emg, "live", "").cell("detail")

    def test_hostile_label_is_literal(self, scenario: Scenario) -> None:
        """A label with markup or escapes is shown as typed, escapes made visible."""
        view = scenario.final.tests[0]
        spec = dataclasses.replace(view.spec, label="[b]x[/b]\x1b]0;t\x07")
        row = build_row(dataclasses.replace(view, spec=spec), "live", "")
        text = "".join(t for _, t, _ in row_cells(row, layout_for(120), False))
        assert "[b]x[/b]\\x1b" in text
        assert "\x1b" not in text


# --- Banner, status, trend, events ------------------------------------------------------------


class TestBanner:
    def test_calm_state(self) -> None:
        """No alerts: a calm line."""
        assert "no active alerts" in banner_text(banner_model((), {}, 0.0)).plain

    def test_top_alert_reads_without_colour(self, scenario: Scenario) -> None:
        """Priority word and symbol, label, criterion, change, values vs baseline, age."""
        snap = scenario.final
        labels = {v.spec.id: v.spec.display_label for v in snap.tests}
        line = banner_text(banner_model(snap.alerts, labels, snap.t)).plain.splitlines()[0]
        assert line.startswith(" !!! HIGH  ssep-ll-l  AMPLITUDE −")
        assert " vs " in line
        assert "µV, baseline auto)" in line
        assert line.rstrip().endswith("s")

    def test_acknowledged_and_more(self, scenario: Scenario) -> None:
        """Others are summarised with the acknowledged count; an acked top says ACK."""
        a = scenario.final.alerts[0]
        acked = dataclasses.replace(a, acknowledged=True)
        other = dataclasses.replace(
            a, test="ssep-ul-r", criterion="latency_rise", priority="medium"
        )
        model = banner_model((other, acked), {}, a.onset_t + 134.0)
        text = banner_text(model).plain
        assert text.startswith(" !! MED  ssep-ul-r  LATENCY")
        assert "2m14s" in text
        assert "+1 more, 1 acknowledged" in text
        only_acked = banner_text(banner_model((acked,), {}, math.nan)).plain
        assert only_acked.startswith(" ACK !!! HIGH")

    def test_generic_criteria_read_in_their_units(self, scenario: Scenario) -> None:
        """Modality criteria (threshold rise in V, absolute limits) name their quantity."""
        a = scenario.final.alerts[0]
        rise = dataclasses.replace(
            a.latest,
            criterion="threshold_rise",
            quantity="threshold_v",
            measured=420.0,
            baseline_value=300.0,
            change_pct=None,
        )
        low = dataclasses.replace(
            rise,
            criterion="threshold_low",
            quantity="threshold_ma",
            measured=3.5,
            baseline_value=None,
            threshold=4.0,
            baseline=None,
        )
        line = banner_text(
            banner_model(
                (dataclasses.replace(a, criterion="threshold_rise", latest=rise),), {}, 0.0
            )
        ).plain
        assert "THRESHOLD RISE +120 V (420 vs 300 V, baseline auto)" in line
        assert alert_values(low, "threshold_low") == "(3.50 mA, limit 4.00 mA)"
        snr = dataclasses.replace(
            low, criterion="loss_of_response", quantity="", measured=0.4, threshold=1.0
        )
        assert alert_values(snr, "loss_of_response") == "(SNR 0.40, limit SNR 1.00)"

    def test_system_failure_wins(self) -> None:
        """A console failure is shown above everything."""
        text = banner_text(banner_model((), {}, 0.0, system="ENGINE STOPPED: boom")).plain
        assert text.startswith(" !!! CONSOLE: ENGINE STOPPED: boom")


class TestStatus:
    def test_streams_and_totals(self, scenario: Scenario) -> None:
        """Each stream's state, age, rates and drops; sweep totals, recording, clocks."""
        snap = scenario.final
        model = status_model(
            snap, case_start_t=snap.t - 65.0, recording="not recording", feed="running", muted=True
        )
        text = status_text(model, 200).plain
        assert "● ionm-sim-data connected age 0.0s 2.00k/2.00k Hz 0 dropped" in text
        assert "ionm-sim-markers connected" in text
        assert "case 00:01:05" in text
        assert "not recording" in text
        assert "bell MUTED" in text
        narrow = status_text(model, 70).plain.splitlines()[0]
        assert len(narrow) <= 70

    def test_odd_health_objects_do_not_crash(self) -> None:
        """Missing or wrong-typed fields are shown as —, never raise."""

        class Odd:
            state = "lost"
            name = "\x1b[31mbad"
            last_sample_age_s = "soon"
            effective_srate_hz = math.nan
            nominal_srate_hz = math.inf

        line = stream_line(Odd())
        assert line.state == "lost"
        assert line.age == fmt.MISSING
        assert "\x1b" not in line.name
        assert stream_line(object()).state == "?"

    def test_lost_stream_is_shouted(self) -> None:
        """A lost stream reads LOST in capitals."""
        model = status_model(None, case_start_t=math.nan, recording="", feed="error", muted=False)
        assert "feed ERROR" in status_text(model).plain
        lost = stream_line(health("ionm-sim-data", "data", "lost"))
        assert lost.state == "lost"


class TestTrendAndEvents:
    def test_trend_rows_newest_first_with_alerts(self, scenario: Scenario) -> None:
        """Rows go newest first; the alert transitions are marked on their update."""
        view = {v.spec.id: v for v in scenario.final.tests}["ssep-ll-l"]
        events = [r for r in scenario.records if isinstance(r, AlertEvent)]
        model = trend_model(view, case_start_t=scenario.snapshots[0].t, alert_events=events)
        assert model.rows[0].d_amp.startswith("−")
        marks = [r.alerts for r in model.rows]
        confirmed = next(i for i, m in enumerate(marks) if "!!! amp confirmed" in m)
        assert "! amp raised" in marks[confirmed + 1]  # one update earlier (rows go newest first)
        assert model.rows[confirmed].priority == "high"
        text = trend_text(model, 60, 8).plain.splitlines()
        assert len(text) == 8
        assert trend_text(model, 30, 8).plain.splitlines()[1].split()[:3] == ["time", "amp", "Δamp"]

    def test_event_lines_are_literal(self) -> None:
        """Notes, tags and details with markup or escapes are shown as typed."""
        note = AnnotationRecord(10.0, "[red]50 mg[/red] \x1b]0;x\x07", ("[@click=quit]",))
        line = event_text(note, case_start_t=0.0, labels={})
        assert line is not None
        assert line.plain == "00:00:10 NOTE [[@click=quit]] [red]50 mg[/red] \\x1b]0;x\\x07"
        q = QualityEvent("gap", math.nan, "no data\nfor 1 s")
        ql = event_text(q, case_start_t=0.0, labels={})
        assert ql is not None
        assert ql.plain == "--:--:-- gap: no data\\nfor 1 s"
        h = health_text("x[b]", "connected", "lost", "gone", time="00:00:01")
        assert h.plain == "00:00:01 stream x[b]: connected → lost · gone"

    def test_healthy_fixture_is_connected(self) -> None:
        """The fixture's streams report connected (a sanity check of the test data)."""
        assert all(h.state == "connected" for h in HEALTHY)
