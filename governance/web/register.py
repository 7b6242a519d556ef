"""The register of members with the evidence of member control read from what happened."""

from __future__ import annotations

urlpatterns: list = []
