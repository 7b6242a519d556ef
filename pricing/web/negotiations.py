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

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium.errors import DomainError, refuse_if_forbidden
from consortium.models import Council, Role, ServiceType, TimeBand
from members import governance
from pricing.models import NegotiationRound, NegotiationStatus, Party, RoundStatus, financial_year_label
from pricing.selectors import evidence as evidence_selectors
from pricing.selectors import negotiations as selectors
from pricing.services import negotiations as services

PAGE_SIZE = 50


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- forms -----------------------------------------------------------------------------------


def _year_choices() -> list[tuple[int, str]]:
    current = evidence_selectors.current_financial_year()
    return [(year, financial_year_label(year)) for year in range(current - 1, current + 3)]


class NegotiationOpenForm(forms.Form):
    council = forms.ModelChoiceField(Council.objects.order_by("name_en"), label=gettext_lazy("Council"))
    service_type = forms.ModelChoiceField(ServiceType.objects.order_by("name_en"),
                                          label=gettext_lazy("Service type"))
    financial_year = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Financial year"),
                                            help_text=gettext_lazy("April to March."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].choices = _year_choices()
        self.initial.setdefault("financial_year", evidence_selectors.current_financial_year())


class OfferForm(forms.Form):
    """A rate per time band and the rationale. ``bands``: the bands asked for; ``required``:
    those that must be given (a counter-offer: every band of the offer it answers)."""

    rationale = forms.CharField(
        label=gettext_lazy("Rationale"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Shared with the other side, with the offer."),
        error_messages={"required": gettext_lazy(
            "Explain the offer: the rationale is shared with the other side.")},
    )

    def __init__(self, *args, bands: list[str], required: set[str], initial_rates: dict | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.bands = bands
        for band in bands:
            self.fields[band] = forms.DecimalField(
                label=_("%(band)s rate, pounds per hour") % {"band": TimeBand(band).label},
                max_digits=9, decimal_places=2, min_value=Decimal("0.01"), required=band in required,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-5"}),
                initial=(initial_rates or {}).get(band),
            )
        self.order_fields([*bands, "rationale"])

    def rates(self) -> dict[str, Decimal]:
        return {band: self.cleaned_data[band] for band in self.bands
                if self.cleaned_data.get(band) is not None}


class AcceptForm(forms.Form):
    round = forms.IntegerField(widget=forms.HiddenInput, label=gettext_lazy("Offer"))


class BreakOffForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why is the negotiation broken off?"),
                             max_length=services.REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=gettext_lazy("Up to 100 characters. Both sides see it."))


def _show(form: forms.Form, error: DomainError) -> None:
    refuse_if_forbidden(error)
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


# --- list and open ---------------------------------------------------------------------------


@login_required
def negotiation_list(request):
    user = request.user
    qs = selectors.negotiations_visible_to(user).order_by("-opened_at", "-pk")
    if user.role in selectors.CONSORTIUM_INSIDERS:
        qs = qs.annotate(awaiting_board=Exists(NegotiationRound.objects.filter(
            negotiation=OuterRef("pk"), status=RoundStatus.AWAITING_APPROVAL)))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for negotiation in page:
        negotiation.year_label = financial_year_label(negotiation.financial_year)
    return render(request, "pricing/negotiations/list.html", {
        "page_obj": page,
        "can_open": selectors.can_open_negotiation(user),
        "is_member": user.role == Role.MEMBER,
        "is_reviewer": user.role == Role.COUNCIL_REVIEWER,
    })


@login_required
def negotiation_open(request):
    user = request.user
    _require(selectors.can_open_negotiation(user))
    form = NegotiationOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            negotiation = services.negotiation_open(consortium=user.consortium, by=user, **form.cleaned_data)
        except DomainError as error:
            _show(form, error)
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
    rows = []
    for r in rounds:
        rates = selectors.rates_by_band(r)
        ballot = r.ballot if insider and r.ballot_id else None
        rows.append({
            "round": r,
            "rates": rates,
            "cells": [rates.get(b) for b in bands],
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
    _require(party is not None)
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
            _show(form, error)
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
    _require(selectors.party_of(user, negotiation) is not None)
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
    _require(selectors.party_of(user, negotiation) is not None)
    form = BreakOffForm(request.POST or None)
    if negotiation.status != NegotiationStatus.OPEN:
        messages.info(request, _("This negotiation is already closed."))
        return redirect("negotiation-detail", pk=negotiation.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.negotiation_break_off(negotiation=negotiation, by=user,
                                           reason=form.cleaned_data["reason"])
        except DomainError as error:
            _show(form, error)
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
