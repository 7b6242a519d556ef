"""Web pages: collective negotiations with councils.

Who may use what (the selectors decide the rows; 404 for what one may not see):
- list and detail: coordinators and board members (their consortium's, everything, with the
  board's ballots), council reviewers (their council's, only the offers made to them), member
  users (agreed negotiations: the outcome and how far it covers their own costs);
- open: coordinators;
- new offer (opening position or counter-offer), accept, break off: the negotiating parties,
  the consortium's coordinators and the council's reviewers; others who may see the
  negotiation get 403.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from consortium.errors import DomainError, require
from consortium.models import TimeBand
from consortium.web import add_domain_error
from members import governance
from pricing.forms import AcceptForm, BreakOffForm, NegotiationOpenForm, OfferForm
from pricing.models import NegotiationRound, NegotiationStatus, Party, RoundStatus, financial_year_label
from pricing.selectors import negotiations as selectors
from pricing.services import negotiations as services

PAGE_SIZE = 50


# --- forms -----------------------------------------------------------------------------------


# --- list and open ---------------------------------------------------------------------------


@login_required
def negotiation_list(request):
    user = request.user
    qs = selectors.negotiations_visible_to(user).order_by("-opened_at", "-pk")
    if user.is_coordinator or user.is_board_member:
        qs = qs.annotate(awaiting_board=Exists(NegotiationRound.objects.filter(
            negotiation=OuterRef("pk"), status=RoundStatus.AWAITING_APPROVAL)))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for negotiation in page:
        negotiation.year_label = financial_year_label(negotiation.financial_year)
    return render(request, "pricing/negotiations/list.html", {
        "page_obj": page,
        "can_open": selectors.can_open_negotiation(user),
        "is_member": user.is_member_user,
        "is_reviewer": user.is_council_reviewer,
    })


@login_required
def negotiation_open(request):
    user = request.user
    require(selectors.can_open_negotiation(user))
    form = NegotiationOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            negotiation = services.negotiation_open(consortium=user.consortium, by=user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Negotiation opened. Next: propose the opening position."))
            return redirect("negotiation-detail", pk=negotiation.pk)
    return render(request, "pricing/negotiations/open.html", {"form": form})


# --- detail ----------------------------------------------------------------------------------


CHART = {"width": 640, "height": 300, "left": 70, "right": 150, "top": 20, "bottom": 50}
BAND_STYLES = {  # colour and dash per band: lines differ by more than colour
    TimeBand.WEEKDAY_DAY: ("#1d70b8", ""),
    TimeBand.EVENING: ("#d4351c", "8 4"),
    TimeBand.NIGHT: ("#0b0c0c", "2 4"),
    TimeBand.WEEKEND: ("#00703c", "12 4 2 4"),
    TimeBand.BANK_HOLIDAY: ("#912b88", "4 2"),
}
BAND_MARKERS = {TimeBand.WEEKDAY_DAY: "circle", TimeBand.EVENING: "square", TimeBand.NIGHT: "diamond",
                TimeBand.WEEKEND: "triangle", TimeBand.BANK_HOLIDAY: "cross"}


def _chart(rows: list[dict]) -> dict | None:
    """Geometry of the server-drawn line chart: one line per time band, a point per round."""
    if not rows:
        return None
    values = [rate for row in rows for rate in row["rates"].values() if rate is not None]
    if not values:
        return None
    c = CHART
    plot_w = c["width"] - c["left"] - c["right"]
    plot_h = c["height"] - c["top"] - c["bottom"]
    low, high = min(values), max(values)
    spread = (high - low) or Decimal(1)
    low, high = max(low - spread / 10, Decimal(0)), high + spread / 10

    def x(i: int) -> int:
        return c["left"] + (plot_w * i // (len(rows) - 1) if len(rows) > 1 else plot_w // 2)

    def y(rate: Decimal) -> int:
        return int(c["top"] + plot_h - (rate - low) * plot_h / (high - low))

    bands = [b for b in TimeBand.values if any(row["rates"].get(b) is not None for row in rows)]
    lines = []
    for index, band in enumerate(bands):
        points = [{"x": x(i), "y": y(row["rates"][band]), "rate": row["rates"][band], "round": row["round"]}
                  for i, row in enumerate(rows) if row["rates"].get(band) is not None]
        colour, dash = BAND_STYLES[band]
        lines.append({
            "band": TimeBand(band).label, "colour": colour, "dash": dash, "marker": BAND_MARKERS[band],
            "points": points, "path": " ".join(f"{p['x']},{p['y']}" for p in points),
            "legend_y": c["top"] + 10 + index * 22,
        })
    ticks = [low + (high - low) * i / 4 for i in range(5)]
    return {
        **c, "plot_right": c["left"] + plot_w, "plot_bottom": c["top"] + plot_h,
        "legend_x": c["left"] + plot_w + 16,
        "lines": lines,
        "x_ticks": [{"x": x(i), "label": row["round"].number} for i, row in enumerate(rows)],
        "y_ticks": [{"y": y(t), "label": t.quantize(Decimal("0.01"))} for t in ticks],
    }


def _detail_context(request, negotiation, **extra) -> dict:
    user = request.user
    rounds = list(selectors.rounds_visible_to(user, negotiation))
    insider = selectors.is_insider(user, negotiation)
    bands = [b for b in TimeBand.values if any(line.time_band == b for r in rounds for line in r.rates.all())]
    floors = selectors.members_floor_seen_by(user, negotiation)  # insiders only
    rows = []
    for r in rounds:
        rates = selectors.rates_by_band(r)
        ballot = r.ballot if insider and r.ballot_id else None
        council = r.party == Party.COUNCIL
        rows.append({
            "round": r,
            "rates": rates,
            "cells": [{"rate": rates.get(b),
                       "floor": floors.get(b) if council and rates.get(b) is not None
                       and floors.get(b) is not None and rates[b] < floors[b] else None}
                      for b in bands],
            "evidence": selectors.evidence_rows(r.evidence),
            "ballot": ballot,
            "tally": governance.ballot_tally(ballot) if ballot else None,
            "votes": list(governance.ballot_votes(user, ballot)) if ballot else [],
            "can_vote": bool(ballot) and governance.can_vote(user, ballot),
            "can_decide": bool(ballot) and governance.can_decide(user, ballot),
        })
    actions = selectors.negotiation_actions(user, negotiation, rounds)
    chart_rows = [row for row in rows if row["round"].status != RoundStatus.REJECTED_BY_BOARD]
    return {
        "negotiation": negotiation,
        "year_label": financial_year_label(negotiation.financial_year),
        "rows": rows,
        "bands": [TimeBand(b).label for b in bands],
        "chart": _chart(chart_rows),
        "insider": insider,
        "actions": actions,
        "accept_form": extra.pop("accept_form", None) or (
            AcceptForm(initial={"round": actions.offer_to_accept.pk}) if actions.offer_to_accept else None),
        "coverage": selectors.coverage_for_user(user, negotiation),
        "reason": selectors.break_off_reason(negotiation),
        "is_agreed": negotiation.status == NegotiationStatus.AGREED,
        "rate_card": getattr(negotiation, "rate_card", None) if negotiation.status == NegotiationStatus.AGREED
        else None,
        **extra,
    }


@login_required
def negotiation_detail(request, pk: int):
    negotiation = selectors.negotiation_get_for_user(request.user, pk)
    return render(request, "pricing/negotiations/detail.html", _detail_context(request, negotiation))


# --- actions ---------------------------------------------------------------------------------


@login_required
def negotiation_round_create(request, pk: int):
    """A new offer: the opening position (coordinators, before any offer is on the table) or a
    counter-offer to the other side's offer."""
    user = request.user
    negotiation = selectors.negotiation_get_for_user(user, pk)
    party = selectors.party_of(user, negotiation)
    require(party is not None)
    rounds = list(selectors.rounds_visible_to(user, negotiation))
    actions = selectors.negotiation_actions(user, negotiation, rounds)
    current = next((r for r in reversed(rounds) if r.status == RoundStatus.OFFERED), None)
    opening = actions.can_propose
    if opening:
        bands, required = list(TimeBand.values), {TimeBand.WEEKDAY_DAY}
        last = rounds[-1] if rounds else None
        initial = selectors.rates_by_band(last) if last else {}
    elif actions.can_counter:
        bands = list(selectors.rates_by_band(current))
        required, initial = set(bands), selectors.rates_by_band(current)
    else:
        return render(request, "pricing/negotiations/no_offer.html",
                      {"negotiation": negotiation, "actions": actions})
    form = OfferForm(request.POST or None, bands=bands, required=required, initial_rates=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if opening:
                services.opening_position_propose(negotiation=negotiation, rates=form.rates(),
                                                  rationale=form.cleaned_data["rationale"], by=user)
                messages.success(request, _("Opening position proposed: it goes to the board for approval "
                                            "before the council sees it."))
            else:
                services.counter_offer(negotiation=negotiation, party=party, rates=form.rates(),
                                       rationale=form.cleaned_data["rationale"], by=user)
                messages.success(request, _("Counter-offer made."))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("negotiation-detail", pk=negotiation.pk)
    return render(request, "pricing/negotiations/offer.html", {
        "negotiation": negotiation, "year_label": financial_year_label(negotiation.financial_year),
        "form": form, "opening": opening, "current": current,
        "band_fields": [form[b] for b in bands],
    })


@login_required
def negotiation_accept(request, pk: int):
    user = request.user
    negotiation = selectors.negotiation_get_for_user(user, pk)
    require(selectors.party_of(user, negotiation) is not None)
    if request.method != "POST":
        return redirect("negotiation-detail", pk=negotiation.pk)
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            round_ = selectors.round_get_for_user(user, negotiation, form.cleaned_data["round"])
        except Http404:  # an offer the user cannot see is no offer to accept
            form.add_error("round", _("Choose an offer on the table."))
        else:
            try:
                services.offer_accept(round=round_, by=user)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Offer accepted: the negotiation is agreed and its rates are "
                                            "in force."))
                return redirect("negotiation-detail", pk=negotiation.pk)
    elif "round" in form.errors:
        form.errors.pop("round")
        form.add_error(None, _("Choose an offer on the table."))
    context = _detail_context(request, negotiation, accept_form=form, action_form=form)
    return render(request, "pricing/negotiations/detail.html", context)


@login_required
def negotiation_break_off(request, pk: int):
    user = request.user
    negotiation = selectors.negotiation_get_for_user(user, pk)
    require(selectors.party_of(user, negotiation) is not None)
    form = BreakOffForm(request.POST or None)
    if negotiation.status != NegotiationStatus.OPEN:
        messages.info(request, _("This negotiation is already closed."))
        return redirect("negotiation-detail", pk=negotiation.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.negotiation_break_off(negotiation=negotiation, by=user,
                                           reason=form.cleaned_data["reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Negotiation broken off."))
            return redirect("negotiation-detail", pk=negotiation.pk)
    return render(request, "pricing/negotiations/break_off.html", {
        "negotiation": negotiation, "year_label": financial_year_label(negotiation.financial_year),
        "form": form, "is_council": selectors.party_of(user, negotiation) == Party.COUNCIL,
    })


urlpatterns = [
    path("pricing/negotiations/", negotiation_list, name="negotiation-list"),
    path("pricing/negotiations/open/", negotiation_open, name="negotiation-open"),
    path("pricing/negotiations/<int:pk>/", negotiation_detail, name="negotiation-detail"),
    path("pricing/negotiations/<int:pk>/offer/", negotiation_round_create, name="negotiation-round-create"),
    path("pricing/negotiations/<int:pk>/accept/", negotiation_accept, name="negotiation-accept"),
    path("pricing/negotiations/<int:pk>/break-off/", negotiation_break_off, name="negotiation-break-off"),
]
