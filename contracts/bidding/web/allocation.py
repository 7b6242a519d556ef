"""Web page: a joint bid's allocation (``/bids/<pk>/allocation/``).

Who may use it (``contracts.bidding.selectors.allocation`` decides):
- coordinators of the bid's consortium: the lots x members matrix with coverage, shortfalls,
  each member's margin and the explanation of its share; they run the optimiser by a strategy
  and set cells by hand (POST, while the bid is a draft before the deadline);
- board members: the same page read only, with no floor or margin; a POST answers 403;
- member users, council reviewers and other consortia: 404 (a member sees its own work on the
  bid's member page).

An allocation the optimiser does not work out within ``settings.ALLOCATION_INLINE_SECONDS``
(or a large one, at once) runs in the background (``AllocationJob``): while it is queued or running the
page shows its progress, polling ``/bids/<pk>/allocation/progress/`` with htmx (a fragment; when
the run has ended it answers ``HX-Refresh`` so the whole page reloads with the result), and the
run and hand-adjust forms are disabled. Without JavaScript a "Refresh" link does the same.

Coordinators also read how near the last run came to the best allocation possible when the
optimiser stopped short of proving it the best (``Bid.allocation_gap_percent`` above 0).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from consortium.errors import DomainError
from consortium.numbers import plain
from contracts.bidding.forms import STRATEGY_CHOICES, AdjustForm, RunForm
from contracts.bidding.selectors import allocation as selectors
from contracts.bidding.services import allocation as services
from contracts.models import AllocationJob


@login_required
def bid_allocation(request, pk):
    user = request.user
    for_write = request.method == "POST"
    bid = selectors.allocation_bid_get_for_user(user, pk, for_write=for_write)
    matrix = selectors.allocation_matrix(bid, user)
    run_form = RunForm(initial={"strategy": bid.strategy or services.Strategy.LOWEST_COST.value})
    adjust_form = AdjustForm(cells=matrix.editable)
    if for_write:
        action = request.POST.get("action")
        if action == "run":
            run_form = RunForm(request.POST)
            if run_form.is_valid():
                try:
                    summary = services.allocation_request(bid=bid, strategy=run_form.cleaned_data["strategy"],
                                                          by=user)
                except DomainError as error:
                    run_form.add_domain_error(error)
                else:
                    if isinstance(summary, AllocationJob):
                        if summary.inline_timed_out:
                            messages.info(request, _(
                                "This allocation takes more than a few seconds to work out, so it is being "
                                "worked out in the background. Nothing has changed yet. This page shows its "
                                "progress."))
                        else:
                            messages.info(request, _("This allocation is large, so it is being worked out in "
                                                     "the background. This page shows its progress."))
                        return redirect("bid-allocation", pk=bid.pk)
                    messages.success(request, _(
                        "The allocation was made: %(coverage)s%% of the volume is covered, by %(members)s "
                        "members.") % {"coverage": (summary.coverage * 100).quantize(Decimal("0.1")),
                                       "members": summary.members})
                    return redirect("bid-allocation", pk=bid.pk)
        elif action == "adjust":
            adjust_form = AdjustForm(request.POST, cells=matrix.editable)
            if adjust_form.is_valid():
                changes = adjust_form.changes()
                if not changes:
                    adjust_form.add_error(None, _("No volume was changed."))
                else:
                    try:
                        changed = services.allocation_adjust(bid=bid, changes=changes, by=user)
                    except DomainError as error:
                        adjust_form.add_domain_error(error)
                    else:
                        messages.success(request, ngettext("%(count)s cell was changed by hand.",
                                                           "%(count)s cells were changed by hand.", changed)
                                         % {"count": changed})
                        return redirect("bid-allocation", pk=bid.pk)
        else:
            run_form = RunForm(request.POST)
            run_form.is_valid()
            run_form.add_error(None, _("Choose what to do: run the allocation or save your changes."))
    return render(request, "contracts/allocation/page.html", {
        "bid": bid,
        "matrix": matrix,
        "chart": selectors.coverage_chart(matrix),
        "run_form": run_form,
        "adjust_form": adjust_form,
        "strategy_label": dict(STRATEGY_CHOICES).get(bid.strategy, ""),
        "gap_percent": allocation_gap(matrix),
        **_job_context(matrix.job),
    })


def allocation_gap(matrix: selectors.Matrix) -> str | None:
    """The last run's optimality gap in percent, as people write it ("0.4"), where the reader may
    see it and only when it is not zero (a run proven the best says nothing)."""
    gap = matrix.gap_percent
    return plain(gap) if gap is not None and gap > 0 else None


def _job_context(job: AllocationJob | None) -> dict:
    """What contracts/allocation/job.html shows of the bid's latest background run."""
    coverage = None
    if job is not None and job.summary:
        coverage = (Decimal(job.summary["coverage"]) * 100).quantize(Decimal("0.1"))
    return {
        "job": job,
        "job_live": bool(job and job.is_live and not job.is_stale),
        "job_strategy_label": dict(STRATEGY_CHOICES).get(job.strategy, "") if job else "",
        "job_coverage_percent": coverage,
    }


@login_required
@require_GET
def bid_allocation_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of the bid's background run, as a fragment of the allocation page.

    htmx polls it while the run is live, sending the stage it shows (``?stage=``); the stage line
    (a polite live region) is swapped out of band only when the stage has changed, so a screen
    reader hears each stage once. Once the run has ended the answer tells htmx to reload the page.
    """
    bid = selectors.allocation_bid_get_for_user(request.user, pk)
    job = selectors.allocation_job_latest(bid)
    live = bool(job and job.is_live and not job.is_stale)
    response = render(request, "contracts/allocation/progress.html", {
        "bid": bid,
        "job": job,
        "job_live": live,
        "announce": live and request.GET.get("stage") != job.stage,
    })
    if not live and request.headers.get("HX-Request") == "true":
        response["HX-Refresh"] = "true"
    return response


urlpatterns = [
    path("bids/<int:pk>/allocation/", bid_allocation, name="bid-allocation"),
    path("bids/<int:pk>/allocation/progress/", bid_allocation_progress, name="bid-allocation-progress"),
]
