"""Sources and sinks: LSL inlets and outlets, XDF replay and recording, the simulator."""
