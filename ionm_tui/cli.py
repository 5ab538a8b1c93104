"""The ``ionm-tui`` command: one subcommand per job, each implemented in its own module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__
from .errors import IonmError

# name → (module providing configure(parser) and run(args) -> int, one-line help).
# Modules are imported only when their command runs, so `--help` stays fast and headless.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "ionm_tui.commands.demo",
        "open the console on the built-in simulator (no hardware, no setup)",
    ),
    "monitor": (
        "ionm_tui.commands.monitor",
        "monitor live LSL streams with a procedure profile",
    ),
    "replay": (
        "ionm_tui.commands.replay",
        "replay a recorded case (XDF) in the console",
    ),
    "review": (
        "ionm_tui.commands.review",
        "open a finished or crashed case read-only: trends, averages, alerts, notes",
    ),
    "simulate": (
        "ionm_tui.streams.simulator.command",
        "publish a scripted OR scenario as LSL streams, or write it to an XDF file",
    ),
    "analyze": (
        "ionm_tui.session.command",
        "analyse a recorded case headless into results.jsonl and a summary",
    ),
    "export": (
        "ionm_tui.session.export_command",
        "export a results file or journal as CSV (trends, alerts, notes) and EDF+ (averages)",
    ),
    "profiles": (
        "ionm_tui.profile.command",
        "list, show and check procedure profiles",
    ),
}

NOT_A_DEVICE = (
    "ionm-tui is a monitoring and research aid. It is not a cleared medical device; "
    "clinical decisions rest with qualified staff and cleared equipment."
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="ionm-tui",
        description="Intraoperative neuromonitoring console for the terminal.",
        epilog=NOT_A_DEVICE,
    )
    parser.add_argument("--version", action="version", version=f"ionm-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        _configure(module, p)
    return parser


def _configure(module: str, parser: argparse.ArgumentParser) -> None:
    mod = importlib.import_module(module)
    mod.configure(parser)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ionm-tui`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    mod = importlib.import_module(args._module)
    try:
        return int(mod.run(args))
    except IonmError as err:
        print(f"ionm-tui {args.command}: {err.message}", file=sys.stderr)  # noqa: T201
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
