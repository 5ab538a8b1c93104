"""Loader semantics: defaults, criteria mapping, stream rules, line finding and schema coverage."""

from __future__ import annotations

import dataclasses

import pytest

from ionm_tui.engine import EegSpec, FreeRunEmgSpec, SingleSweepSpec, TestSpec
from ionm_tui.engine.specs import AlertSpec, AveragingSpec, PeakSpec, RejectSpec, StreamSpec
from ionm_tui.profile import parse
from ionm_tui.profile.locate import LineIndex
from ionm_tui.profile.problems import Problem
from ionm_tui.profile.schema import (
    AVERAGE_FIELDS,
    PEAK_FIELDS,
    REJECT_FIELDS,
    TEST_FIELDS,
)

HEAD = """
[profile]
id = "t"
name = "T"
mains_hz = 50

[streams]
data = { type = "EEG" }
markers = { type = "Markers" }
"""
SSEP = """
[[test]]
id = "ssep-a"
modality = "ssep"
marker = "SSEP_A"
channels = ["Cz-Fz"]
window_ms = [-10, 60]
peaks = [{ name = "N20", sign = "-", search_ms = [16, 24] }]
"""


def ok(text: str):
    profile, problems = parse(HEAD + text, "t.toml")
    assert problems == (), "\n".join(map(str, problems))
    assert profile is not None
    return profile


def bad(text: str) -> list[Problem]:
    profile, problems = parse(HEAD + text, "t.toml")
    assert profile is None
    assert problems
    return list(problems)


class TestDefaults:
    def test_tables_merge_key_by_key_and_lists_replace(self) -> None:
        """reject/average/alert merge over [defaults]; window_ms (a list) replaces."""
        p = ok(
            """
[defaults.ssep]
window_ms = [-5, 50]
reject = { saturation_uv = 9000, flat_uv = 0.5 }
average = { mode = "ewma", sweeps = 300 }
alert = { amplitude_drop_pct = 50, latency_rise_pct = 10 }
"""
            + SSEP.replace(
                "window_ms = [-10, 60]\n",
                "window_ms = [-10, 60]\nreject = { flat_uv = 1 }\n"
                "average = { sweeps = 100 }\nalert = { confirm = 3 }\n",
            )
        )
        t = p.tests[0]
        assert isinstance(t, TestSpec)
        assert t.window_ms == (-10.0, 60.0)
        assert t.reject == RejectSpec(saturation_uv=9000.0, flat_uv=1.0)
        assert t.averaging == AveragingSpec("ewma", 100)
        assert t.alert == AlertSpec(amplitude_drop_pct=50.0, latency_rise_pct=10.0, confirm=3)

    def test_alert_false_and_criterion_false_switch_off_inherited_ones(self) -> None:
        """`alert = false` drops the defaults' alert; `key = false` drops one criterion."""
        base = "[defaults.ssep]\nalert = { amplitude_drop_pct = 50, latency_rise_pct = 10 }\n"
        p = ok(base + SSEP + "alert = false\n")
        assert p.tests[0].alert is None
        p = ok(base + SSEP + "alert = { latency_rise_pct = false }\n")
        alert = p.tests[0].alert
        assert alert is not None
        assert [c.name for c in alert.all_criteria()] == ["amplitude_drop"]

    def test_identifying_keys_cannot_be_defaults(self) -> None:
        """[defaults] may not set id or channels; an unknown modality gets a did-you-mean."""
        problems = bad('[defaults.ssep]\nid = "x"\n[defaults.sep]\nwindow_ms = [0, 1]\n' + SSEP)
        msgs = {p.key: p.message for p in problems}
        assert "cannot be a default" in msgs["defaults.ssep.id"]
        assert 'did you mean "ssep"?' in msgs["defaults.sep"]


class TestCriteria:
    def test_warn_alarm_pair_becomes_two_criteria(self) -> None:
        """{ warn, alarm } → name_warn (medium) and name_alarm (high), same quantity."""
        p = ok("""
[[test]]
id = "temg-a"
modality = "temg"
marker = "TEMG"
channel = "TA_L"
window_ms = [-5, 50]
response_ms = [4, 40]
noise_ms = [-5, -0.5]
alert = { threshold_below_ma = { warn = 8, alarm = 4 }, confirm = 1 }
""")
        t = p.tests[0]
        assert isinstance(t, SingleSweepSpec)
        assert t.intensity_unit == "mA"
        crit = [(c.name, c.quantity, c.kind, c.limit, c.priority) for c in t.alert.all_criteria()]
        assert crit == [
            ("threshold_low_warn", "threshold_ma", "below", 8.0, "medium"),
            ("threshold_low_alarm", "threshold_ma", "below", 4.0, "high"),
        ]

    def test_shorthands_use_the_alert_fields_unless_confirm_is_given(self) -> None:
        """amplitude_drop_pct maps to AlertSpec's own field; with its own confirm, to a row."""
        t = ok(
            SSEP + 'alert = { amplitude_drop_pct = { limit = 60, priority = "medium" } }\n'
        ).tests[0]
        assert (t.alert.amplitude_drop_pct, t.alert.amplitude_priority) == (60.0, "medium")
        assert t.alert.latency_rise_pct is None
        assert t.alert.criteria == ()
        t = ok(SSEP + "alert = { amplitude_drop_pct = { limit = 60, confirm = 4 } }\n").tests[0]
        assert t.alert.amplitude_drop_pct is None
        (c,) = t.alert.criteria
        assert (c.name, c.quantity, c.kind, c.limit, c.confirm) == (
            "amplitude_drop",
            "amplitude_uv",
            "drop_pct",
            60.0,
            4,
        )

    def test_persist_s_sets_confirm_from_the_update_period(self) -> None:
        """EEG persist_s = 10 at update_s = 2 → confirm 5; with confirm too, a problem."""
        eeg = """
[[test]]
id = "eeg-a"
modality = "eeg"
channel = "F3-P3"
asymmetry_with = "F4-P4"
update_s = 2
"""
        t = ok(eeg + "alert = { relative_alpha_drop_pct = 14, persist_s = 10 }\n").tests[0]
        assert isinstance(t, EegSpec)
        assert t.alert.confirm == 5
        t = ok(eeg + "alert = { asymmetry_below_pct = 30 }\n").tests[0]
        assert t.alert.criteria[0].limit == -30.0  # this side has 30 % less power
        problems = bad(
            eeg + "alert = { relative_alpha_drop_pct = 14, persist_s = 10, confirm = 2 }\n"
        )
        assert [p.message for p in problems] == ["give confirm or persist_s, not both"]

    def test_emg_train_band_must_start_above_mains(self) -> None:
        """The default 50–250 Hz band holds 50 Hz mains: loose-electrode hum would be a train."""
        emg = '\n[[test]]\nid = "emg-a"\nmodality = "emg"\nchannel = "TA_L"\n'
        (p,) = bad(emg)
        assert p.key == 'test "emg-a".train_band_hz'
        assert "includes the mains frequency (50 Hz" in p.message
        t = ok(emg + "train_band_hz = [55, 250]\n").tests[0]
        assert isinstance(t, FreeRunEmgSpec)
        assert t.train_band_hz == (55.0, 250.0)


class TestStreams:
    def test_rate_and_stim_channel_rules(self) -> None:
        """A declared rate is enforced; with only a trigger channel, codes must be numbers."""
        head = HEAD.replace('markers = { type = "Markers" }\n', "").replace(
            'data = { type = "EEG" }',
            'data = { type = "EEG", sfreq_hz = 5000, stim_channel = "STI" }',
        )
        profile, problems = parse(head + SSEP.replace('"SSEP_A"', '"3"'), "t.toml")
        assert problems == ()
        assert profile is not None
        assert [p.message for p in profile.check_stream(("Cz", "Fz"), 2500.0)] == [
            "the stream runs at 2500 Hz but this profile is made for 5000 Hz",
            'the stream has no trigger channel "STI"; the stream has: Cz, Fz',
        ]
        spec = profile.engine_spec(("Cz", "Fz", "STI"), 5000.0, scale_to_uv=1e6)
        assert spec.stream == StreamSpec(("Cz", "Fz", "STI"), 5000.0, 1e6, "STI")
        _, problems = parse(head + SSEP, "t.toml")
        assert "whose codes are whole numbers" in problems[0].message

    def test_duplicate_stream_labels_are_reported(self) -> None:
        """A stream naming a label twice is refused with the duplicated label."""
        p = ok(SSEP)
        (prob,) = p.check_stream(("Cz", "Fz", "Cz"), 5000.0)
        assert "duplicated: Cz" in prob.message


def test_line_index_places_headers_inline_tables_and_array_items() -> None:
    """Lines for [[array]] items, dotted keys, inline tables and one-per-line array items."""
    text = (
        "[[test]]\nid = 'a'\nalert.confirm = 2\n"
        "peaks = [\n  { name = 'x' },\n  { name = 'y' },\n]\n"
        "[[test]]\n[test.alert]\nconfirm = 3\n"
    )
    ix = LineIndex(text)
    assert ix.line_of(("test", 0, "alert", "confirm")) == 3
    assert ix.line_of(("test", 0, "peaks", 1, "name")) == 6
    assert ix.line_of(("test", 1, "alert", "confirm")) == 10
    assert ix.line_of(("test", 1, "nothing")) == 8
    assert ix.line_of(("elsewhere",)) is None


# Engine spec fields a profile never sets directly (they are built from other keys).
INTERNAL = {"alert", "averaging", "reject", "peaks", "channels", "id", "modality", "label", "side"}


@pytest.mark.parametrize(
    ("spec", "docs"),
    [
        (TestSpec, TEST_FIELDS),
        (SingleSweepSpec, TEST_FIELDS),
        (FreeRunEmgSpec, TEST_FIELDS),
        (EegSpec, TEST_FIELDS),
        (RejectSpec, REJECT_FIELDS),
        (AveragingSpec, AVERAGE_FIELDS),
        (PeakSpec, PEAK_FIELDS),
    ],
)
def test_every_engine_field_is_in_the_schema(spec: type, docs: tuple) -> None:
    """A field added to an engine spec must be documented (and settable) in the profile schema."""
    documented = {d.key for d in docs} | INTERNAL
    fields = {f.name for f in dataclasses.fields(spec)}
    if spec is PeakSpec:
        fields -= {"sign"}
        documented |= {"sign"}
    assert fields - documented == set()
