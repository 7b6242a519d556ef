"""How evaluation answers the tendering stage (``contracts.tendering.signals``), inside the
transaction that sent it."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext as _

from contracts.evaluation.services import award as award_services
from contracts.models import Tender, TenderStatus
from contracts.tendering.signals import tender_moved


@receiver(tender_moved, sender=Tender, dispatch_uid="contracts.evaluation.tender_moved")
def cancel_awards_and_settle_bids(sender, tender: Tender, to: str, by=None, **kwargs) -> None:
    """A tender cancelled: awards still in standstill are cancelled (no contract follows: the
    beat task confirms only awards in standstill), and the submitted bids are settled, every lot
    being decided now (awarded if they won a confirmed award, unsuccessful otherwise)."""
    if to != TenderStatus.CANCELLED:
        return
    award_services.awards_cancel_for_tender(tender=tender, by=by, reason=_("The tender was cancelled."))
    award_services.bids_settle_for_tender(tender=tender, by=by)
