"""``ionm-tui monitor --profile P``: attach to live LSL streams and monitor the case."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``ionm-tui monitor``."""
    parser.add_argument("--profile", "-p", required=True, help="profile id or path")
    parser.add_argument(
        "--case-dir",
        type=Path,
        help="folder for the journal and recording (default: ./ionm-cases/<time>-<profile>)",
    )
    parser.add_argument(
        "--no-record", action="store_true", help="journal results but do not record the streams"
    )
    parser.add_argument(
        "--lan", action="store_true", help="also find streams on other machines (default: this one)"
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for the streams (default 10)"
    )


def run(args: argparse.Namespace) -> int:
    """Resolve the streams, build the engine, open the console."""
    from ..session.case import load_profile, open_live
    from ..session.case_files import CaseFiles, default_folder
    from ..streams.lsl_config import configure_lsl
    from .console import run_console

    configure_lsl(lan=args.lan)
    profile = load_profile(args.profile)
    case = open_live(profile, resolve_timeout_s=args.timeout)
    folder = args.case_dir or default_folder(profile.id)
    try:
        files = CaseFiles(folder, case, source_name="live LSL", record=not args.no_record)
    except BaseException:
        case.source.close()  # type: ignore[attr-defined]
        raise
    return run_console(case, title=f"ionm-tui · {profile.name}", files=files)
