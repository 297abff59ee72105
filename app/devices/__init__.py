"""Device discovery, ADB sessions and the Device facade."""
