"""Tenders and lots: recording and validation, the status machines, the beat task that closes
tenders past their deadline, lots changing after publication (bids back to draft), versioned
documents with their SHA-256, clarification questions without the asker's identity, scoping."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consortium.errors import DomainError
from consortium.models import TimeBand
from contracts.bidding.services import bids as bid_services
from contracts.models import (
    Bid,
    BidStatus,
    BidSubmission,
    Clarification,
    Lot,
    LotStatus,
    Procedure,
    Tender,
    TenderDocument,
    TenderStatus,
)
from contracts.tendering.services import tenders as services
from tests import contracts_factories as cf
from tests.factories import ConsortiumFactory, service

pytestmark = [pytest.mark.django_db, pytest.mark.shared_world]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _fields(**overrides) -> dict:
    deadline = timezone.now() + dt.timedelta(days=20)
    fields = {
        "reference": "S2W-TEST-1",
        "title": "Care at home, Cardiff north",
        "description": "",
        "procedure": Procedure.LIGHT_TOUCH,
        "submission_deadline": deadline,
        "clarification_deadline": deadline - dt.timedelta(days=5),
        "expected_award_date": None,
        "contract_start": (deadline + dt.timedelta(days=60)).date(),
        "contract_end": (deadline + dt.timedelta(days=800)).date(),
    }
    fields.update(overrides)
    return fields


def _lot_fields(world, **overrides) -> dict:
    fields = {
        "number": 1,
        "title": "North",
        "service_type": service(),
        "areas": [world.council],
        "duration_weeks": 104,
        "ceiling_rate": Decimal("25.00"),
        "welsh_share_percent": Decimal("20"),
        "max_provider_share_percent": None,
        "price_weight": 50,
        "quality_weight": 40,
        "social_value_weight": 10,
        "volumes": {
            TimeBand.WEEKDAY_DAY: Decimal("100"),
            TimeBand.NIGHT: Decimal("0"),
            TimeBand.EVENING: None,
        },
        "questions": [{"text": "How will you recruit?", "max_marks": 10}],
    }
    fields.update(overrides)
    return fields


# --- recording and validation --------------------------------------------------------------------


def test_reviewer_records_a_draft_for_their_own_council_only(world):
    reviewer = world.user("reviewer")
    tender = services.tender_create(council=world.council, by=reviewer, **_fields())
    assert tender.status == TenderStatus.DRAFT and tender.recorded_by_consortium is None
    with pytest.raises(DomainError) as refused:
        services.tender_create(council=world.council_other, by=reviewer, **_fields(reference="X"))
    assert refused.value.field == "council"


def test_coordinator_records_any_councils_tender_for_their_consortium(world):
    tender = services.tender_create(council=world.council_other, by=world.user("coordinator"), **_fields())
    assert tender.recorded_by_consortium == world.consortium


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"clarification_deadline": timezone.now() + dt.timedelta(days=30)}, "clarification_deadline"),
        ({"contract_end": dt.date(2020, 1, 1)}, "contract_end"),
        ({"contract_start": dt.date(2020, 1, 1)}, "contract_start"),
        ({"reference": ""}, "reference"),
        ({"procedure": "auction"}, "procedure"),
    ],
)
def test_bad_tender_fields_are_refused_by_field(world, overrides, field):
    with pytest.raises(DomainError) as refused:
        services.tender_create(council=world.council, by=world.user("reviewer"), **_fields(**overrides))
    assert refused.value.field == field
    assert not Tender.objects.exists()


def test_tender_form_shows_the_date_error_beside_its_field(world, client_for):
    data = {
        "council": world.council.pk,
        "reference": "R-1",
        "title": "T",
        "procedure": "open",
        "submission_deadline": "2099-01-10T12:00",
        "contract_start": "2099-04-01",
        "contract_end": "2099-03-01",
    }
    response = client_for("reviewer").post(reverse("tender-create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["contract_end"] == [
        "The contract end must be after the contract start."
    ]
    assert not Tender.objects.exists()


def test_a_published_tender_is_no_longer_edited(world):
    tender = cf.tender(world.council)
    with pytest.raises(DomainError) as refused:
        services.tender_update(tender=tender, by=world.user("reviewer"), title="New title")
    assert refused.value.code == "not_editable"


# --- lots and publishing ----------------------------------------------------------------------------


def test_lot_keeps_only_bands_with_volume_and_numbers_its_questions(world):
    tender = cf.tender(world.council, status=TenderStatus.DRAFT)
    lot = services.lot_create(
        tender=tender,
        by=world.user("reviewer"),
        **_lot_fields(
            world, questions=[{"text": "Recruit?", "max_marks": 10}, {"text": "Welsh?", "max_marks": 5}]
        ),
    )
    assert dict(lot.volumes.values_list("time_band", "volume")) == {TimeBand.WEEKDAY_DAY: Decimal("100.00")}
    assert list(lot.questions.values_list("number", "max_marks")) == [(1, 10), (2, 5)]


def test_lot_weights_must_add_up_to_100(world):
    tender = cf.tender(world.council, status=TenderStatus.DRAFT)
    with pytest.raises(DomainError) as refused:
        services.lot_create(tender=tender, by=None, **_lot_fields(world, price_weight=60))
    assert refused.value.field == "weights"
    assert not Lot.objects.exists()


def test_lot_form_names_the_weight_fields_when_they_do_not_add_up(world, client_for):
    tender = cf.tender(world.council, status=TenderStatus.DRAFT)
    data = {
        "number": "1",
        "title": "North",
        "service_type": service().pk,
        "areas": [world.council.pk],
        "duration_weeks": "52",
        "ceiling_rate": "25.00",
        "price_weight": "50",
        "quality_weight": "30",
        "social_value_weight": "10",
        "volume_weekday_day": "80",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-0-text": "Q?",
        "questions-0-max_marks": "10",
        "action": "save",
    }
    response = client_for("reviewer").post(reverse("lot-create", args=[tender.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The price weight, quality weight and social value weight must add up to 100; they add up to 90."
    ]
    assert not Lot.objects.exists()


def test_lot_form_adds_a_question_row_without_saving(world, client_for):
    tender = cf.tender(world.council, status=TenderStatus.DRAFT)
    data = {"questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "0", "action": "add_question"}
    response = client_for("reviewer").post(reverse("lot-create", args=[tender.pk]), data)
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 2
    assert not Lot.objects.exists()


def test_publish_needs_a_complete_lot(world):
    reviewer = world.user("reviewer")
    tender = cf.tender(world.council, status=TenderStatus.DRAFT)
    with pytest.raises(DomainError, match="Add at least one lot"):
        services.tender_transition(tender=tender, to=TenderStatus.PUBLISHED, by=reviewer)
    cf.lot(tender, questions=0)
    with pytest.raises(DomainError, match="quality question"):
        services.tender_transition(tender=tender, to=TenderStatus.PUBLISHED, by=reviewer)
    Lot.objects.all().delete()
    cf.lot(tender)
    tender = services.tender_transition(tender=tender, to=TenderStatus.PUBLISHED, by=reviewer)
    assert tender.status == TenderStatus.PUBLISHED and tender.published_at is not None
    # Already there: quiet. Not allowed: refused.
    assert (
        services.tender_transition(tender=tender, to=TenderStatus.PUBLISHED, by=reviewer).status
        == "published"
    )
    with pytest.raises(DomainError):
        services.tender_transition(tender=tender, to=TenderStatus.AWARDED, by=reviewer)


def test_closing_a_tender_closes_its_open_lots_and_cancelling_cancels_them(world):
    tender = cf.tender(world.council)
    first, second = cf.lot(tender), cf.lot(tender)
    services.lot_transition(lot=second, to=LotStatus.CANCELLED, by=None)
    services.tender_transition(tender=tender, to=TenderStatus.CLOSED, by=None)
    assert dict(Lot.objects.values_list("pk", "status")) == {
        first.pk: LotStatus.CLOSED,
        second.pk: LotStatus.CANCELLED,
    }
    services.tender_transition(tender=tender, to=TenderStatus.CANCELLED, by=None)
    assert Lot.objects.get(pk=first.pk).status == LotStatus.CANCELLED


def test_beat_task_closes_tenders_past_their_deadline_once(world):
    from contracts.tasks import close_tenders_past_deadline

    past = timezone.now() - dt.timedelta(minutes=1)
    due = [cf.tender(world.council, deadline=past), cf.tender(world.council_other, deadline=past)]
    for tender in due:
        cf.lot(tender)
    future = cf.tender(world.council)
    draft = cf.tender(world.council, status=TenderStatus.DRAFT, deadline=past)
    assert close_tenders_past_deadline.apply().get() == 2
    assert close_tenders_past_deadline.apply().get() == 0
    statuses = dict(Tender.objects.values_list("pk", "status"))
    assert [statuses[t.pk] for t in due] == [TenderStatus.CLOSED, TenderStatus.CLOSED]
    assert statuses[future.pk] == TenderStatus.PUBLISHED and statuses[draft.pk] == TenderStatus.DRAFT
    assert set(Lot.objects.values_list("status", flat=True)) == {LotStatus.CLOSED}
    assert Tender.history.filter(id=due[0].pk, status=TenderStatus.CLOSED).count() == 1


# --- lots changing after publication -----------------------------------------------------------------


def _submitted(bid, by):
    BidSubmission.objects.create(
        bid=bid,
        version=1,
        snapshot={},
        canonical="{}",
        sha256="0" * 64,
        submitted_by=by,
        submitted_at=timezone.now(),
    )


def test_changing_a_published_tenders_lots_sends_confirmed_bids_back_to_draft(world):
    reviewer, coordinator = world.user("reviewer"), world.user("coordinator")
    tender = cf.tender(world.council)
    lot = cf.lot(tender)
    bids = {}
    for status in (
        BidStatus.DRAFT,
        BidStatus.AWAITING_APPROVAL,
        BidStatus.APPROVED,
        BidStatus.SUBMITTED,
        BidStatus.WITHDRAWN,
    ):
        bids[status] = cf.bid(ConsortiumFactory(), tender, status=status, by=coordinator)
    _submitted(bids[BidStatus.SUBMITTED], coordinator)
    other_tender_bid = cf.bid(world.consortium, cf.tender(world.council), status=BidStatus.SUBMITTED)

    services.lot_update(lot=lot, by=reviewer, ceiling_rate=Decimal("27.50"))

    tender.refresh_from_db()
    assert tender.lots_changed_at is not None
    status = dict(Bid.objects.values_list("pk", "status"))
    assert [status[bids[s].pk] for s in bids] == [BidStatus.DRAFT] * 4 + [BidStatus.WITHDRAWN]
    assert status[other_tender_bid.pk] == BidStatus.SUBMITTED
    submission = BidSubmission.objects.get(bid=bids[BidStatus.SUBMITTED])
    assert submission.withdrawn_at is not None and submission.withdrawn_by == reviewer
    assert Bid.history.filter(id=bids[BidStatus.APPROVED].pk).first().history_user == reviewer


def test_changing_a_drafts_lots_or_saving_an_unchanged_lot_moves_no_bid(world):
    tender = cf.tender(world.council)
    lot = cf.lot(tender)
    bid = cf.bid(world.consortium, tender, status=BidStatus.APPROVED)
    services.lot_update(lot=lot, by=None)  # nothing changed
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.APPROVED
    assert Tender.objects.get(pk=tender.pk).lots_changed_at is None


def test_bids_back_to_draft_returns_how_many_moved(world):
    tender = cf.tender(world.council)
    cf.lot(tender)
    cf.bid(world.consortium, tender, status=BidStatus.AWAITING_APPROVAL)
    cf.bid(world.consortium_other, tender, status=BidStatus.DRAFT)
    assert bid_services.bids_back_to_draft_for_tender(tender=tender, by=None) == 1
    assert bid_services.bids_back_to_draft_for_tender(tender=tender, by=None) == 0


def test_removing_a_lot_of_a_published_tender_withdraws_it_whether_or_not_a_bid_answers_it(world):
    tender = cf.tender(world.council)
    lot, spare = cf.lot(tender), cf.lot(tender)
    cf.bid(world.consortium, tender, lots=[lot], status=BidStatus.SUBMITTED)
    assert services.lot_delete(lot=lot, by=None) is False
    assert services.lot_delete(lot=spare, by=None) is False
    assert list(Lot.objects.values_list("status", flat=True)) == [LotStatus.CANCELLED] * 2
    assert Bid.objects.get().status == BidStatus.DRAFT


# --- documents -------------------------------------------------------------------------------------


def _file(content: bytes, name: str = "spec.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_same_title_makes_a_new_version_and_never_overwrites(world):
    tender = cf.tender(world.council, status=TenderStatus.DRAFT)
    first = services.tender_document_upload(tender=tender, by=None, title="Specification", file=_file(b"one"))
    second = services.tender_document_upload(
        tender=tender, by=None, title="Specification", file=_file(b"two!")
    )
    other = services.tender_document_upload(tender=tender, by=None, title="Pricing", file=_file(b"one"))
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert second.sha256 == hashlib.sha256(b"two!").hexdigest() and second.size == 4
    with first.file.open("rb") as handle:
        assert handle.read() == b"one"


def test_download_streams_the_file_and_refuses_a_changed_one(world, client_for, api_for):
    tender = cf.tender(world.council)
    document = services.tender_document_upload(tender=tender, by=None, title="Spec", file=_file(b"%PDF-1"))
    url = reverse("tender-document-download", args=[document.pk])
    response = client_for("member_a").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1"
    with open(document.file.path, "wb") as handle:
        handle.write(b"tampered")
    response = client_for("member_a").get(url)
    assert response.status_code == 409 and "no longer matches" in response.content.decode()
    response = api_for("coordinator").get(f"/api/v1/tender-documents/{document.pk}/download/")
    assert response.status_code == 409 and "no longer matches" in response.json()["detail"]


def test_too_large_a_document_is_refused_with_a_clear_error(world, api_for, monkeypatch):
    monkeypatch.setattr(services, "MAX_DOCUMENT_BYTES", 10)
    tender = cf.tender(world.council)
    response = api_for("reviewer").post(
        f"/api/v1/tenders/{tender.pk}/documents/",
        {"title": "Spec", "file": _file(b"x" * 11)},
        format="multipart",
    )
    assert response.status_code == 400 and "smaller than" in response.json()["file"][0]
    response = api_for("reviewer").post(
        f"/api/v1/tenders/{tender.pk}/documents/",
        {"title": "Spec", "file": _file(b"x" * 10)},
        format="multipart",
    )
    assert response.status_code == 201 and response.json()["version"] == 1
    assert TenderDocument.objects.count() == 1


def test_web_upload_of_a_same_title_lists_both_versions(world, client_for):
    tender = cf.tender(world.council)
    client = client_for("reviewer")
    for content in (b"v1", b"v2"):
        response = client.post(
            reverse("tender-document-upload", args=[tender.pk]), {"title": "Spec", "file": _file(content)}
        )
        assert response.status_code == 302
    page = client_for("coordinator").get(reverse("tender-detail", args=[tender.pk]))
    assert [d.version for d in page.context["documents"]] == [2, 1]


# --- scoping ---------------------------------------------------------------------------------------


def test_drafts_are_seen_only_by_whoever_recorded_them(world, client_for, api_for):
    council_draft = cf.tender(world.council, status=TenderStatus.DRAFT)
    consortium_draft = cf.tender(world.council, status=TenderStatus.DRAFT, consortium=world.consortium)
    detail = "tender-detail"
    assert client_for("reviewer").get(reverse(detail, args=[council_draft.pk])).status_code == 200
    assert client_for("reviewer_other").get(reverse(detail, args=[council_draft.pk])).status_code == 404
    assert client_for("coordinator").get(reverse(detail, args=[council_draft.pk])).status_code == 404
    assert client_for("coordinator").get(reverse(detail, args=[consortium_draft.pk])).status_code == 200
    assert client_for("coordinator_other").get(reverse(detail, args=[consortium_draft.pk])).status_code == 404
    assert client_for("reviewer").get(reverse(detail, args=[consortium_draft.pk])).status_code == 404
    listed = [t["id"] for t in api_for("coordinator_other").get("/api/v1/tenders/").json()["results"]]
    assert consortium_draft.pk not in listed and council_draft.pk not in listed


def test_published_tenders_are_public_but_reviewers_see_their_own_councils(world, api_for):
    cardiff, gwynedd = cf.tender(world.council), cf.tender(world.council_other)
    ids = lambda persona: {t["id"] for t in api_for(persona).get("/api/v1/tenders/").json()["results"]}  # noqa: E731
    assert ids("member_b") == {cardiff.pk, gwynedd.pk}
    assert ids("reviewer") == {cardiff.pk}
    assert ids("reviewer_other") == {gwynedd.pk}


def test_list_filters_by_council_status_and_service(world, client_for):
    cardiff = cf.tender(world.council)
    cf.lot(cardiff)
    cf.tender(world.council_other)
    response = client_for("coordinator").get(
        reverse("tender-list"), {"council": world.council.pk, "service": service().pk, "status": "published"}
    )
    assert [t.pk for t in response.context["page_obj"].object_list] == [cardiff.pk]


def test_tender_list_costs_a_fixed_number_of_queries(
    world, client_for, api_for, django_assert_max_num_queries
):
    for i in range(12):
        tender = cf.tender(world.council if i % 2 else world.council_other)
        cf.lot(tender)
        cf.lot(tender, service_type=service("supported-living") if i % 3 == 0 else None)
    client, api = client_for("coordinator"), api_for("coordinator")
    with django_assert_max_num_queries(9):
        assert client.get(reverse("tender-list")).status_code == 200
    with django_assert_max_num_queries(3):
        response = api.get("/api/v1/tenders/")
    assert response.status_code == 200 and response.json()["count"] == 12


# --- clarifications -------------------------------------------------------------------------------


def test_clarification_answer_is_published_without_the_askers_identity(world, client_for, api_for):
    tender = cf.tender(world.council)
    asked = services.clarification_ask(
        tender=tender, by=world.user("coordinator"), question="Is TUPE likely?"
    )
    url = f"/api/v1/tenders/{tender.pk}/clarifications/"
    assert api_for("coordinator_other").get(url).json() == []
    own = api_for("member_a").get(url).json()
    assert own[0]["asked_by_your_consortium"] is True and own[0]["answer"] == ""

    response = api_for("reviewer").post(f"/api/v1/clarifications/{asked.pk}/answer/", {"answer": "Yes."})
    assert response.status_code == 200
    assert response.json()["asked_by_consortium"] == world.consortium.name

    others = api_for("coordinator_other").get(url).json()
    assert others == [
        {**others[0], "answer": "Yes.", "asked_by_consortium": None, "asked_by_your_consortium": False}
    ]
    page = client_for("coordinator_other").get(reverse("tender-detail", args=[tender.pk])).content.decode()
    assert "Is TUPE likely?" in page and world.consortium.name not in page
    council_page = client_for("reviewer").get(reverse("tender-detail", args=[tender.pk])).content.decode()
    assert world.consortium.name in council_page


def test_clarifications_close_at_their_deadline_and_are_answered_once(world):
    tender = cf.tender(world.council, clarification_deadline=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(DomainError, match="deadline"):
        services.clarification_ask(tender=tender, by=world.user("coordinator"), question="Late?")
    question = Clarification.objects.create(tender=tender, consortium=world.consortium, question="Q?")
    services.clarification_answer(clarification=question, by=world.user("reviewer"), answer="A.")
    with pytest.raises(DomainError, match="already"):
        services.clarification_answer(clarification=question, by=world.user("reviewer"), answer="B.")
    with pytest.raises(DomainError):
        services.clarification_answer(clarification=question, by=world.user("reviewer_other"), answer="C.")


# --- API round trip ------------------------------------------------------------------------------


def test_api_records_a_tender_adds_a_lot_and_publishes_it(world, api_for):
    api = api_for("coordinator")
    deadline = (timezone.now() + dt.timedelta(days=10)).isoformat()
    response = api.post(
        "/api/v1/tenders/",
        {
            "council": world.council_other.pk,
            "reference": "FTS-1",
            "title": "Mirror",
            "procedure": "open",
            "submission_deadline": deadline,
            "contract_start": "2099-04-01",
            "contract_end": "2100-03-31",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    tender_id = response.json()["id"]
    assert response.json()["recorded_by_consortium"] == world.consortium.pk
    lot = {
        "number": 1,
        "title": "All",
        "service_type": service().pk,
        "areas": [world.council_other.pk],
        "duration_weeks": 52,
        "ceiling_rate": "24.00",
        "price_weight": 60,
        "quality_weight": 30,
        "social_value_weight": 10,
        "volumes": {"weekday_day": "50", "night": None},
        "questions": [{"text": "Quality?", "max_marks": 20}],
    }
    response = api.post(f"/api/v1/tenders/{tender_id}/lots/", lot, format="json")
    assert response.status_code == 201, response.json()
    assert (
        response.json()["volumes"]["weekday_day"] == "50.00" and response.json()["volumes"]["night"] is None
    )
    bad = api.patch(f"/api/v1/lots/{response.json()['id']}/", {"quality_weight": 50}, format="json")
    assert bad.status_code == 400 and "weights" in bad.json()
    response = api.post(f"/api/v1/tenders/{tender_id}/publish/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert api_for("reviewer_other").get(f"/api/v1/tenders/{tender_id}/").status_code == 200


def test_publishing_an_incomplete_draft_on_the_web_says_what_is_missing(world, client_for):
    tender = cf.tender(world.council, status=TenderStatus.DRAFT)
    response = client_for("reviewer").post(reverse("tender-publish", args=[tender.pk]), {"confirm": "yes"})
    assert response.status_code == 200 and "Add at least one lot." in response.content.decode()
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.DRAFT


def test_a_lot_says_whether_bids_may_offer_part_of_its_volume(world, client_for, api_for):
    tender = cf.tender(world.council, status=TenderStatus.DRAFT)
    lot = services.lot_create(tender=tender, by=world.user("reviewer"), **_lot_fields(world))
    assert lot.allows_partial_bids is False  # by default a bid covers the whole volume
    with pytest.raises(DomainError) as refused:
        services.lot_update(lot=lot, by=world.user("reviewer"), allows_partial_bids="maybe")
    assert refused.value.field == "allows_partial_bids"
    data = {
        "number": "1", "title": "North", "service_type": lot.service_type_id, "areas": [world.council.pk],
        "duration_weeks": "104", "ceiling_rate": "25.00", "price_weight": "50", "quality_weight": "40",
        "social_value_weight": "10", "volume_weekday_day": "100", "allows_partial_bids": "on",
        # The lot's question left as it was, as the edit page posts it.
        "questions-TOTAL_FORMS": "2", "questions-INITIAL_FORMS": "1",
        "questions-0-text": "How will you recruit?", "questions-0-max_marks": "10",
        "action": "save",
    }
    response = client_for("reviewer").post(reverse("lot-edit", args=[lot.pk]), data)
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.allows_partial_bids is True
    assert list(lot.questions.values_list("text", flat=True)) == ["How will you recruit?"]
    assert "Bids may offer part of the volume" in client_for("reviewer").get(
        reverse("tender-detail", args=[tender.pk])).content.decode()
    api = api_for("reviewer")
    changed = api.patch(f"/api/v1/lots/{lot.pk}/", {"allows_partial_bids": False}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["allows_partial_bids"] is False
