"""A council learns nothing of bids before the deadline through its own tender's pages.

The property: the council's actions on two otherwise identical published tenders, one with a
consortium's draft bid and one without, get the same answers (status code, JSON body and page
text, modulo ids, urls and the tender's reference), on the web and through the API. The
consortium's side is told when a lot it bids for is withdrawn.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from consortium.errors import DomainError
from contracts.bidding.selectors.bids import readiness
from contracts.models import BidLot, BidStatus, Lot, LotStatus, QualityAnswer
from tests import contracts_factories as cf

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 12, 1, 10, 30))


@pytest.fixture(autouse=True)
def _fixed_clock():
    """Both tenders are changed 'at the same moment', so their pages show the same times."""
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def _twin(world, *, with_bid: bool, bid_status: str = BidStatus.DRAFT):
    tender = cf.tender(world.council, reference="S2W-BID" if with_bid else "S2W-NOBID",
                       title="Domiciliary support, Cardiff", deadline=NOW + dt.timedelta(days=14))
    lots = [cf.lot(tender), cf.lot(tender), cf.lot(tender)]
    if with_bid:
        bid = cf.bid(world.consortium_other, tender, by=world.user("coordinator_other"), status=bid_status)
        first = BidLot.objects.get(bid=bid, lot=lots[2])
        QualityAnswer.objects.create(bid_lot=first, question=lots[2].questions.get(number=2),
                                     answer="Our own recruitment pool.")
    return tender, lots


def _ids(tender, lots) -> dict[str, str]:
    """Every id and name that differs between the twins, with what stands for it."""
    names = {tender.reference: "REF"}
    for i, lot in enumerate(lots, start=1):
        names[f"/lots/{lot.pk}/"] = f"/lots/LOT{i}/"
        names[f"lot-{lot.pk}"] = f"lot-LOT{i}"
    names[f"/tenders/{tender.pk}/"] = "/tenders/TENDER/"
    return names


def _page(response, names: dict[str, str]) -> tuple[int, str]:
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    for old, new in sorted(names.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(old, new)
    return response.status_code, text


def _json(response, tender) -> tuple[int, object]:
    if not response.content:
        return response.status_code, None
    def plain(value, key=None):
        if isinstance(value, dict):
            return {k: plain(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if key in ("id", "tender") and isinstance(value, int):
            return "ID"
        if value == tender.reference:
            return "REF"
        return value

    return response.status_code, plain(json.loads(response.content))


def _lot_form(world, lot, *, title: str) -> dict:
    """The lot page as a browser posts it back: the factory's lot with its two questions left as
    they were, and the blank row the page adds."""
    return {
        "number": str(lot.number), "title": title, "service_type": str(lot.service_type_id),
        "areas": [str(world.council.pk)], "duration_weeks": "156", "ceiling_rate": "26.00",
        "welsh_share_percent": "20", "price_weight": "50", "quality_weight": "40",
        "social_value_weight": "10", "volume_weekday_day": "100", "volume_weekend": "40",
        "questions-TOTAL_FORMS": "3", "questions-INITIAL_FORMS": "2",
        "questions-0-text": "How will you deliver outcome 1?", "questions-0-max_marks": "10",
        "questions-1-text": "How will you deliver outcome 2?", "questions-1-max_marks": "10",
        "questions-2-text": "", "questions-2-max_marks": "",
    }


def _council_session(world, client_for, api_for, tender, lots) -> list:
    """What a council reviewer sees while removing lots and a question answered in the bid."""
    web, api = client_for("reviewer"), api_for("reviewer")
    names = _ids(tender, lots)
    seen = []
    detail = reverse("tender-detail", args=[tender.pk])
    seen.append(_page(web.get(reverse("lot-delete", args=[lots[0].pk])), names))
    seen.append(_page(web.post(reverse("lot-delete", args=[lots[0].pk]), follow=True), names))
    seen.append(_json(api.delete(f"/api/v1/lots/{lots[1].pk}/"), tender))
    # Lot 3: its question 2 is answered in the bid (when there is one); the council drops it.
    one_question = {"questions": [{"text": "How will you deliver outcome 1?", "max_marks": 10}]}
    seen.append(_json(api.patch(f"/api/v1/lots/{lots[2].pk}/", one_question, format="json"), tender))
    form = {**_lot_form(world, lots[2], title="Lot 3"), "questions-1-DELETE": "on"}
    seen.append(_page(web.post(reverse("lot-edit", args=[lots[2].pk]), form, follow=True), names))
    for lot in lots:
        seen.append(_json(api.get(f"/api/v1/lots/{lot.pk}/"), tender))
    seen.append(_json(api.get(f"/api/v1/tenders/{tender.pk}/"), tender))
    seen.append(_json(api.get(f"/api/v1/tenders/{tender.pk}/lots/"), tender))
    seen.append(_page(web.get(detail), names))
    seen.append(_page(web.post(reverse("tender-cancel", args=[tender.pk]), follow=True), names))
    seen.append(_json(api.get(f"/api/v1/tenders/{tender.pk}/"), tender))
    return seen


@pytest.mark.parametrize("bid_status", [BidStatus.DRAFT, BidStatus.APPROVED])
def test_the_council_sees_the_same_whether_or_not_a_consortium_has_started_a_bid(
    world, client_for, api_for, bid_status
):
    twin = _twin(world, with_bid=True, bid_status=bid_status)
    with_bid = _council_session(world, client_for, api_for, *twin)
    without = _council_session(world, client_for, api_for, *_twin(world, with_bid=False))
    for step, (a, b) in enumerate(zip(with_bid, without, strict=True)):
        diff = "\n".join(difflib.unified_diff(str(a).splitlines(), str(b).splitlines(), lineterm="", n=1))
        assert a == b, f"step {step} differs:\n{diff}"
    assert [code for code, _ in with_bid][:5] == [200, 200, 204, 400, 200]
    assert "Lot 1 withdrawn: it stays on the published tender, marked cancelled." in with_bid[1][1]
    assert with_bid[3][1]["questions"][0].startswith("Question 2 cannot be removed")
    assert "Question 2 cannot be removed" in with_bid[4][1]


def test_a_lot_removed_from_a_published_tender_is_withdrawn_and_the_bid_keeps_its_history(world):
    tender, lots = _twin(world, with_bid=True)
    from contracts.tendering.services import tenders as services

    services.lot_delete(lot=lots[0], by=world.user("reviewer"))
    assert Lot.objects.get(pk=lots[0].pk).status == LotStatus.CANCELLED
    bid = BidLot.objects.get(lot=lots[0]).bid
    assert any("Lot 1 was withdrawn by the council" in p for p in readiness(bid))


def test_the_consortium_is_told_on_its_bid_that_the_council_withdrew_a_lot(world, client_for):
    tender, lots = _twin(world, with_bid=True)
    from contracts.tendering.services import tenders as services

    services.lot_delete(lot=lots[0], by=world.user("reviewer"))
    bid = BidLot.objects.get(lot=lots[0]).bid
    page = client_for("coordinator_other").get(reverse("bid-detail", args=[bid.pk])).content.decode()
    assert "The council withdrew this lot" in page


def test_a_lot_of_a_draft_tender_is_deleted(world, client_for):
    tender = cf.tender(world.council, status="draft")
    lot = cf.lot(tender)
    response = client_for("reviewer").post(reverse("lot-delete", args=[lot.pk]), follow=True)
    assert response.status_code == 200 and "Lot 1 removed." in response.content.decode()
    assert not Lot.objects.filter(pk=lot.pk).exists()


# --- tender references: each recorder's own business ------------------------------------------


def _tender_fields(reference: str) -> dict:
    deadline = NOW + dt.timedelta(days=20)
    return {
        "reference": reference,
        "title": "Care at home",
        "procedure": "light_touch",
        "submission_deadline": deadline,
        "contract_start": (deadline + dt.timedelta(days=60)).date(),
        "contract_end": (deadline + dt.timedelta(days=800)).date(),
    }


def _record(api, council, reference: str):
    body = {**_tender_fields(reference), "council": council.pk}
    for name in ("submission_deadline", "contract_start", "contract_end"):
        body[name] = body[name].isoformat()
    return api.post("/api/v1/tenders/", body, format="json")


def test_a_consortiums_private_record_blocks_neither_the_council_nor_another_consortium(world, api_for):
    assert _record(api_for("coordinator_other"), world.council, "CRF-2026-7").status_code == 201
    council = _record(api_for("reviewer"), world.council, "crf-2026-7")
    assert council.status_code == 201, council.json()
    other = _record(api_for("coordinator"), world.council, "CRF-2026-7")
    assert other.status_code == 201, other.json()


def test_a_councils_draft_does_not_block_a_consortium_recording_the_same_reference(world, client_for):
    cf.tender(world.council, status="draft", reference="CRF-DRAFT-1")
    form = {
        "council": str(world.council.pk),
        "reference": "CRF-DRAFT-1",
        "title": "Care at home",
        "procedure": "light_touch",
        "submission_deadline": "2099-05-01T12:00",
        "contract_start": "2099-06-01",
        "contract_end": "2100-05-31",
    }
    response = client_for("coordinator").post(reverse("tender-create"), form)
    assert response.status_code == 302, response.context["form"].errors


def test_the_councils_own_duplicate_reference_is_still_refused(world, api_for):
    assert _record(api_for("reviewer"), world.council, "CRF-1").status_code == 201
    again = _record(api_for("reviewer"), world.council, "crf-1")
    assert again.status_code == 400
    assert again.json()["reference"] == ["This council already has a tender with this reference."]


def test_a_consortiums_own_duplicate_reference_is_refused_naming_nothing_of_others(world, api_for):
    cf.tender(world.council, consortium=world.consortium_other, reference="CRF-9")
    assert _record(api_for("coordinator"), world.council, "CRF-9").status_code == 201
    again = _record(api_for("coordinator"), world.council, "CRF-9 ".lower())
    assert again.status_code == 400
    message = again.json()["reference"][0]
    assert message == "Your consortium has already recorded a tender of this council with this reference."
    assert world.consortium_other.name not in message


def test_changing_a_reference_is_checked_against_the_recorders_own_tenders_only(world):
    from contracts.tendering.services import tenders as services

    private = cf.tender(world.council, status="draft", consortium=world.consortium, reference="A-1")
    cf.tender(world.council, status="draft", consortium=world.consortium, reference="A-2")
    cf.tender(world.council, status="draft", reference="C-1")
    services.tender_update(tender=private, by=world.user("coordinator"), reference="C-1")
    with pytest.raises(DomainError) as refused:
        services.tender_update(tender=private, by=world.user("coordinator"), reference="a-2")
    assert refused.value.field == "reference"


def test_open_data_lists_a_withdrawn_lot_as_cancelled_without_its_value(world, api_for):
    from contracts.tendering.services import tenders as services

    tender, lots = _twin(world, with_bid=False)
    services.lot_delete(lot=lots[1], by=world.user("reviewer"))
    response = api_for("reviewer").get(f"/api/v1/ocds/tenders/{tender.pk}/")
    assert response.status_code == 200
    data = json.loads(response.content, parse_float=Decimal)["releases"][0]["tender"]
    assert [lot["status"] for lot in data["lots"]] == ["active", "cancelled", "active"]
    assert data["value"]["amount"] == data["lots"][0]["value"]["amount"] + data["lots"][2]["value"]["amount"]


def test_changing_a_lots_title_on_the_web_keeps_its_untouched_questions(world, client_for):
    tender = cf.tender(world.council, status="draft")
    lot = cf.lot(tender)
    form = _lot_form(world, lot, title="North and east")
    response = client_for("reviewer").post(reverse("lot-edit", args=[lot.pk]), form)
    assert response.status_code == 302, response.context["formset"].non_form_errors()
    lot.refresh_from_db()
    assert lot.title == "North and east"
    assert list(lot.questions.order_by("number").values_list("text", flat=True)) == [
        "How will you deliver outcome 1?", "How will you deliver outcome 2?"
    ]
