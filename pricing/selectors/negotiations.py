"""Scoped reads: negotiations."""
