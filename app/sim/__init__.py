"""Simulated Android devices that speak the real ADB protocol over TCP."""
