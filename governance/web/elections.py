"""Board elections: nominations, ranked ballots, the count sheet, terms of office.

Who sees what (``governance.selectors.elections``): the consortium's coordinators, board members
and member users see its elections, the nominations with their statements, and the count
sheet; a member user sees their own co-op's ballot, nobody else's. Council reviewers,
applicants and other consortia: 403 on the lists, 404 on an election.

- election list, election page, count sheet, board terms: as above;
- set up (at a called meeting), open the vote, count: the coordinators (others 403);
- nominate: a member co-op's users, or a coordinator naming the co-op, while nominations are
  open; withdraw: the nominating co-op's users or a coordinator;
- ballot: a member co-op's users, one ranked ballot per co-op (a number per candidate, no
  JavaScript);
- set a password: the link e-mailed to a newly elected board member (anyone with the link).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consortium.errors import DomainError, refuse_if_forbidden, require
from consortium.web import add_domain_error

from ..forms import ElectionSetUpForm, NominationForm, RankedBallotForm
from ..models import ElectionStatus
from ..selectors import elections as selectors
from ..selectors.rules import rules_in_force
from ..services import elections as services


def _to_election(election):
    return redirect(reverse("election-detail", args=[election.pk]))


@login_required
def election_list(request):
    user = request.user
    require(selectors.sees_governance(user))
    return render(request, "governance/elections_list.html", {
        "elections": list(selectors.elections_visible_to(user)),
    })


@login_required
def election_set_up(request, meeting_pk: int):
    user = request.user
    meeting = selectors.meeting_for_election_set_up(user, meeting_pk)
    require(services.is_coordinator_of(user, meeting.consortium_id))
    rules = meeting.rules or rules_in_force(meeting.consortium_id)
    if request.method == "POST":
        form = ElectionSetUpForm(request.POST)
        if form.is_valid():
            try:
                election = services.election_set_up(
                    meeting=meeting, by=user, seats=form.cleaned_data["seats"],
                    term_years=form.cleaned_data["term_years"],
                    nominations_close_at=form.cleaned_data["nominations_close_at"])
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("The election is set up: nominations are open."))
                return _to_election(election)
    else:
        close = timezone.localtime(meeting.starts_at) - dt.timedelta(days=7)
        form = ElectionSetUpForm(initial={"seats": rules.board_seats, "term_years": rules.term_years,
                                          "nominations_close_at": close})
    return render(request, "governance/elections_set_up.html", {
        "meeting": meeting, "rules": rules, "form": form,
    })


@login_required
def election_detail(request, pk: int):
    user = request.user
    election = selectors.election_get_for_user(user, pk)
    nominations = selectors.nominations(election)
    return render(request, "governance/elections_detail.html", {
        "election": election,
        "nominations": nominations,
        "own_ballot": selectors.own_ballot(user, election),
        "voted": selectors.voted_coops(user, election),
        "can_nominate": selectors.can_nominate(user, election),
        "can_vote": selectors.can_vote(user, election),
        "can_open_voting": selectors.can_open_voting(user, election),
        "can_count": selectors.can_count(user, election),
        "can_manage": selectors.can_manage(user, election),
        "withdrawable": {n.pk for n in nominations if services.can_withdraw(user, n)},
        "reserved": selectors.reserved_list(election),
    })


@login_required
def election_nominate(request, pk: int):
    user = request.user
    election = selectors.election_get_for_user(user, pk)
    consortium_id = election.meeting.consortium_id
    by_coordinator = services.is_coordinator_of(user, consortium_id)
    require(by_coordinator or services.acting_coop(user, consortium_id) is not None)
    if not services.nominations_open(election):
        messages.error(request, _("Nominations for this election have closed."))
        return _to_election(election)
    form = NominationForm(request.POST or None, consortium_id=consortium_id, by_coordinator=by_coordinator)
    if request.method == "POST" and form.is_valid():
        try:
            services.nomination_make(election=election, by=user, coop=form.cleaned_data.get("coop"),
                                     name=form.cleaned_data["name"], email=form.cleaned_data["email"],
                                     statement=form.cleaned_data["statement"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The nomination is made."))
            return _to_election(election)
    return render(request, "governance/elections_nominate.html", {"election": election, "form": form})


@login_required
@require_POST
def nomination_withdraw(request, pk: int, nomination_pk: int):
    user = request.user
    election = selectors.election_get_for_user(user, pk)
    nomination = selectors.nomination_get(election, nomination_pk)
    try:
        services.nomination_withdraw(nomination=nomination, by=user)
    except DomainError as error:
        refuse_if_forbidden(error)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The nomination of %(name)s is withdrawn.") % {"name": nomination.name})
    return _to_election(election)


@login_required
@require_POST
def election_open_voting(request, pk: int):
    user = request.user
    election = selectors.election_get_for_user(user, pk)
    require(selectors.can_manage(user, election))
    try:
        election = services.voting_open(election=election, by=user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        if election.status == ElectionStatus.COUNTED:
            messages.success(request, _("No more candidates than seats: they are elected unopposed."))
        else:
            messages.success(request, _("Voting is open."))
    return _to_election(election)


@login_required
def election_ballot(request, pk: int):
    user = request.user
    election = selectors.election_get_for_user(user, pk)
    coop = services.acting_coop(user, election.meeting.consortium_id)
    require(coop is not None)
    own = selectors.own_ballot(user, election)
    candidates = selectors.candidates(election)
    if own is not None or election.status != ElectionStatus.VOTING:
        if request.method == "POST":
            messages.error(request,
                           _("Your co-op has already voted, or the election is not open for voting."))
            return _to_election(election)
        return render(request, "governance/elections_ballot.html", {
            "election": election, "own": own, "coop": coop, "form": None,
            "names": {n.pk: n.name for n in selectors.nominations(election)}})
    form = RankedBallotForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.election_ballot_cast(election=election, by=user, ranking=form.cleaned_data["ranking"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your co-op's ballot is cast."))
            return _to_election(election)
    elif request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "governance/elections_ballot.html", {
        "election": election, "own": None, "coop": coop, "form": form, "names": {}})


@login_required
@require_POST
def election_count(request, pk: int):
    user = request.user
    election = selectors.election_get_for_user(user, pk)
    require(selectors.can_manage(user, election))
    try:
        election = services.election_count(election=election, by=user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return _to_election(election)
    messages.success(request, _("The votes are counted."))
    return redirect(reverse("election-count-sheet", args=[election.pk]))


@login_required
def election_count_sheet(request, pk: int):
    user = request.user
    election = selectors.election_get_for_user(user, pk)
    rows = selectors.count_sheet_rows(election) if election.count_sheet else []
    sheet = election.count_sheet or {}
    return render(request, "governance/elections_count_sheet.html", {
        "election": election, "sheet": sheet, "rows": rows,
        "stages": sheet.get("stages", []),
        "names": sheet.get("names", {}),
        "chart": selectors.count_chart(election, rows),
        "reserved": selectors.reserved_list(election),
    })


@login_required
def board_terms(request):
    user = request.user
    require(selectors.sees_governance(user))
    return render(request, "governance/elections_board_terms.html", {
        "terms": list(selectors.current_terms(user)),
        "elections": list(selectors.elections_visible_to(user)[:5]),
    })


urlpatterns = [
    path("governance/elections/", election_list, name="election-list"),
    path("governance/meetings/<int:meeting_pk>/elections/new/", election_set_up, name="election-set-up"),
    path("governance/elections/<int:pk>/", election_detail, name="election-detail"),
    path("governance/elections/<int:pk>/nominate/", election_nominate, name="election-nominate"),
    path("governance/elections/<int:pk>/nominations/<int:nomination_pk>/withdraw/", nomination_withdraw,
         name="nomination-withdraw"),
    path("governance/elections/<int:pk>/open-voting/", election_open_voting, name="election-open-voting"),
    path("governance/elections/<int:pk>/ballot/", election_ballot, name="election-ballot"),
    path("governance/elections/<int:pk>/count/", election_count, name="election-count"),
    path("governance/elections/<int:pk>/count-sheet/", election_count_sheet, name="election-count-sheet"),
    path("governance/board/", board_terms, name="board-terms"),
]
