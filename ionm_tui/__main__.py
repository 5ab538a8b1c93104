"""``python -m ionm_tui`` runs the ``ionm-tui`` command."""

from .cli import main

raise SystemExit(main())
