"""``ionm-tui export RESULTS --csv DIR``: trends, alerts and annotations as CSV."""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``ionm-tui export``."""
    parser.add_argument("results", help="a results.jsonl (from analyze) or a case's journal.jsonl")
    parser.add_argument("--csv", required=True, metavar="DIR", help="folder for the CSV files")
    parser.add_argument("--force", action="store_true", help="replace existing CSV files")


def run(args: argparse.Namespace) -> int:
    """Write the CSV files and say where."""
    from .export import export_csv

    for path in export_csv(args.results, args.csv, force=args.force):
        sys.stdout.write(f"wrote {path}\n")
    return 0
