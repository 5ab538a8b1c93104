"""Rules across tests: unique ids, tests sharing a marker, and where markers come from."""

from __future__ import annotations

from typing import Any

from ionm_tui.engine.modality_specs import SingleSweepSpec
from ionm_tui.engine.specs import TestSpec

from .build import BuiltTest
from .fields import show_value
from .problems import KeyPath, Problems


def check_ids(raws: list[Any], problems: Problems) -> None:
    """Report every test whose id an earlier test already uses."""
    first: dict[str, KeyPath] = {}
    for i, raw in enumerate(raws):
        tid = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(tid, str):
            continue
        here: KeyPath = ("test", i, "id")
        if tid in first:
            line = problems.locate(first[tid]).line
            at = f" (line {line})" if line else ""
            problems.add(
                here,
                f'duplicate test id "{tid}": test #{first[tid][1] + 1}{at} '
                "already uses it; ids must be unique",
            )
        else:
            first[tid] = here


def _family(spec: Any) -> str:
    return "averaged" if isinstance(spec, TestSpec) else "single-sweep"


def _compare(ref: BuiltTest, other: BuiltTest, marker: str, problems: Problems) -> None:
    a, b = ref.spec, other.spec
    ref_at = problems.locate(ref.where[""])
    ref_name = f'test "{a.id}"' + (f" (line {ref_at.line})" if ref_at.line else "")
    if _family(a) != _family(b):
        problems.add(
            other.where["marker"],
            f'marker "{marker}" also starts {ref_name}, an '
            f"{_family(a)} test; one stimulus cannot feed both an averaged and a "
            "single-sweep test: give one of them its own marker",
        )
        return
    for key in ("window_ms", "blank_ms") + (
        ("intensity_unit",) if _family(a) != "averaged" else ()
    ):
        va, vb = getattr(a, key), getattr(b, key)
        if va != vb:
            shown_a = "none" if va is None else show_value(va)
            shown_b = "none" if vb is None else show_value(vb)
            problems.add(
                other.where.get(key, other.where["marker"]),
                f'conflicts with {ref_name}, which shares marker "{marker}" with '
                f"{key} = {shown_a}: tests sharing a stimulus must share its {key}; "
                f"found {shown_b}",
            )


def check_markers(
    built: list[BuiltTest], marker_stream: bool, stim_channel: str | None, problems: Problems
) -> None:
    """Shared-marker conflicts (see ``rules.RULES``) and the source of the markers."""
    by_marker: dict[str, BuiltTest] = {}
    users: list[BuiltTest] = []
    for bt in built:
        if not isinstance(bt.spec, TestSpec | SingleSweepSpec):
            continue
        users.append(bt)
        ref = by_marker.setdefault(bt.spec.marker, bt)
        if ref is not bt:
            _compare(ref, bt, bt.spec.marker, problems)
    if not users or marker_stream:
        return
    if stim_channel is None:
        ids = ", ".join(f'"{bt.spec.id}"' for bt in users[:4]) + (" …" if len(users) > 4 else "")
        problems.add(
            ("streams",),
            f"tests {ids} are started by stimulus markers, but no "
            "[streams.markers] says which stream carries them (or set "
            "streams.data.stim_channel for a trigger channel)",
        )
        return
    for bt in users:
        code = bt.spec.marker
        if not code.isdigit():
            problems.add(
                bt.where["marker"],
                f'"{code}" can never come from the trigger channel '
                f'"{stim_channel}", whose codes are whole numbers (e.g. "3"); add '
                "[streams.markers] for text markers",
            )
