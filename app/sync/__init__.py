"""The outbox to the fleet backend."""
