"""Load the demo (idempotent): the member register part (``members.demo``), governance
(``governance.demo``), tenders, joint bids and the live contract (``contracts.demo``), then what
happened under that contract and in the member co-ops (``outcomes.demo``). The command lives in
outcomes, the top app, because it is the one app that may use all the others."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from consortium.models import Council
from contracts import demo as contracts_demo
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


class Command(BaseCommand):
    help = ("Load the demo consortium, council tenders, joint bids and a live contract with its "
            "outcomes (idempotent).")

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
        self.stdout.write("Sign in at http://127.0.0.1:8000/ with one of these demo logins:")
        for username, what in DEMO_LOGINS:
            self.stdout.write(f"  {username:<20} {what}")
        self.stdout.write(f"  password for all: {members_demo.DEMO_PASSWORD}")
        self.stdout.write("")
