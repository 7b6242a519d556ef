"""How governance answers lower apps' signals. Each runs inside the transaction that sent it."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from consortium.errors import DomainError
from consortium.models import Consortium
from members.governance import ballot_decided
from members.models import Ballot, BallotStatus, MemberCoop
from members.signals import membership_ended

from .models import GovernanceRules, MembershipApplication
from .services import joining

logger = logging.getLogger(__name__)


@receiver(post_save, sender=Consortium, dispatch_uid="governance.first_rules")
def give_new_consortium_its_rules(sender, instance: Consortium, created: bool, raw: bool = False, **kwargs):
    """A consortium starts with version 1 of the rules: the defaults, until its members change
    them in general meeting."""
    if created and not raw:
        GovernanceRules.objects.get_or_create(consortium=instance, version=1)


@receiver(ballot_decided, sender=Ballot, dispatch_uid="governance.application_decided")
def admit_on_carried_ballot(sender, ballot: Ballot, by=None, **kwargs):
    """The board decided a ballot: if it was an application's and carried, the co-op is admitted.

    Defeated or not quorate, the application stays with the coordinator, who refuses it with a
    reason in words (the co-op is owed one) or, after a vote without quorum, asks the board
    again. Admission runs in a savepoint: should it fail (a co-op of the same legal name was
    added meanwhile), the board's decision still stands and the coordinator admits by hand."""
    application = MembershipApplication.objects.filter(ballot=ballot).first()
    if application is None or ballot.status != BallotStatus.CARRIED:
        return
    try:
        with transaction.atomic():
            joining.application_admit(application=application, by=by)
    except DomainError:
        logger.exception("application %s: admission after ballot %s failed", application.pk, ballot.pk)


@receiver(membership_ended, sender=MemberCoop, dispatch_uid="governance.shares_on_leaving")
def withdraw_shares_on_leaving(sender, coop: MemberCoop, by=None, effective_on=None, **kwargs):
    """A co-op's membership ended: its shares leave the register (refunded or forfeit, as the
    rules say), in the same transaction."""
    joining.share_withdrawal_record(coop=coop, by=by, on=effective_on)
