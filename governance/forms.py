"""Forms of the governance pages: one heading per part."""

from __future__ import annotations
