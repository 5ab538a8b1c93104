"""The reference part of docs/profiles.md, generated from the schema the loader uses."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .fields import FAMILIES, KINDS, REQUIRED, FieldDoc, num, show_value
from .rules import RULES
from .schema import (
    AVERAGE_FIELDS,
    DATA_STREAM_FIELDS,
    DEFAULTS_EXCLUDED,
    ENGINE_FIELDS,
    MARKER_STREAM_FIELDS,
    PEAK_FIELDS,
    PROFILE_FIELDS,
    REJECT_FIELDS,
    TEST_FIELDS,
)
from .schema_alert import (
    ALERT_FIELDS,
    CRITERION_KEYS,
    CRITERION_TABLE_FIELDS,
    GENERIC_FIELDS,
    QUANTITIES,
)

BEGIN = "<!-- BEGIN GENERATED REFERENCE: python -m ionm_tui.profile.docs -->"
END = "<!-- END GENERATED REFERENCE -->"
DOC = Path(__file__).resolve().parents[2] / "docs" / "profiles.md"
_FAMILY = {"averaged": "averaged", "single": "single-sweep", "emg": "free-run EMG", "eeg": "EEG"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(d: FieldDoc) -> str:
    if d.default is REQUIRED:
        return "**required**"
    if d.by_modality:
        parts = [f"`{show_value(v)}` ({m})" for m, v in d.by_modality]
        base = "unset" if d.default is None else f"`{show_value(d.default)}`"
        return f"{base}; " + "; ".join(parts)
    return "unset" if d.default is None else f"`{show_value(d.default)}`"


def _range(d: FieldDoc) -> str:
    if d.kind == "choice":
        return ", ".join(f"`{show_value(c)}`" for c in d.choices)
    text = d.range_text()
    if d.kind == "interval":
        order = "start ≤ end" if d.allow_equal else "start < end"
        return f"{order}; {text}" if text else order
    if d.kind == "texts" and d.items != (1, 1000):
        return f"{d.items[0]}–{d.items[1]} entries"
    return text or "—"


def _families(d: FieldDoc) -> str:
    if set(d.families) == set(FAMILIES):
        return "all"
    return ", ".join(_FAMILY[f] for f in d.families)


def _table(docs: Sequence[FieldDoc], *, tests: bool = False) -> list[str]:
    head = "| key | type | unit | default | range | meaning |"
    rule = "|---|---|---|---|---|---|"
    if tests:
        head, rule = head.replace("| meaning", "| tests | meaning"), rule + "---|"
    out = [head, rule]
    for d in docs:
        kind = "choice" if d.kind == "choice" else KINDS[d.kind]
        cells = [f"`{d.key}`", kind, d.unit or "—", _default(d), _range(d)]
        if tests:
            cells.append(_families(d))
        cells.append(d.meaning)
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return out


def _criteria() -> list[str]:
    out = [
        "| key | becomes (name · quantity · kind) | unit | tests | priority | range | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in CRITERION_KEYS:
        form = "`true`" if c.flag else c.as_field().range_text()
        becomes = f"`{c.name}` · `{c.quantity}` · `{c.kind}`"
        if c.flag:
            becomes += f" {num(c.limit)}"
        if c.negate:
            becomes += " (limit negated)"
        fams = ", ".join(_FAMILY[f] for f in c.families)
        cells = [f"`{c.key}`", becomes, c.unit or "—", fams, c.priority, form, c.meaning]
        out.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    return out


def reference() -> str:
    """The generated reference section (Markdown, between the BEGIN and END markers)."""
    out: list[str] = []

    def section(title: str, intro: str, lines: list[str]) -> None:
        out.extend([f"### {title}", "", intro, "", *lines, ""])

    section("`[profile]`", "Who the profile is.", _table(PROFILE_FIELDS))
    section(
        "`[streams.data]`",
        'The data stream (inline: `data = { type = "EEG" }`). At '
        "least one of `name`, `type`, `source_id`, `hostname`.",
        _table(DATA_STREAM_FIELDS),
    )
    section(
        "`[streams.markers]`",
        "The marker stream; needed when tests have markers, unless `stim_channel` is used.",
        _table(MARKER_STREAM_FIELDS),
    )
    section("`[engine]`", "Engine sizes; the whole table is optional.", _table(ENGINE_FIELDS))
    excluded = ", ".join(f"`{k}`" for k in DEFAULTS_EXCLUDED)
    section(
        "`[[test]]`",
        "One monitored test. The `tests` column says which modality families "
        "accept the key. Any key except " + excluded + " may also be given once for all "
        "tests of a modality in `[defaults.<modality>]`.",
        _table(TEST_FIELDS, tests=True),
    )
    section(
        "`reject`",
        "Inside a test: `reject = { saturation_uv = 10000, peak_to_peak_uv = "
        "250 }`. Unset limits are off.",
        _table(REJECT_FIELDS),
    )
    section(
        "`average`",
        'Inside an averaged test: `average = { mode = "ewma", sweeps = 200 }`.',
        _table(AVERAGE_FIELDS),
    )
    section(
        "`peaks`",
        "Inside an averaged test, a list of inline tables or `[[test.peaks]]`.",
        _table(PEAK_FIELDS),
    )
    section("`alert`", "Inside a test: `alert = { … }` or `[test.alert]`.", _table(ALERT_FIELDS))
    section(
        "Criterion keys",
        "Each written under `alert` as a number (the limit, at the "
        'priority shown), `false` (off), or a table: `{ limit = 80, priority = "medium", '
        "confirm = 3 }` or `{ warn = 8, alarm = 4 }` (two criteria, `<name>_warn` at medium "
        "and `<name>_alarm` at high; the alarm is the stricter limit).",
        _criteria(),
    )
    section(
        "Criterion tables",
        "Keys of the table form of a criterion key.",
        _table(CRITERION_TABLE_FIELDS),
    )
    section(
        "`alert.criterion`",
        "`[[test.alert.criterion]]`: a criterion written out in full, "
        "for any quantity the modality trends.",
        _table(GENERIC_FIELDS),
    )
    q = [f"- **{_FAMILY[f]}**: " + ", ".join(f"`{x}`" for x in QUANTITIES[f]) for f in FAMILIES]
    section("Quantities", "What each family trends (unit in the name).", q)
    section(
        "Cross-field rules",
        "Checked after every key has the right type; the stream rules "
        "run again when the streams are attached.",
        [f"{i}. **{name}**: {text}" for i, (name, text) in enumerate(RULES, 1)],
    )
    return "\n".join(out).rstrip() + "\n"


def updated(text: str) -> str:
    """``text`` with its generated section replaced by the current reference."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {BEGIN!r} … {END!r} are missing")
    return text[: start + len(BEGIN)] + "\n\n" + reference() + "\n" + text[end:]


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the reference in docs/profiles.md (``--check``: only say whether it is current)."""
    ap = argparse.ArgumentParser(prog="python -m ionm_tui.profile.docs", description=main.__doc__)
    ap.add_argument("--check", action="store_true", help="exit 1 when the file is out of date")
    ap.add_argument("path", nargs="?", type=Path, default=DOC)
    args = ap.parse_args(argv)
    text = args.path.read_text(encoding="utf-8")
    new = updated(text)
    if args.check:
        if new != text:
            sys.stderr.write(f"{args.path} is out of date: run python -m ionm_tui.profile.docs\n")
            return 1
        return 0
    if new != text:
        args.path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
