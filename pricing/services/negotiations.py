"""Writes of collective negotiations: the consortium and one council, rounds of offers.

The life of a negotiation:
- a coordinator opens it (one open negotiation per consortium x council x service type x year);
- the coordinator proposes the consortium's opening position: a round by the consortium with a
  rate per time band, a rationale and a snapshot of the aggregated (suppressed) cost-of-care
  evidence. It awaits the board: a ballot is opened (members.governance). When the ballot is
  decided, ``_on_ballot_decided`` moves the round: carried -> ``offered`` (now the council sees
  it), defeated or not quorate -> ``rejected_by_board`` (the coordinator proposes again, as a
  new round);
- the other side counters: the council's reviewers for the council, the coordinators for the
  consortium. The offer countered becomes ``countered``. A counter gives a rate for the same
  time bands as the offer it counters.
- the other side accepts the latest offer: the round is ``accepted``, the negotiation
  ``agreed``, and a rate card with the round's rates is created and put in force from 1 April
  of the financial year;
- either side may break it off, giving a reason (kept as the change reason of the
  negotiation's history; an opening position still before the board is decided with the votes
  cast so far).

Board approval: the board approves the opening position, which is the consortium's mandate.
Later consortium counter-offers and the acceptance of a council offer are the coordinators'
(negotiating within that mandate needs answers in hours, not a board meeting); every round is
recorded with its author and visible to the board. This is a choice; requiring a vote for
every consortium counter would be one more ``ballot_open`` in ``counter_offer``.

Statuses move only through ``_negotiation_move`` and ``_round_move``, with the tables below,
under row locks, inside one transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium import notifications
from consortium.audit import save_audited
from consortium.cleaning import clean_reason
from consortium.errors import DomainError, require
from consortium.models import Consortium, Council, ServiceType, TimeBand, User
from members import governance
from members.models import Ballot, BallotStatus, BallotSubject
from pricing.models import (
    NEGOTIATION_TRANSITIONS,
    Negotiation,
    NegotiationRound,
    NegotiationStatus,
    Party,
    RateCardNote,
    RoundRate,
    RoundStatus,
    financial_year_label,
)
from pricing.selectors import evidence as evidence_selectors
from pricing.selectors.negotiations import can_open_negotiation, party_of
from pricing.services import rate_cards

ROUND_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RoundStatus.AWAITING_APPROVAL: (RoundStatus.OFFERED, RoundStatus.REJECTED_BY_BOARD),
    RoundStatus.OFFERED: (RoundStatus.COUNTERED, RoundStatus.ACCEPTED),
    RoundStatus.REJECTED_BY_BOARD: (),
    RoundStatus.COUNTERED: (),
    RoundStatus.ACCEPTED: (),
}

MAX_RATE = Decimal("9999999.99")
REASON_MAX = 2000  # kept whole in the audit history (a text column)
YEAR_MIN, YEAR_MAX = 2000, 2100


# --- checks ----------------------------------------------------------------------------------


def clean_rates(rates: dict) -> dict[str, Decimal]:
    """Rates per time band: known bands, pounds and pence above zero, weekday daytime given."""
    if not isinstance(rates, dict):
        raise DomainError(_("Give a rate per time band."), field="rates")
    cleaned: dict[str, Decimal] = {}
    for band, value in rates.items():
        if band not in TimeBand.values:
            raise DomainError(_("Unknown time band %(band)s.") % {"band": band}, field="rates")
        if value is None or value == "":
            continue
        try:
            rate = Decimal(str(value))
        except (InvalidOperation, ValueError, TypeError):
            raise DomainError(_("Enter a rate in pounds, like 24.50."), field=band) from None
        if not rate.is_finite() or rate <= 0:
            raise DomainError(_("Enter a rate above zero."), field=band)
        if rate > MAX_RATE:
            raise DomainError(_("Enter a rate of no more than %(max)s.") % {"max": MAX_RATE}, field=band)
        if rate != rate.quantize(Decimal("0.01")):
            raise DomainError(_("Enter pounds and pence: at most two decimal places."), field=band)
        cleaned[band] = rate.quantize(Decimal("0.01"))
    if TimeBand.WEEKDAY_DAY not in cleaned:
        raise DomainError(_("Give a rate for weekday daytime at least."), field=TimeBand.WEEKDAY_DAY)
    return {band: cleaned[band] for band in TimeBand.values if band in cleaned}


def _rationale(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Explain the offer: the rationale is shared with the other side."),
                          field="rationale")
    return text


def _lock(negotiation: Negotiation) -> Negotiation:
    # Lock the negotiation row: two offers, or an offer and an acceptance, racing on the same
    # negotiation must be applied one after the other against its current rounds.
    return Negotiation.objects.select_for_update().select_related(
        "consortium", "council", "service_type").get(pk=negotiation.pk)


def _check_open(negotiation: Negotiation) -> None:
    if negotiation.status != NegotiationStatus.OPEN:
        raise DomainError(
            _("This negotiation is %(status)s: it takes no more offers.")
            % {"status": NegotiationStatus(negotiation.status).label.lower()},
            code="not_editable",
        )


def _negotiation_move(negotiation: Negotiation, to: str, *, by: User | None, reason: str = "") -> Negotiation:
    negotiation = _lock(negotiation)
    if negotiation.status == to:
        return negotiation
    if to not in NEGOTIATION_TRANSITIONS[negotiation.status]:
        raise DomainError(
            _("A negotiation that is %(current)s cannot become %(target)s.")
            % {"current": NegotiationStatus(negotiation.status).label.lower(),
               "target": NegotiationStatus(to).label.lower()},
            code="transition",
        )
    negotiation.status = to
    if to != NegotiationStatus.OPEN:
        negotiation.closed_at = timezone.now()
    save_audited(negotiation, by, reason=reason, update_fields=["status", "closed_at"])
    return negotiation


def _round_move(round_: NegotiationRound, to: str, *, by: User | None) -> NegotiationRound:
    round_ = NegotiationRound.objects.select_for_update().get(pk=round_.pk)
    if round_.status == to:
        return round_
    if to not in ROUND_TRANSITIONS[round_.status]:
        raise DomainError(
            _("An offer that is %(current)s cannot become %(target)s.")
            % {"current": RoundStatus(round_.status).label.lower(),
               "target": RoundStatus(to).label.lower()},
            code="transition",
        )
    round_.status = to
    save_audited(round_, by, update_fields=["status"])
    return round_


def _evidence(negotiation: Negotiation) -> dict:
    """The aggregated, suppressed evidence attached to a consortium offer (never a member's own
    figures): the consortium's members across Wales (region None), the widest pool and so the
    one least often suppressed."""
    return evidence_selectors.evidence_snapshot(
        consortium=negotiation.consortium, service_type=negotiation.service_type,
        financial_year=negotiation.financial_year,
    )


def _add_round(negotiation: Negotiation, *, party: str, status: str, rates: dict[str, Decimal],
               rationale: str, evidence: dict, by: User, ballot: Ballot | None = None) -> NegotiationRound:
    number = (negotiation.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    round_ = NegotiationRound(
        negotiation=negotiation, number=number, party=party, status=status, rationale=rationale,
        evidence=evidence, ballot=ballot, created_by=by,
    )
    save_audited(round_, by)
    for band, rate in rates.items():
        save_audited(RoundRate(round=round_, time_band=band, rate=rate), by)
    return round_


def latest_offer(negotiation: Negotiation) -> NegotiationRound | None:
    """The offer on the table: the newest round that is offered."""
    return negotiation.rounds.filter(status=RoundStatus.OFFERED).order_by("-number").first()


# --- services --------------------------------------------------------------------------------


@transaction.atomic
def negotiation_open(*, consortium: Consortium, council: Council, service_type: ServiceType,
                     financial_year: int, by: User) -> Negotiation:
    """Open a negotiation with one council (coordinators; one open per scope)."""
    require(can_open_negotiation(by, consortium),
            _("Only the consortium's coordinators can open a negotiation."))
    if not isinstance(financial_year, int) or not YEAR_MIN <= financial_year <= YEAR_MAX:
        raise DomainError(_("Choose a financial year."), field="financial_year")
    scope = Negotiation.objects.filter(consortium=consortium, council=council, service_type=service_type,
                                       financial_year=financial_year, status=NegotiationStatus.OPEN)
    message = _("A negotiation with %(council)s for %(service)s in %(year)s is already open.") % {
        "council": council, "service": service_type, "year": financial_year_label(financial_year)}
    if scope.exists():
        raise DomainError(message, field="council")
    negotiation = Negotiation(consortium=consortium, council=council, service_type=service_type,
                              financial_year=financial_year, opened_by=by)
    try:
        with transaction.atomic():
            save_audited(negotiation, by)
    except IntegrityError:  # opened at the same moment by another coordinator
        raise DomainError(message, field="council") from None
    return negotiation


@transaction.atomic
def opening_position_propose(*, negotiation: Negotiation, rates: dict, rationale: str,
                             by: User) -> NegotiationRound:
    """The consortium's opening position, put to its board for approval."""
    negotiation = _lock(negotiation)
    require(party_of(by, negotiation) == Party.CONSORTIUM,
            _("Only the consortium's coordinators can propose its opening position."))
    _check_open(negotiation)
    rates = clean_rates(rates)
    rationale = _rationale(rationale)
    statuses = set(negotiation.rounds.values_list("status", flat=True))
    if RoundStatus.AWAITING_APPROVAL in statuses:
        raise DomainError(_("The board is still voting on an opening position."))
    if statuses - {RoundStatus.REJECTED_BY_BOARD}:
        raise DomainError(_("The opening position has been made: answer the council with a counter-offer."))
    number = (negotiation.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    ballot = governance.ballot_open(
        consortium=negotiation.consortium, by=by,
        subject_code=BallotSubject.OPENING_POSITION,
        subject_params={"n": number, "service_type": negotiation.service_type_id,
                        "service": negotiation.service_type.name_en,
                        "council_id": negotiation.council_id, "council": negotiation.council.name_en,
                        "year": financial_year_label(negotiation.financial_year)},
    )
    return _add_round(negotiation, party=Party.CONSORTIUM, status=RoundStatus.AWAITING_APPROVAL,
                      rates=rates, rationale=rationale, evidence=_evidence(negotiation), by=by,
                      ballot=ballot)


@receiver(governance.ballot_decided, sender=Ballot, dispatch_uid="pricing.negotiation_round_ballot")
def _on_ballot_decided(sender, ballot: Ballot, by: User | None = None, **kwargs) -> None:
    """The board decided an opening position: carried -> offered, else rejected by the board.
    Other ballots (joint bids, ...) are not ours."""
    round_ = NegotiationRound.objects.filter(ballot_id=ballot.pk).first()
    if round_ is None or round_.status != RoundStatus.AWAITING_APPROVAL:
        return
    to = RoundStatus.OFFERED if ballot.status == BallotStatus.CARRIED else RoundStatus.REJECTED_BY_BOARD
    _round_move(round_, to, by=by)
    if to == RoundStatus.OFFERED:
        _tell_the_other_side(round_, by=by)


def _tell_the_other_side(round_: NegotiationRound, *, by: User | None) -> None:
    """An offer is on the table: the other side is told (the council's reviewers of the
    consortium's offer, the consortium's coordinators of the council's). No rate is in it."""
    negotiation = round_.negotiation
    if round_.party == Party.CONSORTIUM:
        recipients = notifications.reviewers_of(negotiation.council_id)
    else:
        recipients = notifications.coordinators_of(negotiation.consortium_id)
    notifications.notify(
        recipients=recipients, kind=notifications.NEGOTIATION_OFFER, actor=by,
        params={"party": round_.party, "round": round_.number, "consortium": negotiation.consortium.name,
                "council": negotiation.council_id, "service": negotiation.service_type_id,
                "year": financial_year_label(negotiation.financial_year)},
        url=notifications.link("negotiation-detail", pk=negotiation.pk))


@transaction.atomic
def counter_offer(*, negotiation: Negotiation, party: str, rates: dict, rationale: str,
                  by: User) -> NegotiationRound:
    """Answer the other side's offer with a new one (the council's reviewers for the council,
    coordinators for the consortium). The offer answered becomes countered."""
    negotiation = _lock(negotiation)
    if party not in Party.values:
        raise DomainError(_("Unknown party."), field="party")
    require(party_of(by, negotiation) == party,
            _("Only the council's reviewers can make an offer for the council.") if party == Party.COUNCIL
            else _("Only the consortium's coordinators can make an offer for the consortium."))
    _check_open(negotiation)
    rates = clean_rates(rates)
    rationale = _rationale(rationale)
    current = latest_offer(negotiation)
    if current is None or current.party == party:
        raise DomainError(_("There is no offer from the other side to counter."))
    bands = set(current.rates.values_list("time_band", flat=True))
    if set(rates) != bands:
        raise DomainError(
            _("Give a rate for each time band of the offer you are countering, and only those: %(bands)s.")
            % {"bands": ", ".join(str(TimeBand(b).label) for b in TimeBand.values if b in bands)},
            field="rates",
        )
    _round_move(current, RoundStatus.COUNTERED, by=by)
    evidence = _evidence(negotiation) if party == Party.CONSORTIUM else {}
    round_ = _add_round(negotiation, party=party, status=RoundStatus.OFFERED, rates=rates,
                        rationale=rationale, evidence=evidence, by=by)
    _tell_the_other_side(round_, by=by)
    return round_


def rate_card_start(financial_year: int) -> dt.date:
    """Agreed rates apply from 1 April of the financial year."""
    return dt.date(financial_year, 4, 1)


@transaction.atomic
def offer_accept(*, round: NegotiationRound, by: User) -> Negotiation:  # noqa: A002
    """The other side accepts the offer on the table: the negotiation is agreed and its rates
    become a rate card in force (``negotiation.rate_card``)."""
    negotiation = _lock(round.negotiation)
    party = party_of(by, negotiation)
    require(party is not None, _("Only the negotiating parties can accept an offer."))
    _check_open(negotiation)
    round_ = NegotiationRound.objects.select_for_update().get(pk=round.pk)
    current = latest_offer(negotiation)
    if round_.status != RoundStatus.OFFERED or current is None or current.pk != round_.pk:
        raise DomainError(_("Only the latest offer on the table can be accepted."), field="round")
    if round_.party == party:
        raise DomainError(_("You made this offer: the other side accepts it or counters."), field="round")
    _round_move(round_, RoundStatus.ACCEPTED, by=by)
    negotiation = _negotiation_move(negotiation, NegotiationStatus.AGREED, by=by)
    rates = dict(round_.rates.values_list("time_band", "rate"))
    card = rate_cards.rate_card_create(
        consortium=negotiation.consortium, council=negotiation.council,
        service_type=negotiation.service_type, financial_year=negotiation.financial_year,
        effective_from=rate_card_start(negotiation.financial_year), rates=rates, by=by,
        negotiation=negotiation,
        notes_code=RateCardNote.AGREED_IN_NEGOTIATION, notes_params={"n": round_.number},
    )
    rate_cards.rate_card_put_in_force(card=card, by=by)
    return negotiation


@transaction.atomic
def negotiation_break_off(*, negotiation: Negotiation, by: User, reason: str) -> Negotiation:
    """Either side ends the negotiation without agreement, saying why."""
    negotiation = _lock(negotiation)
    require(party_of(by, negotiation) is not None,
            _("Only the negotiating parties can break off a negotiation."))
    reason = clean_reason(reason, missing=_("Say why the negotiation is broken off."), max_length=REASON_MAX)
    _check_open(negotiation)
    pending = negotiation.rounds.filter(status=RoundStatus.AWAITING_APPROVAL, ballot__isnull=False)
    for round_ in pending.select_related("ballot"):
        # The vote closes with the negotiation, counted as it stands (by the system: the person
        # breaking off may be the council's reviewer).
        governance.ballot_decide(ballot=round_.ballot, by=None)
    return _negotiation_move(negotiation, NegotiationStatus.BROKEN_OFF, by=by, reason=reason)
