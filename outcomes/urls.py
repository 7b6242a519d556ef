"""The outcomes pages: each part's module lists its own routes."""

from __future__ import annotations

from .web import benchmarks, commitments, council, quality, reports, reserved

urlpatterns = [
    *commitments.urlpatterns,
    *reports.urlpatterns,
    *quality.urlpatterns,
    *benchmarks.urlpatterns,
    *council.urlpatterns,
    *reserved.urlpatterns,
]
