import datetime as dt
import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from consortium.celery import app as celery_app
from consortium.errors import DomainError
from consortium.models import Role, User
from contracts import demo as contracts_demo
from contracts.bidding.selectors.bids import bids_visible_to
from contracts.bidding.services import bids as bid_services
from contracts.bidding.services.submission import verify
from contracts.delivery.services import invoices as invoice_services
from contracts.delivery.services import payments as payment_services
from contracts.delivery.services import returns as return_services
from contracts.evaluation.services import award as award_services
from contracts.evaluation.services import scoring as scoring_services
from contracts.models import (
    Allocation,
    AllocationStatus,
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Contract,
    ContractStatus,
    ContractVersion,
    CouncilPayment,
    DeliveryReturn,
    Entry,
    Invitation,
    InvitationStatus,
    Invoice,
    InvoiceStatus,
    MemberResponse,
    PanelMember,
    PaymentRun,
    PaymentRunStatus,
    Remittance,
    ResponseStatus,
    ReturnStatus,
    Tender,
    TenderStatus,
)
from contracts.tendering.selectors.tenders import tenders_visible_to
from members import demo as members_demo
from members import governance
from members.models import (
    BallotStatus,
    CapacityDeclaration,
    CIWRegistration,
    ComplianceDocument,
    MemberCoop,
    MembershipStatus,
)
from members.selectors import member_indicators
from outcomes.models import (
    CIWInspection,
    CommitmentProgress,
    LivingWageRate,
    MemberGovernanceReport,
    OutcomeResult,
    OutcomeReview,
    PayBand,
    PeriodReport,
    TrackedCommitment,
)
from pricing.models import CostSubmission, RateCard
from tests.shared_rows import rows_for_the_module

# The demo is seeded once for the module (about 10 s); each test reads it in a savepoint of its
# own, rolled back at its end, so what one test's requests write (sessions, logins) no other sees.
pytestmark = pytest.mark.django_db

LOGINS = ["coordinator", "board", "member-a", "member-b", "reviewer", "reviewer-2", "reviewer-other",
          "coordinator-hafren", "member-hafren"]


def _counts():
    return (
        MemberCoop.objects.count(),
        CapacityDeclaration.objects.count(),
        ComplianceDocument.objects.count(),
        User.objects.count(),
        Tender.objects.count(),
        Bid.objects.count(),
        Entry.objects.count(),
        Invitation.objects.count(),
        Allocation.objects.count(),
        MemberResponse.objects.count(),
        CostSubmission.objects.count(),
        Contract.objects.count(),
        DeliveryReturn.objects.count(),
        Invoice.objects.count(),
        CouncilPayment.objects.count(),
        Remittance.objects.count(),
        PaymentRun.objects.count(),
        RateCard.objects.count(),
        TrackedCommitment.objects.count(),
        CommitmentProgress.objects.count(),
        PeriodReport.objects.count(),
        PayBand.objects.count(),
        OutcomeReview.objects.count(),
        OutcomeResult.objects.count(),
        CIWInspection.objects.count(),
        MemberGovernanceReport.objects.count(),
        LivingWageRate.objects.count(),
        TrackedCommitment.history.count(),
        CommitmentProgress.history.count(),
        OutcomeReview.history.count(),
    )


@pytest.fixture(scope="module")
def _seeded(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            call_command("seed_demo", stdout=io.StringIO())
        yield


@pytest.fixture(autouse=True)
def _demo(_seeded, db):
    """Every test here starts on the demo as ``manage.py seed_demo`` leaves it."""


def test_seed_demo_is_idempotent_and_gives_every_documented_login(client):
    first = _counts()  # after the module's first seed_demo
    assert first[0] > 0
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    for username in LOGINS:
        response = client.post("/accounts/login/", {"username": username, "password": "gofal-demo-2026"})
        assert response.status_code == 302 and response.url == "/dashboard/", username
        client.post("/accounts/logout/")


def test_seed_demo_builds_a_realistic_welsh_consortium():
    coops = list(MemberCoop.objects.filter(consortium__name=members_demo.CONSORTIUM_NAME)
                 .prefetch_related("stakeholders", "councils_served"))
    assert 10 <= len(coops) <= 14
    regions = {c.regional_partnership_board for coop in coops for c in coop.councils_served.all()}
    assert len(regions) >= 2
    assert any(member_indicators(c).user_led for c in coops)
    assert any(c.social_coop_type == "B" and member_indicators(c).meets_type_b_threshold for c in coops)
    assert {c.coop_type for c in coops} >= {"worker", "multi_stakeholder", "consumer"}
    assert MemberCoop.objects.filter(status=MembershipStatus.APPLICANT).exists()
    volumes = [d.declared_volume for d in CapacityDeclaration.objects.filter(is_current=True)]
    assert min(volumes) >= 1 and max(volumes) <= 500
    today = timezone.localdate()
    soon = today + dt.timedelta(days=30)
    assert ComplianceDocument.objects.filter(expires_on__gte=today, expires_on__lte=soon).count() == 1
    # One member's employer's liability insurance has expired: compliance gating shows it.
    [lapsed] = ComplianceDocument.objects.filter(expires_on__lt=today).select_related("coop")
    assert (lapsed.coop.trading_name, lapsed.doc_type) == (members_demo.LAPSED, "employers_liability")
    reviewers = User.objects.filter(role=Role.COUNCIL_REVIEWER)
    assert reviewers.values("council").distinct().count() == 2


def test_seed_demo_has_a_published_tender_and_a_joint_bid_in_progress(client):
    tender = Tender.objects.get(reference=contracts_demo.REFERENCE)
    assert (tender.council.code, tender.status, tender.recorded_by_consortium) == (
        "GB-CRF", TenderStatus.PUBLISHED, None)
    assert timezone.now() + dt.timedelta(days=14) < tender.submission_deadline < (
        timezone.now() + dt.timedelta(days=42))
    assert sorted(tender.lots.values_list("number", "service_type__code")) == [
        (1, "domiciliary-support"), (2, "supported-living")]

    bid = Bid.objects.get(tender=tender, consortium__name=members_demo.CONSORTIUM_NAME)
    assert (bid.tender, bid.status, bid.consortium.name, bid.strategy) == (
        tender, BidStatus.DRAFT, "Cwlwm Care Consortium", "lowest_cost")
    answers = {(i.bid_lot.lot.number, i.coop.trading_name): i.status
               for i in Invitation.objects.filter(bid_lot__bid=bid).select_related("bid_lot__lot", "coop")}
    assert answers == {
        (1, "Gofal Taf"): InvitationStatus.OPTED_IN, (1, "Bro Homecare"): InvitationStatus.OPTED_IN,
        (2, "Gofal Taf"): InvitationStatus.OPTED_IN}
    allocated = set(Allocation.objects.filter(bid_lot__bid=bid, status=AllocationStatus.PROPOSED)
                    .values_list("bid_lot__lot__number", "coop__trading_name"))
    assert allocated == {(1, "Gofal Taf"), (1, "Bro Homecare"), (2, "Gofal Taf")}
    assert set(MemberResponse.objects.filter(bid=bid).values_list("coop__trading_name", "status")) == {
        ("Gofal Taf", ResponseStatus.PENDING), ("Bro Homecare", ResponseStatus.PENDING)}

    # Each login sees its part: the coordinator the matrix, the member its work, the reviewer
    # the tender and no bid.
    client.force_login(User.objects.get(username="coordinator"))
    page = client.get(f"/bids/{bid.pk}/allocation/")
    assert page.status_code == 200 and "Gofal Taf" in page.content.decode()
    # Llais offers lot 2's service in Cardiff, but its insurance has lapsed: not invited, and why.
    page = client.get(f"/bids/{bid.pk}/").content.decode().replace("&#x27;", "'")
    left_out = page[page.index('data-not-invited="2"'):]
    assert "Llais" in left_out[:left_out.index("</table>")]  # its trading name
    assert "Employer's liability insurance expired on" in left_out[:left_out.index("</table>")]
    client.force_login(User.objects.get(username="member-a"))
    page = client.get("/bids/work/").content.decode()
    assert tender.reference in page and "Accept this work" in page and "Bro Homecare" not in page
    reviewer = User.objects.get(username="reviewer")
    assert set(tenders_visible_to(reviewer)) == {
        tender, contracts_demo.evaluation_tender(), contracts_demo.delivery_contract().lot.tender,
        *(contracts_demo.stage_tender(stage) for stage, _weeks, _until, _spec in contracts_demo.STAGES)}
    assert not bids_visible_to(reviewer).filter(tender=tender).exists()
    client.force_login(reviewer)
    assert client.get(f"/tenders/{tender.pk}/").status_code == 200
    assert client.get(f"/bids/{bid.pk}/").status_code == 404
    assert client.get("/bids/").status_code == 403


def test_seed_demo_has_a_tender_in_evaluation_with_a_sealed_joint_bid_and_a_panel(client):
    tender = contracts_demo.evaluation_tender()
    assert tender.status == TenderStatus.IN_EVALUATION
    assert tender.submission_deadline < timezone.now() and timezone.localdate() < tender.contract_start
    bid = Bid.objects.get(tender=tender)
    submission = bid.submissions.get()
    # Submitted before the deadline, as the reviewers' pages require, and intact.
    assert bid.status == BidStatus.SUBMITTED and submission.submitted_at < tender.submission_deadline
    assert verify(submission)
    (lot_data,) = submission.snapshot["lots"]
    assert sorted(m["trading_name"] for m in lot_data["members"]) == ["Bro Homecare", "Gofal Taf"]
    assert len(lot_data["quality_answers"]) == 2 and len(submission.snapshot["social_value"]) == 1
    assert sorted((p.reviewer.username, p.is_lead) for p in PanelMember.objects.filter(tender=tender)) == [
        ("reviewer", True), ("reviewer-2", False)]
    assert Entry.objects.filter(lot__tender=tender).count() == 2  # the joint bid and the outside one

    # The second reviewer marks on the page; the Swansea reviewer sees nothing of it.
    lot = tender.lots.get()
    client.force_login(User.objects.get(username="reviewer-2"))
    page = client.get(f"/review/lots/{lot.pk}/marks/").content.decode()
    assert "Capital Homecare Services Ltd" in page and "Cwlwm Care Consortium" in page
    client.force_login(User.objects.get(username="reviewer-other"))
    assert client.get(f"/review/tenders/{tender.pk}/").status_code == 404


def test_seed_demo_has_a_second_consortium_bidding_for_the_same_tender(client):
    """Two consortia compete for the Cardiff tender; neither sees the other's members or bid."""
    tender = Tender.objects.get(reference=contracts_demo.REFERENCE)
    ours = Bid.objects.get(tender=tender, consortium__name=members_demo.CONSORTIUM_NAME)
    theirs = Bid.objects.get(tender=tender, consortium__name=members_demo.OTHER_CONSORTIUM_NAME)
    coordinator = User.objects.get(username="coordinator-hafren")
    member = User.objects.get(username="member-hafren")
    assert (coordinator.role, coordinator.consortium, member.role) == (
        Role.COORDINATOR, theirs.consortium, Role.MEMBER)
    assert member.member_link.coop.consortium == theirs.consortium
    assert sorted(theirs.bid_lots.values_list("lot__number", flat=True)) == [1]
    allocated = Allocation.objects.filter(bid_lot__bid=theirs).values_list("coop__trading_name", flat=True)
    assert set(allocated) == {"Gofal Hafren"}
    assert CostSubmission.objects.filter(coop__consortium=theirs.consortium).exists()

    assert set(bids_visible_to(coordinator)) == {theirs}
    assert set(bids_visible_to(User.objects.get(username="coordinator"))) >= {ours}
    assert theirs not in set(bids_visible_to(User.objects.get(username="coordinator")))
    client.force_login(coordinator)
    assert client.get(f"/bids/{theirs.pk}/allocation/").status_code == 200
    assert client.get(f"/bids/{ours.pk}/").status_code == 404
    page = client.get("/members/").content.decode()
    assert "Gofal Hafren" in page and "Gofal Taf" not in page
    client.force_login(member)
    page = client.get("/bids/work/").content.decode()
    assert tender.reference in page and "Gofal Taf" not in page


def test_seed_demo_has_a_live_contract_with_returns_invoices_payments_and_an_uplift(client):
    """After ``make run`` a newcomer finds every step after the contract: three periods of
    members' returns accepted and sealed, the first invoice paid and its money paid on to the
    members by a run, the second paid in part, the third with a line the council queried, later
    periods waiting for returns, and the April uplift agreed with the council."""
    contract = contracts_demo.delivery_contract()
    assert contract.status == ContractStatus.ACTIVE and contract.start < timezone.localdate()
    assert sorted(contract.subcontracts.values_list("coop__trading_name", flat=True)) == [
        "Bro Homecare", "Gofal Taf"]
    returns = DeliveryReturn.objects.filter(subcontract__contract=contract, status=ReturnStatus.ACCEPTED)
    assert returns.count() == 6 and set(returns.values_list("period", flat=True)) == set(
        contract.periods.order_by("start").values_list("pk", flat=True)[:3])
    assert all(len(r.seal) == 64 for r in returns)
    first, second, third = Invoice.objects.filter(contract=contract).order_by("number")
    assert (first.status, second.status, third.status) == (
        InvoiceStatus.PAID, InvoiceStatus.PART_PAID, InvoiceStatus.QUERIED)
    assert third.queries.filter(answered_at__isnull=True, line__isnull=False).count() == 1
    # Every payment is shared out to the penny, and the first one's money is paid on.
    for payment in CouncilPayment.objects.filter(invoice__contract=contract):
        assert sum(r.amount for r in payment.remittances.all()) + payment.fee == payment.amount
    run = PaymentRun.objects.get(consortium=contract.consortium)
    assert run.status == PaymentRunStatus.DONE
    assert set(Remittance.objects.filter(run=run).values_list("payment__invoice", flat=True)) == {first.pk}
    assert not Remittance.objects.filter(payment__invoice=second, run__isnull=False).exists()
    # The uplift: a rate version in force from 1 April, splitting the period that spans it.
    uplift = contract.versions.get(kind=ContractVersion.Kind.RATE)
    assert (uplift.effective_from.month, uplift.effective_from.day) == (4, 1)
    assert contract.periods.filter(start=uplift.effective_from).exists()
    # Each login sees its part.
    client.force_login(User.objects.get(username="member-a"))
    page = client.get("/payments/owed/").content.decode()
    assert contract.lot.tender.reference in page
    client.force_login(User.objects.get(username="reviewer"))
    page = client.get(f"/invoices/{third.pk}/").content.decode()
    assert "Gofal Taf" not in page and "Bro Homecare" not in page
    client.force_login(User.objects.get(username="coordinator"))
    assert client.get(f"/contracts/{contract.pk}/returns/").status_code == 200
    assert client.get("/payments/ledger/").status_code == 200


# --- the outcomes of the live contract and of the member co-ops (outcomes.demo) ---------------

def _financial_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _quarter(day: dt.date) -> tuple[int, int]:
    """The UK financial year's quarter of a day (Q1 April to June), worked out here anew."""
    return _financial_year(day), {4: 1, 5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 10: 3, 11: 3, 12: 3}.get(day.month, 4)


def test_seed_demo_tracks_the_live_contracts_commitments_for_two_quarters_one_behind():
    """Every social value commitment of the awarded bid is tracked on the contract, some answered
    by a member delivering it, some by the consortium; each has progress in the contract's first
    two quarters; the lunch club's volunteering, alone, is behind: less delivered than the promise
    pro rata to the end of the last completed quarter."""
    contract = contracts_demo.delivery_contract()
    promised = contract.award.entry.submission.bid.social_value.all()
    tracked = list(TrackedCommitment.objects.filter(contract=contract).select_related("coop"))
    assert len(promised) >= 3 and {t.source_id for t in tracked} == {c.pk for c in promised}
    delivering = set(contract.subcontracts.values_list("coop_id", flat=True))
    assert any(t.coop_id is None for t in tracked)
    answering = {t.coop_id for t in tracked if t.coop_id}
    assert answering and answering <= delivering
    first = _quarter(contract.start)
    second = (first[0], first[1] + 1) if first[1] < 4 else (first[0] + 1, 1)
    for commitment in tracked:
        quarters = sorted((p.financial_year, p.quarter) for p in commitment.progress.all())
        assert quarters == [first, second], commitment.measure
        assert all(p.account.strip() and p.recorded_by_id for p in commitment.progress.all())
    today = timezone.localdate()
    quarter_began = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)  # calendar = financial
    term = (contract.end - contract.start).days + 1
    elapsed = Decimal((quarter_began - contract.start).days) / term
    assert elapsed > 0
    behind = [t.measure for t in tracked if sum(p.done for p in t.progress.all()) < t.promised * elapsed]
    assert behind == ["Hours volunteered by members at the Grangetown community lunch club"]


def test_seed_demo_reports_each_return_with_its_workforce_and_pseudonymous_reviews():
    """Each return of the live contract has its period report (registered within workers), its
    pay bands (Bro Homecare's partly below the Real Living Wage of the year, Gofal Taf's not), and
    outcome reviews by pseudonymous reference: Gofal Taf at least five in each quarter, so the
    consortium's rates are shown, Bro Homecare fewer, so its own are suppressed."""
    contract = contracts_demo.delivery_contract()
    returns = list(DeliveryReturn.objects.filter(subcontract__contract=contract, status=ReturnStatus.ACCEPTED)
                   .select_related("subcontract__coop", "period"))
    assert len(returns) == 6
    below: Counter = Counter()
    reviews: Counter = Counter()
    for ret in returns:
        name = ret.subcontract.coop.trading_name
        report = PeriodReport.objects.get(delivery_return=ret)
        assert 0 < report.care_workers_registered <= report.care_workers
        living_wage = LivingWageRate.objects.get(financial_year=_financial_year(ret.period.end)).hourly_rate
        bands = list(report.pay_bands.all())
        assert bands and all(b.hours > 0 for b in bands)
        below[name] += sum(b.hours for b in bands if b.hourly_rate < living_wage)
        for review in OutcomeReview.objects.filter(delivery_return=ret):
            assert re.fullmatch(r"[A-Z]{2}-\d{4}", review.reference)
            assert ret.period.start <= review.reviewed_on <= ret.period.end
            assert review.results.exists()
            reviews[name, _quarter(ret.period.end)] += 1
    assert below["Bro Homecare"] > 0 and below["Gofal Taf"] == 0
    quarters = {_quarter(ret.period.end) for ret in returns}
    for quarter in quarters:
        assert reviews["Gofal Taf", quarter] >= 5
        assert 0 < reviews["Bro Homecare", quarter] < 5
    results = OutcomeResult.objects.filter(review__delivery_return__in=returns)
    assert results.values("result").distinct().count() == 3  # met, partly met and not met


def test_seed_demo_rates_every_members_services_and_misses_one_governance_report():
    """Every active member of Cwlwm has a CIW inspection of each service it is registered for,
    within the last three years, linking to CIW (not to an invented report); each member but one
    has reported its governance for the last financial year, with its AGM in that year; at least
    five members contribute each, so a member sees them compared."""
    members = MemberCoop.objects.filter(consortium__name=members_demo.CONSORTIUM_NAME,
                                        status=MembershipStatus.ACTIVE)
    today = timezone.localdate()
    registered = set(CIWRegistration.objects.filter(coop__in=members)
                     .values_list("coop_id", "service_type_id"))
    inspected = CIWInspection.objects.filter(coop__in=members)
    assert set(inspected.values_list("coop_id", "service_type_id")) == registered
    assert len({coop for coop, _ in registered}) >= 5
    for inspection in inspected:
        assert today - dt.timedelta(days=3 * 365) <= inspection.inspected_on < today
        assert inspection.report_url == "https://www.careinspectorate.wales/"
        assert inspection.well_being and inspection.care_and_support and inspection.leadership
    last_year = _financial_year(today) - 1
    reports = MemberGovernanceReport.objects.filter(coop__in=members, financial_year=last_year)
    assert reports.count() == members.count() - 1 >= 5
    for report in reports:
        assert _financial_year(report.agm_held_on) == last_year
        assert report.workers_who_are_members <= report.workers and report.members > 0


# --- a step to take now at every stage of a joint bid's life (issue 16, item 15) ----------------

def _user(username: str) -> User:
    return User.objects.get(username=username)


def _stage_bid(stage: str) -> Bid:
    return Bid.objects.get(tender=contracts_demo.stage_tender(stage),
                           consortium__name=members_demo.CONSORTIUM_NAME)


def test_seed_demo_has_a_bid_the_board_member_votes_on_now_and_the_coordinator_then_submits(client):
    bid = _stage_bid(contracts_demo.APPROVAL)
    board = _user("board")
    assert bid.status == BidStatus.AWAITING_APPROVAL and bid.tender.submission_deadline > timezone.now()
    assert bid.ballot.status == BallotStatus.OPEN and governance.is_entitled(board, bid.ballot)
    assert not bid.ballot.votes.filter(voter=board).exists()

    client.force_login(board)
    page = client.get(f"/bids/{bid.pk}/").content.decode()
    assert f"/governance/ballots/{bid.ballot_id}/" in page
    assert 'name="choice"' in client.get(f"/governance/ballots/{bid.ballot_id}/").content.decode()
    assert client.post(f"/governance/ballots/{bid.ballot_id}/vote/", {"choice": "for"}).status_code == 302
    bid.refresh_from_db()
    assert bid.status == BidStatus.APPROVED

    client.force_login(_user("coordinator"))
    client.post(f"/bids/{bid.pk}/submit/", {"confirm": "yes"})
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED and verify(bid.submissions.get())


def test_seed_demo_has_an_approved_bid_the_coordinator_submits_now_sealed_from_the_council(client):
    bid = _stage_bid(contracts_demo.SUBMISSION)
    assert bid.status == BidStatus.APPROVED and bid.tender.submission_deadline > timezone.now()
    client.force_login(_user("coordinator"))
    assert "Submit the bid" in client.get(f"/bids/{bid.pk}/").content.decode()
    client.post(f"/bids/{bid.pk}/submit/", {"confirm": "yes"})
    bid.refresh_from_db()
    submission = bid.submissions.get()
    assert bid.status == BidStatus.SUBMITTED and verify(submission)
    assert submission.sha256 in client.get(f"/bids/{bid.pk}/snapshot/").content.decode()
    client.force_login(_user("reviewer"))  # sealed until the deadline
    assert client.get(f"/bids/{bid.pk}/").status_code == 404


def test_seed_demo_has_members_answering_and_marking_open_now():
    bid = Bid.objects.get(tender__reference=contracts_demo.REFERENCE,
                          consortium__name=members_demo.CONSORTIUM_NAME)
    member = _user("member-a")
    response = MemberResponse.objects.get(bid=bid, coop=member.member_link.coop)
    assert bid_services.response_accept(response=response, by=member).status == ResponseStatus.ACCEPTED

    lot = contracts_demo.evaluation_tender().lots.get()
    entry = Entry.objects.filter(lot=lot).order_by("pk").first()
    question = lot.questions.order_by("number").first()
    sheet = scoring_services.mark_sheet_save(lot=lot, by=_user("reviewer-2"),
                                             marks={(entry.pk, question.pk): (14, "Clear and specific.")})
    assert sheet.submitted_at is None and sheet.marks.get().mark == 14


def test_seed_demo_has_an_award_in_standstill_and_one_whose_standstill_has_ended_to_confirm_now(client):
    """The reviewer confirms the award past its standstill on its page, and the contract and both
    members' sub-contracts are made; the other award's standstill still runs, and it cannot be."""
    today = timezone.localdate()
    running = Award.objects.get(lot__tender=contracts_demo.stage_tender(contracts_demo.STANDSTILL))
    assert running.status == AwardStatus.STANDSTILL and running.standstill_ends >= today
    ended = Award.objects.get(lot__tender=contracts_demo.stage_tender(contracts_demo.CONFIRMATION))
    assert ended.status == AwardStatus.STANDSTILL and ended.standstill_ends < today
    assert not Contract.objects.filter(award__in=[running, ended]).exists()

    reviewer = _user("reviewer")
    client.force_login(reviewer)
    assert "Confirm the award" not in client.get(f"/review/lots/{running.lot_id}/award/").content.decode()
    with pytest.raises(DomainError):
        award_services.award_confirm(award=running, by=reviewer)
    assert "Confirm the award" in client.get(f"/review/lots/{ended.lot_id}/award/").content.decode()
    assert client.post(f"/review/lots/{ended.lot_id}/award/confirm/", {"confirm": "yes"}).status_code == 302
    ended.refresh_from_db()
    assert ended.status == AwardStatus.CONFIRMED
    contract = Contract.objects.get(award=ended)
    assert sorted(contract.subcontracts.values_list("coop__trading_name", flat=True)) == [
        "Bro Homecare", "Gofal Taf"]
    client.force_login(_user("coordinator"))
    assert client.get(f"/contracts/{contract.pk}/").status_code == 200


def test_seed_demo_has_a_return_to_submit_and_one_to_check_an_invoice_to_answer_and_money_to_record():
    contract = contracts_demo.delivery_contract()
    returns = DeliveryReturn.objects.filter(subcontract__contract=contract)
    draft = returns.get(status=ReturnStatus.DRAFT)
    assert draft.subcontract.coop.trading_name == "Bro Homecare"
    assert return_services.return_submit(ret=draft, by=_user("member-b")).status == ReturnStatus.SUBMITTED
    submitted = returns.get(status=ReturnStatus.SUBMITTED, subcontract__coop__trading_name="Gofal Taf")
    coordinator = _user("coordinator")
    assert return_services.return_accept(ret=submitted, by=coordinator).status == ReturnStatus.ACCEPTED

    queried = Invoice.objects.get(contract=contract, status=InvoiceStatus.QUERIED)
    query = queried.queries.get(answered_at__isnull=True)
    invoice_services.invoice_query_answer(query=query, answer="The visits are in the returns' files.",
                                          by=coordinator)
    queried.refresh_from_db()
    assert queried.status == InvoiceStatus.ISSUED
    accepted = invoice_services.invoice_accept(invoice=queried, by=_user("reviewer"))
    assert accepted.status == InvoiceStatus.ACCEPTED

    part_paid = Invoice.objects.get(contract=contract, status=InvoiceStatus.PART_PAID)
    rest = part_paid.total - sum(p.amount for p in part_paid.payments.all())
    payment_services.payment_record(invoice=part_paid, reference="CDF-PAY-REST", amount=rest,
                                    paid_on=timezone.localdate(), by=coordinator)
    part_paid.refresh_from_db()
    assert part_paid.status == InvoiceStatus.PAID
    run = payment_services.payment_run_start(consortium=contract.consortium, pay_on=timezone.localdate(),
                                             by=coordinator)
    payment_services.payment_run_execute(run_id=run.pk)
    assert Remittance.objects.filter(run=run, payment__invoice=part_paid).exists()


# --- time-driven steps: the beat schedule that `make run` runs --------------------------------

def test_every_task_of_the_beat_schedule_is_a_task_the_celery_app_knows():
    """Beat sends a name it does not know to the broker, where in the demo (no broker) nothing
    runs it: every name in the schedule must be a registered task, found as beat finds them."""
    celery_app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert len(names) == len(settings.CELERY_BEAT_SCHEDULE) >= 7
    assert names <= set(celery_app.tasks), names - set(celery_app.tasks)


def test_the_beat_confirms_the_demos_award_past_its_standstill_and_leaves_the_other():
    """What the newcomer sees happen within the hour when nobody confirms it by hand."""
    celery_app.loader.import_default_modules()
    [name] = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values() if "confirm_awards" in e["task"]]
    assert celery_app.tasks[name].apply().get() == 1
    ended = Award.objects.get(lot__tender=contracts_demo.stage_tender(contracts_demo.CONFIRMATION))
    running = Award.objects.get(lot__tender=contracts_demo.stage_tender(contracts_demo.STANDSTILL))
    assert (ended.status, running.status) == (AwardStatus.CONFIRMED, AwardStatus.STANDSTILL)
    assert Contract.objects.get(award=ended).subcontracts.count() == 2


def test_seed_demo_prints_a_step_at_each_stage_whose_page_opens_for_its_login(client):
    out = io.StringIO()
    call_command("seed_demo", "--url", "http://127.0.0.1:8017/", stdout=out)
    text = out.getvalue()
    assert "Sign in at http://127.0.0.1:8017/" in text
    listed = text[text.index("A step to take now at each stage"):text.index("Sign in at")]
    steps = re.findall(r"^  (\S+) +(.+): (/\S*)$", listed, flags=re.MULTILINE)
    assert {login for login, _what, _page in steps} == {"member-a", "coordinator", "board", "reviewer-2",
                                                        "reviewer", "member-b"}
    assert len(steps) == 11
    for login, what, page in steps:
        client.force_login(_user(login))
        assert client.get(page).status_code == 200, (login, what, page)
