"""The station engine: the Station with its device workers, the store writer, sync and USB
watching, driven by commands and reporting typed events. No Qt here.

The GUI runs it in a process of its own (`client.EngineClient` starts `process.serve`), so a
hundred worker threads never share an interpreter lock with the window; `kitbench provision`
drives the same Station in-process.
"""
