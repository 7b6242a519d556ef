"""Receivers of signals sent by lower apps (connected in ``ContractsConfig.ready``)."""

from __future__ import annotations

from django.dispatch import receiver

from members import governance
from members.models import Ballot


@receiver(governance.ballot_decided, sender=Ballot, dispatch_uid="contracts.bid_ballot")
def bid_ballot_decided(sender, ballot: Ballot, by=None, **kwargs) -> None:
    """The board decided a joint bid's ballot: carried -> approved, otherwise back to draft.
    Runs inside the deciding transaction. Ballots of other things are ignored."""
    from contracts.bidding.services.bids import on_ballot_decided

    on_ballot_decided(ballot=ballot, by=by)
