"""Scoped reads: evidence."""
