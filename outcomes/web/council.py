"""The council benchmark (council reviewers) and the value for money of one contract (the
council's reviewers and the consortium's coordinators and board members), with their downloads.
Who sees what: ``outcomes.selectors.council``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from consortium.errors import require
from consortium.exports import bad_format, download, file_format_of, frame_of
from outcomes.council_forms import CouncilYearForm
from outcomes.selectors import council as selectors


def _chosen_year(request, **scope) -> tuple[CouncilYearForm, int]:
    form = CouncilYearForm(request.GET or None, years=selectors.years_with_periods(**scope))
    return form, form.year()


def _board_ids(user) -> list[int]:
    return selectors.board_council_ids(user.council_id)


def _download(tables, *, name: str, file_format: str, about: list[tuple[str, object]]):
    frame = frame_of([_("Table"), _("Row"), _("Figure"), _("Value")], selectors.flat_rows(tables))
    return download(frame, name=name, file_format=file_format, sheet=_("Figures")[:31], about=about,
                    widths={"A": 60, "B": 40, "C": 40, "D": 24})


def _about(year: int) -> list[tuple[str, object]]:
    return [
        (_("Financial year"), selectors.year_label(year)),
        (_("Source"), _("Contracts, members' returns (submitted or accepted), their period reports and "
                        "outcome reviews, Care Inspectorate Wales inspections, invoices and credit notes, "
                        "the council's published rates and the consortium's cost-of-care evidence as "
                        "disclosed to councils.")),
        (_("People"), _("Figures about people are not shown where fewer than 5 people's reviews lie "
                        "behind them.")),
        (_("Section 16"), str(selectors.SECTION_16)),
    ]


@login_required
def council_benchmark(request):
    require(selectors.can_see_council_benchmark(request.user))
    form, year = _chosen_year(request, councils=_board_ids(request.user))
    benchmark = selectors.council_benchmark(request.user, financial_year=year)
    return render(request, "outcomes/council/benchmark.html", {
        "form": form, "benchmark": benchmark, "year_label": selectors.year_label(year),
        "section16": selectors.SECTION_16, "section16_source": selectors.SECTION_16_SOURCE,
        "headline_note": selectors.HEADLINE_NOTE,
    })


@login_required
def council_benchmark_download(request):
    require(selectors.can_see_council_benchmark(request.user))
    file_format = file_format_of(request)
    if file_format is None:
        return bad_format()
    _form, year = _chosen_year(request, councils=_board_ids(request.user))
    benchmark = selectors.council_benchmark(request.user, financial_year=year)
    return _download(benchmark.tables, name=f"council-benchmark-{selectors.year_label(year)}",
                     file_format=file_format, about=_about(year))


def _contract_year(request, contract):
    return _chosen_year(request, contract=contract)


@login_required
def contract_value(request, pk):
    contract = selectors.value_contract_get_for_user(request.user, pk)
    form, year = _contract_year(request, contract)
    value = selectors.contract_value(request.user, contract, financial_year=year)
    return render(request, "outcomes/council/value.html", {
        "form": form, "value": value, "contract": value.contract, "year_label": selectors.year_label(year),
    })


@login_required
def contract_value_download(request, pk):
    contract = selectors.value_contract_get_for_user(request.user, pk)
    file_format = file_format_of(request)
    if file_format is None:
        return bad_format()
    _form, year = _contract_year(request, contract)
    value = selectors.contract_value(request.user, contract, financial_year=year)
    name = f"value-for-money-{contract.pk}-{selectors.year_label(year)}"
    return _download([value.rates, value.outcomes], name=name, file_format=file_format, about=_about(year))


urlpatterns = [
    path("outcomes/council/", council_benchmark, name="council-benchmark"),
    path("outcomes/council/download/", council_benchmark_download, name="council-benchmark-download"),
    path("outcomes/contracts/<int:pk>/value-for-money/", contract_value, name="council-value"),
    path("outcomes/contracts/<int:pk>/value-for-money/download/", contract_value_download,
         name="council-value-download"),
]
