"""Case records: the results format, the crash-safe journal, headless analysis, review, exports."""
