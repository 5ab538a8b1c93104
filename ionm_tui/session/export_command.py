"""``ionm-tui export RESULTS [--csv DIR] [--edf DIR]``: trends, alerts and annotations as CSV;
averages and annotations as EDF+ (one file per test)."""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``ionm-tui export``."""
    parser.add_argument("results", help="a results.jsonl (from analyze) or a case's journal.jsonl")
    parser.add_argument("--csv", metavar="DIR", help="folder for the CSV files")
    parser.add_argument(
        "--edf",
        metavar="DIR",
        help="folder for the EDF+ files: one per test, one data record per average",
    )
    parser.add_argument("--force", action="store_true", help="replace existing CSV/EDF files")
    # argparse has no "at least one of" group: run() checks, and reports through this parser.
    parser.set_defaults(_export_parser=parser)


def run(args: argparse.Namespace) -> int:
    """Write the CSV and/or EDF+ files and say where (a usage error, exit 2, with neither)."""
    if args.csv is None and args.edf is None:
        args._export_parser.error("give --csv DIR, --edf DIR or both")
    if args.csv is not None:
        from .export import export_csv

        for path in export_csv(args.results, args.csv, force=args.force):
            sys.stdout.write(f"wrote {path}\n")
    if args.edf is not None:
        from .export_edf import export_edf

        for path in export_edf(args.results, args.edf, force=args.force):
            sys.stdout.write(f"wrote {path}\n")
    return 0
