"""ionm-tui: an intraoperative neuromonitoring console for the terminal."""

__version__ = "0.1.0"
