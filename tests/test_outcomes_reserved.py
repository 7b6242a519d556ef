"""Reserved contracts (Procurement Act 2023, sections 32 and 33): each test's verdict on
constructed records (outcomes/reserved.py, pure), the tender form's refusal of a section 33
reservation for a term over five years, and who sees a reserved tender's evidence page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.demo import EVALUATION
from contracts.models import Award, Contract, Reservation, Tender, TenderStatus
from governance.evidence import add_months
from members.models import CoopType, LegalForm, SocialCoopType, StakeholderKind
from outcomes import reserved as r
from outcomes.demo.reserved import seed
from outcomes.selectors.reserved import reserved_evidence, reserved_tender_get_for_user
from tests import contracts_factories as cf
from tests import factories as f
from tests.builders import evaluated_lot, live_contract

MET, NOT_MET, UNDECIDED = r.Verdict.MET, r.Verdict.NOT_MET, r.Verdict.CANNOT_DECIDE


def worker_coop(name="Worker Co-op", **fields) -> r.Member:
    values = {"name": name, "legal_form": LegalForm.COOPERATIVE_SOCIETY, "coop_type": CoopType.WORKER,
              "workers_vote_share": Decimal("100"), "users_vote_share": Decimal("0"),
              "total_workers": 20, "services": ("Domiciliary support",)}
    values.update(fields)
    return r.Member(**values)


def user_led_coop(name="User-led Co-op", **fields) -> r.Member:
    values = {"name": name, "coop_type": CoopType.USER_LED, "workers_vote_share": Decimal("0"),
              "users_vote_share": Decimal("100"), "total_workers": 15}
    values.update(fields)
    return r.Member(**values)


# --- section 33(1): the term ---------------------------------------------------------------------

def test_a_term_of_five_years_is_met_and_a_day_longer_is_not():
    start = dt.date(2027, 4, 1)
    five_years = r.term_test(start, dt.date(2032, 4, 1))
    assert five_years.verdict == MET
    assert "light touch" in five_years.message
    longer = r.term_test(start, dt.date(2032, 4, 2))
    assert longer.verdict == NOT_MET
    assert "1 Apr 2032" in longer.message  # the latest end it could have


# --- section 33(6)(a) and (b) -------------------------------------------------------------------

def test_the_purpose_is_never_decided_from_the_register_but_its_evidence_is_shown():
    bidder = r.Bidder("Consortium", members=(worker_coop(), worker_coop("Second", services=("Day care",))),
                      contracts_held=("Cardiff: CDF-1, Lot 1",))
    finding = r.purpose_test(bidder)
    assert finding.verdict == UNDECIDED
    evidence = {e.code: e.value for e in finding.evidence}
    assert evidence["services"] == ["Day care", "Domiciliary support"]
    assert evidence["contracts_held"] == ["Cardiff: CDF-1, Lot 1"]


@pytest.mark.parametrize(("legal_form", "verdict"), [
    (LegalForm.COOPERATIVE_SOCIETY, MET),
    (LegalForm.CIC, MET),
    (LegalForm.CLG, UNDECIDED),  # the articles decide
    (LegalForm.OTHER, UNDECIDED),
    (None, UNDECIDED),  # a consortium: its own legal form is not in the register
])
def test_profits_are_decided_only_where_the_legal_form_settles_it(legal_form, verdict):
    bidder = r.Bidder("Bidder", members=(worker_coop(),), legal_form=legal_form)
    assert r.profits_test(bidder).verdict == verdict


# --- section 33(6)(c): management and control of its employees ------------------------------------

def test_control_is_met_only_where_workers_hold_every_vote_and_every_board_seat():
    members = (worker_coop("A"), worker_coop("B"))
    assert r.control_test(r.Bidder("C", members=members, board_seats={CoopType.WORKER: 5})).verdict == MET
    # One seat held by another class's nominee: not settled.
    mixed = r.control_test(r.Bidder("C", members=members,
                                    board_seats={CoopType.WORKER: 4, CoopType.MULTI_STAKEHOLDER: 1}))
    assert mixed.verdict == UNDECIDED
    assert mixed.params["seats"] == 4 and mixed.params["all_seats"] == 5
    # No board recorded: not settled either.
    assert r.control_test(r.Bidder("C", members=members)).verdict == UNDECIDED


def test_a_consortium_of_user_led_coops_is_not_under_the_control_of_its_employees():
    bidder = r.Bidder("Users' consortium", members=(user_led_coop("A"), user_led_coop("B")),
                      board_seats={CoopType.USER_LED: 5})
    finding = r.control_test(bidder)
    assert finding.verdict == NOT_MET
    assert finding.reason == "others_hold_majority"
    assert {e.code: e.value for e in finding.evidence}["user_led_members"] == ["A", "B"]


def test_control_is_not_decided_where_members_record_no_stakeholder_classes():
    bidder = r.Bidder("C", members=(worker_coop("A"), worker_coop("B", workers_vote_share=None)),
                      board_seats={CoopType.WORKER: 3})
    finding = r.control_test(bidder)
    assert finding.verdict == UNDECIDED
    assert (finding.params["low"], finding.params["high"]) == (Decimal("50.0"), Decimal("100.0"))


def test_the_rules_weighting_by_class_counts_in_the_workers_share():
    members = (worker_coop("A"), user_led_coop("B"), user_led_coop("C"))
    one_each = r.control_test(r.Bidder("C", members=members))
    assert one_each.verdict == NOT_MET  # workers hold a third of the votes
    weighted = r.control_test(r.Bidder("C", members=members,
                                       class_weights={CoopType.WORKER: 80, CoopType.USER_LED: 20}))
    assert weighted.verdict == UNDECIDED  # workers hold 80%, but user-led members: never met
    assert weighted.reason == "user_led_members"


MEMBER = st.builds(
    r.Member, name=st.text(min_size=1, max_size=5),
    coop_type=st.sampled_from(CoopType.values),
    workers_vote_share=st.none() | st.decimals(0, 100, places=0),
    users_vote_share=st.none() | st.decimals(0, 100, places=0),
)


@settings(max_examples=15, deadline=None)
@given(others=st.lists(MEMBER, max_size=4), seats=st.dictionaries(st.sampled_from(CoopType.values),
                                                                   st.integers(0, 5), max_size=3),
       weights=st.dictionaries(st.sampled_from(CoopType.values), st.integers(1, 100), max_size=3),
       led_by=st.sampled_from([CoopType.USER_LED, CoopType.CONSUMER]))
def test_control_is_never_met_for_a_bidder_with_a_member_led_by_service_users(others, seats, weights, led_by):
    members = (*others, r.Member("Led by the people it serves", coop_type=led_by,
                                 workers_vote_share=Decimal("100")))
    bidder = r.Bidder("C", members=members, board_seats=seats, class_weights=weights)
    assert r.control_test(bidder).verdict != MET


# --- section 33(5): no comparable contract in the three years ending with the award -------------

AWARD_DAY = dt.date(2027, 6, 15)


def before(years: int, days: int) -> dt.date:
    return add_months(AWARD_DAY, -12 * years) - dt.timedelta(days=days)


def test_a_comparable_contract_two_years_and_364_days_before_the_award_is_within_the_three_years():
    finding = r.comparable_test([r.Comparable("CDF-1, Lot 1", before(2, 364))], AWARD_DAY)
    assert finding.verdict == NOT_MET
    assert finding.params["reference"] == "CDF-1, Lot 1"


def test_a_comparable_contract_three_years_and_a_day_before_the_award_is_outside_them():
    for day in (before(3, 1), before(3, 0)):  # the period ends with the award day: 3 years back is out
        finding = r.comparable_test([r.Comparable("CDF-1, Lot 1", day)], AWARD_DAY)
        assert finding.verdict == MET, day
        assert "outside this system are not known" in finding.message


def test_no_comparable_contract_says_the_records_are_this_systems_only():
    finding = r.comparable_test([], AWARD_DAY)
    assert finding.verdict == MET
    assert finding.params == {"award_day": "15 Jun 2027", "since": "16 Jun 2024"}


# --- section 32(4): supported employment providers -----------------------------------------------

TYPE_B = SocialCoopType.B


@pytest.mark.parametrize(("members", "verdict", "reason"), [
    ((worker_coop(social_coop_type=TYPE_B, total_workers=10, disadvantaged_workers=4),
      worker_coop("Other", total_workers=10)), UNDECIDED, "supported_share_partial"),  # 4 of 20
    ((worker_coop(social_coop_type=TYPE_B, total_workers=10, disadvantaged_workers=3),), MET,
     "supported_share_met"),
    ((worker_coop(social_coop_type=TYPE_B, total_workers=10, disadvantaged_workers=2),), NOT_MET,
     "supported_share_below"),
    ((worker_coop(social_coop_type=TYPE_B, total_workers=10, disadvantaged_workers=2),
      worker_coop("Type A", social_coop_type=SocialCoopType.A, total_workers=10)), UNDECIDED,
     "supported_share_partial"),
    ((worker_coop(total_workers=10, disadvantaged_workers=5),), UNDECIDED, "supported_purpose_not_recorded"),
    ((worker_coop(total_workers=0),), UNDECIDED, "no_workforce"),
])
def test_supported_employment(members, verdict, reason):
    finding = r.supported_test(r.Bidder("B", members=members))
    assert (finding.verdict, finding.reason) == (verdict, reason)


def test_only_the_members_taking_part_count_in_the_combined_workforce():
    members = (worker_coop("In", social_coop_type=TYPE_B, total_workers=10, disadvantaged_workers=4),
               worker_coop("Out", social_coop_type=TYPE_B, total_workers=90, performs=False))
    finding = r.supported_test(r.Bidder("B", members=members))
    assert finding.verdict == MET and finding.params["share"] == Decimal("40.0")


def test_a_bid_from_outside_the_system_has_no_records_and_no_verdict():
    found = r.findings("s33", None, AWARD_DAY)
    assert [f.test for f in found] == list(r.S33_TESTS)
    assert {f.reason for f in found} == {"no_records"}
    assert r.overall(found) == UNDECIDED


def test_the_overall_verdict():
    met = r.Finding(r.Test.PROFITS, MET, "legal_form_settles", {"form": "x"})
    undecided = r.Finding(r.Test.PURPOSE, UNDECIDED, "purpose_not_recorded")
    not_met = r.Finding(r.Test.CONTROL, NOT_MET, "others_hold_majority", {"share": 0})
    assert r.overall([met]) == MET
    assert r.overall([met, undecided]) == UNDECIDED
    assert r.overall([met, undecided, not_met]) == NOT_MET


def test_every_test_quotes_the_act():
    assert r.QUOTES[r.Test.CONTROL][1] == "is under the management and control of its employees."
    assert "has a maximum term of five years or less" in r.QUOTES[r.Test.TERM][1]
    assert "at least 30 per cent of the workforce" in r.QUOTES[r.Test.SUPPORTED][1]


# --- the tender form -----------------------------------------------------------------------------

def _form(world, **fields) -> dict:
    deadline = timezone.localtime() + dt.timedelta(days=30)
    values = {"council": world.council.pk, "reference": "S2W-RES-1", "title": "Reserved home care",
              "procedure": "light_touch", "reserved": Reservation.MUTUALS,
              "submission_deadline": deadline.strftime("%Y-%m-%dT12:00"),
              "contract_start": "2027-04-01", "contract_end": "2032-03-31"}
    values.update(fields)
    return values


@pytest.mark.django_db
def test_the_form_refuses_a_section_33_reservation_for_a_term_over_five_years(world, client_for):
    client = client_for("reviewer")
    response = client.post(reverse("tender-create"), _form(world, contract_end="2032-04-02"))
    assert response.status_code == 200
    assert "a maximum term of five years or less" in response.content.decode()
    assert response.context["form"].errors["reserved"]
    assert not Tender.objects.filter(reference="S2W-RES-1").exists()


@pytest.mark.django_db
def test_the_form_records_a_reservation_and_the_tender_page_shows_it(world, client_for):
    client = client_for("reviewer")
    response = client.post(reverse("tender-create"), _form(world, contract_end="2032-04-01"))
    tender = Tender.objects.get(reference="S2W-RES-1")
    assert response.status_code == 302 and tender.reserved == Reservation.MUTUALS
    page = client.get(reverse("tender-detail", args=[tender.pk])).content.decode()
    assert "Reserved for public service mutuals (Procurement Act 2023, section 33)" in page
    # The council's link to the bidders' evidence comes with the deadline, as the bids do.
    assert reverse("reserved-evidence", args=[tender.pk]) not in page


@pytest.mark.django_db
def test_the_api_refuses_a_long_reserved_term_by_field(world, api_for):
    deadline = timezone.now() + dt.timedelta(days=30)
    response = api_for("reviewer").post("/api/v1/tenders/", {
        "council": world.council.pk, "reference": "S2W-RES-2", "title": "Reserved",
        "procedure": "light_touch",
        "reserved": "s33", "submission_deadline": deadline.isoformat(), "contract_start": "2027-04-01",
        "contract_end": "2033-03-31"}, format="json")
    assert response.status_code == 400
    assert "reserved" in str(response.json())
    assert not Tender.objects.filter(reference="S2W-RES-2").exists()


# --- who sees the evidence -----------------------------------------------------------------------

@pytest.mark.django_db
def test_before_the_deadline_a_consortium_checks_its_own_bid_and_the_council_sees_nothing(world, client_for):
    tender = cf.tender(world.council, reserved=Reservation.MUTUALS)
    cf.lot(tender)
    bid = cf.bid(world.consortium, tender, by=world.user("coordinator"))
    url = reverse("reserved-evidence", args=[tender.pk])
    assert url in client_for("coordinator").get(reverse("bid-detail", args=[bid.pk])).content.decode()
    for persona in ("coordinator", "board"):
        page = client_for(persona).get(url)
        assert page.status_code == 200
        assert world.consortium.name in page.content.decode()
    assert client_for("reviewer").get(url).status_code == 404  # no bid is seen before the deadline
    assert client_for("coordinator_other").get(url).status_code == 404  # no bid of its own
    assert client_for("member_a").get(url).status_code == 403
    assert client_for("anonymous").get(url).status_code == 302


@pytest.mark.django_db
def test_after_the_deadline_the_council_sees_every_bidder_and_a_consortium_only_its_own(world, client_for):
    ev = evaluated_lot(world, scored=False, rival=True)
    Tender.objects.filter(pk=ev.tender.pk).update(reserved=Reservation.MUTUALS)
    url = reverse("reserved-evidence", args=[ev.tender.pk])
    assert url in client_for("reviewer").get(reverse("tender-detail", args=[ev.tender.pk])).content.decode()
    assert url in client_for("reviewer").get(reverse("review-tender", args=[ev.tender.pk])).content.decode()
    council = client_for("reviewer").get(url).content.decode()
    for name in (world.consortium.name, world.consortium_other.name, "Solo Care Ltd"):
        assert name in council
    assert "no register, governance or contract records of this bidder" in council
    theirs = client_for("coordinator_other").get(url)
    assert theirs.status_code == 200
    assert world.consortium_other.name in theirs.content.decode()
    assert world.consortium.name not in theirs.content.decode()
    assert "Solo Care Ltd" not in theirs.content.decode()
    assert client_for("reviewer_other").get(url).status_code == 404


@pytest.mark.django_db
def test_a_consortium_of_user_led_members_is_never_shown_as_employee_controlled(world):
    ev = evaluated_lot(world, scored=False)
    Tender.objects.filter(pk=ev.tender.pk).update(reserved=Reservation.MUTUALS)
    for coop in (world.coop_a, world.coop_b):
        type(coop).objects.filter(pk=coop.pk).update(coop_type=CoopType.USER_LED)
        f.StakeholderClassFactory(coop=coop, kind=StakeholderKind.SERVICE_USERS, vote_share=Decimal("100"))
    page = reserved_evidence(reserved_tender_get_for_user(world.user("reviewer"), ev.tender.pk))
    ours = next(b for b in page.lots[0].bidders if not b.external)
    control = next(f for f in ours.findings if f.test == r.Test.CONTROL)
    assert control.verdict == NOT_MET
    assert page.term.verdict == MET  # the builder's contract runs three years


@pytest.mark.django_db
def test_a_comparable_contract_in_the_records_is_found(world):
    contract = live_contract(world)
    Tender.objects.filter(pk=contract.lot.tender_id).update(reserved=Reservation.MUTUALS)
    Award.objects.filter(pk=contract.award_id).update(confirmed_at=timezone.now() - dt.timedelta(days=400))
    tender = cf.tender(world.council, reserved=Reservation.MUTUALS, status=TenderStatus.PUBLISHED)
    cf.lot(tender, service_type=contract.lot.service_type)
    cf.bid(world.consortium, tender, by=world.user("coordinator"))
    page = reserved_evidence(reserved_tender_get_for_user(world.user("coordinator"), tender.pk))
    finding = next(f for f in page.lots[0].bidders[0].findings if f.test == r.Test.COMPARABLE)
    assert finding.verdict == NOT_MET
    assert finding.params["reference"].startswith(contract.lot.tender.reference)
    # The same contract under a tender that was not reserved is not comparable (s.33(7)(c)).
    Tender.objects.filter(pk=contract.lot.tender_id).update(reserved=Reservation.NONE)
    page = reserved_evidence(reserved_tender_get_for_user(world.user("coordinator"), tender.pk))
    finding = next(f for f in page.lots[0].bidders[0].findings if f.test == r.Test.COMPARABLE)
    assert finding.verdict == MET
    assert Contract.objects.filter(pk=contract.pk).exists()


@pytest.mark.django_db
def test_the_demo_reserves_its_tender_in_evaluation_once(world):
    assert seed(None) is None  # no demo tender: nothing done
    tender = cf.tender(world.council, reference=EVALUATION["reference"])
    assert seed(None).pk == tender.pk
    tender.refresh_from_db()
    assert tender.reserved == Reservation.MUTUALS
    versions = tender.history.count()
    seed(None)
    assert tender.history.count() == versions  # once
