"""Every write of governance: atomic, typed, keyword-only (one module per topic)."""
