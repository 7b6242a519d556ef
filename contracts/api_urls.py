"""API routes of contracts, under /api/v1/ (included by consortium/api_urls.py)."""

from contracts.apis import allocation, award, bids, contract, ocds, review, scoring, tenders

urlpatterns = [
    *tenders.urlpatterns,
    *bids.urlpatterns,
    *allocation.urlpatterns,
    *ocds.urlpatterns,
    *award.urlpatterns,
    *contract.urlpatterns,
    *scoring.urlpatterns,
    *review.urlpatterns,
]
