"""Joining: the application page, the coordinator's check, the board's decision, the share register."""

from __future__ import annotations

urlpatterns: list = []
