"""The averaging dialog: mode (block, moving, EWMA) and number of sweeps for one test."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from ...engine import AveragingSpec
from ...engine.specs import AVERAGING_MODES
from ..render.sanitize import literal

MAX_SWEEPS = 100_000

_MODE_WORDS = {
    "block": "block: N sweeps, then start anew",
    "moving": "moving: the last N sweeps",
    "ewma": "EWMA: exponentially weighted, noise of N sweeps",
}


class AveragingScreen(ModalScreen[AveragingSpec | None]):
    """Pick a mode and N; the test's average starts anew when applied.

    Args:
        current: the averaging in force.
        label: the test's label.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: AveragingSpec, label: str) -> None:
        super().__init__()
        self._current = current
        self._label = label

    def compose(self) -> ComposeResult:
        """Modes, sweeps, buttons."""
        with Vertical(classes="dialog"):
            yield Static(
                Text(f"Averaging · {literal(self._label, max_len=30)}", style="bold"),
                classes="title",
            )
            yield RadioSet(
                *(
                    RadioButton(_MODE_WORDS[m], value=m == self._current.mode, id=f"mode-{m}")
                    for m in AVERAGING_MODES
                ),
                id="mode",
            )
            yield Input(value=str(self._current.sweeps), id="sweeps", type="integer", max_length=6)
            yield Static("Enter: apply (the average restarts) · Esc: cancel", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Apply", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        """Start on the mode list."""
        self.query_one("#mode", RadioSet).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        try:
            sweeps = int(self.query_one("#sweeps", Input).value)
        except ValueError:
            sweeps = 0
        if not 1 <= sweeps <= MAX_SWEEPS:
            self.notify(f"Sweeps must be 1 to {MAX_SWEEPS}.", severity="warning", markup=False)
            return
        mode = next(
            (m for m in AVERAGING_MODES if self.query_one(f"#mode-{m}", RadioButton).value),
            self._current.mode,
        )
        self.dismiss(AveragingSpec(mode, sweeps))  # type: ignore[arg-type]

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)
