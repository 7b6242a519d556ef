"""Web pages of joint bids.

- list: coordinators and board members (their consortium's bids), member users (bids their
  co-op is invited to); council reviewers and anyone else: 403 (a reviewer sees no bid at all);
- workspace (detail): coordinators (everything, with each member's floor and margin), board
  members (rates and totals, the link to the ballot), member users (their own co-op's part);
  a bid the user may not see answers 404 (council reviewers: every bid);
- every change: the consortium's coordinators (other roles who can see the bid: 403);
- "Work proposed to us": member users, their own co-op's invitations and allocations, with
  opt in / out, accept / decline.
Submitting goes through a confirmation page first (what happens, what cannot be undone, the
bid's warnings); a POST without its ``confirm=yes`` changes nothing.
Services refuse a change the bid's status does not allow; the page then shows why.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from consortium.errors import DomainError, require
from consortium.web import confirmed
from contracts.bidding.filters import BidFilter
from contracts.bidding.forms import (
    AddLotForm,
    AnswerForm,
    DeclineForm,
    OpenBidForm,
    PriceForm,
    SettingsForm,
    SocialValueForm,
)
from contracts.bidding.selectors import allocation as allocation_selectors
from contracts.bidding.selectors import bids as selectors
from contracts.bidding.services import bids as services
from contracts.bidding.services import submission as submission_services
from contracts.models import AllocationStatus, BidStatus, Lot, LotStatus, QualityAnswer

PAGE_SIZE = 50


def _is_member(user) -> bool:
    return user.is_authenticated and user.is_member_user


# --- list and open ------------------------------------------------------------------------------

@login_required
def bid_list(request):
    user = request.user
    require(selectors.can_see_bids(user))
    qs = selectors.bids_visible_to(user).order_by("-opened_at", "-pk")
    filters = BidFilter(request.GET or None, queryset=qs, request=request)
    rows = filters.qs if not filters.is_bound or filters.is_valid() else qs.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contracts/bids/list.html", {
        "page_obj": page, "filter_form": filters.form, "can_manage": selectors.can_manage_bids(user),
        "is_member": _is_member(user),
    })


@login_required
def bid_open(request):
    user = request.user
    require(selectors.can_manage_bids(user))
    tenders = selectors.tenders_open_for_bids(user)
    initial = {"tender": request.GET.get("tender")} if request.GET.get("tender", "").isdigit() else {}
    form = OpenBidForm(request.POST if request.method == "POST" else None, tenders=tenders, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            bid = services.bid_open(tender=form.cleaned_data["tender"], by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Bid opened for every open lot of the tender. Invite members next."))
            return redirect("bid-detail", pk=bid.pk)
    return render(request, "contracts/bids/open.html", {"form": form, "has_tenders": tenders.exists()})


# --- the workspace ------------------------------------------------------------------------------

def _lots_to_add(bid):
    return Lot.objects.filter(tender_id=bid.tender_id, status=LotStatus.OPEN).exclude(
        bid_lots__bid=bid).order_by("number")


@login_required
def bid_detail(request, pk: int, *, errors: list[str] | None = None, status: int = 200):
    user = request.user
    bid = selectors.bid_get_for_user(user, pk)
    ws = selectors.bid_workspace(user, bid)
    is_coordinator = ws.role == "coordinator"
    context = {
        "bid": bid, "ws": ws, "errors": errors or [],
        "is_coordinator": is_coordinator, "is_board": ws.role == "board", "is_member": ws.role == "member",
        "is_draft": bid.status == BidStatus.DRAFT,
        "standing": selectors.standing_submission(bid) if ws.role != "member" else None,
    }
    if is_coordinator and bid.status == BidStatus.DRAFT:
        lots = _lots_to_add(bid)
        context["add_lot_form"] = AddLotForm(lots=lots) if lots.exists() else None
        context["answered"] = {(a.bid_lot_id, a.question_id) for bl in ws.lots for a in bl.answers.all()}
    return render(request, "contracts/bids/detail.html", context, status=status)


def _act(request, pk: int, action, done: str):
    """Run one coordinator action on the bid; its refusal is shown on the workspace."""
    user = request.user
    bid = selectors.bid_get_for_user(user, pk, for_write=True)
    try:
        action(bid, user)
    except DomainError as error:
        return bid_detail(request, pk, errors=[str(error.message)])
    messages.success(request, done)
    return redirect("bid-detail", pk=pk)


@login_required
def bid_settings(request, pk: int):
    user = request.user
    bid = selectors.bid_get_for_user(user, pk, for_write=True)
    form = SettingsForm(request.POST if request.method == "POST" else None, initial={
        "management_fee_percent": bid.management_fee_percent, "response_deadline": bid.response_deadline})
    if request.method == "POST" and form.is_valid():
        try:
            services.bid_update_settings(bid=bid, by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Bid settings saved."))
            return redirect("bid-detail", pk=pk)
    return render(request, "contracts/bids/form.html", {
        "bid": bid, "form": form, "title": _("Fee and members' answer date"), "button": _("Save"),
    })


@require_POST
@login_required
def bid_lot_add(request, pk: int):
    user = request.user
    bid = selectors.bid_get_for_user(user, pk, for_write=True)
    form = AddLotForm(request.POST, lots=_lots_to_add(bid))
    if not form.is_valid():
        return bid_detail(request, pk, errors=[e for errs in form.errors.values() for e in errs])
    return _act(request, pk, lambda b, u: services.bid_lot_add(bid=b, lot=form.cleaned_data["lot"], by=u),
                _("Lot added to the bid."))


@require_POST
@login_required
def bid_lot_remove(request, pk: int, bid_lot_pk: int):
    bid = selectors.bid_get_for_user(request.user, pk, for_write=True)
    bid_lot = selectors.bid_lot_get(bid, bid_lot_pk)
    return _act(request, pk, lambda b, u: services.bid_lot_remove(bid_lot=bid_lot, by=u),
                _("Lot removed from the bid."))


@require_POST
@login_required
def bid_invite(request, pk: int, bid_lot_pk: int):
    bid = selectors.bid_get_for_user(request.user, pk, for_write=True)
    bid_lot = selectors.bid_lot_get(bid, bid_lot_pk)
    return _act(request, pk, lambda b, u: services.invitations_send(bid_lot=bid_lot, by=u),
                _("Members offering the service in the lot's areas are invited."))


@login_required
def bid_prices(request, pk: int):
    user = request.user
    bid = selectors.bid_get_for_user(user, pk, for_write=True)
    lots = selectors.bid_lots(bid)
    form = PriceForm(request.POST if request.method == "POST" and "rate" in request.POST else None, lots=lots)
    errors: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "calculate":
                services.bid_prices_calculate(bid=bid, by=user)
                messages.success(request, _("Rates calculated from the allocated members' floors."))
                return redirect("bid-prices", pk=pk)
            if form.is_valid():
                data = form.cleaned_data
                services.bid_price_set(bid_lot=selectors.bid_lot_get(bid, data["bid_lot"]),
                                       time_band=data["time_band"], rate=data["rate"], by=user)
                messages.success(request, _("Rate set."))
                return redirect("bid-prices", pk=pk)
        except DomainError as error:
            if form.domain_error_field(error.field) in form.fields and form.is_bound:
                form.add_domain_error(error)
            else:
                errors.append(str(error.message))
    lines = selectors.price_lines(bid, selectors.bid_lots(bid))
    return render(request, "contracts/bids/prices.html", {
        "bid": bid, "lines": lines, "form": form, "errors": errors,
        "totals": selectors.board_totals(lines), "is_draft": bid.status == BidStatus.DRAFT,
    })


@login_required
def bid_answer(request, pk: int, bid_lot_pk: int, question_pk: int):
    user = request.user
    bid = selectors.bid_get_for_user(user, pk, for_write=True)
    bid_lot = selectors.bid_lot_get(bid, bid_lot_pk)
    question = bid_lot.lot.questions.filter(pk=question_pk).first()
    if question is None:
        raise Http404
    current = QualityAnswer.objects.filter(bid_lot=bid_lot, question=question).first()
    form = AnswerForm(request.POST if request.method == "POST" else None,
                      initial={"answer": current.answer if current else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.quality_answer_save(bid_lot=bid_lot, question=question,
                                         answer=form.cleaned_data["answer"], by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Answer saved."))
            return redirect("bid-detail", pk=pk)
    return render(request, "contracts/bids/form.html", {
        "bid": bid, "form": form, "title": _("Answer question %(n)s of lot %(lot)s") % {
            "n": question.number, "lot": bid_lot.lot.number},
        "lead": question.text, "button": _("Save the answer"),
    })


@login_required
def bid_social_value_add(request, pk: int):
    user = request.user
    bid = selectors.bid_get_for_user(user, pk, for_write=True)
    form = SocialValueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.social_value_add(bid=bid, by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Social value commitment added."))
            return redirect("bid-detail", pk=pk)
    return render(request, "contracts/bids/form.html", {
        "bid": bid, "form": form, "title": _("Add a social value commitment"), "button": _("Add"),
    })


@login_required
def bid_social_value_edit(request, pk: int, sv_pk: int):
    user = request.user
    bid = selectors.bid_get_for_user(user, pk, for_write=True)
    commitment = selectors.social_value_get(bid, sv_pk)
    form = SocialValueForm(request.POST if request.method == "POST" else None, initial={
        "heading": commitment.heading, "measure": commitment.measure, "unit": commitment.unit,
        "quantity": commitment.quantity})
    if request.method == "POST" and form.is_valid():
        try:
            services.social_value_update(commitment=commitment, by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Social value commitment saved."))
            return redirect("bid-detail", pk=pk)
    return render(request, "contracts/bids/form.html", {
        "bid": bid, "form": form, "title": _("Change a social value commitment"), "button": _("Save"),
    })


@require_POST
@login_required
def bid_social_value_delete(request, pk: int, sv_pk: int):
    bid = selectors.bid_get_for_user(request.user, pk, for_write=True)
    commitment = selectors.social_value_get(bid, sv_pk)
    return _act(request, pk, lambda b, u: services.social_value_delete(commitment=commitment, by=u),
                _("Social value commitment removed."))


@require_POST
@login_required
def bid_send_for_approval(request, pk: int):
    response = _act(request, pk, lambda b, u: services.bid_send_for_approval(bid=b, by=u),
                    _("The bid is before the board. Board members vote on the ballot page."))
    if response.status_code == 302:
        _restate_warnings(request, selectors.bid_get_for_user(request.user, pk))
    return response


def _restate_warnings(request, bid) -> None:
    """The coordinator went on despite the bid's warnings: say so once more, above the workspace
    that lists them (for the board too)."""
    count = len(selectors.bid_warnings(bid))
    if count:
        messages.warning(request, ngettext(
            "The bid went to the board with %(count)s warning, listed on this page.",
            "The bid went to the board with %(count)s warnings, listed on this page.", count)
            % {"count": count})


@require_POST
@login_required
def bid_reopen(request, pk: int):
    return _act(request, pk, lambda b, u: services.bid_reopen(bid=b, by=u),
                _("The bid is a draft again. It must go to the board again before it is submitted."))


@login_required
def bid_submit_confirm(request, pk: int):
    """What submitting the bid does and cannot undo, its key facts and its warnings, before the
    coordinator says yes: the only way to the submission on the web."""
    user = request.user
    bid = selectors.bid_get_for_user(user, pk, for_write=True)
    ws = selectors.bid_workspace(user, bid)
    return render(request, "contracts/bids/confirm_submit.html", {
        "bid": bid, "ws": ws, "can_submit": bid.status == BidStatus.APPROVED,
        "coops": sorted({str(a.coop) for bl in ws.lots for a in bl.allocations.all()
                         if a.status != AllocationStatus.DECLINED}),
    })


@require_POST
@login_required
def bid_submit(request, pk: int):
    if not confirmed(request):
        selectors.bid_get_for_user(request.user, pk, for_write=True)
        return redirect("bid-submit-confirm", pk=pk)
    return _act(request, pk, lambda b, u: submission_services.bid_submit(bid=b, by=u),
                _("The bid is submitted. Its snapshot and SHA-256 are recorded."))


@require_POST
@login_required
def bid_withdraw(request, pk: int):
    return _act(request, pk, lambda b, u: submission_services.bid_withdraw(bid=b, by=u),
                _("The submission is withdrawn and the bid is a draft again."))


@login_required
def bid_snapshot(request, pk: int):
    user = request.user
    bid = selectors.bid_get_for_user(user, pk)
    require(user.is_coordinator or user.is_board_member)
    submissions = selectors.submissions_of(bid)
    shown = submissions[0] if submissions else None
    return render(request, "contracts/bids/snapshot.html", {
        "bid": bid, "submissions": submissions, "shown": shown,
        "verified": submission_services.verify(shown) if shown else None,
        "pretty": json.dumps(shown.snapshot, indent=2, sort_keys=True, ensure_ascii=False) if shown else "",
    })


# --- members ------------------------------------------------------------------------------------

@login_required
def member_bid_work(request):
    user = request.user
    require(_is_member(user))
    invitations = selectors.invitation_states(list(selectors.invitations_for_member(user)))
    responses = list(selectors.responses_for_member(user))
    work = []
    for response in responses:
        allocations = selectors.allocations_of_coop(response.bid, response.coop_id)
        work.append({"response": response, "bid": response.bid,
                     "rows": selectors.member_rates(response.bid, response.coop_id, allocations),
                     "why": allocation_selectors.own_explanations(allocations),
                     "can_answer": response.status == "pending" and response.bid.status == BidStatus.DRAFT})
    return render(request, "contracts/bids/work.html", {"invitations": invitations, "work": work})


@require_POST
@login_required
def invitation_respond(request, pk: int):
    user = request.user
    require(_is_member(user))
    invitation = selectors.invitation_get_for_member(user, pk)
    choice = request.POST.get("take_part")
    if choice not in ("yes", "no"):
        messages.error(request, _("Choose whether your co-op takes part."))
        return redirect("member-bid-work")
    try:
        services.invitation_respond(invitation=invitation, by=user, take_part=choice == "yes")
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your co-op takes part in this lot.") if choice == "yes"
                         else _("Your co-op does not take part in this lot."))
    return redirect("member-bid-work")


@require_POST
@login_required
def response_accept(request, pk: int):
    user = request.user
    bid = selectors.bid_get_for_user(user, pk)
    require(_is_member(user))
    response = selectors.response_get_for_member(user, bid)
    try:
        services.response_accept(response=response, by=user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your co-op has accepted the work proposed to it."))
    return redirect("member-bid-work")


@login_required
def response_decline(request, pk: int):
    user = request.user
    bid = selectors.bid_get_for_user(user, pk)
    require(_is_member(user))
    response = selectors.response_get_for_member(user, bid)
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_decline(response=response, by=user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Your co-op has declined the work; the coordinator is told why."))
            return redirect("member-bid-work")
    return render(request, "contracts/bids/form.html", {
        "bid": bid, "form": form, "title": _("Decline the work proposed to your co-op"),
        "button": _("Decline the work"), "back": "member-bid-work", "warning": True,
    })


urlpatterns = [
    path("bids/", bid_list, name="bid-list"),
    path("bids/new/", bid_open, name="bid-open"),
    path("bids/work/", member_bid_work, name="member-bid-work"),
    path("bids/invitations/<int:pk>/respond/", invitation_respond, name="bid-invitation-respond"),
    path("bids/<int:pk>/", bid_detail, name="bid-detail"),
    path("bids/<int:pk>/settings/", bid_settings, name="bid-settings"),
    path("bids/<int:pk>/lots/add/", bid_lot_add, name="bid-lot-add"),
    path("bids/<int:pk>/lots/<int:bid_lot_pk>/remove/", bid_lot_remove, name="bid-lot-remove"),
    path("bids/<int:pk>/lots/<int:bid_lot_pk>/invite/", bid_invite, name="bid-invite"),
    path("bids/<int:pk>/lots/<int:bid_lot_pk>/questions/<int:question_pk>/", bid_answer, name="bid-answer"),
    path("bids/<int:pk>/prices/", bid_prices, name="bid-prices"),
    path("bids/<int:pk>/social-value/add/", bid_social_value_add, name="bid-social-value-add"),
    path("bids/<int:pk>/social-value/<int:sv_pk>/", bid_social_value_edit, name="bid-social-value-edit"),
    path("bids/<int:pk>/social-value/<int:sv_pk>/delete/", bid_social_value_delete,
         name="bid-social-value-delete"),
    path("bids/<int:pk>/send-for-approval/", bid_send_for_approval, name="bid-send-for-approval"),
    path("bids/<int:pk>/reopen/", bid_reopen, name="bid-reopen"),
    path("bids/<int:pk>/submit/", bid_submit, name="bid-submit"),
    path("bids/<int:pk>/submit/confirm/", bid_submit_confirm, name="bid-submit-confirm"),
    path("bids/<int:pk>/withdraw/", bid_withdraw, name="bid-withdraw"),
    path("bids/<int:pk>/snapshot/", bid_snapshot, name="bid-snapshot"),
    path("bids/<int:pk>/response/accept/", response_accept, name="bid-response-accept"),
    path("bids/<int:pk>/response/decline/", response_decline, name="bid-response-decline"),
]
