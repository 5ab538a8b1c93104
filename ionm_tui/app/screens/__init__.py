"""Screens: the monitor (layout, fan-out of snapshots) and its small dialogs."""
