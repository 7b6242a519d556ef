"""General meetings: calling one, its agenda and motions, delegates, proxies, attendance, votes, minutes."""

from __future__ import annotations

urlpatterns: list = []
