"""Run the console on a prepared case, journaling and recording it, and always clean up."""

from __future__ import annotations

import sys
from collections.abc import Callable

from ..session.case import Case
from ..session.case_files import CaseFiles


def run_console(
    case: Case,
    *,
    title: str,
    files: CaseFiles | None,
    on_exit: Callable[[], None] | None = None,
) -> int:
    """Open the console on ``case`` until the user quits; returns the exit status."""
    from ..app import LocalEngineFeed, make_app

    feed = LocalEngineFeed(
        case.engine,
        case.source,
        recording=files.status() if files else "not recording",
        on_records=files.on_records if files else None,
        recording_status=files.status if files else None,
    )
    app = make_app(feed, title=title, profile_name=case.profile.id)
    try:
        app.run()
    finally:
        try:
            if files is not None:
                files.close()  # also closes the (wrapped) source
            else:
                close = getattr(case.source, "close", None)
                if close is not None:
                    close()
        finally:
            if on_exit is not None:
                on_exit()  # e.g. stop the simulator, even if closing files failed
    for note in case.notes:
        sys.stdout.write(f"note: {note}\n")
    if files is not None:
        sys.stdout.write(f"case saved in {files.folder}\n")
    return 0
