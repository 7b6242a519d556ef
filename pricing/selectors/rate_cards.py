"""Scoped reads: rate_cards."""
