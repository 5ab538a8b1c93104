"""``ionm-tui review PATH``: a finished or crashed case in the console, read-only."""

from __future__ import annotations

import argparse
import math
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``ionm-tui review``."""
    parser.add_argument(
        "path",
        help="a case folder (its journal.jsonl), an analysis folder (results.jsonl), or the file",
    )
    parser.add_argument(
        "--profile",
        "-p",
        help="profile id or path (default: the one stored in the records, else the installed one)",
    )
    parser.add_argument(
        "--at",
        metavar="HH:MM:SS",
        help="open with the cursor at this case time (default: the end of the case)",
    )


def parse_case_time(text: str) -> float:
    """``HH:MM:SS``, ``MM:SS`` or seconds → seconds.

    Raises:
        ValueError: not a time, naming the accepted forms.
    """
    parts = text.strip().split(":")
    try:
        if not 1 <= len(parts) <= 3:
            raise ValueError
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"--at {text!r}: give HH:MM:SS, MM:SS or seconds") from None
    seconds = 0.0
    for v in values:
        if not math.isfinite(v):
            raise ValueError(f"--at {text!r}: give HH:MM:SS, MM:SS or seconds")
        if v < 0:
            raise ValueError(f"--at {text!r}: the time must not be negative")
        seconds = seconds * 60.0 + v
    return seconds


def run(args: argparse.Namespace) -> int:
    """Open the case read-only until the user quits."""
    from ..app import make_app
    from ..app.review_feed import ReviewFeed
    from ..session.review import ReviewCase

    start = math.inf
    if args.at is not None:
        try:
            offset = parse_case_time(args.at)
        except ValueError as err:
            sys.stderr.write(f"ionm-tui review: {err}\n")
            return 2
    from ..session.review import find_results

    path = find_results(args.path)
    size_mb = path.stat().st_size / 1e6
    if size_mb > 50:  # an 8-hour journal takes seconds to index: say what is happening
        sys.stdout.write(f"reading {path} ({size_mb:,.0f} MB)…\n")
        sys.stdout.flush()
    case = ReviewCase.open(path, args.profile)
    if args.at is not None:
        if not math.isfinite(case.case_start_t):
            sys.stderr.write("ionm-tui review: --at needs the case start, which the file lacks\n")
            return 2
        start = case.case_start_t + offset
    feed = ReviewFeed(case, start_at=start)
    title = f"ionm-tui · review {case.index.path.parent.name}/{case.index.path.name}"
    make_app(feed, title=title, profile_name=case.profile.id, review=True).run()
    for note in case.notes:
        sys.stdout.write(f"note: {note}\n")
    return 0
