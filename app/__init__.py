"""Kitbench: a desktop provisioning station for Android device fleets."""

__version__ = "0.1.0"
