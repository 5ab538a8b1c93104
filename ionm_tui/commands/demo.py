"""``ionm-tui demo``: the built-in simulator and the console, with zero setup, on this machine."""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
from pathlib import Path

DEMO_AVERAGING_SWEEPS = 50
"""SSEP averaging in the demo: the shipped spine profile averages 300 sweeps (realistic, and it
takes ~4.7 min to confirm the demo's change); 50-sweep averages confirm it within ~3 min."""


def _die_with_parent() -> None:
    """In the simulator child (Linux): get SIGTERM when the console's process dies, however it
    dies, so a killed demo never leaves simulated streams running."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the console still stops the simulator on a normal exit


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``ionm-tui demo``."""
    parser.add_argument(
        "--scenario", default="demo", help="simulator scenario (see `ionm-tui simulate --list`)"
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="simulated time per real second (default 1)"
    )
    parser.add_argument(
        "--full-averaging",
        action="store_true",
        help="keep the profile's SSEP averaging "
        f"(the demo uses {DEMO_AVERAGING_SWEEPS}-sweep averages)",
    )


def run(args: argparse.Namespace) -> int:
    """Start the simulator, attach the console to it, stop both on exit."""
    from ..engine import AveragingSpec, TestSpec
    from ..profile import StreamMatch
    from ..session.case import load_profile, open_live
    from ..session.case_files import CaseFiles
    from ..streams.lsl_config import configure_lsl
    from ..streams.simulator import load_scenario
    from .console import run_console

    scenario = load_scenario(args.scenario)
    profile = load_profile(scenario.profile)
    source_id = f"ionm-demo-{os.getpid()}"
    profile = dataclasses.replace(
        profile,
        data=dataclasses.replace(profile.data, match=StreamMatch(source_id=f"{source_id}-data")),
        markers=StreamMatch(source_id=f"{source_id}-markers"),
    )
    if not args.full_averaging:
        fast = AveragingSpec("ewma", DEMO_AVERAGING_SWEEPS, update_every=DEMO_AVERAGING_SWEEPS // 2)
        profile = dataclasses.replace(
            profile,
            tests=tuple(
                dataclasses.replace(t, averaging=fast)
                if isinstance(t, TestSpec) and t.modality == "ssep"
                else t
                for t in profile.tests
            ),
        )
    configure_lsl(lan=False)  # simulated patient data never leaves this machine
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ionm_tui",
            "simulate",
            args.scenario,
            "--source-id",
            source_id,
            "--speed",
            str(args.speed),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # nothing may write over the console's screen
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )

    def stop_simulator() -> None:
        if sim.poll() is None:
            sim.terminate()
            try:
                sim.wait(timeout=5)
            except subprocess.TimeoutExpired:
                sim.kill()
                sim.wait(timeout=5)

    try:
        case = open_live(profile, resolve_timeout_s=20.0)
        folder = Path(tempfile.mkdtemp(prefix="ionm-demo-")) / "case"
        files = CaseFiles(folder, case, source_name=f"simulator scenario {args.scenario}")
    except BaseException:
        stop_simulator()
        raise
    title = f"ionm-tui demo · {scenario.description}"
    return run_console(case, title=title, files=files, on_exit=stop_simulator)
