"""Every read of governance, scoped to the user (one module per topic)."""
