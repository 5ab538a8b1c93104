"""``ionm-tui replay CASE.xdf --profile P [--speed N]``: a recorded case in the console."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``ionm-tui replay``."""
    parser.add_argument("case", help="the recorded case (XDF file)")
    parser.add_argument("--profile", "-p", required=True, help="profile id or path")
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="times real time (default 1; 0 = as fast as possible)",
    )


def run(args: argparse.Namespace) -> int:
    """Open the recorded case in the console."""
    from ..session.case import load_profile, open_replay
    from .console import run_console

    if args.speed < 0:
        raise SystemExit("ionm-tui replay: --speed must be ≥ 0 (0 = as fast as possible)")
    profile = load_profile(args.profile)
    case = open_replay(args.case, profile, speed=args.speed or None)
    return run_console(case, title=f"ionm-tui · replay {args.case}", files=None)
