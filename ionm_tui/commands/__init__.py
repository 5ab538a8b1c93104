"""The console's commands (demo, monitor, replay): light to import; Textual loads only in run()."""
