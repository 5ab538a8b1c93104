"""``ionm-tui analyze`` (a recorded case → results.jsonl and a summary) and ``ionm-tui export``."""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``ionm-tui analyze``."""
    parser.add_argument("case", help="the recorded case (XDF file)")
    parser.add_argument("--profile", "-p", required=True, help="profile id or path")
    parser.add_argument(
        "--out", "-o", required=True, help="output folder (results.jsonl, summary.txt)"
    )
    parser.add_argument("--force", action="store_true", help="write into an existing folder")


def run(args: argparse.Namespace) -> int:
    """Analyse, print the summary, return the exit status."""
    from .analyze import analyze

    res = analyze(args.case, args.profile, args.out, force=args.force)
    sys.stdout.write(res.summary.read_text(encoding="utf-8"))
    sys.stdout.write(f"\n{res.records} records → {res.results}\n")
    return 0
