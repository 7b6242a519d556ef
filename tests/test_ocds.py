"""Open contracting data: tenders and joint bids as OCDS 1.1 release packages (bids and lots
extensions), validated offline against the schema and codelists in contracts/data/ocds/.

A joint bid is one bid per lot with several tenderers (the consortium and every member co-op
delivering part of it); bids appear only once submitted and after the deadline, and only to the
tender's council and the bidding consortium; no member's floor, cost or margin ever appears.

Awards list the consortium and every member delivering the lot as suppliers (or the outside
bidder); a decision in standstill is seen only by the council and the consortia that bid for the
lot, a confirmed one by everyone who may export the tender. A visitor who is not signed in reads
every published tender, no bid, and confirmed awards with their contracts; its answers may be
kept by shared caches for a few minutes, a signed-in reader's only privately, and a client
holding the current package (its ETag) is answered 304. Contracts follow confirmed awards,
with their variations as amendments; sub-contracts, their rates and the consortium's fee never
appear. A package is never empty; the placeholder OCID prefix is refused for deployment."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from consortium.models import TimeBand
from contracts.bidding.selectors import bids as bid_selectors
from contracts.bidding.services import submission
from contracts.delivery.services import contracts as contract_services
from contracts.evaluation.services import award as award_services
from contracts.models import (
    Award,
    Bid,
    BidStatus,
    BidSubmission,
    Contract,
    ContractStatus,
    ExternalBid,
    Procedure,
    SubContract,
    Tender,
    TenderStatus,
)
from contracts.publication import ocds
from contracts.publication.selectors import ocds as selectors
from contracts.tendering.services import tenders as tender_services
from contracts.weeks import contract_value
from members.models import CapacityDeclaration
from tests import contracts_factories as cf
from tests import ocds_factories as of
from tests.builders import WEEKDAY, approved_joint_bid, evaluated_lot
from tests.ocds_validation import assert_valid, codelists, merge_patch, problems_of, release_schema

pytestmark = pytest.mark.shared_world


API = "/api/v1/ocds/"
PENNY = Decimal("0.01")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _past_deadline(tender_: Tender) -> None:
    """The deadline passes now: after anything submitted so far."""
    Tender.objects.filter(pk=tender_.pk).update(submission_deadline=timezone.now(),
                                                clarification_deadline=None)


def _package(api, tender_: Tender) -> dict:
    response = api.get(f"{API}tenders/{tender_.pk}/")
    assert response.status_code == 200, response.content
    return json.loads(response.content, parse_float=Decimal)


def _published_tender_with_lots(world) -> Tender:
    tender_ = cf.tender(world.council, procedure=Procedure.OPEN)
    cf.lot(tender_, volumes={WEEKDAY: "100", TimeBand.WEEKEND: "40"}, ceiling_rate=Decimal("26.50"))
    cf.lot(tender_, number=2, title="Night sits", volumes={TimeBand.NIGHT: "35.5"}, duration_weeks=104,
           max_provider_share_percent=Decimal("60"), areas=[world.council, world.council_other])
    tender_services.tender_document_upload(
        tender=tender_, by=None, title="Specification",
        file=SimpleUploadedFile("spec.txt", b"The specification.", content_type="text/plain"),
    )
    return tender_


@pytest.fixture
def approved(world):
    """The joint bid (tests/builders.py): a tender with one lot, coop A 60 h and coop B 40 h
    allocated with floors, approved by the board."""
    return approved_joint_bid(world)


@pytest.fixture
def submitted(world, approved):
    """Consortium A's joint bid, submitted (by the submission service) before the deadline."""
    submission.bid_submit(bid=approved, by=world.user("coordinator"))
    return Bid.objects.get(pk=approved.pk)


# --- the validator is real ----------------------------------------------------------------------

def test_validator_merges_both_extensions_into_the_release_schema():
    schema = release_schema()
    assert "bids" in schema["properties"]
    assert "lots" in schema["definitions"]["Tender"]["properties"]
    # the lots extension patches the bids extension's Bid: a bid names its lots
    assert {"tenderers", "value", "relatedLots"} <= set(schema["definitions"]["Bid"]["properties"])
    assert {"pending", "valid", "withdrawn"} <= codelists()["bidStatus.csv"]
    assert merge_patch({"a": {"b": 1, "c": 2}}, {"a": {"b": None, "d": [3]}}) == {"a": {"c": 2, "d": [3]}}


def test_validator_rejects_what_the_schema_and_codelists_refuse(world, submitted, api_for):
    _past_deadline(submitted.tender)
    package = _package(api_for("reviewer"), submitted.tender)
    assert_valid(package)
    release = package["releases"][0]
    release["tender"]["status"] = "open"  # closed codelist
    release["tender"]["documents"] = [{"id": "1", "documentType": "brochure"}]  # open codelist, unlisted code
    release["parties"][0]["roles"] = ["buyer", "commissioner"]
    release["bids"]["details"][0]["status"] = "submitted"
    release["bids"]["details"][0]["value"]["currency"] = "GPB"
    release["bids"]["details"][0]["floor"] = "32.21"  # not a field of OCDS
    release["date"] = "2027-04-01 09:00"
    package["uri"] = "not a uri"
    problems = "\n".join(problems_of(package))
    for expected in ("'open'", "'brochure' is not a code of documentType.csv", "'commissioner'",
                     "'submitted'", "'GPB'", "/floor: not a field", "/releases/0/date", "/uri"):
        assert expected in problems, expected


# --- tenders ------------------------------------------------------------------------------------

def test_published_tender_with_lots_validates(world, api_for):
    tender_ = _published_tender_with_lots(world)
    response = api_for("reviewer").get(f"{API}tenders/{tender_.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="ocds-xxxxxx-{tender_.pk}.json"'
    assert_valid(response.content)
    package = json.loads(response.content, parse_float=Decimal)
    assert package["version"] == "1.1" and len(package["extensions"]) == 2
    release = package["releases"][0]
    assert release["ocid"] == f"ocds-xxxxxx-{tender_.pk}"
    assert release["tag"] == ["tender"] and release["language"] == "en"
    assert release["buyer"] == {"id": "council-GB-CRF", "name": world.council.name_en}
    data = release["tender"]
    assert data["status"] == "active" and data["procurementMethod"] == "open"
    assert data["mainProcurementCategory"] == "services" and data["awardCriteria"] == "ratedCriteria"
    assert [lot["id"] for lot in data["lots"]] == ["1", "2"]
    # lot 1: £26.50 x (100 + 40) h a week x 156 weeks; lot 2: £26.00 x 35.5 x 104
    assert data["lots"][0]["value"] == {"amount": Decimal("578760.00"), "currency": "GBP"}
    assert data["lots"][1]["value"]["amount"] == Decimal("95992.00")
    assert data["value"]["amount"] == Decimal("674752.00")
    assert "No one provider may deliver more than 60% of the lot." in data["lots"][1]["description"]
    items = {item["id"]: item for item in data["items"]}
    assert set(items) == {"1-weekday_day", "1-weekend", "2-night"}
    assert items["2-night"]["quantity"] == Decimal("3692.00") and items["2-night"]["relatedLot"] == "2"
    assert items["1-weekday_day"]["unit"]["value"]["amount"] == Decimal("26.50")
    assert data["documents"][0]["url"].startswith("http://testserver/tenders/documents/")
    assert "bids" not in release and "awards" not in release and "contracts" not in release


def test_release_id_follows_the_content(world, api_for):
    tender_ = _published_tender_with_lots(world)
    first = _package(api_for("reviewer"), tender_)["releases"][0]
    assert _package(api_for("reviewer"), tender_)["releases"][0]["id"] == first["id"]
    tender_services.tender_transition(tender=tender_, to=TenderStatus.CANCELLED, by=world.user("reviewer"))
    cancelled = _package(api_for("reviewer"), tender_)
    assert_valid(cancelled)
    release = cancelled["releases"][0]
    assert release["id"] != first["id"] and release["tag"] == ["tenderCancellation"]
    assert release["tender"]["status"] == "cancelled"
    assert {lot["status"] for lot in release["tender"]["lots"]} == {"cancelled"}


def test_light_touch_claims_no_procurement_method(world, api_for):
    tender_ = cf.tender(world.council)  # light-touch: a regime, not a procedure
    cf.lot(tender_)
    package = _package(api_for("coordinator"), tender_)
    assert_valid(package)
    data = package["releases"][0]["tender"]
    assert "procurementMethod" not in data and data["procurementMethodDetails"] == "Light-touch"


def test_a_draft_tender_is_never_exported(world, api_for, client_for):
    draft = cf.tender(world.council, status=TenderStatus.DRAFT, consortium=world.consortium)
    cf.lot(draft)
    # its recording coordinator sees the draft's page, but there is nothing to export
    assert client_for("coordinator").get(reverse("tender-detail", args=[draft.pk])).status_code == 200
    assert client_for("coordinator").get(reverse("tender-ocds", args=[draft.pk])).status_code == 404
    assert api_for("coordinator").get(f"{API}tenders/{draft.pk}/").status_code == 404
    # nothing else to export either: no package (one must hold a release), and no error
    nothing = api_for("coordinator").get(API)
    assert nothing.status_code == 204 and nothing.content == b""


def test_tender_page_links_to_the_download(world, client_for):
    tender_ = _published_tender_with_lots(world)
    page = client_for("member_a").get(reverse("tender-detail", args=[tender_.pk])).content.decode()
    assert reverse("tender-ocds", args=[tender_.pk]) in page
    response = client_for("member_a").get(reverse("tender-ocds", args=[tender_.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="ocds-xxxxxx-{tender_.pk}.json"'
    package = json.loads(response.content, parse_float=Decimal)
    assert package["uri"] == f"http://testserver/api/v1/ocds/tenders/{tender_.pk}/"
    assert_valid(package)


def test_in_welsh_the_release_says_so(world):
    tender_ = _published_tender_with_lots(world)
    user = world.user("reviewer")
    with translation.override("cy"):
        package = ocds.release_package(
            selectors.exports_for(user, [selectors.export_tender_get_for_user(user, tender_.pk)]),
            uri="https://example.org/ocds.json", base_url="https://example.org",
        )
    assert_valid(package)
    release = package["releases"][0]
    assert release["language"] == "cy"
    assert release["buyer"]["name"] == (world.council.name_cy or world.council.name_en)


# --- bids ---------------------------------------------------------------------------------------

def test_joint_bid_after_the_deadline_is_one_bid_with_every_member_as_tenderer(world, submitted, api_for):
    _past_deadline(submitted.tender)
    package = _package(api_for("reviewer"), submitted.tender)
    assert_valid(package)
    release = package["releases"][0]
    [detail] = release["bids"]["details"]
    names = [t["name"] for t in detail["tenderers"]]
    assert names == [world.consortium.name, "Cydweithfa A Cyf", "Cydweithfa B Cyf"]
    assert detail["status"] == "pending" and detail["relatedLots"] == ["1"]
    assert detail["id"] == f"{submitted.pk}-lot-1"
    rate = bid_selectors.price_lines(submitted)[0].rate
    # 100 hours a week from 1 April 2027 to 31 March 2030: 1,096 days, 156 4/7 weeks
    assert detail["value"] == {"amount": (rate * 100 * 1096 / 7).quantize(PENNY, ROUND_HALF_UP),
                               "currency": "GBP"}
    parties = {p["id"]: p for p in release["parties"]}
    for tenderer in detail["tenderers"]:
        assert parties[tenderer["id"]]["roles"] == ["tenderer"]
        assert parties[tenderer["id"]]["name"] == tenderer["name"]
    assert parties["council-GB-CRF"]["roles"] == ["buyer", "procuringEntity"]
    # the bids became visible at the deadline: the release is dated no earlier
    deadline = Tender.objects.get(pk=submitted.tender_id).submission_deadline
    assert dt.datetime.fromisoformat(release["date"]) >= deadline


def test_members_with_registration_numbers_get_org_id_identifiers(world, approved, api_for):
    world.coop_a.__class__.objects.filter(pk=world.coop_a.pk).update(society_number="RS007654",
                                                                      charity_number="1234567")
    submission.bid_submit(bid=approved, by=world.user("coordinator"))
    _past_deadline(approved.tender)
    package = _package(api_for("reviewer"), approved.tender)
    assert_valid(package)
    party = next(p for p in package["releases"][0]["parties"] if p["name"] == "Cydweithfa A Cyf")
    assert party["id"] == "GB-MPR-RS007654"
    assert party["identifier"] == {"scheme": "GB-MPR", "id": "RS007654", "legalName": "Cydweithfa A Cyf"}
    assert party["additionalIdentifiers"][0]["scheme"] == "GB-CHC"


def test_no_bid_before_the_deadline(world, submitted, api_for):
    for persona in ("reviewer", "coordinator", "board"):
        package = _package(api_for(persona), submitted.tender)
        assert_valid(package)
        assert "bids" not in package["releases"][0], persona
        assert "Cydweithfa" not in json.dumps(package, default=str), persona


def test_drafts_withdrawn_and_unsubmitted_bids_never_appear(world, submitted, api_for):
    tender_ = submitted.tender
    # consortium B: a draft it never submitted
    cf.bid(world.consortium_other, tender_, by=world.user("coordinator_other"))
    # a third consortium submitted, then withdrew before the deadline
    from tests.factories import ConsortiumFactory

    third = ConsortiumFactory(name="Withdrawn Consortium")
    withdrawn = cf.bid(third, tender_)
    BidSubmission.objects.create(
        bid=withdrawn, version=1, snapshot={"consortium": {"name": third.name}, "lots": []}, canonical="{}",
        sha256="0" * 64, submitted_at=timezone.now(), withdrawn_at=timezone.now(),
    )
    _past_deadline(tender_)
    package = _package(api_for("reviewer"), tender_)
    assert_valid(package)
    details = package["releases"][0]["bids"]["details"]
    assert [d["id"] for d in details] == [f"{submitted.pk}-lot-1"]
    text = json.dumps(package, default=str)
    assert world.consortium_other.name not in text and "Withdrawn Consortium" not in text


def test_no_member_floor_cost_or_margin_anywhere(world, submitted, api_for, client_for):
    _past_deadline(submitted.tender)
    lines = bid_selectors.price_lines(submitted)
    secrets = set()
    for line in lines:
        for member in line.members:
            secrets |= {member.floor, member.required, member.net, member.margin}
    rates = {line.rate for line in lines}  # the bid's own rate is the council's to see
    secrets = {str(s) for s in secrets - rates if s is not None}
    assert {str(m.floor) for m in lines[0].members} <= secrets and len(secrets) >= 4
    for persona in ("reviewer", "coordinator", "board"):
        texts = [
            api_for(persona).get(f"{API}tenders/{submitted.tender_id}/").content.decode(),
            api_for(persona).get(API).content.decode(),
            client_for(persona).get(reverse("tender-ocds", args=[submitted.tender_id])).content.decode(),
        ]
        for text in texts:
            assert "Cydweithfa A Cyf" in text, persona  # the bid is there...
            for secret in secrets:  # ...without anything the members keep to themselves
                assert not re.search(rf"(?<![\d.]){re.escape(secret)}(?![\d])", text), (persona, secret)
            for word in ("floor", "margin", "management_fee", "cost"):
                assert word not in text.lower(), (persona, word)


def test_only_the_council_and_the_bidding_consortium_see_the_bid(world, submitted, api_for):
    _past_deadline(submitted.tender)
    for persona in ("reviewer", "coordinator", "board"):
        assert "bids" in _package(api_for(persona), submitted.tender)["releases"][0], persona
    for persona in ("member_a", "member_b", "coordinator_other"):
        package = _package(api_for(persona), submitted.tender)
        assert "bids" not in package["releases"][0], persona
        assert "Cydweithfa" not in json.dumps(package, default=str), persona


def test_an_awarded_bid_is_valid(world, submitted, api_for):
    _past_deadline(submitted.tender)
    Bid.objects.filter(pk=submitted.pk).update(status=BidStatus.AWARDED)
    package = _package(api_for("reviewer"), submitted.tender)
    assert_valid(package)
    assert package["releases"][0]["bids"]["details"][0]["status"] == "valid"


# --- access -------------------------------------------------------------------------------------

def test_signing_in_never_shows_less_than_the_public_sees(world, api_for, client_for):
    """A reviewer of another council sees nothing of Cardiff's tenders in the product, but a
    published tender is a public notice: its open data is theirs as it is a visitor's."""
    tender_ = _published_tender_with_lots(world)
    public = api_for("anonymous").get(f"{API}tenders/{tender_.pk}/").json()
    for persona in ("reviewer_other", "applicant"):
        answer = api_for(persona).get(f"{API}tenders/{tender_.pk}/")
        assert answer.status_code == 200, persona
        assert answer.json()["releases"][0]["tender"] == public["releases"][0]["tender"], persona
        assert client_for(persona).get(reverse("tender-ocds", args=[tender_.pk])).status_code == 200
        assert api_for(persona).get(API, {"tender": tender_.pk}).status_code == 200
    # the tender's own reviewer gets it, filtered or not
    assert api_for("reviewer").get(API, {"tender": tender_.pk}).status_code == 200


def test_a_visitor_reads_every_published_tender_but_never_a_draft(world, submitted, api_for, client_for):
    """Open contracting data is public: a visitor who is not signed in gets every published
    tender (of any council), never a draft, and no bid even after the deadline."""
    published = _published_tender_exists_elsewhere(world)
    draft = cf.tender(world.council, status=TenderStatus.DRAFT, consortium=world.consortium)
    cf.lot(draft)
    _past_deadline(submitted.tender)
    api, web = api_for("anonymous"), client_for("anonymous")
    everything = json.loads(api.get(API).content, parse_float=Decimal)
    assert_valid(everything)
    ocids = [r["ocid"] for r in everything["releases"]]
    assert ocids == [f"ocds-xxxxxx-{t.pk}" for t in (submitted.tender, published)]
    for release in everything["releases"]:
        assert "bids" not in release and "awards" not in release
    assert _release(api, published)["tender"]["title"] == published.title
    response = web.get(reverse("tender-ocds", args=[published.pk]))
    assert response.status_code == 200 and json.loads(response.content)["releases"][0]["ocid"] == ocids[1]
    assert api.get(f"{API}tenders/{draft.pk}/").status_code == 404
    assert web.get(reverse("tender-ocds", args=[draft.pk])).status_code == 404
    assert api.get(API, {"tender": draft.pk}).status_code == 204
    # what the signed-in see is unchanged: the bid, for its council
    assert "bids" in _release(api_for("reviewer"), submitted.tender)


def _published_tender_exists_elsewhere(world) -> Tender:
    """A Gwynedd tender, published: a public notice, whichever council the reader is."""
    tender_ = cf.tender(world.council_other, procedure=Procedure.OPEN)
    cf.lot(tender_, areas=[world.council_other])
    return tender_


def test_a_visitor_sees_an_award_only_once_it_is_confirmed(world, evaluation, api_for, client_for):
    api = api_for("anonymous")
    before = api.get(f"{API}tenders/{evaluation.tender.pk}/")
    award = of.decide(world, evaluation)
    # in standstill: told to the bidders, not yet published; nothing public moved, not even the tag
    during = api.get(f"{API}tenders/{evaluation.tender.pk}/")
    assert during.status_code == 200 and during["ETag"] == before["ETag"]
    release = json.loads(during.content, parse_float=Decimal)["releases"][0]
    assert release["tag"] == ["tender"] and "awards" not in release and "bids" not in release
    assert "awards" in _release(api_for("reviewer"), evaluation.tender)  # its council sees it
    of.confirm(world, award)
    for response in (api.get(f"{API}tenders/{evaluation.tender.pk}/"),
                     client_for("anonymous").get(reverse("tender-ocds", args=[evaluation.tender.pk]))):
        package = json.loads(response.content, parse_float=Decimal)
        assert_valid(package)
        [release] = package["releases"]
        assert release["tag"] == ["tender", "award", "contract"]
        assert [a["status"] for a in release["awards"]] == ["active"] and len(release["contracts"]) == 1
        assert "bids" not in release and "relatedBid" not in release["awards"][0]
        assert response["ETag"] != before["ETag"]


def _assert_public(response) -> None:
    assert response["Cache-Control"] == "public, max-age=300"
    assert {"Cookie", "Authorization"} <= {v.strip() for v in response["Vary"].split(",")}


def _assert_private(response) -> None:
    assert response["Cache-Control"] == "private, no-cache"
    assert {"Cookie", "Authorization"} <= {v.strip() for v in response["Vary"].split(",")}


def test_a_visitors_answer_may_be_cached_and_a_signed_in_readers_only_privately(
        world, api_for, client_for):
    tender_ = _published_tender_with_lots(world)
    web_url = reverse("tender-ocds", args=[tender_.pk])
    for url in (API, f"{API}tenders/{tender_.pk}/"):
        _assert_public(api_for("anonymous").get(url))
        _assert_private(api_for("member_a").get(url))
    _assert_public(client_for("anonymous").get(web_url))
    _assert_private(client_for("member_a").get(web_url))
    # nothing to export is an answer too
    _assert_public(api_for("anonymous").get(API, {"tender": tender_.pk + 1000}))
    _assert_private(api_for("reviewer_other").get(API, {"tender": tender_.pk + 1000}))


def test_a_client_holding_the_current_package_is_told_it_is_not_modified(world, api_for, client_for):
    tender_ = _published_tender_with_lots(world)
    web_url = reverse("tender-ocds", args=[tender_.pk])
    for persona in ("anonymous", "member_a"):
        for get, url in ((api_for(persona).get, API), (api_for(persona).get, f"{API}tenders/{tender_.pk}/"),
                         (client_for(persona).get, web_url)):
            first = get(url)
            etag = first["ETag"]
            assert first.status_code == 200 and re.fullmatch(r'"[0-9a-f]{64}"', etag), (persona, url)
            again = get(url, headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.content == b"", (persona, url)
            assert again["ETag"] == etag and again["Cache-Control"] == first["Cache-Control"], (persona, url)
            assert get(url, headers={"If-None-Match": '"stale"'}).status_code == 200, (persona, url)
    # a change to the tender changes the tag: the old one gets the new package
    old = api_for("anonymous").get(f"{API}tenders/{tender_.pk}/")["ETag"]
    tender_services.tender_document_upload(
        tender=tender_, by=None, title="Addendum",
        file=SimpleUploadedFile("addendum.txt", b"An addendum.", content_type="text/plain"),
    )
    changed = api_for("anonymous").get(f"{API}tenders/{tender_.pk}/", headers={"If-None-Match": old})
    assert changed.status_code == 200 and changed["ETag"] != old and b"Addendum" in changed.content


# --- the package of every tender ---------------------------------------------------------------

def test_list_filters_by_tender_and_refuses_a_bad_filter(world, api_for):
    first = _published_tender_with_lots(world)
    second = cf.tender(world.council)
    cf.lot(second)
    api = api_for("reviewer")
    everything = json.loads(api.get(API).content, parse_float=Decimal)
    assert_valid(everything)
    assert [r["ocid"] for r in everything["releases"]] == [f"ocds-xxxxxx-{t.pk}" for t in (first, second)]
    one = json.loads(api.get(API, {"tender": second.pk}).content, parse_float=Decimal)
    assert [r["ocid"] for r in one["releases"]] == [f"ocds-xxxxxx-{second.pk}"]
    assert one["uri"] == f"http://testserver{API}?tender={second.pk}"
    for bad in ("x", "0", "1.5", "99999999999999999999"):
        response = api.get(API, {"tender": bad})
        assert response.status_code == 400, bad
        assert "tender" in response.json(), bad
    assert api.get(API, {"page": "x"}).status_code == 400
    assert api.get(API, {"page": "2"}).status_code == 404


def test_list_pages_through_the_link_header(world, api_for, monkeypatch):
    from contracts.publication.api import ocds as ocds_api

    monkeypatch.setattr(ocds_api, "PAGE_SIZE", 2)
    for _ in range(3):
        cf.lot(cf.tender(world.council))
    response = api_for("reviewer").get(API)
    assert len(json.loads(response.content)["releases"]) == 2
    assert response["Link"] == f'<http://testserver{API}?page=2>; rel="next"'
    last = api_for("reviewer").get(API, {"page": 2})
    assert len(json.loads(last.content)["releases"]) == 1
    assert last["Link"] == f'<http://testserver{API}?page=1>; rel="prev"'


def test_list_costs_a_fixed_number_of_queries(world, submitted, api_for, django_assert_max_num_queries):
    _past_deadline(submitted.tender)
    api = api_for("reviewer")
    with django_assert_max_num_queries(9):
        api.get(API)
    for _ in range(4):
        tender_ = _published_tender_with_lots(world)
        cf.seal(cf.bid(world.consortium_other, tender_), submitted_at=timezone.now())
        _past_deadline(tender_)
    with django_assert_max_num_queries(9):
        response = api.get(API)
    package = json.loads(response.content, parse_float=Decimal)
    assert len(package["releases"]) == 5
    assert sum(len(r.get("bids", {}).get("details", [])) for r in package["releases"]) == 1 + 4 * 2
    assert_valid(package)


def test_a_package_is_never_empty():
    with pytest.raises(ValueError, match="at least one release"):
        ocds.release_package([], uri="https://example.org/ocds.json", base_url="https://example.org")


# --- awards and contracts ------------------------------------------------------------------------
#
# ``evaluation``: consortium A's joint bid (coop A 60 h, coop B 40 h of 100 weekday hours, with
# floors from their open-book costs) submitted through the services, then evaluated with an
# outside bid (tests/ocds_factories.py).

EXPORTERS = ("reviewer", "coordinator", "board", "member_a", "member_b", "coordinator_other")


@pytest.fixture
def evaluation(world, submitted):
    return of.evaluate(world, submitted)


def _release(api, tender_: Tender) -> dict:
    package = _package(api, tender_)
    assert_valid(package)
    return package["releases"][0]


def _staff_api(world):
    from rest_framework.test import APIClient

    from consortium.models import Role
    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory(username="staff", role=Role.STAFF_ADMIN, consortium=None))
    return client


def test_confirmed_award_names_the_consortium_and_every_delivering_member_as_suppliers(
        world, evaluation, api_for):
    award = of.confirm(world, of.decide(world, evaluation))
    contract = of.contract_of(award)
    release = _release(api_for("reviewer"), evaluation.tender)
    assert release["tag"] == ["tender", "award", "contract"]
    [detail] = release["bids"]["details"]
    [data] = release["awards"]
    assert data["id"] == f"award-{award.pk}" and data["status"] == "active"
    assert [s["name"] for s in data["suppliers"]] == [world.consortium.name, "Cydweithfa A Cyf",
                                                      "Cydweithfa B Cyf"]
    # the award's suppliers are the bid's tenderers, under the same party ids
    assert data["suppliers"] == detail["tenderers"]
    assert data["relatedBid"] == detail["id"] == f"{evaluation.bid.pk}-lot-1"
    assert data["relatedLots"] == ["1"] and data["value"] == detail["value"]
    assert dt.datetime.fromisoformat(data["date"]) == award.decided_at
    parties = {p["id"]: p for p in release["parties"]}
    for supplier in data["suppliers"]:
        assert parties[supplier["id"]]["roles"] == ["tenderer", "supplier"]
    [agreement] = release["contracts"]
    assert agreement["id"] == f"contract-{contract.pk}" and agreement["awardID"] == data["id"]
    assert agreement["status"] == "pending" and "amendments" not in agreement
    assert agreement["value"] == {"amount": contract.value, "currency": "GBP"}
    assert agreement["period"]["startDate"].startswith(contract.start.isoformat())
    assert agreement["period"]["endDate"].startswith(contract.end.isoformat())
    assert "dateSigned" not in agreement  # no date of signature is kept: none is claimed
    assert release["tender"]["status"] == "complete"
    assert release["tender"]["lots"][0]["status"] == "complete"


def test_award_and_contract_state_one_value_over_a_term_of_part_weeks(world, evaluation, api_for):
    """The contract runs 1 April 2027 to 31 March 2030: 1,096 days, not a whole number of weeks.
    The award, the bid it points at and the contract it made state one amount, by one rule."""
    tender_ = evaluation.tender
    assert (tender_.contract_start, tender_.contract_end) == (dt.date(2027, 4, 1), dt.date(2030, 3, 31))
    award = of.confirm(world, of.decide(world, evaluation))
    contract = of.contract_of(award)
    rate = bid_selectors.price_lines(evaluation.bid)[0].rate
    expected = contract_value([(rate, Decimal("100"))], tender_.contract_start, tender_.contract_end)
    assert expected == (rate * 100 * 1096 / 7).quantize(PENNY, ROUND_HALF_UP)
    assert expected != rate * 100 * 156  # the weeks are not rounded down to whole ones
    assert contract.value == expected
    for persona in ("reviewer", "coordinator", "member_b"):
        release = _release(api_for(persona), tender_)
        [data] = release["awards"]
        [agreement] = release["contracts"]
        assert data["value"] == agreement["value"] == {"amount": expected, "currency": "GBP"}, persona
        for detail in release.get("bids", {}).get("details", []):
            assert detail["value"] == data["value"], persona


def test_no_member_cost_sub_contract_rate_or_fee_anywhere(world, evaluation, api_for, client_for):
    award = of.confirm(world, of.decide(world, evaluation))
    contract = of.contract_of(award)
    contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="rate",
                                    reason="Annual uplift.", rates={WEEKDAY: "47.00"})
    bid_ = evaluation.bid
    secrets = {bid_.management_fee_percent, contract.management_fee_percent}
    for line in bid_selectors.price_lines(bid_):
        for member in line.members:
            secrets |= {member.floor, member.required, member.net, member.margin}
    for sub in SubContract.objects.filter(contract=contract):
        secrets.add(sub.value)
        secrets |= {line.rate for line in sub.lines.all()}
        secrets |= {row.rate for row in sub.lines.model.history.filter(subcontract_id=sub.pk)}
    public = {line.rate for line in bid_selectors.price_lines(bid_)} | {Decimal("47.00")}
    secrets = {str(s) for s in secrets - public if s}  # the bid's own rate is the council's to see
    assert {str(m.floor) for m in bid_selectors.price_lines(bid_)[0].members} <= secrets
    assert str(bid_.management_fee_percent) in secrets and len(secrets) >= 8
    for persona in EXPORTERS:
        texts = [
            api_for(persona).get(f"{API}tenders/{evaluation.tender.pk}/").content.decode(),
            api_for(persona).get(API).content.decode(),
            client_for(persona).get(reverse("tender-ocds", args=[evaluation.tender.pk])).content.decode(),
        ]
        for text in texts:
            assert '"contracts"' in text and "Cydweithfa A Cyf" in text, persona
            for secret in secrets:
                assert not re.search(rf"(?<![\d.]){re.escape(secret)}(?![\d])", text), (persona, secret)
            for word in ("floor", "margin", "management", "cost", "sub-contract", "subcontract"):
                assert word not in text.lower(), (persona, word)
            assert not re.search(r"\bfee\b", text.lower()), persona


def test_award_in_standstill_is_seen_only_by_the_council_and_the_bidders_for_the_lot(world, api_for):
    ev = evaluated_lot(world, rival=True)
    before = {p: _release(api_for(p), ev.tender) for p in EXPORTERS}
    award = award_services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    staff = _release(_staff_api(world), ev.tender)
    assert [a["status"] for a in staff["awards"]] == ["pending"]
    for persona in ("reviewer", "coordinator", "board"):
        release = _release(api_for(persona), ev.tender)
        [data] = release["awards"]
        assert data["status"] == "pending" and data["id"] == f"award-{award.pk}", persona
        assert data["relatedBid"] == f"{ev.entry.submission.bid_id}-lot-1", persona
        assert "contracts" not in release and release["tag"] == ["tender", "award"], persona
        assert dt.datetime.fromisoformat(release["date"]) >= award.decided_at, persona
    # the rival consortium bid for the lot: it is told who won, not shown the winner's bid
    rival = _release(api_for("coordinator_other"), ev.tender)
    [data] = rival["awards"]
    assert data["status"] == "pending" and "relatedBid" not in data
    assert [s["name"] for s in data["suppliers"]] == [world.consortium.name, "Cydweithfa A Cyf",
                                                      "Cydweithfa B Cyf"]
    assert [d["tenderers"][0]["name"] for d in rival["bids"]["details"]] == [world.consortium_other.name]
    # members did not bid: nothing yet, and the release is exactly as it was (date and id too)
    for persona in ("member_a", "member_b"):
        assert _release(api_for(persona), ev.tender) == before[persona], persona


def test_a_consortium_that_did_not_bid_sees_only_the_confirmed_award(world, api_for):
    ev = evaluated_lot(world)  # consortium B did not bid
    award = award_services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    for persona in ("coordinator_other", "member_a", "member_b"):
        assert "awards" not in _release(api_for(persona), ev.tender), persona
    of.confirm(world, award)
    for persona in ("coordinator_other", "member_a", "member_b"):
        release = _release(api_for(persona), ev.tender)
        [data] = release["awards"]
        assert data["status"] == "active" and "relatedBid" not in data, persona
        assert "bids" not in release, persona
        assert [s["name"] for s in data["suppliers"]][0] == world.consortium.name, persona
        assert release["contracts"][0]["awardID"] == data["id"], persona
        assert release["tag"] == ["tender", "award", "contract"], persona
        award.refresh_from_db()
        assert dt.datetime.fromisoformat(release["date"]) >= award.confirmed_at, persona


def test_cancelled_award_is_shown_to_the_council_and_bidders_only(world, evaluation, api_for):
    lead = world.user("reviewer")
    award = of.decide(world, evaluation)
    award_services.award_cancel(award=award, by=lead, reason="Scoring error found.")
    second = of.decide(world, evaluation, outside=True)
    for persona in ("reviewer", "coordinator", "board"):
        release = _release(api_for(persona), evaluation.tender)
        assert [(a["id"], a["status"]) for a in release["awards"]] == [
            (f"award-{award.pk}", "cancelled"), (f"award-{second.pk}", "pending")], persona
        assert release["tag"] == ["tender", "award", "awardCancellation"], persona
        history = Award.history.filter(id=award.pk).latest("history_date").history_date
        assert dt.datetime.fromisoformat(release["date"]) >= history, persona
    for persona in ("member_a", "member_b", "coordinator_other"):
        release = _release(api_for(persona), evaluation.tender)
        assert "awards" not in release and "awardCancellation" not in release["tag"], persona


def test_award_to_an_outside_bidder_names_it_as_the_supplier(world, evaluation, api_for):
    award = of.confirm(world, of.decide(world, evaluation, outside=True))
    assert not Contract.objects.filter(award=award).exists()  # not kept here
    for persona in ("reviewer", "coordinator", "member_a"):
        release = _release(api_for(persona), evaluation.tender)
        [data] = release["awards"]
        assert data["status"] == "active" and "relatedBid" not in data, persona
        assert data["suppliers"] == [{"id": f"GB-COH-{of.OUTSIDE_NUMBER}", "name": of.OUTSIDE_NAME}], persona
        # £60.00 an hour x 100 weekday hours a week x 156 4/7 weeks (1,096 days)
        assert data["value"] == {"amount": Decimal("939428.57"), "currency": "GBP"}, persona
        party = next(p for p in release["parties"] if p["id"] == f"GB-COH-{of.OUTSIDE_NUMBER}")
        assert party["roles"] == ["supplier"], persona
        assert party["identifier"] == {"scheme": "GB-COH", "id": of.OUTSIDE_NUMBER,
                                       "legalName": of.OUTSIDE_NAME}, persona
        assert "contracts" not in release and release["tag"] == ["tender", "award"], persona
    # the joint bid lost: the council and its consortium see it as evaluated ("valid")
    assert _release(api_for("coordinator"), evaluation.tender)["bids"]["details"][0]["status"] == "valid"


@pytest.mark.parametrize(("given", "scheme", "number"), [
    ("01234567", "GB-COH", "01234567"),
    ("sc 123456", "GB-COH", "SC123456"),
    ("RS007654", "GB-MPR", "RS007654"),
    ("30270R", "GB-MPR", "30270R"),
    ("ABC/123", None, "ABC/123"),
])
def test_an_outside_bidders_number_names_its_register_only_when_its_form_does(given, scheme, number):
    external = ExternalBid(pk=7, bidder_name="Solo Care Ltd", bidder_identifier=given)
    party = ocds.outside_party(external)
    if scheme:
        assert party["id"] == f"{scheme}-{number}"
        assert party["identifier"] == {"scheme": scheme, "id": number, "legalName": "Solo Care Ltd"}
    else:
        assert party["id"] == "outside-bidder-7"
        assert party["identifier"] == {"id": number, "legalName": "Solo Care Ltd"}
    assert "identifier" not in ocds.outside_party(ExternalBid(pk=8, bidder_name="Solo Care Ltd"))


def test_a_contract_variation_is_an_amendment_and_moves_the_release(world, api_for):
    ev = evaluated_lot(world)
    award = of.confirm(world, award_services.award_decide(lot=ev.lot, entry=ev.entry,
                                                          by=world.user("reviewer")))
    contract = of.contract_of(award)
    before = _release(api_for("member_a"), ev.tender)
    version = contract_services.contract_vary(contract=contract, by=world.user("coordinator"), kind="rate",
                                              reason="Real Living Wage uplift.", rates={WEEKDAY: "26.00"})
    contract.refresh_from_db()
    for persona in ("reviewer", "coordinator", "member_a", "coordinator_other"):
        release = _release(api_for(persona), ev.tender)
        [agreement] = release["contracts"]
        assert agreement["value"]["amount"] == contract.value != before["contracts"][0]["value"]["amount"]
        [amendment] = agreement["amendments"]
        assert amendment["id"] == "2" and amendment["rationale"] == "Real Living Wage uplift."
        assert amendment["description"].startswith("Rate variation (version 2)")
        assert dt.datetime.fromisoformat(amendment["date"]) == version.created_at
        assert release["tag"] == ["tender", "award", "contract", "contractAmendment"], persona
    after = _release(api_for("member_a"), ev.tender)
    assert after["id"] != before["id"]
    assert dt.datetime.fromisoformat(after["date"]) >= version.created_at > dt.datetime.fromisoformat(
        before["date"])


def test_contract_statuses_in_ocds_terms(world, api_for):
    coordinator = world.user("coordinator")

    def status(contract) -> tuple[str, list[str]]:
        release = _release(api_for("member_b"), contract.lot.tender)
        return release["contracts"][0]["status"], release["tag"]

    ended_early = evaluated_lot(world)
    contract = of.contract_of(of.confirm(world, award_services.award_decide(
        lot=ended_early.lot, entry=ended_early.entry, by=world.user("reviewer"))))
    contract_services.contract_transition(contract=contract, to=ContractStatus.TERMINATED, by=coordinator,
                                          reason="The council withdrew the service.")
    # never in force: cancelled before it started, not terminated
    assert status(contract) == ("cancelled", ["tender", "award", "contract"])

    CapacityDeclaration.objects.update(declared_volume=Decimal("1000"))  # room for a second contract
    ran = evaluated_lot(world)
    contract = of.contract_of(of.confirm(world, award_services.award_decide(
        lot=ran.lot, entry=ran.entry, by=world.user("reviewer"))))
    contract_services.contract_transition(contract=contract, to=ContractStatus.ACTIVE, by=coordinator,
                                          today=contract.start)
    assert status(contract)[0] == "active"
    contract_services.contract_transition(contract=contract, to=ContractStatus.SUSPENDED, by=coordinator,
                                          reason="Inspection.")
    assert status(contract)[0] == "active"  # suspended is still signed and in force
    contract_services.contract_transition(contract=contract, to=ContractStatus.TERMINATED, by=coordinator,
                                          reason="Inspection failed.")
    assert status(contract) == ("terminated", ["tender", "award", "contract", "contractTermination"])


def test_awards_and_contracts_cost_a_fixed_number_of_queries(world, api_for, django_assert_max_num_queries):
    CapacityDeclaration.objects.update(declared_volume=Decimal("1000"))
    lead = world.user("reviewer")

    def awarded_tender():
        ev = evaluated_lot(world, rival=True)
        CapacityDeclaration.objects.update(declared_volume=Decimal("1000"))
        award = of.confirm(world, award_services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
        contract_services.contract_vary(contract=of.contract_of(award), by=world.user("coordinator"),
                                        kind="rate", reason="Uplift.", rates={WEEKDAY: "26.00"})

    awarded_tender()
    # 10, and 2 for the contracts' implementation (billing periods with their deliveries; payments)
    for persona in ("reviewer", "coordinator", "member_a"):
        with django_assert_max_num_queries(12):
            api_for(persona).get(API)
    for _ in range(3):
        awarded_tender()
    for persona in ("reviewer", "coordinator", "member_a"):
        with django_assert_max_num_queries(12):
            response = api_for(persona).get(API)
        package = json.loads(response.content, parse_float=Decimal)
        assert_valid(package)
        assert [len(r["awards"]) for r in package["releases"]] == [1, 1, 1, 1], persona
        assert all(r["contracts"][0]["amendments"] for r in package["releases"]), persona


# --- the OCID prefix ----------------------------------------------------------------------------

def test_the_placeholder_ocid_prefix_is_refused_for_deployment(settings):
    from django.core import checks as django_checks

    from contracts.checks import ocid_prefix

    settings.DEBUG = False
    settings.OCDS_OCID_PREFIX = "ocds-xxxxxx"
    [error] = ocid_prefix()
    assert error.id == "contracts.E001" and "OCDS_OCID_PREFIX" in error.msg
    # registered with the deployment checks: `check --deploy` runs it, `check` does not
    assert "contracts.E001" in {e.id for e in django_checks.run_checks(include_deployment_checks=True)}
    assert "contracts.E001" not in {e.id for e in django_checks.run_checks()}
    settings.OCDS_OCID_PREFIX = "ocds-XX 1"
    assert [e.id for e in ocid_prefix()] == ["contracts.E002"]
    settings.OCDS_OCID_PREFIX = "ocds-b5fd17"
    assert ocid_prefix() == []
    settings.DEBUG = True  # developing: the placeholder is fine
    settings.OCDS_OCID_PREFIX = "ocds-xxxxxx"
    assert ocid_prefix() == []
