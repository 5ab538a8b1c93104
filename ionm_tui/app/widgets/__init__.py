"""Thin widgets: each holds its slice of the snapshot and delegates drawing to ``app.render``."""
