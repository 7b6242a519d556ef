"""How joint bids answer what happens before them: a tender closing, cancelled or changing its
lots (``contracts.tendering.signals``), and the board deciding a bid's ballot
(``members.governance.ballot_decided``). Each runs inside the transaction that sent it."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext as _

from contracts.bidding.services import bids as bid_services
from contracts.models import Tender, TenderStatus
from contracts.tendering.signals import tender_lots_changed, tender_moved
from members import governance
from members.models import Ballot


@receiver(tender_moved, sender=Tender, dispatch_uid="contracts.bidding.tender_moved")
def withdraw_unsubmitted_bids(sender, tender: Tender, to: str, by=None, **kwargs) -> None:
    """A tender closed or cancelled: the bids never submitted are withdrawn (they stop reserving
    members' capacity)."""
    if to == TenderStatus.CLOSED:
        bid_services.bids_withdraw_unsubmitted(tender=tender, by=by,
                                               reason=_("Not submitted by the tender's deadline."))
    elif to == TenderStatus.CANCELLED:
        bid_services.bids_withdraw_unsubmitted(tender=tender, by=by, reason=_("The tender was cancelled."))


@receiver(tender_lots_changed, sender=Tender, dispatch_uid="contracts.bidding.tender_lots_changed")
def confirmed_bids_back_to_draft(sender, tender: Tender, by=None, **kwargs) -> None:
    """The lots of a published tender changed: bids confirmed for the old lots go back to draft."""
    bid_services.bids_back_to_draft_for_tender(tender=tender, by=by)


@receiver(governance.ballot_decided, sender=Ballot, dispatch_uid="contracts.bid_ballot")
def bid_ballot_decided(sender, ballot: Ballot, by=None, **kwargs) -> None:
    """The board decided a joint bid's ballot: carried -> approved, otherwise back to draft.
    Ballots of other things are ignored."""
    bid_services.on_ballot_decided(ballot=ballot, by=by)
