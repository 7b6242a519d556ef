"""The desk's pages: each module of ``web`` lists its own routes."""

from __future__ import annotations

from desk.web import activity, dashboard, hubs

urlpatterns: list = [*dashboard.urlpatterns, *hubs.urlpatterns, *activity.urlpatterns]
