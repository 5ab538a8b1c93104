"""The ``ionm-tui simulate`` subcommand: list, publish over LSL, write XDF, print ground truth."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

from ionm_tui.errors import StreamError

from .publish import PublishStatus, publish_lsl, write_xdf
from .scenario import parse_time
from .scenario_file import UnknownScenarioError, list_scenarios, load_scenario
from .truth import truth_document


def _out(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - this module is the command's voice


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)  # noqa: T201


def _seconds(text: str) -> float:
    try:
        return parse_time(float(text) if text.replace(".", "", 1).isdigit() else text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m // 60:d}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m:02d}:{s:02d}"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``simulate`` arguments to ``parser``."""
    parser.description = (
        "Run the built-in OR simulator: publish a scenario as LSL streams (until Ctrl-C or "
        "--duration), write it to an XDF file, or print its ground truth."
    )
    parser.add_argument(
        "scenario", nargs="?", help="a shipped scenario (see --list) or a TOML file"
    )
    parser.add_argument("--list", action="store_true", help="list the shipped scenarios and exit")
    parser.add_argument(
        "--duration",
        type=_seconds,
        metavar="S",
        help="scenario seconds (or mm:ss) to run; default: until Ctrl-C",
    )
    parser.add_argument("--seed", type=int, metavar="N", help="override the scenario's seed")
    parser.add_argument(
        "--start",
        type=_seconds,
        default=0.0,
        metavar="S",
        help="begin at this scenario time (seconds or mm:ss)",
    )
    parser.add_argument(
        "--lan",
        action="store_true",
        help="let LSL discovery reach other machines (default: this one only)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="X",
        help="pace at X times real time (default 1)",
    )
    parser.add_argument(
        "--source-id", metavar="ID", help="base of the LSL source ids (default ionm-sim-<scenario>)"
    )
    parser.add_argument(
        "--xdf",
        metavar="FILE",
        help="write the scenario to FILE (as fast as possible) instead of LSL",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --xdf FILE")
    parser.add_argument(
        "--truth", action="store_true", help="print the scenario's ground truth as JSON and exit"
    )


def _status(st: PublishStatus) -> None:
    gap = "  [data stream dropped]" if st.in_dropout else ""
    _out(
        f"{_clock(st.elapsed_s)}  scenario {_clock(st.position_s)}  "
        f"{st.samples:,} samples  {st.markers:,} markers{gap}"
    )


def run(args: argparse.Namespace) -> int:
    """Execute ``ionm-tui simulate``; returns the exit status (0 ok, 1 failure, 2 usage)."""
    if args.list:
        for info in list_scenarios():
            _out(f"{info.name}  profile={info.profile}  {info.description}")
        return 0
    if not args.scenario:
        _err("ionm-tui simulate: give a scenario name or file (see --list).")
        return 2
    if not (math.isfinite(args.speed) and args.speed > 0):
        _err(f"ionm-tui simulate: --speed must be a positive number, got {args.speed}.")
        return 2
    try:
        scenario = load_scenario(args.scenario)
        if args.truth:
            _out(json.dumps(truth_document(scenario, args.seed), indent=2))
            return 0
        if args.xdf:
            summary = write_xdf(
                scenario, args.xdf, args.duration, seed=args.seed, overwrite=args.overwrite
            )
            _out(
                f"Wrote {summary.path}: {summary.bytes / 1e6:.1f} MB, {_clock(summary.duration_s)} "
                f"of '{scenario.name}', {summary.samples:,} samples, {summary.markers:,} markers."
            )
            return 0
        proc = scenario.procedure
        where = "this machine and the LAN" if args.lan else "this machine only"
        base = args.source_id or f"ionm-sim-{scenario.name}"
        _out(
            f"Publishing '{scenario.name}' ({proc.id}, {len(proc.labels)} channels at "
            f"{proc.sfreq_hz:g} Hz) as LSL streams ionm-sim-data [{base}-data] and "
            f"ionm-sim-markers [{base}-markers]; discovery: {where}. Ctrl-C stops."
        )
        try:
            final = publish_lsl(
                scenario,
                duration_s=args.duration,
                lan=args.lan,
                speed=args.speed,
                seed=args.seed,
                start_s=args.start,
                source_id=args.source_id,
                on_status=_status,
            )
        except KeyboardInterrupt:
            _out("Stopped.")
            return 0
        _out(f"Done: {final.samples:,} samples and {final.markers:,} markers published.")
        return 0
    except BrokenPipeError:
        # Output piped into `head` and closed: stop quietly (Python's documented recipe).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except UnknownScenarioError as exc:
        _err(exc.message)
        return 2
    except StreamError as exc:
        _err(f"{exc.title}: {exc.message}")
        return 1
