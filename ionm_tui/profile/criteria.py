"""An ``alert`` table → the engine's ``AlertSpec``: friendly keys, warn/alarm pairs, full rows."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ionm_tui.engine.specs import AlertSpec, CriterionSpec

from .check import INVALID, Sourced, check_fields, check_keys, check_value, is_number, sourced
from .fields import FAMILY_WORDS, by_key, num
from .problems import KeyPath, Problems, did_you_mean, found
from .schema_alert import (
    ALARM_PRIORITY,
    ALERT_FIELDS,
    CRITERION_KEYS,
    CRITERION_TABLE_FIELDS,
    GENERIC_FIELDS,
    QUANTITIES,
    WARN_PRIORITY,
    CriterionKey,
    alert_keys,
    criterion_keys,
)

_SHORTHAND = {  # (name, quantity, kind) → AlertSpec's own limit and priority fields
    ("amplitude_drop", "amplitude_uv", "drop_pct"): ("amplitude_drop_pct", "amplitude_priority"),
    ("latency_rise", "latency_ms", "rise_pct"): ("latency_rise_pct", "latency_priority"),
    ("loss_of_response", "snr", "below"): ("snr_floor", "loss_priority"),
}


@dataclass(slots=True)
class _Row:
    name: str
    quantity: str
    kind: str
    limit: float
    priority: str
    confirm: int | None
    path: KeyPath
    negate: bool = False


@dataclass(frozen=True, slots=True)
class BuiltAlert:
    """The alert of one test, and where each of its criteria was written.

    Attributes:
        spec: the engine's alert spec.
        where: criterion name → key path.
        quantities: criterion name → quantity judged.
    """

    spec: AlertSpec
    where: dict[str, KeyPath] = field(default_factory=dict)
    quantities: dict[str, str] = field(default_factory=dict)


def _elsewhere(family: str) -> dict[str, str]:
    other = {}
    for c in CRITERION_KEYS:
        if family not in c.families:
            other[c.key] = " and ".join(FAMILY_WORDS[f] + " tests" for f in c.families)
    return other


def _friendly(ck: CriterionKey, s: Sourced, unit: str, problems: Problems) -> list[_Row] | None:
    """The rows one friendly key makes, or None after recording a problem."""
    v, path = s.value, s.path
    if v is False:
        return []
    if ck.needs_unit and unit != ck.needs_unit:
        twin = [c.key for c in CRITERION_KEYS if c.name == ck.name and c.needs_unit == unit]
        use = f'; use "{twin[0]}"' if twin else ""
        problems.add(
            path,
            f"this test's intensities are in {unit} (intensity_unit), so "
            f'"{ck.key}" could never be judged{use}',
        )
        return None
    if ck.flag:
        if v is True:
            return [_Row(ck.name, ck.quantity, ck.kind, ck.limit, ck.priority, None, path)]
        if not isinstance(v, dict):
            problems.add(
                path,
                f"expected true, false or a table {{ priority = …, confirm = … }}"
                f", found {found(v)}",
            )
            return None
    elif is_number(v):
        lim = check_value(ck.as_field(), v, path, problems)
        if lim is INVALID:
            return None
        return [_Row(ck.name, ck.quantity, ck.kind, lim, ck.priority, None, path, ck.negate)]
    elif not isinstance(v, dict):
        problems.add(
            path,
            f"expected a number of {ck.unit or 'the quantity'}, false (off) or a "
            f"table {{ limit = …, priority = … }} / {{ warn = …, alarm = … }}, found "
            f"{found(v)}",
        )
        return None
    return _table_form(ck, v, path, problems)


def _table_form(
    ck: CriterionKey, table: dict[str, Any], path: KeyPath, problems: Problems
) -> list[_Row] | None:
    allowed = by_key(CRITERION_TABLE_FIELDS)
    if ck.flag:
        allowed = {k: d for k, d in allowed.items() if k in ("priority", "confirm")}
    n = len(problems)
    check_keys(table, allowed, path, problems)
    vals = {}
    for key, doc in allowed.items():
        if key in table:
            d = ck.as_field() if key in ("limit", "warn", "alarm") else doc
            vals[key] = check_value(d, table[key], (*path, key), problems)
    if len(problems) > n or INVALID in vals.values():
        return None
    conf = vals.get("confirm")
    if ck.flag:
        prio = vals.get("priority", ck.priority)
        return [_Row(ck.name, ck.quantity, ck.kind, ck.limit, prio, conf, path)]
    has_pair = "warn" in vals or "alarm" in vals
    if ("limit" in vals) == has_pair:
        problems.add(path, "give either limit (with an optional priority) or warn and/or alarm")
        return None
    if not has_pair:
        prio = vals.get("priority", ck.priority)
        return [_Row(ck.name, ck.quantity, ck.kind, vals["limit"], prio, conf, path, ck.negate)]
    if "priority" in vals:
        problems.add((*path, "priority"), "warn is always medium and alarm high; drop priority")
        return None
    w, a = vals.get("warn"), vals.get("alarm")
    if w is not None and a is not None:
        lower_is_worse = ck.kind == "below" and not ck.negate
        if (a >= w) if lower_is_worse else (a <= w):
            word = "below" if lower_is_worse else "beyond"
            problems.add(
                (*path, "alarm"),
                f"alarm ({num(a)}) must lie {word} warn ({num(w)}): "
                "the alarm is the stricter limit",
            )
            return None
    rows = []
    for suffix, lim, prio in (("warn", w, WARN_PRIORITY), ("alarm", a, ALARM_PRIORITY)):
        if lim is not None:
            rows.append(
                _Row(f"{ck.name}_{suffix}", ck.quantity, ck.kind, lim, prio, conf, path, ck.negate)
            )
    return rows


def _generic(family: str, rows: list[Any], path: KeyPath, problems: Problems) -> list[_Row]:
    out = []
    docs = by_key(GENERIC_FIELDS)
    for i, raw in enumerate(rows):
        p = (*path, i)
        if isinstance(raw.get("name"), str):
            problems.name(p, raw["name"])
        n = len(problems)
        check_keys(raw, docs, p, problems)
        v = check_fields(sourced(raw, p), docs, p, problems)
        q = v["quantity"]
        if q is not INVALID and q not in QUANTITIES[family]:
            problems.add(
                (*p, "quantity"),
                f'"{q}" is not a quantity {FAMILY_WORDS[family]} '
                f"tests trend{did_you_mean(q, QUANTITIES[family])}; they trend: "
                + ", ".join(QUANTITIES[family]),
            )
        lim, kind = v["limit"], v["kind"]
        if lim is not INVALID and kind is not INVALID and kind in ("drop_pct", "rise_pct"):
            if not 0 < lim <= 100:
                problems.add(
                    (*p, "limit"),
                    f"a {kind} limit is a percentage more than 0 and at most 100; found {num(lim)}",
                )
        elif lim is not INVALID and kind == "rise_abs" and lim <= 0:
            problems.add((*p, "limit"), f"a rise_abs limit must be more than 0; found {num(lim)}")
        if len(problems) == n:
            out.append(_Row(v["name"], q, kind, lim, v["priority"], v["confirm"], p))
    return out


def build_alert(
    s: Sourced | None, family: str, unit: str, update_s: float | None, problems: Problems
) -> Any:
    """The test's ``BuiltAlert``; None for no alerts; ``INVALID`` after recording problems.

    Args:
        s: the (merged) ``alert`` value.
        family: the test's modality family.
        unit: the test's intensity unit (single-sweep tests), else ``""``.
        update_s: seconds between updates (EMG, EEG), for ``persist_s``.
    """
    if s is None or s.value is False:
        return None
    if not isinstance(s.value, dict):
        problems.add(s.path, f"expected a table of criteria or false, found {found(s.value)}")
        return INVALID
    n = len(problems)
    values: dict[str, Sourced] = s.value
    check_keys(values, alert_keys(family), s.path, problems, _elsewhere(family))
    base = check_fields(values, by_key(ALERT_FIELDS, family), s.path, problems)
    confirm = base["confirm"]
    if base.get("persist_s") not in (None, INVALID) and update_s is not None:
        if "confirm" in values:
            problems.add(values["persist_s"].path, "give confirm or persist_s, not both")
        confirm = max(1, math.ceil(base["persist_s"] / update_s - 1e-9))
    rows: list[_Row] = []
    for key, ck in criterion_keys(family).items():
        if key in values:
            rows.extend(_friendly(ck, values[key], unit, problems) or [])
    crit = values.get("criterion")
    if crit is not None and base["criterion"] is not INVALID:
        rows.extend(_generic(family, crit.value, crit.path, problems))
    seen: dict[str, KeyPath] = {}
    for r in rows:
        if r.name in seen:
            problems.add(
                r.path,
                f'a second criterion named "{r.name}": names must be unique '
                f"in a test (the first is at {problems.locate(seen[r.name]).key})",
            )
        seen.setdefault(r.name, r.path)
    if not rows and len(problems) == n:
        problems.add(
            s.path,
            "this alert sets no criterion, so the test can never alert: add "
            "one (e.g. amplitude_drop_pct = 50) or write alert = false",
        )
    if len(problems) > n:
        return INVALID
    return _assemble(rows, confirm, base["clear_margin_pct"], s.path, problems)


def _assemble(
    rows: list[_Row], confirm: int, margin: float, path: KeyPath, problems: Problems
) -> BuiltAlert | Any:
    kw: dict[str, Any] = {"amplitude_drop_pct": None, "latency_rise_pct": None}
    extra: list[CriterionSpec] = []
    try:
        for r in rows:
            short = _SHORTHAND.get((r.name, r.quantity, r.kind))
            if short and r.confirm is None:
                kw[short[0]], kw[short[1]] = r.limit, r.priority
                continue
            lim = -r.limit if r.negate else r.limit
            extra.append(CriterionSpec(r.name, r.quantity, r.kind, lim, r.priority, r.confirm))  # type: ignore[arg-type]
        spec = AlertSpec(confirm=confirm, clear_margin_pct=margin, criteria=tuple(extra), **kw)
    except ValueError as err:
        problems.add(path, f"the engine refused these criteria: {err}")
        return INVALID
    return BuiltAlert(spec, {r.name: r.path for r in rows}, {r.name: r.quantity for r in rows})
