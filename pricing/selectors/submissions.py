"""Scoped reads: submissions."""
