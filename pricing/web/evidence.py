"""Web pages: cost-of-care evidence (statistics table, box plots, export) and its comparators.

Who may use what (``pricing.selectors.evidence`` decides the figures):
- cost evidence and its export: coordinators (full statistics, minimum and maximum too), board
  members and member users (suppressed below three members, never a minimum or maximum);
  council reviewers and staff admins are refused (403);
- reference prices and council rates: every consortium user reads them; coordinators add and
  change them; council reviewers are refused (403).

The page and the export are built from the same rows (:func:`evidence_rows`), so the file has
exactly the page's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

import pandas as pd
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.text import slugify
from django.utils.translation import gettext as _

from consortium import exports
from consortium.errors import DomainError, require
from consortium.models import Council, ServiceType
from consortium.web import add_domain_error
from pricing.forms import (
    CouncilRateForm,
    EvidenceFilterForm,
    ReferencePriceForm,
    default_service_type,
    year_field,
)
from pricing.models import financial_year_label
from pricing.selectors import evidence as selectors
from pricing.services import reference as services

PAGE_SIZE = 50


# --- filters -------------------------------------------------------------------------------------


def _filters(request) -> tuple[EvidenceFilterForm, dict, list[ServiceType]]:
    """The filter form bound to the query, service type and year defaulted when not given (so
    the form shows what the page shows)."""
    user = request.user
    service_types = list(ServiceType.objects.order_by("name_en"))
    years = selectors.evidence_years(user.consortium)
    data = request.GET.copy()
    default = default_service_type(service_types)
    if not data.get("service_type") and default is not None:
        data["service_type"] = str(default.pk)
    if not data.get("financial_year"):
        data["financial_year"] = str(selectors.current_financial_year())
    form = EvidenceFilterForm(data, years=years, service_types=service_types)
    return form, form.filters(), service_types


# --- the table shared by the page and the export -----------------------------------------------------


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    values: list  # Decimal, int or None, one per column
    note: str = ""
    kind: str = "line"  # line, total, derived, comparator

    @property
    def cells(self) -> list[tuple[str, object]]:
        """(data value as in the export, value) per column."""
        return [("" if v is None else str(v), v) for v in self.values]


def evidence_columns(evidence: selectors.Evidence) -> list[tuple[str, str]]:
    columns = [("members", _("Members")), ("lower_quartile", _("Lower quartile")),
               ("median", _("Median")), ("upper_quartile", _("Upper quartile"))]
    if evidence.full:
        columns += [("minimum", _("Minimum")), ("maximum", _("Maximum"))]
    return columns


def _stat_values(stat: selectors.Statistic, full: bool) -> list:
    values = [stat.count, stat.lower_quartile, stat.median, stat.upper_quartile]
    if full:
        values += [stat.minimum, stat.maximum]
    return values


def _own_note(comparator, published_note: str) -> str:
    """A consortium's own figure says so; a published one keeps its note."""
    return _("Your consortium's own figure") if comparator.own else published_note


def evidence_rows(evidence: selectors.Evidence, *, council: Council | None, council_rate) -> list[Row]:
    """Every row of the evidence table: the lines, the total (median of totals), the sum of line
    medians and the difference, then the comparators (their figure in the median column)."""
    full = evidence.full
    width = len(evidence_columns(evidence))

    def median_only(value) -> list:
        values = [None] * width
        values[2] = value
        return values

    note = evidence.reason if evidence.suppressed else ""  # said once, on the total
    rows = [Row(line.code, line.label, _stat_values(line.statistic, full)) for line in evidence.lines]
    rows.append(Row("total", _("Total (median of totals)"), _stat_values(evidence.total, full), note,
                    kind="total"))
    rows.append(Row("sum_of_line_medians", _("Sum of line medians"),
                    median_only(evidence.sum_of_line_medians), kind="derived"))
    rows.append(Row("difference", _("Median of totals less sum of line medians"),
                    median_only(evidence.difference), kind="derived"))
    reference = evidence.reference_price
    year = financial_year_label(evidence.financial_year)
    rows.append(Row(
        "reference_price", _("Homecare Association minimum price, %(year)s") % {"year": year},
        median_only(reference.amount if reference else None),
        _own_note(reference, reference.basis or "") if reference else _("No published figure for this year"),
        kind="comparator",
    ))
    if council is None:
        council_note = _("Choose a council to compare with its rate")
        council_label = _("Council rate")
    else:
        council_label = _("%(council)s rate, %(year)s") % {"council": council.name, "year": year}
        council_note = _own_note(council_rate, "") if council_rate else _(
            "No rate recorded for this council, service and year")
    rows.append(Row("council_rate", council_label, median_only(council_rate.rate if council_rate else None),
                    council_note, kind="comparator"))
    return rows


# --- the box plot ----------------------------------------------------------------------------------

PLOT_LABEL_WIDTH = 230
PLOT_WIDTH = 400
PLOT_ROW = 44
PLOT_TOP = 30
BOX_HEIGHT = 22


@dataclass(frozen=True)
class Box:
    evidence: selectors.Evidence
    y: int
    text_y: int
    box_x: Decimal | None = None
    box_width: Decimal | None = None
    median_x: Decimal | None = None
    min_x: Decimal | None = None
    max_x: Decimal | None = None

    @property
    def mid_y(self) -> int:
        return self.y + BOX_HEIGHT // 2

    @property
    def bottom_y(self) -> int:
        return self.y + BOX_HEIGHT


def _scale_max(values: list[Decimal]) -> Decimal:
    top = max(values, default=Decimal(0))
    step = Decimal(20)  # the four gridlines fall on whole multiples of £5
    return max(step, (top / step).to_integral_value(rounding=ROUND_CEILING) * step)


def box_plot(all_evidence: list[selectors.Evidence]) -> dict:
    """Geometry of the box plot of totals, one row per service type, on one scale in pounds.

    Only the quartile box and the median are drawn for people who may not see individual
    figures; coordinators also get whiskers from the minimum to the maximum."""
    shown = [e for e in all_evidence if e.has_figures]
    full = any(e.full for e in all_evidence)
    extremes = [v for e in shown for v in (
        (e.total.maximum,) if full and e.total.maximum is not None else (e.total.upper_quartile,
                                                                        e.total.median)) if v is not None]
    references = [e.reference_price.amount for e in all_evidence[:1] if e.reference_price]
    scale = _scale_max(extremes + references)

    def x(value: Decimal) -> Decimal:
        return (PLOT_LABEL_WIDTH + value / scale * PLOT_WIDTH).quantize(Decimal("0.1"))

    boxes = []
    for i, e in enumerate(all_evidence):
        y = PLOT_TOP + i * PLOT_ROW
        kwargs = {}
        if e.has_figures:
            t = e.total
            kwargs = {"median_x": x(t.median)}
            if t.lower_quartile is not None and t.upper_quartile is not None:  # from 5 members
                kwargs.update(box_x=x(t.lower_quartile), box_width=x(t.upper_quartile) - x(t.lower_quartile))
            if t.minimum is not None and t.maximum is not None:
                kwargs.update(min_x=x(t.minimum), max_x=x(t.maximum))
        boxes.append(Box(e, y, y + BOX_HEIGHT // 2 + 5, **kwargs))
    ticks = [{"value": scale * k / 4, "x": x(scale * k / 4)} for k in range(5)]
    height = PLOT_TOP + len(all_evidence) * PLOT_ROW + 10
    reference = all_evidence[0].reference_price if all_evidence else None
    return {
        "boxes": boxes, "ticks": ticks, "width": PLOT_LABEL_WIDTH + PLOT_WIDTH + 30, "height": height,
        "axis_y": PLOT_TOP - 8, "box_height": BOX_HEIGHT, "full": full, "plot_left": PLOT_LABEL_WIDTH,
        "plot_right": PLOT_LABEL_WIDTH + PLOT_WIDTH,
        "reference": reference, "reference_x": x(reference.amount) if reference else None,
        "bottom": height - 6,
    }


# --- pages -----------------------------------------------------------------------------------------


def _evidence_context(request) -> dict:
    user = request.user
    form, filters, service_types = _filters(request)
    all_evidence = selectors.evidence_by_service_type(
        viewer=user, consortium=user.consortium, financial_year=filters["financial_year"],
        region=filters["region"], service_types=service_types,
    )
    chosen = filters["service_type"]
    evidence = next(e for e in all_evidence if chosen is not None and e.service_type.pk == chosen.pk) \
        if chosen else None
    council_rate = None
    if filters["council"] is not None and chosen is not None:
        council_rate = selectors.council_rate_for(council=filters["council"], service_type=chosen,
                                                  financial_year=filters["financial_year"],
                                                  consortium=user.consortium)
    region_label = dict(form.fields["region"].choices).get(filters["region"] or "", _("All Wales"))
    return {
        "form": form, "filters": filters, "evidence": evidence, "all_evidence": all_evidence,
        "columns": evidence_columns(evidence) if evidence else [],
        "rows": evidence_rows(evidence, council=filters["council"], council_rate=council_rate)
        if evidence else [],
        "council_rate": council_rate, "region_label": region_label,
        "year_label": financial_year_label(filters["financial_year"]),
        "min_members": selectors.MIN_MEMBERS,
        "min_members_for_quartiles": selectors.MIN_MEMBERS_FOR_QUARTILES,
        "disclosure_step": selectors.DISCLOSURE_STEP,
    }


@login_required
def cost_evidence(request):
    require(selectors.can_see_evidence(request.user))
    context = _evidence_context(request)
    context["plot"] = box_plot(context["all_evidence"])
    context["can_maintain"] = selectors.can_maintain_comparators(request.user)
    query = request.GET.copy()
    query.pop("file_format", None)
    context["export_query"] = query.urlencode()
    return render(request, "pricing/evidence/evidence.html", context)


def export_frame(context: dict) -> pd.DataFrame:
    columns = context["columns"]
    header = [_("Row"), _("Line"), *(label for _code, label in columns), _("Note")]
    return exports.frame_of(header, ([row.code, row.label, *row.values, str(row.note)]
                                     for row in context["rows"]))


@login_required
def cost_evidence_export(request):
    require(selectors.can_see_evidence(request.user))
    file_format = exports.file_format_of(request)
    if file_format is None:
        return exports.bad_format()
    context = _evidence_context(request)
    if context["evidence"] is None:
        return HttpResponseBadRequest(_("There are no service types to export."), content_type="text/plain")
    frame = export_frame(context)
    evidence = context["evidence"]
    name = slugify(f"cost-evidence-{evidence.service_type.code}-{context['year_label']}-"
                   f"{evidence.region or 'all-wales'}")
    # the first statistic column counts members; the others are pounds
    money = [str(label) for _code, label in context["columns"][1:]]
    return exports.download(frame, name=name, file_format=file_format, sheet="Evidence",
                            about=_about(context), money_columns=money, widths={"B": 48})


def _about(context: dict) -> list[tuple[str, object]]:
    evidence = context["evidence"]
    return [
        (_("Service type"), evidence.service_type.name),
        (_("Financial year"), context["year_label"]),
        (_("Region"), context["region_label"]),
        (_("Members"), evidence.members),
        (_("Method"), _("Latest cost submissions of active members, pounds per contact hour. "
                        "Quartiles by linear interpolation between ranks (as QUARTILE.INC), "
                        "worked in pence and rounded half up to the penny once.") if evidence.full
         else _("Latest cost submissions of active members, pounds per contact hour. Each figure is "
                "one member's figure by the nearest-rank method, rounded down to a whole "
                "%(step)sp.") % {"step": selectors.DISCLOSURE_STEP}),
        (_("Disclosure control"), _("Figures built from fewer than %(n)s members are suppressed for "
                                    "everyone but coordinators; quartiles need %(quartiles)s members.")
         % {"n": selectors.MIN_MEMBERS, "quartiles": selectors.MIN_MEMBERS_FOR_QUARTILES}),
    ]


# --- comparators -----------------------------------------------------------------------------------


def _save_form(request, form, save, success_message) -> bool:
    if not form.is_valid():
        return False
    try:
        save(**form.cleaned_data)
    except DomainError as error:
        add_domain_error(form, error)
        return False
    messages.success(request, success_message(form.cleaned_data))
    return True


@login_required
def reference_prices(request):
    user = request.user
    require(selectors.can_see_comparators(user))
    can_maintain = selectors.can_maintain_comparators(user)
    form = None
    if request.method == "POST":
        require(can_maintain)
        form = ReferencePriceForm(request.POST)
        if _save_form(
            request, form, lambda **data: services.reference_price_save(by=user, **data),
            lambda data: _("Minimum price for %(year)s saved.") % {
                "year": financial_year_label(data["financial_year"])},
        ):
            return redirect("reference-prices")
    elif can_maintain:
        form = ReferencePriceForm(initial=_reference_price_initial(request.GET, user.consortium))
    return render(request, "pricing/evidence/reference_prices.html", {
        "prices": selectors.reference_prices_visible_to(user), "form": form, "can_maintain": can_maintain,
    })


@login_required
def council_rates(request):
    user = request.user
    require(selectors.can_see_comparators(user))
    can_maintain = selectors.can_maintain_comparators(user)
    form = None
    if request.method == "POST":
        require(can_maintain)
        form = CouncilRateForm(request.POST)
        if _save_form(
            request, form, lambda **data: services.council_rate_save(by=user, **data),
            lambda data: _("%(council)s rate for %(service)s, %(year)s, saved.") % {
                "council": data["council"].name, "service": data["service_type"].name,
                "year": financial_year_label(data["financial_year"])},
        ):
            return redirect("council-rates")
    elif can_maintain:
        form = CouncilRateForm(initial=_council_rate_initial(request.GET, user.consortium))
    page = Paginator(selectors.council_rates_visible_to(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "pricing/evidence/council_rates.html", {
        "page_obj": page, "form": form, "can_maintain": can_maintain,
    })


def _source_initial(comparator) -> dict:
    return {"source": comparator.source, "source_url": comparator.source_url,
            "published_on": comparator.published_on}


def _reference_price_initial(query, consortium) -> dict:
    """Starting values from a "change" link (?financial_year=); anything else is ignored."""
    picked = forms.Form(query)
    picked.fields["financial_year"] = year_field()
    if not picked.is_valid():
        return {}
    year = picked.cleaned_data["financial_year"]
    existing = (selectors.own_reference_price(consortium=consortium, financial_year=year)
                or selectors.reference_price_for(year))
    if existing is None:
        return {"financial_year": year}
    return {"financial_year": year, "amount": existing.amount, "basis": existing.basis,
            **_source_initial(existing)}


def _council_rate_initial(query, consortium) -> dict:
    """Starting values from a "change" link (?council=&service_type=&financial_year=)."""
    picked = CouncilRateForm(query)
    picked.is_valid()
    data = getattr(picked, "cleaned_data", {})
    initial = {k: data[k] for k in ("council", "service_type", "financial_year") if data.get(k)}
    if len(initial) == 3:
        existing = (selectors.own_council_rate(consortium=consortium, **initial)
                    or selectors.council_rate_for(**initial))
        if existing:
            initial.update(rate=existing.rate, **_source_initial(existing))
    return initial


urlpatterns = [
    path("pricing/evidence/", cost_evidence, name="cost-evidence"),
    path("pricing/evidence/export/", cost_evidence_export, name="cost-evidence-export"),
    path("pricing/reference-prices/", reference_prices, name="reference-prices"),
    path("pricing/council-rates/", council_rates, name="council-rates"),
]
