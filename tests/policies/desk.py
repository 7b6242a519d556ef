"""Policies of the desk: the dashboard (what needs each person) and the sections' hub pages.

A hub lists the section's pages the person may open; a section with none of them for the
person answers 404 (there is nothing of it for them to know), a visitor is sent to sign in."""

from tests.policies import Policy, personas

REVIEWERS = {"reviewer": 404, "reviewer_other": 404}

POLICIES = [
    # Every role has a dashboard; a visitor is sent to the login page.
    Policy("dashboard", personas(200, anonymous=302, applicant=302), note="an applicant: to its application"),
    # Members: the register, documents and capacity (a member co-op's user: its own co-op).
    Policy("hub-members", personas(200, anonymous=302, applicant=404, **REVIEWERS)),
    # Governance: the consortium's people; an applicant: its application.
    Policy("hub-governance", personas(200, anonymous=302, applicant=200, **REVIEWERS)),
    # Tenders: every role but an applicant (which sees its application only).
    Policy("hub-bids", personas(200, anonymous=302, applicant=404)),
    # The cost calculator is everyone's.
    Policy("hub-prices", personas(200, anonymous=302, applicant=200)),
    Policy("hub-money", personas(200, anonymous=302, applicant=404)),
    Policy("hub-benchmarks", personas(200, anonymous=302, applicant=404)),
]
