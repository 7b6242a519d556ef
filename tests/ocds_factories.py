"""Award decisions and contracts for the open contracting export tests, made through the services
(review, award, contract) from a joint bid submitted through the bid services.

The joint bid is tests/builders.py's: one lot of 100 weekday hours a week, coop A 60 h and coop B
40 h, both with open-book costs (so floors), priced, approved by the board and submitted before
the deadline (``approved_joint_bid``, submitted). ``evaluate`` passes the
deadline, opens the evaluation (the Cardiff reviewer leads), records an outside bid and scores
every bid; ``decide`` makes the award; ``confirm`` confirms it after the standstill, which makes
the contract with the consortium and the members' sub-contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from contracts.evaluation.services import award as award_services
from contracts.evaluation.services.review import evaluation_open, external_bid_record
from contracts.models import Award, Bid, Contract, Entry, ExternalBid, Lot, Tender
from tests.builders import past_standstill, score

OUTSIDE_NAME = "Gofal Unigol Ltd"
OUTSIDE_NUMBER = "01234567"  # a Companies House number: 8 digits


@dataclass
class Evaluation:
    tender: Tender
    lot: Lot
    bid: Bid
    entry: Entry  # the joint bid's
    outside: Entry  # the outside bid's

    @property
    def external_bid(self) -> ExternalBid:
        return self.outside.external_bid


def pass_deadline(tender: Tender) -> None:
    """The deadline passes now: after anything submitted so far."""
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now(),
                                               clarification_deadline=None)


def evaluate(world, bid: Bid, *, outside_rate: str = "60.00", outside_number: str = OUTSIDE_NUMBER,
             ours_marks: int = 9, outside_marks: int = 5) -> Evaluation:
    """Open the evaluation of the submitted ``bid``'s tender, record an outside bid for its lot
    at ``outside_rate`` in every band, and score both (quality marks out of 10; social value 80%
    and 50%)."""
    tender = bid.tender
    pass_deadline(tender)
    lead = world.user("reviewer")
    evaluation_open(tender=tender, by=lead)
    lot = tender.lots.get()
    bands = list(lot.volumes.values_list("time_band", flat=True))
    external = external_bid_record(tender=tender, by=lead, bidder_name=OUTSIDE_NAME,
                                   bidder_identifier=outside_number,
                                   rates={lot.pk: {band: outside_rate for band in bands}})
    entry = Entry.objects.get(lot=lot, submission__bid=bid)
    outside = Entry.objects.get(lot=lot, external_bid=external)
    questions = lot.questions.count()
    score(entry, [ours_marks] * questions, "80", lead)
    score(outside, [outside_marks] * questions, "50", lead)
    return Evaluation(Tender.objects.get(pk=tender.pk), Lot.objects.get(pk=lot.pk), bid, entry, outside)


def decide(world, evaluation: Evaluation, *, outside: bool = False) -> Award:
    """The lead reviewer awards the lot to the joint bid (or to the outside bid)."""
    entry = evaluation.outside if outside else evaluation.entry
    return award_services.award_decide(lot=evaluation.lot, entry=entry, by=world.user("reviewer"),
                                       reason="Chosen on the panel's advice.")


def confirm(world, award: Award) -> Award:
    """Confirm the award as if its standstill had ended yesterday."""
    return award_services.award_confirm(award=past_standstill(award), by=world.user("reviewer"))


def contract_of(award: Award) -> Contract:
    return Contract.objects.get(award=award)


def money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))
