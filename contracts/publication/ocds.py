"""Open Contracting Data Standard (OCDS 1.1) export of council tenders and joint bids.

A pure builder: it turns what ``contracts.publication.selectors.ocds`` chose for one user (tenders with their
lots, volumes and documents, and the submitted bids that user may see) into release dicts and a
release package. It runs no queries (everything it reads is prefetched) and decides nothing about
who may see what.

The shape:
- one contracting process per tender: ``ocid`` is ``settings.OCDS_OCID_PREFIX`` + "-" + the
  tender's id. The prefix must be registered with the Open Contracting Partnership;
- one release per tender with its current state (tag "tender", or "tenderCancellation"), dated
  when the tender last changed. Its id is derived from its content: the same data always gives
  the same id, and any change gives a new one;
- lots extension: ``tender.lots`` (id: the lot number, as in "Lot 2"), one tender item per lot
  and time band (the volume over the lot's duration, priced at the ceiling rate), a lot's value
  = ceiling rate x weekly volume x the lot's weeks (``duration_weeks``, as the council published
  it), summed into ``tender.value``;
- a bid's and an award's value for a lot: its rates x the lot's weekly volumes over the tender's
  contract period, by the rule the contract's value is worked out by (``contracts.weeks``), so
  an award and the contract it made state the same amount;
- bids extension: ``bids.details``, one entry per lot a joint bid answers (``Bid.value`` is one
  amount and an award is made per lot, pointing at one bid, as OCDS for eForms maps a lot
  tender). A joint bid is one bid with several tenderers: the consortium and every member co-op
  that delivers part of that lot. It is read from the bid's submission snapshot
  (``contracts.bidding.services.submission``), which never holds a member's floor, costs or margin, nor
  the consortium's fee;
- parties: the council as buyer and procuring entity; the consortium and its delivering
  members as tenderers and, once awarded, suppliers; an outside bidder that won, as supplier;
- awards (``_awards``): one per award decision the user may see (the selector decides), with
  ``relatedLots`` and, when the user may see that bid, ``relatedBid``. The suppliers of a joint
  bid's award are the consortium and every member co-op delivering part of that lot, as OCDS
  guidance says for consortia; a lot that ends with no award says so by its own status
  (``unsuccessful``), not by an award;
- contracts (``_contracts``): the contract with the consortium of each confirmed award, at its
  current version, with its variations as ``amendments``. Members' sub-contracts are the
  consortium's own business and are never published: their rates are the bid's less the
  consortium's fee, which is confidential;
- implementation (``_implementation``): the council's payments of the contract's invoices as
  ``transactions`` (id: the council's payment reference; payer the council, payee the
  consortium; source: the contract's page here), and each ended billing period as a "delivery"
  milestone, due at the period's end, met, partially met or not met by the rule of
  ``contracts.delivery.selectors.milestones``. Neither says what a member delivered or was paid,
  nor the fee;
- tags: what the release holds ("tender" or "tenderCancellation"; "award", "awardCancellation",
  "contract", "contractAmendment", "contractTermination"). Each release is the whole current
  state of the process, made on demand, so the "...Update" tags, which claim an earlier release
  of the same award or contract given to the same reader, are not used.

Money and quantities stay Decimals to the penny: ``dumps`` writes them as JSON numbers digit for
digit, never through a float. Text is in the active language, declared in ``language``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from consortium.models import TimeBand, Unit
from consortium.numbers import plain
from contracts.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    BidSubmission,
    Contract,
    ContractStatus,
    ContractVersion,
    Lot,
    LotStatus,
    Procedure,
    Tender,
    TenderStatus,
)
from contracts.weeks import contract_value

OCDS_VERSION = "1.1"
CURRENCY = "GBP"
PENNY = Decimal("0.01")
# How long a shared cache may keep an answer to a visitor (seconds): a tender published or an
# award confirmed reaches the public within this.
PUBLIC_MAX_AGE = 300
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
)

# Our statuses in OCDS codes (tenderStatus.csv): a closed tender is still "active" (the
# process is under way: evaluation) until it is awarded, cancelled or ends without an award.
TENDER_STATUS = {
    TenderStatus.DRAFT: "planned",
    TenderStatus.PUBLISHED: "active",
    TenderStatus.CLOSED: "active",
    TenderStatus.IN_EVALUATION: "active",
    TenderStatus.AWARDED: "complete",
    TenderStatus.CANCELLED: "cancelled",
    TenderStatus.UNSUCCESSFUL: "unsuccessful",
}
LOT_STATUS = {
    LotStatus.OPEN: "active",
    LotStatus.CLOSED: "active",
    LotStatus.AWARDED: "complete",
    LotStatus.UNSUCCESSFUL: "unsuccessful",
    LotStatus.CANCELLED: "cancelled",
}
# method.csv. Light-touch is a regime of the Procurement Act 2023, not a procedure: whether the
# council ran it open or with a selection stage is not recorded, so no method is claimed for it
# (procurementMethodDetails still says "Light-touch").
PROCUREMENT_METHOD = {
    Procedure.OPEN: "open",
    Procedure.RESTRICTED: "selective",
    Procedure.COMPETITIVE_FLEXIBLE: "selective",
    Procedure.RESERVED_MUTUALS: "selective",
    Procedure.DPS_CALL_OFF: "selective",
}
# The bid statuses that are ever exported (bidStatus.csv of the bids extension): a submitted bid
# not yet decided is "pending"; one the council went on to decide was evaluated, so "valid".
BID_STATUS = {
    BidStatus.SUBMITTED: "pending",
    BidStatus.AWARDED: "valid",
    BidStatus.UNSUCCESSFUL: "valid",
}
EXPORTED_BID_STATUSES = tuple(BID_STATUS)
# awardStatus.csv: during the standstill the decision is made but not in force.
AWARD_STATUS = {
    AwardStatus.STANDSTILL: "pending",
    AwardStatus.CONFIRMED: "active",
    AwardStatus.CANCELLED: "cancelled",
}
# contractStatus.csv has no "suspended" (still signed and in force: "active") nor "expired" (come
# to a close: "terminated"); a contract terminated before it was ever in force was "cancelled"
# (``_contract_status``).
CONTRACT_STATUS = {
    ContractStatus.PENDING: "pending",
    ContractStatus.ACTIVE: "active",
    ContractStatus.SUSPENDED: "active",
    ContractStatus.TERMINATED: "terminated",
    ContractStatus.EXPIRED: "terminated",
}

# One unit of each service's volume, for tender items; UN/CEFACT Recommendation 20 code where one fits.
UNIT_NAMES = {
    Unit.HOURS_PER_WEEK: (gettext_lazy("hour"), "HUR"),
    Unit.PLACES: (gettext_lazy("place for a week"), None),
    Unit.SESSIONS_PER_WEEK: (gettext_lazy("session"), None),
}
# org-id.guide schemes of a member co-op's registration numbers, in order of preference.
ORG_ID_SCHEMES = (
    ("society_number", "GB-MPR"),  # FCA Mutuals Public Register
    ("company_number", "GB-COH"),  # Companies House
    ("charity_number", "GB-CHC"),  # Charity Commission for England and Wales
)


# --- what the builder is given --------------------------------------------------------------------


@dataclass(frozen=True)
class SubmittedBid:
    """A bid that may be exported, with its standing submission (the snapshot is what is shown)."""

    bid: Bid
    submission: BidSubmission


@dataclass(frozen=True)
class AwardExport:
    """An award decision the user may see.

    ``award``: with ``entry`` (its ``submission`` and that submission's ``bid``, or its
    ``external_bid``, and the entry's ``rates``). ``contract``: the contract made by a confirmed
    award, with ``versions``; None for any other award (and for an outside bidder's, whose
    contract is not kept here). ``payments`` and ``milestones``: its implementation.
    ``contract_was_in_force``: whether that contract was ever active
    (from its history): one terminated before that was cancelled, in OCDS terms.
    """

    award: Award
    contract: Contract | None = None
    contract_was_in_force: bool = False
    # The contract's implementation: the council's payments of its invoices (``CouncilPayment``,
    # oldest first) and its ended billing periods (``PeriodMilestone`` of
    # ``contracts.delivery.selectors.milestones``: period, status, reviewed_at).
    payments: tuple = ()
    milestones: tuple = ()


@dataclass
class TenderExport:
    """One tender as a user may export it.

    ``tender``: with ``council``, and ``lots`` (ordered by number, with ``service_type``,
    ``areas`` and ``volumes``) and ``documents`` prefetched. ``bids``: the submitted bids the user
    may see (empty before the deadline). ``awards``: the award decisions the user may see, in the
    order they were made. ``changed_at``: when what the release shows last changed.
    """

    tender: Tender
    changed_at: dt.datetime
    bids: list[SubmittedBid] = field(default_factory=list)
    awards: list[AwardExport] = field(default_factory=list)


class Parties:
    """The release's parties, each once, with every role it plays; ``add`` returns the
    OrganizationReference to use wherever the party is named."""

    def __init__(self) -> None:
        self._by_id: dict[str, dict] = {}

    def add(self, party: Mapping[str, Any], role: str) -> dict:
        found = self._by_id.setdefault(party["id"], {**party, "roles": []})
        if role not in found["roles"]:
            found["roles"].append(role)
        return {"id": found["id"], "name": found["name"]}

    def as_list(self) -> list[dict]:
        return list(self._by_id.values())


# --- small helpers --------------------------------------------------------------------------------


def ocid(tender: Tender) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{tender.pk}"


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _when(value: dt.datetime) -> str:
    return value.astimezone(_zone()).isoformat()


def _day_start(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time.min, tzinfo=_zone()).isoformat()


def _day_end(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=_zone()).isoformat()


def _money(amount: Decimal) -> dict:
    return {"amount": amount.quantize(PENNY), "currency": CURRENCY}



def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()


def _lot_id(number: int) -> str:
    return str(number)


def _volumes(lot: Lot) -> list:
    """The lot's volumes in TimeBand order (from the prefetched rows)."""
    order = {band: i for i, band in enumerate(TimeBand.values)}
    return sorted(lot.volumes.all(), key=lambda v: order.get(v.time_band, len(order)))


def _lot_value(lot: Lot) -> Decimal:
    """The most the lot can cost: ceiling rate x weekly volume x weeks, over every band."""
    weekly = sum((v.volume for v in lot.volumes.all()), Decimal(0))
    return (lot.ceiling_rate * weekly * lot.duration_weeks).quantize(PENNY)


# --- parties ----------------------------------------------------------------------------------------


def council_party(council) -> dict:
    return {"id": f"council-{council.code}", "name": council.name}


def consortium_party(consortium_id: int, name: str) -> dict:
    return {"id": f"consortium-{consortium_id}", "name": name}


def coop_party(member: Mapping[str, Any], *, consortium_id: int) -> dict:
    """A member co-op as a party, from its snapshot entry (or any mapping with the same keys:
    legal_name, society_number, company_number, charity_number). Its id follows OCDS practice,
    "{scheme}-{identifier}" from its registration numbers; one with none gets a local id under
    its consortium (legal names are unique within a consortium)."""
    identifiers = [
        {"scheme": scheme, "id": str(member[key]).strip(), "legalName": member["legal_name"]}
        for key, scheme in ORG_ID_SCHEMES
        if str(member.get(key) or "").strip()
    ]
    if identifiers:
        party_id = f"{identifiers[0]['scheme']}-{identifiers[0]['id']}"
    else:
        party_id = f"consortium-{consortium_id}-member-{slugify(member['legal_name'])}"
    party: dict[str, Any] = {"id": party_id, "name": member["legal_name"]}
    if identifiers:
        party["identifier"] = identifiers[0]
    if identifiers[1:]:
        party["additionalIdentifiers"] = identifiers[1:]
    return party


# Registration numbers an outside bidder may give, by the form that tells their register apart;
# anything else is published as given, with no scheme claimed.
OUTSIDE_SCHEMES = (
    (re.compile(r"^(RS\d{6}|\d{1,6}R)$"), "GB-MPR"),  # Mutuals Public Register
    (re.compile(r"^(\d{8}|(SC|NI|OC|SO|NC)\d{6})$"), "GB-COH"),  # Companies House
)


def outside_party(external_bid) -> dict:
    """A bidder from outside the system (``ExternalBid``) as a party: its registration number as
    an org-id identifier when its form names the register, else as given without a scheme."""
    number = re.sub(r"\s+", "", external_bid.bidder_identifier or "").upper()
    name = external_bid.bidder_name
    scheme = next((scheme for pattern, scheme in OUTSIDE_SCHEMES if number and pattern.match(number)), None)
    party: dict[str, Any] = {"id": f"{scheme}-{number}" if scheme else f"outside-bidder-{external_bid.pk}",
                             "name": name}
    if number:
        identifier = {"scheme": scheme, "id": number, "legalName": name} if scheme else {"id": number,
                                                                                          "legalName": name}
        party["identifier"] = identifier
    return party


# --- the tender -------------------------------------------------------------------------------------


def _lot_description(lot: Lot) -> str:
    unit_name = UNIT_NAMES.get(lot.service_type.unit, (lot.service_type.get_unit_display(), None))[0]
    parts = [
        _("%(service)s in %(areas)s for %(weeks)s weeks, at most £%(ceiling)s per %(unit)s.")
        % {
            "service": lot.service_type.name,
            "areas": ", ".join(area.name for area in lot.areas.all()),
            "weeks": lot.duration_weeks,
            "ceiling": lot.ceiling_rate,
            "unit": unit_name,
        },
        _("Share to be delivered in Welsh: %(share)s%%.") % {"share": plain(lot.welsh_share_percent)},
        _("Award weights: %(weights)s.") % {"weights": _award_weights(lot)},
    ]
    if lot.max_provider_share_percent is not None:
        parts.append(
            _("No one provider may deliver more than %(cap)s%% of the lot.")
            % {"cap": plain(lot.max_provider_share_percent)}
        )
    return " ".join(parts)


def _award_weights(lot: Lot) -> str:
    return _("price %(price)s%%, quality %(quality)s%%, social value %(social)s%%") % {
        "price": lot.price_weight,
        "quality": lot.quality_weight,
        "social": lot.social_value_weight,
    }


def _award_criteria(lots: list[Lot]) -> str | None:
    """awardCriteria.csv: price alone, quality alone, or weighted criteria."""
    if not lots:
        return None
    if all(lot.price_weight == 100 for lot in lots):
        return "priceOnly"
    if all(lot.quality_weight == 100 for lot in lots):
        return "qualityOnly"
    return "ratedCriteria"


def _items(lot: Lot) -> list[dict]:
    """One item per time band: the lot's volume over its whole duration, at the ceiling rate."""
    unit_name, unit_code = UNIT_NAMES.get(lot.service_type.unit, (lot.service_type.get_unit_display(), None))
    items = []
    for volume in _volumes(lot):
        unit: dict[str, Any] = {"name": str(unit_name), "value": _money(lot.ceiling_rate)}
        if unit_code:
            unit = {"scheme": "UNCEFACT", "id": unit_code, **unit}
        items.append({
            "id": f"{_lot_id(lot.number)}-{volume.time_band}",
            "description": _("Lot %(lot)s, %(band)s: %(volume)s %(unit)s for %(weeks)s weeks")
            % {
                "lot": lot.number,
                "band": TimeBand(volume.time_band).label,
                "volume": plain(volume.volume),
                "unit": lot.service_type.get_unit_display(),
                "weeks": lot.duration_weeks,
            },
            "quantity": (volume.volume * lot.duration_weeks).quantize(PENNY),
            "unit": unit,
            "relatedLot": _lot_id(lot.number),
        })
    return items


def _documents(tender: Tender, base_url: str) -> list[dict]:
    documents = []
    for document in tender.documents.all():
        entry = {
            "id": str(document.pk),
            "documentType": "biddingDocuments",
            "title": _("%(title)s (version %(version)s)")
            % {"title": document.title, "version": document.version},
            "url": base_url + reverse("tender-document-download", args=[document.pk]),
            "datePublished": _when(document.uploaded_at),
        }
        if document.content_type:
            entry["format"] = document.content_type
        documents.append(entry)
    return documents


def _tender(tender: Tender, lots: list[Lot], buyer: dict, base_url: str) -> dict:
    data: dict[str, Any] = {"id": tender.reference, "title": tender.title}
    if tender.description:
        data["description"] = tender.description
    data["status"] = TENDER_STATUS[tender.status]
    data["procuringEntity"] = buyer
    data["items"] = [item for lot in lots for item in _items(lot)]
    # A lot withdrawn from a published tender is listed (status "cancelled") but no longer part of
    # the procurement's value; a cancelled tender keeps the value of the lots it was cancelled with.
    counted = [lot for lot in lots if lot.status != LotStatus.CANCELLED] or lots
    if counted:
        data["value"] = _money(sum((_lot_value(lot) for lot in counted), Decimal(0)))
    if tender.procedure in PROCUREMENT_METHOD:
        data["procurementMethod"] = PROCUREMENT_METHOD[tender.procedure]
    data["procurementMethodDetails"] = str(Procedure(tender.procedure).label)
    data["mainProcurementCategory"] = "services"
    criteria = _award_criteria(lots)
    if criteria:
        data["awardCriteria"] = criteria
        data["awardCriteriaDetails"] = "; ".join(
            _("Lot %(lot)s: %(weights)s") % {"lot": lot.number, "weights": _award_weights(lot)}
            for lot in lots
        )
    opened = tender.published_at
    data["tenderPeriod"] = {"startDate": _when(opened), "endDate": _when(tender.submission_deadline)}
    data["enquiryPeriod"] = {
        "startDate": _when(opened),
        "endDate": _when(tender.clarification_deadline or tender.submission_deadline),
    }
    data["contractPeriod"] = {"startDate": _day_start(tender.contract_start),
                              "endDate": _day_end(tender.contract_end)}
    documents = _documents(tender, base_url)
    if documents:
        data["documents"] = documents
    data["lots"] = [
        {
            "id": _lot_id(lot.number),
            "title": lot.title,
            "description": _lot_description(lot),
            "status": LOT_STATUS[lot.status],
            "value": _money(_lot_value(lot)),
            "contractPeriod": {"durationInDays": lot.duration_weeks * 7},
        }
        for lot in lots
    ]
    return data


# --- bids, awards, contracts ---------------------------------------------------------------------


def _bid_value(entry: Mapping[str, Any], lot: Lot | None, tender: Tender) -> Decimal | None:
    """The bid's value for a lot: its rate x the weekly volume, over every band, over the
    tender's contract period (``contracts.weeks``: the contract it would make is worth as much)."""
    priced = [p for p in entry.get("prices", [])
              if p.get("rate") is not None and p.get("volume_per_week") is not None]
    if lot is None or not priced:
        return None
    return contract_value(((Decimal(p["rate"]), Decimal(p["volume_per_week"])) for p in priced),
                          tender.contract_start, tender.contract_end)


def bid_id(bid: Bid, lot_number: int) -> str:
    """The id of a joint bid's entry for one lot (awards point at it with ``relatedBid``)."""
    return f"{bid.pk}-lot-{lot_number}"


def _bids(item: TenderExport, lots: list[Lot], parties: Parties) -> list[dict]:
    """bids.details: one entry per lot of each submitted bid, from its snapshot."""
    by_number = {lot.number: lot for lot in lots}
    details = []
    for submitted in item.bids:
        snapshot = submitted.submission.snapshot
        consortium = parties.add(
            consortium_party(submitted.bid.consortium_id, snapshot["consortium"]["name"]), "tenderer"
        )
        for entry in snapshot["lots"]:
            members = [
                parties.add(coop_party(member, consortium_id=submitted.bid.consortium_id), "tenderer")
                for member in entry.get("members", [])
            ]
            detail: dict[str, Any] = {
                "id": bid_id(submitted.bid, entry["number"]),
                "date": _when(submitted.submission.submitted_at),
                "status": BID_STATUS[submitted.bid.status],
                "tenderers": [consortium, *members],
            }
            value = _bid_value(entry, by_number.get(entry["number"]), item.tender)
            if value is not None:
                detail["value"] = _money(value)
            detail["relatedLots"] = [_lot_id(entry["number"])]
            details.append(detail)
    return details


def _lot_title(lot: Lot) -> str:
    return _("Lot %(number)s: %(title)s") % {"number": lot.number, "title": lot.title}


def _snapshot_lot(submission: BidSubmission, number: int) -> Mapping[str, Any] | None:
    lots = submission.snapshot.get("lots", [])
    return next((entry for entry in lots if entry.get("number") == number), None)


def _external_value(award: Award, lot: Lot, tender: Tender) -> Decimal | None:
    """An outside bid's value for the lot: its rates x the lot's weekly volumes, over the
    tender's contract period (``contracts.weeks``)."""
    rates = {rate.time_band: rate.rate for rate in award.entry.rates.all()}
    priced = [(rates[v.time_band], v.volume) for v in lot.volumes.all() if v.time_band in rates]
    if not priced:
        return None
    return contract_value(priced, tender.contract_start, tender.contract_end)


def _suppliers(award: Award, lot: Lot, tender: Tender, parties: Parties) -> tuple[list[dict], Decimal | None]:
    """The award's suppliers (as references, each added to the parties as "supplier") and the
    awarded bid's value for the lot."""
    entry = award.entry
    if entry.submission_id is None:
        supplier = parties.add(outside_party(entry.external_bid), "supplier")
        return [supplier], _external_value(award, lot, tender)
    bid = entry.submission.bid
    snapshot = entry.submission.snapshot
    suppliers = [parties.add(consortium_party(bid.consortium_id, snapshot["consortium"]["name"]), "supplier")]
    lot_entry = _snapshot_lot(entry.submission, lot.number)
    if lot_entry is None:
        return suppliers, None
    for member in lot_entry.get("members", []):
        suppliers.append(parties.add(coop_party(member, consortium_id=bid.consortium_id), "supplier"))
    return suppliers, _bid_value(lot_entry, lot, tender)


def award_id(award: Award) -> str:
    return f"award-{award.pk}"


def _awards(item: TenderExport, lots: list[Lot], bids: list[dict], parties: Parties) -> list[dict]:
    """awards: one per award decision the user may see (``item.awards``), oldest first.

    ``relatedBid`` names the awarded joint bid's entry in ``bids.details`` only when that entry
    is in this release (the user may see the bid): a reference to a bid the reader cannot see
    would say nothing, or too much."""
    by_pk = {lot.pk: lot for lot in lots}
    shown_bids = {detail["id"] for detail in bids}
    tender = item.tender
    awards = []
    for exported in item.awards:
        award = exported.award
        lot = by_pk[award.lot_id]
        suppliers, value = _suppliers(award, lot, tender, parties)
        data: dict[str, Any] = {
            "id": award_id(award),
            "title": _lot_title(lot),
            "status": AWARD_STATUS[award.status],
            "date": _when(award.decided_at),
        }
        if value is not None:
            data["value"] = _money(value)
        data["suppliers"] = suppliers
        data["contractPeriod"] = {"startDate": _day_start(tender.contract_start),
                                  "endDate": _day_end(tender.contract_end)}
        data["relatedLots"] = [_lot_id(lot.number)]
        if award.entry.submission_id is not None:
            related = bid_id(award.entry.submission.bid, lot.number)
            if related in shown_bids:
                data["relatedBid"] = related
        awards.append(data)
    return awards


def _contract_status(exported: AwardExport) -> str:
    contract = exported.contract
    if contract.status == ContractStatus.TERMINATED and not exported.contract_was_in_force:
        return "cancelled"
    return CONTRACT_STATUS[contract.status]


def _amendment(version: ContractVersion) -> dict:
    data: dict[str, Any] = {
        "id": str(version.number),
        "date": _when(version.created_at),
    }
    reason = version.reason_text
    if reason:
        data["rationale"] = reason
    data["description"] = _(
        "%(kind)s (version %(number)s): the contract runs from %(start)s to %(end)s and is worth £%(value)s."
    ) % {
        "kind": ContractVersion.Kind(version.kind).label,
        "number": version.number,
        "start": version.start.isoformat(),
        "end": version.end.isoformat(),
        "value": version.value.quantize(PENNY),
    }
    return data


def _transaction(payment, *, source: str, payer: dict, payee: dict) -> dict:
    """A council payment of one of the contract's invoices: its id is the council's own payment
    reference (unique per council), so it can be found in the council's spending data."""
    return {
        "id": payment.reference,
        "source": source,
        "date": _day_start(payment.paid_on),
        "value": _money(payment.amount),
        "payer": payer,
        "payee": payee,
    }


def _milestone(milestone) -> dict:
    """An ended billing period as a delivery milestone: its status only (never how much was
    delivered, nor by which member)."""
    period = milestone.period
    data: dict[str, Any] = {
        "id": f"period-{period.pk}",
        "title": _("Billing period %(start)s to %(end)s") % {"start": period.start.isoformat(),
                                                              "end": period.end.isoformat()},
        "type": "delivery",
        "description": _("The care commissioned for the period, as the consortium's accepted returns "
                         "show it was delivered."),
        "dueDate": _day_end(period.end),
        "status": milestone.status,
    }
    if milestone.reviewed_at is not None:
        data["dateModified"] = _when(milestone.reviewed_at)
        if milestone.status == "met":
            data["dateMet"] = _when(milestone.reviewed_at)
    return data


def _implementation(exported: AwardExport, tender: Tender, parties: Parties, base_url: str) -> dict:
    """contract.implementation: the council's payments as transactions (payer: the council,
    payee: the consortium) and the ended billing periods as delivery milestones."""
    data: dict[str, Any] = {}
    contract = exported.contract
    if exported.payments:
        payer = parties.add(council_party(tender.council), "payer")
        snapshot = exported.award.entry.submission.snapshot if exported.award.entry.submission_id else {}
        name = snapshot.get("consortium", {}).get("name") or contract.consortium.name
        payee = parties.add(consortium_party(contract.consortium_id, name), "payee")
        source = base_url + reverse("contract-detail", args=[contract.pk])
        data["transactions"] = [_transaction(p, source=source, payer=payer, payee=payee)
                                for p in exported.payments]
    if exported.milestones:
        data["milestones"] = [_milestone(m) for m in exported.milestones]
    return data


def _contracts(item: TenderExport, lots: list[Lot], parties: Parties, base_url: str) -> list[dict]:
    """contracts: the contract with the consortium of each confirmed award listed, at its current
    version (period, value), its variations as ``amendments``, and its implementation (payments
    and billing periods). No date of signature is kept, so none is claimed. Members'
    sub-contracts are never listed."""
    by_pk = {lot.pk: lot for lot in lots}
    contracts = []
    for exported in item.awards:
        contract = exported.contract
        if contract is None or exported.award.status != AwardStatus.CONFIRMED:
            continue
        data: dict[str, Any] = {
            "id": f"contract-{contract.pk}",
            "awardID": award_id(exported.award),
            "title": _lot_title(by_pk[contract.lot_id]),
            "status": _contract_status(exported),
            "period": {"startDate": _day_start(contract.start), "endDate": _day_end(contract.end)},
            "value": _money(contract.value),
        }
        amendments = [_amendment(v) for v in sorted(contract.versions.all(), key=lambda v: v.number)
                      if v.number > 1]
        if amendments:
            data["amendments"] = amendments
        implementation = _implementation(exported, item.tender, parties, base_url)
        if implementation:
            data["implementation"] = implementation
        contracts.append(data)
    return contracts


def _tags(tender: Tender, awards: list[dict], contracts: list[dict]) -> list[str]:
    """releaseTag.csv: what the release holds (see the module's docstring)."""
    tag = ["tenderCancellation" if tender.status == TenderStatus.CANCELLED else "tender"]
    if awards:
        tag.append("award")
    if any(award["status"] == "cancelled" for award in awards):
        tag.append("awardCancellation")
    if contracts:
        tag.append("contract")
    if any("amendments" in contract for contract in contracts):
        tag.append("contractAmendment")
    if any(contract["status"] == "terminated" for contract in contracts):
        tag.append("contractTermination")
    return tag


# --- releases and packages --------------------------------------------------------------------------


def _digest(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def release(item: TenderExport, *, base_url: str) -> dict:
    """The tender's release as of now. ``base_url`` ("https://host") makes document links absolute."""
    tender = item.tender
    lots = sorted(tender.lots.all(), key=lambda lot: lot.number)
    parties = Parties()
    buyer = parties.add(council_party(tender.council), "buyer")
    parties.add(council_party(tender.council), "procuringEntity")
    tender_data = _tender(tender, lots, buyer, base_url)
    bids = _bids(item, lots, parties)
    awards = _awards(item, lots, bids, parties)
    contracts = _contracts(item, lots, parties, base_url)
    tag = _tags(tender, awards, contracts)
    data: dict[str, Any] = {
        "ocid": ocid(tender),
        "id": "",
        "date": _when(item.changed_at),
        "tag": tag,
        "initiationType": "tender",
        "language": _language(),
        "parties": parties.as_list(),
        "buyer": buyer,
        "tender": tender_data,
    }
    if bids:
        data["bids"] = {"details": bids}
    if awards:
        data["awards"] = awards
    if contracts:
        data["contracts"] = contracts
    data["id"] = f"{data['ocid']}-{_digest({k: v for k, v in data.items() if k != 'id'})[:16]}"
    return data


def release_package(items: Iterable[TenderExport], *, uri: str, base_url: str) -> dict:
    """A release package of one release per tender, published when its newest release last
    changed (OCDS: a package made on demand is dated by its contents).

    A package needs at least one release (the 1.1 package schema's ``minItems: 1``), so there is
    no empty package: given no tenders this raises ValueError, and the callers answer without
    one (the API's list: 204 No Content; a single tender the user may not export: 404).
    """
    items = list(items)
    if not items:
        raise ValueError("an OCDS 1.1 release package holds at least one release")
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": list(EXTENSIONS),
        "publishedDate": _when(max(item.changed_at for item in items)),
        "publisher": {"name": settings.OCDS_PUBLISHER_NAME},
        "releases": [release(item, base_url=base_url) for item in items],
    }


# --- JSON -----------------------------------------------------------------------------------------


def dumps(data: Any) -> str:
    """Indented JSON, UTF-8 as is, Decimals as numbers digit for digit (json would need a float)."""
    out: list[str] = []
    _write(data, out, "")
    out.append("\n")
    return "".join(out)


def _write(value: Any, out: list[str], pad: str) -> None:
    inner = pad + "  "
    if isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        out.append("{\n")
        for i, (key, item) in enumerate(value.items()):
            out.append(f",\n{inner}" if i else inner)
            out.append(json.dumps(str(key), ensure_ascii=False) + ": ")
            _write(item, out, inner)
        out.append(f"\n{pad}}}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        out.append("[\n")
        for i, item in enumerate(value):
            out.append(f",\n{inner}" if i else inner)
            _write(item, out, inner)
        out.append(f"\n{pad}]")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        out.append(format(value, "f"))
    elif value is None or isinstance(value, bool | int | str):
        out.append(json.dumps(value, ensure_ascii=False))
    else:
        raise TypeError(f"{type(value).__name__} is not written as OCDS JSON")


def download(package: dict, filename: str) -> HttpResponse:
    """The package as a JSON file to save."""
    response = HttpResponse(dumps(package), content_type="application/json")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def cache_headers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Who may keep an answer, and for how long. A visitor's (not signed in) is what anyone may
    read: shared caches keep it for ``PUBLIC_MAX_AGE`` seconds. A signed-in reader's holds what
    only they may see (bids, awards in standstill): only their own browser keeps it, and asks
    again each time. ``Vary: Cookie, Authorization`` either way, so that no cache hands a
    signed-in reader's answer to anyone else, nor a visitor's to a signed-in reader."""
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response


def conditional_download(request: HttpRequest, package: dict, filename: str) -> HttpResponse:
    """``download`` with its ETag (the SHA-256 of the body: the same package, the same tag) and
    its cache headers; a client that sends the tag it holds (``If-None-Match``) is answered 304
    Not Modified, with no body."""
    response = download(package, filename)
    response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()}"'
    cache_headers(request, response)
    return get_conditional_response(request, etag=response["ETag"], response=response)


def package_filename(tender: Tender | None = None) -> str:
    if tender is not None:
        return f"{ocid(tender)}.json"
    return f"{settings.OCDS_OCID_PREFIX}-release-package.json"
