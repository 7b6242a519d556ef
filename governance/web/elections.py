"""Board elections: nominations, ranked ballots, the count sheet, terms of office."""

from __future__ import annotations

urlpatterns: list = []
