"""Web pages of contracts (included at the site root by consortium/urls.py); each module lists
its own routes."""

from contracts.web import allocation, bids, tenders

urlpatterns = [
    *tenders.urlpatterns,
    *bids.urlpatterns,
    *allocation.urlpatterns,
]
