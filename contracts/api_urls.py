"""API routes of contracts, under /api/v1/ (included by consortium/api_urls.py)."""

from contracts.apis import allocation, bids, tenders

urlpatterns = [
    *tenders.urlpatterns,
    *bids.urlpatterns,
    *allocation.urlpatterns,
]
