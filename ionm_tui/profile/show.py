"""A profile written out with every value resolved (defaults included), as TOML that loads again."""

from __future__ import annotations

from typing import Any

from ionm_tui.engine.engine_spec import AnyTestSpec
from ionm_tui.engine.specs import AlertSpec, CriterionSpec, TestSpec

from .fields import MODALITIES, num, show_value
from .model import Profile
from .schema import TEST_FIELDS

_SPECIAL = ("id", "modality", "channel", "reject", "average", "peaks", "alert")
_SHORT = (
    ("amplitude_drop_pct", "amplitude_priority", "amplitude_uv falls by ≥ {} % vs baseline"),
    ("latency_rise_pct", "latency_priority", "latency_ms rises by ≥ {} % vs baseline"),
    ("snr_floor", "loss_priority", "snr below {} (loss of response)"),
)


def describe_criterion(c: CriterionSpec) -> str:
    """A criterion in words: ``threshold_ma below 4 → high``."""
    lim = num(c.limit)
    what = {
        "drop_pct": f"falls by ≥ {lim} % vs baseline",
        "rise_pct": f"rises by ≥ {lim} % vs baseline",
        "rise_abs": f"rises by ≥ {lim} vs baseline",
        "below": f"below {lim}",
        "above": f"above {lim}",
    }[c.kind]
    confirm = f", confirm {c.confirm}" if c.confirm else ""
    return f"{c.quantity} {what} → {c.priority}{confirm}"


def _line(key: str, value: Any) -> str:
    if value is None:
        return f"# {key} = (not set)"
    return f"{key} = {show_value(value)}"


def _alert(alert: AlertSpec | None) -> list[str]:
    if alert is None:
        return ["alert = false"]
    out = [
        "",
        "[test.alert]",
        _line("confirm", alert.confirm),
        _line("clear_margin_pct", alert.clear_margin_pct),
    ]
    for key, prio_key, words in _SHORT:
        lim = getattr(alert, key)
        if lim is not None:
            prio = getattr(alert, prio_key)
            out.append(
                f"{key} = {{ limit = {num(lim)}, priority = {show_value(prio)} }}"
                f"  # {words.format(num(lim))} → {prio}"
            )
    for c in alert.criteria:
        out += ["", "[[test.alert.criterion]]  # " + describe_criterion(c)]
        out += [
            _line("name", c.name),
            _line("quantity", c.quantity),
            _line("kind", c.kind),
            _line("limit", c.limit),
            _line("priority", c.priority),
        ]
        if c.confirm is not None:
            out.append(_line("confirm", c.confirm))
    return out


def _test(t: AnyTestSpec) -> list[str]:
    family = MODALITIES[t.modality]
    out = ["", "[[test]]", _line("id", t.id), _line("modality", t.modality)]
    for doc in TEST_FIELDS:
        if family not in doc.families or doc.key in _SPECIAL:
            continue
        value = getattr(t, doc.key)
        if doc.key == "amplitude" and not value:
            out.append("# amplitude = (the first peak)")
            continue
        out.append(_line(doc.key, value))
    if hasattr(t, "reject"):
        r = t.reject
        lims = {k: getattr(r, k) for k in ("saturation_uv", "peak_to_peak_uv", "flat_uv")}
        shown = {k: v for k, v in lims.items() if v is not None}
        out.append(f"reject = {show_value(shown)}" if shown else "reject = {}  # no limits")
    if isinstance(t, TestSpec):
        a = t.averaging
        avg = {"mode": a.mode, "sweeps": a.sweeps}
        if a.update_every is not None:
            avg["update_every"] = a.update_every
        out.append(f"average = {show_value(avg)}  # updates every {a.sweeps_per_update} sweeps")
        out.append("peaks = [" if t.peaks else "peaks = []")
        for p in t.peaks:
            pk = {"name": p.name, "sign": "+" if p.sign > 0 else "-", "search_ms": p.search_ms}
            if p.channel is not None:
                pk["channel"] = p.channel
            out.append(f"  {show_value(pk)},")
        if t.peaks:
            out.append("]")
    return out + _alert(t.alert)


def render(profile: Profile) -> str:
    """The profile as TOML with every value resolved; loading it gives the same tests."""
    d = profile.data
    out = [
        f"# {profile.id}: {profile.name}",
        f"# from {profile.source or '<text>'}; every value resolved (defaults included).",
        "# Lines '# key = (not set)' are off. This text loads as a profile.",
        "",
        "[profile]",
        _line("id", profile.id),
        _line("name", profile.name),
        _line("description", profile.description),
        _line("mains_hz", profile.mains_hz),
        "",
        "[streams.data]",
        *(_line(k, v) for k, v in d.match.fields().items()),
        _line("sfreq_hz", d.sfreq_hz),
        _line("channel_count", d.channel_count),
        _line("scale_to_uv", d.scale_to_uv),
        _line("stim_channel", d.stim_channel),
    ]
    if profile.markers is not None:
        out += [
            "",
            "[streams.markers]",
            *(_line(k, v) for k, v in profile.markers.fields().items()),
        ]
    e = profile.engine
    out += [
        "",
        "[engine]",
        _line("buffer_s", e.buffer_s),
        _line("max_pending", e.max_pending),
        _line("trend_history", e.trend_history),
        _line("waterfall_depth", e.waterfall_depth),
    ]
    for t in profile.tests:
        out += _test(t)
    return "\n".join(out) + "\n"
