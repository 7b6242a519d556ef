"""Quality marking: reviewers on the panel mark independently (nobody sees another's marks before
submitting their own: not in the page, not in the API), submitting needs a complete sheet and
seals it, a bad mark refuses the whole save, the lead moderates only once every sheet is in, and
agreed marks and social value scores drive the lot's scores exactly as the formula says.

The lot under evaluation: a Cardiff tender (deadline passed) with one lot of 100 weekday hours a
week, ceiling £45, two quality questions of 10 marks each, weights price 50 / quality 40 / social
value 10. Consortium A's joint bid (coop A 60 h, coop B 40 h) is submitted at £40.00 an hour with
an answer to question 1 only and one social value commitment; "Solo Care Ltd" bids £36.00 from
outside the system. The Cardiff reviewer opens the evaluation (and so leads the panel) and adds a
second Cardiff reviewer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from consortium.errors import DomainError
from consortium.models import Role, TimeBand
from contracts.evaluation.selectors.scores import entry_key, lot_scores
from contracts.evaluation.services import review
from contracts.evaluation.services import scoring as services
from contracts.models import (
    Entry,
    Lot,
    MarkSheet,
    ModeratedMark,
    QualityMark,
    QualityQuestion,
    SocialValueScore,
    Tender,
    TenderStatus,
)
from contracts.tendering.services.tenders import tender_transition
from tests import contracts_factories as cf
from tests.builders import ANSWER_1, submitted_joint_bid
from tests.concurrency import run_together
from tests.factories import UserFactory, second_reviewer

WEEKDAY = TimeBand.WEEKDAY_DAY
LEAD_NOTE = "lead-note-7f3a: strong local recruitment"
SECOND_NOTE = "second-note-91bc: thin on outcomes"


@dataclass
class Evaluation:
    tender: Tender
    lot: Lot
    joint: Entry  # consortium A's joint bid
    external: Entry  # Solo Care Ltd, from outside the system
    q1: QualityQuestion
    q2: QualityQuestion
    lead: object
    second: object


def _open_evaluation(tender: Tender, lead, second) -> tuple[Entry, Entry]:
    """Evaluation opened by the lead, the second reviewer added, the outside bid recorded."""
    review.evaluation_open(tender=tender, by=lead)
    review.panel_add(tender=tender, reviewer=second, by=lead)
    lot = tender.lots.get()
    review.external_bid_record(tender=tender, by=lead, bidder_name="Solo Care Ltd",
                               rates={lot.pk: {WEEKDAY: Decimal("36.00")}})
    joint = Entry.objects.get(lot=lot, submission__isnull=False)
    external = Entry.objects.get(lot=lot, external_bid__isnull=False)
    return joint, external


@pytest.fixture
def ev(world) -> Evaluation:
    lead = world.user("reviewer")
    tender = submitted_joint_bid(world).tender
    lot = tender.lots.get()
    q1, q2 = lot.questions.order_by("number")
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - dt.timedelta(minutes=5),
                                               clarification_deadline=None)
    tender = tender_transition(tender=Tender.objects.get(pk=tender.pk), to=TenderStatus.CLOSED, by=None)
    second = second_reviewer(world)
    joint, external = _open_evaluation(tender, lead, second)
    return Evaluation(Tender.objects.get(pk=tender.pk), Lot.objects.get(pk=lot.pk), joint, external, q1, q2,
                      lead, second)


def _marks(ev: Evaluation, joint: tuple[int, int], external: tuple[int, int], note: str = "") -> dict:
    return {
        (ev.joint.pk, ev.q1.pk): (joint[0], note), (ev.joint.pk, ev.q2.pk): (joint[1], ""),
        (ev.external.pk, ev.q1.pk): (external[0], ""), (ev.external.pk, ev.q2.pk): (external[1], ""),
    }


def _submit_all(ev: Evaluation) -> None:
    for user, marks in ((ev.lead, _marks(ev, (8, 6), (5, 5), LEAD_NOTE)),
                        (ev.second, _marks(ev, (6, 7), (4, 6), SECOND_NOTE))):
        services.mark_sheet_save(lot=ev.lot, by=user, marks=marks)
        services.mark_sheet_submit(lot=ev.lot, by=user)


def _client(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def _api(user):
    from rest_framework.test import APIClient

    c = APIClient()
    c.force_authenticate(user)
    return c


def _marks_url(ev: Evaluation) -> str:
    return reverse("lot-marks", args=[ev.lot.pk])


def _moderation_url(ev: Evaluation) -> str:
    return reverse("lot-moderation", args=[ev.lot.pk])


def _api_marks(ev: Evaluation) -> str:
    return f"/api/v1/review/lots/{ev.lot.pk}/marks/"


# --- independence -------------------------------------------------------------------------------

def test_reviewers_mark_independently_and_see_others_only_after_submitting(ev):
    services.mark_sheet_save(lot=ev.lot, by=ev.lead, marks=_marks(ev, (8, 6), (5, 5), LEAD_NOTE))
    services.mark_sheet_save(lot=ev.lot, by=ev.second, marks=_marks(ev, (6, 7), (4, 6), SECOND_NOTE))

    def sees(user, note) -> tuple[bool, bool]:
        page = _client(user).get(_marks_url(ev))
        api = _api(user).get(_api_marks(ev))
        assert page.status_code == 200 and api.status_code == 200
        return note in page.content.decode(), note in api.content.decode()

    # Both still writing: each sees their own note only.
    assert sees(ev.lead, LEAD_NOTE) == (True, True)
    assert sees(ev.lead, SECOND_NOTE) == (False, False)
    assert sees(ev.second, LEAD_NOTE) == (False, False)
    assert _api(ev.lead).get(_api_marks(ev)).json()["others_visible"] is False

    # The lead submits: the second reviewer's sheet is still being written, so still hidden from
    # the lead; and the second reviewer still sees nothing of the lead's.
    services.mark_sheet_submit(lot=ev.lot, by=ev.lead)
    assert sees(ev.lead, SECOND_NOTE) == (False, False)
    assert sees(ev.second, LEAD_NOTE) == (False, False)
    grid = _client(ev.lead).get(_moderation_url(ev))
    assert SECOND_NOTE not in grid.content.decode()
    api_grid = _api(ev.lead).get(f"/api/v1/review/lots/{ev.lot.pk}/moderation/")
    assert api_grid.status_code == 200 and SECOND_NOTE not in api_grid.content.decode()

    # The second reviewer submits: now each sees the other's marks and comments.
    services.mark_sheet_submit(lot=ev.lot, by=ev.second)
    assert sees(ev.second, LEAD_NOTE) == (True, True)
    assert sees(ev.lead, SECOND_NOTE) == (True, True)
    body = _api(ev.second).get(_api_marks(ev)).json()
    joint = next(b for b in body["bids"] if b["entry"] == ev.joint.pk)
    q1 = next(c for c in joint["cells"] if c["question"] == ev.q1.pk)
    assert q1["mark"] == 6 and [(o["mark"], o["comment"]) for o in q1["others"]] == [(8, LEAD_NOTE)]


def test_sheet_shows_the_bids_answer_and_says_an_outside_bid_has_none(ev):
    page = _client(ev.second).get(_marks_url(ev)).content.decode()
    assert ANSWER_1 in page
    assert "The bid gave no answer to this question." in page  # question 2 of the joint bid
    assert "This bid was made outside the system: its answers are not held here." in page
    for cell in (f"mark-{ev.external.pk}-{ev.q2.pk}", f"comment-{ev.joint.pk}-{ev.q1.pk}"):
        assert f'<label class="govuk-label" for="{cell}">' in page and f'id="{cell}"' in page
    body = _api(ev.second).get(_api_marks(ev)).json()
    external = next(b for b in body["bids"] if b["entry"] == ev.external.pk)
    assert external["external"] is True and all(c["answer"] is None for c in external["cells"])
    joint = next(b for b in body["bids"] if b["entry"] == ev.joint.pk)
    assert joint["intact"] is True and joint["cells"][0]["answer"] == ANSWER_1


# --- saving and submitting ------------------------------------------------------------------------

def test_submit_refuses_an_incomplete_sheet_and_lists_what_is_missing(ev):
    services.mark_sheet_save(lot=ev.lot, by=ev.second, marks={(ev.joint.pk, ev.q1.pk): (5, "")})
    with pytest.raises(DomainError) as refused:
        services.mark_sheet_submit(lot=ev.lot, by=ev.second)
    message = str(refused.value.message)
    joint_name = ev.joint.bidder_name
    assert f"{joint_name}: question 2" in message and "Solo Care Ltd: question 1, 2" in message
    assert MarkSheet.objects.get(lot=ev.lot, reviewer=ev.second).submitted_at is None

    response = _client(ev.second).post(_marks_url(ev), {"action": "submit"})
    assert response.status_code == 200
    assert "Solo Care Ltd: question 1, 2" in response.content.decode()
    assert MarkSheet.objects.get(lot=ev.lot, reviewer=ev.second).submitted_at is None
    assert _api(ev.second).post(f"/api/v1/review/lots/{ev.lot.pk}/marks/submit/").status_code == 400


def test_submitting_seals_the_sheet_and_is_idempotent(ev):
    services.mark_sheet_save(lot=ev.lot, by=ev.second, marks=_marks(ev, (6, 7), (4, 6)))
    sheet = services.mark_sheet_submit(lot=ev.lot, by=ev.second)
    sealed_at = sheet.submitted_at
    assert services.mark_sheet_submit(lot=ev.lot, by=ev.second).submitted_at == sealed_at
    with pytest.raises(DomainError, match="sealed"):
        services.mark_sheet_save(lot=ev.lot, by=ev.second, marks={(ev.joint.pk, ev.q1.pk): (9, "")})
    assert QualityMark.objects.get(sheet=sheet, entry=ev.joint, question=ev.q1).mark == 6
    response = _api(ev.second).post(_api_marks(ev), {"marks": [
        {"entry": ev.joint.pk, "question": ev.q1.pk, "mark": 9}]}, format="json")
    assert response.status_code == 409 and "sealed" in str(response.json())
    page = _client(ev.second).get(_marks_url(ev)).content.decode()
    assert 'name="mark-' not in page  # read only


def test_out_of_range_mark_is_a_field_error_and_changes_nothing(ev):
    services.mark_sheet_save(lot=ev.lot, by=ev.second, marks={(ev.joint.pk, ev.q1.pk): (5, "first")})
    bad = f"mark-{ev.external.pk}-{ev.q2.pk}"
    with pytest.raises(services.MarksRefused) as refused:
        services.mark_sheet_save(lot=ev.lot, by=ev.second, marks={
            (ev.joint.pk, ev.q1.pk): (7, "changed"), (ev.external.pk, ev.q2.pk): (11, "")})
    assert refused.value.field == bad
    assert str(refused.value.message) == ("Solo Care Ltd, question 2: the mark must be a whole number from 0 "
                                          "to 10.")
    row = QualityMark.objects.get(sheet__reviewer=ev.second, entry=ev.joint, question=ev.q1)
    assert (row.mark, row.comment) == (5, "first")  # all or nothing
    assert QualityMark.objects.filter(sheet__reviewer=ev.second).count() == 1

    # The page: the error summary links to the input, which keeps what was typed.
    response = _client(ev.second).post(_marks_url(ev), {
        "action": "save", f"mark-{ev.joint.pk}-{ev.q1.pk}": "7", bad: "11",
        f"mark-{ev.joint.pk}-{ev.q2.pk}": "x"})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    message = "Solo Care Ltd, question 2: the mark must be a whole number from 0 to 10."
    assert f'<a href="#{bad}">{message}</a>' in page
    assert f'href="#mark-{ev.joint.pk}-{ev.q2.pk}"' in page  # "x" is not a number: its own error
    assert f'id="{bad}" name="{bad}" type="text" inputmode="numeric" spellcheck="false" autocomplete="off" ' \
           f'value="11"' in page
    assert QualityMark.objects.get(sheet__reviewer=ev.second, entry=ev.joint, question=ev.q1).mark == 5

    # The API: 400 with the problem under the input's name, nothing changed.
    for mark in (-1, 11, "seven"):
        response = _api(ev.second).post(_api_marks(ev), {"marks": [
            {"entry": ev.joint.pk, "question": ev.q1.pk, "mark": 6},
            {"entry": ev.external.pk, "question": ev.q2.pk, "mark": mark}]}, format="json")
        assert response.status_code == 400
        if mark != "seven":  # not a number: DRF's own message on the list item
            assert bad in response.json()
    assert QualityMark.objects.get(sheet__reviewer=ev.second, entry=ev.joint, question=ev.q1).mark == 5


def test_a_comment_needs_a_mark_and_a_cleared_mark_is_removed(ev):
    cell = (ev.joint.pk, ev.q1.pk)
    with pytest.raises(services.MarksRefused, match="give a mark with your comment"):
        services.mark_sheet_save(lot=ev.lot, by=ev.second, marks={cell: ("", "a thought")})
    services.mark_sheet_save(lot=ev.lot, by=ev.second, marks={cell: ("4", "ok")})
    services.mark_sheet_save(lot=ev.lot, by=ev.second, marks={cell: ("", "")})
    assert not QualityMark.objects.filter(sheet__reviewer=ev.second).exists()


def test_marks_from_another_lot_are_refused(ev):
    other = cf.lot(ev.tender, number=2, questions=1)
    with pytest.raises(services.MarksRefused, match="choose a bid and a question of this lot"):
        services.mark_sheet_save(lot=ev.lot, by=ev.second,
                                 marks={(ev.joint.pk, other.questions.get().pk): (3, "")})


def test_web_save_then_submit(ev):
    client = _client(ev.second)
    data = {"action": "save"}
    for (entry_id, question_id), (mark, comment) in _marks(ev, (6, 7), (4, 6), SECOND_NOTE).items():
        data[f"mark-{entry_id}-{question_id}"] = str(mark)
        data[f"comment-{entry_id}-{question_id}"] = comment
    response = client.post(_marks_url(ev), data)
    assert response.status_code == 302
    sheet = MarkSheet.objects.get(lot=ev.lot, reviewer=ev.second)
    assert sheet.submitted_at is None and sheet.marks.count() == 4
    response = client.post(_marks_url(ev), {**data, "action": "submit"})
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.submitted_at is not None
    assert sheet.history.first().history_user == ev.second  # audit


def test_empty_post_shows_an_error_and_makes_no_sheet(ev):
    response = _client(ev.second).post(_marks_url(ev), {})
    assert response.status_code == 200 and "No marks were sent" in response.content.decode()
    assert not MarkSheet.objects.filter(reviewer=ev.second).exists()


# --- moderation -----------------------------------------------------------------------------------

def test_moderation_waits_for_every_sheet_and_is_for_the_lead_only(ev):
    services.mark_sheet_save(lot=ev.lot, by=ev.lead, marks=_marks(ev, (8, 6), (5, 5)))
    services.mark_sheet_submit(lot=ev.lot, by=ev.lead)
    with pytest.raises(DomainError, match="Still to submit: Rhian Evans"):
        services.mark_moderate(entry=ev.joint, question=ev.q1, mark=7, reason="Agreed.", by=ev.lead)
    response = _api(ev.lead).post(f"/api/v1/review/lots/{ev.lot.pk}/moderation/", {
        "entry": ev.joint.pk, "question": ev.q1.pk, "mark": 7, "reason": "Agreed."}, format="json")
    assert response.status_code == 400 and "Rhian Evans" in str(response.json())
    assert not ModeratedMark.objects.exists()

    services.mark_sheet_save(lot=ev.lot, by=ev.second, marks=_marks(ev, (6, 7), (4, 6)))
    services.mark_sheet_submit(lot=ev.lot, by=ev.second)
    with pytest.raises(DomainError, match="lead reviewer"):
        services.mark_moderate(entry=ev.joint, question=ev.q1, mark=7, reason="Agreed.", by=ev.second)
    with pytest.raises(DomainError, match="lead reviewer"):
        services.social_value_score_set(entry=ev.joint, percent="50", reason="Fine.", by=ev.second)
    assert _client(ev.second).get(_moderation_url(ev)).status_code == 403
    assert _api(ev.second).get(f"/api/v1/review/lots/{ev.lot.pk}/moderation/").status_code == 403
    assert _api(ev.second).post(f"/api/v1/review/lots/{ev.lot.pk}/social-value/", {
        "entry": ev.joint.pk, "percent": "50", "reason": "x"}, format="json").status_code == 403
    assert not ModeratedMark.objects.exists() and not SocialValueScore.objects.exists()

    row = services.mark_moderate(entry=ev.joint, question=ev.q1, mark=7, reason="Median of 8 and 6.",
                                 by=ev.lead)
    assert (row.mark, row.moderated_by) == (7, ev.lead)
    again = services.mark_moderate(entry=ev.joint, question=ev.q1, mark=8, reason="Evidence of outcomes.",
                                   by=ev.lead)
    assert again.pk == row.pk and ModeratedMark.objects.count() == 1
    history = list(again.history.order_by("history_date").values_list("mark", "reason", "history_user_id"))
    assert history == [(7, "Median of 8 and 6.", ev.lead.pk), (8, "Evidence of outcomes.", ev.lead.pk)]


def test_moderation_refuses_bad_input_with_field_errors(ev):
    _submit_all(ev)
    for mark, reason, field in ((11, "Too high.", "mark"), (-1, "Negative.", "mark"), ("x", "Word.", "mark"),
                                (None, "Blank.", "mark"), (5, "  ", "reason")):
        with pytest.raises(DomainError) as refused:
            services.mark_moderate(entry=ev.joint, question=ev.q1, mark=mark, reason=reason, by=ev.lead)
        assert refused.value.field == field
    for percent, reason, field in (("101", "x", "percent"), ("-1", "x", "percent"), ("lots", "x", "percent"),
                                   ("12.345", "x", "percent"), ("50", "", "reason")):
        with pytest.raises(DomainError) as refused:
            services.social_value_score_set(entry=ev.joint, percent=percent, reason=reason, by=ev.lead)
        assert refused.value.field == field
    assert not ModeratedMark.objects.exists() and not SocialValueScore.objects.exists()


def test_a_round_social_value_percent_reads_as_written_in_the_workings(ev):
    _submit_all(ev)
    services.social_value_score_set(entry=ev.joint, percent="60", reason="Clear measures.", by=ev.lead)
    page = _client(ev.lead).get(_moderation_url(ev)).content.decode()
    assert "60% × " in page and "E+" not in page  # not "6E+1%"


def test_moderation_page_saves_all_or_nothing(ev):
    _submit_all(ev)
    client = _client(ev.lead)
    page = client.get(_moderation_url(ev)).content.decode()
    assert LEAD_NOTE in page and SECOND_NOTE in page
    assert "Suggested: 7" in page  # joint q1: 8 and 6, median 7
    good, bad = f"{ev.joint.pk}-{ev.q1.pk}", f"{ev.joint.pk}-{ev.q2.pk}"
    response = client.post(_moderation_url(ev), {
        f"agreed-{good}": "7", f"reason-{good}": "Median.",
        f"agreed-{bad}": "12", f"reason-{bad}": "Too many.",
        f"sv-{ev.joint.pk}": "80", f"sv_reason-{ev.joint.pk}": ""})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert f'href="#agreed-{bad}"' in page and f'href="#sv_reason-{ev.joint.pk}"' in page
    assert not ModeratedMark.objects.exists() and not SocialValueScore.objects.exists()

    response = client.post(_moderation_url(ev), {
        f"agreed-{good}": "7", f"reason-{good}": "Median.", f"sv-{ev.joint.pk}": "80",
        f"sv_reason-{ev.joint.pk}": "Specific, measurable commitments."})
    assert response.status_code == 302
    assert ModeratedMark.objects.get().mark == 7
    assert SocialValueScore.objects.get().percent == Decimal("80.00")
    # Sent again unchanged: nothing new in the history.
    client.post(_moderation_url(ev), {f"agreed-{good}": "7", f"reason-{good}": "Median."})
    assert ModeratedMark.objects.get().history.count() == 1


def test_agreed_marks_start_with_the_suggested_median_which_the_moderator_may_change(ev):
    _submit_all(ev)
    client = _client(ev.lead)
    page = client.get(_moderation_url(ev)).content.decode()
    q1, q2 = f"{ev.joint.pk}-{ev.q1.pk}", f"{ev.joint.pk}-{ev.q2.pk}"
    solo_q1, solo_q2 = f"{ev.external.pk}-{ev.q1.pk}", f"{ev.external.pk}-{ev.q2.pk}"
    # Joint q1: 8 and 6, median 7; q2: 6 and 7, median 6.5, suggested 7; Solo Care: 5 and 4, 5 and 6.
    for name, suggested in ((q1, 7), (q2, 7), (solo_q1, 5), (solo_q2, 6)):
        assert f'id="agreed-{name}" name="agreed-{name}" type="text" inputmode="numeric" ' \
               f'spellcheck="false" autocomplete="off" value="{suggested}"' in page
    # The page sent back as it came, with a reason for q1 and q2 changed to 8: those two are
    # agreed; the boxes left at their suggestion without a reason agree nothing yet.
    response = client.post(_moderation_url(ev), {
        f"agreed-{q1}": "7", f"reason-{q1}": "The median.", f"agreed-{q2}": "8",
        f"reason-{q2}": "Outcomes well evidenced.", f"agreed-{solo_q1}": "5", f"reason-{solo_q1}": "",
        f"agreed-{solo_q2}": "6", f"reason-{solo_q2}": ""})
    assert response.status_code == 302
    agreed = {(m.entry_id, m.question_id): m.mark for m in ModeratedMark.objects.all()}
    assert agreed == {(ev.joint.pk, ev.q1.pk): 7, (ev.joint.pk, ev.q2.pk): 8}
    page = client.get(_moderation_url(ev)).content.decode()
    assert f'name="agreed-{q2}" type="text" inputmode="numeric" spellcheck="false" autocomplete="off" ' \
           f'value="8"' in page


def test_agreed_marks_and_social_value_drive_the_lot_scores(ev):
    """Price 50, quality 40, social value 10; two questions of 10 marks; one band of 100 hours.
    Joint bid £40.00, Solo Care £36.00 (the lowest)."""
    before = {s.key: s for s in lot_scores(ev.lot)}
    joint, solo = before[entry_key(ev.joint)], before[entry_key(ev.external)]
    # Price only so far: 36 / 40 x 50 = 45.00 and 36 / 36 x 50 = 50.00.
    assert (joint.price_score, joint.total, solo.price_score, solo.total) == (
        Decimal("45.00"), Decimal("45.00"), Decimal("50.00"), Decimal("50.00"))
    assert set(joint.missing) == {f"question:{ev.q1.pk}", f"question:{ev.q2.pk}", "social_value"}

    _submit_all(ev)
    api = _api(ev.lead)
    url = f"/api/v1/review/lots/{ev.lot.pk}/"
    for entry, question, mark in ((ev.joint, ev.q1, 8), (ev.joint, ev.q2, 6), (ev.external, ev.q1, 5),
                                  (ev.external, ev.q2, 5)):
        response = api.post(url + "moderation/", {"entry": entry.pk, "question": question.pk, "mark": mark,
                                                  "reason": "Agreed at the panel meeting."}, format="json")
        assert response.status_code == 200, response.json()
    for entry, percent in ((ev.joint, "80"), (ev.external, "25")):
        response = api.post(url + "social-value/", {
            "entry": entry.pk, "percent": percent, "reason": "Against the criteria."}, format="json")
        assert response.status_code == 200, response.json()

    # Joint: 45.00 + 14/20 x 40 = 28.00 + 80% x 10 = 8.00 -> 81.00.
    # Solo: 50.00 + 10/20 x 40 = 20.00 + 25% x 10 = 2.50 -> 72.50.
    scores = {s["name"]: s for s in response.json()["scores"]}
    joint, solo = scores[ev.joint.bidder_name], scores["Solo Care Ltd"]
    assert (joint["quality_score"], joint["social_value_score"], joint["total"], joint["rank"]) == (
        "28.00", "8.00", "81.00", 1)
    assert (solo["quality_score"], solo["social_value_score"], solo["total"], solo["rank"]) == (
        "20.00", "2.50", "72.50", 2)
    assert joint["missing"] == [] and joint["entry"] == ev.joint.pk

    # Re-moderating question 2 of the joint bid to 2: 10/20 x 40 = 20.00 -> 73.00, still first.
    services.mark_moderate(entry=ev.joint, question=ev.q2, mark=2, reason="Outcomes not evidenced.",
                           by=ev.lead)
    after = {s.key: s for s in lot_scores(ev.lot)}
    assert after[entry_key(ev.joint)].total == Decimal("73.00") and after[entry_key(ev.joint)].rank == 1
    page = _client(ev.lead).get(_moderation_url(ev)).content.decode()
    assert "73.00" in page and "72.50" in page
    assert "lowest £36.00 ÷ this £40.00 × 50 = 45.00" in page


# --- access ---------------------------------------------------------------------------------------

def test_who_may_open_the_marking_pages(ev, world):
    urls = [_marks_url(ev), _moderation_url(ev)]
    api_urls = [_api_marks(ev), f"/api/v1/review/lots/{ev.lot.pk}/moderation/"]
    for persona in ("member_a", "coordinator", "board", "reviewer_other", "coordinator_other"):
        user = world.user(persona)
        for url in urls:
            assert _client(user).get(url).status_code == 404, (persona, url)
        for url in api_urls:
            assert _api(user).get(url).status_code == 404, (persona, url)
        assert _api(user).post(_api_marks(ev), {"marks": [
            {"entry": ev.joint.pk, "question": ev.q1.pk, "mark": 3}]}, format="json").status_code == 404
    # A reviewer of the council who is not on the panel: 403 (they may know the lot exists).
    outsider = UserFactory(username="reviewer-three", role=Role.COUNCIL_REVIEWER, consortium=None,
                           council=world.council)
    assert _client(outsider).get(urls[0]).status_code == 403
    assert _api(outsider).get(api_urls[0]).status_code == 403
    with pytest.raises(DomainError, match="panel"):
        services.mark_sheet_save(lot=ev.lot, by=outsider, marks={(ev.joint.pk, ev.q1.pk): (3, "")})
    assert not QualityMark.objects.exists()
    # The lead on both pages.
    for url in urls:
        assert _client(ev.lead).get(url).status_code == 200


def test_marks_cannot_change_once_the_tender_leaves_evaluation(ev):
    _submit_all(ev)
    Tender.objects.filter(pk=ev.tender.pk).update(status=TenderStatus.CANCELLED)
    with pytest.raises(DomainError, match="in evaluation"):
        services.mark_moderate(entry=ev.joint, question=ev.q1, mark=7, reason="Agreed.", by=ev.lead)
    with pytest.raises(DomainError, match="in evaluation"):
        services.social_value_score_set(entry=ev.joint, percent="50", reason="Fine.", by=ev.lead)
    page = _client(ev.lead).get(_moderation_url(ev)).content.decode()
    assert 'name="agreed-' not in page and 'name="sv-' not in page


def test_marking_pages_cost_a_fixed_number_of_queries(ev, django_assert_max_num_queries):
    _submit_all(ev)
    client, api = _client(ev.lead), _api(ev.lead)
    client.get(_marks_url(ev))  # the session is read and saved on the first request
    pages = [(client, _marks_url(ev), 20), (client, _moderation_url(ev), 22), (api, _api_marks(ev), 14),
             (api, f"/api/v1/review/lots/{ev.lot.pk}/moderation/", 18)]
    for c, url, most in pages:
        with django_assert_max_num_queries(most):
            assert c.get(url).status_code == 200


# --- races (PostgreSQL, real threads: SQLite does not lock rows) ------------------------------------



@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_reviewer_saving_from_two_tabs_at_once_keeps_one_sheet_and_one_mark(ev, monkeypatch):
    import time

    clean = services._clean_marks

    def slow_clean(*args, **kwargs):  # widen the window between reading the sheet and writing it
        time.sleep(0.3)
        return clean(*args, **kwargs)

    monkeypatch.setattr(services, "_clean_marks", slow_clean)
    cell = (ev.joint.pk, ev.q1.pk)
    # The sheet exists (another cell is marked): both tabs would find the cell empty and insert it.
    services.mark_sheet_save(lot=ev.lot, by=ev.second, marks={(ev.joint.pk, ev.q2.pk): (5, "")})
    errors = run_together([
        lambda: services.mark_sheet_save(lot=ev.lot, by=ev.second, marks={cell: (4, "tab one")}),
        lambda: services.mark_sheet_save(lot=ev.lot, by=ev.second, marks={cell: (6, "tab two")}),
    ])
    assert errors == []
    assert MarkSheet.objects.filter(lot=ev.lot, reviewer=ev.second).count() == 1
    (mark,) = QualityMark.objects.filter(sheet__reviewer=ev.second, question=ev.q1)
    assert (mark.mark, mark.comment) in {(4, "tab one"), (6, "tab two")}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_racing_the_submit_never_changes_a_sealed_sheet(ev):
    services.mark_sheet_save(lot=ev.lot, by=ev.second, marks=_marks(ev, (6, 7), (4, 6)))
    errors = run_together([
        lambda: services.mark_sheet_submit(lot=ev.lot, by=ev.second),
        lambda: services.mark_sheet_save(lot=ev.lot, by=ev.second,
                                         marks={(ev.joint.pk, ev.q1.pk): (1, "late")}),
    ])
    sheet = MarkSheet.objects.get(lot=ev.lot, reviewer=ev.second)
    late = QualityMark.objects.get(sheet=sheet, entry=ev.joint, question=ev.q1)
    assert sheet.submitted_at is not None
    if errors:  # the submit came first: the save was refused, the sealed mark unchanged
        assert [str(e.message) for e in errors if isinstance(e, DomainError)] and "sealed" in str(errors[0])
        assert late.mark == 6
        assert late.history.filter(history_date__gt=sheet.submitted_at).count() == 0
    else:  # the save came first, then the submit sealed it
        assert late.mark == 1
        assert late.history.latest("history_date").history_date <= sheet.submitted_at
