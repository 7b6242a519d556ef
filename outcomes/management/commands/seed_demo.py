"""Load the demo (idempotent): the member register part (``members.demo``), governance
(``governance.demo``), tenders, joint bids, the live contract and a tender at each later stage of
a bid (``contracts.demo``), then what happened under that contract and in the member co-ops
(``outcomes.demo``). The command lives in outcomes, the top app, because it is the one app that
may use all the others. It ends with the logins and a step to take now at each stage."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from consortium.models import Council
from contracts import demo as contracts_demo
from contracts.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Contract,
    DeliveryReturn,
    Invoice,
    InvoiceStatus,
    ReturnStatus,
    TenderStatus,
)
from governance import demo as governance_demo
from members import demo as members_demo
from members.models import MemberCoop
from outcomes import demo as outcomes_demo

DEMO_LOGINS = [
    ("coordinator", "consortium coordinator: register, capacity, pricing; the joint bid for "
                    "Cardiff with its allocation matrix"),
    ("board", "board member: register, indicators, pooled capacity, bids (no member's costs); votes"),
    ("member-a", "member co-op user of Gofal Taf: own profile, capacity, costs; work proposed "
                 "in the Cardiff bid"),
    ("member-b", "member co-op user of Bro Homecare (insurance expiring this month); work proposed"),
    ("reviewer", "council reviewer, Cardiff: its published tender (no sight of the bid in progress); "
                 "leads the evaluation of the tender whose deadline has passed: mark, moderate, award"),
    ("reviewer-2", "council reviewer, Cardiff: on that evaluation's panel, marks independently"),
    ("reviewer-other", "council reviewer, Swansea"),
    ("coordinator-hafren", "coordinator of a second consortium (Hafren Care Consortium), bidding "
                           "for the same Cardiff tender: sees nothing of Cwlwm's"),
    ("member-hafren", "member co-op user of Gofal Hafren, Hafren's member; work proposed in its bid"),
    ("applicant", "a co-op applying to join Cwlwm (Llais y Cwm, user-led): its application only"),
    ("admin", "staff admin: back office at /admin/"),
]


def stage_steps(bid: Bid | None, contract: Contract) -> list[tuple[str, str, str]]:
    """Each stage of a joint bid's life with an object in the demo: who can act on it now, what
    they can do and on which page. A stage the demo has moved past since it was loaded (an award
    the beat confirmed, a return submitted) is left out."""
    steps = []
    if bid is not None and bid.status == BidStatus.DRAFT:
        reference = bid.tender.reference
        steps += [("member-a", f"accept or decline the work proposed in {reference}", "/bids/work/"),
                  ("coordinator", f"allocate, price and send {reference} to the board", f"/bids/{bid.pk}/")]
    for stage, status, login, what in (
        (contracts_demo.APPROVAL, BidStatus.AWAITING_APPROVAL, "board", "vote on the bid for"),
        (contracts_demo.SUBMISSION, BidStatus.APPROVED, "coordinator", "submit (seal) the bid for"),
    ):
        staged = Bid.objects.filter(tender=contracts_demo.stage_tender(stage), status=status).first()
        if staged is not None:  # the board votes on the ballot's page, linked from the bid's
            where = f"/governance/ballots/{staged.ballot_id}/" if login == "board" else f"/bids/{staged.pk}/"
            steps.append((login, f"{what} {staged.tender.reference}", where))
    evaluated = contracts_demo.evaluation_tender()
    if evaluated is not None and evaluated.status == TenderStatus.IN_EVALUATION:
        lot = evaluated.lots.order_by("number").first()
        steps.append(("reviewer-2", f"mark the bids for {evaluated.reference}",
                      f"/review/lots/{lot.pk}/marks/"))
    for stage, what in (
        (contracts_demo.STANDSTILL, "award in its standstill: cancel it, or let it run"),
        (contracts_demo.CONFIRMATION, "standstill over: confirm the award, and the contract is made"),
    ):
        award = Award.objects.filter(lot__tender=contracts_demo.stage_tender(stage),
                                     status=AwardStatus.STANDSTILL).select_related("lot__tender").first()
        if award is not None:
            steps.append(("reviewer", f"{award.lot.tender.reference}, {what}",
                          f"/review/lots/{award.lot_id}/award/"))
    returns = DeliveryReturn.objects.filter(subcontract__contract=contract)
    if returns.filter(status=ReturnStatus.DRAFT).exists():
        steps.append(("member-b", "submit Bro Homecare's return", "/contracts/returns/"))
    if returns.filter(status=ReturnStatus.SUBMITTED).exists():
        steps.append(("coordinator", "check Gofal Taf's return", f"/contracts/{contract.pk}/returns/"))
    for status, login, what in (
        (InvoiceStatus.QUERIED, "coordinator", "answer the council's query (reviewer: accept) on invoice"),
        (InvoiceStatus.PART_PAID, "coordinator", "record the rest of the payment of invoice"),
    ):
        invoice = Invoice.objects.filter(contract=contract, status=status).order_by("number").first()
        if invoice is not None:
            steps.append((login, f"{what} {invoice.number}", f"/invoices/{invoice.pk}/"))
    return steps


class Command(BaseCommand):
    help = ("Load the demo consortium, council tenders, joint bids and a live contract with its "
            "outcomes (idempotent).")

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/",
                            help="Where the demo is served, for the sign-in line.")

    @transaction.atomic
    def handle(self, *args, **options):
        demo = members_demo.seed()
        governance = governance_demo.seed(demo)
        bid = contracts_demo.seed(demo, members_demo.seed_other())
        cardiff = Council.objects.get(code=contracts_demo.COUNCIL)
        contract = contracts_demo.seed_delivery_contract(demo, cardiff)
        contracts_demo.seed_delivery(demo, contract)
        contracts_demo.seed_stages(demo, cardiff)
        outcomes_demo.seed(demo)

        count = MemberCoop.objects.filter(consortium=demo.consortium).count()
        self.stdout.write(self.style.SUCCESS(f"Demo ready: {demo.consortium.name}, {count} member co-ops."))
        if bid is not None:
            self.stdout.write(f"Joint bid in progress: {bid.tender} (/bids/{bid.pk}/).")
        self.stdout.write(f"Live contract: {contract} (/contracts/{contract.pk}/).")
        agm = governance.agm
        self.stdout.write(f"General meeting called: {agm} (/governance/meetings/{agm.pk}/).")
        evaluated = contracts_demo.evaluation_tender()
        if evaluated is not None:
            self.stdout.write(f"In evaluation: {evaluated} (/review/tenders/{evaluated.pk}/).")
        self.stdout.write("")
        self.stdout.write("A step to take now at each stage (login: what, where):")
        for login, what, where in stage_steps(bid, contract):
            self.stdout.write(f"  {login:<12} {what}: {where}")
        self.stdout.write("")
        self.stdout.write(f"Sign in at {options['url']} with one of these demo logins:")
        for username, what in DEMO_LOGINS:
            self.stdout.write(f"  {username:<20} {what}")
        self.stdout.write(f"  password for all: {members_demo.DEMO_PASSWORD}")
        self.stdout.write("")
