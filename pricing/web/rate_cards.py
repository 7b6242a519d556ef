"""Web pages: rate cards, uplift rules and the rates that apply on a date.

Who may use what (the selectors decide the rows):
- list, detail, rates on a date: coordinators and board members (their consortium's cards,
  drafts too), member users (their consortium's agreed cards), council reviewers (agreed cards
  with their own council); a card the user may not see answers 404;
- create, edit (drafts only), put in force, uplift, uplift rules: coordinators; other roles 403
  on a card they can see. Putting in force goes through a confirmation page (a POST without
  ``confirm=yes`` changes nothing).
A card in force is never edited: its edit page says so, and a change sent anyway is refused by
the service with nothing changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consortium import formatting
from consortium.errors import DomainError, require
from consortium.web import confirmed
from pricing.filters import RateCardFilter
from pricing.forms import BANDS, RateCardEditForm, RateCardForm, RatesOnDateForm, UpliftForm, UpliftRuleForm
from pricing.models import RateCard, RateCardStatus, financial_year_label
from pricing.selectors import rate_cards as selectors
from pricing.services import rate_cards as services

PAGE_SIZE = 50
# --- Pages ------------------------------------------------------------------------------------


def _with_band_rates(cards):
    for card in cards:
        card.band_rates = selectors.band_rates(card)
        card.next_card = selectors.successor(card)
        card.year_label = financial_year_label(card.financial_year)
        card.rates_text = ", ".join(
            f"{band.label} £{rate}" for band, rate in zip(BANDS, card.band_rates, strict=True)
            if rate is not None
        )
    return cards


@login_required
def rate_card_list(request):
    user = request.user
    require(selectors.can_see_rate_cards(user))
    qs = selectors.rate_cards_visible_to(user).order_by(
        "council__name_en", "service_type__name_en", "-effective_from", "-pk")
    filters = RateCardFilter(request.GET or None, queryset=qs, request=request)
    # A bad filter value shows its error and no rows.
    rows = filters.qs if not filters.is_bound or filters.is_valid() else qs.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    _with_band_rates(page.object_list)
    return render(request, "pricing/rate_cards/list.html", {
        "filter_form": filters.form,
        "page_obj": page,
        "bands": BANDS,
        "can_manage": selectors.can_manage_rate_cards(user),
    })


# Chart of rates per band over time: one line per band, each a run of level steps (a card's
# period); bands differ in colour, dash pattern and marker shape, and the table repeats every figure.
CHART = {"width": 640, "height": 300, "left": 64, "right": 24, "top": 16, "bottom": 48}
STYLES = [  # colour (4.5:1 on white), dash pattern, marker
    ("#1d70b8", "", "circle"),
    ("#d4351c", "8 4", "square"),
    ("#00703c", "2 3", "triangle"),
    ("#4c2c92", "10 3 2 3", "diamond"),
    ("#6f4b00", "14 5", "cross"),
]


@dataclass(frozen=True)
class Step:
    x1: float
    x2: float
    y: float


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    dash: str
    marker: str
    steps: list[Step]


def _marker(kind: str, x: float, y: float) -> dict:
    """SVG geometry of one marker, drawn around (x, y)."""
    shape = {"kind": kind, "cx": f"{x:.1f}", "cy": f"{y:.1f}", "x": f"{x - 5:.1f}", "y": f"{y - 5:.1f}",
             "d": f"M{x - 5:.1f} {y - 5:.1f}l10 10m0 -10l-10 10"}
    if kind == "triangle":
        shape["points"] = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y + 5:.1f} {x - 6:.1f},{y + 5:.1f}"
    else:
        shape["points"] = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}"
    return shape


def rate_chart(cards: list[RateCard]) -> dict | None:
    """Geometry of the chart of rates per band over time, from agreed cards (oldest first)."""
    cards = [c for c in cards if c.status in selectors.AGREED]
    if not cards:
        return None
    start = cards[0].effective_from
    ends = [c.effective_to or max(c.effective_from + dt.timedelta(days=365), timezone.localdate())
            for c in cards]
    end = max(ends)
    days = max((end - start).days, 1)
    top = max(max((r.rate for r in c.rates.all()), default=Decimal(1)) for c in cards)
    y_max = float((top * Decimal("1.15")).quantize(Decimal(1))) or 1.0
    left, right, top_px, bottom = CHART["left"], CHART["right"], CHART["top"], CHART["bottom"]
    plot_w = CHART["width"] - left - right
    plot_h = CHART["height"] - top_px - bottom

    def x_of(day: dt.date) -> float:
        return left + plot_w * (day - start).days / days

    def y_of(rate) -> float:
        return top_px + plot_h * (1 - float(rate) / y_max)

    series = []
    for i, band in enumerate(BANDS):
        steps = []
        for card, card_end in zip(cards, ends, strict=True):
            rate = selectors.rates_by_band(card).get(band.value)
            if rate is not None:
                after = card_end + dt.timedelta(days=1)
                steps.append(Step(x_of(card.effective_from), x_of(after), y_of(rate)))
        if steps:
            colour, dash, marker = STYLES[i]
            series.append(Series(str(band.label), colour, dash, marker, steps))
    ticks = [{"y": y_of(v), "label": f"£{v:,.0f}"} for v in _nice_ticks(y_max)]
    every = max(1, len(cards) // 6)
    x_ticks = [{"x": x_of(c.effective_from), "label": date_format(c.effective_from, "M Y")}
               for c in cards[::every]]
    markers = [{"colour": s.colour, **_marker(s.marker, step.x1, step.y)} for s in series for step in s.steps]
    legend = [{"series": s, "marker": {"colour": s.colour, **_marker(s.marker, 24, 8)}} for s in series]
    return {**CHART, "series": series, "y_ticks": ticks, "x_ticks": x_ticks, "markers": markers,
            "legend": legend, "plot_bottom": CHART["height"] - bottom, "plot_right": CHART["width"] - right}


def _nice_ticks(y_max: float) -> list[float]:
    step = next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000) if y_max / s <= 6),
                y_max / 5)
    ticks, value = [], 0.0
    while value <= y_max:
        ticks.append(value)
        value += step
    return ticks


@login_required
def rate_card_detail(request, pk: int, *, errors: list[str] | None = None, status: int = 200):
    user = request.user
    card = selectors.rate_card_get_for_user(user, pk)
    history = selectors.rate_history(consortium=card.consortium_id, council=card.council_id,
                                     service_type=card.service_type_id, visible_to=user)
    agreed = _with_band_rates(history.agreed())
    return render(request, "pricing/rate_cards/detail.html", {
        "card": card,
        "rates": [(band, selectors.rates_by_band(card).get(band.value)) for band in BANDS],
        "previous": card.supersedes,
        "next_card": selectors.successor(card),
        "changes": [c for c in history.changes if c.card_id == card.pk],
        "agreed": agreed,
        "bands": BANDS,
        "chart": rate_chart(agreed),
        "can_manage": selectors.can_manage_rate_cards(user),
        "errors": errors or [],
        "year_label": financial_year_label(card.financial_year),
    }, status=status)


def _card_initial(card: RateCard) -> dict:
    initial = {services.rate_field(band): rate for band, rate in selectors.rates_by_band(card).items()}
    return initial


@login_required
def rate_card_create(request):
    user = request.user
    require(selectors.can_manage_rate_cards(user))
    initial: dict = {}
    source = None
    if request.GET.get("from"):
        source = selectors.rate_card_get_for_user(user, request.GET["from"])
        initial = {**_card_initial(source), "council": source.council_id,
                   "service_type": source.service_type_id, "financial_year": source.financial_year}
    form = RateCardForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            card = services.rate_card_create(
                consortium=user.consortium, council=data["council"], service_type=data["service_type"],
                financial_year=data["financial_year"], effective_from=data["effective_from"],
                effective_to=data["effective_to"], rates=form.rates(), by=user, notes=data["notes"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Draft rate card made. Put it in force when it is agreed."))
            return redirect("rate-card-detail", pk=card.pk)
    return render(request, "pricing/rate_cards/form.html", {"form": form, "source": source, "card": None})


@login_required
def rate_card_edit(request, pk: int):
    user = request.user
    card = selectors.rate_card_get_for_user(user, pk)
    require(selectors.can_manage_rate_cards(user))
    initial = {**_card_initial(card), "effective_from": card.effective_from,
               "effective_to": card.effective_to, "notes": card.notes_text}
    form = RateCardEditForm(request.POST if request.method == "POST" else None, initial=initial)
    refusal = None
    if card.status != RateCardStatus.DRAFT and request.method != "POST":
        try:
            services.rate_card_check_editable(card)
        except DomainError as error:
            refusal = str(error.message)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rate_card_update_draft(
                card=card, by=user, rates=form.rates(), effective_from=data["effective_from"],
                effective_to=data["effective_to"], clear_effective_to=data["effective_to"] is None,
                notes=data["notes"],
            )
        except DomainError as error:
            if error.code == "not_editable":
                refusal = str(error.message)
            else:
                form.add_domain_error(error)
        else:
            messages.success(request, _("Draft rate card saved."))
            return redirect("rate-card-detail", pk=card.pk)
    return render(request, "pricing/rate_cards/form.html", {
        "form": form, "card": card, "refusal": refusal, "source": None,
    })


@login_required
def rate_card_activate_confirm(request, pk: int):
    """What putting the card in force does and cannot undo (the card it supersedes, the live
    contracts it varies), with its rates and day, before the coordinator says yes: the only way
    to put a card in force on the web."""
    user = request.user
    card = selectors.rate_card_get_for_user(user, pk)
    require(selectors.can_manage_rate_cards(user))
    superseded = selectors.cards_it_would_supersede(card)
    for old in superseded:
        old.ends_on = card.effective_from - dt.timedelta(days=1)
    return render(request, "pricing/rate_cards/confirm_activate.html", {
        "card": card, "year_label": financial_year_label(card.financial_year),
        "rates": [(band, selectors.rates_by_band(card).get(band.value)) for band in BANDS],
        "superseded": superseded, "can_activate": card.status == RateCardStatus.DRAFT,
    })


@require_POST
@login_required
def rate_card_activate(request, pk: int):
    user = request.user
    card = selectors.rate_card_get_for_user(user, pk)
    require(selectors.can_manage_rate_cards(user))
    if not confirmed(request):
        return redirect("rate-card-activate-confirm", pk=pk)
    try:
        services.rate_card_put_in_force(card=card, by=user)
    except DomainError as error:
        return rate_card_detail(request, pk, errors=[str(error.message)])
    card = selectors.rate_card_get_for_user(user, pk)
    if card.supersedes_id:
        messages.success(request, _("The rate card is in force. It supersedes the card from %(date)s, which "
                                    "now ends on %(end)s.") % {
            "date": formatting.day(card.supersedes.effective_from),
            "end": formatting.day(card.supersedes.effective_to),
        })
    else:
        messages.success(request, _("The rate card is in force."))
    return redirect("rate-card-detail", pk=card.pk)


@login_required
def rate_card_uplift(request, pk: int):
    user = request.user
    card = selectors.rate_card_get_for_user(user, pk)
    require(selectors.can_manage_rate_cards(user))
    rules = selectors.uplift_rules_visible_to(user)
    form = UpliftForm(request.POST if request.method == "POST" else None, rules=rules)
    current = selectors.rates_by_band(card)
    preview = None
    refusal = None
    if card.status not in selectors.AGREED:
        refusal = _("Uplift an agreed card (in force or superseded), not a draft or a withdrawn one.")
    elif request.method == "POST" and form.is_valid():
        rule = form.chosen_rule()
        if rule is not None:
            new = services.uplifted_rates(current, rule)
            preview = {"rule": rule, "rows": [(band, current.get(band.value), new.get(band.value))
                                              for band in BANDS if band.value in current]}
            if request.POST.get("action") == "create":
                try:
                    with transaction.atomic():
                        if rule.pk is None:
                            rule = services.uplift_rule_save(consortium=user.consortium, by=user,
                                                             **form.rule_fields())
                        draft = services.rate_card_draft_uplift(
                            card=card, rule=rule, by=user, effective_from=form.cleaned_data["effective_from"])
                except DomainError as error:
                    form.add_domain_error(error)
                    preview = None
                else:
                    message = _("Draft rate card for %(year)s made by the rule “%(rule)s”.") % {
                        "year": financial_year_label(draft.financial_year), "rule": rule.name}
                    messages.success(request, message)
                    return redirect("rate-card-detail", pk=draft.pk)
    return render(request, "pricing/rate_cards/uplift.html", {
        "card": card, "form": form, "preview": preview, "refusal": refusal,
        "current": [(band, current.get(band.value)) for band in BANDS if band.value in current],
        "next_year": financial_year_label(card.financial_year + 1), "has_rules": rules.exists(),
    })


@login_required
def uplift_rules(request):
    user = request.user
    require(selectors.can_manage_rate_cards(user))
    form = UpliftRuleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.uplift_rule_save(consortium=user.consortium, by=user, **form.rule_fields())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Uplift rule “%(name)s” added.") % {"name": rule.name})
            return redirect("uplift-rules")
    return render(request, "pricing/rate_cards/uplift_rules.html", {
        "rules": selectors.uplift_rules_visible_to(user), "form": form,
    })


@login_required
def rates_on_date(request):
    user = request.user
    require(selectors.can_see_rate_cards(user))
    asked = any(name in request.GET for name in ("council", "service_type", "date", "consortium"))
    form = RatesOnDateForm(request.GET if asked else None, user=user,
                           initial={"date": timezone.localdate().isoformat()})
    result = None
    if asked and form.is_valid():
        data = form.cleaned_data
        consortium = data.get("consortium") or user.consortium
        rates = selectors.rates_on(consortium=consortium, council=data["council"],
                                   service_type=data["service_type"], on=data["date"])
        result = {"rates": [(band, rates[band.value]) for band in BANDS if band.value in rates], **data}
    return render(request, "pricing/rate_cards/on_date.html", {"form": form, "result": result})


urlpatterns = [
    path("pricing/rate-cards/", rate_card_list, name="rate-card-list"),
    path("pricing/rate-cards/new/", rate_card_create, name="rate-card-create"),
    path("pricing/rate-cards/on-date/", rates_on_date, name="rates-on-date"),
    path("pricing/rate-cards/uplift-rules/", uplift_rules, name="uplift-rules"),
    path("pricing/rate-cards/<int:pk>/", rate_card_detail, name="rate-card-detail"),
    path("pricing/rate-cards/<int:pk>/edit/", rate_card_edit, name="rate-card-edit"),
    path("pricing/rate-cards/<int:pk>/activate/", rate_card_activate, name="rate-card-activate"),
    path("pricing/rate-cards/<int:pk>/activate/confirm/", rate_card_activate_confirm,
         name="rate-card-activate-confirm"),
    path("pricing/rate-cards/<int:pk>/uplift/", rate_card_uplift, name="rate-card-uplift"),
]
