"""Loading a profile: read, check every key and rule, and build it whole or not at all."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

from .build import NESTED, BuiltTest, build_test
from .check import INVALID, Sourced, check_fields, check_keys, check_pattern, sourced
from .fields import MODALITIES, by_key
from .markers import check_ids, check_markers
from .model import DataStream, EngineSettings, Profile, StreamMatch
from .problems import InvalidProfile, KeyPath, Location, Problem, Problems, found
from .read import parse_toml, read_text
from .schema import (
    DATA_STREAM_FIELDS,
    DEFAULTS_EXCLUDED,
    ENGINE_FIELDS,
    MARKER_STREAM_FIELDS,
    PROFILE_FIELDS,
    SLUG,
    TEST_FIELDS,
    TOP_KEYS,
)
from .stream_check import check_rate

_MATCH_KEYS = ("name", "type", "source_id", "hostname")


def _table(doc: dict[str, Any], key: str, path: KeyPath, problems: Problems) -> dict | None:
    v = doc.get(key)
    if v is not None and not isinstance(v, dict):
        problems.add(path, f"expected a table [{'.'.join(map(str, path))}], found {found(v)}")
        return None
    return v


def _section(doc: dict, key: str, docs: tuple, problems: Problems, *, need: bool) -> dict | None:
    table = _table(doc, key, (key,), problems)
    if table is None:
        if need and key not in doc:
            problems.add((key,), f"missing the [{key}] table")
        return None
    known = by_key(docs)
    check_keys(table, known, (key,), problems)
    return check_fields(sourced(table, (key,)), known, (key,), problems)


def _stream(streams: dict, key: str, docs: tuple, problems: Problems) -> dict | None:
    path: KeyPath = ("streams", key)
    table = _table(streams, key, path, problems)
    if table is None:
        return None
    known = by_key(docs)
    check_keys(table, known, path, problems)
    v = check_fields(sourced(table, path), known, path, problems)
    given = [k for k in _MATCH_KEYS if v[k] not in (None, INVALID)]
    if not given and all(v[k] is not INVALID for k in _MATCH_KEYS):
        problems.add(
            path,
            "say how to find this stream: give at least one of name, type, "
            'source_id, hostname (e.g. type = "EEG")',
        )
    for k in given:
        if "\n" in v[k] or "\r" in v[k]:
            problems.add((*path, k), "must be on one line")
    if v.get("scale_to_uv") == 0:
        problems.add((*path, "scale_to_uv"), "must not be 0 (every sample would become 0 µV)")
    return v


def _defaults(doc: dict, problems: Problems) -> dict[str, dict[str, Sourced]]:
    table = _table(doc, "defaults", ("defaults",), problems) or {}
    out: dict[str, dict[str, Sourced]] = {}
    for modality, sub in table.items():
        path: KeyPath = ("defaults", modality)
        if modality not in MODALITIES:
            check_keys({modality: sub}, MODALITIES, ("defaults",), problems)
            continue
        if not isinstance(sub, dict):
            problems.add(path, f"expected a table [defaults.{modality}], found {found(sub)}")
            continue
        fam = MODALITIES[modality]
        known = {k: d for k, d in by_key(TEST_FIELDS, fam).items() if k not in DEFAULTS_EXCLUDED}
        for key in sub:
            if key in DEFAULTS_EXCLUDED:
                problems.add((*path, key), f'"{key}" cannot be a default: it identifies one test')
        check_keys(
            {k: x for k, x in sub.items() if k not in DEFAULTS_EXCLUDED}, known, path, problems
        )
        out[modality] = sourced({k: x for k, x in sub.items() if k in known}, path, NESTED)
    return out


def _tests(doc: dict, problems: Problems) -> list[Any]:
    raw = doc.get("test")
    if raw is None:
        problems.add(("test",), "a profile needs at least one [[test]]")
        return []
    if isinstance(raw, dict):
        problems.add(
            ("test",),
            "write [[test]] (double brackets) before each test; found a single [test] table",
        )
        return []
    if not isinstance(raw, list) or not raw:
        problems.add(("test",), f"expected one or more [[test]] tables, found {found(raw)}")
        return []
    return raw


def parse(text: str, file: str = "") -> tuple[Profile | None, tuple[Problem, ...]]:
    """Check a profile's text completely.

    Returns:
        (the profile, ()) when it is valid; (None, every problem) when it is not.
    """
    problems = Problems(file, text)
    doc = parse_toml(text, problems)
    if doc is None:
        return None, problems.problems()
    check_keys(doc, dict.fromkeys(TOP_KEYS), (), problems)
    head = _section(doc, "profile", PROFILE_FIELDS, problems, need=True)
    if head is not None:
        check_pattern(
            head["id"],
            ("profile", "id"),
            problems,
            SLUG,
            "a profile id is lower-case letters, digits, '.', '_' and '-'",
        )
    eng = _section(doc, "engine", ENGINE_FIELDS, problems, need=False) or {
        d.key: d.default for d in ENGINE_FIELDS
    }
    streams = _table(doc, "streams", ("streams",), problems)
    data = markers = None
    if streams is None:
        if "streams" not in doc:
            problems.add(("streams",), "missing the [streams] table (which LSL streams to use)")
    else:
        check_keys(streams, dict.fromkeys(("data", "markers")), ("streams",), problems)
        if "data" not in streams:
            problems.add(("streams", "data"), 'missing streams.data (e.g. data = { type = "EEG" })')
        data = _stream(streams, "data", DATA_STREAM_FIELDS, problems)
        markers = _stream(streams, "markers", MARKER_STREAM_FIELDS, problems)
    defaults = _defaults(doc, problems)
    raws = _tests(doc, problems)
    context = {
        "buffer_s": eng["buffer_s"] if eng["buffer_s"] is not INVALID else None,
        "mains_hz": head["mains_hz"] if head and head["mains_hz"] is not INVALID else None,
    }
    built = [build_test(i, r, defaults, context, problems) for i, r in enumerate(raws)]
    check_ids(raws, problems)
    good = [b for b in built if b is not None]
    stim = data["stim_channel"] if data and data["stim_channel"] is not INVALID else None
    check_markers(good, markers is not None or "markers" in (streams or {}), stim, problems)
    if data and data["sfreq_hz"] not in (None, INVALID):
        where = {b.spec.id: b.where for b in good}
        check_rate(
            [b.spec for b in good],
            data["sfreq_hz"],
            lambda t, k, m: problems.add(_field_path(where, t.id, k), m),
        )
    if len(problems) or head is None or data is None:
        return None, problems.problems()
    return _assemble(head, data, markers, eng, good, problems, file), ()


def _field_path(where: dict[str, dict[str, KeyPath]], test: str, key: str) -> KeyPath:
    w = where[test]
    return w.get(key) or w.get(key.split("[")[0]) or w[""]


def _assemble(
    head: dict,
    data: dict,
    markers: dict | None,
    eng: dict,
    good: list[BuiltTest],
    problems: Problems,
    file: str,
) -> Profile:
    where: dict[str, Location] = {}
    for b in good:
        for k, p in b.where.items():
            where[f"{b.spec.id}/{k}"] = problems.locate(p)
    for k in ("sfreq_hz", "channel_count", "stim_channel", ""):
        where[f"streams.data.{k}"] = problems.locate(
            ("streams", "data", k) if k else ("streams", "data")
        )
    return Profile(
        id=head["id"],
        name=head["name"],
        description=head["description"],
        mains_hz=head["mains_hz"],
        data=DataStream(
            StreamMatch(**{k: data[k] for k in _MATCH_KEYS}),
            data["sfreq_hz"],
            data["channel_count"],
            data["scale_to_uv"],
            data["stim_channel"],
        ),
        markers=StreamMatch(**{k: markers[k] for k in _MATCH_KEYS}) if markers else None,
        engine=EngineSettings(**eng),
        tests=tuple(b.spec for b in good),
        source=file,
        where=MappingProxyType(where),
    )


def loads(text: str, file: str = "") -> Profile:
    """A profile from TOML text.

    Raises:
        InvalidProfile: with every problem found.
    """
    profile, problems = parse(text, file)
    if profile is None:
        raise InvalidProfile(problems)
    return profile


def check_file(path: str | Path) -> tuple[Profile | None, tuple[Problem, ...]]:
    """Read and check a profile file; never raises for a bad file (its problems are returned)."""
    p = Path(path)
    problems = Problems(str(p))
    text = read_text(p, problems)
    if text is None:
        return None, problems.problems()
    return parse(text, str(p))


def load(path: str | Path) -> Profile:
    """A profile from a file.

    Raises:
        InvalidProfile: with every problem found.
    """
    profile, problems = check_file(path)
    if profile is None:
        raise InvalidProfile(problems)
    return profile
