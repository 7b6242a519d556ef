"""Web pages of contracts (included at the site root by consortium/urls.py); each module lists
its own routes."""

from contracts.bidding.web import allocation, bids
from contracts.delivery.web import contracts as contract
from contracts.delivery.web import invoices as invoice
from contracts.delivery.web import payments
from contracts.delivery.web import returns as delivery_returns
from contracts.delivery.web import terms as contract_terms
from contracts.evaluation.web import award, pack, review, scoring
from contracts.publication.web import ocds
from contracts.tendering.web import tenders

urlpatterns = [
    *tenders.urlpatterns,
    *bids.urlpatterns,
    *allocation.urlpatterns,
    *ocds.urlpatterns,
    *award.urlpatterns,
    *contract.urlpatterns,
    *scoring.urlpatterns,
    *review.urlpatterns,
    *pack.urlpatterns,
    *delivery_returns.urlpatterns,
    *contract_terms.urlpatterns,
    *invoice.urlpatterns,
    *payments.urlpatterns,
]
