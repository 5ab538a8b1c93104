"""The help screen: keys, what the row states and alert priorities mean."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

STATUS_HELP: tuple[tuple[str, str], ...] = (
    ("OK", "live, no active alert"),
    ("ALERT!!!", "an active alert not yet acknowledged (!!! high, !! medium, ! low)"),
    ("ACK", "every active alert of the test has been acknowledged"),
    ("STALE", "data stopped advancing or a stream is stale: the numbers are not live"),
    ("LOST", "SIGNAL LOST: a stream the test needs is lost (values hidden)"),
    ("PAUSED", "the test ignores its stimuli"),
    ("WAIT", "no average yet, or the stream has not started"),
)
NOT_A_DEVICE = (
    "ionm-tui is a monitoring and research aid. It is not a cleared medical device; "
    "clinical decisions rest with qualified staff and cleared equipment."
)


def help_text(keys: Sequence[tuple[str, str]]) -> Text:
    """The whole help page as literal text."""
    text = Text()
    text.append("Keys\n", style="bold underline")
    for key, what in keys:
        text.append(f"  {key:<14}", style="bold")
        text.append(f"{what}\n")
    text.append("  ctrl+p        command palette: every action by name\n")
    text.append("\nRow status\n", style="bold underline")
    for word, what in STATUS_HELP:
        text.append(f"  {word:<14}", style="bold")
        text.append(f"{what}\n")
    text.append("\nAlert priorities (IEC 60601-1-8 style)\n", style="bold underline")
    text.append("  !!! HIGH      red    · !! MED  yellow · ! LOW  cyan (raised, unconfirmed)\n")
    text.append("  Acknowledged alerts stay listed but stop demanding attention.\n")
    text.append("  The bell rings for each new high-priority alert unless muted.\n")
    text.append(f"\n{NOT_A_DEVICE}\n", style="italic")
    return text


class HelpScreen(ModalScreen[None]):
    """Keys and legends; Esc, q, ? or F1 closes.

    Args:
        keys: (key, description) pairs to list.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close"),
    ]

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._keys = tuple(keys)

    def compose(self) -> ComposeResult:
        """The help page in a scrollable dialog."""
        with VerticalScroll(classes="dialog help"):
            yield Static(help_text(self._keys))

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)
