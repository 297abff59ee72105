"""The reference fleet backend."""
