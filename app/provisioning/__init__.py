"""Step executors, the per-device runner and the station orchestrator."""
