"""The ``ionm-tui profiles`` command: list, show and check procedure profiles."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

# Everything heavier than argparse is imported inside run(): the CLI imports this module to build
# its parser, and `ionm-tui --help` must stay fast.


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``list``, ``show`` and ``check`` subcommands."""
    sub = parser.add_subparsers(dest="profiles_command", metavar="ACTION")
    sub.add_parser(
        "list",
        help="every profile: id, name and where it lives",
        description="List the user's profiles ($IONM_TUI_PROFILES or "
        "~/.config/ionm-tui/profiles), then the shipped ones.",
    )
    show = sub.add_parser(
        "show",
        help="a profile with every value resolved, defaults included",
        description="Print a profile as TOML with every value resolved "
        "(defaults included); the output loads as a profile.",
    )
    show.add_argument("profile", metavar="ID|PATH", help="profile id or file")
    check = sub.add_parser(
        "check",
        help="report every problem of profile files",
        description="Check profile files and report every problem at once. "
        "Exit status 0 when all are valid, 2 when not.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="profile files (or ids)")
    check.add_argument(
        "--stream-labels",
        metavar="L1,L2,...",
        help="also check against a stream with these channel labels",
    )
    check.add_argument(
        "--sfreq", type=float, metavar="HZ", help="…and this sampling rate (with --stream-labels)"
    )


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one action; returns the exit status (0 ok, 2 invalid or not found)."""
    out = out or sys.stdout
    err = err or sys.stderr
    action = getattr(args, "profiles_command", None)
    if action == "list":
        return _list(out)
    if action == "show":
        return _show(args.profile, out, err)
    if action == "check":
        return _check(args, out, err)
    print("ionm-tui profiles: choose an action: list, show or check", file=err)
    return 2


def _list(out: TextIO) -> int:
    from .lookup import list_profiles, shipped_dir, user_dirs

    entries = list_profiles()
    if not entries:
        folders = ", ".join(str(d) for d in (*user_dirs(), shipped_dir()))
        print(f"no profiles found (looked in {folders})", file=out)
        return 0
    width = max(len(e.id) for e in entries)
    for e in entries:
        note = " (hidden by the user profile of the same id)" if e.shadowed else ""
        note += f" [{e.error}]" if e.error else ""
        name = e.name or "?"
        print(f"{e.id:<{width}}  {name}  —  {e.origin}: {e.path}{note}", file=out)
    return 0


def _show(name: str, out: TextIO, err: TextIO) -> int:
    from ionm_tui.errors import ProfileError

    from .loader import check_file
    from .lookup import find_profile
    from .show import render

    try:
        path = find_profile(name)
    except ProfileError as e:
        print(f"ionm-tui profiles show: {e.message}", file=err)
        return 2
    profile, problems = check_file(path)
    if profile is None:
        _report(str(path), problems, err)
        return 2
    out.write(render(profile))
    return 0


def _report(name: str, problems: tuple, stream: TextIO) -> None:
    n = len(problems)
    print(f"{name}: {n} problem{'s' if n != 1 else ''}", file=stream)
    for p in problems:
        print(f"  {p}", file=stream)


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ionm_tui.errors import ProfileError

    from .loader import check_file
    from .lookup import find_profile

    labels = None
    if (args.stream_labels is None) != (args.sfreq is None):
        print("ionm-tui profiles check: give --stream-labels and --sfreq together", file=err)
        return 2
    if args.stream_labels is not None:
        labels = tuple(x.strip() for x in args.stream_labels.split(",") if x.strip())
    status = 0
    for name in args.files:
        try:
            path = find_profile(name)
        except ProfileError as e:
            print(f"{name}: {e.message}", file=out)
            status = 2
            continue
        profile, problems = check_file(path)
        if profile is not None and labels is not None:
            problems = profile.check_stream(labels, args.sfreq)
        if problems:
            _report(str(path), problems, out)
            status = 2
            continue
        extra = f", fits the stream ({len(labels)} channels, {args.sfreq:g} Hz)" if labels else ""
        assert profile is not None
        print(f"{path}: ok — {profile.id}, {len(profile.tests)} tests{extra}", file=out)
    return status
