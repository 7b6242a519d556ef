"""Web pages: board ballots (members.governance), whatever they decide.

- ballot detail: the consortium's coordinators and board members (every ballot, with each vote:
  who, what, when), member users (decided ballots: the result, not who voted what); anyone
  else 404;
- vote (POST): the board members entitled to vote; coordinators and member users who can see
  the ballot get 403;
- decide (POST): the consortium's coordinators close the vote and record the result; others
  who can see the ballot get 403.

The page knows nothing of what the ballot is about; a page that links to it may pass
``?next=<its own URL>`` for the way back (only a URL of this site is followed).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from consortium.errors import DomainError, require
from consortium.web import add_domain_error
from members import governance
from members.forms import VoteForm


def _next_url(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return wanted
    return ""


def _back_to(request, ballot) -> str:
    url = reverse("ballot-detail", args=[ballot.pk])
    back = _next_url(request)
    if back:
        url += "?" + urlencode({"next": back})
    return url


def _render(request, ballot, *, form: VoteForm | None = None, status: int = 200):
    user = request.user
    can_vote = governance.can_vote(user, ballot)
    return render(request, "members/ballots/detail.html", {
        "ballot": ballot,
        "tally": governance.ballot_tally(ballot),
        "votes": list(governance.ballot_votes(user, ballot)),
        "sees_votes": governance.can_see_votes(user, ballot),
        "my_vote": governance.vote_of(user, ballot),
        "can_vote": can_vote,
        "can_decide": governance.can_decide(user, ballot),
        "form": form if form is not None else (VoteForm() if can_vote else None),
        "next": _next_url(request),
    }, status=status)


@login_required
def ballot_detail(request, pk: int):
    ballot = governance.ballot_get_for_user(request.user, pk)
    return _render(request, ballot)


@login_required
def ballot_vote(request, pk: int):
    user = request.user
    ballot = governance.ballot_get_for_user(user, pk)
    require(user.is_board_member)
    if request.method != "POST":
        return redirect(_back_to(request, ballot))
    form = VoteForm(request.POST)
    if form.is_valid():
        try:
            governance.vote_cast(ballot=ballot, voter=user, choice=form.cleaned_data["choice"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your vote is recorded."))
            return redirect(_back_to(request, ballot))
    ballot = governance.ballot_get_for_user(user, pk)
    return _render(request, ballot, form=form)


@login_required
def ballot_decide(request, pk: int):
    user = request.user
    ballot = governance.ballot_get_for_user(user, pk)
    require(user.is_coordinator)
    if request.method == "POST":
        try:
            ballot = governance.ballot_decide(ballot=ballot, by=user)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The vote is closed: %(result)s.")
                             % {"result": ballot.get_status_display().lower()})
    return redirect(_back_to(request, ballot))


urlpatterns = [
    path("governance/ballots/<int:pk>/", ballot_detail, name="ballot-detail"),
    path("governance/ballots/<int:pk>/vote/", ballot_vote, name="ballot-vote"),
    path("governance/ballots/<int:pk>/decide/", ballot_decide, name="ballot-decide"),
]
