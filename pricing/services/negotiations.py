"""negotiations."""
