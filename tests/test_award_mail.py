"""E-mails to the bidding consortia on an award decision, its cancellation and its confirmation:
sent once the decision commits, to each bidding consortium's coordinators only, in their
language, with their own scores and the winner's, and nothing of another consortium's members.

The evaluated lot is ``tests.builders.evaluated_lot``: consortium A's joint bid (ranked 1,
total 92.07), an outside bid ("Solo Care Ltd", 79.00) and, with ``rival``, consortium B's joint
bid (ranked 2, total 80.28).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone, translation

from consortium import formatting
from consortium.errors import DomainError
from contracts.evaluation.services import award as services
from contracts.models import Award, AwardStatus
from tests.builders import evaluated_lot, past_standstill
from tests.factories import UserFactory


def _to(mailoutbox, address):
    return [m for m in mailoutbox if m.to == [address]]


def test_decision_emails_each_bidding_consortiums_coordinators_with_their_scores_and_the_winners(
        world, mailoutbox, django_capture_on_commit_callbacks):
    ev = evaluated_lot(world, rival=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        award = services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    assert mailoutbox == []  # nothing goes before the decision commits
    for callback in callbacks:
        callback()
    winner, loser = world.user("coordinator"), world.user("coordinator_other")
    assert sorted(m.to[0] for m in mailoutbox) == sorted([winner.email, loser.email])

    (won,) = _to(mailoutbox, winner.email)
    assert "your bid won" in won.subject and ev.tender.reference in won.subject
    assert "won this lot" in won.body and "92.07" in won.body and "Rank: 1" in won.body
    end = formatting.day(award.standstill_ends)
    assert f"standstill period runs to the end of {end}" in won.body

    (lost,) = _to(mailoutbox, loser.email)
    assert "not successful" in lost.subject
    body = lost.body
    assert "80.28" in body and "Rank: 2" in body  # their own
    assert "92.07" in body and world.consortium.name in body  # the winner's total and name
    assert "£25.86" in body  # the winner's price per unit
    assert end in body
    # Nothing of the third bidder, nor of the winning consortium's members, nor the workings.
    assert "Solo Care Ltd" not in body and "79.00" not in body
    for secret in (world.coop_a.legal_name, world.coop_b.legal_name, "Gofal A", "Gofal B", " x 50"):
        assert secret not in body


def test_only_active_coordinators_with_an_address_are_emailed(world, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    ev = evaluated_lot(world, rival=True)
    UserFactory(username="gone", role="coordinator", consortium=world.consortium, is_active=False)
    UserFactory(username="noaddress", role="coordinator", consortium=world.consortium, email="")
    with django_capture_on_commit_callbacks(execute=True):
        services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    addresses = {m.to[0] for m in mailoutbox}
    assert addresses == {world.user("coordinator").email, world.user("coordinator_other").email}
    # Board members, member users and the council are not written to here.
    for persona in ("board", "member_a", "member_b", "reviewer"):
        assert world.user(persona).email not in addresses


def test_outside_winner_is_not_emailed_and_the_joint_bidder_is_told_it_lost(
        world, mailoutbox, django_capture_on_commit_callbacks):
    ev = evaluated_lot(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.award_decide(lot=ev.lot, entry=ev.external, by=world.user("reviewer"),
                              reason="Better value on reflection.")
    (mail,) = mailoutbox
    assert mail.to == [world.user("coordinator").email]
    assert "Solo Care Ltd" in mail.body and "79.00" in mail.body and "92.07" in mail.body
    assert "Better value" not in mail.body  # the reviewer's reason stays on the council's record


def test_decision_email_in_the_recipients_welsh(world, mailoutbox, django_capture_on_commit_callbacks):
    ev = evaluated_lot(world, rival=True)
    welsh = world.user("coordinator_other")
    welsh.preferred_language = "cy"
    welsh.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        award = services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    (cy,) = _to(mailoutbox, welsh.email)
    (en,) = _to(mailoutbox, world.user("coordinator").email)
    assert "Cyfanswm: 80.28" in cy.body and "Safle: 2" in cy.body
    with translation.override("cy"):
        assert formatting.day(award.standstill_ends) in cy.body
    assert "Total: 92.07" in en.body and "Cyfanswm" not in en.body
    assert not (translation.get_language() or "en").startswith("cy")  # the override does not leak


def test_a_refused_decision_sends_nothing(world, mailoutbox, django_capture_on_commit_callbacks):
    ev = evaluated_lot(world, rival=True)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
        services.award_decide(lot=ev.lot, entry=ev.external, by=world.user("reviewer"))  # no reason
    assert mailoutbox == []


def test_a_decision_rolled_back_after_it_was_made_sends_nothing(world, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    ev = evaluated_lot(world, rival=True)

    class Abandon(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Abandon), transaction.atomic():
        services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
        raise Abandon
    assert mailoutbox == [] and not Award.objects.exists()


def test_cancelling_the_award_emails_the_bidders(world, mailoutbox, django_capture_on_commit_callbacks):
    ev = evaluated_lot(world, rival=True)
    lead = world.user("reviewer")
    award = services.award_decide(lot=ev.lot, entry=ev.entry, by=lead)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.award_cancel(award=award, by=lead, reason="A scoring error: Solo Care's marks.")
    assert {m.to[0] for m in mailoutbox} == {world.user("coordinator").email,
                                             world.user("coordinator_other").email}
    for mail in mailoutbox:
        assert "withdrawn" in mail.subject and "decided again" in mail.body
        assert "Solo Care" not in mail.body  # the reason is not passed on
    # Cancelling again: nothing more.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.award_cancel(award=award, by=lead, reason="Again.")
    assert mailoutbox == []


def test_confirmation_emails_the_bidders_and_the_winner_hears_the_contract_follows(
        world, mailoutbox, django_capture_on_commit_callbacks):
    ev = evaluated_lot(world, rival=True)
    lead = world.user("reviewer")
    award = past_standstill(services.award_decide(lot=ev.lot, entry=ev.entry, by=lead))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.award_confirm(award=award, by=lead)
    (won,) = _to(mailoutbox, world.user("coordinator").email)
    (lost,) = _to(mailoutbox, world.user("coordinator_other").email)
    assert "confirmed" in won.subject and "contract" in won.body and "92.07" in won.body
    assert "not successful" in lost.body and "80.28" in lost.body and "92.07" in lost.body
    # Confirming again sends nothing.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.award_confirm(award=award, by=lead)
    assert mailoutbox == []


def test_beat_confirmation_that_fails_sends_nothing(world, mailoutbox, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from members.models import CapacityDeclaration
    from tests.builders import WEEKDAY

    ev = evaluated_lot(world)
    award = past_standstill(services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer")))
    row = ev.capacity[(world.coop_b.pk, WEEKDAY)]
    CapacityDeclaration.objects.filter(pk=row.pk).update(committed_volume=Decimal("30"))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.awards_confirm_due(today=timezone.localdate() + dt.timedelta(days=1)) == 0
    assert mailoutbox == []
    assert Award.objects.get(pk=award.pk).status == AwardStatus.STANDSTILL


def test_the_winner_is_warned_of_members_whose_capacity_is_not_declared_for_the_contract_start(
        world, mailoutbox, django_capture_on_commit_callbacks):
    from members.models import CapacityDeclaration
    from tests.builders import WEEKDAY

    ev = evaluated_lot(world, rival=True)
    b_day = ev.capacity[(world.coop_b.pk, WEEKDAY)]
    CapacityDeclaration.objects.filter(pk=b_day.pk).update(valid_to=dt.date(2027, 3, 31))  # before START
    with django_capture_on_commit_callbacks(execute=True):
        services.award_decide(lot=ev.lot, entry=ev.entry, by=world.user("reviewer"))
    (won,) = _to(mailoutbox, world.user("coordinator").email)
    assert "must declare their capacity" in won.body
    assert "Cydweithfa B Cyf, Cardiff, weekday" in won.body
    assert formatting.day(dt.date(2027, 3, 31)) in won.body
    assert "Cydweithfa A Cyf" not in won.body  # covered: not listed
    # The other consortium hears nothing of consortium A's members.
    (lost,) = _to(mailoutbox, world.user("coordinator_other").email)
    assert "Cydweithfa B Cyf" not in lost.body and "must declare" not in lost.body
