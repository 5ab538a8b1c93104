"""Dialogs to capture a named baseline and to select an earlier one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from ..render.sanitize import literal

STANDARD_NAMES: tuple[str, ...] = (
    "post-induction",
    "post-positioning",
    "post-exposure",
    "pre-correction",
    "pre-closure",
)
"""Baseline names offered in order; the first not yet captured is the default."""

Choice = tuple[str, str | None]
"""(baseline name, test id or None for every test)."""


def default_name(captured: Sequence[str]) -> str:
    """The first standard name not captured yet (``post-positioning`` after ``post-induction``)."""
    return next((n for n in STANDARD_NAMES if n not in captured), "baseline")


def _scope(label: str) -> RadioSet:
    return RadioSet(
        RadioButton("all tests", value=True, id="scope-all"),
        RadioButton(Text(f"selected test only: {literal(label, max_len=30)}"), id="scope-one"),
        id="scope",
    )


class CaptureBaselineScreen(ModalScreen[Choice | None]):
    """Asks a baseline's name and whether it is for every test or the selected one.

    Args:
        name: the suggested name (selected, so typing replaces it).
        test: the selected test's id.
        label: its label.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, name: str, test: str | None, label: str) -> None:
        super().__init__()
        self._name = name
        self._test = test
        self._label = label

    def compose(self) -> ComposeResult:
        """Name, scope, buttons."""
        with Vertical(classes="dialog"):
            yield Static(Text("Capture baseline", style="bold"), classes="title")
            yield Input(value=self._name, id="name", max_length=40, select_on_focus=True)
            yield _scope(self._label)
            yield Static("Enter: capture · Tab: scope · Esc: cancel", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Capture", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        """Start in the name field."""
        self.query_one("#name", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.notify("A baseline needs a name.", severity="warning", markup=False)
            return
        one = self.query_one("#scope-one", RadioButton).value
        self.dismiss((name, self._test if one else None))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without capturing."""
        self.dismiss(None)


class SelectBaselineScreen(ModalScreen[Choice | None]):
    """Lists captured baselines; Enter compares with the highlighted one.

    Args:
        names: the captured baseline names.
        current: the one in use for the selected test.
        test: the selected test's id.
        label: its label.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, names: Sequence[str], current: str | None, test: str | None, label: str
    ) -> None:
        super().__init__()
        self._names = tuple(names)
        self._current = current
        self._test = test
        self._label = label

    def compose(self) -> ComposeResult:
        """The names, the scope, a hint."""
        with Vertical(classes="dialog"):
            yield Static(Text("Compare with baseline", style="bold"), classes="title")
            options = [
                Option(Text(literal(n, max_len=40) + (" (in use)" if n == self._current else "")))
                for n in self._names
            ]
            yield OptionList(*options, id="names")
            yield _scope(self._label)
            yield Static("Enter: select · Tab: scope · Esc: cancel", classes="hint")

    def on_mount(self) -> None:
        """Start in the list."""
        self.query_one("#names", OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        one = self.query_one("#scope-one", RadioButton).value
        self.dismiss((self._names[event.option_index], self._test if one else None))

    def action_cancel(self) -> None:
        """Close without selecting."""
        self.dismiss(None)
