"""A submitted joint bid's pack: read from the sealed snapshot (not the live bid), with the
SHA-256 as stored, for the consortium's coordinator and board at any time after submission and
for the tendering council's reviewers only after the deadline; in English or Welsh, as a page
and as a PDF."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.bidding.selectors import bids as selectors
from contracts.models import Bid, BidPrice, BidSubmission, QualityAnswer, Tender
from tests.builders import ANSWER_1, submitted_joint_bid


@pytest.fixture
def submitted(world):
    """Consortium A's joint bid (tests/builders.py), submitted at £40.00 with one answer and one
    social value commitment; the deadline two weeks ahead."""
    return submitted_joint_bid(world)


def _standing(bid: Bid) -> BidSubmission:
    return BidSubmission.objects.get(bid=bid, withdrawn_at__isnull=True)


def _past_deadline(bid: Bid) -> None:
    Tender.objects.filter(pk=bid.tender_id).update(
        submission_deadline=timezone.now() - dt.timedelta(hours=1), clarification_deadline=None)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_pack_lays_out_the_snapshot_not_the_live_bid(world, submitted, client_for):
    sub = _standing(submitted)
    lot = sub.snapshot["lots"][0]
    # The live bid changes after submission (as a bug or a hand in the database might): the
    # pack still shows what was sealed.
    BidPrice.objects.filter(bid_lot__bid=submitted).update(rate=Decimal("44.44"))
    QualityAnswer.objects.filter(bid_lot__bid=submitted).update(answer="Changed after submission.")
    page = _text(client_for("coordinator").get(reverse("bid-pack", args=[submitted.pk])))
    assert sub.snapshot["tender"]["reference"] in page and "Cardiff" in page
    assert f"£{lot['prices'][0]['rate']}" in page and "£40.00" in page and "44.44" not in page
    assert "£4,000.00" in page  # 100 hours a week at £40.00
    assert ANSWER_1 in page and "Changed after submission." not in page
    for member in lot["members"]:
        assert member["legal_name"] in page
    assert "Local people recruited" in page and "Stronger communities" in page
    assert "Approved by the board on" in page and "1 vote for" in page
    assert f"Version {sub.version}," in page


def test_pack_shows_no_members_costs_nor_the_fee(world, submitted, client_for):
    html = client_for("board").get(reverse("bid-pack", args=[submitted.pk])).content.decode()
    words = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1])
    floors = [f"£{m.floor}" for m in selectors.price_lines(submitted)[0].members]
    assert floors
    for word in (*floors, "floor", "margin", "fee"):
        assert word not in words


def test_hash_shown_is_the_stored_one_and_checked(world, submitted, client_for):
    sub = _standing(submitted)
    page = _text(client_for("board").get(reverse("bid-pack", args=[submitted.pk])))
    shown = re.findall(r'<code class="sha256"[^>]*>([0-9a-f]{64})</code>', page)
    assert shown == [sub.sha256]
    assert "Intact" in page and "sha256sum" in page
    BidSubmission.objects.filter(pk=sub.pk).update(canonical=sub.canonical.replace("40.00", "30.00"))
    page = _text(client_for("board").get(reverse("bid-pack", args=[submitted.pk])))
    assert "Does not match: altered since submission" in page


def test_council_sees_the_pack_only_after_the_deadline(world, submitted, client_for):
    url = reverse("bid-pack", args=[submitted.pk])
    pdf = reverse("bid-pack-pdf", args=[submitted.pk])
    reviewer = client_for("reviewer")
    assert reviewer.get(url).status_code == 404 and reviewer.get(pdf).status_code == 404
    _past_deadline(submitted)
    response = reviewer.get(url)
    assert response.status_code == 200 and _standing(submitted).sha256 in response.content.decode()


@pytest.mark.parametrize("persona", ["reviewer_other", "coordinator_other", "member_a", "member_b"])
def test_others_get_404_even_after_the_deadline(world, submitted, client_for, persona):
    _past_deadline(submitted)
    client = client_for(persona)
    assert client.get(reverse("bid-pack", args=[submitted.pk])).status_code == 404
    assert client.get(reverse("bid-pack-pdf", args=[submitted.pk])).status_code == 404


def test_a_bid_not_submitted_has_no_pack(world, submitted, client_for):
    BidSubmission.objects.filter(bid=submitted).update(withdrawn_at=timezone.now())
    assert client_for("coordinator").get(reverse("bid-pack", args=[submitted.pk])).status_code == 404


def test_the_bid_page_and_the_review_page_link_to_the_pack(world, submitted, client_for):
    url = reverse("bid-pack", args=[submitted.pk])
    assert url in client_for("coordinator").get(reverse("bid-detail", args=[submitted.pk])).content.decode()
    _past_deadline(submitted)
    review = client_for("reviewer").get(reverse("review-tender", args=[submitted.tender_id]))
    assert url in review.content.decode()


def test_welsh_pack_has_welsh_labels_and_the_bidders_text_as_written(world, submitted, client_for):
    page = _text(client_for("coordinator").get(reverse("bid-pack", args=[submitted.pk]), {"lang": "cy"}))
    assert 'lang="cy"' in page
    for welsh in ("Band amser", "Dydd yn ystod yr wythnos", "Cymunedau cryfach", "Atebion ansawdd",
                  "Ymrwymiadau gwerth cymdeithasol"):
        assert welsh in page
    assert "Weekday daytime" not in page and "Stronger communities" not in page
    assert ANSWER_1 in page and "Local people recruited" in page
    english = _text(client_for("coordinator").get(reverse("bid-pack", args=[submitted.pk]), {"lang": "xx"}))
    assert "Weekday daytime" in english


def _pdf_text(content: bytes) -> bytes:
    """The PDF's bytes with its compressed streams inflated."""
    out = [content]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            out.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(out)


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_pdf_is_a_pdf_with_the_hash(world, submitted, client_for, lang):
    sub = _standing(submitted)
    response = client_for("board").get(reverse("bid-pack-pdf", args=[submitted.pk]), {"lang": lang})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"-{lang}.pdf" in response["Content-Disposition"]
    # In the document's description: as plain bytes, or in UTF-16 (raw or hex) where the
    # description holds Welsh letters outside Latin-1.
    text = _pdf_text(response.content)
    utf16 = sub.sha256.encode("utf-16-be")
    assert any(form in text for form in (sub.sha256.encode(), utf16, utf16.hex().encode(),
                                         utf16.hex().upper().encode()))
