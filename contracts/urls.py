"""Web pages of contracts (included at the site root by consortium/urls.py); each module lists
its own routes."""

from contracts.web import allocation, award, bids, contract, ocds, review, scoring, tenders

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
