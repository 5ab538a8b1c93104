"""A first run: `ionm-tui demo` in a real terminal (tmux, 80×24) raises the scripted alert."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def _tmux(sock: str, *args: str) -> str:
    out = subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True, timeout=30)
    return out.stdout


def _wait_for(sock: str, predicate: object, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    pane = ""
    while time.monotonic() < deadline:
        pane = _tmux(sock, "capture-pane", "-p", "-t", "demo")
        if predicate(pane):  # type: ignore[operator]
            return pane
        time.sleep(1.0)
    raise AssertionError(f"timed out; the screen was:\n{pane}")


def _simulators() -> set[str]:
    """PIDs of running demo simulators (others' demos may be running too)."""
    pattern = "ionm_tui simulate demo --source-id ionm-demo-"
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return set(out.stdout.split())


@pytest.mark.timeout(300)
def test_demo_raises_the_scripted_alert_and_it_can_be_acknowledged() -> None:
    """At 4× speed the left tibial SSEP drop (02:15) brings a HIGH banner within ~a minute; `a`
    acknowledges it; `q` `y` quits cleanly and takes the simulator with it."""
    sock = f"ionm-test-{uuid.uuid4().hex[:8]}"
    cfg = REPO / "tests" / "lsl_api.cfg"
    cmd = f"LSLAPICFG={cfg} {sys.executable} -m ionm_tui demo --speed 4; echo EXIT $?; sleep 60"
    before = _simulators()
    _tmux(sock, "new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", cmd)
    try:
        first = _wait_for(sock, lambda p: "no active alerts" in p and "Left" in p, 60)
        assert "!!!" not in first.splitlines()[0]
        pane = _wait_for(sock, lambda p: "HIGH" in p.splitlines()[0], 150)
        banner = pane.splitlines()[0]
        assert "Left tibial SSEP" in banner
        assert "AMPLITUDE" in banner
        assert "ALERT" in pane  # the row says so in words as well as in colour
        _tmux(sock, "send-keys", "-t", "demo", "a")
        _wait_for(sock, lambda p: p.splitlines()[0].lstrip().startswith("ACK"), 15)
        _tmux(sock, "send-keys", "-t", "demo", "q")
        time.sleep(1.0)
        _tmux(sock, "send-keys", "-t", "demo", "y")
        done = _wait_for(sock, lambda p: "EXIT" in p, 30)
        assert "EXIT 0" in done
        assert "case saved in" in done
        time.sleep(2.0)
        assert _simulators() - before == set()  # ours is gone
    finally:
        _tmux(sock, "kill-server")
