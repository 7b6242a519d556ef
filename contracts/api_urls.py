"""API routes of contracts, under /api/v1/ (included by consortium/api_urls.py)."""

from contracts.bidding.api import allocation, bids
from contracts.delivery.api import contracts as contract
from contracts.delivery.api import invoices as invoice
from contracts.delivery.api import payments
from contracts.delivery.api import returns as delivery_returns
from contracts.delivery.api import terms as contract_terms
from contracts.evaluation.api import award, review, scoring
from contracts.publication.api import ocds
from contracts.tendering.api import tenders

urlpatterns = [
    *tenders.urlpatterns,
    *bids.urlpatterns,
    *allocation.urlpatterns,
    *ocds.urlpatterns,
    *award.urlpatterns,
    *contract.urlpatterns,
    *scoring.urlpatterns,
    *review.urlpatterns,
    *delivery_returns.urlpatterns,
    *contract_terms.urlpatterns,
    *invoice.urlpatterns,
    *payments.urlpatterns,
]
