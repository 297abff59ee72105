"""Template loading, validation, variables and secrets."""
