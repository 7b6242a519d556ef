"""Open contracting data: tenders and joint bids as OCDS 1.1 release packages (bids and lots
extensions), validated offline against the schema and codelists in contracts/data/ocds/.

A joint bid is one bid per lot with several tenderers (the consortium and every member co-op
delivering part of it); bids appear only once submitted and after the deadline, and only to the
tender's council and the bidding consortium; no member's floor, cost or margin ever appears."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from consortium.models import TimeBand
from contracts import ocds
from contracts.models import Bid, BidStatus, BidSubmission, Procedure, Tender, TenderStatus
from contracts.selectors import bids as bid_selectors
from contracts.selectors import ocds as selectors
from contracts.services import submission
from contracts.services import tenders as tender_services
from tests import contracts_factories as cf
from tests.ocds_validation import assert_valid, codelists, merge_patch, problems_of, release_schema

# The joint bid fixtures (a tender with one lot, coop A 60 h and coop B 40 h allocated with
# floors) and the board's approval are shared with the bid tests.
from tests.test_bid_submission import _approve, approved  # noqa: F401
from tests.test_bids import WEEKDAY, allocated, bid, tender  # noqa: F401

API = "/api/v1/ocds/"


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
def submitted(world, approved):  # noqa: F811
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
    assert json.loads(api_for("coordinator").get(API).content)["releases"] == []


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
    assert detail["value"] == {"amount": rate * 100 * 156, "currency": "GBP"}
    parties = {p["id"]: p for p in release["parties"]}
    for tenderer in detail["tenderers"]:
        assert parties[tenderer["id"]]["roles"] == ["tenderer"]
        assert parties[tenderer["id"]]["name"] == tenderer["name"]
    assert parties["council-GB-CRF"]["roles"] == ["buyer", "procuringEntity"]
    # the bids became visible at the deadline: the release is dated no earlier
    deadline = Tender.objects.get(pk=submitted.tender_id).submission_deadline
    assert dt.datetime.fromisoformat(release["date"]) >= deadline


def test_members_with_registration_numbers_get_org_id_identifiers(world, approved, api_for):  # noqa: F811
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

def test_reviewer_of_another_council_cannot_export_the_tender(world, api_for, client_for):
    tender_ = _published_tender_with_lots(world)
    assert api_for("reviewer_other").get(f"{API}tenders/{tender_.pk}/").status_code == 404
    assert client_for("reviewer_other").get(reverse("tender-ocds", args=[tender_.pk])).status_code == 404
    listed = json.loads(api_for("reviewer_other").get(API).content)
    assert listed["releases"] == []
    filtered = json.loads(api_for("reviewer_other").get(API, {"tender": tender_.pk}).content)
    assert filtered["releases"] == []


def test_anonymous_is_asked_to_sign_in(world, api_for, client_for):
    tender_ = _published_tender_with_lots(world)
    assert api_for("anonymous").get(API).status_code == 401
    assert api_for("anonymous").get(f"{API}tenders/{tender_.pk}/").status_code == 401
    response = client_for("anonymous").get(reverse("tender-ocds", args=[tender_.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


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
    from contracts.apis import ocds as ocds_api

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
        other = cf.bid(world.consortium_other, tender_)
        other.status = BidStatus.SUBMITTED
        other.save()
        snapshot = submission.bid_snapshot(other, version=1, submitted_at=timezone.now())
        canonical = submission.canonical_json(snapshot)
        BidSubmission.objects.create(bid=other, version=1, snapshot=json.loads(canonical),
                                     canonical=canonical, sha256=submission.sha256_of(canonical),
                                     submitted_at=timezone.now())
        _past_deadline(tender_)
    with django_assert_max_num_queries(9):
        response = api.get(API)
    package = json.loads(response.content, parse_float=Decimal)
    assert len(package["releases"]) == 5
    assert sum(len(r.get("bids", {}).get("details", [])) for r in package["releases"]) == 1 + 4 * 2
    assert_valid(package)
